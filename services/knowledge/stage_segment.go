package knowledge

import "github.com/kubemedic/kubemedic/services/knowledge/analysis"

// Segmentation applies NFKC and case folding, splits words at Hangul/Latin
// boundaries ("pod가" → pod + 가) and keeps error strings whole as well as in
// parts (Init:CrashLoopBackOff → init:crashloopbackoff, init,
// crashloopbackoff).
type Segmentation struct{}

func (Segmentation) Name() string     { return "segment" }
func (Segmentation) Describe() string { return "NFKC, Hangul/Latin split, error strings" }
func (Segmentation) configureAnalyzer(f *analysis.Features) {
	f.Segment = true
}
