package knowledge

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
	"github.com/kubemedic/kubemedic/services/knowledge/glossary"
	"github.com/kubemedic/kubemedic/services/knowledge/index"
	"github.com/kubemedic/kubemedic/services/knowledge/korean"
)

// Tuning selects the retrieval pipeline. DefaultTuning is what the product
// uses; the other settings exist for ablation studies.
type Tuning struct {
	Features     analysis.Features
	Fuzzy        bool // typo tolerance: jamo/letter edit distance to known words
	FieldWeights bool // questions/title > keywords > tags > body; off = every field weighs 1
	// WordGroups scores each question word once, by its best evidence (the
	// word, its concept, a correction, or its bigrams together); off = every
	// term adds up.
	WordGroups bool
	// Calibration turns the evidence for an answer into a confidence.
	Calibration Calibration
	// MinConfidence is the no-answer threshold: a top answer below it is not
	// offered.
	MinConfidence float64
}

// DefaultTuning is the full pipeline with the calibrated threshold.
func DefaultTuning() Tuning {
	return Tuning{Features: analysis.Full(), Fuzzy: true, FieldWeights: true, WordGroups: true,
		Calibration: DefaultCalibration(), MinConfidence: DefaultMinConfidence}
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
	numFields
)

// fieldWeights are the BM25F field weights: questions/title > keywords >
// tags > body.
var fieldWeights = [numFields]float64{
	fieldTitle:     3,
	fieldQuestions: 3,
	fieldKeywords:  2,
	fieldTags:      1.5,
	fieldBody:      1,
}

func indexParams(weighted bool) index.Params {
	fields := []index.Field{
		fieldTitle:     {Name: "title", Weight: fieldWeights[fieldTitle], B: 0.5},
		fieldQuestions: {Name: "questions", Weight: fieldWeights[fieldQuestions], B: 0.6},
		fieldKeywords:  {Name: "keywords", Weight: fieldWeights[fieldKeywords], B: 0.5},
		fieldTags:      {Name: "tags", Weight: fieldWeights[fieldTags], B: 0.3},
		fieldBody:      {Name: "body", Weight: fieldWeights[fieldBody], B: 0.75},
	}
	if !weighted {
		for i := range fields {
			fields[i].Weight = 1
		}
	}
	return index.Params{K1: 1.2, Fields: fields}
}

// Query weight of each term kind.
var kindWeight = [...]float64{
	analysis.Word:    1.0,
	analysis.Part:    0.5,
	analysis.Concept: 0.7,
	analysis.Bigram:  0.25,
	analysis.Phrase:  1.0,
	analysis.Fuzzy:   0.8,
}

// providerWords are indexed in the tags field so that "TKE", "텐센트" or
// "네이버 클라우드" in a question favours that provider's runbooks.
var providerWords = map[string]string{
	"tke": "tke tencent 텐센트",
	"aks": "aks azure 애저",
	"nks": "nks naver ncloud 네이버",
}

// providerHints are question terms that name one provider's product: TKE's
// CLB, CVM and Serverless, Azure's VMSS and MC_ groups, Naver's ALB and
// ncloud-config. Concepts carry the glossary prefix.
var providerHints = map[string]string{
	"tke": "tke", "@tke": "tke", "@tencent": "tke", "clb": "tke", "cvm": "tke", "tcr": "tke", "@cls": "tke",
	"@serverless": "tke", "@supernode": "tke", "eklet": "tke", "cbs": "tke", "cfs": "tke", "tkeserviceconfig": "tke",
	"aks": "aks", "@aks": "aks", "@azure": "aks", "vmss": "aks", "mc": "aks", "az": "aks",
	"nks": "nks", "@nks": "nks", "@naver": "nks", "ncloud-config": "nks", "acg": "nks", "alb": "nks", "nplb": "nks",
}

// providerMismatch scales the score of another provider's entry when the
// question names one provider's product ("CLB" and an NKS runbook).
const providerMismatch = 0.75

// unnamedProvider scales the score of a provider's entry when the question
// names no provider at all: "컨테이너가 이미지를 못 받아요" is more likely
// about Kubernetes itself than about AKS's image size limit. Slight, so that
// provider FAQs still answer questions that only name their feature.
const unnamedProvider = 0.95

// namedProvider is the one provider whose products the question names, or "".
func (q *query) namedProvider() string {
	found := ""
	for _, t := range q.all {
		p, ok := providerHints[t.Text]
		if !ok {
			continue
		}
		if found != "" && found != p {
			return ""
		}
		found = p
	}
	return found
}

// search returns the best top entries for q among those keep accepts (all
// when keep is nil). When the question names one provider's product, the
// other providers' entries weigh less (generic entries do not); when it
// names none, every provider's entries weigh a little less.
func (e *engine) search(q *query, top int, keep func(int) bool) []index.Hit {
	p := q.namedProvider()
	hits := e.ix.SearchFiltered(q.terms, 0, keep)
	for i := range hits {
		if ep := e.entries[hits[i].Doc].Provider; p != "" && ep != p && ep != "generic" {
			hits[i].Score *= providerMismatch
		} else if p == "" && ep != "generic" {
			hits[i].Score *= unnamedProvider
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Score > hits[j].Score })
	if len(hits) > top {
		hits = hits[:top]
	}
	return hits
}

// engine is the searchable form of a list of entries. Immutable.
type engine struct {
	tuning   Tuning
	entries  []Entry
	analyzer *analysis.Analyzer
	ix       *index.Index
	dict     map[int][]dictWord // fuzzy dictionary by decomposed length
	latin    []string           // sorted Latin words of the dictionary, for completion
	// topical holds the terms of every entry's head (title, questions,
	// keywords, tags): the words runbooks are about, not words their bodies
	// mention in passing.
	topical map[string]bool
}

type dictWord struct {
	text  string
	runes []rune
}

func newEngine(entries []Entry, t Tuning) (*engine, error) {
	var phrases []string
	for i := range entries {
		for _, k := range entries[i].Keywords {
			if strings.ContainsAny(strings.TrimSpace(k), " \t") {
				phrases = append(phrases, k)
			}
		}
	}
	var g *glossary.Glossary
	if t.Features.Glossary {
		g = glossary.Default()
	}
	e := &engine{tuning: t, entries: entries, analyzer: analysis.New(t.Features, g, phrases), topical: map[string]bool{}}
	b, err := index.NewBuilder(indexParams(t.FieldWeights))
	if err != nil {
		return nil, err
	}
	for i := range entries {
		en := &entries[i]
		var fields [numFields][]string
		fields[fieldTitle] = e.texts(en.TitleKo, en.TitleEn)
		fields[fieldQuestions] = e.texts(en.Questions...)
		fields[fieldKeywords] = e.texts(en.Keywords...)
		tags := append([]string{en.ID, providerWords[en.Provider]}, en.Tags...)
		tags = append(tags, en.Findings...)
		tags = append(tags, en.Actions...)
		fields[fieldTags] = e.texts(tags...)
		fields[fieldBody] = e.texts(indexableBody(en.Body))
		for f := fieldTitle; f < fieldBody; f++ {
			for _, t := range fields[f] {
				e.topical[t] = true
			}
		}
		if _, err := b.Add(fields[:]); err != nil {
			return nil, fmt.Errorf("index entry %s: %w", en.ID, err)
		}
	}
	e.ix = b.Build()
	if t.Fuzzy {
		e.buildDict()
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

// texts analyses each text separately (so phrases never span two keywords)
// and returns the term strings.
func (e *engine) texts(texts ...string) []string {
	var out []string
	for _, s := range texts {
		for _, t := range e.analyzer.Terms(s) {
			out = append(out, t.Text)
		}
	}
	return out
}

// buildDict collects the words a misspelling may be corrected to: every word
// of the index and every single-word glossary variant.
func (e *engine) buildDict() {
	e.dict = map[int][]dictWord{}
	seen := map[string]bool{}
	add := func(w string) {
		if seen[w] || strings.HasPrefix(w, analysis.ConceptPrefix) || strings.HasPrefix(w, analysis.BigramPrefix) ||
			strings.HasPrefix(w, analysis.PhrasePrefix) || !fuzzyCandidate(w) {
			return
		}
		seen[w] = true
		r := korean.Decompose(w)
		e.dict[len(r)] = append(e.dict[len(r)], dictWord{w, r})
	}
	e.ix.Vocabulary(func(term string, _ int) { add(term) })
	if e.tuning.Features.Glossary {
		for _, w := range e.analyzer.Glossary().Words() {
			add(w)
		}
	}
	for _, ws := range e.dict {
		sort.Slice(ws, func(i, j int) bool { return ws[i].text < ws[j].text })
		for _, w := range ws {
			if allLetters(w.text) {
				e.latin = append(e.latin, w.text)
			}
		}
	}
	sort.Strings(e.latin)
}

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

func allLetters(s string) bool {
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return s != ""
}

// completion returns the dictionary word that shares the longest head with
// an unknown English word — at least five letters and all but the last three
// — and is at most five letters longer than that head, or "". It joins the
// forms of a word a plural-only stemmer keeps apart: rotate → rotation,
// recursively → recursive.
func (e *engine) completion(w string) string {
	if len(w) < 6 || !allLetters(w) {
		return ""
	}
	for p := len(w) - 1; p >= max(5, len(w)-3); p-- {
		head := w[:p]
		best := ""
		for i := sort.SearchStrings(e.latin, head); i < len(e.latin) && strings.HasPrefix(e.latin[i], head); i++ {
			if c := e.latin[i]; c != w && len(c) <= p+5 && (best == "" || len(c) < len(best)) {
				best = c
			}
		}
		if best != "" {
			return best
		}
	}
	return ""
}

// fuzzyCandidate reports whether a word is long enough for typo correction to
// be safe: two Hangul syllables, or five Latin letters.
func fuzzyCandidate(w string) bool {
	if korean.HasHangul(w) {
		return len([]rune(w)) >= 2
	}
	return len(w) >= 5 && !strings.ContainsAny(w, "0123456789")
}

// fuzzyLimit is the edit distance allowed for a word of n decomposed runes.
func fuzzyLimit(w string, n int) int {
	if korean.HasHangul(w) {
		if n >= 9 {
			return 2
		}
		return 1
	}
	if n >= 9 {
		return 2
	}
	return 1
}

// corrections returns the dictionary words closest to w (at most 3), or nil.
func (e *engine) corrections(w string) []string {
	r := korean.Decompose(w)
	limit := fuzzyLimit(w, len(r))
	var best []string
	bestD := limit + 1
	for n := len(r) - limit; n <= len(r)+limit; n++ {
		for _, cand := range e.dict[n] {
			if cand.text == w || korean.HasHangul(cand.text) != korean.HasHangul(w) {
				continue
			}
			if !korean.Within(r, cand.runes, min(limit, bestD)) {
				continue
			}
			d := korean.Distance(w, cand.text)
			switch {
			case d < bestD:
				bestD, best = d, []string{cand.text}
			case d == bestD && len(best) < 3:
				best = append(best, cand.text)
			}
		}
	}
	return best
}

// knownHead returns the longest head of a Hangul word, at least two
// syllables and shorter than the word, that the index knows as a word, or "".
// Korean puts the meaning first and stacks endings after it, so an unknown
// word whose head is known (끝나버려 → 끝나, 모아두 → 모아) is almost always a
// form of that word the stemmer does not list. Concepts need no head here:
// the analyzer already looked up the longest glossary head.
//
// A head that is a filler (여러개인 → 여러개) makes the whole word one:
// filler reports it, and the word is no topic of the question.
func (e *engine) knownHead(w string) (head string, filler bool) {
	if !korean.HasHangul(w) {
		return "", false
	}
	rs := []rune(w)
	for n := len(rs) - 1; n >= 2; n-- {
		head := string(rs[:n])
		if analysis.Stopword(head) {
			return "", true
		}
		if e.ix.DocFreq(head) > 0 {
			return head, false
		}
	}
	return "", false
}

// unit is one content word of the question with the terms derived from it.
type unit struct {
	id      int // analysis.Term.Unit
	surface string
	terms   []analysis.Term
	weight  float64 // idf of its best-known form
	known   bool    // in the index or the glossary
}

// query is an analysed question.
type query struct {
	terms []index.QueryTerm
	units []*unit
	all   []analysis.Term
	// concepts counts the units with a glossary concept: 1 for a
	// Kubernetes/cloud concept, everydayConcept for an everyday IT word.
	concepts float64
}

func (e *engine) parse(question string) *query {
	terms := e.analyzer.Terms(question)
	q := &query{}
	byUnit := map[int]*unit{}
	var order []int
	for _, t := range terms {
		if t.Kind == analysis.Phrase || (t.Kind == analysis.Concept && t.Span > 1) {
			continue // phrases credit units, they do not define them
		}
		u := byUnit[t.Unit]
		if u == nil {
			u = &unit{id: t.Unit, surface: t.Surface}
			byUnit[t.Unit] = u
			order = append(order, t.Unit)
		}
		u.terms = append(u.terms, t)
	}
	// Words neither the index nor the glossary knows: first the longest known
	// head of a Hangul word (a conjugation the stemmer missed: 실행되자마자 →
	// 실행), else typo correction.
	drop := map[int]bool{}
	if e.tuning.Fuzzy {
		for _, id := range order {
			u := byUnit[id]
			w := u.terms[0]
			if w.Kind == analysis.Word && e.ix.DocFreq(w.Text) == 0 && !hasLetter(w.Text) {
				drop[id] = true // a number no runbook mentions (0/5, 8081): no topic
				continue
			}
			if w.Kind != analysis.Word || e.ix.DocFreq(w.Text) > 0 || hasKind(u.terms, analysis.Concept) || !fuzzyCandidate(w.Text) ||
				inPhrase(terms, id) {
				continue
			}
			if c := e.completion(w.Text); c != "" {
				ct := analysis.Term{Text: c, Kind: analysis.Fuzzy, Unit: id, Span: 1, Surface: w.Surface}
				terms = append(terms, ct)
				u.terms = append(u.terms, ct)
				if e.tuning.Features.Glossary {
					for _, concept := range e.analyzer.Glossary().Lookup(c) {
						t := analysis.Term{Text: analysis.ConceptPrefix + concept, Kind: analysis.Fuzzy, Unit: id, Span: 1, Surface: w.Surface}
						terms = append(terms, t)
						u.terms = append(u.terms, t)
					}
				}
				continue
			}
			if head, filler := e.knownHead(w.Text); filler {
				drop[id] = true
				continue
			} else if head != "" {
				ht := analysis.Term{Text: head, Kind: analysis.Fuzzy, Unit: id, Span: 1, Surface: w.Surface}
				terms = append(terms, ht)
				u.terms = append(u.terms, ht)
				continue
			}
			for _, c := range e.corrections(w.Text) {
				ft := analysis.Term{Text: c, Kind: analysis.Fuzzy, Unit: id, Span: 1, Surface: w.Surface}
				terms = append(terms, ft)
				u.terms = append(u.terms, ft)
				if e.tuning.Features.Glossary {
					for _, concept := range e.analyzer.Glossary().Lookup(c) {
						ct := analysis.Term{Text: analysis.ConceptPrefix + concept, Kind: analysis.Fuzzy, Unit: id, Span: 1, Surface: w.Surface}
						terms = append(terms, ct)
						u.terms = append(u.terms, ct)
					}
				}
			}
		}
	}
	if len(drop) > 0 {
		kept := terms[:0:0]
		for _, t := range terms {
			if !drop[t.Unit] || t.Span > 1 {
				kept = append(kept, t)
			}
		}
		terms = kept
	}
	maxIDF := e.ix.MaxIDF()
	for _, id := range order {
		if drop[id] {
			continue
		}
		u := byUnit[id]
		u.weight = maxIDF
		for _, t := range u.terms {
			if t.Kind == analysis.Bigram || t.Kind == analysis.Part {
				continue
			}
			if df := e.ix.DocFreq(t.Text); df > 0 {
				u.weight = min(u.weight, e.ix.IDF(t.Text))
			}
			if t.Kind == analysis.Concept || e.topical[t.Text] {
				u.known = true
			}
		}
		// A word inside a known phrase ("replication" of "replication
		// controller") is known through it.
		for _, t := range terms {
			if t.Span > 1 && id >= t.Unit && id < t.Unit+t.Span && e.ix.DocFreq(t.Text) > 0 {
				u.known = u.known || t.Kind == analysis.Concept || e.topical[t.Text]
				u.weight = min(u.weight, e.ix.IDF(t.Text))
			}
		}
		q.units = append(q.units, u)
		q.concepts += e.conceptWeight(u, terms)
	}
	// Phrase-level terms (keyword phrases, multi-word glossary concepts) form
	// groups of their own (word groups are unit numbers, far below them), one
	// per run of overlapping phrases: the best phrase of a run adds to the
	// words it contains, overlapping phrases ("로그 파일", "로그 파일 위치") do
	// not pile up, phrases on different words ("타겟 그룹", "만든 적 없") both
	// count.
	const phraseGroup = 1 << 30
	phraseRun := phraseRuns(terms)
	// A Hangul spelling of a glossary concept (팟, 여러개, 노드풀) weighs no
	// more than the concept: its idf is high because few runbooks happen to
	// use that spelling, not because it is a more specific topic. Latin words
	// keep their weight (clb is more specific than load balancer).
	// The same holds for a word inside a multi-word concept (넘어가 of "안
	// 넘어가").
	conceptIDF := map[int]float64{}
	for _, t := range terms {
		if t.Kind == analysis.Concept && e.ix.DocFreq(t.Text) > 0 {
			for id := t.Unit; id < t.Unit+t.Span; id++ {
				conceptIDF[id] = max(conceptIDF[id], e.ix.IDF(t.Text))
			}
		}
	}
	for i, t := range terms {
		qt := index.QueryTerm{Text: t.Text, Weight: kindWeight[t.Kind], Group: -1}
		if c := conceptIDF[t.Unit]; c > 0 && t.Kind == analysis.Word && korean.HasHangul(t.Text) {
			if w := e.ix.IDF(t.Text); w > c {
				qt.Weight *= c / w
			}
		}
		if e.tuning.WordGroups && (t.Span > 1 || t.Kind == analysis.Phrase) {
			qt.Group, qt.Pool = phraseGroup+phraseRun[i], i
		} else if e.tuning.WordGroups {
			qt.Group = t.Unit
			switch t.Kind {
			case analysis.Bigram:
				qt.Pool = -1 // all bigrams of the word together
			case analysis.Part:
				qt.Pool = -2 // all parts of the word together
			default:
				qt.Pool = i // the word, each concept, each correction alone
			}
		}
		q.terms = append(q.terms, qt)
	}
	q.all = terms
	return q
}

// everydayConcept is what a question word counts towards Signals.Concepts
// when its only concepts are everyday IT words (error, log, password, Linux):
// questions about git, cron or a VPN use them as much as Kubernetes questions
// do.
const everydayConcept = 0.5

// conceptWeight is a unit's share of Signals.Concepts: 1 when one of its
// concepts (its own or a multi-word one covering it, such as "termination
// message") is Kubernetes/cloud vocabulary, everydayConcept when all are
// everyday words, 0 without concepts.
func (e *engine) conceptWeight(u *unit, all []analysis.Term) float64 {
	w := 0.0
	g := e.analyzer.Glossary()
	for _, t := range all {
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

// phraseRuns numbers the multi-word and Phrase terms by run of overlapping
// spans (0, 1, 2… in text order); other terms get -1.
func phraseRuns(terms []analysis.Term) []int {
	type span struct{ i, from, to int }
	var spans []span
	for i, t := range terms {
		if t.Span > 1 || t.Kind == analysis.Phrase {
			spans = append(spans, span{i, t.Unit, t.Unit + max(t.Span, 1)})
		}
	}
	sort.Slice(spans, func(a, b int) bool { return spans[a].from < spans[b].from })
	run := make([]int, len(terms))
	for i := range run {
		run[i] = -1
	}
	n, end := -1, -1
	for _, sp := range spans {
		if sp.from >= end {
			n++
		}
		end = max(end, sp.to)
		run[sp.i] = n
	}
	return run
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

// coverage is the idf-weighted share of the question's content words that
// document doc answers (see unitCredit).
func (e *engine) coverage(q *query, doc int) float64 {
	var got, total float64
	for _, u := range q.units {
		total += u.weight
		got += u.weight * e.unitCredit(q, u, doc)
	}
	if total == 0 {
		return 0
	}
	return got / total
}

// unitCredit is how well document doc answers one content word, by its best
// evidence: the word or its concept (1), a phrase containing it (1), a
// spelling correction (0.8), its parts (0.8 × share), its bigrams (0.6 ×
// share).
func (e *engine) unitCredit(q *query, u *unit, doc int) float64 {
	for _, t := range q.all {
		if (t.Kind == analysis.Phrase || t.Kind == analysis.Concept && t.Span > 1) &&
			u.id >= t.Unit && u.id < t.Unit+t.Span && e.ix.Contains(doc, t.Text) {
			return 1
		}
	}
	credit := 0.0
	var parts, partsHit, bis, bisHit float64
	for _, t := range u.terms {
		hit := e.ix.Contains(doc, t.Text)
		switch t.Kind {
		case analysis.Word, analysis.Concept:
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
