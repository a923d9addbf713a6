package knowledge

import (
	"slices"
	"testing"

	"github.com/kubemedic/kubemedic/services/knowledge/index"
)

func TestBreakScoreTies(t *testing.T) {
	tests := []struct {
		name   string
		scores []float64
		confs  []float64
		want   []int // docs in order after
	}{
		{"tie, runner-up covers more", []float64{15.26, 15.25, 11}, []float64{0.93, 0.94, 0.7}, []int{1, 0, 2}},
		{"tie, top covers more", []float64{15.26, 15.25, 11}, []float64{0.95, 0.94, 0.7}, []int{0, 1, 2}},
		{"no tie: a clearly better score keeps its place", []float64{10, 9.9, 9}, []float64{0.6, 0.9, 0.95}, []int{0, 1, 2}},
		{"three-way tie", []float64{8.88, 8.87, 8.86}, []float64{0.5, 0.7, 0.9}, []int{2, 1, 0}},
		{"equal confidences keep retrieval's order", []float64{5, 5}, []float64{0.8, 0.8}, []int{0, 1}},
		{"a tie behind a non-tie does not move", []float64{10, 9, 8.99}, []float64{0.9, 0.5, 0.6}, []int{0, 1, 2}},
		{"one answer", []float64{3}, []float64{0.4}, []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := make([]index.Hit, len(tt.scores))
			sigs := make([]Signals, len(tt.scores))
			for i, s := range tt.scores {
				hits[i] = index.Hit{Doc: i, Score: s}
				sigs[i] = Signals{Score: s}
			}
			confs := slices.Clone(tt.confs)
			breakScoreTies(hits, sigs, confs)
			var got []int
			for i, h := range hits {
				got = append(got, h.Doc)
				if sigs[i].Score != h.Score || confs[i] != tt.confs[h.Doc] {
					t.Errorf("position %d: signals or confidence not moved with hit %d", i, h.Doc)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("order = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPreferGeneric(t *testing.T) {
	// Documents 0 and 1 are provider runbooks, 2 and 3 generic ones.
	providers := []string{"tke", "aks", "generic", "generic"}
	tests := []struct {
		name   string
		named  string
		docs   []int
		scores []float64
		confs  []float64
		want   []int     // docs in order after
		wantC  []float64 // confidences in order after
	}{
		{"generic within the tie moves up", "", []int{0, 2, 1}, []float64{2.18, 2.10, 2}, []float64{0.83, 0.80, 0.7}, []int{2, 0, 1}, []float64{0.80, 0.80, 0.7}},
		{"passes two provider answers", "", []int{0, 1, 3}, []float64{10, 9.9, 9.6}, []float64{0.9, 0.6, 0.7}, []int{3, 0, 1}, []float64{0.7, 0.7, 0.6}},
		{"clearly better provider answer stays", "", []int{0, 2, 1}, []float64{10, 9.4, 9}, []float64{0.9, 0.8, 0.7}, []int{0, 2, 1}, []float64{0.9, 0.8, 0.7}},
		{"question names a provider", "tke", []int{0, 2}, []float64{10, 9.9}, []float64{0.9, 0.8}, []int{0, 2}, []float64{0.9, 0.8}},
		{"generic top stays", "", []int{2, 0}, []float64{10, 9.99}, []float64{0.5, 0.9}, []int{2, 0}, []float64{0.5, 0.9}},
		{"only provider answers", "", []int{0, 1}, []float64{10, 9.99}, []float64{0.9, 0.8}, []int{0, 1}, []float64{0.9, 0.8}},
		{"one answer", "", []int{0}, []float64{3}, []float64{0.4}, []int{0}, []float64{0.4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := make([]index.Hit, len(tt.docs))
			sigs := make([]Signals, len(tt.docs))
			for i, d := range tt.docs {
				hits[i] = index.Hit{Doc: d, Score: tt.scores[i]}
				sigs[i] = Signals{Score: tt.scores[i]}
			}
			confs := slices.Clone(tt.confs)
			preferGeneric(hits, sigs, confs, tt.named, providers)
			var got []int
			for i, h := range hits {
				got = append(got, h.Doc)
				if sigs[i].Score != h.Score {
					t.Errorf("position %d: signals not moved with hit %d", i, h.Doc)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("order = %v, want %v", got, tt.want)
			}
			if !slices.Equal(confs, tt.wantC) {
				t.Errorf("confidences = %v, want %v", confs, tt.wantC)
			}
		})
	}
}
