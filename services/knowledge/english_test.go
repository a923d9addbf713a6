package knowledge

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kubemedic/kubemedic/services/knowledge/korean"
)

// koRunbook has standard and non-standard headings, a code block nested in a
// list, and a "##" line inside a code block that is not a heading.
const koRunbook = `---
id: k8s-test-node
title_ko: 노드가 NotReady 상태
title_en: Node is NotReady
provider: generic
tags: [node]
questions:
  - 노드가 NotReady예요
  - 노드 상태가 이상해요
  - Why is my node NotReady?
source: 테스트 / 노드
---
## 증상
노드가 NotReady 입니다.

## 확인 방법
1. 노드를 봅니다.

   ` + "```bash" + `
   kubectl get nodes
   ` + "```" + `

## 주의
` + "```" + `
## 주석 아님
systemctl restart kubelet
` + "```" + `
`

const enBody = `## Symptoms
The node reports NotReady.

## How to check
1. Look at the nodes:

   ` + "```shell" + `
   kubectl get nodes
   ` + "```" + `

## Caution
` + "```" + `
## 주석 아님
systemctl restart kubelet
` + "```" + `
`

func TestParseEnglish(t *testing.T) {
	ko, problems := Parse("a/k8s-test-node.md", []byte(koRunbook), "k8s-test-node")
	if ko == nil {
		t.Fatalf("runbook: %v", problems)
	}
	replace := func(old, new string) string {
		if !strings.Contains(enBody, old) {
			t.Fatalf("fixture has no %q", old)
		}
		return strings.Replace(enBody, old, new, 1)
	}
	tests := []struct {
		name string
		text string
		want []string // "file:line: message" substrings; none means the body is used
	}{
		{"good", enBody, nil},
		{"crlf and bom", "\xef\xbb\xbf" + strings.ReplaceAll(enBody, "\n", "\r\n"), nil},
		{"front matter", "---\ntitle_en: x\n---\n" + enBody, []string{"x.en.md:1: an English body has no front matter"}},
		{"empty", " \n\n", []string{"x.en.md:1: empty English body"}},
		{"heading outside the set", replace("## How to check", "## Diagnosis"),
			[]string{`x.en.md:4: heading "Diagnosis" is not allowed here: k8s-test-node.md:16 "## 확인 방법" maps to "## How to check"`}},
		{"heading left in Korean", replace("## Caution", "## 주의"), []string{`x.en.md:11: heading "주의" is not English`}},
		{"headings out of order", replace("## Symptoms\nThe node reports NotReady.\n\n## How to check", "## How to check\nThe node reports NotReady.\n\n## Symptoms"),
			[]string{`x.en.md:1: heading "How to check" is not allowed here`, `x.en.md:4: heading "Symptoms" is not allowed here`}},
		{"heading missing", replace("## Symptoms\n", ""), []string{`x.en.md:3: "##" headings do not map one-to-one: the English body has 2 (How to check, Caution), k8s-test-node.md has 3 (증상, 확인 방법, 주의)`}},
		{"extra heading", enBody + "\n## Notes\nmore\n", []string{`x.en.md:17: "##" headings do not map one-to-one: the English body has 4`}},
		{"command changed", replace("kubectl get nodes", "kubectl get node"),
			[]string{`x.en.md:1: code block of k8s-test-node.md:19 is missing or changed`, `x.en.md:7: code block is not in k8s-test-node.md`}},
		{"comment translated in code", replace("## 주석 아님", "## not a comment"),
			[]string{`code block of k8s-test-node.md:24 is missing or changed`, `x.en.md:12: code block is not in k8s-test-node.md`}},
		{"code block dropped", strings.SplitN(enBody, "## Caution", 2)[0] + "## Caution\nRestart the kubelet.\n",
			[]string{"x.en.md:1: code block of k8s-test-node.md:24 is missing"}},
		{"unclosed fence", enBody + "\n```\nkubectl get pods\n", []string{"x.en.md:17: code block opened here is never closed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, problems := ParseEnglish("x.en.md", []byte(tt.text), ko, "k8s-test-node.md")
			if len(tt.want) == 0 {
				if len(problems) != 0 || body != strings.TrimSpace(enBody) {
					t.Fatalf("body %q, problems %v; want the body and no problems", body, problems)
				}
				return
			}
			if body != "" {
				t.Errorf("body used despite problems: %q", body)
			}
			var got []string
			for _, p := range problems {
				var le *LoadError
				if !errors.As(p, &le) || le.Warning {
					t.Errorf("problem %v is not a *LoadError error", p)
				}
				got = append(got, p.Error())
			}
			if len(got) != len(tt.want) {
				t.Errorf("problems %q, want %d", got, len(tt.want))
			}
			for _, w := range tt.want {
				found := false
				for _, g := range got {
					found = found || strings.Contains(g, w)
				}
				if !found {
					t.Errorf("problems %q\nwant one containing %q", got, w)
				}
			}
		})
	}
}

func TestLoadEnglishBodies(t *testing.T) {
	broken := "---\nid: k8s-broken\ntitle_ko: [unclosed\n---\nbody\n"
	tests := []struct {
		name    string
		files   fstest.MapFS
		wantEn  map[string]string // id -> English body
		want    []string          // problem substrings
		warning bool
	}{
		{"attached", fstest.MapFS{
			"gen/k8s-test-node.md":    {Data: []byte(koRunbook)},
			"gen/k8s-test-node.en.md": {Data: []byte(enBody)},
		}, map[string]string{"k8s-test-node": strings.TrimSpace(enBody)}, nil, false},
		{"no runbook", fstest.MapFS{
			"gen/k8s-test-node.md":      {Data: []byte(koRunbook)},
			"other/k8s-test-node.en.md": {Data: []byte(enBody)},
		}, map[string]string{"k8s-test-node": ""}, []string{"kb/other/k8s-test-node.en.md:1: no runbook k8s-test-node.md next to this English body"}, false},
		{"runbook skipped", fstest.MapFS{
			"gen/k8s-broken.md":    {Data: []byte(broken)},
			"gen/k8s-broken.en.md": {Data: []byte("## Answer\nx\n")},
		}, nil, []string{"kb/gen/k8s-broken.en.md:1: warning: this English body is not used: its runbook k8s-broken.md was skipped"}, true},
		{"bad body falls back to Korean", fstest.MapFS{
			"gen/k8s-test-node.md":    {Data: []byte(koRunbook)},
			"gen/k8s-test-node.en.md": {Data: []byte(strings.Replace(enBody, "## Symptoms", "## Symptom", 1))},
		}, map[string]string{"k8s-test-node": ""}, []string{`kb/gen/k8s-test-node.en.md:1: heading "Symptom" is not allowed here`}, false},
		{"readme skipped", fstest.MapFS{
			"gen/k8s-test-node.md": {Data: []byte(koRunbook)},
			"gen/README.en.md":     {Data: []byte("# Runbooks\n")},
		}, map[string]string{"k8s-test-node": ""}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries, problems := LoadFS(context.Background(), tt.files, "kb/")
			var got []string
			for _, p := range problems {
				var le *LoadError
				if errors.As(p, &le) && strings.HasSuffix(le.File, EnglishSuffix) && le.Warning != tt.warning {
					t.Errorf("problem %v: Warning = %v, want %v", p, le.Warning, tt.warning)
				}
				got = append(got, p.Error())
			}
			for _, w := range tt.want {
				found := false
				for _, g := range got {
					found = found || strings.Contains(g, w)
				}
				if !found {
					t.Errorf("problems %q\nwant one containing %q", got, w)
				}
			}
			if len(tt.want) == 0 && len(got) != 0 {
				t.Errorf("unexpected problems %q", got)
			}
			byID := map[string]Entry{}
			for _, e := range entries {
				byID[e.ID] = e
			}
			if len(entries) != len(tt.wantEn) {
				t.Errorf("%d entries, want %d (an English body is not a runbook)", len(entries), len(tt.wantEn))
			}
			for id, want := range tt.wantEn {
				e, ok := byID[id]
				if !ok {
					t.Fatalf("entry %s missing", id)
				}
				if e.BodyEn != want {
					t.Errorf("%s BodyEn = %q, want %q", id, e.BodyEn, want)
				}
				if wantFile := strings.Replace(e.Origin.File, ".md", EnglishSuffix, 1); want != "" && e.Origin.FileEn != wantFile {
					t.Errorf("%s FileEn = %q, want %q", id, e.Origin.FileEn, wantFile)
				}
			}
		})
	}
}

func TestAskAnswersInTheQuestionsLanguage(t *testing.T) {
	files := fstest.MapFS{
		"gen/k8s-test-node.md":    {Data: []byte(koRunbook)},
		"gen/k8s-test-node.en.md": {Data: []byte(enBody)},
		"gen/k8s-test-pending.md": {Data: []byte(goodRunbook)}, // no English body
	}
	entries, problems := LoadFS(context.Background(), files, "kb/")
	if len(problems) != 0 {
		t.Fatal(problems)
	}
	b, err := New(entries, DefaultTuning())
	if err != nil {
		t.Fatal(err)
	}
	node, _ := b.Entry("k8s-test-node")
	pending, _ := b.Entry("k8s-test-pending")
	tests := []struct {
		name      string
		q         string
		lang      string
		wantID    string
		wantTitle string
		wantBody  string
		wantLang  string
	}{
		{"english question", "Why is my node NotReady?", "", node.ID, node.TitleEn, node.BodyEn, "en"},
		{"korean question", "노드가 NotReady예요", "", node.ID, node.TitleKo, node.Body, "ko"},
		{"explicit en wins", "노드가 NotReady예요", "en", node.ID, node.TitleEn, node.BodyEn, "en"},
		{"explicit ko wins", "Why is my node NotReady?", "ko", node.ID, node.TitleKo, node.Body, "ko"},
		{"english without an English body", "Why is my pod stuck in Pending?", "", pending.ID, pending.TitleEn, pending.Body, "ko"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := b.Ask(context.Background(), tt.q, AskOptions{Language: tt.lang, KeepRefused: true})
			if len(res.Answers) == 0 || res.Answers[0].ID != tt.wantID {
				t.Fatalf("answers %+v, want %s first", res.Answers, tt.wantID)
			}
			a := res.Answers[0]
			if a.Title != tt.wantTitle || a.Body != tt.wantBody || a.BodyLanguage != tt.wantLang {
				t.Errorf("answer title %q, body language %q, body %q\nwant %q, %q, %q", a.Title, a.BodyLanguage, a.Body, tt.wantTitle, tt.wantLang, tt.wantBody)
			}
		})
	}
}

// TestEmbeddedEnglishBodies checks every built-in <id>.en.md: it loads with
// no problem at all (headings map onto the runbook's, code blocks are the
// same) and is attached to its runbook.
func TestEmbeddedEnglishBodies(t *testing.T) {
	entries, problems := LoadFS(context.Background(), Embedded(), EmbeddedPrefix+"runbooks/")
	for _, p := range problems {
		var le *LoadError
		if errors.As(p, &le) && strings.HasSuffix(le.File, EnglishSuffix) {
			t.Error(p)
		}
	}
	files := map[string]bool{}
	err := fs.WalkDir(Embedded(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, EnglishSuffix) {
			files[EmbeddedPrefix+"runbooks/"+p] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	perArea := map[string][2]int{}
	for _, e := range entries {
		c := perArea[e.Origin.Area]
		c[1]++
		if e.BodyEn != "" {
			c[0]++
			delete(files, e.Origin.FileEn)
			if line, text := hangulProse(e.BodyEn); line > 0 {
				t.Errorf("%s:%d: Korean outside code blocks in the English body: %s", e.Origin.FileEn, line, text)
			}
		}
		perArea[e.Origin.Area] = c
	}
	for f := range files {
		t.Errorf("%s was not attached to its runbook", f)
	}
	for area, c := range perArea {
		t.Logf("%s: %d of %d runbooks have an English body", area, c[0], c[1])
		if c[0] != c[1] {
			t.Errorf("%s: %d runbooks have no English body (write <id>.en.md next to each)", area, c[1]-c[0])
		}
	}
}

// hangulProse returns the first line outside fenced code blocks that holds
// Hangul (code blocks keep the Korean body's comments byte for byte).
func hangulProse(body string) (int, string) {
	var open byte
	for i, line := range strings.Split(body, "\n") {
		if _, c, n, _ := fence(line); n > 0 {
			switch {
			case open == 0:
				open = c
			case c == open:
				open = 0
			}
			continue
		}
		if open == 0 && strings.IndexFunc(line, korean.IsHangul) >= 0 {
			return i + 1, line
		}
	}
	return 0, ""
}
