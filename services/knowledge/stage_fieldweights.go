package knowledge

import "github.com/kubemedic/kubemedic/services/knowledge/index"

// FieldWeights sets the BM25F field weights: a match in a runbook's title or
// example questions says most about what it answers, its keywords next, then
// its tags (provider, finding codes, actions), its body least. Without the
// stage every field weighs 1.
type FieldWeights struct{}

func (FieldWeights) Name() string     { return "field-weights" }
func (FieldWeights) Describe() string { return "field weights" }

// fieldWeights are the weights by field.
var fieldWeights = [numFields]float64{
	fieldTitle:     3,
	fieldQuestions: 3,
	fieldKeywords:  2,
	fieldTags:      1.5,
	fieldBody:      1,
	fieldBodyEn:    0.5,
}

func (FieldWeights) configureIndex(p *index.Params) {
	for i := range p.Fields {
		p.Fields[i].Weight = fieldWeights[i]
	}
}
