package knowledge

import "github.com/kubemedic/kubemedic/services/knowledge/analysis"

// Stemming strips Korean particles and endings (파드가 → 파드, 설정했는데 →
// 설정) and the English plural s.
type Stemming struct{}

func (Stemming) Name() string     { return "stem" }
func (Stemming) Describe() string { return "particle/ending stripping" }
func (Stemming) configureAnalyzer(f *analysis.Features) {
	f.Stem = true
}
