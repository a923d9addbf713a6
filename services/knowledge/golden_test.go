package knowledge_test

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubemedic/kubemedic/services/knowledge"
	"github.com/kubemedic/kubemedic/services/knowledge/evaluation"
)

// The golden answers pin what Ask returns for every evaluation question, so
// that work on retrieval speed cannot change a single answer unnoticed: the
// same ids in the same order, the same scores, confidences and confidence
// signals to the bit, the same refusals and reasons.
//
// A change that is meant to alter answers (a new rule, new runbooks, new
// tuning) regenerates the file, and its diff shows which answers moved:
//
//	cd services && go test ./knowledge/ -run TestAskGolden -update-golden
//
// Questions come from every evaluation set in the repository and, when it is
// checked out next to the repository, the shared dev set; the file keeps the
// question text, so the check runs without the shared set.
var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/ask-golden.jsonl from the current code")

const goldenFile = "testdata/ask-golden.jsonl"

// goldenSets are the evaluation sets whose questions the golden file holds,
// relative to this package directory. The shared dev set is optional.
var goldenSets = []string{
	"testdata/eval/*.jsonl",
	"testdata/blind/*.jsonl",
	"evaluation/testdata/*.jsonl",
	"evaluation/testdata/*/*.jsonl",
}

const goldenDevSet = "../../../shared/eval/faq-dev.jsonl"

// goldenExtra are inputs the evaluation sets lack: edge cases of Ask's input
// handling and a question past MaxQuestionLength.
var goldenExtra = []string{
	"",
	"   ",
	"?!",
	"파드",
	"POD",
	"ｐｏｄ가 Ｐｅｎｄｉｎｇ이에요",
	"파드가 계속 Pending이에요 " + strings.Repeat("노드 ", 700),
}

// goldenCase is one question's result. Each answer is an array: id, score,
// confidence, then the confidence signals coverage, known, concepts and the
// unrounded score, then the body's language. Floats are written in Go's
// shortest round-trip form, so comparing them after decoding is exact.
type goldenCase struct {
	Q          string  `json:"q"`
	Provider   string  `json:"p,omitempty"`
	Language   string  `json:"lang"`
	NoAnswer   bool    `json:"refused,omitempty"`
	Reason     string  `json:"reason,omitempty"`
	Confidence float64 `json:"conf"`
	Answers    [][]any `json:"a"`
}

// goldenProvider is the provider filter every goldenProviderEvery-th
// question is asked with a second time.
const (
	goldenProvider      = "tke"
	goldenProviderEvery = 8
)

func askGolden(kb *knowledge.Base, q, provider string) goldenCase {
	// KeepRefused keeps the answers of refused questions, so that their
	// ranking is pinned too; it changes nothing else.
	r := kb.Ask(context.Background(), q, knowledge.AskOptions{Provider: provider, KeepRefused: true})
	g := goldenCase{Q: q, Provider: provider, Language: r.Language, NoAnswer: r.NoAnswer, Reason: r.Reason, Confidence: r.Confidence, Answers: [][]any{}}
	for _, a := range r.Answers {
		g.Answers = append(g.Answers, []any{a.ID, a.Score, a.Confidence,
			a.Signals.Coverage, a.Signals.Known, a.Signals.Concepts, a.Signals.Score, a.BodyLanguage})
	}
	return g
}

// evaluationFiles lists every evaluation set of goldenSets and, when it is
// there, the shared dev set.
func evaluationFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, p := range goldenSets {
		m, err := filepath.Glob(p)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if _, err := os.Stat(goldenDevSet); err == nil {
		files = append(files, goldenDevSet)
	}
	return files
}

// goldenQuestions reads the questions of every evaluation set, each once, in
// a stable order.
func goldenQuestions(t *testing.T) []string {
	t.Helper()
	files := evaluationFiles(t)
	seen := map[string]bool{}
	var qs []string
	for _, q := range goldenExtra {
		if !seen[q] {
			seen[q] = true
			qs = append(qs, q)
		}
	}
	for _, f := range files {
		cases, err := evaluation.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			if !seen[c.Q] {
				seen[c.Q] = true
				qs = append(qs, c.Q)
			}
		}
	}
	if len(qs) < 1000 {
		t.Fatalf("only %d questions in %v", len(qs), files)
	}
	return qs
}

func readGolden(t *testing.T) []goldenCase {
	t.Helper()
	f, err := os.Open(goldenFile)
	if err != nil {
		t.Fatalf("%v (generate it: go test ./knowledge/ -run TestAskGolden -update-golden)", err)
	}
	defer f.Close()
	var out []goldenCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		var g goldenCase
		if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
			t.Fatalf("%s:%d: %v", goldenFile, len(out)+1, err)
		}
		out = append(out, g)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAskGolden asks every golden question (with each provider filter) and
// compares the whole result with the golden file; every question of the
// evaluation sets present must be in it.
func TestAskGolden(t *testing.T) {
	kb, err := knowledge.Open(context.Background(), knowledge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if *updateGolden {
		var sb strings.Builder
		for i, q := range goldenQuestions(t) {
			providers := []string{""}
			if i%goldenProviderEvery == 0 {
				providers = append(providers, goldenProvider)
			}
			for _, p := range providers {
				line, err := json.Marshal(askGolden(kb, q, p))
				if err != nil {
					t.Fatal(err)
				}
				sb.Write(line)
				sb.WriteByte('\n')
			}
		}
		if err := os.WriteFile(goldenFile, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", goldenFile)
		return
	}
	golden := readGolden(t)
	have := map[string]bool{}
	diffs := 0
	for _, want := range golden {
		have[want.Q] = true
		got := askGolden(kb, want.Q, want.Provider)
		if !equalGolden(got, want) {
			diffs++
			if diffs <= 20 {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				t.Errorf("question %q (provider %q) answered differently:\n got %s\nwant %s", want.Q, want.Provider, g, w)
			}
		}
	}
	if diffs > 0 {
		t.Errorf("%d of %d golden questions answered differently; if the change is meant to alter answers, regenerate: go test ./knowledge/ -run TestAskGolden -update-golden", diffs, len(golden))
	}
	for _, q := range goldenQuestions(t) {
		if !have[q] {
			t.Errorf("evaluation question %q is not in %s; regenerate it: go test ./knowledge/ -run TestAskGolden -update-golden", q, goldenFile)
		}
	}
}

func equalGolden(a, b goldenCase) bool {
	return a.Q == b.Q && a.Provider == b.Provider && a.Language == b.Language &&
		a.NoAnswer == b.NoAnswer && a.Reason == b.Reason && a.Confidence == b.Confidence &&
		slices.EqualFunc(a.Answers, b.Answers, slices.Equal)
}
