package analysis

import "strings"

// expandContractions rewrites the English contractions of lower-cased text
// into the words they stand for, so that the segmenter, which splits words at
// an apostrophe, does not turn "won't" into the unknown word "won" and a
// stray "t": a negation becomes "not" ("doesn't" → "does not", "won't" →
// "will not", "can't" → "can not"), which the glossary's phrases read ("isn't
// ready" → not ready → NotReady) and the stopword list drops, and the other
// clitics ('s, 'm, 're, 've, 'll, 'd: "it's", "pod's", "i'm") are dropped,
// leaving the word they hang on. Both the ASCII apostrophe and the
// typographic one (U+2019) count; an apostrophe that is not between a letter
// and one of these endings (a quoted 'value', jsonpath='{…}') is left alone.
// Text without an apostrophe is returned as is.
func expandContractions(s string) string {
	if !strings.ContainsAny(s, "'’") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	last := 0 // s[last:] is not yet written
	for i := 0; i < len(s); {
		size := 0
		switch {
		case s[i] == '\'':
			size = 1
		case strings.HasPrefix(s[i:], "’"):
			size = len("’")
		default:
			i++
			continue
		}
		if i == 0 || !asciiLetter(s[i-1]) {
			i += size
			continue
		}
		rest := s[i+size:]
		n := 0 // length of the clitic after the apostrophe
		for _, c := range clitics {
			if strings.HasPrefix(rest, c) && (len(rest) == len(c) || !asciiLetter(rest[len(c)])) {
				n = len(c)
				break
			}
		}
		if n == 0 {
			i += size
			continue
		}
		word := s[:i] // the text up to the apostrophe; its last word is the host
		if rest[:n] == "t" && strings.HasSuffix(word, "n") {
			host := word[strings.LastIndexFunc(word, func(r rune) bool { return r > 0x7f || !asciiLetter(byte(r)) })+1:]
			b.WriteString(s[last : i-len(host)])
			b.WriteString(negated(host))
			b.WriteString(" not")
		} else {
			b.WriteString(s[last:i])
		}
		i += size + n
		last = i
	}
	b.WriteString(s[last:])
	return b.String()
}

// clitics are the endings an apostrophe joins to an English word, longest
// first.
var clitics = []string{"re", "ve", "ll", "s", "m", "d", "t"}

// negated is the verb of a negative contraction without its "n": "won" →
// "will", "can" → "can", "ain" → "is", "doesn" → "does".
func negated(host string) string {
	switch host {
	case "won":
		return "will"
	case "can":
		return "can"
	case "shan":
		return "shall"
	case "ain":
		return "is"
	}
	return strings.TrimSuffix(host, "n")
}

func asciiLetter(c byte) bool { return c >= 'a' && c <= 'z' }
