package knowledge

import (
	"regexp"
	"strings"

	"github.com/kubemedic/kubemedic/services/knowledge/index"
)

// A runbook is one of two kinds when it has a near sibling that shares its
// words: a how-to says how to do something (a command, a procedure:
// "Creating a new HorizontalPodAutoscaler with kubectl autoscale"), a
// symptom runbook says what is wrong and how to find why ("HPA not scaling -
// an existing HPA does not change the replica count"). Retrieval cannot tell
// them apart by their words, which overlap by design (the symptom runbook
// shows the command, the how-to mentions the symptom it does not cover), so
// a question in other words than either goes to the one that shares a few
// more of them. What the question asks for can: one that reports a symptom
// (a negation or a failing state, "the HPA never adds a pod", "계속 죽어요")
// and asks for no command is about the symptom.
type runbookKind uint8

const (
	kindOther runbookKind = iota
	kindHowTo
	kindSymptom
)

// kindOf derives an entry's kind from the runbook format itself: a body that
// opens with "## 증상" (Symptoms) is a symptom runbook; one that opens with
// "## 답변" (Answer) under an English title that names an action ("Viewing
// …", "Creating …", "How …") and no failure is a how-to. Everything else
// (a comparison, a provider's fact sheet) is neither. The test is the
// title's shape, not its grammar: "Meaning of Init:N/M …" opens with a word in
// -ing and counts as a how-to, which is what it is next to its symptom
// sibling (init container failing): an answer, not a failure.
func kindOf(e *Entry) runbookKind {
	switch firstHeading(e.Body) {
	case "증상":
		return kindSymptom
	case "답변":
		main := e.TitleEn
		if i := strings.Index(main, " - "); i >= 0 {
			main = main[:i]
		}
		if i := strings.Index(main, " ("); i >= 0 {
			main = main[:i]
		}
		if actionTitle.MatchString(main) && !failureTitle.MatchString(main) {
			return kindHowTo
		}
	}
	return kindOther
}

// firstHeading returns the text of the first "##" heading of a Markdown
// body outside its code blocks (scanBody, the reading the English body check
// uses), or "".
func firstHeading(body string) string {
	parts, err := scanBody(body, 1)
	if err != nil || len(parts.headings) == 0 {
		return ""
	}
	return parts.headings[0].text
}

var (
	// actionTitle is an English title that starts with an action: a gerund
	// ("Viewing", "Changing") or "How".
	actionTitle = regexp.MustCompile(`^(\w+ing|How)\b`)
	// failureTitle is a title that reports a failure.
	failureTitle = regexp.MustCompile(`\b(not|n't|cannot|fails?|failing|stuck|unable)\b`)

	// symptomWords are a question's words for a symptom: a negation or a
	// failing state, in English and Korean.
	symptomWords = regexp.MustCompile(`(?i)\b(not|never|won't|cannot|stuck|fails?|failing|failed|keeps?|still|frozen|crash\w*|error|died|dies|broken)\b|n't\b|안 |않|못 |못해|계속|자꾸|실패|에러|오류|멈|죽|안돼|안되|안 돼`)
	// howToWords are a question's words asking for a command or a procedure.
	howToWords = regexp.MustCompile(`(?i)\b(how (do|can|should|would) (i|we|you)|how to|command|one-liner|syntax|flag|option|way to|set up|steps to)\b|방법|명령|하려면|하는 ?법|옵션|문법`)
)

// symptomQuestion reports whether a question reports a symptom and asks for
// no command or procedure.
func symptomQuestion(text string) bool {
	return symptomWords.MatchString(text) && !howToWords.MatchString(text)
}

// symptomTie is how close (as a share of the top answer's score) a symptom
// runbook must come to a how-to ranked above it to answer instead, when the
// question reports a symptom.
const symptomTie = 0.10

// preferSymptom lets a question that reports a symptom and asks for no
// command get the symptom runbook when retrieval ranks a how-to just above
// it: the first symptom runbook whose score is within symptomTie of a how-to
// top answer moves to the top ("autoscaler not adding replicas even when cpu
// is pegged": HPA not scaling, not kubectl autoscale). A how-to keeps the
// top when it matches clearly better, or when the question asks how to do
// something: the other way round (a how-to question, a symptom runbook on
// top) is not reordered, because a symptom runbook's fix is often the
// procedure asked for ("롤백하는 방법": the stuck-rollout runbook with
// rollout undo). The move makes no answer surer: the new top answer shows no
// higher confidence than the answer it passes did (so a refused question's
// best guess does not get through the confidence floor by moving), and the
// answers it passes no higher confidence than the new top answer. hits, sigs and confs are parallel, best first; kinds is
// each document's kind; text is the question as asked, read only when the
// answers are a how-to and a symptom runbook within the tie.
func preferSymptom(hits []index.Hit, sigs []Signals, confs []float64, kinds []runbookKind, text string) {
	if len(hits) < 2 || kinds[hits[0].Doc] != kindHowTo {
		return
	}
	for i := 1; i < len(hits); i++ {
		if hits[i].Score < hits[0].Score*(1-symptomTie) {
			return
		}
		if kinds[hits[i].Doc] != kindSymptom {
			continue
		}
		if !symptomQuestion(text) {
			return
		}
		promote(hits, sigs, confs, i, min(confs[i], confs[0]))
		return
	}
}
