package knowledge

import (
	"strings"

	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
	"github.com/kubemedic/kubemedic/services/knowledge/index"
)

// everydayConcept is what a question word counts towards Signals.Concepts
// when its only concepts are everyday IT words (error, log, password, Linux):
// questions about git, cron or a VPN use them as much as Kubernetes questions
// do.
const everydayConcept = 0.5

// conceptWeight is a unit's share of Signals.Concepts: 1 when one of its
// concepts (its own or a multi-word one covering it, such as "termination
// message") is Kubernetes/cloud vocabulary, everydayConcept when all are
// everyday words, 0 without concepts.
func (e *engine) conceptWeight(u *unit, q *query) float64 {
	w := 0.0
	g := e.analyzer.Glossary()
	for _, i := range q.conceptsAt {
		t := q.all[i]
		if t.Kind != analysis.Concept || u.id < t.Unit || u.id >= t.Unit+t.Span {
			continue
		}
		if !g.Everyday(strings.TrimPrefix(t.Text, analysis.ConceptPrefix)) {
			return 1
		}
		w = everydayConcept
	}
	return w
}

// coverage is the idf-weighted share of the question's content words that
// document doc answers (see unitCredit).
func (e *engine) coverage(q *query, doc int) float64 {
	var got, total float64
	for _, u := range q.units {
		total += u.weight
		got += u.weight * unitCredit(q, u, doc, q.post, u.post)
	}
	if total == 0 {
		return 0
	}
	return got / total
}

// unitCredit is how well a document answers one content word, by its best
// evidence: the word, its English stem or its concept (1), a phrase containing it (1), a
// spelling correction (0.8), its parts (0.8 × share), its bigrams (0.6 ×
// share). spanPost[j] are the postings of the multi-word term q.all[j],
// termPost[k] those of u.terms[k]: the main index's (q.post, u.post) or
// another index's.
func unitCredit(q *query, u *unit, doc int, spanPost, termPost []*index.Postings) float64 {
	for _, j := range q.spans {
		if t := q.all[j]; (t.Kind == analysis.Phrase || t.Kind == analysis.Concept && t.Span > 1) &&
			u.id >= t.Unit && u.id < t.Unit+t.Span && spanPost[j].Contains(doc) {
			return 1
		}
	}
	credit := 0.0
	var parts, partsHit, bis, bisHit float64
	for k, t := range u.terms {
		hit := termPost[k].Contains(doc)
		switch t.Kind {
		case analysis.Word, analysis.Concept, analysis.Stem:
			if hit {
				return 1
			}
		case analysis.Fuzzy:
			if hit {
				credit = max(credit, 0.8)
			}
		case analysis.Part:
			parts++
			if hit {
				partsHit++
			}
		case analysis.Bigram:
			bis++
			if hit {
				bisHit++
			}
		}
	}
	if parts > 0 {
		credit = max(credit, 0.8*partsHit/parts)
	}
	if bis > 0 {
		credit = max(credit, 0.6*bisHit/bis)
	}
	return credit
}

// knownShare is the idf-weighted share of content words the knowledge base or
// the glossary knows at all.
func (q *query) knownShare() float64 {
	var known, total float64
	for _, u := range q.units {
		total += u.weight
		if u.known {
			known += u.weight
		}
	}
	if total == 0 {
		return 0
	}
	return known / total
}

// headCoverage is coverage counted in the document's head only (title,
// example questions, keywords, tags): how much of the question the runbook
// is about, not only mentions. It looks the question's terms up in the head
// index, so Ask asks it only of answers whose scores tie.
func (e *engine) headCoverage(q *query, doc int) float64 {
	spanPost := make([]*index.Postings, len(q.all))
	for _, j := range q.spans {
		spanPost[j] = e.head.Lookup(q.all[j].Text)
	}
	var termPost []*index.Postings
	var got, total float64
	for _, u := range q.units {
		termPost = termPost[:0]
		for _, t := range u.terms {
			termPost = append(termPost, e.head.Lookup(t.Text))
		}
		total += u.weight
		got += u.weight * unitCredit(q, u, doc, spanPost, termPost)
	}
	if total == 0 {
		return 0
	}
	return got / total
}
