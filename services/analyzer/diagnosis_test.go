package analyzer

import (
	"regexp"
	"strings"
	"testing"

	"connectrpc.com/connect"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

func TestValidScope(t *testing.T) {
	for _, tc := range []struct {
		name       string
		namespaces []string
		kinds      []string
		sev        kubemedicv1.Severity
		want       string // substring of the error; "" = valid
	}{
		{"empty", nil, nil, 0, ""},
		{"all set", []string{"shop"}, []string{"Pod", "Node"}, kubemedicv1.Severity_SEVERITY_ERROR, ""},
		{"unknown kind", nil, []string{"Pods"}, 0, "알 수 없는 종류 \"Pods\""},
		{"empty namespace", []string{""}, nil, 0, "네임스페이스 이름이 아닙니다"},
		{"bad severity", nil, nil, 9, "min_severity 9"},
	} {
		err := validScope(tc.namespaces, tc.kinds, tc.sev)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v, want valid", tc.name, err)
		case tc.want != "" && (err == nil || connect.CodeOf(err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want InvalidArgument containing %q", tc.name, err, tc.want)
		}
	}
}

func TestCandidateNames(t *testing.T) {
	for q, want := range map[string][]string{
		"web-1 파드가 왜 Pending이죠?":            {"web-1", "pending"},
		"api-server-7c9f와 web-1이 죽어요 web-1": {"api-server-7c9f", "web-1"},
		"파드가 안 떠요":                          nil,
	} {
		got := candidateNames(q)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("candidateNames(%q) = %v, want %v", q, got, want)
		}
	}
}

// TestNameTokensMatchRegexp checks the hand-written scanner against the
// regular expression it stands for, on the lower-cased text.
func TestNameTokensMatchRegexp(t *testing.T) {
	re := regexp.MustCompile(`[a-z0-9]([a-z0-9.-]*[a-z0-9])?`)
	for _, q := range []string{
		"web-1 파드가 왜 Pending이죠?", "--a--", "-.-", "", "a", "A.B-C.", "node.js와 k8s.io/api",
		"api-server-7c9f와 web-1이 죽어요", "x-.y 파드-a 1.2.3. ..foo..bar.. 한글만", "CrashLoopBackOff!!web_2",
	} {
		var got []string
		nameTokens(q, func(start, end int) { got = append(got, strings.ToLower(q[start:end])) })
		want := re.FindAllString(strings.ToLower(q), -1)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("nameTokens(%q) = %q, want %q", q, got, want)
		}
	}
}

func TestWithoutNames(t *testing.T) {
	objs := []*kubemedicv1.ObjectRef{{Kind: "Pod", Name: "web-1"}}
	for q, want := range map[string]string{
		"web-1 파드가 왜 Pending이죠?":  "파드가 왜 Pending이죠?",
		"Web-1이 왜 Pending이죠?":     "이 왜 Pending이죠?",
		"web-10 파드가 왜 Pending이죠?": "web-10 파드가 왜 Pending이죠?",
		"web-1":                   "web-1",
	} {
		if got := withoutNames(q, objs); got != want {
			t.Errorf("withoutNames(%q) = %q, want %q", q, got, want)
		}
	}
}
