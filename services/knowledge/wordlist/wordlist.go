// Package wordlist reads the word lists the knowledge base keeps as data
// files (stopwords, Korean suffixes, protected nouns, everyday concepts,
// provider hints): plain text, one or more words per line separated by
// spaces, and "#" starting a comment that runs to the end of the line. Each
// list file groups its words under a comment that says why they are there;
// the code that embeds the file decides what the words mean.
package wordlist

import "strings"

// Parse returns the words of a list in file order, comments removed.
// Duplicates are kept; use Set when order does not matter.
func Parse(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		out = append(out, strings.Fields(line)...)
	}
	return out
}

// Set returns the words of a list as a set.
func Set(text string) map[string]bool {
	m := map[string]bool{}
	for _, w := range Parse(text) {
		m[w] = true
	}
	return m
}

// Lines returns the non-empty lines of a list, comments removed and
// surrounding space trimmed, for lists whose unit is a line (a glossary
// entry, a key and its value).
func Lines(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}
