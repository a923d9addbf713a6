// Package naming validates the names and IDs people type into Slack before
// any of them reaches the gateway: Kubernetes object names (DNS-1123 labels
// and subdomains), "<namespace>/<name>" references, ConfigMap keys, cluster
// names and kubemedic plan and execution IDs. The same checks guard the IDs
// that come back in button payloads.
//
// Every rejection is an *Error saying, in Korean and English, what was wrong
// and how a valid value looks.
package naming

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Quote quotes s for a message, shortened to 64 characters: an error must
// stay readable whatever was typed.
func Quote(s string) string {
	if utf8.RuneCountInString(s) > 64 {
		s = string([]rune(s)[:63]) + "…"
	}
	return strconv.Quote(s)
}

// Error is one invalid name, explained in Korean and English.
type Error struct {
	Ko, En string
}

// Error implements error (in English).
func (e *Error) Error() string { return e.En }

// Kind is what a name names; it sets the rule and the words in messages.
type Kind struct {
	// Ko and En name the thing in messages, e.g. "노드 이름" / "node name".
	Ko, En string
	// Label selects the DNS-1123 label rule (at most 63 characters, no
	// dots: namespaces); otherwise the subdomain rule applies (at most 253,
	// dot-separated labels: nodes, deployments, configmaps).
	Label bool
}

// Kinds of Kubernetes names the bot accepts.
var (
	Namespace  = Kind{Ko: "네임스페이스", En: "namespace", Label: true}
	Node       = Kind{Ko: "노드 이름", En: "node name"}
	Deployment = Kind{Ko: "디플로이먼트 이름", En: "deployment name"}
	ConfigMap  = Kind{Ko: "컨피그맵 이름", En: "configmap name"}
)

// Object checks a Kubernetes object name of the given kind.
func Object(k Kind, s string) *Error {
	max, form, formKo := 253, "lowercase letters, digits, '-' and '.', starting and ending with a letter or digit", "영문 소문자, 숫자, '-', '.' 만 쓸 수 있고 영문자나 숫자로 시작하고 끝나야 해요"
	if k.Label {
		max, form, formKo = 63, "lowercase letters, digits and '-', starting and ending with a letter or digit", "영문 소문자, 숫자, '-' 만 쓸 수 있고 영문자나 숫자로 시작하고 끝나야 해요"
	}
	switch {
	case s == "":
		return &Error{Ko: k.Ko + "이(가) 비어 있어요.", En: "the " + k.En + " is empty."}
	case len(s) > max:
		return &Error{
			Ko: fmt.Sprintf("%s %s 가 너무 길어요 (최대 %d자).", k.Ko, Quote(s), max),
			En: fmt.Sprintf("%s %s is too long (at most %d characters).", k.En, Quote(s), max),
		}
	case dns1123(s, k.Label):
		return nil
	case dns1123(strings.ToLower(s), k.Label):
		lower := strings.ToLower(s)
		return &Error{
			Ko: fmt.Sprintf("%s %s 에 대문자가 있어요. 쿠버네티스 이름은 소문자예요: %s 인가요?", k.Ko, Quote(s), Quote(lower)),
			En: fmt.Sprintf("%s %s has upper-case letters; Kubernetes names are lower-case: did you mean %s?", k.En, Quote(s), Quote(lower)),
		}
	}
	return &Error{
		Ko: fmt.Sprintf("%s %s 는 쓸 수 없는 이름이에요: %s.", k.Ko, Quote(s), formKo),
		En: fmt.Sprintf("%s %s is not a valid name: use %s.", k.En, Quote(s), form),
	}
}

// dns1123 reports whether s is a DNS-1123 label (label) or subdomain.
func dns1123(s string, label bool) bool {
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

// Ref parses "<namespace>/<name>" where name is of kind k. example is a
// valid reference shown in the message when the namespace is missing.
func Ref(k Kind, s, example string) (namespace, name string, err *Error) {
	namespace, name, ok := strings.Cut(s, "/")
	if !ok {
		return "", "", &Error{
			Ko: fmt.Sprintf("%s 에 네임스페이스가 없어요. <namespace>/<name> 형식으로 써 주세요 (예: %s).", Quote(s), example),
			En: fmt.Sprintf("%s has no namespace: write <namespace>/<name> (e.g. %s).", Quote(s), example),
		}
	}
	if strings.Contains(name, "/") {
		return "", "", &Error{
			Ko: fmt.Sprintf("%s 에 '/' 가 두 번 이상 있어요. <namespace>/<name> 형식으로 써 주세요.", Quote(s)),
			En: fmt.Sprintf("%s has more than one '/': write <namespace>/<name>.", Quote(s)),
		}
	}
	if err := Object(Namespace, namespace); err != nil {
		return "", "", err
	}
	if err := Object(k, name); err != nil {
		return "", "", err
	}
	return namespace, name, nil
}

// IDKind names an ID in messages.
type IDKind struct{ Ko, En string }

// Kinds of kubemedic IDs.
var (
	PlanID      = IDKind{Ko: "계획 ID", En: "plan ID"}
	ExecutionID = IDKind{Ko: "실행 ID", En: "execution ID"}
	Fingerprint = IDKind{Ko: "진단 지문", En: "finding fingerprint"}
	PlanHash    = IDKind{Ko: "계획 해시", En: "plan hash"}
	EntryID     = IDKind{Ko: "런북 ID", En: "runbook ID"}
)

// MaxIDLength is the longest ID accepted (a SHA-256 in hex is 64).
const MaxIDLength = 128

// ID checks a kubemedic ID: 1 to 128 ASCII letters, digits, '-', '_' or '.'.
func ID(k IDKind, id string) *Error {
	if id != "" && len(id) <= MaxIDLength && idChars(id) {
		return nil
	}
	return &Error{
		Ko: fmt.Sprintf("%s %s 는 올바르지 않아요: 영문자, 숫자, '-', '_', '.' 로 된 %d자 이내여야 해요 (kubemedic 메시지에 나온 ID를 그대로 쓰세요).", k.Ko, Quote(id), MaxIDLength),
		En: fmt.Sprintf("%s %s is malformed: IDs are up to %d letters, digits, '-', '_' or '.' (copy it from the kubemedic message).", k.En, Quote(id), MaxIDLength),
	}
}

// Cluster checks a kubemedic cluster name as configured: 1 to 63 ASCII
// letters, digits, '-', '_' or '.'.
func Cluster(name string) *Error {
	if name != "" && len(name) <= 63 && idChars(name) {
		return nil
	}
	return &Error{
		Ko: fmt.Sprintf("클러스터 이름 %s 는 올바르지 않아요 (영문자, 숫자, '-', '_', '.'; 목록은 clusters 명령으로 확인).", Quote(name)),
		En: fmt.Sprintf("cluster name %s is malformed (letters, digits, '-', '_', '.'; see the clusters command).", Quote(name)),
	}
}

// ConfigMapKey checks a ConfigMap data key: letters, digits, '-', '_' and
// '.', at most 253 characters, not "." or "..".
func ConfigMapKey(k string) *Error {
	if k == "" {
		return &Error{Ko: "'=' 앞에 키 이름이 없어요.", En: "a key name is missing before '='."}
	}
	if len(k) <= 253 && k != "." && k != ".." && idChars(k) {
		return nil
	}
	return &Error{
		Ko: fmt.Sprintf("키 %s 는 쓸 수 없어요: 영문자, 숫자, '-', '_', '.' 만 쓸 수 있어요 (최대 253자).", Quote(k)),
		En: fmt.Sprintf("key %s is not a valid ConfigMap key: use letters, digits, '-', '_' and '.' (at most 253).", Quote(k)),
	}
}

// idChars reports whether s has only ASCII letters, digits, '-', '_', '.'.
func idChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
