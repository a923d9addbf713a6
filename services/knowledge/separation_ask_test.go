package knowledge_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kubemedic/kubemedic/services/knowledge"
	"github.com/kubemedic/kubemedic/services/knowledge/evaluation"
)

// The separation stage changes confidences only: over the held-out and own
// evaluation sets, every question is refused or answered as without it, with
// the same answers in the same order and the same reason; an answered
// question stays at or above MinConfidence when it was; no runner-up shows
// more confidence than the top answer; and near-ties are lowered while clear
// leads are raised.
func TestSeparationChangesConfidenceOnly(t *testing.T) {
	b, err := knowledge.Open(context.Background(), knowledge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	evidence := knowledge.DefaultTuning()
	evidence.Separation = knowledge.Separation{}
	plain, err := knowledge.New(b.Entries(knowledge.Filter{}), evidence)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, pattern := range []string{"testdata/eval/*.jsonl", "evaluation/testdata/*.jsonl", "evaluation/testdata/english/*.jsonl"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	lowered, raised := 0, 0
	for _, f := range files {
		cases, err := evaluation.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			opts := knowledge.AskOptions{Top: 3, KeepRefused: true}
			got, want := b.Ask(context.Background(), c.Q, opts), plain.Ask(context.Background(), c.Q, opts)
			if got.NoAnswer != want.NoAnswer || got.Reason != want.Reason || len(got.Answers) != len(want.Answers) {
				t.Errorf("%s %s: refusal changed: %v %q, without separation %v %q", f, c.ID, got.NoAnswer, got.Reason, want.NoAnswer, want.Reason)
				continue
			}
			for i := range got.Answers {
				if got.Answers[i].ID != want.Answers[i].ID {
					t.Errorf("%s %s: answer %d is %s, without separation %s", f, c.ID, i, got.Answers[i].ID, want.Answers[i].ID)
				}
				if i > 0 && got.Answers[i].Confidence > got.Answers[0].Confidence {
					t.Errorf("%s %s: runner-up %s at %v above the top answer's %v", f, c.ID, got.Answers[i].ID, got.Answers[i].Confidence, got.Answers[0].Confidence)
				}
			}
			if got.NoAnswer {
				if got.Confidence != want.Confidence {
					t.Errorf("%s %s: refused at %v, without separation %v", f, c.ID, got.Confidence, want.Confidence)
				}
				continue
			}
			if want.Confidence >= knowledge.DefaultMinConfidence && got.Confidence < knowledge.DefaultMinConfidence {
				t.Errorf("%s %s: answered at %v, below MinConfidence (without separation %v)", f, c.ID, got.Confidence, want.Confidence)
			}
			switch {
			case got.Confidence < want.Confidence:
				lowered++
			case got.Confidence > want.Confidence:
				raised++
			}
		}
	}
	if lowered == 0 || raised == 0 {
		t.Errorf("separation lowered %d and raised %d answers; want some of each", lowered, raised)
	}
}

// Asking for fewer answers does not change the ones given: the tie rules and
// the separation stage see at least three ranked answers whatever Top is, so
// Top 1 and Top 2 are a prefix of Top 3, confidences and refusal included.
func TestAskTopIsAPrefix(t *testing.T) {
	b, err := knowledge.Open(context.Background(), knowledge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("evaluation/testdata/english/*.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "testdata/eval/troubleshooting.jsonl", "evaluation/testdata/paraphrase.jsonl")
	checked := 0
	for _, f := range files {
		cases, err := evaluation.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			full := b.Ask(context.Background(), c.Q, knowledge.AskOptions{Top: 3, KeepRefused: true})
			for _, top := range []int{1, 2} {
				got := b.Ask(context.Background(), c.Q, knowledge.AskOptions{Top: top, KeepRefused: true})
				if got.NoAnswer != full.NoAnswer || got.Reason != full.Reason || got.Confidence != full.Confidence {
					t.Errorf("%s %s Top %d: no answer %v %q at %v; Top 3: %v %q at %v", f, c.ID, top, got.NoAnswer, got.Reason, got.Confidence, full.NoAnswer, full.Reason, full.Confidence)
					continue
				}
				if want := min(top, len(full.Answers)); len(got.Answers) != want {
					t.Errorf("%s %s Top %d: %d answers, want %d", f, c.ID, top, len(got.Answers), want)
					continue
				}
				for i, a := range got.Answers {
					if a.ID != full.Answers[i].ID || a.Confidence != full.Answers[i].Confidence {
						t.Errorf("%s %s Top %d answer %d: %s at %v; Top 3: %s at %v", f, c.ID, top, i, a.ID, a.Confidence, full.Answers[i].ID, full.Answers[i].Confidence)
					}
				}
				checked++
			}
		}
	}
	if checked < 500 {
		t.Fatalf("checked %d asks; the evaluation files should give at least 500", checked)
	}
}
