package faqimport

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubemedic/kubemedic/services/knowledge"
)

// KBConverter is how servers load team documents straight from a --kb-dir.
func kbConverter(name string, data []byte) ([]knowledge.Entry, []error) {
	return Convert(name, data, Options{})
}

const runbookA = `---
id: team-web-restart
title_ko: 웹 서버 재시작 절차
title_en: Restarting the web tier
provider: generic
tags: [team]
questions:
  - 웹 서버 재시작은 어떻게 하나요
  - 웹 티어 재시작 절차
  - restart the web tier
source: team wiki
---
## 답변
kubectl -n web rollout restart deployment/frontend 로 재시작합니다.
`

// A --kb-dir may hold team documents as they are written, next to runbooks.
func TestKnowledgeDirLoadsTeamDocuments(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "team-web-restart.md"), []byte(runbookA), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, doc := range []string{"platform-wiki.md", "confluence-export.html", "ops-notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, doc), readTestdata(t, doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	kb, err := knowledge.Open(context.Background(), knowledge.Options{ExtraDirs: []string{dir}, Convert: kbConverter, NoEmbedded: true})
	if err != nil {
		t.Fatal(err)
	}
	if kb.Len() != 1+6+3+3 {
		t.Errorf("entries = %d, want 13 (1 runbook + 12 document sections); problems %v", kb.Len(), kb.Problems())
	}
	res := kb.Ask(context.Background(), "harbor robot 토큰 만료돼서 pull 안 돼요", knowledge.AskOptions{})
	if res.NoAnswer || res.Answers[0].ID != "faq-platform-wiki-002" {
		t.Errorf("Ask = %+v", res)
	}
	// Without a converter, documents are skipped with a hint, never parsed
	// as broken runbooks.
	kb, err = knowledge.Open(context.Background(), knowledge.Options{ExtraDirs: []string{dir}, NoEmbedded: true})
	if err != nil {
		t.Fatal(err)
	}
	if kb.Len() != 1 {
		t.Errorf("without a converter: %d entries, want the 1 runbook", kb.Len())
	}
}

// Watch reloads on change; a broken edit keeps the last good version and is
// reported as file:line.
func TestWatchReloadsAndKeepsLastGood(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "team-web-restart.md")
	if err := os.WriteFile(file, []byte(runbookA), 0o644); err != nil {
		t.Fatal(err)
	}
	kb, err := knowledge.Open(context.Background(), knowledge.Options{ExtraDirs: []string{dir}, Convert: kbConverter, NoEmbedded: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	reloaded := make(chan error, 16)
	done := make(chan error, 1)
	go func() {
		done <- kb.Watch(ctx, knowledge.WatchOptions{Debounce: 50 * time.Millisecond, Logger: slog.New(slog.DiscardHandler), Reloaded: func(err error) { reloaded <- err }})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch: %v", err)
		}
	}()
	// waitUntil waits for reloads until cond holds (one edit may take
	// several reloads: editors write files in steps).
	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for !cond() {
			select {
			case err := <-reloaded:
				if err != nil {
					t.Fatalf("%s: reload: %v", what, err)
				}
			case <-deadline:
				t.Fatalf("%s: not seen within 10s; entries %d, problems %v", what, kb.Len(), kb.Problems())
			}
		}
	}
	// Give the watcher a moment to register before the first write.
	time.Sleep(100 * time.Millisecond)

	// A new team document appears.
	if err := os.WriteFile(filepath.Join(dir, "ops-notes.txt"), readTestdata(t, "ops-notes.txt"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitUntil("new document loaded", func() bool { _, ok := kb.Entry("faq-ops-notes-003"); return ok })

	// The runbook is broken by an edit: its entry stays, the problem names
	// the file and line.
	broken := strings.Replace(runbookA, "provider: generic", "provider: [generic", 1)
	if err := os.WriteFile(file, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	reported := func() bool {
		var sawLine, sawKept bool
		for _, p := range kb.Problems() {
			sawLine = sawLine || strings.HasPrefix(p.Error(), file+":5:")
			sawKept = sawKept || strings.Contains(p.Error(), "keeping the last good version")
		}
		return sawLine && sawKept
	}
	waitUntil("broken file reported by line, last good version kept", reported)
	if _, ok := kb.Entry("team-web-restart"); !ok {
		t.Fatal("a broken edit removed the entry; the last good version must stay")
	}

	// Fixing the file loads the new version.
	fixed := strings.Replace(runbookA, "웹 서버 재시작 절차", "웹 서버 재시작 절차 (v2)", 1)
	if err := os.WriteFile(file, []byte(fixed), 0o644); err != nil {
		t.Fatal(err)
	}
	waitUntil("fixed file reloaded", func() bool {
		e, _ := kb.Entry("team-web-restart")
		return e.TitleKo == "웹 서버 재시작 절차 (v2)"
	})
	if reported() {
		t.Errorf("problems still reported after the fix: %v", kb.Problems())
	}
}
