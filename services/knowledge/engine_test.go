package knowledge

import (
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/kubemedic/kubemedic/services/knowledge/index"
)

// Rank stages see the index's hits in any order; bestFirst and best must
// pick what they would pick from the hits sorted as the index sorts them
// (score, then document), ties after rescaling kept in that order.
func TestRankOrderIgnoresInputOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 3000 {
		n := rng.IntN(40)
		sorted := make([]index.Hit, n)
		for i := range sorted {
			// Few distinct scores and factors, so that ties are common.
			base := float64(1 + rng.IntN(5))
			sorted[i] = index.Hit{Doc: rng.IntN(1000)*100 + i, Base: base, Score: base * []float64{1, 0.5, 0.75}[rng.IntN(3)]}
		}
		sort.Slice(sorted, func(i, j int) bool {
			if sorted[i].Base != sorted[j].Base {
				return sorted[i].Base > sorted[j].Base
			}
			return sorted[i].Doc < sorted[j].Doc
		})
		shuffled := slices.Clone(sorted)
		rng.Shuffle(n, func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })

		top := 1 + rng.IntN(8)
		want := slices.Clone(sorted)
		sort.SliceStable(want, func(i, j int) bool { return want[i].Score > want[j].Score })
		want = want[:min(top, n)]
		if got := bestFirst(slices.Clone(shuffled), top); !slices.Equal(got, want) {
			t.Fatalf("round %d: bestFirst(%v, %d) = %v, want %v", round, shuffled, top, got, want)
		}

		k := 1 + rng.IntN(10)
		var gotDocs []int
		for _, i := range best(shuffled, k) {
			gotDocs = append(gotDocs, shuffled[i].Doc)
		}
		var wantDocs []int
		for _, h := range sortedStable(sorted)[:min(k, n)] {
			wantDocs = append(wantDocs, h.Doc)
		}
		if !slices.Equal(gotDocs, wantDocs) {
			t.Fatalf("round %d: best(%v, %d) = docs %v, want %v", round, shuffled, k, gotDocs, wantDocs)
		}
	}
}

func sortedStable(hits []index.Hit) []index.Hit {
	out := slices.Clone(hits)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	return out
}
