package faqimport

import (
	"strings"
	"testing"

	"github.com/kubemedic/kubemedic/services/knowledge"
)

// FuzzConvert feeds arbitrary documents to the importer: it must never
// panic, and every entry it returns must be a runbook that parses back.
func FuzzConvert(f *testing.F) {
	for _, s := range []string{
		"## 제목\n\n본문입니다.\n",
		"# A\n## 증상\n멈춤\n## 원인\n원인\n## 해결 방법\n```\nkubectl get pods\n```\n",
		"Q: 질문?\nA: 답변\n",
		"제목\n====\n\n1. 하위 제목\n\n내용이 여기에 있습니다.\n",
		"<html><body><h2>T</h2><p>text</p><table><tr><td>a</td></tr></table></body></html>",
		"    indented\n원인\n해결 방법\n",
		"```\nunclosed fence\n## not a heading\n",
		"\xff\xfe",
		"---\nid: x\n---\n",
	} {
		f.Add("doc.md", s)
		f.Add("doc.txt", s)
	}
	f.Fuzz(func(t *testing.T, name, doc string) {
		if !strings.Contains(name, ".") {
			name += ".txt"
		}
		entries, _ := Convert(name, []byte(doc), Options{})
		for _, e := range entries {
			md, err := e.Markdown()
			if err != nil {
				t.Fatalf("entry %s does not render: %v", e.ID, err)
			}
			if back, problems := knowledge.Parse(e.ID+".md", md, e.ID); back == nil {
				t.Fatalf("entry %s does not parse back: %v\n%s", e.ID, problems, md)
			}
		}
	})
}
