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
		heads  []float64 // head coverage by doc; nil: all equal
		want   []int     // docs in order after
		wantC  []float64 // confidences in order after; nil: each hit's own
	}{
		{"tie, runner-up covers more", []float64{15.26, 15.25, 11}, []float64{0.93, 0.94, 0.7}, nil, []int{1, 0, 2}, nil},
		{"tie, top covers more", []float64{15.26, 15.25, 11}, []float64{0.95, 0.94, 0.7}, nil, []int{0, 1, 2}, nil},
		{"no tie: a clearly better score keeps its place", []float64{10, 9.9, 9}, []float64{0.6, 0.9, 0.95}, nil, []int{0, 1, 2}, nil},
		{"three-way tie", []float64{8.88, 8.87, 8.86}, []float64{0.5, 0.7, 0.9}, nil, []int{2, 1, 0}, nil},
		{"equal confidences keep retrieval's order", []float64{5, 5}, []float64{0.8, 0.8}, nil, []int{0, 1}, nil},
		{"a tie behind a non-tie does not move", []float64{10, 9, 8.99}, []float64{0.9, 0.5, 0.6}, nil, []int{0, 1, 2}, nil},
		{"one answer", []float64{3}, []float64{0.4}, nil, []int{0}, nil},
		{"tie, runner-up's head covers clearly more: it goes first, the top shows no higher confidence", []float64{5.9, 5.89, 4}, []float64{0.64, 0.6, 0.5}, []float64{0.3, 0.7, 0.9}, []int{1, 0, 2}, []float64{0.6, 0.6, 0.5}},
		{"tie, heads about even: confidence decides", []float64{5.9, 5.89}, []float64{0.6, 0.64}, []float64{0.5, 0.4}, []int{1, 0}, nil},
		{"no tie: a head covering more does not move an answer", []float64{10, 9}, []float64{0.9, 0.5}, []float64{0.1, 1}, []int{0, 1}, nil},
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
			head := func(doc int) float64 {
				if tt.heads == nil {
					return 0.5
				}
				return tt.heads[doc]
			}
			breakScoreTies(hits, sigs, confs, head)
			var got []int
			for i, h := range hits {
				got = append(got, h.Doc)
				want := tt.confs[h.Doc]
				if tt.wantC != nil {
					want = tt.wantC[i]
				}
				if sigs[i].Score != h.Score || confs[i] != want {
					t.Errorf("position %d: signals or confidence %v not moved with hit %d (want %v)", i, confs[i], h.Doc, want)
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
			hits, sigs := rankedAnswers(tt.docs, tt.scores)
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

// A runbook's head coverage counts only what it is about (title, example
// questions, keywords, tags), not what its body mentions: of two runbooks
// that both mention allocatable resources, the one about them covers the
// question in its head.
func TestHeadCoverage(t *testing.T) {
	b := embedded(t)
	s := b.cur.Load()
	eng := s.engine
	q := eng.parse("노드 describe 에서 할당 가능한 자원이랑 전체 용량이 다르게 나오는 이유")
	defer q.release()
	about := s.byID["k8s-node-describe-capacity-allocatable"]
	mentions := s.byID["k8s-pod-pending-insufficient-resources"]
	ha, hm := eng.headCoverage(q, about), eng.headCoverage(q, mentions)
	if ha-hm <= headTie {
		t.Errorf("head coverage of the runbook about it %.2f, of one mentioning it %.2f: want the first clearly higher", ha, hm)
	}
	if ha > eng.coverage(q, about)+1e-9 {
		t.Errorf("head coverage %.2f above coverage %.2f: the head is part of the document", ha, eng.coverage(q, about))
	}
}

// rankedAnswers returns the hits and signals of answers docs with scores, in
// that order, as a tie rule receives them.
func rankedAnswers(docs []int, scores []float64) ([]index.Hit, []Signals) {
	hits := make([]index.Hit, len(docs))
	sigs := make([]Signals, len(docs))
	for i, d := range docs {
		hits[i] = index.Hit{Doc: d, Score: scores[i]}
		sigs[i] = Signals{Score: scores[i]}
	}
	return hits, sigs
}
