package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const teamFAQ = `# 팀 FAQ

## 야간 배치 잡 로그는 어디서 봐요?

loki 의 batch 테넌트에 7일 동안 남습니다.

## 스테이징 클러스터 kubeconfig 는 어디서 받아요?

사내 포털의 "클러스터 접근" 메뉴에서 받습니다.
`

func TestKBImportThenAsk(t *testing.T) {
	dir := t.TempDir()
	faq := filepath.Join(dir, "team.md")
	if err := os.WriteFile(faq, []byte(teamFAQ), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "kb")
	_, errOut, err := run(t, newKBCommand, "", "import", "--out", out, faq)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, errOut)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.md"))
	if len(files) != 2 {
		t.Fatalf("wrote %v, want 2 files", files)
	}
	// Writing again refuses to overwrite without --force.
	if _, _, err := run(t, newKBCommand, "", "import", "--out", out, faq); err == nil {
		t.Error("second import overwrote files without --force")
	}
	if _, _, err := run(t, newKBCommand, "", "import", "--force", "--out", out, faq); err != nil {
		t.Errorf("import --force: %v", err)
	}
	stdout, _, err := run(t, newAskCommand, "", "--json", "--kb-dir", out, "스테이징 클러스터 kubeconfig 어디서 받아요")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, `"id":"faq-team-002"`) {
		t.Errorf("imported entry not found:\n%s", stdout)
	}
	list, _, err := run(t, newKBCommand, "", "list", "--kb-dir", out, "--provider", "generic")
	if err != nil || !strings.Contains(list, "faq-team-001") {
		t.Errorf("kb list: %v\n%s", err, list)
	}
}

func TestKBImportToStdoutAndErrors(t *testing.T) {
	dir := t.TempDir()
	faq := filepath.Join(dir, "team.md")
	os.WriteFile(faq, []byte(teamFAQ), 0o644)
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, []byte("질문이 없는 문서\n"), 0o644)
	stdout, stderr, err := run(t, newKBCommand, "", "import", faq, empty, filepath.Join(dir, "missing.md"))
	if err == nil || !strings.Contains(err.Error(), "import failed for 2 file(s)") {
		t.Errorf("error = %v", err)
	}
	if strings.Count(stdout, "\nid: faq-team-00") != 2 {
		t.Errorf("stdout should hold both runbooks:\n%s", stdout)
	}
	if !strings.Contains(stderr, "empty.txt: no sections found") || !strings.Contains(stderr, "missing.md") {
		t.Errorf("stderr = %s", stderr)
	}
	if _, _, err := run(t, newKBCommand, "", "import", "--provider", "gke", faq); err == nil {
		t.Error("import accepted provider gke")
	}
}

func TestKBEval(t *testing.T) {
	dir := t.TempDir()
	cases := filepath.Join(dir, "cases.jsonl")
	os.WriteFile(cases, []byte(`{"id": "a", "q": "파드가 계속 Pending이에요", "expect": "k8s-pod-pending-insufficient-resources"}
{"id": "b", "q": "오늘 점심 메뉴 추천해줘", "ood": true}
`), 0o644)
	out, _, err := run(t, newKBCommand, "", "eval", "--dev", cases)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"top-1 accuracy        1.000", "out-of-domain refusal 1.000", "whole words (baseline)", "full pipeline"} {
		if !strings.Contains(out, want) {
			t.Errorf("eval output lacks %q:\n%s", want, out)
		}
	}
	if _, _, err := run(t, newKBCommand, "", "eval"); err == nil || !strings.Contains(err.Error(), "pass --dev FILE") {
		t.Errorf("eval without files: %v", err)
	}
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte("{\"q\": \"x\"}\n"), 0o644)
	if _, _, err := run(t, newKBCommand, "", "eval", "--dev", bad); err == nil || !strings.Contains(err.Error(), "bad.jsonl:1:") {
		t.Errorf("eval with a bad file: %v", err)
	}
}

func TestKBImportDryRunWritesNothing(t *testing.T) {
	dir := t.TempDir()
	faq := filepath.Join(dir, "team.md")
	if err := os.WriteFile(faq, []byte(teamFAQ), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "kb")
	stdout, stderr, err := run(t, newKBCommand, "", "import", "--dry-run", "--out", out, faq)
	if err != nil {
		t.Fatalf("dry run: %v\n%s", err, stderr)
	}
	for _, want := range []string{"항목 2개 (2 entries)", "faq-team-001  야간 배치 잡 로그는 어디서 봐요?", "team.md#야간-배치-잡-로그는-어디서-봐요", "부분 (parts): 답변", "예시 질문 (example questions):"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, stdout)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("dry run created %s", out)
	}
}

// A raw team document dropped into a --kb-dir is answered from without an
// import step.
func TestAskFromRawDocumentInKBDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "team.md"), []byte(teamFAQ), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, _, err := run(t, newAskCommand, "", "--json", "--kb-dir", dir, "스테이징 클러스터 kubeconfig 어디서 받아요")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, `"id":"faq-team-002"`) {
		t.Errorf("raw document not answered from:\n%s", stdout)
	}
}
