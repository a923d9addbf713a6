package faqimport

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubemedic/kubemedic/services/knowledge"
)

const markdownFAQ = "# 사내 쿠버네티스 FAQ\n" +
	"\n" +
	"## 배포\n" +
	"\n" +
	"### 사내 레지스트리 harbor 이미지 pull 이 403 으로 실패해요?\n" +
	"\n" +
	"프로젝트 robot 계정으로 `imagePullSecrets` 를 만들고 디플로이먼트에 넣으세요.\n" +
	"\n" +
	"```bash\n" +
	"# 예시? 이 줄은 질문이 아닙니다?\n" +
	"kubectl create secret docker-registry harbor-robot --docker-server=harbor.example\n" +
	"```\n" +
	"\n" +
	"### 빈 질문은 건너뛰나요?\n" +
	"\n" +
	"## 네트워크\n" +
	"\n" +
	"**Q:** 사내 프록시 뒤에서 파드가 외부로 못 나가요\n" +
	"**A:** `HTTPS_PROXY` 와 `NO_PROXY` 환경 변수를 설정하세요. NO_PROXY 에 클러스터 CIDR 을 꼭 넣습니다.\n"

const plainFAQ = `사내 FAQ

로그

야간 배치 잡 로그는 어디서 봐요?
배치 잡 로그는 loki 의 batch 테넌트에 7일 동안 남습니다.
그 이후에는 S3 아카이브에서 찾습니다.

노드

GPU 노드에 일반 파드가 올라가는 것을 막으려면 어떻게 하나요?
GPU 노드에는 nvidia.com/gpu 테인트가 있으니 toleration 이 없는 파드는 스케줄되지 않습니다.
`

func TestExtractMarkdown(t *testing.T) {
	items, problems := Extract("faq.md", []byte(markdownFAQ))
	if len(items) != 2 {
		t.Fatalf("items = %+v, want 2", items)
	}
	if items[0].Question != "사내 레지스트리 harbor 이미지 pull 이 403 으로 실패해요?" || items[0].Section != "배포" || items[0].Line != 5 {
		t.Errorf("item 0 = %+v", items[0])
	}
	if !strings.Contains(items[0].Answer, "kubectl create secret") || !strings.Contains(items[0].Answer, "이 줄은 질문이 아닙니다?") {
		t.Errorf("item 0 answer lost its code block: %q", items[0].Answer)
	}
	if items[1].Question != "사내 프록시 뒤에서 파드가 외부로 못 나가요" || items[1].Section != "네트워크" || strings.HasPrefix(items[1].Answer, "**A:**") {
		t.Errorf("item 1 = %+v", items[1])
	}
	if len(problems) != 1 || !strings.Contains(problems[0].Error(), "faq.md:14: warning: question \"빈 질문은 건너뛰나요?\" has no answer") {
		t.Errorf("problems = %v", problems)
	}
}

func TestExtractPlainText(t *testing.T) {
	items, problems := Extract("faq.txt", []byte(plainFAQ))
	if len(problems) != 0 {
		t.Errorf("problems = %v", problems)
	}
	if len(items) != 2 {
		t.Fatalf("items = %+v", items)
	}
	if items[0].Section != "로그" || items[1].Section != "노드" || items[1].Line != 11 {
		t.Errorf("sections/lines wrong: %+v", items)
	}
	if strings.Contains(items[0].Answer, "노드") {
		t.Errorf("section line swallowed into the previous answer: %q", items[0].Answer)
	}
}

func TestExtractBadFiles(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"binary", []byte("질문?\n답\x00"), "f.txt:2: binary data"},
		{"not utf-8", []byte("첫 줄\n\xff\xfe"), "f.txt:2: not UTF-8"},
	}
	for _, tt := range tests {
		items, problems := Extract("f.txt", tt.data)
		if len(items) != 0 || len(problems) != 1 || !strings.Contains(problems[0].Error(), tt.want) {
			t.Errorf("%s: items %v problems %v, want %q", tt.name, items, problems, tt.want)
		}
	}
}

func TestConvertProducesValidRunbooks(t *testing.T) {
	entries, _ := Convert("team-faq.md", []byte(markdownFAQ), Options{Provider: "tke"})
	if len(entries) != 2 {
		t.Fatalf("entries = %d", len(entries))
	}
	e := entries[0]
	if e.ID != "tke-team-faq-001" || e.Provider != "tke" || e.TitleKo != "사내 레지스트리 harbor 이미지 pull 이 403 으로 실패해요?" {
		t.Errorf("entry = %+v", e)
	}
	if !strings.HasPrefix(e.TitleEn, "FAQ: ") || !contains(e.Tags, "faq") || !contains(e.Tags, "registry") || !contains(e.Keywords, "imagePullSecrets") {
		t.Errorf("derived fields: title_en %q tags %v keywords %v", e.TitleEn, e.Tags, e.Keywords)
	}
	if e.Source != "team-faq.md / 배포" || !strings.HasPrefix(e.Body, "## 답변\n") {
		t.Errorf("source %q body %q", e.Source, e.Body)
	}
	for _, e := range entries {
		md, err := e.Markdown()
		if err != nil {
			t.Fatal(err)
		}
		back, problems := knowledge.Parse(e.ID+".md", md, e.ID)
		if back == nil || len(problems) != 0 {
			t.Errorf("%s does not parse back cleanly: %v\n%s", e.ID, problems, md)
		}
	}
	if _, problems := Convert("x.md", []byte(markdownFAQ), Options{Provider: "gke"}); len(problems) == 0 {
		t.Error("Convert accepted provider gke")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestImportedEntriesAreFound is the whole path: import a FAQ, write the
// runbooks into a directory, load it as a --kb-dir next to the embedded base,
// and ask in other words.
func TestImportedEntriesAreFound(t *testing.T) {
	dir := t.TempDir()
	entries, _ := Convert("faq.txt", []byte(plainFAQ), Options{})
	for _, e := range entries {
		md, err := e.Markdown()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.ID+".md"), md, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	kb, err := knowledge.Open(context.Background(), knowledge.Options{ExtraDirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range kb.Problems() {
		if strings.Contains(p.Error(), dir) {
			t.Errorf("imported file problem: %v", p)
		}
	}
	res := kb.Ask(context.Background(), "야간 배치 잡 로그 어디 있어요", knowledge.AskOptions{})
	if res.NoAnswer || res.Answers[0].ID != "faq-faq-001" {
		t.Errorf("Ask = %+v", res)
	}
}

// TestImportSeedDocuments imports the vendor FAQ seeds, which are plain
// text exports; skipped when ../shared is not checked out.
func TestImportSeedDocuments(t *testing.T) {
	seeds := map[string]int{ // file → minimum questions expected
		"../../../../shared/seeds/000_55dcbbe4e79939bf.txt": 60, // TKE FAQ
		"../../../../shared/seeds/002_4e079d5d14f2d4cb.txt": 30, // AKS FAQ
	}
	for file, atLeast := range seeds {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Skipf("seed documents not available: %v", err)
		}
		entries, _ := Convert(file, data, Options{})
		if len(entries) < atLeast {
			t.Errorf("%s: %d entries, want at least %d", file, len(entries), atLeast)
		}
		for _, e := range entries {
			if strings.TrimSpace(strings.TrimPrefix(e.Body, "## 답변")) == "" {
				t.Errorf("%s: %s has an empty answer", file, e.ID)
			}
		}
	}
	// Spot check: the first TKE question keeps its answer.
	data, _ := os.ReadFile("../../../../shared/seeds/000_55dcbbe4e79939bf.txt")
	entries, _ := Convert("tke.txt", data, Options{Provider: "tke"})
	for _, e := range entries {
		if strings.Contains(e.TitleKo, "CLS 콘솔에서 로그를 볼 수 없는") {
			if !strings.Contains(e.Body, "인덱스") {
				t.Errorf("CLS answer lost its facts: %q", e.Body)
			}
			return
		}
	}
	t.Error("the CLS question was not found in the TKE seed")
}
