package knowledge

import "github.com/kubemedic/kubemedic/services/knowledge/analysis"

// EnglishStemming adds the Porter2 (Snowball English) stem of each English
// word, so that "restarting", "restarts" and "restarted" meet in "restart" and
// "evicted" finds "eviction"; a word the glossary does not know is looked up
// by its stem too. The word itself stays, so an exact match still counts
// first.
type EnglishStemming struct{}

func (EnglishStemming) Name() string     { return "stem-en" }
func (EnglishStemming) Describe() string { return "English stemming (Porter2)" }
func (EnglishStemming) configureAnalyzer(f *analysis.Features) {
	f.EnglishStem = true
}
