package evaluation

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/kubemedic/kubemedic/services/knowledge"
)

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"bad json", `{"id": "a", "q": `, "x.jsonl:1:"},
		{"unknown field", `{"id": "a", "q": "파드", "mustt": [["x"]]}`, `x.jsonl:1: json: unknown field "mustt"`},
		{"no question", `{"id": "a", "must": [["x"]]}`, `x.jsonl:1: case "a" has no question`},
		{"no expectation", "\n" + `{"id": "a", "q": "파드"}`, `x.jsonl:2: case "a" needs "must" groups`},
		{"empty group", `{"id": "a", "q": "파드", "must": [[]]}`, "must group 1 is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.text), "x.jsonl")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	cases, err := Read(strings.NewReader("# comment\n\n"+`{"q": "파드", "ood": true}`), "x.jsonl")
	if err != nil || len(cases) != 1 || cases[0].ID != "line-3" || cases[0].Line != 3 {
		t.Errorf("Read = %+v, %v", cases, err)
	}
}

func TestCorrect(t *testing.T) {
	a := knowledge.Answer{ID: "x", Title: "파드 Pending", Body: "kubectl describe 로 Events 확인"}
	tests := []struct {
		c    Case
		want bool
	}{
		{Case{Must: [][]string{{"DESCRIBE"}}}, true},
		{Case{Must: [][]string{{"nope", "events"}, {"pending"}}}, true},
		{Case{Must: [][]string{{"describe"}, {"nope"}}}, false},
		{Case{Expect: "x"}, true},
		{Case{Expect: "y", Must: [][]string{{"describe"}}}, false},
	}
	for _, tt := range tests {
		if got := Correct(tt.c, a); got != tt.want {
			t.Errorf("Correct(%+v) = %v, want %v", tt.c, got, tt.want)
		}
	}
}

// fixedAsker returns canned results by question.
type fixedAsker map[string]knowledge.Result

func (f fixedAsker) Ask(_ context.Context, q string, _ knowledge.AskOptions) knowledge.Result {
	return f[q]
}

func TestRunMetrics(t *testing.T) {
	ans := func(ids ...string) knowledge.Result {
		r := knowledge.Result{}
		for _, id := range ids {
			r.Answers = append(r.Answers, knowledge.Answer{ID: id})
		}
		return r
	}
	asker := fixedAsker{
		"q1":  ans("a", "b"),                                            // rank 1
		"q2":  ans("b", "a"),                                            // rank 2
		"q3":  ans("b", "c", "d", "a"),                                  // rank 4: outside MRR@3
		"q4":  {NoAnswer: true, Answers: []knowledge.Answer{{ID: "a"}}}, // refused, but retrieval had it first
		"o1":  {NoAnswer: true},
		"o2":  ans("a"),
		"bad": ans(),
	}
	cases := []Case{
		{ID: "1", Q: "q1", Expect: "a"}, {ID: "2", Q: "q2", Expect: "a"}, {ID: "3", Q: "q3", Expect: "a"},
		{ID: "4", Q: "q4", Expect: "a"}, {ID: "o1", Q: "o1", OOD: true}, {ID: "o2", Q: "o2", OOD: true},
	}
	r := Run(context.Background(), "t", asker, cases)
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if r.InDomain != 4 || r.OOD != 2 {
		t.Fatalf("counts %d/%d", r.InDomain, r.OOD)
	}
	if !near(r.Top1, 0.25) || !near(r.MRR3, (1+0.5)/4) || !near(r.OODRefusal, 0.5) || !near(r.FalseRefusal, 0.25) {
		t.Errorf("metrics top1=%v mrr=%v ood=%v false=%v", r.Top1, r.MRR3, r.OODRefusal, r.FalseRefusal)
	}
	if !near(r.RankTop1, 0.5) || !near(r.RankMRR3, (1+0.5+1)/4) {
		t.Errorf("retrieval-only metrics top1=%v mrr=%v", r.RankTop1, r.RankMRR3)
	}
	if got := len(r.Failures()); got != 4 {
		t.Errorf("%d failures, want 4 (q2, q3, q4, o2)", got)
	}
	var sb strings.Builder
	r.WriteSummary(&sb)
	for _, want := range []string{"top-1 accuracy        0.250", "correct at rank 2", "got no answer", "answered a"} {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, sb.String())
		}
	}
}

// A top answer from the expected runbook whose text lacks a must fact is a
// failure, and the summary says which facts it lacks rather than showing
// the same runbook as got and want.
func TestSummaryNamesMissingFacts(t *testing.T) {
	asker := fixedAsker{"q": {Answers: []knowledge.Answer{{ID: "a", Title: "t", Body: "has region"}}}}
	cases := []Case{{ID: "1", Q: "q", Expect: "a", Must: [][]string{{"regional resource"}, {"BCDR", "continuity"}}}}
	r := Run(context.Background(), "t", asker, cases)
	var sb strings.Builder
	r.WriteSummary(&sb)
	if want := "got a without the facts (must regional resource & BCDR|continuity)"; !strings.Contains(sb.String(), want) {
		t.Errorf("summary lacks %q:\n%s", want, sb.String())
	}
}

func TestVariantsFromStages(t *testing.T) {
	full := knowledge.DefaultTuning()
	v := Variants()
	if len(v) != len(full.Stages)+1 {
		t.Fatalf("%d variants for %d stages, want one per stage plus the baseline", len(v), len(full.Stages))
	}
	if len(v[0].Tuning.Stages) != 0 {
		t.Errorf("first variant is not the whole-word baseline: %v", v[0].Tuning.Stages)
	}
	for i := 1; i < len(v); i++ {
		if got, want := strings.Join(v[i].Tuning.Stages.Names(), ","), strings.Join(full.Stages[:i].Names(), ","); got != want {
			t.Errorf("variant %d %q has stages %s, want %s", i, v[i].Name, got, want)
		}
	}
	if last := v[len(v)-1]; last.Tuning.Stages.String() != full.Stages.String() || last.Tuning.Calibration != full.Calibration ||
		last.Tuning.MinConfidence != full.MinConfidence {
		t.Errorf("last variant %q is not DefaultTuning: %+v", last.Name, last.Tuning)
	}
	loo := LeaveOneOut()
	for i, s := range full.Stages {
		got := loo[i+1].Tuning.Stages.Names()
		if len(got) != len(full.Stages)-1 || slices.Contains(got, s.Name()) {
			t.Errorf("leave-one-out variant %q has stages %v", loo[i+1].Name, got)
		}
	}
}

func TestFitSeparates(t *testing.T) {
	var samples []Sample
	for i := 0; i < 40; i++ {
		x := float64(i) / 40
		samples = append(samples, Sample{Signals: knowledge.Signals{Coverage: x, Known: x, Concepts: float64(i / 10), Score: 30 * x}, Correct: i >= 20})
	}
	cal, err := Fit(samples)
	if err != nil {
		t.Fatal(err)
	}
	lo := cal.Confidence(samples[2].Signals)
	hi := cal.Confidence(samples[37].Signals)
	if lo >= 0.5 || hi <= 0.5 {
		t.Errorf("fitted model does not separate: low %.2f high %.2f (%+v)", lo, hi, cal)
	}
	if _, err := Fit(samples[:10]); err == nil {
		t.Error("Fit accepted samples of one class")
	}
}
