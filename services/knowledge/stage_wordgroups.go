package knowledge

import (
	"slices"

	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
)

// WordGroups scores each question word once, by its best evidence (the word,
// one of its concepts, a correction, or its bigrams together), so that a word
// that happens to match in three forms does not outweigh two words that match
// once. Phrase-level terms (keyword phrases, multi-word glossary concepts)
// form groups of their own, one per run of overlapping phrases: the best
// phrase of a run adds to the words it contains, overlapping phrases ("로그
// 파일", "로그 파일 위치") do not pile up, phrases on different words ("타겟
// 그룹", "만든 적 없") both count. Without the stage every term adds up.
type WordGroups struct{}

func (WordGroups) Name() string     { return "word-groups" }
func (WordGroups) Describe() string { return "one score per question word" }

// phraseGroup is the first group number of phrase runs, far above any word's
// unit number.
const phraseGroup = 1 << 30

func (WordGroups) shape(q *query) {
	var buf [64]int
	run := appendPhraseRuns(buf[:0], q.all)
	for i, t := range q.all {
		qt := &q.terms[i]
		if t.Span > 1 || t.Kind == analysis.Phrase {
			qt.Group, qt.Pool = phraseGroup+run[i], i
			continue
		}
		qt.Group = t.Unit
		switch t.Kind {
		case analysis.Bigram:
			qt.Pool = -1 // all bigrams of the word together
		case analysis.Part:
			qt.Pool = -2 // all parts of the word together
		default:
			qt.Pool = i // the word, each concept, each correction alone
		}
	}
}

// phraseRuns numbers the multi-word and Phrase terms by run of overlapping
// spans (0, 1, 2… in text order); other terms get -1.
func phraseRuns(terms []analysis.Term) []int { return appendPhraseRuns(nil, terms) }

// appendPhraseRuns appends phraseRuns(terms) to dst.
func appendPhraseRuns(dst []int, terms []analysis.Term) []int {
	type span struct{ i, from, to int }
	var spanBuf [16]span
	spans := spanBuf[:0]
	for i, t := range terms {
		if t.Span > 1 || t.Kind == analysis.Phrase {
			spans = append(spans, span{i, t.Unit, t.Unit + max(t.Span, 1)})
		}
	}
	// Spans starting together get one run number whichever comes first.
	slices.SortFunc(spans, func(a, b span) int { return a.from - b.from })
	out := slices.Grow(dst, len(terms))[:len(dst)+len(terms)]
	run := out[len(dst):]
	for i := range run {
		run[i] = -1
	}
	n, end := -1, -1
	for _, sp := range spans {
		if sp.from >= end {
			n++
		}
		end = max(end, sp.to)
		run[sp.i] = n
	}
	return out
}
