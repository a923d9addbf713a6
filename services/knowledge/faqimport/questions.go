package faqimport

import (
	"strings"
	"unicode/utf8"

	"github.com/kubemedic/kubemedic/services/knowledge"
)

// maxQuestions bounds the example questions of one entry.
const maxQuestions = 7

// Questions generates the example questions of a section in its language:
// the title itself, the title rephrased the way people type in chat
// (paraphrase patterns chosen by how the title ends: a request "…신청", a
// failure "…실패", an error "…오류", a complaint "…없어요", a procedure
// "…설정"), the first sentence of the symptom, and the title with its
// container heading.
func Questions(s Section, lang string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(q string) {
		q = strings.Join(strings.Fields(q), " ")
		k := knowledge.QuestionKey(q)
		if k == "" || len(out) >= maxQuestions || seen[k] {
			return // a question the entry already has, bar punctuation
		}
		seen[k] = true
		out = append(out, q)
	}
	title := strings.TrimSpace(s.Title)
	add(title)
	if lang == "en" {
		for _, q := range englishParaphrases(title) {
			add(q)
		}
	} else {
		for _, q := range koreanParaphrases(title) {
			add(q)
		}
	}
	for _, p := range s.Parts {
		if p.Kind == partSymptom {
			if f := firstSentence(p.Text); f != "" && utf8.RuneCountInString(f) <= 120 {
				add(f)
			}
			break
		}
	}
	// The container heading adds context ("Networking" + "Timeouts"); the
	// outermost heading is usually the document's own title and adds none.
	if n := len(s.Path); n > 1 && utf8.RuneCountInString(title) <= 30 {
		add(s.Path[n-1] + " " + strings.TrimRight(title, "?？"))
	}
	return out
}

// koreanEnding maps the way a Korean title ends to chat phrasings of it;
// "%s" is the title without that ending.
var koreanEndings = []struct {
	suffix string
	forms  []string
}{
	{"신청", []string{"%s 신청은 어떻게 하나요?", "%s 신청 방법 알려주세요", "%s 받으려면 어떻게 해야 하나요?"}},
	{"요청", []string{"%s 요청은 어떻게 하나요?", "%s 요청 방법"}},
	{"실패", []string{"%s 실패해요", "%s 안 돼요", "%s 실패 원인이 뭔가요?"}},
	{"오류", []string{"%s 오류가 나요", "%s 오류 해결 방법", "%s 에러가 떠요"}},
	{"에러", []string{"%s 에러가 나요", "%s 에러 해결 방법", "%s 오류가 떠요"}},
	{"장애", []string{"%s 장애가 났어요", "%s 장애 대응 방법"}},
	{"불가", []string{"%s 안 돼요", "%s 못 해요 왜 그런가요?"}},
	{"하기", []string{"%s 어떻게 하나요?", "%s 방법 알려주세요"}},
	{"상향", []string{"%s 늘리고 싶어요", "%s 상향 요청은 어떻게 하나요?", "%s 부족해요"}},
	{"증설", []string{"%s 늘리고 싶어요", "%s 증설 요청은 어떻게 하나요?"}},
	{"확장", []string{"%s 늘리고 싶어요", "%s 확장은 어떻게 하나요?"}},
	{"발급", []string{"%s 발급은 어떻게 받나요?", "%s 어디서 받아요?"}},
	{"교체", []string{"%s 교체는 어떻게 하나요?", "%s 바꾸는 법"}},
	{"갱신", []string{"%s 갱신은 어떻게 하나요?", "%s 만료됐어요"}},
	{"만료", []string{"%s 만료됐어요", "%s 만료 시 해결 방법"}},
	{"절차", []string{"%s 어떻게 하나요?", "%s 방법 알려주세요"}},
	{"점검", []string{"%s 어떻게 확인하나요?", "%s 점검 방법"}},
	{"지연", []string{"%s 느려요", "%s 오래 걸려요 원인이 뭔가요?"}},
	{"알림", []string{"%s 알람이 계속 와요", "%s 알림이 떠요 어떻게 해요?"}},
	{"방법", []string{"%s 어떻게 하나요?", "%s 하는 법 알려주세요"}},
	{"설정", []string{"%s 설정은 어떻게 하나요?", "%s 설정하는 법"}},
	{"변경", []string{"%s 변경은 어떻게 하나요?", "%s 바꾸는 법"}},
	{"추가", []string{"%s 추가는 어떻게 하나요?", "%s 추가하는 법"}},
	{"삭제", []string{"%s 삭제는 어떻게 하나요?", "%s 지우는 법"}},
	{"생성", []string{"%s 생성은 어떻게 하나요?", "%s 만드는 법"}},
	{"설치", []string{"%s 설치는 어떻게 하나요?", "%s 설치하는 법"}},
	{"확인", []string{"%s 확인은 어떻게 하나요?", "%s 어디서 봐요?"}},
	{"조회", []string{"%s 조회는 어떻게 하나요?", "%s 어디서 봐요?"}},
	{"업그레이드", []string{"%s 업그레이드는 어떻게 하나요?", "%s 업그레이드 방법"}},
	{"배포", []string{"%s 배포는 어떻게 하나요?", "%s 배포 방법"}},
	{"없어요", []string{"%s 없어요 왜 그런가요?", "%s 없을 때 해결 방법"}},
	{"없음", []string{"%s 없어요", "%s 없을 때 해결 방법"}},
	{"안 돼요", []string{"%s 안 돼요 어떻게 해요?", "%s 안 될 때 해결 방법"}},
	{"안돼요", []string{"%s 안 돼요 어떻게 해요?", "%s 안 될 때 해결 방법"}},
	{"안 됨", []string{"%s 안 돼요", "%s 안 될 때 해결 방법"}},
	{"안됨", []string{"%s 안 돼요", "%s 안 될 때 해결 방법"}},
	{"못 해요", []string{"%s 못 해요 왜 그런가요?", "%s 해결 방법"}},
	{"느려요", []string{"%s 느려요 원인이 뭔가요?", "%s 느릴 때 해결 방법"}},
	{"느림", []string{"%s 느려요", "%s 느릴 때 해결 방법"}},
}

func koreanParaphrases(title string) []string {
	t := strings.TrimRight(strings.TrimSpace(title), "?？.!")
	if isQuestion(title) {
		return []string{t, t + " 해결 방법"}
	}
	for _, e := range koreanEndings {
		if core, ok := strings.CutSuffix(t, e.suffix); ok {
			core = strings.TrimSpace(core)
			if core == "" {
				break
			}
			var out []string
			for _, f := range e.forms {
				out = append(out, strings.ReplaceAll(f, "%s", core))
			}
			return out
		}
	}
	return []string{t + " 어떻게 해결하나요?", t + " 관련 문제가 있어요"}
}

// englishEndings are the English counterparts of koreanEndings, matched on
// the lower-cased title.
var englishEndings = []struct {
	suffix string
	forms  []string
}{
	{" failure", []string{"%s fails", "%s is failing, how do I fix it?", "why does %s fail?"}},
	{" failed", []string{"%s fails", "how do I fix %s failing?"}},
	{" fails", []string{"%s is failing", "how do I fix %s failing?"}},
	{" error", []string{"%s error, how do I fix it?", "getting %s error"}},
	{" errors", []string{"%s errors, how do I fix them?", "getting %s errors"}},
	{" not working", []string{"%s does not work", "how do I fix %s?"}},
	{" request", []string{"how do I request %s?", "how to get %s"}},
	{" procedure", []string{"how do I %s?", "%s steps"}},
	{" process", []string{"how do I %s?", "%s steps"}},
	{" setup", []string{"how do I set up %s?", "%s configuration"}},
	{" configuration", []string{"how do I configure %s?", "%s config"}},
}

func englishParaphrases(title string) []string {
	t := strings.TrimRight(strings.TrimSpace(title), "?.!")
	if isQuestion(title) {
		return []string{t}
	}
	lower := strings.ToLower(t)
	for _, e := range englishEndings {
		if core, ok := strings.CutSuffix(lower, e.suffix); ok && core != "" {
			var out []string
			for _, f := range e.forms {
				out = append(out, strings.ReplaceAll(f, "%s", core))
			}
			return out
		}
	}
	if rest, ok := strings.CutPrefix(lower, "how to "); ok {
		return []string{"how do I " + rest + "?", rest}
	}
	first, rest, _ := strings.Cut(lower, " ")
	if base, ok := gerunds[first]; ok {
		return []string{"how do I " + base + " " + rest + "?", "how to " + base + " " + rest, rest + " " + first}
	}
	return []string{"how do I fix " + lower + "?", lower + " problem"}
}

// gerunds maps the -ing words procedure titles start with to the verb a
// question uses ("Rotating the kubeconfig" → "how do I rotate the kubeconfig").
var gerunds = map[string]string{
	"rotating": "rotate", "configuring": "configure", "creating": "create", "deleting": "delete",
	"upgrading": "upgrade", "restoring": "restore", "requesting": "request", "using": "use",
	"enabling": "enable", "disabling": "disable", "adding": "add", "removing": "remove",
	"changing": "change", "installing": "install", "updating": "update", "scaling": "scale",
	"debugging": "debug", "running": "run", "getting": "get", "setting": "set", "renewing": "renew",
	"migrating": "migrate", "deploying": "deploy", "connecting": "connect", "granting": "grant",
	"exposing": "expose", "mounting": "mount", "backing": "back", "draining": "drain", "patching": "patch",
}

// firstSentence is the first sentence of a text, outside code.
func firstSentence(text string) string {
	for _, l := range strings.Split(text, "\n") {
		t := strings.TrimSpace(l)
		if t == "" || fenceRe.MatchString(l) || strings.HasPrefix(t, "|") {
			continue
		}
		if strings.HasPrefix(l, "    ") || strings.HasPrefix(l, "\t") {
			return ""
		}
		for _, end := range []string{". ", "다. ", "? "} {
			if i := strings.Index(t, end); i > 0 {
				return strings.TrimSpace(t[:i+len(end)])
			}
		}
		return t
	}
	return ""
}
