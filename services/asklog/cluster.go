package asklog

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
)

// question is one distinct gap question (same analyzed terms) and its asks.
type question struct {
	text   string    // the most frequent wording, then the smallest
	terms  []string  // sorted
	weight []float64 // of each term
	asks   []gap
}

// kindWeight is how much a term of each kind counts. Parts repeat their
// compound word (kube, proxy of kube-proxy), so they count half; concepts
// count fully because they are what joins a Korean and an English wording.
var kindWeight = map[analysis.Kind]float64{
	analysis.Word:    1,
	analysis.Part:    0.5,
	analysis.Concept: 1,
	analysis.Phrase:  1,
}

// termSet is the set of topic terms of a question with their kind weight:
// words, their parts, glossary concepts and phrases. Bigrams are left out:
// they are a fuzzy fallback for retrieval and would make unrelated Korean
// questions alike; so are one-letter Latin pieces (the t of can't).
func termSet(a *analysis.Analyzer, text string) map[string]float64 {
	out := map[string]float64{}
	for _, t := range a.Terms(text) {
		w, ok := kindWeight[t.Kind]
		if !ok || (len(t.Text) == 1 && t.Text[0] < 0x80) {
			continue
		}
		out[t.Text] = max(out[t.Text], w)
	}
	return out
}

// vocabulary weighs terms by inverse document frequency over a corpus (the
// knowledge base's entries): terms every runbook uses (연결, log) say little
// about what a question is missing; terms no runbook uses (vpn) say most.
type vocabulary struct {
	docs int
	df   map[string]int
}

func newVocabulary(a *analysis.Analyzer, corpus []string) vocabulary {
	v := vocabulary{docs: len(corpus), df: map[string]int{}}
	for _, doc := range corpus {
		for t := range termSet(a, doc) {
			v.df[t]++
		}
	}
	return v
}

// idf is ln(1 + N/(1+df)); with no corpus every term weighs 1.
func (v vocabulary) idf(term string) float64 {
	if v.docs == 0 {
		return 1
	}
	return math.Log(1 + float64(v.docs)/float64(1+v.df[term]))
}

func newQuestion(a *analysis.Analyzer, v vocabulary, text string) *question {
	set := termSet(a, text)
	q := &question{terms: slices.Sorted(maps.Keys(set))}
	for _, t := range q.terms {
		q.weight = append(q.weight, set[t]*v.idf(t))
	}
	return q
}

// similarity is the weighted Jaccard (Ruzicka) index of two questions'
// terms: Σ min(wa, wb) over Σ max(wa, wb), a term missing from one side
// weighing 0 there.
func similarity(a, b *question) float64 {
	i, j := 0, 0
	var both, all float64
	for i < len(a.terms) && j < len(b.terms) {
		switch c := strings.Compare(a.terms[i], b.terms[j]); {
		case c == 0:
			both += min(a.weight[i], b.weight[j])
			all += max(a.weight[i], b.weight[j])
			i++
			j++
		case c < 0:
			all += a.weight[i]
			i++
		default:
			all += b.weight[j]
			j++
		}
	}
	for ; i < len(a.terms); i++ {
		all += a.weight[i]
	}
	for ; j < len(b.terms); j++ {
		all += b.weight[j]
	}
	if all == 0 {
		return 0
	}
	return both / all
}

// prefix returns the terms of q that a question at least t alike must share
// with it, under a global term order (rarest first): if J(x,y) ≥ t, the
// first shared term in that order lies where the rest of x still weighs
// ≥ t·w(x), and likewise for y (prefix filtering, as in similarity joins).
// Indexing only these terms skips the pairs made only of common words.
func prefix(q *question, rank map[string]int, t float64) []string {
	idx := make([]int, len(q.terms))
	total := 0.0
	for i := range idx {
		idx[i] = i
		total += q.weight[i]
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(rank[q.terms[a]], rank[q.terms[b]]) })
	var out []string
	rest := total
	for _, i := range idx {
		if rest < t*total-1e-9 {
			break
		}
		out = append(out, q.terms[i])
		rest -= q.weight[i]
	}
	return out
}

// cluster groups gaps by single-link clustering: two questions are in one
// group when a chain of questions, each pair at least o.Similarity alike,
// joins them. Questions with no topic terms are grouped by exact text.
// Only pairs sharing a rare enough term are compared (an inverted index over
// each question's prefix, see prefix), so the cost follows how alike the
// questions are rather than their square.
func cluster(gaps []gap, o GapOptions) [][]*question {
	vocab := newVocabulary(o.Analyzer, o.Corpus)
	byKey := map[string]*question{}
	for _, g := range gaps {
		q := newQuestion(o.Analyzer, vocab, g.rec.Question)
		key := strings.Join(q.terms, "\x00")
		if len(q.terms) == 0 {
			key = "\x01" + strings.TrimSpace(strings.ToLower(g.rec.Question))
		}
		if have := byKey[key]; have != nil {
			q = have
		} else {
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
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	df := map[string]int{}
	for _, q := range qs {
		for _, t := range q.terms {
			df[t]++
		}
	}
	order := slices.Collect(maps.Keys(df))
	slices.SortFunc(order, func(a, b string) int {
		if c := cmp.Compare(df[a], df[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	rank := make(map[string]int, len(order))
	for i, t := range order {
		rank[t] = i
	}
	posting := map[string][]int{}
	for i, q := range qs {
		compared := map[int]bool{}
		for _, t := range prefix(q, rank, o.Similarity) {
			for _, j := range posting[t] {
				if compared[j] {
					continue
				}
				compared[j] = true
				if similarity(q, qs[j]) >= o.Similarity {
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

// representativeFirst moves the representative question first: the one
// most alike to all asks of the group (its own count as similarity 1);
// ties go to the more asked, then the smaller text. Only the most asked
// questions are candidates, so a large group costs linear, not square, time.
func representativeFirst(qs []*question) []*question {
	const candidates = 32
	order := slices.Clone(qs)
	slices.SortStableFunc(order, func(a, b *question) int {
		if c := cmp.Compare(len(b.asks), len(a.asks)); c != 0 {
			return c
		}
		return strings.Compare(a.text, b.text)
	})
	best, bestScore := order[0], -1.0
	for _, q := range order[:min(candidates, len(order))] {
		s := 0.0
		for _, p := range qs {
			if p == q {
				s += float64(len(p.asks))
			} else {
				s += similarity(q, p) * float64(len(p.asks))
			}
		}
		if s > bestScore { // order breaks ties
			best, bestScore = q, s
		}
	}
	out := []*question{best}
	for _, q := range qs {
		if q != best {
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
