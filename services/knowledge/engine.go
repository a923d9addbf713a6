package knowledge

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
	"github.com/kubemedic/kubemedic/services/knowledge/glossary"
	"github.com/kubemedic/kubemedic/services/knowledge/index"
	"github.com/kubemedic/kubemedic/services/knowledge/korean"
)

// Tuning selects the retrieval pipeline and the confidence model.
// DefaultTuning is what the product uses; ablation studies leave stages out.
type Tuning struct {
	// Stages is the retrieval pipeline. Required; DefaultTuning uses
	// DefaultPipeline. An empty pipeline is the whole-word baseline.
	Stages Pipeline
	// Calibration turns the evidence for an answer into a confidence.
	// Default: DefaultCalibration.
	Calibration Calibration
	// Separation moves an answered top answer's confidence by how clearly
	// it leads the runner-up. Default: DefaultSeparation; the zero value
	// shows the evidence confidence unchanged.
	Separation Separation
	// MinConfidence is the no-answer threshold: a top answer below it is not
	// offered. Default: DefaultMinConfidence.
	MinConfidence float64
}

// DefaultTuning is the full pipeline with the calibrated threshold.
func DefaultTuning() Tuning {
	return Tuning{Stages: DefaultPipeline(), Calibration: DefaultCalibration(), Separation: DefaultSeparation(), MinConfidence: DefaultMinConfidence}
}

// DefaultMinConfidence is the calibrated no-answer threshold (see the package
// documentation).
const DefaultMinConfidence = 0.5

// Document fields, in index order.
const (
	fieldTitle = iota
	fieldQuestions
	fieldKeywords
	fieldTags
	fieldBody
	fieldBodyEn
	numFields
)

// indexParams are the BM25F parameters before any stage adjusts them: every
// field weighs 1 (FieldWeights sets the weights); B is each field's length
// normalisation. The English body (Entry.BodyEn) is a field of its own, so
// that its length and words leave the Korean body's statistics alone.
func indexParams() index.Params {
	return index.Params{K1: 1.2, Fields: []index.Field{
		fieldTitle:     {Name: "title", Weight: 1, B: 0.5},
		fieldQuestions: {Name: "questions", Weight: 1, B: 0.6},
		fieldKeywords:  {Name: "keywords", Weight: 1, B: 0.5},
		fieldTags:      {Name: "tags", Weight: 1, B: 0.3},
		fieldBody:      {Name: "body", Weight: 1, B: 0.75},
		fieldBodyEn:    {Name: "body_en", Weight: 1, B: 0.75},
	}}
}

// engine is the searchable form of a list of entries. Immutable.
type engine struct {
	tuning   Tuning
	entries  []Entry
	analyzer *analysis.Analyzer
	ix       *index.Index
	// topical holds the terms of every entry's head (title, questions,
	// keywords, tags): the words runbooks are about, not words their bodies
	// mention in passing.
	topical map[string]bool
	// curated holds the whole words (not the parts of identifiers such as
	// --save-config) of every entry's keywords and tags: the vocabulary
	// runbook writers chose to describe what a runbook is about.
	curated map[string]bool
	// words holds every indexed term that is a word as written (not a stem,
	// a concept, a bigram or a phrase): the spellings typo correction may
	// suggest.
	words map[string]bool
	// providers is each entry's Provider, in an array of its own for the
	// rank stages, which read it for every hit.
	providers []string
	// kinds is each entry's kind (how-to, symptom or neither), for
	// preferSymptom.
	kinds []runbookKind
	// head indexes only the heads (title, questions, keywords, tags) of the
	// entries, in the main index's document numbering: what a runbook is
	// about, for telling tied answers apart (breakScoreTies).
	head *index.Index
	// general is the general IT vocabulary (data/general-it.txt) in its
	// analysed forms, made once for the stages that tell it apart.
	general map[string]bool
	stages  compiled
	// latin holds the Latin words of the runbooks as written, for the
	// analyzer's stem cache; only while the engine is built.
	latin map[string]bool
}

func newEngine(entries []Entry, t Tuning) (*engine, error) {
	if err := t.Stages.validate(); err != nil {
		return nil, err
	}
	var phrases []string
	for i := range entries {
		for _, k := range entries[i].Keywords {
			if strings.ContainsAny(strings.TrimSpace(k), " \t") {
				phrases = append(phrases, k)
			}
		}
	}
	features := t.Stages.analyzerFeatures()
	var g *glossary.Glossary
	if features.Glossary {
		g = glossary.Default()
	}
	e := &engine{tuning: t, entries: entries, analyzer: analysis.New(features, g, phrases), topical: map[string]bool{}, curated: map[string]bool{}, words: map[string]bool{}, latin: map[string]bool{}}
	params := indexParams()
	for _, s := range t.Stages {
		if h, ok := s.(indexStage); ok {
			h.configureIndex(&params)
		}
	}
	b, err := index.NewBuilder(params)
	if err != nil {
		return nil, err
	}
	hb, err := index.NewBuilder(params)
	if err != nil {
		return nil, err
	}
	for i := range entries {
		en := &entries[i]
		var fields [numFields][]string
		fields[fieldTitle] = e.texts(fieldTitle, en.TitleKo, en.TitleEn)
		fields[fieldQuestions] = e.texts(fieldQuestions, en.Questions...)
		fields[fieldKeywords] = e.texts(fieldKeywords, en.Keywords...)
		tags := append([]string{en.ID, providerWords[en.Provider]}, en.Tags...)
		tags = append(tags, en.Findings...)
		tags = append(tags, en.Actions...)
		fields[fieldTags] = e.texts(fieldTags, tags...)
		fields[fieldBody] = e.texts(fieldBody, indexableBody(en.Body))
		fields[fieldBodyEn] = e.texts(fieldBodyEn, indexableBody(en.BodyEn))
		for f := fieldTitle; f < fieldBody; f++ {
			for _, t := range fields[f] {
				e.topical[t] = true
			}
		}
		if _, err := b.Add(fields[:]); err != nil {
			return nil, fmt.Errorf("index entry %s: %w", en.ID, err)
		}
		fields[fieldBody], fields[fieldBodyEn] = nil, nil
		if _, err := hb.Add(fields[:]); err != nil {
			return nil, fmt.Errorf("index entry %s: %w", en.ID, err)
		}
		e.providers = append(e.providers, en.Provider)
		e.kinds = append(e.kinds, kindOf(en))
	}
	e.ix, e.head = b.Build(), hb.Build()
	latin := make([]string, 0, len(e.latin))
	for w := range e.latin {
		latin = append(latin, w)
	}
	e.analyzer, e.latin = e.analyzer.WithStemCache(latin), nil
	e.general = generalVocabulary(e.analyzer)
	for _, s := range t.Stages {
		if h, ok := s.(bindingStage); ok {
			s = h.bind(e)
		}
		e.stages.add(s)
	}
	return e, nil
}

// indexableBody is the body without code fence info strings: "```bash" in
// every runbook would otherwise make bash, yaml and sh look like words every
// runbook is about.
func indexableBody(body string) string {
	if !strings.Contains(body, "```") {
		return body
	}
	lines := strings.Split(body, "\n")
	for i, l := range lines {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, "```") {
			lines[i] = "```"
		}
	}
	return strings.Join(lines, "\n")
}

// texts analyses each text of one field separately (so phrases never span
// two keywords), records its words (and, for keywords and tags, its curated
// words) and returns the term strings.
func (e *engine) texts(field int, texts ...string) []string {
	var out []string
	for _, s := range texts {
		for _, t := range e.analyzer.Terms(s) {
			out = append(out, t.Text)
			if t.Kind == analysis.Word || t.Kind == analysis.Part {
				e.words[t.Text] = true
			}
			if t.Kind == analysis.Word && !korean.HasHangul(t.Surface) {
				e.latin[t.Surface] = true
			}
			if t.Kind == analysis.Word && (field == fieldKeywords || field == fieldTags) {
				e.curated[t.Text] = true
			}
		}
	}
	return out
}

// search appends to dst the best top entries for q among those keep accepts
// (all when keep is nil), after the rank stages rescaled the scores.
func (e *engine) search(dst []index.Hit, q *query, top int, keep func(int) bool) []index.Hit {
	buf := hitsPool.Get().(*[]index.Hit)
	hits := e.ix.Scores((*buf)[:0], q.terms, keep)
	for _, s := range e.stages.rank {
		s.rank(e, q, hits)
	}
	out := append(dst, bestFirst(hits, top)...)
	*buf = hits[:0]
	hitsPool.Put(buf)
	return out
}

// hitsPool holds the hit lists of searches: every document sharing a word
// with the question is a hit, of which an answer keeps a few.
var hitsPool = sync.Pool{New: func() any { return new([]index.Hit) }}

// ahead reports whether hit a ranks before hit b: by score, and equal scores
// as the index ranks them (by its own score, then by document number). The
// order is total, so rank stages may see the hits in any order.
func ahead(a, b index.Hit) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	if a.Base != b.Base {
		return a.Base > b.Base
	}
	return a.Doc < b.Doc
}

// bestFirst returns the top best hits in rank order (ahead), without sorting
// the rest: in one pass that keeps the best so far in order, and then at
// the front of hits (the rest of hits is left in no useful order).
func bestFirst(hits []index.Hit, top int) []index.Hit {
	if top >= len(hits) {
		slices.SortFunc(hits, func(a, b index.Hit) int {
			switch {
			case a.Doc == b.Doc:
				return 0
			case ahead(a, b):
				return -1
			}
			return 1
		})
		return hits
	}
	var buf [8]index.Hit
	best := buf[:0]
	if top > len(buf) {
		best = make([]index.Hit, 0, top)
	}
	for _, h := range hits {
		if len(best) == top && !ahead(h, best[top-1]) {
			continue
		}
		j := len(best) // where h goes
		if j < top {
			best = append(best, h)
		} else {
			j = top - 1
		}
		for ; j > 0 && ahead(h, best[j-1]); j-- {
			best[j] = best[j-1]
		}
		best[j] = h
	}
	return hits[:copy(hits, best)]
}

// refusal is the first gate stage's reason to refuse q, whose top answer is
// document top with the given confidence, or "".
func (e *engine) refusal(q *query, top int, confidence float64) string {
	for _, g := range e.stages.gate {
		if r := g.gate(e, q, top, confidence); r != "" {
			return r
		}
	}
	return ""
}
