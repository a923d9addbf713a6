package faqimport

import (
	"strings"
	"unicode"
)

// part is the role of a piece of an entry's body.
type part int

const (
	partNone    part = iota // not a part label
	partAnswer              // unlabelled text, or 답변/Answer
	partSymptom             // 증상 / Symptoms
	partCause               // 원인 / Cause
	partCheck               // 확인 방법 / How to check
	partFix                 // 해결 방법 / Fix
	partNotes               // 참고 / Notes
)

// heading returns the runbook heading of a part in the entry's language.
func (p part) heading(lang string) string {
	ko := [...]string{"", "답변", "증상", "원인", "확인 방법", "해결 방법", "참고"}
	en := [...]string{"", "Answer", "Symptoms", "Cause", "How to check", "Fix", "Notes"}
	if lang == "en" {
		return "## " + en[p]
	}
	return "## " + ko[p]
}

// partLabels are the sub-heading words teams use for the parts of a
// troubleshooting write-up, lower-cased and without spaces. They are matched
// against a whole heading or label line only, never inside a sentence.
var partLabels = map[string]part{
	// Korean wiki and vendor styles.
	"증상": partSymptom, "현상": partSymptom, "문제": partSymptom, "문제상황": partSymptom, "증상및현상": partSymptom, "오류내용": partSymptom, "에러내용": partSymptom,
	"원인": partCause, "발생원인": partCause, "원인분석": partCause, "이유": partCause,
	"확인방법": partCheck, "확인": partCheck, "진단": partCheck, "진단방법": partCheck, "점검": partCheck, "점검방법": partCheck, "확인절차": partCheck,
	"해결방법": partFix, "해결": partFix, "해결책": partFix, "조치": partFix, "조치방법": partFix, "대응": partFix, "대응방법": partFix, "해결절차": partFix, "방법": partFix, "절차": partFix, "신청방법": partFix, "조치사항": partFix,
	"참고": partNotes, "참고사항": partNotes, "비고": partNotes, "주의": partNotes, "주의사항": partNotes, "관련문서": partNotes,
	"답변": partAnswer, "답": partAnswer, "설명": partAnswer,
	// English.
	"symptom": partSymptom, "symptoms": partSymptom, "problem": partSymptom, "issue": partSymptom, "error": partSymptom,
	"cause": partCause, "causes": partCause, "rootcause": partCause, "why": partCause, "reason": partCause,
	"howtocheck": partCheck, "diagnosis": partCheck, "check": partCheck, "verify": partCheck, "verification": partCheck, "investigation": partCheck, "howtodiagnose": partCheck,
	"fix": partFix, "solution": partFix, "resolution": partFix, "workaround": partFix, "remedy": partFix, "howtofix": partFix, "steps": partFix, "procedure": partFix, "mitigation": partFix,
	"note": partNotes, "notes": partNotes, "seealso": partNotes, "references": partNotes, "caveats": partNotes,
	"answer": partAnswer,
}

// partOf reports which part a heading or a label line names, or partNone.
// "해결 방법:", "**원인**" and "Root cause" are labels; "원인을 찾는 법" is not.
func partOf(title string) part {
	t := strings.TrimSpace(title)
	t = strings.Trim(t, "*_:：# ")
	t = strings.TrimSpace(t)
	if t == "" || len([]rune(t)) > 20 {
		return partNone
	}
	key := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' || r == '_' {
			return -1
		}
		return unicode.ToLower(r)
	}, t)
	return partLabels[key]
}
