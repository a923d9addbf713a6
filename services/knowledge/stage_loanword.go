package knowledge

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
	"github.com/kubemedic/kubemedic/services/knowledge/korean"
	"github.com/kubemedic/kubemedic/services/knowledge/loanword"
)

// Loanwords reads a Hangul word that neither the index nor the glossary
// knows as the Latin word it spells (the loanword package):
//
//   - an acronym by its letter names (피브이씨 → pvc, 에이케이에스 → aks, the
//     디엔에스 of 코어디엔에스 → dns) when the index, the glossary or the general
//     IT vocabulary knows that reading (알디에스 is rds, a general IT word,
//     not the ds of its tail);
//   - a name by its sound (콘트랙 → conntrack, 코넥티비티 → konnectivity) when
//     the word begins with no Korean word the index knows (빠지기까지 and
//     복제셋에서 are Korean words with endings) and a word of the runbooks'
//     heads (title, example questions, keywords, tags) of four letters or
//     more has the same consonant skeleton, at least four consonants long,
//     and its spelling is the closest to the Hangul one, at most a quarter
//     of its length of edits away. Shorter skeletons and looser spellings
//     read Korean words and other loanwords as runbook words (리모트 as
//     limit, 오프라인 as brain, 라이선스 as regions). Words spelled alike
//     (connectivity, konnectivity) are each a reading; words spelled
//     differently at the same distance are none.
//
// The reading is another form of the word (weighing like a stem) and brings
// its glossary concepts, so that a question that spells a product in Hangul
// finds the runbooks that write it in Latin letters and counts it as known;
// a reading that is general IT vocabulary makes the word general IT, as its
// Latin spelling would. Words of three syllables or more only (shorter ones
// are as often Korean words), and no word the general IT list already has
// (프린터 is a printer, not fluentd).
type Loanwords struct{}

func (Loanwords) Name() string     { return "loanword" }
func (Loanwords) Describe() string { return "Hangul spellings of Latin words" }

// minSoundLetters and minSoundConsonants bound the Latin words a sound
// reading may give: short words and short skeletons match too much (see
// Loanwords).
const (
	minSoundLetters    = 4
	minSoundConsonants = 4
)

func (Loanwords) bind(e *engine) Stage {
	l := &loanwords{byKey: map[string][]soundWord{}, general: e.general}
	for w := range e.topical {
		if len(w) < minSoundLetters || !allLetters(w) || !e.words[w] {
			continue
		}
		k := loanword.Key(w)
		if len(k) < minSoundConsonants {
			continue
		}
		l.byKey[k] = append(l.byKey[k], soundWord{w, loanword.Spelling(w)})
	}
	for _, ws := range l.byKey {
		sort.Slice(ws, func(i, j int) bool { return ws[i].text < ws[j].text })
	}
	return l
}

// loanwords is Loanwords bound to one engine's vocabulary.
type loanwords struct {
	byKey   map[string][]soundWord // runbook head words by loanword.Key
	general map[string]bool        // general IT words already mean something
}

type soundWord struct{ text, spelling string }

func (*loanwords) Name() string     { return Loanwords{}.Name() }
func (*loanwords) Describe() string { return Loanwords{}.Describe() }

func (l *loanwords) rewrite(e *engine, q *query) {
	for _, u := range q.units {
		w := u.terms[0]
		if w.Kind != analysis.Word || !allHangul(w.Text) || e.ix.DocFreq(w.Text) > 0 || l.general[w.Text] ||
			hasKind(u.terms, analysis.Concept) || knownStem(e, u) || inPhrase(q.all, u.id) {
			continue
		}
		// The word as written, then its stems (피브이씨가 → 피브이씨).
		for _, t := range u.terms {
			if (t.Kind != analysis.Word && t.Kind != analysis.Stem) || !allHangul(t.Text) || l.general[t.Text] ||
				utf8.RuneCountInString(t.Text) < loanword.MinLetterSyllables {
				continue
			}
			if rs := l.read(e, t.Text); len(rs) > 0 {
				for _, r := range rs {
					l.add(e, q, u, w, r)
				}
				break
			}
		}
	}
}

// read returns the Latin readings of a Hangul word: by letter names, else by
// sound.
func (l *loanwords) read(e *engine, w string) []string {
	if loanword.HasLetterTail(w) {
		known := func(latin string) bool {
			return e.ix.DocFreq(latin) > 0 || l.general[latin] ||
				(e.analyzer.Features().Glossary && len(e.analyzer.Glossary().Lookup(latin)) > 0)
		}
		if rs := loanword.LetterReadings(w, known); len(rs) > 0 {
			return rs
		}
	}
	// A word that begins with a Korean word the index knows (빠지기까지,
	// 복제셋에서) is that word conjugated or compounded, not a loanword.
	if head, filler := knownHead(e, w); head != "" || filler {
		return nil
	}
	var kbuf [32]byte
	kb := loanword.AppendHangulKey(kbuf[:0], w)
	if len(kb) < minSoundConsonants {
		return nil
	}
	cands := l.byKey[string(kb)]
	if len(cands) == 0 {
		return nil
	}
	sp := strings.ToLower(loanword.Spelling(w))
	var best []soundWord
	bestD := 0
	for _, c := range cands {
		cs := strings.ToLower(c.spelling)
		d := korean.Distance(sp, cs)
		if d > len(cs)/4 {
			continue
		}
		switch {
		case len(best) == 0 || d < bestD:
			best, bestD = append(best[:0], c), d
		case d == bestD:
			best = append(best, c)
		}
	}
	// Words spelled alike (connectivity, konnectivity) are one sound:
	// Hangul cannot tell them apart, so the reading is each of them.
	// Words spelled differently at the same distance are a guess.
	var out []string
	for _, c := range best {
		if c.spelling != best[0].spelling {
			return nil
		}
		out = append(out, c.text)
	}
	return out
}

// add adds reading r of word w, with its glossary concepts.
func (l *loanwords) add(e *engine, q *query, u *unit, w analysis.Term, r string) {
	q.addTerm(u, analysis.Term{Text: r, Kind: analysis.Stem, Unit: u.id, Span: 1, Surface: w.Surface})
	if !e.analyzer.Features().Glossary {
		return
	}
	for _, c := range e.analyzer.Glossary().Lookup(r) {
		q.addTerm(u, analysis.Term{Text: analysis.ConceptPrefix + c, Kind: analysis.Concept, Unit: u.id, Span: 1, Surface: r})
	}
}

// allHangul reports whether s is Hangul syllables only.
func allHangul(s string) bool {
	for _, r := range s {
		if !korean.IsHangul(r) {
			return false
		}
	}
	return s != ""
}
