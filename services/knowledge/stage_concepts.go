package knowledge

import "github.com/kubemedic/kubemedic/services/knowledge/analysis"

// Concepts adds glossary concepts: the Korean, English, transliterated and
// chat spellings of one thing (파드/팟/pod → @pod) meet in one term.
type Concepts struct{}

func (Concepts) Name() string     { return "concepts" }
func (Concepts) Describe() string { return "glossary concepts" }
func (Concepts) configureAnalyzer(f *analysis.Features) {
	f.Glossary = true
}
