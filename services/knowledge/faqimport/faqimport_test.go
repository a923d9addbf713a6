package faqimport

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubemedic/kubemedic/services/knowledge"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func titles(entries []knowledge.Entry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.TitleKo)
	}
	return out
}

func byTitle(t *testing.T, entries []knowledge.Entry, title string) knowledge.Entry {
	t.Helper()
	for _, e := range entries {
		if e.TitleKo == title {
			return e
		}
	}
	t.Fatalf("no entry titled %q in %q", title, titles(entries))
	return knowledge.Entry{}
}

// The team wiki has six sections in six styles: a plain heading, one with
// 증상/원인/해결 방법 sub-headings, two numbered headings, a Q:/A: block under a
// grouping heading, and an English heading. Each is one entry.
func TestConvertTeamWiki(t *testing.T) {
	data := readTestdata(t, "platform-wiki.md")
	entries, problems := Convert("platform-wiki.md", data, Options{})
	if len(problems) != 0 {
		t.Errorf("problems: %v", problems)
	}
	want := []string{
		"스테이징 클러스터 배포 권한 신청",
		"사내 레지스트리 이미지 pull 실패",
		"네임스페이스 리소스 쿼터 상향",
		"야간 배치 노드풀 사용하기",
		"인그레스 도메인은 어떻게 발급받나요?",
		"Rotating the cluster admin kubeconfig",
	}
	if got := titles(entries); !slices.Equal(got, want) {
		t.Fatalf("titles = %q\nwant     %q", got, want)
	}

	pull := byTitle(t, entries, "사내 레지스트리 이미지 pull 실패")
	for _, h := range []string{"## 증상\n", "## 원인\n", "## 해결 방법\n"} {
		if !strings.Contains(pull.Body, h) {
			t.Errorf("pull entry lacks part %q:\n%s", h, pull.Body)
		}
	}
	if strings.Index(pull.Body, "## 증상") > strings.Index(pull.Body, "## 원인") {
		t.Errorf("parts out of document order:\n%s", pull.Body)
	}
	code := "kubectl -n my-team create secret docker-registry regcred --docker-server=harbor.corp --docker-username='robot$my-team' --docker-password=\"$TOKEN\""
	if !strings.Contains(pull.Body, code) {
		t.Errorf("code block changed:\n%s", pull.Body)
	}
	if !slices.Contains(pull.Keywords, "unauthorized: authentication required") || !slices.Contains(pull.Keywords, "ImagePullBackOff") {
		t.Errorf("error strings are not whole keywords: %q", pull.Keywords)
	}
	if pull.Source != "platform-wiki.md#사내-레지스트리-이미지-pull-실패 (플랫폼팀 쿠버네티스 운영 위키)" {
		t.Errorf("source = %q", pull.Source)
	}
	if pull.Origin.BodyLine != 15 {
		t.Errorf("origin line = %d, want the heading's line 15", pull.Origin.BodyLine)
	}

	quota := byTitle(t, entries, "네임스페이스 리소스 쿼터 상향")
	if !strings.Contains(quota.Body, "20코어") || !strings.Contains(quota.Body, "64코어") || strings.Contains(quota.Body, "노드풀") {
		t.Errorf("numbered section holds the wrong facts:\n%s", quota.Body)
	}

	qa := byTitle(t, entries, "인그레스 도메인은 어떻게 발급받나요?")
	if strings.Contains(qa.Body, "A:") || !strings.Contains(qa.Body, "corp-ca") {
		t.Errorf("Q/A answer = %q", qa.Body)
	}
	if !strings.Contains(qa.Source, "자주 묻는 질문") {
		t.Errorf("Q/A source lost its group heading: %q", qa.Source)
	}

	en := byTitle(t, entries, "Rotating the cluster admin kubeconfig")
	if !strings.HasPrefix(en.Body, "## Answer\n") || en.TitleEn != en.TitleKo {
		t.Errorf("English section: title_en %q body %q", en.TitleEn, en.Body)
	}
	if !slices.Contains(en.Questions, "how do I rotate the cluster admin kubeconfig?") {
		t.Errorf("English paraphrases = %q", en.Questions)
	}

	grant := byTitle(t, entries, "스테이징 클러스터 배포 권한 신청")
	if !slices.Contains(grant.Questions, "스테이징 클러스터 배포 권한 신청은 어떻게 하나요?") {
		t.Errorf("Korean request paraphrases = %q", grant.Questions)
	}
}

func TestConvertWikiHTMLExport(t *testing.T) {
	entries, problems := Convert("confluence-export.html", readTestdata(t, "confluence-export.html"), Options{})
	if len(problems) != 0 {
		t.Errorf("problems: %v", problems)
	}
	want := []string{"PostgreSQL PVC 용량 증설", "레플리카 복제 지연 알림", "Backup restore procedure"}
	if got := titles(entries); !slices.Equal(got, want) {
		t.Fatalf("titles = %q, want %q", got, want)
	}
	pvc := entries[0]
	if !strings.Contains(pvc.Body, "## 증상\n") || !strings.Contains(pvc.Body, "## 해결 방법\n") {
		t.Errorf("HTML sub-headings are not parts:\n%s", pvc.Body)
	}
	if !strings.Contains(pvc.Body, `kubectl -n db patch pvc data-postgres-0 -p '{"spec":{"resources":{"requests":{"storage":"200Gi"}}}}'`) {
		t.Errorf("HTML <pre> block changed:\n%s", pvc.Body)
	}
	if !strings.Contains(entries[1].Body, "| replication lag | 30s |") {
		t.Errorf("HTML table not converted to a Markdown table:\n%s", entries[1].Body)
	}
}

func TestConvertPlainText(t *testing.T) {
	entries, problems := Convert("ops-notes.txt", readTestdata(t, "ops-notes.txt"), Options{})
	if len(problems) != 0 {
		t.Errorf("problems: %v", problems)
	}
	want := []string{"노드 디스크 정리 절차", "인증서 만료 점검", "DNS 조회 지연"}
	if got := titles(entries); !slices.Equal(got, want) {
		t.Fatalf("titles = %q, want %q", got, want)
	}
	dns := entries[2]
	for _, h := range []string{"## 증상\n파드에서 외부 도메인 조회가 5초씩 걸립니다.", "## 원인\n", "## 해결 방법\n"} {
		if !strings.Contains(dns.Body, h) {
			t.Errorf("DNS entry lacks %q:\n%s", h, dns.Body)
		}
	}
	if !strings.Contains(entries[1].Body, "kubeadm certs check-expiration") {
		t.Errorf("indented command lost:\n%s", entries[1].Body)
	}
	if !slices.Contains(entries[0].Keywords, "/var/lib/containerd") {
		t.Errorf("path not a keyword: %q", entries[0].Keywords)
	}
}

// Forms kept from the first importer: question headings under grouping
// headings, and plain-text FAQs with section lines.
func TestConvertFAQForms(t *testing.T) {
	md := "# 사내 쿠버네티스 FAQ\n\n## 배포\n\n### 사내 레지스트리 harbor 이미지 pull 이 403 으로 실패해요?\n\n" +
		"프로젝트 robot 계정으로 `imagePullSecrets` 를 만들고 디플로이먼트에 넣으세요.\n\n```bash\n# 예시? 이 줄은 질문이 아닙니다?\n" +
		"kubectl create secret docker-registry harbor-robot --docker-server=harbor.example\n```\n\n### 빈 질문은 건너뛰나요?\n\n" +
		"## 네트워크\n\n**Q:** 사내 프록시 뒤에서 파드가 외부로 못 나가요\n**A:** `HTTPS_PROXY` 와 `NO_PROXY` 환경 변수를 설정하세요.\n"
	entries, problems := Convert("faq.md", []byte(md), Options{Provider: "tke"})
	if got := titles(entries); !slices.Equal(got, []string{"사내 레지스트리 harbor 이미지 pull 이 403 으로 실패해요?", "사내 프록시 뒤에서 파드가 외부로 못 나가요"}) {
		t.Fatalf("titles = %q", got)
	}
	if len(problems) != 1 || !strings.Contains(problems[0].Error(), `faq.md:14: warning: question "빈 질문은 건너뛰나요?" has no text below it`) {
		t.Errorf("problems = %v", problems)
	}
	if !strings.Contains(entries[0].Body, "# 예시? 이 줄은 질문이 아닙니다?") || entries[0].ID != "tke-faq-001" || entries[0].Provider != "tke" {
		t.Errorf("entry 0 = %+v", entries[0])
	}
	if strings.Contains(entries[1].Body, "**A:**") || !strings.Contains(entries[1].Source, "네트워크") {
		t.Errorf("entry 1 = %+v", entries[1])
	}

	txt := "사내 FAQ\n\n로그\n\n야간 배치 잡 로그는 어디서 봐요?\n배치 잡 로그는 loki 의 batch 테넌트에 7일 동안 남습니다.\n\n" +
		"노드\n\nGPU 노드에 일반 파드가 올라가는 것을 막으려면 어떻게 하나요?\nGPU 노드에는 nvidia.com/gpu 테인트가 있습니다.\n"
	entries, _ = Convert("faq.txt", []byte(txt), Options{})
	if len(entries) != 2 || strings.Contains(entries[0].Body, "노드") || !strings.Contains(entries[1].Source, "노드") {
		t.Errorf("plain FAQ entries = %+v", entries)
	}
}

func TestConvertBadInput(t *testing.T) {
	tests := []struct {
		name, file string
		data       []byte
		want       string
		entries    int
	}{
		{"binary", "f.txt", []byte("질문?\n답\x00"), "f.txt:2: binary data", 0},
		{"not utf-8", "f.txt", []byte("첫 줄\n\xff\xfe"), "f.txt:2: not UTF-8", 0},
		{"empty section among good ones", "f.md", []byte("## 빈 절\n\n## 채워진 절\n\n내용이 있습니다. 충분히 깁니다.\n"), `f.md:1: warning: section "빈 절" has no text below it; skipped`, 1},
	}
	for _, tt := range tests {
		entries, problems := Convert(tt.file, tt.data, Options{})
		if len(entries) != tt.entries || len(problems) != 1 || !strings.Contains(problems[0].Error(), tt.want) {
			t.Errorf("%s: entries %d problems %v, want %d entries and %q", tt.name, len(entries), problems, tt.entries, tt.want)
		}
	}
	if _, problems := Convert("x.md", []byte("## a\n\nb\n"), Options{Provider: "gke"}); len(problems) == 0 {
		t.Error("Convert accepted provider gke")
	}
}

// Every entry the importer writes is a valid runbook that parses back.
func TestConvertWritesValidRunbooks(t *testing.T) {
	for _, doc := range []string{"platform-wiki.md", "confluence-export.html", "ops-notes.txt"} {
		entries, _ := Convert(doc, readTestdata(t, doc), Options{Prefer: true})
		for _, e := range entries {
			md, err := e.Markdown()
			if err != nil {
				t.Fatal(err)
			}
			back, problems := knowledge.Parse(e.ID+".md", md, e.ID)
			if back == nil || len(problems) != 0 {
				t.Errorf("%s does not parse back cleanly: %v\n%s", e.ID, problems, md)
				continue
			}
			if back.Body != strings.TrimSpace(e.Body) || !back.Prefer || len(back.Questions) < 3 {
				t.Errorf("%s changed on the way back: prefer %v, %d questions", e.ID, back.Prefer, len(back.Questions))
			}
		}
	}
}

// TestImportedSectionsAreFound imports the three test documents into a
// --kb-dir next to the built-in runbooks and asks questions written before
// the importer was tuned, in other words than the headings.
func TestImportedSectionsAreFound(t *testing.T) {
	dir := t.TempDir()
	titleOf := map[string]string{}
	for _, doc := range []string{"platform-wiki.md", "confluence-export.html", "ops-notes.txt"} {
		entries, _ := Convert(doc, readTestdata(t, doc), Options{})
		for _, e := range entries {
			md, err := e.Markdown()
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, e.ID+".md"), md, 0o644); err != nil {
				t.Fatal(err)
			}
			titleOf[e.ID] = e.TitleKo
		}
	}
	kb, err := knowledge.Open(context.Background(), knowledge.Options{ExtraDirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	asked, right := 0, 0
	for _, set := range []string{"questions.jsonl", "questions-more.jsonl"} {
		f, err := os.Open(filepath.Join("testdata", set))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var c struct{ Q, Want string }
			if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
				t.Fatalf("%s: %v", set, err)
			}
			asked++
			res := kb.Ask(context.Background(), c.Q, knowledge.AskOptions{Top: 3})
			if !res.NoAnswer && titleOf[res.Answers[0].ID] == c.Want {
				right++
				continue
			}
			got := "no answer: " + res.Reason
			if !res.NoAnswer {
				got = res.Answers[0].ID + " " + res.Answers[0].Title
			}
			t.Logf("miss: %q → %s (want %q)", c.Q, got, c.Want)
		}
		f.Close()
	}
	rate := float64(right) / float64(asked)
	t.Logf("imported sections: top-1 %d/%d = %.3f", right, asked, rate)
	if rate < 0.9 {
		t.Errorf("top-1 on imported sections %.3f, want ≥ 0.9", rate)
	}
}

// TestImportSeedDocuments imports the five seed documents and checks each
// yields about one entry per troubleshooting section or FAQ question.
// Skipped when ../shared is not checked out.
func TestImportSeedDocuments(t *testing.T) {
	seeds := []struct {
		file    string
		atLeast int
		has     []string // titles that must be entries
	}{
		{"000_55dcbbe4e79939bf.txt", 60, nil},
		{"001_9d46c7ff2366b7eb.txt", 30, []string{"파드가 계속 pending 상태인 경우", "서비스에 엔드포인트가 없는 경우"}},
		{"002_4e079d5d14f2d4cb.txt", 30, []string{"AKS 클러스터를 0으로 크기를 조정할 수 있나요?"}},
		{"003_154f16ea81e58ad6.txt", 11, []string{"LoadBalancer 타입의 서비스 리소스 생성 이후 Pending 상태 지속", "kube-proxy가 존재하지 않음", "Ingress 인증서 변경 실패"}},
		{"004_a5e7e506b369f32c.txt", 40, []string{"카나리(canary) 디플로이먼트", "애플리케이션 스케일링"}},
	}
	for _, s := range seeds {
		data, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "shared", "seeds", s.file))
		if err != nil {
			t.Skipf("seed documents not available: %v", err)
		}
		entries, _ := Convert(s.file, data, Options{})
		t.Logf("%s: %d entries", s.file, len(entries))
		if len(entries) < s.atLeast {
			t.Errorf("%s: %d entries, want at least %d", s.file, len(entries), s.atLeast)
		}
		for _, title := range s.has {
			if !slices.Contains(titles(entries), title) {
				t.Errorf("%s: no entry %q", s.file, title)
			}
		}
		for _, e := range entries {
			if strings.Contains(e.TitleKo, "도움이 되었습니까") {
				t.Errorf("%s: page chrome imported as %q", s.file, e.TitleKo)
			}
			if e.TitleKo == "LoadBalancer 타입의 서비스 리소스 생성 이후 Pending 상태 지속" &&
				(!strings.Contains(e.Body, "ncloud-config") || !strings.Contains(e.Body, "## 해결 방법")) {
				t.Errorf("NKS LoadBalancer entry lost its fix:\n%s", e.Body)
			}
		}
	}
}
