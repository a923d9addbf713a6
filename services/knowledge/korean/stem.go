package korean

import (
	_ "embed"
	"slices"

	"github.com/kubemedic/kubemedic/services/knowledge/wordlist"
)

// suffixes are particles (조사), copula endings and common verb endings that
// follow a noun or a verb stem in chat questions, in data/suffixes.txt (each
// group there says why it is listed). Stem removes the longest one that
// matches.
//
//go:embed data/suffixes.txt
var suffixList string

var suffixes = wordlist.Parse(suffixList)

// protected are nouns Stem leaves alone (data/protected.txt): their last
// syllable looks like a particle (추가 ends in 가, 결과 in 과, 경로 in 로), or
// a stacked cut would overshoot them.
//
//go:embed data/protected.txt
var protectedList string

var protected = wordlist.Set(protectedList)

// suffixLengths are the distinct byte lengths of the suffixes, longest
// first. Whether a word ends in a suffix of length n is one lookup of its
// last n bytes in suffixSet, so Stem tries each length instead of each
// suffix; a cut depends only on its length.
var suffixLengths = func() []int {
	var out []int
	for _, s := range suffixes {
		if !slices.Contains(out, len(s)) {
			out = append(out, len(s))
		}
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out
}()

// IsSuffix reports whether the whole word is a particle or ending, as happens
// when it is glued to a Latin word ("pod가", "NotReady로", "Pending이에요").
func IsSuffix(word string) bool {
	return suffixSet[word]
}

var suffixSet = func() map[string]bool {
	m := make(map[string]bool, len(suffixes))
	for _, s := range suffixes {
		m[s] = true
	}
	return m
}()

// Stem removes particles and endings from a Hangul word: 파드가 → 파드,
// 파드들이 → 파드, 설정했는데 → 설정, 노드풀에서 → 노드풀. At most two suffixes
// are removed, a stem keeps at least one syllable, and words listed as
// protected (추가, 결과, 경로…) are returned unchanged. A word that is nothing
// but a suffix is returned unchanged too; use IsSuffix to detect that case.
func Stem(word string) string {
	if IsSuffix(word) {
		return word
	}
	for round := 0; round < 2; round++ {
		if protected[word] {
			return word
		}
		// A cut that leaves a protected noun wins over a longer one:
		// 목적으로 is 목적 + 으로, not 목 + 적으로. Otherwise the longest
		// suffix goes.
		cut := 0
		for _, n := range suffixLengths {
			if len(word) > n && suffixSet[word[len(word)-n:]] {
				if protected[word[:len(word)-n]] {
					return word[:len(word)-n]
				}
				if cut == 0 {
					cut = n
				}
			}
		}
		if cut == 0 {
			return word
		}
		word = word[:len(word)-cut]
	}
	return word
}
