package command

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxQuestionLength is the longest question, in characters, the knowledge
// service accepts.
const MaxQuestionLength = 2000

// UsageError is a malformed command: which subcommand, what was wrong (in
// Korean and English) and, through Spec, how it is written.
type UsageError struct {
	// Spec is the subcommand whose usage was wrong.
	Spec Spec
	// Ko and En say what was wrong.
	Ko, En string
}

// Error implements error (in English).
func (e *UsageError) Error() string {
	return fmt.Sprintf("%s: %s (usage: %s)", e.Spec.Name, e.En, e.Spec.Usage(""))
}

func usageErr(spec Spec, ko, en string) *UsageError {
	return &UsageError{Spec: spec, Ko: ko, En: en}
}

// Parse parses the text after the slash command name. Empty text is Help.
// Text whose first word is not a subcommand is an Ask. A malformed
// subcommand gives a *UsageError, except when the text reads like a
// sentence ("drain 하면 파드는 어떻게 되나요?"), which is taken as a question.
func Parse(text string) (Command, error) {
	text = strings.TrimSpace(Unescape(text))
	if text == "" {
		return Help{}, nil
	}
	first, rest := cutWord(text)
	spec, ok := Lookup(first)
	if !ok {
		return askFrom(text)
	}
	if spec.Name == "ask" {
		if strings.TrimSpace(rest) == "" {
			return nil, usageErr(spec, "질문이 비어 있어요. ask 뒤에 질문을 써 주세요.", "the question is empty: write it after ask.")
		}
		return askFrom(strings.TrimSpace(rest))
	}
	args, err := tokenize(rest)
	if err != nil {
		if looksLikeSentence(text) {
			return askFrom(text)
		}
		return nil, usageErr(spec, err.ko, err.en)
	}
	cmd, uerr := parseArgs(spec, args)
	if uerr != nil {
		if looksLikeSentence(text) {
			return askFrom(text)
		}
		return nil, uerr
	}
	return cmd, nil
}

func askFrom(q string) (Command, error) {
	if n := utf8.RuneCountInString(q); n > MaxQuestionLength {
		spec, _ := Lookup("ask")
		return nil, usageErr(spec,
			fmt.Sprintf("질문이 너무 길어요 (%d자). %d자 이내로 줄여 주세요.", n, MaxQuestionLength),
			fmt.Sprintf("the question is too long (%d characters): keep it under %d.", n, MaxQuestionLength))
	}
	return Ask{Question: q}, nil
}

// looksLikeSentence reports whether text that failed to parse as a
// subcommand is more likely a question: it has a question mark, or at least
// three words with Hangul in them. No valid command argument contains either.
func looksLikeSentence(text string) bool {
	if strings.ContainsAny(text, "?？") {
		return true
	}
	return len(strings.Fields(text)) >= 3 && strings.IndexFunc(text, isHangul) >= 0
}

func isHangul(r rune) bool { return unicode.Is(unicode.Hangul, r) }

func cutWord(s string) (word, rest string) {
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

func parseArgs(spec Spec, args []string) (Command, *UsageError) {
	switch spec.Name {
	case "help":
		switch len(args) {
		case 0:
			return Help{}, nil
		case 1:
			topic, ok := Lookup(args[0])
			if !ok {
				return nil, usageErr(spec,
					fmt.Sprintf("%q 라는 명령은 없어요. 명령: %s", args[0], strings.Join(Names(), ", ")),
					fmt.Sprintf("there is no command %q; commands: %s", args[0], strings.Join(Names(), ", ")))
			}
			return Help{Topic: topic.Name}, nil
		}
		return nil, tooMany(spec, 1, args)
	case "clusters":
		if len(args) > 0 {
			return nil, tooMany(spec, 0, args)
		}
		return Clusters{}, nil
	case "diagnose":
		if len(args) > 2 {
			return nil, tooMany(spec, 2, args)
		}
		var d Diagnose
		if len(args) > 0 {
			if err := checkCluster(spec, args[0]); err != nil {
				return nil, err
			}
			d.Cluster = args[0]
		}
		if len(args) > 1 {
			if err := checkName(spec, "네임스페이스", "namespace", args[1], true); err != nil {
				return nil, err
			}
			d.Namespace = args[1]
		}
		return d, nil
	case "cordon", "uncordon", "drain":
		node, err := oneArg(spec, args, "노드 이름", "node name")
		if err != nil {
			return nil, err
		}
		if err := checkName(spec, "노드 이름", "node name", node, false); err != nil {
			return nil, err
		}
		switch spec.Name {
		case "cordon":
			return Cordon{Node: node}, nil
		case "uncordon":
			return Uncordon{Node: node}, nil
		}
		return Drain{Node: node}, nil
	case "scale":
		if len(args) < 2 {
			return nil, usageErr(spec,
				"디플로이먼트와 레플리카 수를 모두 써 주세요.",
				"name the deployment and the replica count.")
		}
		if len(args) > 2 {
			return nil, tooMany(spec, 2, args)
		}
		ns, name, err := namespaced(spec, args[0], "디플로이먼트", "deployment")
		if err != nil {
			return nil, err
		}
		n, err := replicas(spec, args[1])
		if err != nil {
			return nil, err
		}
		return Scale{Namespace: ns, Deployment: name, Replicas: n}, nil
	case "restart":
		target, err := oneArg(spec, args, "디플로이먼트", "deployment")
		if err != nil {
			return nil, err
		}
		ns, name, err := namespaced(spec, target, "디플로이먼트", "deployment")
		if err != nil {
			return nil, err
		}
		return Restart{Namespace: ns, Deployment: name}, nil
	case "patch-cm":
		if len(args) == 0 {
			return nil, usageErr(spec, "컨피그맵과 바꿀 key=value 를 써 주세요.", "name the configmap and the key=value pairs to set.")
		}
		ns, name, err := namespaced(spec, args[0], "컨피그맵", "configmap")
		if err != nil {
			return nil, err
		}
		if len(args) == 1 {
			return nil, usageErr(spec, "바꿀 key=value 가 하나도 없어요.", "no key=value pair to set.")
		}
		p := PatchConfigMap{Namespace: ns, ConfigMap: name}
		seen := map[string]bool{}
		for _, a := range args[1:] {
			k, v, ok := strings.Cut(a, "=")
			if !ok {
				return nil, usageErr(spec,
					fmt.Sprintf("%q 에 '=' 가 없어요. key=value 형식으로 써 주세요 (값에 공백이 있으면 key=\"a b\").", a),
					fmt.Sprintf("%q has no '=': write key=value (quote values with spaces: key=\"a b\").", a))
			}
			if err := checkConfigMapKey(spec, k); err != nil {
				return nil, err
			}
			if seen[k] {
				return nil, usageErr(spec,
					fmt.Sprintf("키 %q 가 두 번 나왔어요.", k),
					fmt.Sprintf("key %q is given twice.", k))
			}
			seen[k] = true
			p.Data = append(p.Data, KeyValue{Key: k, Value: v})
		}
		return p, nil
	case "approve", "undo":
		what, whatEn := "계획 ID", "plan ID"
		if spec.Name == "undo" {
			what, whatEn = "실행 ID", "execution ID"
		}
		id, err := oneArg(spec, args, what, whatEn)
		if err != nil {
			return nil, err
		}
		if err := checkID(spec, what, whatEn, id); err != nil {
			return nil, err
		}
		if spec.Name == "undo" {
			return Undo{ExecutionID: id}, nil
		}
		return Approve{PlanID: id}, nil
	case "reject":
		if len(args) == 0 {
			return nil, usageErr(spec, "거절할 계획 ID를 써 주세요.", "name the plan ID to reject.")
		}
		if err := checkID(spec, "계획 ID", "plan ID", args[0]); err != nil {
			return nil, err
		}
		return Reject{PlanID: args[0], Reason: strings.Join(args[1:], " ")}, nil
	case "sweep":
		s := Sweep{}
		seen := map[string]bool{}
		for _, c := range args {
			if err := checkCluster(spec, c); err != nil {
				return nil, err
			}
			if !seen[c] {
				seen[c] = true
				s.Clusters = append(s.Clusters, c)
			}
		}
		return s, nil
	}
	return nil, usageErr(spec, "알 수 없는 명령이에요.", "unknown command.")
}

func tooMany(spec Spec, max int, args []string) *UsageError {
	extra := strings.Join(args[max:], " ")
	if max == 0 {
		return usageErr(spec,
			fmt.Sprintf("%s 에는 인자가 없어요 (받은 값: %q).", spec.Name, extra),
			fmt.Sprintf("%s takes no arguments (got %q).", spec.Name, extra))
	}
	return usageErr(spec,
		fmt.Sprintf("인자가 너무 많아요: %q 는 필요 없어요.", extra),
		fmt.Sprintf("too many arguments: %q is not expected.", extra))
}

func oneArg(spec Spec, args []string, what, whatEn string) (string, *UsageError) {
	switch len(args) {
	case 0:
		return "", usageErr(spec, what+"을(를) 써 주세요.", "name the "+whatEn+".")
	case 1:
		return args[0], nil
	}
	return "", tooMany(spec, 1, args)
}

// namespaced parses "<namespace>/<name>".
func namespaced(spec Spec, s, kind, kindEn string) (ns, name string, err *UsageError) {
	ns, name, ok := strings.Cut(s, "/")
	if !ok {
		return "", "", usageErr(spec,
			fmt.Sprintf("%q 에 네임스페이스가 없어요. <namespace>/<%s> 형식으로 써 주세요 (예: %s).", s, kindEn, spec.Example),
			fmt.Sprintf("%q has no namespace: write <namespace>/<%s> (e.g. %s).", s, kindEn, spec.Example))
	}
	if strings.Contains(name, "/") {
		return "", "", usageErr(spec,
			fmt.Sprintf("%q 에 '/' 가 두 번 이상 있어요. <namespace>/<%s> 형식으로 써 주세요.", s, kindEn),
			fmt.Sprintf("%q has more than one '/': write <namespace>/<%s>.", s, kindEn))
	}
	if err := checkName(spec, "네임스페이스", "namespace", ns, true); err != nil {
		return "", "", err
	}
	if err := checkName(spec, kind+" 이름", kindEn+" name", name, false); err != nil {
		return "", "", err
	}
	return ns, name, nil
}

func replicas(spec Spec, s string) (int32, *UsageError) {
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil && errors.Is(err, strconv.ErrRange), err == nil && n > math.MaxInt32:
		return 0, usageErr(spec,
			fmt.Sprintf("레플리카 수 %s 는 너무 커요.", s),
			fmt.Sprintf("replica count %s is too large.", s))
	case err != nil:
		return 0, usageErr(spec,
			fmt.Sprintf("레플리카 수 %q 는 숫자가 아니에요. 0 이상의 정수를 써 주세요.", s),
			fmt.Sprintf("replica count %q is not a number: use a whole number 0 or more.", s))
	case n < 0:
		return 0, usageErr(spec,
			fmt.Sprintf("레플리카 수는 음수일 수 없어요 (%d).", n),
			fmt.Sprintf("the replica count cannot be negative (%d).", n))
	}
	return int32(n), nil
}

// checkName checks a Kubernetes object name: a DNS-1123 label (namespaces)
// or subdomain (nodes, deployments, configmaps).
func checkName(spec Spec, what, whatEn, s string, label bool) *UsageError {
	max, form, formKo := 253, "lowercase letters, digits, '-' and '.', starting and ending with a letter or digit", "영문 소문자, 숫자, '-', '.' 만 쓸 수 있고 영문자나 숫자로 시작하고 끝나야 해요"
	if label {
		max, form, formKo = 63, "lowercase letters, digits and '-', starting and ending with a letter or digit", "영문 소문자, 숫자, '-' 만 쓸 수 있고 영문자나 숫자로 시작하고 끝나야 해요"
	}
	switch {
	case s == "":
		return usageErr(spec, what+"이(가) 비어 있어요.", "the "+whatEn+" is empty.")
	case len(s) > max:
		return usageErr(spec,
			fmt.Sprintf("%s %q 가 너무 길어요 (최대 %d자).", what, s, max),
			fmt.Sprintf("%s %q is too long (at most %d characters).", whatEn, s, max))
	case validName(s, label):
		return nil
	case validName(strings.ToLower(s), label):
		return usageErr(spec,
			fmt.Sprintf("%s %q 에 대문자가 있어요. 쿠버네티스 이름은 소문자예요: %q 인가요?", what, s, strings.ToLower(s)),
			fmt.Sprintf("%s %q has upper-case letters; Kubernetes names are lower-case: did you mean %q?", whatEn, s, strings.ToLower(s)))
	}
	return usageErr(spec,
		fmt.Sprintf("%s %q 는 쓸 수 없는 이름이에요: %s.", what, s, formKo),
		fmt.Sprintf("%s %q is not a valid name: use %s.", whatEn, s, form))
}

func validName(s string, label bool) bool {
	parts := []string{s}
	if !label {
		parts = strings.Split(s, ".")
	}
	for _, p := range parts {
		if p == "" || len(p) > 63 {
			return false
		}
		for i := 0; i < len(p); i++ {
			c := p[i]
			alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
			if !alnum && (c != '-' || i == 0 || i == len(p)-1) {
				return false
			}
		}
	}
	return true
}

func checkConfigMapKey(spec Spec, k string) *UsageError {
	if k == "" {
		return usageErr(spec, "'=' 앞에 키 이름이 없어요.", "a key name is missing before '='.")
	}
	ok := len(k) <= 253 && k != "." && k != ".."
	for i := 0; ok && i < len(k); i++ {
		c := k[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
	}
	if !ok {
		return usageErr(spec,
			fmt.Sprintf("키 %q 는 쓸 수 없어요: 영문자, 숫자, '-', '_', '.' 만 쓸 수 있어요 (최대 253자).", k),
			fmt.Sprintf("key %q is not a valid ConfigMap key: use letters, digits, '-', '_' and '.' (at most 253).", k))
	}
	return nil
}

func checkID(spec Spec, what, whatEn, id string) *UsageError {
	ok := id != "" && len(id) <= 64
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
	}
	if !ok {
		return usageErr(spec,
			fmt.Sprintf("%s %q 는 올바르지 않아요: 영문자, 숫자, '-', '_', '.' 로 된 64자 이내여야 해요 (kubemedic 메시지에 나온 ID를 그대로 쓰세요).", what, id),
			fmt.Sprintf("%s %q is malformed: IDs are up to 64 letters, digits, '-', '_' or '.' (copy it from the kubemedic message).", whatEn, id))
	}
	return nil
}

func checkCluster(spec Spec, name string) *UsageError {
	ok := name != "" && len(name) <= 63
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
	}
	if !ok {
		return usageErr(spec,
			fmt.Sprintf("클러스터 이름 %q 는 올바르지 않아요 (영문자, 숫자, '-', '_', '.'; 목록은 clusters 명령으로 확인).", name),
			fmt.Sprintf("cluster name %q is malformed (letters, digits, '-', '_', '.'; see the clusters command).", name))
	}
	return nil
}

type tokenError struct{ ko, en string }

// tokenize splits arguments on white space. Double or single quotes (also
// the typographic ones Slack clients insert) group words; a backslash inside
// double quotes escapes the next character.
func tokenize(s string) ([]string, *tokenError) {
	var (
		args    []string
		cur     strings.Builder
		inToken bool
		quote   rune // closing quote while inside quotes
	)
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote != 0:
			switch {
			case r == quote:
				quote = 0
			case r == '\\' && quote == '"' && i+1 < len(rs):
				i++
				cur.WriteRune(rs[i])
			default:
				cur.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote, inToken = r, true
		case r == '“':
			quote, inToken = '”', true
		case r == '‘':
			quote, inToken = '’', true
		case unicode.IsSpace(r):
			if inToken {
				args = append(args, cur.String())
				cur.Reset()
				inToken = false
			}
		default:
			cur.WriteRune(r)
			inToken = true
		}
	}
	if quote != 0 {
		return nil, &tokenError{
			ko: fmt.Sprintf("따옴표(%c)가 닫히지 않았어요.", quote),
			en: fmt.Sprintf("a quote (%c) is not closed.", quote),
		}
	}
	if inToken {
		args = append(args, cur.String())
	}
	return args, nil
}

// Unescape undoes the HTML escaping Slack applies to message and command
// text (&amp; &lt; &gt;).
func Unescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}
