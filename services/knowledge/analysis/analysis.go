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
	"strings"
	"unicode"

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
	phrases   map[string]bool // keys joined by one space
	maxPhrase int
}

// New returns an analyzer. phrases are extra multi-word terms (typically the
// runbooks' multi-word keywords such as "Name or service not known") that are
// matched whole; single words among them are ignored. g may be nil when
// Features.Glossary is off.
func New(f Features, g *glossary.Glossary, phrases []string) *Analyzer {
	a := &Analyzer{features: f, glossary: g, phrases: map[string]bool{}}
	if a.glossary == nil {
		a.glossary = &glossary.Glossary{}
	}
	if f.Phrases {
		for _, p := range phrases {
			keys := a.keys(korean.Words(korean.Normalize(p)))
			if len(keys) < 2 || len(keys) > 8 {
				continue
			}
			a.phrases[strings.Join(keys, " ")] = true
			a.maxPhrase = max(a.maxPhrase, len(keys))
		}
	}
	return a
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
	s := english.Stem(word, true)
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
func (a *Analyzer) Terms(text string) []Term {
	if !a.features.Segment {
		return baselineTerms(text)
	}
	words := korean.Words(korean.Normalize(text))
	type unit struct {
		key  string
		word korean.Word
	}
	units := make([]unit, 0, len(words))
	for _, w := range words {
		k, ok := a.key(w)
		if !ok {
			continue
		}
		units = append(units, unit{k, w})
	}
	var out []Term
	keys := make([]string, len(units))
	for i, u := range units {
		keys[i] = u.key
	}
	// Phrases first: they may include stop words ("name or service not known").
	if a.features.Glossary || a.features.Phrases {
		maxN := max(a.glossary.MaxPhraseWords(), a.maxPhrase)
		for i := range keys {
			for n := 2; n <= maxN && i+n <= len(keys); n++ {
				joined := strings.Join(keys[i:i+n], " ")
				if a.features.Phrases && a.phrases[joined] {
					out = append(out, Term{Text: PhrasePrefix + joined, Kind: Phrase, Unit: i, Span: n, Surface: joined})
				}
				if a.features.Glossary {
					for _, c := range a.glossary.Phrase(keys[i : i+n]) {
						out = append(out, Term{Text: ConceptPrefix + c, Kind: Concept, Unit: i, Span: n, Surface: joined})
					}
				}
			}
		}
	}
	for i, u := range units {
		if isStopword(u.key) || isStopword(u.word.Text) ||
			(u.word.Script == korean.Hangul && a.features.Stem && korean.IsSuffix(u.key)) {
			continue // no topic: a question word, a filler, or a bare ending (안돼요)
		}
		out = append(out, Term{Text: u.key, Kind: Word, Unit: i, Span: 1, Surface: u.word.Text})
		if a.features.Glossary {
			out = a.appendConcepts(out, u.word.Text, u.key, i)
		}
		if u.word.Script == korean.Latin {
			if stem, ok := a.englishStem(u.word.Text, u.key); ok {
				out = append(out, Term{Text: stem, Kind: Stem, Unit: i, Span: 1, Surface: u.word.Text})
				if a.features.Glossary && len(a.glossary.Lookup(u.word.Text)) == 0 && len(a.glossary.Lookup(u.key)) == 0 {
					for _, c := range a.glossary.Lookup(stem) {
						out = append(out, Term{Text: ConceptPrefix + c, Kind: Concept, Unit: i, Span: 1, Surface: stem})
					}
				}
			}
			for _, p := range u.word.Parts {
				if isStopword(p) {
					continue
				}
				out = append(out, Term{Text: p, Kind: Part, Unit: i, Span: 1, Surface: u.word.Text})
				if a.features.Glossary {
					for _, c := range a.glossary.Lookup(p) {
						out = append(out, Term{Text: ConceptPrefix + c, Kind: Concept, Unit: i, Span: 1, Surface: p})
					}
				}
			}
			continue
		}
		if a.features.Bigrams {
			for _, b := range korean.Bigrams(u.key) {
				out = append(out, Term{Text: BigramPrefix + b, Kind: Bigram, Unit: i, Span: 1, Surface: u.word.Text})
			}
		}
	}
	return out
}

// appendConcepts adds the glossary concepts of a word: by surface form, by
// key, and for a Hangul word the glossary does not know, by its longest known
// prefix of two or more syllables plus, when known, the rest — which catches
// both compounds (파드스케줄링 → 파드 + 스케줄링) and conjugations the stemmer
// leaves alone (쫓겨났 → 쫓겨, 늘려줘 → 늘려).
func (a *Analyzer) appendConcepts(out []Term, surface, key string, unit int) []Term {
	seen := map[string]bool{}
	add := func(cs []string, from string) {
		for _, c := range cs {
			if !seen[c] {
				seen[c] = true
				out = append(out, Term{Text: ConceptPrefix + c, Kind: Concept, Unit: unit, Span: 1, Surface: from})
			}
		}
	}
	add(a.glossary.Lookup(surface), surface)
	add(a.glossary.Lookup(key), key)
	if len(seen) > 0 || !korean.HasHangul(key) {
		return out
	}
	rs := []rune(key)
	for cut := len(rs) - 1; cut >= 2; cut-- {
		head := string(rs[:cut])
		hc := a.glossary.Lookup(head)
		if hc == nil {
			continue
		}
		add(hc, head)
		tail := string(rs[cut:])
		if tc := a.glossary.Lookup(korean.Stem(tail)); tc != nil && len(rs)-cut >= 2 {
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
