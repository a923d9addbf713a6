package knowledge

import "github.com/kubemedic/kubemedic/services/knowledge/analysis"

// Bigrams adds the two-syllable pieces of Hangul words, which match
// compounds written together or apart (노드풀 / 노드 풀) and words the stemmer
// does not know.
type Bigrams struct{}

func (Bigrams) Name() string     { return "bigrams" }
func (Bigrams) Describe() string { return "Hangul bigrams" }
func (Bigrams) configureAnalyzer(f *analysis.Features) {
	f.Bigrams = true
}
