package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// run executes a command built by newCmd with args and stdin, returning
// stdout, stderr and the error.
func run(t *testing.T, newCmd func() *cobra.Command, stdin string, args ...string) (string, string, error) {
	t.Helper()
	cmd := newCmd()
	var out, errw bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetOut(&out)
	cmd.SetErr(&errw)
	cmd.SilenceUsage = true
	cmd.SilenceErrors = true
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errw.String(), err
}

type askLine struct {
	Question string `json:"question"`
	NoAnswer bool   `json:"no_answer"`
	Answers  []struct {
		ID     string  `json:"id"`
		Title  string  `json:"title"`
		Body   string  `json:"body"`
		Source string  `json:"source"`
		Score  float64 `json:"score"`
	} `json:"answers"`
}

func TestAskStdinJSONLines(t *testing.T) {
	in := "파드가 계속 Pending이에요\n\n  \nhow do I scale a deployment\n오늘 점심 메뉴 추천해줘\n"
	out, _, err := run(t, newAskCommand, in, "--top", "2")
	if err != nil {
		t.Fatal(err)
	}
	var lines []askLine
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var l askLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	if len(lines) != 3 {
		t.Fatalf("%d JSON lines, want 3 (blank lines skipped):\n%s", len(lines), out)
	}
	if l := lines[0]; l.NoAnswer || len(l.Answers) != 2 || l.Answers[0].ID != "k8s-pod-pending-insufficient-resources" ||
		l.Answers[0].Body == "" || l.Answers[0].Source == "" || l.Answers[0].Score < l.Answers[1].Score {
		t.Errorf("first answer = %+v", l)
	}
	if l := lines[1]; l.NoAnswer || !strings.Contains(strings.ToLower(l.Answers[0].Title), "scale") {
		t.Errorf("English question must get the English title: %+v", l)
	}
	if l := lines[2]; !l.NoAnswer || len(l.Answers) != 0 || l.Question != "오늘 점심 메뉴 추천해줘" {
		t.Errorf("out-of-domain question = %+v", l)
	}
}

func TestAskOneQuestion(t *testing.T) {
	out, _, err := run(t, newAskCommand, "", "노드가", "NotReady", "상태예요")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "k8s-node-notready-debug") || !strings.Contains(out, "출처:") {
		t.Errorf("human output:\n%s", out)
	}
	out, _, err = run(t, newAskCommand, "", "--json", "--top", "1", "노드가 NotReady 상태예요")
	if err != nil {
		t.Fatal(err)
	}
	var l askLine
	if err := json.Unmarshal([]byte(out), &l); err != nil || len(l.Answers) != 1 {
		t.Errorf("--json output %q: %v", out, err)
	}
	out, _, _ = run(t, newAskCommand, "", "비트코인 지갑 만드는 방법 알려줘")
	if !strings.Contains(out, "다루지 않는 질문") {
		t.Errorf("refusal output:\n%s", out)
	}
}

func TestAskBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--top", "0", "파드"}, "--top must be between 1 and 20"},
		{[]string{"--top", "21", "파드"}, "--top must be between 1 and 20"},
		{[]string{"--provider", "gke", "파드"}, `unknown provider "gke"`},
		{[]string{"   "}, "the question is empty"},
	}
	for _, tt := range tests {
		_, _, err := run(t, newAskCommand, "", tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ask %q: error %v, want %q", tt.args, err, tt.want)
		}
	}
	// A missing --kb-dir is reported, and the embedded base still answers.
	out, errOut, err := run(t, newAskCommand, "", "--kb-dir", t.TempDir()+"/missing", "파드가 Pending이에요")
	if err != nil || !strings.Contains(errOut, "knowledge directory") || !strings.Contains(out, "Pending") {
		t.Errorf("missing --kb-dir: err %v stderr %q stdout %q", err, errOut, out)
	}
}

func TestAskLanguage(t *testing.T) {
	dir := t.TempDir()
	runbook := "---\nid: team-zorblax-operator-restart\ntitle_ko: zorblax 오퍼레이터 파드 재시작 절차\ntitle_en: Restarting the zorblax operator pod\n" +
		"provider: generic\ntags: [operator, restart]\nkeywords: [zorblax]\nquestions:\n  - zorblax 오퍼레이터 파드 재시작 방법\n" +
		"  - zorblax operator 파드가 멈췄어요\n  - How do I restart the zorblax operator pod?\nsource: 팀 / 운영\n---\n" +
		"## 해결 방법\n오퍼레이터 디플로이먼트를 재시작합니다.\n\n```bash\nkubectl -n zorblax rollout restart deploy/zorblax-operator\n```\n"
	english := "## Fix\nRestart the operator deployment.\n\n```bash\nkubectl -n zorblax rollout restart deploy/zorblax-operator\n```\n"
	for name, text := range map[string]string{"team-zorblax-operator-restart.md": runbook, "team-zorblax-operator-restart.en.md": english} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name     string
		args     []string
		wantBody string
		wantLang string
	}{
		{"english question", []string{"How do I restart the zorblax operator pod?"}, "Restart the operator deployment.", "en"},
		{"korean question", []string{"zorblax 오퍼레이터 파드 재시작 방법"}, "오퍼레이터 디플로이먼트를 재시작합니다.", "ko"},
		{"--lang en wins", []string{"--lang", "en", "zorblax 오퍼레이터 파드 재시작 방법"}, "Restart the operator deployment.", "en"},
		{"--lang ko wins", []string{"--lang", "ko", "How do I restart the zorblax operator pod?"}, "오퍼레이터 디플로이먼트를 재시작합니다.", "ko"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--kb-dir", dir, "--json", "--top", "1"}, tt.args...)
			out, errOut, err := run(t, newAskCommand, "", args...)
			if err != nil {
				t.Fatalf("%v (stderr %s)", err, errOut)
			}
			var res struct {
				Language string `json:"language"`
				Answers  []struct {
					ID           string `json:"id"`
					Body         string `json:"body"`
					BodyLanguage string `json:"body_language"`
				} `json:"answers"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Answers) != 1 {
				t.Fatalf("output %q: %v", out, err)
			}
			a := res.Answers[0]
			if a.ID != "team-zorblax-operator-restart" || res.Language != tt.wantLang || a.BodyLanguage != tt.wantLang || !strings.HasPrefix(a.Body, "## ") || !strings.Contains(a.Body, tt.wantBody) {
				t.Errorf("language %q, answer %+v; want %s body containing %q", res.Language, a, tt.wantLang, tt.wantBody)
			}
		})
	}
	if _, _, err := run(t, newAskCommand, "", "--lang", "ja", "파드"); err == nil || !strings.Contains(err.Error(), "--lang must be ko or en") {
		t.Errorf("--lang ja: error %v", err)
	}
}
