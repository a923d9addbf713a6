package korean

import (
	_ "embed"
	"sort"
	"strings"

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

// sortedSuffixes is suffixes ordered longest first.
var sortedSuffixes = func() []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(suffixes))
	for _, s := range suffixes {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
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
		// 목적으로 is 목적 + 으로, not 목 + 적으로.
		for _, s := range sortedSuffixes {
			if len(word) > len(s) && strings.HasSuffix(word, s) && protected[word[:len(word)-len(s)]] {
				return word[:len(word)-len(s)]
			}
		}
		cut := ""
		for _, s := range sortedSuffixes {
			if len(word) > len(s) && strings.HasSuffix(word, s) {
				cut = s
				break
			}
		}
		if cut == "" {
			return word
		}
		word = word[:len(word)-len(cut)]
	}
	return word
}
