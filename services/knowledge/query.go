package knowledge

import (
	"slices"
	"sync"

	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
	"github.com/kubemedic/kubemedic/services/knowledge/index"
	"github.com/kubemedic/kubemedic/services/knowledge/korean"
)

// unit is one content word of the question with the terms derived from it.
type unit struct {
	id      int // analysis.Term.Unit
	surface string
	terms   []analysis.Term
	// post are the postings of terms (resolve), once the query stages are
	// done with the unit.
	post   []*index.Postings
	weight float64 // idf of its best-known form
	known  bool    // in the index or the glossary
}

// query is an analysed question.
type query struct {
	// text is the question as asked.
	text  string
	terms []index.QueryTerm
	units []*unit
	all   []analysis.Term
	// post are the postings of all (resolve), once the query stages are done.
	post []*index.Postings
	// spans are the positions in all of the terms that span several units
	// or are phrases, conceptsAt those of its Concept terms (resolve): the
	// only ones the per-unit loops over all look at.
	spans, conceptsAt []int
	// concepts counts the units with a glossary concept: 1 for a
	// Kubernetes/cloud concept, everydayConcept for an everyday IT word.
	concepts float64
	// platform, machine, host and runtime are the first words that name
	// another container platform, a machine (server), a machine's own
	// service manager (systemd) and a language runtime's memory internals
	// (heap, Xmx; DomainGate's rewrite), for its gate.
	platform, machine, host, runtime string
	// general says whether a word of the question is general IT vocabulary
	// (DomainGate's rewrite).
	general bool
	// mem is the memory parse took from queryPool; release returns it.
	mem *queryMem
}

// queryMem is the memory of a query, reused from one question to the next
// (queryPool): a question allocates little beyond its answers, which keeps
// the garbage collector, and with it the tail latency, quiet under load.
type queryMem struct {
	q          query // the query itself
	all        []analysis.Term
	units      []*unit
	terms      []index.QueryTerm
	count      []int
	unitBuf    []unit
	byUnit     []*unit
	termBuf    []analysis.Term
	idfBuf     []float64
	postBuf    []*index.Postings
	spans      []int
	conceptsAt []int
}

var queryPool = sync.Pool{New: func() any { return new(queryMem) }}

// release gives the query's memory back for the next question; q must not be
// used afterwards.
func (q *query) release() {
	m := q.mem
	if m == nil {
		return
	}
	q.mem = nil
	m.all, m.units, m.terms, m.spans, m.conceptsAt = q.all[:0], q.units[:0], q.terms[:0], q.spans[:0], q.conceptsAt[:0]
	clear(m.byUnit)
	clear(m.postBuf)
	queryPool.Put(m)
}

// zeroed returns s resized to n zero elements, reusing its array when it is
// large enough.
func zeroed[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// kindWeight is the query weight of each term kind.
var kindWeight = [...]float64{
	analysis.Word:    1.0,
	analysis.Part:    0.5,
	analysis.Concept: 0.7,
	analysis.Bigram:  0.25,
	analysis.Phrase:  1.0,
	analysis.Fuzzy:   0.8,
	analysis.Stem:    0.8,
}

// parse turns a question into a query: analysis, then the query stages
// (which may add terms to a word or drop it), then each word's weight and the
// index query, which the shape stages adjust.
func (e *engine) parse(question string) *query {
	m := queryPool.Get().(*queryMem)
	m.q = query{mem: m, text: question, all: e.analyzer.AppendTerms(m.all[:0], question), units: m.units[:0], terms: m.terms[:0], spans: m.spans[:0], conceptsAt: m.conceptsAt[:0]}
	q := &m.q
	// Units are numbered from 0 in text order: count each one's terms, then
	// give every unit its share of one array of terms (capped, so that a
	// term a stage adds later moves that unit's terms out).
	n := 0
	for _, t := range q.all {
		n = max(n, t.Unit+t.Span)
	}
	m.count = zeroed(m.count, n)
	count := m.count
	for _, t := range q.all {
		if t.Kind == analysis.Phrase || (t.Kind == analysis.Concept && t.Span > 1) {
			continue // phrases credit units, they do not define them
		}
		count[t.Unit]++
	}
	m.unitBuf, m.byUnit, m.termBuf = zeroed(m.unitBuf, n), zeroed(m.byUnit, n), zeroed(m.termBuf, len(q.all))
	units, byUnit, terms := m.unitBuf[:0], m.byUnit, m.termBuf
	for _, t := range q.all {
		if t.Kind == analysis.Phrase || (t.Kind == analysis.Concept && t.Span > 1) {
			continue
		}
		u := byUnit[t.Unit]
		if u == nil {
			c := count[t.Unit]
			units = append(units, unit{id: t.Unit, surface: t.Surface, terms: terms[:0:c]})
			terms = terms[c:]
			u = &units[len(units)-1]
			byUnit[t.Unit] = u
			q.units = append(q.units, u)
		}
		u.terms = append(u.terms, t)
	}
	for _, s := range e.stages.rewrite {
		s.rewrite(e, q)
	}
	e.resolve(q)
	e.weigh(q)
	e.queryTerms(q)
	for _, s := range e.stages.shape {
		s.shape(q)
	}
	return q
}

// addTerm adds a term derived from unit u (a correction, a known head).
func (q *query) addTerm(u *unit, t analysis.Term) {
	q.all = append(q.all, t)
	u.terms = append(u.terms, t)
}

// drop removes the given units and their single-word terms: the words are no
// topic of the question. Phrases that cover them stay.
func (q *query) drop(ids map[int]bool) {
	if len(ids) == 0 {
		return
	}
	units := q.units[:0]
	for _, u := range q.units {
		if !ids[u.id] {
			units = append(units, u)
		}
	}
	q.units = units
	kept := q.all[:0:0]
	for _, t := range q.all {
		if !ids[t.Unit] || t.Span > 1 {
			kept = append(kept, t)
		}
	}
	q.all = kept
}

// resolve looks every term of the query and of its units up in the index,
// once: the later steps ask the postings. A unit's terms are the query's
// single-word terms of that unit, in the same order, so they share the
// query's lookups; a unit a stage gave other terms looks its own up.
func (e *engine) resolve(q *query) {
	m := q.mem
	n := len(q.all)
	for _, u := range q.units {
		n += len(u.terms)
	}
	m.postBuf = zeroed(m.postBuf, n)
	buf := m.postBuf
	q.post, buf = buf[:len(q.all):len(q.all)], buf[len(q.all):]
	for _, u := range q.units {
		u.post, buf = buf[:0:len(u.terms)], buf[len(u.terms):]
	}
	for i, t := range q.all {
		p := e.ix.Lookup(t.Text)
		q.post[i] = p
		if t.Kind == analysis.Concept {
			q.conceptsAt = append(q.conceptsAt, i)
		}
		if t.Span > 1 || t.Kind == analysis.Phrase {
			q.spans = append(q.spans, i)
			continue
		}
		if t.Unit >= len(m.byUnit) {
			continue
		}
		// u.post holds the postings of u.terms[:len(u.post)], matched so
		// far; a dropped unit (no longer in q.units) has none.
		if u := m.byUnit[t.Unit]; u != nil && len(u.post) < len(u.terms) && cap(u.post) == len(u.terms) &&
			u.terms[len(u.post)].Text == t.Text {
			u.post = append(u.post, p)
		}
	}
	for _, u := range q.units {
		for k := len(u.post); k < len(u.terms); k++ {
			u.post = append(u.post, e.ix.Lookup(u.terms[k].Text))
		}
	}
}

// topicalFields are the fields of an entry's head (title, questions,
// keywords, tags), as a mask for index.Postings.InFields: a term in one of
// them is one of the words runbooks are about (engine.topical).
const topicalFields = 1<<fieldTitle | 1<<fieldQuestions | 1<<fieldKeywords | 1<<fieldTags

// weigh sets each unit's weight (the idf of its most common known form; an
// unknown word weighs like the rarest) and whether the knowledge base knows
// it, and counts the question's concepts.
func (e *engine) weigh(q *query) {
	maxIDF := e.ix.MaxIDF()
	for _, u := range q.units {
		u.weight = maxIDF
		for k, t := range u.terms {
			if t.Kind == analysis.Bigram || t.Kind == analysis.Part {
				continue
			}
			p := u.post[k]
			if p.DocFreq() > 0 {
				u.weight = min(u.weight, e.ix.IDFOf(p))
			}
			if t.Kind == analysis.Concept || p.InFields(topicalFields) {
				u.known = true
			}
		}
		// A word inside a known phrase ("replication" of "replication
		// controller") is known through it.
		for _, j := range q.spans {
			if t, p := q.all[j], q.post[j]; t.Span > 1 && u.id >= t.Unit && u.id < t.Unit+t.Span && p.DocFreq() > 0 {
				u.known = u.known || t.Kind == analysis.Concept || p.InFields(topicalFields)
				u.weight = min(u.weight, e.ix.IDFOf(p))
			}
		}
		q.concepts += e.conceptWeight(u, q)
	}
}

// queryTerms builds the index query: one term per analysed term, weighted by
// its kind, each in a group of its own (Group -1) until a shape stage groups
// them.
//
// A Hangul spelling of a glossary concept (팟, 여러개, 노드풀) weighs no more
// than the concept: its idf is high because few runbooks happen to use that
// spelling, not because it is a more specific topic. Latin words keep their
// weight (clb is more specific than load balancer). The same holds for a word
// inside a multi-word concept (넘어가 of "안 넘어가") and for a keyword phrase
// that spells a concept out ("not ready").
func (e *engine) queryTerms(q *query) {
	n := 0
	for _, t := range q.all {
		n = max(n, t.Unit+t.Span)
	}
	q.mem.idfBuf = zeroed(q.mem.idfBuf, n)
	conceptIDF := q.mem.idfBuf // by unit
	for i, t := range q.all {
		if p := q.post[i]; t.Kind == analysis.Concept && p.DocFreq() > 0 {
			for id := t.Unit; id < t.Unit+t.Span; id++ {
				conceptIDF[id] = max(conceptIDF[id], e.ix.IDFOf(p))
			}
		}
	}
	q.terms = slices.Grow(q.terms[:0], len(q.all))
	for i, t := range q.all {
		qt := index.QueryTerm{Text: t.Text, Weight: kindWeight[t.Kind], Group: -1, Postings: q.post[i]}
		if c := conceptIDF[t.Unit]; c > 0 && t.Kind == analysis.Word && korean.HasHangul(t.Text) {
			if w := e.ix.IDFOf(q.post[i]); w > c {
				qt.Weight *= c / w
			}
		}
		if t.Kind == analysis.Phrase {
			// A keyword phrase that spells out a concept ("not ready" for
			// NotReady) is rare because few writers used that spelling.
			c := 0.0
			for id := t.Unit; id < t.Unit+t.Span; id++ {
				c = max(c, conceptIDF[id])
			}
			if w := e.ix.IDFOf(q.post[i]); c > 0 && w > c && spansConcept(q.all, t) {
				qt.Weight *= c / w
			}
		}
		q.terms = append(q.terms, qt)
	}
}

// spansConcept reports whether a multi-word glossary concept covers exactly
// the words of phrase p.
func spansConcept(terms []analysis.Term, p analysis.Term) bool {
	for _, t := range terms {
		if t.Kind == analysis.Concept && t.Unit == p.Unit && t.Span == p.Span {
			return true
		}
	}
	return false
}

// inPhrase reports whether a multi-word term (a keyword phrase or a glossary
// phrase such as "안 넘어가") covers unit id: the phrase already says what the
// word means.
func inPhrase(terms []analysis.Term, id int) bool {
	for _, t := range terms {
		if t.Span > 1 && id >= t.Unit && id < t.Unit+t.Span {
			return true
		}
	}
	return false
}

func hasKind(ts []analysis.Term, k analysis.Kind) bool {
	for _, t := range ts {
		if t.Kind == k {
			return true
		}
	}
	return false
}
