// Package analysis turns Korean/English text into search terms, the same way
// for runbooks and for questions. It is the custom analyzer of the knowledge
// base: the korean package supplies the language mechanics, the glossary
// package the domain vocabulary, and this package decides which terms come out
// of a piece of text and how much each one counts in a query.
//
// For "파드가 Init:CrashLoopBackOff 에러예요" the full pipeline emits:
//
//	파드                      Word     (particle 가 stripped)
//	@pod                      Concept  (glossary: 파드 ↔ pod)
//	~파드                      Bigram
//	init:crashloopbackoff     Word     (error string kept whole)
//	init, crashloopbackoff    Part     (its pieces)
//	@initcontainer, @crashloopbackoff  Concept
//	에러, @error, ~에러          (에러예요 → 에러)
//
// An English word also gives its Porter2 stem as a Stem term (restarting →
// restart, via the Snowball English stemmer), so inflections meet.
//
// Terms live in separate namespaces by prefix so a Hangul bigram never
// collides with a two-syllable word: Concept "@", Bigram "~", Phrase "\"".
// Words, Parts and Stems share the plain namespace so the question "ip"
// matches the part "ip" of "external-ip" and the stem "restart" the word.
//
// Every Term carries the index of the question word it came from (Unit), which
// lets the searcher ask, per word of the question, "did the answer cover this
// word?" — the basis of the confidence score.
package analysis

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"

	"github.com/kubemedic/kubemedic/services/knowledge/glossary"
	"github.com/kubemedic/kubemedic/services/knowledge/korean"
)

// Kind says how a term was derived from the text.
type Kind uint8

// Term kinds.
const (
	Word    Kind = iota // a whole word: a Hangul stem or a Latin word, error strings kept whole
	Part                // a piece of a compound Latin word (external, ip of external-ip)
	Concept             // a glossary concept (@pod)
	Bigram              // a Hangul bigram (~로그)
	Phrase              // a multi-word error string or keyword phrase ("name or service not known)
	Fuzzy               // a spelling correction; produced by the searcher, not by Terms
	Stem                // the Porter2 stem of an English word (restarting → restart)
)

var kindNames = [...]string{"word", "part", "concept", "bigram", "phrase", "fuzzy", "stem"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Namespace prefixes.
const (
	ConceptPrefix = "@"
	BigramPrefix  = "~"
	PhrasePrefix  = "\""
)

// Term is one search term.
type Term struct {
	Text string
	Kind Kind
	// Unit is the index of the content word of the text this term came from;
	// a Phrase covers the units Unit..Unit+Span-1.
	Unit int
	Span int
	// Surface is the word as written (normalised), for explanations.
	Surface string
}

// Features switches the stages of the pipeline, for ablation studies. The
// zero value is the whole-word baseline: lower-cased, whitespace-separated
// words with surrounding punctuation trimmed.
type Features struct {
	Segment  bool // NFKC, Hangul/Latin boundary splitting, error strings whole plus parts
	Stem     bool // Korean particle/ending stripping, English plural s
	Bigrams  bool // Hangul bigrams
	Glossary bool // glossary concepts, glossary phrases, compound splitting
	Phrases  bool // multi-word phrases from runbook keywords
	// EnglishStem adds the Porter2 (Snowball English) stem of each English
	// word as a Stem term, so that restarting, restarts and restarted meet in
	// restart, and looks the stem up in the glossary.
	EnglishStem bool
}

// Full enables every stage.
func Full() Features {
	return Features{Segment: true, Stem: true, Bigrams: true, Glossary: true, Phrases: true, EnglishStem: true}
}

// Analyzer produces terms. It is immutable and safe for concurrent use.
type Analyzer struct {
	features  Features
	glossary  *glossary.Glossary
	phrases   map[string]string // keys joined by one space → the Phrase term's text
	maxPhrase int
	// concepts and phraseConcepts are the glossary's concepts of each word
	// key and each phrase key as Concept term texts (with ConceptPrefix),
	// made once here rather than for every question.
	concepts, phraseConcepts map[string][]string
	// prefixes holds the first 1, 2, 3… keys, joined by one space, of every
	// phrase and glossary phrase: Terms stops extending a run of words as
	// soon as it starts no phrase.
	prefixes map[string]bool
	// stems holds the Porter2 stems of known words (WithStemCache).
	stems map[string]string
}

// New returns an analyzer. phrases are extra multi-word terms (typically the
// runbooks' multi-word keywords such as "Name or service not known") that are
// matched whole; single words among them are ignored. g may be nil when
// Features.Glossary is off.
func New(f Features, g *glossary.Glossary, phrases []string) *Analyzer {
	a := &Analyzer{features: f, glossary: g, phrases: map[string]string{}}
	if a.glossary == nil {
		a.glossary = &glossary.Glossary{}
	}
	if f.Phrases {
		for _, p := range phrases {
			keys := a.keys(korean.Words(korean.Normalize(p)))
			if len(keys) < 2 || len(keys) > 8 {
				continue
			}
			joined := strings.Join(keys, " ")
			a.phrases[joined] = PhrasePrefix + joined
			a.maxPhrase = max(a.maxPhrase, len(keys))
		}
	}
	a.prefixes = map[string]bool{}
	addPrefixes := func(joined string) {
		for i := range len(joined) {
			if joined[i] == ' ' {
				a.prefixes[joined[:i]] = true
			}
		}
		a.prefixes[joined] = true
	}
	for p := range a.phrases {
		addPrefixes(p)
	}
	a.phraseConcepts = map[string][]string{}
	for _, p := range a.glossary.PhraseKeys() {
		addPrefixes(p)
		a.phraseConcepts[p] = conceptTexts(a.glossary.PhraseKey(p))
	}
	a.concepts = map[string][]string{}
	for _, w := range a.glossary.Words() {
		a.concepts[w] = conceptTexts(a.glossary.Lookup(w))
	}
	return a
}

// conceptTexts are the Concept term texts of concepts.
func conceptTexts(concepts []string) []string {
	out := make([]string, len(concepts))
	for i, c := range concepts {
		out[i] = ConceptPrefix + c
	}
	return out
}

// WithStemCache returns a copy of a that takes the Porter2 stem of the given
// words from a table built now instead of stemming them on every call: the
// words of a corpus, which questions mostly reuse. Other words are stemmed
// as before; the terms are the same either way.
func (a *Analyzer) WithStemCache(words []string) *Analyzer {
	if !a.features.EnglishStem {
		return a
	}
	c := *a
	c.stems = make(map[string]string, len(words))
	for _, w := range words {
		if len(w) > 3 && isLetters(w) {
			c.stems[w] = english.Stem(w, true)
		}
	}
	return &c
}

// Features returns the enabled stages.
func (a *Analyzer) Features() Features { return a.features }

// Glossary returns the glossary in use (empty when the stage is off).
func (a *Analyzer) Glossary() *glossary.Glossary { return a.glossary }

// keys returns the lookup key of each word, dropping glued particles.
func (a *Analyzer) keys(words []korean.Word) []string {
	out := make([]string, 0, len(words))
	for _, w := range words {
		if k, ok := a.key(w); ok {
			out = append(out, k)
		}
	}
	return out
}

// Key is the index form of a word of korean.Words on normalised text, as
// Terms gives it as a Word term: for callers that need the words of a text
// without the rest of its analysis. ok is false for a particle glued to a
// Latin word.
func (a *Analyzer) Key(w korean.Word) (string, bool) { return a.key(w) }

// key is the index form of a word: its stem (Hangul, when stemming is on) or
// the word itself, English plural s removed. ok is false for a particle glued
// to a Latin word ("pod가" → "가").
func (a *Analyzer) key(w korean.Word) (string, bool) {
	if w.Script == korean.Hangul {
		if w.Joined && a.features.Stem && korean.IsSuffix(w.Text) {
			return "", false
		}
		if a.features.Stem {
			return korean.Stem(w.Text), true
		}
		return w.Text, true
	}
	if a.features.Stem {
		return englishStem(w.Text), true
	}
	return w.Text, true
}

// englishStem removes a plural s: pods → pod, containers → container.
func englishStem(s string) string {
	if len(s) > 3 && strings.HasSuffix(s, "s") && !strings.HasSuffix(s, "ss") &&
		!strings.HasSuffix(s, "us") && !strings.HasSuffix(s, "is") && isLetters(s) {
		return s[:len(s)-1]
	}
	return s
}

// englishStem returns the Porter2 stem of an English word when the stage is
// on, the word is letters only and longer than three, and the stem differs
// from its key. Identifiers and error strings (external-ip, 0/5) have no stem.
func (a *Analyzer) englishStem(word, key string) (string, bool) {
	if !a.features.EnglishStem || len(word) <= 3 || !isLetters(word) {
		return "", false
	}
	s, ok := a.stems[word]
	if !ok {
		s = english.Stem(word, true)
	}
	if s == key || s == word || len(s) < 3 {
		return "", false
	}
	return s, true
}

func isLetters(s string) bool {
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// Terms analyses text into terms, in text order. The same text always gives
// the same terms.
func (a *Analyzer) Terms(text string) []Term { return a.AppendTerms(nil, text) }

// AppendTerms appends the terms of text (as Terms gives them) to dst, so that
// a caller analysing many texts can reuse one array.
func (a *Analyzer) AppendTerms(dst []Term, text string) []Term {
	if !a.features.Segment {
		return append(dst, baselineTerms(text)...)
	}
	var wordBuf [32]korean.Word
	words := korean.AppendWords(wordBuf[:0], expandContractions(korean.Normalize(text)))
	type unit struct {
		key  string
		word korean.Word
	}
	var unitBuf [32]unit
	units := unitBuf[:0]
	for _, w := range words {
		k, ok := a.key(w)
		if !ok {
			continue
		}
		units = append(units, unit{k, w})
	}
	out := slices.Grow(dst, 2*len(units)+4)
	var keyBuf [32]string
	keys := keyBuf[:0]
	for _, u := range units {
		keys = append(keys, u.key)
	}
	// Phrases first: they may include stop words ("name or service not known").
	if a.features.Glossary || a.features.Phrases {
		maxN := max(a.glossary.MaxPhraseWords(), a.maxPhrase)
		var buf [128]byte
		for i := range keys {
			if !a.prefixes[keys[i]] {
				continue
			}
			run := append(buf[:0], keys[i]...) // keys[i:i+n] joined by one space
			for n := 2; n <= maxN && i+n <= len(keys); n++ {
				run = append(append(run, ' '), keys[i+n-1]...)
				if !a.prefixes[string(run)] {
					break // no longer phrase starts with these words
				}
				joined := ""
				if a.features.Phrases {
					if text, ok := a.phrases[string(run)]; ok {
						joined = text[len(PhrasePrefix):]
						out = append(out, Term{Text: text, Kind: Phrase, Unit: i, Span: n, Surface: joined})
					}
				}
				if a.features.Glossary {
					for _, c := range a.phraseConcepts[string(run)] {
						if joined == "" {
							joined = string(run)
						}
						out = append(out, Term{Text: c, Kind: Concept, Unit: i, Span: n, Surface: joined})
					}
				}
			}
		}
	}
	for i, u := range units {
		var stem string
		hasStem := false
		if u.word.Script == korean.Latin {
			stem, hasStem = a.englishStem(u.word.Text, u.key)
		}
		// An inflection of a stopword is one too: getting (get), explained.
		if isStopword(u.key) || isStopword(u.word.Text) || (hasStem && isStopword(stem)) ||
			(u.word.Script == korean.Hangul && a.features.Stem && korean.IsSuffix(u.key)) {
			continue // no topic: a question word, a filler, or a bare ending (안돼요)
		}
		out = append(out, Term{Text: u.key, Kind: Word, Unit: i, Span: 1, Surface: u.word.Text})
		if a.features.Glossary {
			out = a.appendConcepts(out, u.word.Text, u.key, i)
		}
		if u.word.Script == korean.Latin {
			if hasStem {
				out = append(out, Term{Text: stem, Kind: Stem, Unit: i, Span: 1, Surface: u.word.Text})
				if a.features.Glossary && len(a.concepts[u.word.Text]) == 0 && len(a.concepts[u.key]) == 0 {
					for _, c := range a.concepts[stem] {
						out = append(out, Term{Text: c, Kind: Concept, Unit: i, Span: 1, Surface: stem})
					}
				}
			}
			for _, p := range u.word.Parts {
				if isStopword(p) {
					continue
				}
				out = append(out, Term{Text: p, Kind: Part, Unit: i, Span: 1, Surface: u.word.Text})
				if a.features.Glossary {
					for _, c := range a.concepts[p] {
						out = append(out, Term{Text: c, Kind: Concept, Unit: i, Span: 1, Surface: p})
					}
				}
			}
			continue
		}
		if a.features.Bigrams {
			// korean.Bigrams(u.key), each with its prefix in one string:
			// the key is a Hangul stem, so its bigrams are substrings.
			s0, s1 := -1, -1 // where the two runes before b start
			for b := range u.key {
				if s0 >= 0 {
					out = append(out, Term{Text: BigramPrefix + u.key[s0:b], Kind: Bigram, Unit: i, Span: 1, Surface: u.word.Text})
				}
				s0, s1 = s1, b
			}
			if s0 >= 0 {
				out = append(out, Term{Text: BigramPrefix + u.key[s0:], Kind: Bigram, Unit: i, Span: 1, Surface: u.word.Text})
			}
		}
	}
	return out
}

// AppendCompound appends the glossary concepts of a compound word written
// with hyphens or other inner punctuation (config-map, node-pool, not-ready,
// out-of-memory; a word of korean.Words, normalised), as Concept terms of
// unit: those of its pieces written together (configmap, nodepool) and those
// of the pieces as a phrase (node pool, not ready, out of memory), when the
// whole word has no concept of its own. Its pieces' own concepts (node,
// ready, memory) come with its Part terms (Terms).
func (a *Analyzer) AppendCompound(out []Term, word string, unit int) []Term {
	if len(a.concepts[word]) > 0 {
		return out
	}
	var joinedBuf, phraseBuf [64]byte
	joined, phrase := joinedBuf[:0], phraseBuf[:0]
	pieces, inPiece := 0, false
	for _, r := range word {
		if korean.IsLatinOrDigit(r) {
			if !inPiece {
				pieces++
				if pieces > 1 {
					phrase = append(phrase, ' ')
				}
			}
			inPiece = true
			joined = utf8.AppendRune(joined, r)
			phrase = utf8.AppendRune(phrase, r)
			continue
		}
		inPiece = false
	}
	if pieces < 2 {
		return out
	}
	first := len(out)
	add := func(cs []string) {
		for _, c := range cs {
			if !slices.ContainsFunc(out[first:], func(t Term) bool { return t.Text == c }) {
				out = append(out, Term{Text: c, Kind: Concept, Unit: unit, Span: 1, Surface: word})
			}
		}
	}
	add(a.concepts[string(joined)])
	if pieces <= a.glossary.MaxPhraseWords() {
		add(a.phraseConcepts[string(phrase)])
	}
	return out
}

// appendConcepts adds the glossary concepts of a word: by surface form, by
// key, and for a Hangul word the glossary does not know, by its longest known
// prefix of two or more syllables plus, when known, the rest — which catches
// both compounds (파드스케줄링 → 파드 + 스케줄링) and conjugations the stemmer
// leaves alone (쫓겨났 → 쫓겨, 늘려줘 → 늘려).
func (a *Analyzer) appendConcepts(out []Term, surface, key string, unit int) []Term {
	first := len(out)                       // the concepts of this word are out[first:]
	add := func(cs []string, from string) { // cs: Concept term texts
		for _, c := range cs {
			if !slices.ContainsFunc(out[first:], func(t Term) bool { return t.Text == c }) {
				out = append(out, Term{Text: c, Kind: Concept, Unit: unit, Span: 1, Surface: from})
			}
		}
	}
	add(a.concepts[surface], surface)
	if key != surface { // the same concepts again would all be duplicates
		add(a.concepts[key], key)
	}
	if len(out) > first || !korean.HasHangul(key) {
		return out
	}
	// Heads and tails are substrings at rune boundaries (the key is a
	// Hangul stem: valid UTF-8), off[i] the byte offset of rune i.
	var offBuf [64]int
	off := offBuf[:0]
	for i := range key {
		off = append(off, i)
	}
	n := len(off)
	off = append(off, len(key))
	for cut := n - 1; cut >= 2; cut-- {
		head := key[:off[cut]]
		hc := a.concepts[head]
		if hc == nil {
			continue
		}
		add(hc, head)
		tail := key[off[cut]:]
		if tc := a.concepts[korean.Stem(tail)]; tc != nil && n-cut >= 2 {
			add(tc, tail)
		}
		break
	}
	return out
}

// baselineTerms is the whole-word baseline: lower-cased whitespace-separated
// words with punctuation trimmed, nothing else.
func baselineTerms(text string) []Term {
	var out []Term
	for i, f := range strings.Fields(strings.ToLower(text)) {
		f = strings.TrimFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if f == "" {
			continue
		}
		out = append(out, Term{Text: f, Kind: Word, Unit: i, Span: 1, Surface: f})
	}
	return out
}
