package asklog

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
)

// question is one distinct gap question (same analyzed terms) and its asks.
type question struct {
	text  string // the most frequent wording, then the smallest
	terms []string
	asks  []gap
}

// termSet is the set of topic terms of a question: words, their parts,
// glossary concepts and phrases. Bigrams are left out: they are a fuzzy
// fallback for retrieval and would make unrelated Korean questions similar.
func termSet(a *analysis.Analyzer, text string) []string {
	seen := map[string]bool{}
	for _, t := range a.Terms(text) {
		switch t.Kind {
		case analysis.Word, analysis.Part, analysis.Concept, analysis.Phrase:
			seen[t.Text] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// jaccard is |a∩b| / |a∪b| of two sorted sets.
func jaccard(a, b []string) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 0
	}
	i, j, both := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch c := strings.Compare(a[i], b[j]); {
		case c == 0:
			both++
			i++
			j++
		case c < 0:
			i++
		default:
			j++
		}
	}
	return float64(both) / float64(len(a)+len(b)-both)
}

// cluster groups gaps by single-link clustering: two questions are in one
// group when a chain of questions, each pair at least o.Similarity alike,
// joins them. Questions with no topic terms are grouped by exact text.
// Only pairs sharing a term are compared (an inverted index), so the cost
// follows how alike the questions are rather than their square.
func cluster(gaps []gap, o GapOptions) [][]*question {
	byKey := map[string]*question{}
	for _, g := range gaps {
		terms := termSet(o.Analyzer, g.rec.Question)
		key := strings.Join(terms, "\x00")
		if len(terms) == 0 {
			key = "\x01" + strings.TrimSpace(strings.ToLower(g.rec.Question))
		}
		q := byKey[key]
		if q == nil {
			q = &question{terms: terms}
			byKey[key] = q
		}
		q.asks = append(q.asks, g)
	}
	keys := slices.Sorted(maps.Keys(byKey))
	qs := make([]*question, len(keys))
	for i, k := range keys {
		qs[i] = byKey[k]
		qs[i].text = commonest(qs[i].asks)
	}

	parent := make([]int, len(qs))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	posting := map[string][]int{}
	for i, q := range qs {
		compared := map[int]bool{}
		for _, t := range q.terms {
			for _, j := range posting[t] {
				if compared[j] {
					continue
				}
				compared[j] = true
				if jaccard(q.terms, qs[j].terms) >= o.Similarity {
					ri, rj := find(i), find(j)
					parent[max(ri, rj)] = min(ri, rj)
				}
			}
			posting[t] = append(posting[t], i)
		}
	}
	groups := map[int][]*question{}
	for i, q := range qs {
		r := find(i)
		groups[r] = append(groups[r], q)
	}
	out := make([][]*question, 0, len(groups))
	for _, r := range slices.Sorted(maps.Keys(groups)) {
		out = append(out, representativeFirst(groups[r]))
	}
	return out
}

// representativeFirst moves the representative question first: the one most
// alike to the others, weighted by how often each was asked; ties go to the
// more asked, then the smaller text.
func representativeFirst(qs []*question) []*question {
	best, bestScore := 0, -1.0
	for i, q := range qs {
		s := 0.0
		for j, p := range qs {
			if i != j {
				s += jaccard(q.terms, p.terms) * float64(len(p.asks))
			}
		}
		switch {
		case s > bestScore,
			s == bestScore && len(q.asks) > len(qs[best].asks),
			s == bestScore && len(q.asks) == len(qs[best].asks) && q.text < qs[best].text:
			best, bestScore = i, s
		}
	}
	out := []*question{qs[best]}
	for i, q := range qs {
		if i != best {
			out = append(out, q)
		}
	}
	return out
}

// commonest is the most frequent wording among asks, then the smallest.
func commonest(asks []gap) string {
	n := map[string]int{}
	for _, g := range asks {
		n[strings.TrimSpace(g.rec.Question)]++
	}
	return mostFrequent(n)
}

// mostFrequent returns the key with the highest count, ties to the smallest.
func mostFrequent(n map[string]int) string {
	keys := sortedByCount(n)
	if len(keys) == 0 {
		return ""
	}
	return keys[0]
}

// sortedByCount returns the keys by count descending, then ascending.
func sortedByCount(n map[string]int) []string {
	keys := slices.Collect(maps.Keys(n))
	slices.SortFunc(keys, func(a, b string) int {
		if c := cmp.Compare(n[b], n[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return keys
}

// summarize describes one group; its representative question comes first.
func summarize(qs []*question, o GapOptions) Group {
	g := Group{Why: map[Why]int{}, Representative: qs[0].text}
	texts := map[string]int{}
	langs := map[string]bool{}
	answers := map[string]int{}
	var asks []gap
	for _, q := range qs {
		asks = append(asks, q.asks...)
	}
	g.Count = len(asks)
	for _, a := range asks {
		r := a.rec
		texts[strings.TrimSpace(r.Question)]++
		if r.Language != "" {
			langs[r.Language] = true
		}
		if g.FirstSeen.IsZero() || r.Time.Before(g.FirstSeen) {
			g.FirstSeen = r.Time
		}
		if r.Time.After(g.LastSeen) {
			g.LastSeen = r.Time
		}
		for _, w := range a.why {
			g.Why[w]++
		}
		if len(r.Answers) > 0 {
			answers[r.Answers[0].ID]++
		}
	}
	for _, t := range sortedByCount(texts) {
		if t != g.Representative && len(g.Examples) < o.MaxExamples {
			g.Examples = append(g.Examples, t)
		}
	}
	g.Languages = slices.Sorted(maps.Keys(langs))
	for _, id := range sortedByCount(answers) {
		if len(g.Answers) == 3 {
			break
		}
		g.Answers = append(g.Answers, AnswerCount{ID: id, Count: answers[id]})
	}
	return g
}
