package knowledge

import (
	"slices"
	"testing"

	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
)

// A question word written as a hyphenated compound gets the concept its
// pieces name together, as a concept (not a typo correction); a compound
// that is a concept itself, or whose pieces name nothing together, gets no
// other.
func TestCompoundConcepts(t *testing.T) {
	eng := embedded(t).cur.Load().engine
	tests := []struct {
		q, word string
		want    string // concept the word must have; "" for none beyond its own and its pieces'
		not     []string
	}{
		{"edited a config-map but pods see old values", "config-map", "configmap", nil},
		{"name-space stuck terminating", "name-space", "namespace", nil},
		{"node-pool scaled to zero", "node-pool", "nodepool", nil},
		{"cluster-ip not answering", "cluster-ip", "clusterip", nil},
		{"pod stays not-ready", "not-ready", "notready", nil},
		{"killed for out-of-memory", "out-of-memory", "oomkilled", nil},
		{"stateful-set pods have no dns names", "stateful-set", "statefulset", nil},
		{"kube-proxy is down", "kube-proxy", "kube-proxy", []string{"proxy-kube"}},
		{"image reuse with cbs-reuse-key", "cbs-reuse-key", "", []string{"cbsreusekey"}},
	}
	for _, tt := range tests {
		terms, found := termsOfWord(eng, tt.q, tt.word)
		var concepts []string
		for _, term := range terms {
			if term.Kind == analysis.Concept {
				concepts = append(concepts, term.Text[len(analysis.ConceptPrefix):])
			}
		}
		if !found {
			t.Errorf("%q: no unit %q", tt.q, tt.word)
			continue
		}
		if tt.want != "" && !slices.Contains(concepts, tt.want) {
			t.Errorf("%q: %q has concepts %v, want %q among them", tt.q, tt.word, concepts, tt.want)
		}
		for _, c := range tt.not {
			if slices.Contains(concepts, c) {
				t.Errorf("%q: %q has concept %q", tt.q, tt.word, c)
			}
		}
	}
}
