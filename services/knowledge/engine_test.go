package knowledge

import (
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/kubemedic/kubemedic/services/knowledge/index"
)

// bestFirst picks what a stable sort by descending score followed by a cut
// picks, in the same order, ties included.
func TestBestFirst(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 2000 {
		n := rng.IntN(30)
		hits := make([]index.Hit, n)
		for i := range hits {
			// Few distinct scores, so that ties are common.
			hits[i] = index.Hit{Doc: i, Score: float64(rng.IntN(6)) / 2}
		}
		top := 1 + rng.IntN(8)
		want := slices.Clone(hits)
		sort.SliceStable(want, func(i, j int) bool { return want[i].Score > want[j].Score })
		want = want[:min(top, len(want))]
		if got := bestFirst(slices.Clone(hits), top); !slices.Equal(got, want) {
			t.Fatalf("round %d: bestFirst(%v, %d) = %v, want %v", round, hits, top, got, want)
		}
	}
}
