package knowledge

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
	"github.com/kubemedic/kubemedic/services/knowledge/korean"
	"github.com/kubemedic/kubemedic/services/knowledge/wordlist"
)

// DomainGate refuses a question whose key terms lie outside Kubernetes
// operations, even when it shares a generic word with a runbook ("VPN 접속이
// 안돼요" shares 접속 with runbooks about API server access). Its domain model
// comes from the corpus and one list:
//
//   - domain words: Kubernetes/cloud glossary concepts (pod, ingress, CLB;
//     not the everyday ones such as error, log, password), runbook keyword
//     phrases with at least one word beyond everyday and general IT words
//     ("윈도우 업데이트" is a keyword, yet no domain word), and the technical (Latin) terms of the runbooks' keywords and
//     tags (hostPath, crictl, ncloud-config) that are neither everyday
//     concepts nor general IT vocabulary. Korean words outside the glossary
//     are ordinary language (회사, 용량, 저장), not domain evidence: the
//     glossary holds the Korean domain vocabulary;
//   - foreign words: general IT vocabulary (data/general-it.txt: office
//     software, devices, other clouds, developer tools, databases), even
//     when a runbook mentions them (vim, Java);
//   - everything else (everyday concepts such as connect, save, error,
//     cost, and words no runbook uses) is neutral.
//
// A question with at least one foreign word and no domain word is off the
// domain: it is answered only when its top answer reaches
// offDomainMinConfidence, the band where answers have been right nine times
// out of ten (see the reliability table of `kubemedic kb eval`), instead of
// the usual MinConfidence. "VPN 접속이 안돼요" is refused; "자바 스택트레이스가
// 줄마다 따로 수집돼요", whose words a log-collection runbook covers
// closely, is still answered. Every other question goes on to the
// confidence model as usual.
type DomainGate struct{}

func (DomainGate) Name() string     { return "domain" }
func (DomainGate) Describe() string { return "domain gate" }

//go:embed data/general-it.txt
var generalITList string

func (DomainGate) bind(e *engine) Stage {
	d := &domainModel{general: map[string]bool{}, technical: map[string]bool{}}
	for _, w := range wordlist.Parse(generalITList) {
		for _, t := range e.analyzer.Terms(w) {
			if t.Kind == analysis.Word || t.Kind == analysis.Stem {
				d.general[t.Text] = true
			}
		}
	}
	// The Korean runbooks write Kubernetes terms in Latin letters (hostPath,
	// crictl, Pending) and ordinary words in Korean; their English keywords
	// and titles translate everything. So a Latin keyword or tag word is a
	// technical term only when the Korean text (title and body) uses it too:
	// "address", "add" or "found" in an English keyword say nothing of the
	// domain. Digits alone ("0", "80") name nothing either.
	for i := range e.entries {
		en := &e.entries[i]
		for _, s := range [...]string{en.TitleKo, en.Body} {
			for _, t := range e.analyzer.Terms(s) {
				if t.Kind == analysis.Word && e.curated[t.Text] && !korean.HasHangul(t.Text) && !allDigits(t.Text) {
					d.technical[t.Text] = true
				}
			}
		}
	}
	return d
}

// allDigits reports whether s is made of ASCII digits only.
func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// domainModel is DomainGate bound to one engine's analyzer.
type domainModel struct {
	general map[string]bool // analysed forms of the general IT vocabulary
	// technical holds the Latin keyword and tag words of the runbooks that
	// their Korean text uses too (see bind).
	technical map[string]bool
}

func (*domainModel) Name() string     { return DomainGate{}.Name() }
func (*domainModel) Describe() string { return DomainGate{}.Describe() }

// offDomainMinConfidence is the confidence an off-domain question's top
// answer needs.
const offDomainMinConfidence = 0.8

// gate returns why q is refused given its top answer's confidence, or "".
func (d *domainModel) gate(e *engine, q *query, confidence float64) string {
	if confidence >= offDomainMinConfidence {
		return ""
	}
	var foreign []string
	for _, u := range q.units {
		switch d.classify(e, q, u) {
		case domainWord:
			return ""
		case foreignWord:
			foreign = append(foreign, u.surface)
		}
	}
	if len(foreign) == 0 {
		return ""
	}
	return fmt.Sprintf("the question's key terms (%s) are outside Kubernetes operations and the best match has confidence %.2f, below %.2f",
		strings.Join(foreign, ", "), confidence, offDomainMinConfidence)
}

type wordClass int

const (
	neutralWord wordClass = iota
	domainWord
	foreignWord
)

// classify places one question word in the domain model.
func (d *domainModel) classify(e *engine, q *query, u *unit) wordClass {
	g := e.analyzer.Glossary()
	concepts, domainConcept, everydayConcept := 0, false, false
	for _, t := range q.all {
		covers := t.Unit == u.id || (t.Span > 1 && u.id >= t.Unit && u.id < t.Unit+t.Span)
		if !covers {
			continue
		}
		if t.Kind == analysis.Phrase && e.ix.DocFreq(t.Text) > 0 && !d.everydayPhrase(e, q, t) {
			return domainWord
		}
		if c, ok := strings.CutPrefix(t.Text, analysis.ConceptPrefix); ok && (t.Kind == analysis.Concept || t.Kind == analysis.Fuzzy) {
			concepts++
			if g.Everyday(c) {
				everydayConcept = true
			} else {
				domainConcept = true
			}
		}
	}
	// A word that may also mean an everyday thing (줄여 is scale and
	// resize) is no domain evidence by itself; its spelling still may be.
	if domainConcept && !everydayConcept {
		return domainWord
	}
	general := false
	for _, t := range u.terms {
		switch t.Kind {
		case analysis.Word, analysis.Stem, analysis.Fuzzy:
			if d.general[t.Text] {
				general = true
			} else if (concepts == 0 || domainConcept) && d.technical[t.Text] {
				return domainWord
			}
		}
	}
	if general {
		return foreignWord
	}
	return neutralWord
}

// everydayPhrase reports whether every word of keyword phrase p is an
// everyday concept or general IT vocabulary: "윈도우 업데이트" (Windows
// update) is a runbook keyword, yet it names nothing of Kubernetes
// operations, so it is no domain evidence by itself.
func (d *domainModel) everydayPhrase(e *engine, q *query, p analysis.Term) bool {
	g := e.analyzer.Glossary()
	for _, u := range q.units {
		if u.id < p.Unit || u.id >= p.Unit+p.Span {
			continue
		}
		everyday := false
		for _, t := range u.terms {
			switch {
			case t.Kind == analysis.Concept && t.Span == 1:
				c := strings.TrimPrefix(t.Text, analysis.ConceptPrefix)
				if !g.Everyday(c) {
					return false
				}
				everyday = true
			case (t.Kind == analysis.Word || t.Kind == analysis.Stem) && d.general[t.Text]:
				everyday = true
			}
		}
		if !everyday {
			return false
		}
	}
	return true
}
