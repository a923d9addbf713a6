package knowledge

import (
	"math/bits"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
	"github.com/kubemedic/kubemedic/services/knowledge/korean"
)

// TypoTolerance gives the words that neither the index nor the glossary knows
// a chance, in this order: a number no runbook mentions (0/5, 8081) is no
// topic; an unknown English word gets the closest known form sharing its head
// (recursively → recursive, rotate → rotation); a Hangul word gets its
// longest known head (a conjugation the stemmer does not list: 실행되자마자 →
// 실행; a filler head such as 여러개인 drops the word); anything else gets the
// dictionary words within a small edit distance over jamo (팬딩 → 펜딩) or
// letters (kublet → kubelet). The dictionary is every indexed word as written
// (not its stem) plus every single-word glossary variant.
type TypoTolerance struct{}

func (TypoTolerance) Name() string     { return "typo" }
func (TypoTolerance) Describe() string { return "typo tolerance (jamo distance)" }

func (TypoTolerance) bind(e *engine) Stage {
	t := &typoDict{byLen: map[int][]dictWord{}, concepts: e.analyzer.Features().Glossary}
	seen := map[string]bool{}
	add := func(w string) {
		if seen[w] || strings.HasPrefix(w, analysis.ConceptPrefix) || strings.HasPrefix(w, analysis.BigramPrefix) ||
			strings.HasPrefix(w, analysis.PhrasePrefix) || !fuzzyCandidate(w) {
			return
		}
		seen[w] = true
		r := korean.Decompose(w)
		t.byLen[len(r)] = append(t.byLen[len(r)], dictWord{w, r, korean.HasHangul(w), runeMask(r)})
	}
	e.ix.Vocabulary(func(term string, _ int) {
		if e.words[term] {
			add(term)
		}
	})
	if t.concepts {
		for _, w := range e.analyzer.Glossary().Words() {
			add(w)
		}
	}
	for n, ws := range t.byLen {
		sort.Slice(ws, func(i, j int) bool { return ws[i].text < ws[j].text })
		for _, w := range ws {
			if allLetters(w.text) {
				t.latin = append(t.latin, w.text)
			}
			script := &t.shelves[b2i(w.hangul)]
			for len(*script) <= n {
				*script = append(*script, shelf{})
			}
			sh := &(*script)[n]
			sh.words = append(sh.words, w)
			sh.masks = append(sh.masks, w.mask)
		}
	}
	sort.Strings(t.latin)
	return t
}

// typoDict is TypoTolerance bound to one engine's vocabulary.
type typoDict struct {
	byLen    map[int][]dictWord // by decomposed length
	latin    []string           // sorted Latin words, for completion
	concepts bool               // add the glossary concepts of a correction

	// shelves are the words of byLen again, by script (0 without Hangul,
	// 1 with) and decomposed length, in the same order, with their masks in
	// an array of their own: the lookup mostly reads masks only.
	shelves [2][]shelf
}

type shelf struct {
	words []dictWord
	masks []uint64 // masks[i] is words[i].mask
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

type dictWord struct {
	text   string
	runes  []rune
	hangul bool   // korean.HasHangul(text)
	mask   uint64 // runeMask(runes)
}

// runeMask is the set of a word's runes hashed into 64 bits. A rune of one
// word that the other lacks costs at least one edit, so the number of bits
// set in one mask and not in the other is a lower bound of the edit distance
// of the two words: the typo lookup skips candidates that cannot be within
// the limit without aligning them.
func runeMask(rs []rune) uint64 {
	var m uint64
	for _, r := range rs {
		m |= 1 << (uint32(r) * 2654435761 >> 26)
	}
	return m
}

func (*typoDict) Name() string     { return TypoTolerance{}.Name() }
func (*typoDict) Describe() string { return TypoTolerance{}.Describe() }

func (t *typoDict) rewrite(e *engine, q *query) {
	drop := map[int]bool{}
	for _, u := range q.units {
		w := u.terms[0]
		if w.Kind != analysis.Word {
			continue
		}
		df := e.ix.DocFreq(w.Text)
		if df == 0 && !hasLetter(w.Text) {
			drop[u.id] = true // a number no runbook mentions (0/5, 8081): no topic
			continue
		}
		if df > 0 || hasKind(u.terms, analysis.Concept) || knownStem(e, u) ||
			!fuzzyCandidate(w.Text) || inPhrase(q.all, u.id) {
			continue
		}
		if c := t.completion(w.Text); c != "" {
			// One letter away from a known word (verbosty → verbosity) is
			// a typo of that word, not a form of the completion's word
			// (verbose): the correction wins.
			if cs, d := t.closest(w.Text); d == 1 && !slices.Contains(cs, c) {
				for _, c := range cs {
					t.add(e, q, u, w, c)
				}
				continue
			}
			t.add(e, q, u, w, c)
			continue
		}
		if head, filler := knownHead(e, w.Text); filler {
			drop[u.id] = true
			continue
		} else if head != "" {
			q.addTerm(u, analysis.Term{Text: head, Kind: analysis.Fuzzy, Unit: u.id, Span: 1, Surface: w.Surface})
			continue
		}
		for _, c := range t.corrections(w.Text) {
			t.add(e, q, u, w, c)
		}
	}
	q.drop(drop)
}

// add adds correction c of word w and, with the glossary on, its concepts.
func (t *typoDict) add(e *engine, q *query, u *unit, w analysis.Term, c string) {
	q.addTerm(u, analysis.Term{Text: c, Kind: analysis.Fuzzy, Unit: u.id, Span: 1, Surface: w.Surface})
	if !t.concepts {
		return
	}
	concepts := e.analyzer.Glossary().Lookup(c)
	if len(concepts) == 0 && !korean.HasHangul(c) {
		// An index key without the plural s the analyzer took off
		// (coredn of coredns, kubernete of kubernetes): the glossary
		// knows the word as written.
		concepts = e.analyzer.Glossary().Lookup(c + "s")
	}
	for _, concept := range concepts {
		q.addTerm(u, analysis.Term{Text: analysis.ConceptPrefix + concept, Kind: analysis.Fuzzy, Unit: u.id, Span: 1, Surface: w.Surface})
	}
}

// completion returns the dictionary word that shares the longest head with
// an unknown English word — at least five letters and all but the last three
// — and is at most five letters longer than that head, or "". It joins the
// forms of a word a plural-only stemmer keeps apart: rotate → rotation,
// recursively → recursive.
func (t *typoDict) completion(w string) string {
	if len(w) < 6 || !allLetters(w) {
		return ""
	}
	for p := len(w) - 1; p >= max(5, len(w)-3); p-- {
		head := w[:p]
		best := ""
		for i := sort.SearchStrings(t.latin, head); i < len(t.latin) && strings.HasPrefix(t.latin[i], head); i++ {
			if c := t.latin[i]; c != w && len(c) <= p+5 && (best == "" || len(c) < len(best)) {
				best = c
			}
		}
		if best != "" {
			return best
		}
	}
	return ""
}

// corrections returns the dictionary words closest to w (at most 3), or nil.
func (t *typoDict) corrections(w string) []string {
	best, _ := t.closest(w)
	return best
}

// closest returns the dictionary words closest to w (at most 3) and their
// edit distance, or nil and 0.
func (t *typoDict) closest(w string) ([]string, int) {
	var rbuf [64]rune
	r := korean.AppendDecomposed(rbuf[:0], w)
	hangul, mask := korean.HasHangul(w), runeMask(r)
	limit := fuzzyLimit(len(r))
	var best []string
	bestD := limit + 1
	var al korean.Aligner
	shelves := t.shelves[b2i(hangul)]
	for n := max(len(r)-limit, 0); n <= len(r)+limit && n < len(shelves); n++ {
		sh := &shelves[n]
		for i, m := range sh.masks {
			cut := min(limit, bestD)
			if bits.OnesCount64(mask&^m) > cut || bits.OnesCount64(m&^mask) > cut {
				continue // more differing runes than edits allowed
			}
			cand := &sh.words[i]
			if cand.text == w {
				continue
			}
			d, ok := al.Within(r, cand.runes, cut)
			if !ok {
				continue
			}
			switch {
			case d < bestD:
				bestD, best = d, []string{cand.text}
			case d == bestD && len(best) < 3:
				best = append(best, cand.text)
			}
		}
	}
	if best == nil {
		return nil, 0
	}
	return best, bestD
}

// knownHead returns the longest head of a Hangul word, at least two
// syllables and shorter than the word, that the index knows as a word, or "".
// Korean puts the meaning first and stacks endings after it, so an unknown
// word whose head is known (끝나버려 → 끝나, 모아두 → 모아) is almost always a
// form of that word the stemmer does not list. Concepts need no head here:
// the analyzer already looked up the longest glossary head.
//
// A head that is a filler (여러개인 → 여러개) makes the whole word one:
// filler reports it, and the word is no topic of the question.
func knownHead(e *engine, w string) (head string, filler bool) {
	if !korean.HasHangul(w) {
		return "", false
	}
	// off[n] is where rune n starts: the heads are substrings of w.
	var offBuf [64]int
	off := offBuf[:0]
	for i := range w {
		off = append(off, i)
	}
	for n := len(off) - 1; n >= 2; n-- {
		head := w[:off[n]]
		if analysis.Stopword(head) {
			return "", true
		}
		if e.ix.DocFreq(head) > 0 {
			return head, false
		}
	}
	return "", false
}

// knownStem reports whether the English stem of a word is in the index: the
// word is a known word in another form, not a typo.
func knownStem(e *engine, u *unit) bool {
	for _, t := range u.terms {
		if t.Kind == analysis.Stem && e.ix.DocFreq(t.Text) > 0 {
			return true
		}
	}
	return false
}

// fuzzyCandidate reports whether a word is long enough for typo correction to
// be safe: two Hangul syllables, or five Latin letters.
func fuzzyCandidate(w string) bool {
	if korean.HasHangul(w) {
		return utf8.RuneCountInString(w) >= 2
	}
	return len(w) >= 5 && !strings.ContainsAny(w, "0123456789")
}

// fuzzyLimit is the edit distance allowed for a word of n decomposed runes
// (jamo for Hangul, letters for Latin): 1, or 2 from nine on.
func fuzzyLimit(n int) int {
	if n >= 9 {
		return 2
	}
	return 1
}

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

func allLetters(s string) bool {
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return s != ""
}
