package knowledge

import "github.com/kubemedic/kubemedic/services/knowledge/analysis"

// Phrases matches the runbooks' multi-word keywords whole ("Name or service
// not known"), stop words included.
type Phrases struct{}

func (Phrases) Name() string     { return "phrases" }
func (Phrases) Describe() string { return "keyword phrases" }
func (Phrases) configureAnalyzer(f *analysis.Features) {
	f.Phrases = true
}
