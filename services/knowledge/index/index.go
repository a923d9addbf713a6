// Package index is a small in-memory BM25F index: documents made of weighted
// fields (title, questions, tags, body…), terms already produced by an
// analyzer, and queries whose terms carry their own weights.
//
// BM25F (Robertson, Zaragoza & Taylor 2004) first combines a term's
// length-normalised frequency over the fields of a document, each field with
// its own weight and length normalisation b,
//
//	tf~(t,d) = Σ_f  w_f · tf(t,d,f) / (1 − b_f + b_f · len(d,f)/avglen(f))
//
// and only then saturates: score(d) = Σ_t  q_t · idf(t) · tf~ / (k1 + tf~).
// Saturating after combining is what makes a match in the title count more
// than one in the body without letting a long body win by repetition.
//
// The knowledge base holds a few hundred entries, so the index is a map of
// posting lists, each with its idf and per-document tf~ computed when the
// index is built, and a search accumulates scores only for the documents its
// terms touch, in pooled memory; a query touches each posting once.
package index

import (
	"fmt"
	"math"
	"slices"
	"sync"
)

// MaxFields is the number of fields a document may have.
const MaxFields = 8

// Field describes one field of every document.
type Field struct {
	Name   string
	Weight float64 // w_f, > 0
	B      float64 // length normalisation in [0, 1]
}

// Params configures an index.
type Params struct {
	K1     float64 // term-frequency saturation, > 0 (1.2 is the usual choice)
	Fields []Field
}

// Validate reports what is wrong with p, if anything.
func (p Params) Validate() error {
	if p.K1 <= 0 {
		return fmt.Errorf("index: K1 must be > 0, got %v", p.K1)
	}
	if len(p.Fields) == 0 || len(p.Fields) > MaxFields {
		return fmt.Errorf("index: need 1 to %d fields, got %d", MaxFields, len(p.Fields))
	}
	for _, f := range p.Fields {
		if f.Weight <= 0 {
			return fmt.Errorf("index: field %q: weight must be > 0, got %v", f.Name, f.Weight)
		}
		if f.B < 0 || f.B > 1 {
			return fmt.Errorf("index: field %q: b must be in [0,1], got %v", f.Name, f.B)
		}
	}
	return nil
}

type posting struct {
	doc int32
	tf  [MaxFields]uint16
}

// Index is an immutable BM25F index, safe for concurrent use.
type Index struct {
	params   Params
	lens     [][MaxFields]int32 // per document, per field
	avgLen   [MaxFields]float64
	postings map[string]*Postings
}

// Postings is the posting list of one term with what a search needs of it
// computed when the index is built: the term's idf, the fields it occurs in
// and, per document, the field-combined term frequency tf~ and the
// saturation denominator k1 + tf~. Lookup finds it; a searcher that asks
// several things of one term (its document frequency, whether a document
// contains it, its score) looks it up once and asks the Postings. A nil
// *Postings is a term no document contains.
type Postings struct {
	idf    float64
	fields uint8   // bit f: some document has the term in field f
	docs   []int32 // ascending
	tf     []float64
	den    []float64
	// has is docs as a bit set (bit d: document d), for the terms in
	// bitsetMinDocs or more documents, whose Contains it answers with one
	// load instead of a binary search; nil for the rest.
	has []uint64
}

// bitsetMinDocs is the document frequency from which a term's postings keep
// a bit set of their documents.
const bitsetMinDocs = 8

// Builder collects documents. It is not safe for concurrent use.
type Builder struct {
	params   Params
	lens     [][MaxFields]int32
	postings map[string][]posting
}

// NewBuilder validates p and returns an empty builder.
func NewBuilder(p Params) (*Builder, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &Builder{params: p, postings: map[string][]posting{}}, nil
}

// Add appends a document whose field i holds the terms fields[i] and returns
// its number (0, 1, 2… in order of addition). Missing trailing fields are
// empty; extra fields are an error.
func (b *Builder) Add(fields [][]string) (int, error) {
	if len(fields) > len(b.params.Fields) {
		return 0, fmt.Errorf("index: document has %d fields, index has %d", len(fields), len(b.params.Fields))
	}
	doc := int32(len(b.lens))
	var lens [MaxFields]int32
	counts := map[string]*[MaxFields]uint16{}
	var order []string
	for f, terms := range fields {
		lens[f] = int32(len(terms))
		for _, t := range terms {
			c := counts[t]
			if c == nil {
				c = new([MaxFields]uint16)
				counts[t] = c
				order = append(order, t)
			}
			if c[f] < math.MaxUint16 {
				c[f]++
			}
		}
	}
	for _, t := range order {
		b.postings[t] = append(b.postings[t], posting{doc: doc, tf: *counts[t]})
	}
	b.lens = append(b.lens, lens)
	return int(doc), nil
}

// Build returns the index. The builder must not be used afterwards.
func (b *Builder) Build() *Index {
	ix := &Index{params: b.params, lens: b.lens, postings: make(map[string]*Postings, len(b.postings))}
	if n := len(b.lens); n > 0 {
		for f := range b.params.Fields {
			var sum int64
			for _, l := range b.lens {
				sum += int64(l[f])
			}
			ix.avgLen[f] = float64(sum) / float64(n)
		}
	}
	nf := len(ix.params.Fields)
	for t, ps := range b.postings {
		l := &Postings{idf: ix.idf(len(ps)), docs: make([]int32, len(ps)), tf: make([]float64, len(ps)), den: make([]float64, len(ps))}
		for i := range ps {
			p := &ps[i]
			var tf float64
			dl := &ix.lens[p.doc]
			for f := 0; f < nf; f++ {
				if p.tf[f] == 0 {
					continue
				}
				l.fields |= 1 << f
				fp := ix.params.Fields[f]
				norm := 1 - fp.B
				if ix.avgLen[f] > 0 {
					norm += fp.B * float64(dl[f]) / ix.avgLen[f]
				}
				tf += fp.Weight * float64(p.tf[f]) / norm
			}
			l.docs[i], l.tf[i], l.den[i] = p.doc, tf, ix.params.K1+tf
		}
		if len(ps) >= bitsetMinDocs {
			l.has = make([]uint64, (len(ix.lens)+63)/64)
			for _, d := range l.docs {
				l.has[d>>6] |= 1 << (d & 63)
			}
		}
		ix.postings[t] = l
	}
	return ix
}

// Len is the number of documents.
func (ix *Index) Len() int { return len(ix.lens) }

// DocFreq is the number of documents containing term in any field.
func (ix *Index) DocFreq(term string) int {
	if l := ix.postings[term]; l != nil {
		return len(l.docs)
	}
	return 0
}

// IDF is the BM25 inverse document frequency of a term, always > 0. A term no
// document contains gets MaxIDF.
func (ix *Index) IDF(term string) float64 {
	if l := ix.postings[term]; l != nil {
		return l.idf
	}
	return ix.idf(0)
}

// MaxIDF is the IDF of a term that no document contains.
func (ix *Index) MaxIDF() float64 { return ix.idf(0) }

func (ix *Index) idf(df int) float64 {
	n := float64(len(ix.lens))
	return math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
}

// Contains reports whether document doc contains term in any field.
func (ix *Index) Contains(doc int, term string) bool {
	return ix.postings[term].Contains(doc)
}

// Lookup returns the postings of term, nil when no document contains it.
func (ix *Index) Lookup(term string) *Postings { return ix.postings[term] }

// DocFreq is the number of documents containing the term in any field.
func (p *Postings) DocFreq() int {
	if p == nil {
		return 0
	}
	return len(p.docs)
}

// Contains reports whether document doc contains the term in any field.
func (p *Postings) Contains(doc int) bool {
	if p == nil || doc < 0 {
		return false
	}
	if p.has != nil {
		return doc < 64*len(p.has) && p.has[doc>>6]>>(doc&63)&1 != 0
	}
	_, found := slices.BinarySearch(p.docs, int32(doc))
	return found
}

// InFields reports whether some document has the term in one of the fields
// whose bits are set in mask (bit i: field i).
func (p *Postings) InFields(mask uint8) bool {
	return p != nil && p.fields&mask != 0
}

// IDFOf is IDF of the term whose postings p are (MaxIDF for nil).
func (ix *Index) IDFOf(p *Postings) float64 {
	if p != nil {
		return p.idf
	}
	return ix.idf(0)
}

// Vocabulary calls fn for every term in the index, in no particular order.
func (ix *Index) Vocabulary(fn func(term string, df int)) {
	for t, l := range ix.postings {
		fn(t, len(l.docs))
	}
}

// QueryTerm is a query term with its weight q_t (> 0; other terms are
// ignored).
//
// Group and Pool say how a term's contribution combines with others: terms
// of one Pool within a Group add up, and a Group contributes the largest of
// its Pools. The searcher puts all evidence for one question word in one
// Group — the word, its glossary concept and its spelling correction each in a
// Pool of their own, its bigrams together in another — so a word counts once,
// by its best evidence, instead of once per form. Terms with a negative Group
// simply add up.
type QueryTerm struct {
	Text   string
	Weight float64
	Group  int
	Pool   int
	// Postings are Lookup(Text) when the caller has them already, which
	// saves the lookup; nil looks Text up.
	Postings *Postings
}

// Hit is a scored document.
type Hit struct {
	Doc   int
	Score float64
	// Base is the score the index gave the document. Score starts equal to
	// it; a searcher that rescales hits changes only Score, and can still
	// order equal scores as the index would (higher Base, then lower Doc).
	Base float64
}

// Search scores every document containing at least one query term and returns
// the best k, highest score first (ties by document number). The same text
// given twice in one Group and Pool counts once, with its highest weight.
// k <= 0 returns all hits.
func (ix *Index) Search(query []QueryTerm, k int) []Hit {
	return ix.SearchFiltered(query, k, nil)
}

// scratch is the working memory of one search, kept in scratchPool between
// searches so that a search allocates only the hits it returns. The arrays
// by document are all zero (false) between searches.
type scratch struct {
	terms     []qterm
	slots     []poolKey // slot → its (group, pool)
	slotGroup []int     // slot → group index (dense)
	groups    []int     // group index → group
	slotsIn   []int     // group index → its number of slots

	cell  []float64 // by document: the current slot's sum
	best  []float64 // by document: the current group's best slot
	score []float64 // by document: the sum of the groups so far
	// inSlot, inGroup and inDoc mark the documents in slotDocs, groupDocs
	// and touched: those the current slot's, the current group's and any
	// postings reached.
	inSlot, inGroup, inDoc       []bool
	slotDocs, groupDocs, touched []int32
}

type qterm struct {
	list   *Postings
	weight float64
	group  int
	pool   int
	slot   int
	gi     int // group index
}

type poolKey struct{ group, pool int }

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// endGroup adds the current group's best to the scores of its documents.
func (s *scratch) endGroup() {
	n := len(s.touched)
	td := slices.Grow(s.touched, len(s.groupDocs))[:n+len(s.groupDocs)]
	for _, d := range s.groupDocs {
		td[n] = d
		if !s.inDoc[d] {
			n++
		}
		s.inDoc[d] = true
		s.score[d] += s.best[d]
		s.best[d], s.inGroup[d] = 0, false
	}
	s.touched = td[:n]
	s.groupDocs = s.groupDocs[:0]
}

func zeroedInts(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// SearchFiltered is Search over the documents for which keep returns true (all
// when keep is nil).
func (ix *Index) SearchFiltered(query []QueryTerm, k int, keep func(doc int) bool) []Hit {
	hits := ix.Scores(nil, query, keep)
	slices.SortFunc(hits, func(a, b Hit) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return a.Doc - b.Doc
	})
	if k > 0 && len(hits) > k {
		hits = hits[:k]
	}
	return hits
}

// Scores appends to dst every document that contains at least one query
// term and that keep accepts (all when keep is nil) with its score, in no
// particular order: what SearchFiltered sorts. A searcher that rescales and
// cuts the hits itself saves the sort, and may reuse dst.
func (ix *Index) Scores(dst []Hit, query []QueryTerm, keep func(doc int) bool) []Hit {
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	// Deduplicate terms and number the (group, pool) slots and the groups,
	// each in order of first appearance. A term with a negative Group is a
	// group of its own.
	s.terms, s.slots, s.slotGroup, s.groups = s.terms[:0], s.slots[:0], s.slotGroup[:0], s.groups[:0]
	free := -1
	for _, q := range query {
		if q.Weight <= 0 {
			continue
		}
		l := q.Postings
		if l == nil {
			if l = ix.postings[q.Text]; l == nil {
				continue
			}
		}
		g, p := q.Group, q.Pool
		if g < 0 {
			g, p = free, 0
			free--
		}
		dup := false
		for i := range s.terms {
			if t := &s.terms[i]; t.list == l && t.group == g && t.pool == p {
				t.weight = max(t.weight, q.Weight)
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		slot := slices.Index(s.slots, poolKey{g, p})
		if slot < 0 {
			slot = len(s.slots)
			s.slots = append(s.slots, poolKey{g, p})
			gi := slices.Index(s.groups, g)
			if gi < 0 {
				gi = len(s.groups)
				s.groups = append(s.groups, g)
			}
			s.slotGroup = append(s.slotGroup, gi)
		}
		s.terms = append(s.terms, qterm{list: l, weight: q.Weight, group: g, pool: p, slot: slot})
	}
	if len(s.slotGroup) == 0 {
		return dst
	}
	// Score group by group, in group order, and within a group slot by slot:
	// a slot's value for a document is the sum of its terms' contributions
	// (in query order), a group's the best of its slots, and a document's
	// score the sum of its groups' values in group order. A slot or group
	// without postings in a document adds nothing to it.
	for i := range s.terms {
		s.terms[i].gi = s.slotGroup[s.terms[i].slot]
	}
	slices.SortStableFunc(s.terms, func(a, b qterm) int {
		if a.gi != b.gi {
			return a.gi - b.gi
		}
		return a.slot - b.slot
	})
	if n := len(ix.lens); len(s.cell) < n {
		s.cell, s.best, s.score = make([]float64, n), make([]float64, n), make([]float64, n)
		s.inSlot, s.inGroup, s.inDoc = make([]bool, n), make([]bool, n), make([]bool, n)
	}
	// A slot of one term needs no sum (0 + c is c), and a group of one
	// such slot no best either: its terms go straight to the group's best
	// or to the documents' scores, with the same values in the same order.
	s.slotsIn = zeroedInts(s.slotsIn, len(s.groups))
	for _, gi := range s.slotGroup {
		s.slotsIn[gi]++
	}
	s.touched = s.touched[:0]
	for i, t := range s.terms {
		l := t.list
		wIDF := t.weight * l.idf
		if (i == 0 || s.terms[i-1].slot != t.slot) && (i+1 == len(s.terms) || s.terms[i+1].slot != t.slot) {
			if s.slotsIn[t.gi] == 1 {
				n := len(s.touched)
				td := slices.Grow(s.touched, len(l.docs))[:n+len(l.docs)]
				tf, den := l.tf[:len(l.docs)], l.den[:len(l.docs)]
				for k, d := range l.docs {
					td[n] = d
					if !s.inDoc[d] {
						n++
					}
					s.inDoc[d] = true
					s.score[d] += wIDF * tf[k] / den[k]
				}
				s.touched = td[:n]
				continue
			}
			// Without branches on the documents: each is written at the
			// end of groupDocs, which grows past it only the first time.
			n := len(s.groupDocs)
			gd := slices.Grow(s.groupDocs, len(l.docs))[:n+len(l.docs)]
			tf, den := l.tf[:len(l.docs)], l.den[:len(l.docs)]
			for k, d := range l.docs {
				gd[n] = d
				if !s.inGroup[d] {
					n++
				}
				s.inGroup[d] = true
				s.best[d] = max(s.best[d], wIDF*tf[k]/den[k])
			}
			s.groupDocs = gd[:n]
			if i+1 < len(s.terms) && s.terms[i+1].gi == t.gi {
				continue // the group goes on
			}
			s.endGroup()
			continue
		}
		n := len(s.slotDocs)
		sd := slices.Grow(s.slotDocs, len(l.docs))[:n+len(l.docs)]
		tf, den := l.tf[:len(l.docs)], l.den[:len(l.docs)]
		for k, d := range l.docs {
			sd[n] = d
			if !s.inSlot[d] {
				n++
			}
			s.inSlot[d] = true
			s.cell[d] += wIDF * tf[k] / den[k]
		}
		s.slotDocs = sd[:n]
		if i+1 < len(s.terms) && s.terms[i+1].slot == t.slot {
			continue // the slot goes on
		}
		n = len(s.groupDocs)
		gd := slices.Grow(s.groupDocs, len(s.slotDocs))[:n+len(s.slotDocs)]
		for _, d := range s.slotDocs {
			gd[n] = d
			if !s.inGroup[d] {
				n++
			}
			s.inGroup[d] = true
			s.best[d] = max(s.best[d], s.cell[d])
			s.cell[d], s.inSlot[d] = 0, false
		}
		s.groupDocs = gd[:n]
		s.slotDocs = s.slotDocs[:0]
		if i+1 < len(s.terms) && s.terms[i+1].gi == t.gi {
			continue // the group goes on
		}
		s.endGroup()
	}
	hits := slices.Grow(dst, len(s.touched))
	for _, d := range s.touched {
		score := s.score[d]
		s.score[d], s.inDoc[d] = 0, false
		if keep != nil && !keep(int(d)) {
			continue
		}
		hits = append(hits, Hit{Doc: int(d), Score: score, Base: score})
	}
	return hits
}
