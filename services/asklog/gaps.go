package asklog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/services/knowledge"
	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
	"github.com/kubemedic/kubemedic/services/knowledge/glossary"
)

// Defaults of GapOptions.
const (
	DefaultMinConfidence = 0.6
	DefaultSimilarity    = 0.4
)

// GapOptions tunes Gaps.
type GapOptions struct {
	// MinConfidence: an answered question whose best confidence is below it
	// is a gap. Default: 0.6.
	MinConfidence float64
	// Similarity is the weighted Jaccard similarity of two questions'
	// analyzed terms from which they fall into one group (single link).
	// Default: 0.4.
	Similarity float64
	// Corpus are texts of the knowledge base's entries (see Corpus); terms
	// common in them weigh less, so questions group by what the knowledge
	// base lacks. Default: none, every term weighs the same.
	Corpus []string
	// MaxAsks bounds how many ask records are read, the newest kept.
	// Default: 100000.
	MaxAsks int
	// MaxExamples is how many distinct questions a group lists besides its
	// representative. Default: 5.
	MaxExamples int
	// Analyzer turns questions into terms. Default: the knowledge base's
	// full analyzer with the default glossary.
	Analyzer *analysis.Analyzer
}

// Why says why a question is a gap.
type Why string

// Reasons a question is a gap.
const (
	WhyRefused       Why = "refused"        // the knowledge base did not answer
	WhyLowConfidence Why = "low_confidence" // answered below MinConfidence
	WhyUnhelpful     Why = "unhelpful"      // someone rated the answer unhelpful
)

// Report is the result of Gaps.
type Report struct {
	// Since is where reading started.
	Since time.Time `json:"since"`
	// Asks is how many questions were read.
	Asks int `json:"asks"`
	// Gaps is how many of them are gaps.
	Gaps int `json:"gaps"`
	// Groups are the gaps grouped by similarity, largest first.
	Groups []Group `json:"groups"`
	// Malformed is how many stream messages, or lines of an ask message,
	// could not be decoded.
	Malformed int `json:"malformed,omitempty"`
	// Truncated says older questions were left out (GapOptions.MaxAsks).
	Truncated bool `json:"truncated,omitempty"`
}

// Group is a set of similar gap questions: one runbook to write.
type Group struct {
	// Representative is the question most similar to the others.
	Representative string `json:"representative"`
	// Count is how many times questions of the group were asked.
	Count int `json:"count"`
	// Examples are other distinct questions of the group, most frequent
	// first.
	Examples []string `json:"examples,omitempty"`
	// Languages are the question languages, sorted.
	Languages []string `json:"languages"`
	// FirstSeen and LastSeen bound when the questions were asked.
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	// Why counts the reasons: refused, low_confidence, unhelpful.
	Why map[Why]int `json:"why"`
	// Answers are the entries that were offered (best answer of each ask),
	// most frequent first, at most 3.
	Answers []AnswerCount `json:"answers,omitempty"`
}

// AnswerCount is an entry and how often it was the answer in a group.
type AnswerCount struct {
	ID    string `json:"id"`
	Count int    `json:"count"`
}

// Gaps reads the ask log from since and groups the questions the knowledge
// base did not answer well. The output depends only on the stored records.
func Gaps(ctx context.Context, js jetstream.JetStream, since time.Time, o GapOptions) (*Report, error) {
	if js == nil {
		return nil, errors.New("asklog: no JetStream")
	}
	if err := o.setDefaults(); err != nil {
		return nil, err
	}
	c, err := read(ctx, js, since, o.MaxAsks)
	if err != nil {
		return nil, err
	}
	rep := findGaps(c, o)
	rep.Since = since.UTC()
	return rep, nil
}

// Validate reports an option out of range.
func (o GapOptions) Validate() error {
	if o.MinConfidence < 0 || o.MinConfidence > 1 {
		return fmt.Errorf("asklog: MinConfidence %v: want 0..1", o.MinConfidence)
	}
	if o.Similarity < 0 || o.Similarity > 1 {
		return fmt.Errorf("asklog: Similarity %v: want 0..1", o.Similarity)
	}
	if o.MaxAsks < 0 || o.MaxExamples < 0 {
		return errors.New("asklog: MaxAsks and MaxExamples must not be negative")
	}
	return nil
}

func (o *GapOptions) setDefaults() error {
	if err := o.Validate(); err != nil {
		return err
	}
	if o.MinConfidence == 0 {
		o.MinConfidence = DefaultMinConfidence
	}
	if o.Similarity == 0 {
		o.Similarity = DefaultSimilarity
	}
	if o.MaxAsks == 0 {
		o.MaxAsks = 100_000
	}
	if o.MaxExamples == 0 {
		o.MaxExamples = 5
	}
	if o.Analyzer == nil {
		o.Analyzer = analysis.New(analysis.Full(), glossary.Default(), nil)
	}
	return nil
}

// gap is one gap ask.
type gap struct {
	rec Record
	why []Why
}

// findGaps selects and groups the gaps among what was read.
func findGaps(c contents, o GapOptions) *Report {
	rep := &Report{Asks: len(c.asks), Malformed: c.malformed, Truncated: c.truncated, Groups: []Group{}}
	unhelpful := map[string]bool{}
	for _, f := range c.feedback {
		if !f.Helpful {
			unhelpful[f.AskID] = true
		}
	}
	var gaps []gap
	for _, r := range c.asks {
		var why []Why
		switch {
		case r.NoAnswer:
			why = append(why, WhyRefused)
		case r.Confidence < o.MinConfidence:
			why = append(why, WhyLowConfidence)
		}
		if unhelpful[r.ID] {
			why = append(why, WhyUnhelpful)
		}
		if len(why) > 0 {
			gaps = append(gaps, gap{rec: r, why: why})
		}
	}
	rep.Gaps = len(gaps)
	for _, members := range cluster(gaps, o) {
		rep.Groups = append(rep.Groups, summarize(members, o))
	}
	slices.SortFunc(rep.Groups, func(a, b Group) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		if !a.LastSeen.Equal(b.LastSeen) {
			return b.LastSeen.Compare(a.LastSeen)
		}
		return strings.Compare(a.Representative, b.Representative)
	})
	return rep
}

// Corpus returns the texts Gaps weighs terms by: each entry's titles,
// questions and keywords (the body is left out: long prose makes every
// word common).
func Corpus(kb *knowledge.Base) []string {
	var out []string
	for _, e := range kb.Entries(knowledge.Filter{}) {
		parts := append([]string{e.TitleKo, e.TitleEn}, e.Questions...)
		out = append(out, strings.Join(append(parts, e.Keywords...), "\n"))
	}
	return out
}
