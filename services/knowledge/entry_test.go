package knowledge

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const goodRunbook = `---
id: k8s-test-pending
title_ko: 파드가 Pending 상태
title_en: Pod stuck in Pending
provider: generic
tags: [pod, pending]
keywords: [Pending, Insufficient cpu]
questions:
  - 파드가 계속 Pending이에요
  - pod가 스케줄이 안 돼요
  - Why is my pod stuck in Pending?
findings: [PodUnschedulable]
actions: [scale]
source: 테스트 / 파드
---
## 증상
파드가 Pending 입니다.
`

func TestParseGood(t *testing.T) {
	e, problems := Parse("rb/k8s-test-pending.md", []byte(goodRunbook), "k8s-test-pending")
	if len(problems) != 0 {
		t.Fatalf("problems = %v", problems)
	}
	want := Entry{
		ID: "k8s-test-pending", TitleKo: "파드가 Pending 상태", TitleEn: "Pod stuck in Pending", Provider: "generic",
		Tags: []string{"pod", "pending"}, Keywords: []string{"Pending", "Insufficient cpu"},
		Questions: []string{"파드가 계속 Pending이에요", "pod가 스케줄이 안 돼요", "Why is my pod stuck in Pending?"},
		Findings:  []string{"PodUnschedulable"}, Actions: []string{"scale"}, Source: "테스트 / 파드",
		Body:   "## 증상\n파드가 Pending 입니다.",
		Origin: Origin{File: "rb/k8s-test-pending.md", BodyLine: 16},
	}
	if !reflect.DeepEqual(*e, want) {
		t.Errorf("Parse =\n%+v\nwant\n%+v", *e, want)
	}
	if e.Title("en") != want.TitleEn || e.Title("ko") != want.TitleKo {
		t.Errorf("Title by language wrong: %q / %q", e.Title("en"), e.Title("ko"))
	}
}

func TestParseCountsARepeatedQuestionOnce(t *testing.T) {
	text := strings.Replace(goodRunbook, "  - pod가 스케줄이 안 돼요\n", "  - pod가 스케줄이 안 돼요\n  - POD가  스케줄이 안 돼요?\n", 1)
	e, _ := Parse("x.md", []byte(text), "k8s-test-pending")
	want := []string{"파드가 계속 Pending이에요", "pod가 스케줄이 안 돼요", "Why is my pod stuck in Pending?"}
	if e == nil {
		t.Fatal("no entry")
	}
	if !reflect.DeepEqual(e.Questions, want) {
		t.Errorf("Questions = %q, want %q", e.Questions, want)
	}
}

func TestParseProblems(t *testing.T) {
	replace := func(old, new string) string { return strings.Replace(goodRunbook, old, new, 1) }
	tests := []struct {
		name    string
		text    string
		want    string // "file:line: message" prefix or substring
		fatal   bool
		entryOK bool
	}{
		{"no front matter", "# just markdown\n", "x.md:1: no front matter", true, false},
		{"unclosed", "---\nid: a\n", "x.md:1: front matter is not closed", true, false},
		{"yaml syntax", replace("tags: [pod, pending]", "tags: [pod, pending"), "x.md:", true, false},
		{"yaml type", replace("title_en: Pod stuck in Pending", "title_en: {a: b}"), "x.md:4: front matter:", true, false},
		{"missing title", replace("title_ko: 파드가 Pending 상태\n", ""), `x.md:1: required field "title_ko"`, true, false},
		{"bad provider", replace("provider: generic", "provider: gke"), `x.md:5: provider "gke" is not one of`, true, false},
		{"bad id", replace("id: k8s-test-pending", "id: K8s_Test"), `x.md:2: id "K8s_Test" must be`, true, false},
		{"no questions", replace("questions:\n  - 파드가 계속 Pending이에요\n  - pod가 스케줄이 안 돼요\n  - Why is my pod stuck in Pending?\n", ""), "no example questions", true, false},
		{"repeated question", replace("  - pod가 스케줄이 안 돼요\n", "  - pod가 스케줄이 안 돼요\n  - Pod가 스케줄이 안 돼요!\n"), `x.md:8: warning: example question "Pod가 스케줄이 안 돼요!" is listed twice`, false, true},
		{"few questions", replace("  - pod가 스케줄이 안 돼요\n", ""), "x.md:8: warning: only 2 example question(s)", false, true},
		{"id differs from file", goodRunbook, `warning: id "k8s-test-pending" differs from the file name "other.md"`, false, true},
		{"unknown field", replace("source:", "sauce: x\nsource:"), `warning: unknown front matter field "sauce"`, false, true},
		{"unknown action", replace("actions: [scale]", "actions: [reboot]"), `warning: unknown action "reboot"`, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := "k8s-test-pending"
			if tt.name == "id differs from file" {
				want = "other"
			}
			e, problems := Parse("x.md", []byte(tt.text), want)
			if (e != nil) != tt.entryOK {
				t.Fatalf("entry = %v, want entry %v (problems %v)", e, tt.entryOK, problems)
			}
			found := false
			for _, p := range problems {
				var le *LoadError
				if !errors.As(p, &le) {
					t.Fatalf("problem %v is not a *LoadError", p)
				}
				if strings.Contains(p.Error(), tt.want) {
					found = true
					if le.Warning == tt.fatal {
						t.Errorf("problem %q: Warning = %v, want %v", p, le.Warning, !tt.fatal)
					}
				}
			}
			if !found {
				t.Errorf("problems = %v, want one containing %q", problems, tt.want)
			}
		})
	}
}

func TestMarkdownRoundTrip(t *testing.T) {
	e, _ := Parse("a.md", []byte(goodRunbook), "")
	md, err := e.Markdown()
	if err != nil {
		t.Fatal(err)
	}
	back, problems := Parse("a.md", md, "")
	if len(problems) != 0 {
		t.Fatalf("re-parse problems: %v\n%s", problems, md)
	}
	back.Origin, e.Origin = Origin{}, Origin{}
	if !reflect.DeepEqual(back, e) {
		t.Errorf("round trip changed the entry:\n%+v\n%+v", back, e)
	}
}
