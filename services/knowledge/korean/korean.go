// Package korean holds the language mechanics that search over mixed
// Korean/English text needs: normalisation (NFKC and case folding), splitting a
// string into words at Hangul/Latin boundaries while keeping error strings such
// as "Init:CrashLoopBackOff" or "External-IP" whole, stripping Korean particles
// and verb endings (파드가 → 파드, 설정했는데 → 설정), Hangul bigrams, and jamo
// decomposition with an edit distance over jamo, so that a one-vowel typo such as
// 팬딩 for 펜딩 costs 1 instead of the 2 a syllable-level distance would charge.
//
// The package knows nothing about Kubernetes; domain vocabulary lives in the
// glossary package and the search pipeline in the analysis package.
package korean

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Normalize applies Unicode NFKC (full-width letters, compatibility jamo and
// ligatures become their canonical forms) and lower-cases the text.
func Normalize(s string) string {
	if !nfkcStable(s) {
		s = norm.NFKC.String(s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			// strings.ToLower maps every rune with unicode.ToLower; lower
			// gives the same runes, Hangul without a table lookup.
			return strings.Map(lower, s)
		}
	}
	return strings.ToLower(s)
}

// nfkcStable reports whether s consists of ASCII and precomposed Hangul
// syllables only, as most questions do: such text is its own NFKC form (no
// ASCII character or syllable has a compatibility mapping, none combines
// with a neighbour of that set), so Normalize skips the normaliser's table
// lookups. A syllable followed by a conjoining final jamo would compose, but
// jamo are outside the set.
func nfkcStable(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			i++
			continue
		}
		// Hangul syllables U+AC00–U+D7A3 are EA B0 80 – ED 9E A3 in UTF-8.
		if i+2 >= len(s) || c < 0xEA || c > 0xED {
			return false
		}
		r := rune(c&0x0F)<<12 | rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F)
		if s[i+1]&0xC0 != 0x80 || s[i+2]&0xC0 != 0x80 || !IsHangul(r) {
			return false
		}
		i += 3
	}
	return true
}

// lower is unicode.ToLower, with the ASCII and Hangul syllable cases (no
// case, so unchanged) answered first.
func lower(r rune) rune {
	switch {
	case r < 0x80:
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	case IsHangul(r):
		return r
	}
	return unicode.ToLower(r)
}

// IsHangul reports whether r is a precomposed Hangul syllable (가–힣).
func IsHangul(r rune) bool {
	return r >= 0xAC00 && r <= 0xD7A3
}

// IsLatinOrDigit reports whether r is an ASCII-range letter or digit, or any
// other Latin letter.
func IsLatinOrDigit(r rune) bool {
	if r < 0x80 { // the ASCII letters are Latin, no other ASCII rune is
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.In(r, unicode.Latin)
}

// HasHangul reports whether s contains at least one Hangul syllable.
func HasHangul(s string) bool {
	for _, r := range s {
		if IsHangul(r) {
			return true
		}
	}
	return false
}

// Script classifies a word.
type Script int

// Scripts of a Word.
const (
	Latin  Script = iota // ASCII letters and digits, possibly with inner punctuation
	Hangul               // Hangul syllables only
)

// Word is one token of text as written, after Normalize.
type Word struct {
	Text   string
	Script Script
	// Parts holds the pieces of a compound Latin word split at inner
	// punctuation ("init:crashloopbackoff" → "init", "crashloopbackoff"); nil
	// when the word has no inner punctuation.
	Parts []string
	// Joined reports that the word was glued to the previous word without a
	// space (Hangul/Latin boundary, as in "pod가" or "NotReady로").
	Joined bool
}

// innerPunct are characters that may sit inside an error string or an
// identifier without breaking it: External-IP, Init:CrashLoopBackOff,
// 169.254.25.10, cbs-reuse-key, MC_group, app.kubernetes.io/name.
func innerPunct(r rune) bool {
	switch r {
	case '-', ':', '.', '_', '/':
		return true
	}
	return false
}

// Words splits normalised text into words. A word is a maximal run of Hangul
// syllables, or a maximal run of Latin letters and digits that may contain the
// inner punctuation - : . _ / between two letters or digits. Leading dashes are
// kept for command-line flags ("--previous", "-A"). Hangul and Latin runs that
// touch ("pod가") become two words, the second marked Joined.
func Words(s string) []Word { return AppendWords(nil, s) }

// AppendWords appends the words of s (as Words splits them) to dst.
func AppendWords(dst []Word, s string) []Word {
	out := dst
	// The runes of s and the byte offset of each (and of the end): a word's
	// text is a substring of s. Words hold no U+FFFD, so a word's bytes are
	// exactly its runes encoded, even in invalid UTF-8 input.
	var runeBuf [256]rune
	var offBuf [257]int
	rs, off := runeBuf[:0], offBuf[:0]
	for i, r := range s {
		rs, off = append(rs, r), append(off, i)
	}
	off = append(off, len(s))
	n := len(rs)
	prevEnd := -1
	for i := 0; i < n; {
		r := rs[i]
		switch {
		case IsHangul(r):
			j := i
			for j < n && IsHangul(rs[j]) {
				j++
			}
			out = append(out, Word{Text: s[off[i]:off[j]], Script: Hangul, Joined: prevEnd == i})
			prevEnd = j
			i = j
		case IsLatinOrDigit(r) || (r == '-' && flagStart(rs, i)):
			j := i
			for j < n && rs[j] == '-' { // flag dashes
				j++
			}
			for j < n {
				if IsLatinOrDigit(rs[j]) {
					j++
					continue
				}
				if innerPunct(rs[j]) && j+1 < n && IsLatinOrDigit(rs[j+1]) && j > i && IsLatinOrDigit(rs[j-1]) {
					j++
					continue
				}
				break
			}
			text := s[off[i]:off[j]]
			w := Word{Text: text, Script: Latin, Joined: prevEnd == i}
			w.Parts = splitParts(text)
			out = append(out, w)
			prevEnd = j
			i = j
		default:
			i++
		}
	}
	return out
}

// flagStart reports whether rs[i] starts a command-line flag: one or two dashes
// at a word start followed by a letter.
func flagStart(rs []rune, i int) bool {
	if i > 0 && !unicode.IsSpace(rs[i-1]) && rs[i-1] != '`' && rs[i-1] != '(' && rs[i-1] != '"' && rs[i-1] != '\'' {
		return false
	}
	j := i
	for j < len(rs) && j-i < 2 && rs[j] == '-' {
		j++
	}
	return j < len(rs) && rs[j] < 0x80 && unicode.IsLetter(rs[j])
}

// splitParts splits a Latin word at inner punctuation, dropping flag dashes.
// It returns nil when the word has a single part.
func splitParts(text string) []string {
	trimmed := strings.TrimLeft(text, "-")
	if !strings.ContainsAny(trimmed, "-:._/") {
		return nil // one part at most
	}
	parts := strings.FieldsFunc(trimmed, innerPunct)
	if len(parts) <= 1 {
		return nil
	}
	return parts
}

// Bigrams returns the overlapping two-syllable substrings of a Hangul word.
// A word of one syllable has no bigrams.
func Bigrams(word string) []string {
	rs := []rune(word)
	if len(rs) < 2 {
		return nil
	}
	out := make([]string, 0, len(rs)-1)
	for i := 0; i+1 < len(rs); i++ {
		out = append(out, string(rs[i:i+2]))
	}
	return out
}
