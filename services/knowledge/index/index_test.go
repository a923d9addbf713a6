package index

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func params() Params {
	return Params{K1: 1.2, Fields: []Field{{"title", 3, 0.5}, {"body", 1, 0.75}}}
}

func build(t *testing.T, docs [][2]string) *Index {
	t.Helper()
	b, err := NewBuilder(params())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		if _, err := b.Add([][]string{strings.Fields(d[0]), strings.Fields(d[1])}); err != nil {
			t.Fatal(err)
		}
	}
	return b.Build()
}

func TestFieldWeightsRank(t *testing.T) {
	ix := build(t, [][2]string{
		{"node notready", "kubelet stopped pod pending"},
		{"pod pending", "scheduler insufficient cpu"},
		{"dns lookup", "coredns pod"},
	})
	tests := []struct {
		query []string
		want  int
	}{
		{[]string{"pending"}, 1}, // title beats body
		{[]string{"kubelet"}, 0},
		{[]string{"coredns", "pod"}, 2},
	}
	for _, tt := range tests {
		var q []QueryTerm
		for _, s := range tt.query {
			q = append(q, QueryTerm{Text: s, Weight: 1, Group: -1})
		}
		hits := ix.Search(q, 3)
		if len(hits) == 0 || hits[0].Doc != tt.want {
			t.Errorf("Search(%v) = %+v, want doc %d first", tt.query, hits, tt.want)
		}
	}
}

func TestScoreMatchesFormula(t *testing.T) {
	ix := build(t, [][2]string{{"a", "b b"}, {"c", "d"}})
	// term b: df=1, N=2 → idf = ln(1 + 1.5/1.5) = ln 2.
	// body len 2, avg 1.5, b .75: norm = .25 + .75*2/1.5 = 1.25; tf~ = 1*2/1.25 = 1.6.
	want := math.Log(2) * 1.6 / (1.2 + 1.6)
	hits := ix.Search([]QueryTerm{{Text: "b", Weight: 1, Group: -1}}, 0)
	if len(hits) != 1 || math.Abs(hits[0].Score-want) > 1e-9 {
		t.Fatalf("hits = %+v, want one hit scored %v", hits, want)
	}
	if ix.DocFreq("b") != 1 || !ix.Contains(0, "b") || ix.Contains(1, "b") {
		t.Error("DocFreq/Contains disagree with the documents")
	}
	if ix.IDF("zzz") != ix.MaxIDF() || ix.MaxIDF() <= ix.IDF("b") {
		t.Error("unseen terms must get the highest IDF")
	}
}

func TestQueryWeightsAndDuplicates(t *testing.T) {
	ix := build(t, [][2]string{{"x", ""}, {"y", ""}})
	hits := ix.Search([]QueryTerm{{Text: "x", Weight: 1, Group: 0, Pool: 0}, {Text: "y", Weight: 2, Group: 1, Pool: 0}, {Text: "y", Weight: 0.5, Group: 1, Pool: 0}}, 0)
	if len(hits) != 2 || hits[0].Doc != 1 {
		t.Fatalf("hits = %+v, want doc 1 first (weight 2)", hits)
	}
	single := ix.Search([]QueryTerm{{Text: "y", Weight: 2, Group: 0, Pool: 0}}, 0)
	if hits[0].Score != single[0].Score {
		t.Errorf("duplicate term counted twice: %v vs %v", hits[0].Score, single[0].Score)
	}
	filtered := ix.SearchFiltered([]QueryTerm{{Text: "x", Weight: 1, Group: 0, Pool: 0}, {Text: "y", Weight: 1, Group: 1, Pool: 0}}, 0, func(d int) bool { return d == 0 })
	if len(filtered) != 1 || filtered[0].Doc != 0 {
		t.Errorf("filtered = %+v, want only doc 0", filtered)
	}
}

func TestParamsValidate(t *testing.T) {
	tests := []struct {
		name string
		p    Params
	}{
		{"k1", Params{K1: 0, Fields: []Field{{"a", 1, 0.5}}}},
		{"no fields", Params{K1: 1}},
		{"weight", Params{K1: 1, Fields: []Field{{"a", 0, 0.5}}}},
		{"b", Params{K1: 1, Fields: []Field{{"a", 1, 1.5}}}},
	}
	for _, tt := range tests {
		if _, err := NewBuilder(tt.p); err == nil {
			t.Errorf("%s: NewBuilder accepted %+v", tt.name, tt.p)
		}
	}
	b, _ := NewBuilder(params())
	if _, err := b.Add([][]string{{"a"}, {"b"}, {"c"}}); err == nil {
		t.Error("Add accepted more fields than the index has")
	}
}

func TestGroupsAndPools(t *testing.T) {
	ix := build(t, [][2]string{{"pod 파드 po od", ""}, {"node", ""}})
	one := func(q ...QueryTerm) float64 {
		hits := ix.SearchFiltered(q, 0, func(d int) bool { return d == 0 })
		if len(hits) == 0 {
			return 0
		}
		return hits[0].Score
	}
	pod := one(QueryTerm{Text: "pod", Weight: 1, Group: 0, Pool: 0})
	kor := one(QueryTerm{Text: "파드", Weight: 1, Group: 0, Pool: 0})
	po := one(QueryTerm{Text: "po", Weight: 1, Group: 0, Pool: 0})
	od := one(QueryTerm{Text: "od", Weight: 1, Group: 0, Pool: 0})
	tests := []struct {
		name string
		q    []QueryTerm
		want float64
	}{
		{"pools in a group: max", []QueryTerm{{Text: "pod", Weight: 1, Group: 0, Pool: 0}, {Text: "파드", Weight: 1, Group: 0, Pool: 1}}, math.Max(pod, kor)},
		{"terms in a pool: sum", []QueryTerm{{Text: "po", Weight: 1, Group: 0, Pool: 2}, {Text: "od", Weight: 1, Group: 0, Pool: 2}}, po + od},
		{"best pool wins over partial pool", []QueryTerm{{Text: "pod", Weight: 1, Group: 0, Pool: 0}, {Text: "po", Weight: 1, Group: 0, Pool: 2}, {Text: "od", Weight: 1, Group: 0, Pool: 2}}, math.Max(pod, po+od)},
		{"groups add up", []QueryTerm{{Text: "pod", Weight: 1, Group: 0, Pool: 0}, {Text: "파드", Weight: 1, Group: 1, Pool: 0}}, pod + kor},
		{"negative group adds", []QueryTerm{{Text: "pod", Weight: 1, Group: -1, Pool: 0}, {Text: "파드", Weight: 1, Group: -1, Pool: 0}}, pod + kor},
		{"zero weight ignored", []QueryTerm{{Text: "pod", Weight: 0, Group: 0, Pool: 0}}, 0},
	}
	for _, tt := range tests {
		if got := one(tt.q...); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s: score %v, want %v", tt.name, got, tt.want)
		}
	}
}

// Scores returns what SearchFiltered returns, unsorted, each hit's Base
// equal to its Score; searches reusing pooled memory do not disturb each
// other.
func TestScoresAreSearchUnsorted(t *testing.T) {
	ix := build(t, [][2]string{
		{"node notready", "kubelet stopped pod pending"},
		{"pod pending", "scheduler insufficient cpu pod"},
		{"dns lookup", "coredns pod"},
		{"cpu limit", "throttling pod cpu"},
	})
	queries := [][]QueryTerm{
		{{Text: "pod", Weight: 1, Group: -1}, {Text: "cpu", Weight: 0.5, Group: -1}},
		{{Text: "pod", Weight: 1, Group: 0, Pool: 0}, {Text: "pending", Weight: 1, Group: 0, Pool: 1}, {Text: "pod", Weight: 0.3, Group: 0, Pool: 0}},
		{{Text: "missing", Weight: 1, Group: -1}},
		{{Text: "dns", Weight: 1, Group: 2}, {Text: "coredns", Weight: 0.7, Group: 2}, {Text: "kubelet", Weight: 1, Group: 5}},
	}
	keep := func(doc int) bool { return doc != 1 }
	for round := range 3 { // later rounds reuse the pooled scratch
		for i, q := range queries {
			for _, k := range []func(int) bool{nil, keep} {
				want := ix.SearchFiltered(q, 0, k)
				got := ix.Scores([]Hit{{Doc: -1}}, q, k)
				if got[0].Doc != -1 {
					t.Fatalf("round %d query %d: Scores overwrote dst: %+v", round, i, got)
				}
				got = got[1:]
				if len(got) != len(want) {
					t.Fatalf("round %d query %d: %d hits, SearchFiltered has %d", round, i, len(got), len(want))
				}
				for _, h := range got {
					if h.Base != h.Score {
						t.Errorf("round %d query %d: hit %+v: Base differs from Score", round, i, h)
					}
					j := slices.IndexFunc(want, func(w Hit) bool { return w.Doc == h.Doc })
					if j < 0 || want[j].Score != h.Score {
						t.Errorf("round %d query %d: hit %+v not in %+v", round, i, h, want)
					}
				}
			}
		}
	}
}

// Scores computes, bit for bit, what the package documentation says: per
// document, each slot (group, pool) the sum of its terms' contributions in
// query order, each group the best of its slots, the score the sum of the
// groups in order of first appearance. Random queries over a random corpus
// cover one-term slots, one-slot groups, negative groups and duplicates.
func TestScoresMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	vocab := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}
	b, _ := NewBuilder(params())
	const docs = 40
	for range docs {
		var f [2][]string
		for i := range f {
			for range rng.IntN(8) {
				f[i] = append(f[i], vocab[rng.IntN(len(vocab))])
			}
		}
		if _, err := b.Add(f[:]); err != nil {
			t.Fatal(err)
		}
	}
	ix := b.Build()
	for n := range 2000 {
		q := make([]QueryTerm, 1+rng.IntN(12))
		for i := range q {
			q[i] = QueryTerm{Text: vocab[rng.IntN(len(vocab))], Weight: float64(rng.IntN(5)) * 0.3, Group: rng.IntN(5) - 1, Pool: rng.IntN(3)}
		}
		want := referenceScores(ix, q)
		got := ix.Scores(nil, q, nil)
		if len(got) != len(want) {
			t.Fatalf("query %d %+v: %d hits, want %d", n, q, len(got), len(want))
		}
		for _, h := range got {
			if w, ok := want[h.Doc]; !ok || w != h.Score || h.Base != h.Score {
				t.Fatalf("query %d %+v: doc %d scored %v, want %v", n, q, h.Doc, h.Score, w)
			}
		}
	}
}

// referenceScores is Scores written plainly, document by document.
func referenceScores(ix *Index, q []QueryTerm) map[int]float64 {
	type term struct {
		l      *Postings
		weight float64
	}
	type slot struct {
		key   poolKey
		terms []term
	}
	type group struct {
		g     int
		slots []*slot
	}
	var groups []*group
	free := -1
	for _, qt := range q {
		l := ix.postings[qt.Text]
		if qt.Weight <= 0 || l == nil {
			continue
		}
		g, p := qt.Group, qt.Pool
		if g < 0 {
			g, p = free, 0
			free--
		}
		gi := slices.IndexFunc(groups, func(x *group) bool { return x.g == g })
		if gi < 0 {
			gi = len(groups)
			groups = append(groups, &group{g: g})
		}
		gr := groups[gi]
		si := slices.IndexFunc(gr.slots, func(x *slot) bool { return x.key == poolKey{g, p} })
		if si < 0 {
			si = len(gr.slots)
			gr.slots = append(gr.slots, &slot{key: poolKey{g, p}})
		}
		sl := gr.slots[si]
		if ti := slices.IndexFunc(sl.terms, func(x term) bool { return x.l == l }); ti >= 0 {
			sl.terms[ti].weight = max(sl.terms[ti].weight, qt.Weight)
			continue
		}
		sl.terms = append(sl.terms, term{l, qt.Weight})
	}
	out := map[int]float64{}
	for d := range ix.Len() {
		score, hit := 0.0, false
		for _, gr := range groups {
			best, in := 0.0, false
			for _, sl := range gr.slots {
				sum, inSlot := 0.0, false
				for _, tm := range sl.terms {
					if k, ok := slices.BinarySearch(tm.l.docs, int32(d)); ok {
						sum += tm.weight * tm.l.idf * tm.l.tf[k] / tm.l.den[k]
						inSlot = true
					}
				}
				if inSlot && sum > best {
					best = sum
				}
				in = in || inSlot
			}
			if in {
				score += best
				hit = true
			}
		}
		if hit {
			out[d] = score
		}
	}
	return out
}

// Contains answers from the postings' bit set or by binary search alike.
func TestContainsMatchesPostings(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	vocab := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t"}
	b, _ := NewBuilder(params())
	const docs = 130
	for range docs {
		var f [2][]string
		for i := range f {
			for range rng.IntN(6) {
				f[i] = append(f[i], vocab[rng.IntN(len(vocab))])
			}
		}
		if _, err := b.Add(f[:]); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 { // a term in too few documents for a bit set
		if _, err := b.Add([][]string{{"rare"}, nil}); err != nil {
			t.Fatal(err)
		}
	}
	ix := b.Build()
	bitsets, lists := 0, 0
	for _, w := range append(vocab, "rare", "missing") {
		p := ix.Lookup(w)
		if p != nil && p.has != nil {
			bitsets++
		} else if p != nil {
			lists++
		}
		for d := -1; d <= docs+64; d++ {
			want := p != nil && slices.Contains(p.docs, int32(d))
			if got := p.Contains(d); got != want || ix.Contains(d, w) != want {
				t.Fatalf("term %q, document %d: Contains %v, want %v", w, d, got, want)
			}
		}
	}
	if bitsets == 0 || lists == 0 {
		t.Fatalf("%d terms with bit sets, %d with lists only: the test covers one way only", bitsets, lists)
	}
}
