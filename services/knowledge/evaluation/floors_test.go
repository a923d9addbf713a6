package evaluation

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kubemedic/kubemedic/services/knowledge"
)

// devSet is the shared dev sample, relative to this package directory
// (services/knowledge/evaluation → the repository's sibling ../shared).
const devSet = "../../../../shared/eval/faq-dev.jsonl"

// floors are the lowest acceptable scores; they sit a little under what the
// pipeline measures today so that quality cannot silently regress.
type floors struct {
	top1, mrr3, oodRefusal, maxFalseRefusal float64
}

var openKB = sync.OnceValues(func() (*knowledge.Base, error) {
	return knowledge.Open(context.Background(), knowledge.Options{})
})

func checkFloors(t *testing.T, files []string, f floors) {
	t.Helper()
	kb, err := openKB()
	if err != nil {
		t.Fatal(err)
	}
	var cases []Case
	for _, file := range files {
		c, err := ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c...)
	}
	if len(cases) == 0 {
		t.Fatalf("no cases in %v", files)
	}
	r := Run(context.Background(), strings.Join(files, " "), kb, cases)
	var sb strings.Builder
	r.WriteSummary(&sb)
	t.Log("\n" + sb.String())
	if r.InDomain > 0 {
		if r.Top1 < f.top1 {
			t.Errorf("top-1 accuracy %.3f is below the floor %.3f", r.Top1, f.top1)
		}
		if r.MRR3 < f.mrr3 {
			t.Errorf("MRR@3 %.3f is below the floor %.3f", r.MRR3, f.mrr3)
		}
		if r.FalseRefusal > f.maxFalseRefusal {
			t.Errorf("false refusal rate %.3f is above the ceiling %.3f", r.FalseRefusal, f.maxFalseRefusal)
		}
	}
	if r.OOD > 0 && r.OODRefusal < f.oodRefusal {
		t.Errorf("out-of-domain refusal %.3f is below the floor %.3f", r.OODRefusal, f.oodRefusal)
	}
}

// TestFloorsDevSet holds the targets on the shared dev sample.
func TestFloorsDevSet(t *testing.T) {
	if _, err := os.Stat(devSet); err != nil {
		t.Skipf("shared dev set %s not available (../shared is not checked out next to the repository): %v", devSet, err)
	}
	checkFloors(t, []string{devSet}, floors{top1: 0.97, mrr3: 0.97, oodRefusal: 0.90, maxFalseRefusal: 0.03})
}

// TestFloorsHeldOut holds the runbook writers' held-out questions, which the
// retrieval was not tuned on.
func TestFloorsHeldOut(t *testing.T) {
	files, _ := filepath.Glob("../testdata/eval/*.jsonl")
	if len(files) == 0 {
		t.Fatal("no held-out sets in ../testdata/eval")
	}
	checkFloors(t, files, floors{top1: 0.93, mrr3: 0.95, oodRefusal: 0.93, maxFalseRefusal: 0.02})
}

// TestFloorsOwn holds our own paraphrase, seed-coverage and out-of-domain
// sets. The out-of-domain floor went from 0.95 to 0.91 because the set gained
// 67 hard negatives — git, cron, Python, AWS billing, Excel, VPN and Linux
// admin questions that share words with runbooks — of which about one in
// eight is still answered; the original everyday questions are refused 59 of
// 60. The paraphrase set gained 160 symptom-style, English and spacing
// variant questions; its floors still rose from 0.90/0.92.
func TestFloorsOwn(t *testing.T) {
	checkFloors(t, []string{"testdata/paraphrase.jsonl"}, floors{top1: 0.95, mrr3: 0.97, oodRefusal: 1, maxFalseRefusal: 0.02})
	checkFloors(t, []string{"testdata/coverage.jsonl"}, floors{top1: 0.90, mrr3: 0.93, oodRefusal: 1, maxFalseRefusal: 0.03})
	checkFloors(t, []string{"testdata/ood.jsonl"}, floors{oodRefusal: 0.91})
}

// TestFloorsBlind holds the blind set (testdata/blind): 150 questions written
// from the seed documents by someone who saw neither the runbooks nor the
// retrieval code, plus 40 out-of-domain ones (half hard negatives). Nobody
// tunes on it; it measures how answers generalise. Measured when it was
// written: top-1 0.913 / MRR@3 0.927 before the second tuning round, 0.933 /
// 0.942 after, out-of-domain refusal 1.000 both times; 0.967 / 0.972 with
// false refusals 0.007 (from 0.033) after chat endings, term pairs and the
// everyday-phrase rule of the domain gate. The false-refusal floor is the
// issue's target (at most 3%).
func TestFloorsBlind(t *testing.T) {
	checkFloors(t, []string{"../testdata/blind/blind.jsonl"}, floors{top1: 0.93, mrr3: 0.95, oodRefusal: 0.95, maxFalseRefusal: 0.03})
}

// TestFloorsEnglish holds our own English questions and hard negatives
// (testdata/english), written before the English retrieval and refusal work
// and kept out of calibration. Measured: top-1 0.954 / MRR@3 0.967, false
// refusals 0, hard negatives refused 1.000; the floors are the issue's
// targets (top-1 0.93, MRR@3 0.95, hard negatives 95%, false refusals 3%).
func TestFloorsEnglish(t *testing.T) {
	checkFloors(t, []string{"testdata/english/questions.jsonl"}, floors{top1: 0.93, mrr3: 0.95, oodRefusal: 1, maxFalseRefusal: 0.03})
	checkFloors(t, []string{"testdata/english/hard-negatives.jsonl"}, floors{oodRefusal: 0.95})
	// questions-7: the seventh round's held-out English set (engineers'
	// wording, 20 English hard negatives), measured at top-1 0.807 / MRR@3
	// 0.857, false refusals 0.048, hard negatives refused 0.950 before the
	// round and 0.843 / 0.892, 0.024, 0.950 after it; the floors sit just
	// under the after numbers so that a change which loses its answers is seen.
	// The eighth change (a generic answer within 5% of a provider top answer
	// answers a question naming no provider) raised it to 0.867 / 0.904.
	checkFloors(t, []string{"testdata/english/questions-7.jsonl"}, floors{top1: 0.85, mrr3: 0.89, oodRefusal: 0.95, maxFalseRefusal: 0.03})
	// questions-11: the eleventh round's held-out English set (118 questions
	// over the five seed areas, 16 English hard negatives), measured at top-1
	// 0.788 / MRR@3 0.846, false refusals 0.059, hard negatives refused 1.000
	// before the round and 0.822 / 0.880, 0.042, 1.000 after it; the floors
	// sit just under the after numbers.
	checkFloors(t, []string{"testdata/english/questions-11.jsonl"}, floors{top1: 0.81, mrr3: 0.87, oodRefusal: 0.95, maxFalseRefusal: 0.05})
	// questions-14: the fourteenth round's held-out English probe (112
	// questions over the six runbook areas, mostly on runbooks no earlier
	// English set asks about, 42 English hard negatives), measured at top-1
	// 0.911 / MRR@3 0.940, false refusals 0.018, hard negatives refused 1.000
	// before the round (9cb7129); the floors sit just under those numbers.
	checkFloors(t, []string{"testdata/english/questions-14.jsonl"}, floors{top1: 0.89, mrr3: 0.92, oodRefusal: 0.95, maxFalseRefusal: 0.03})
}

// TestFloorsProbes holds the held-out probe sets (testdata/probes), written
// before the second, third and fourth refusal changes and never tuned on: IT
// questions outside Kubernetes operations that share a word with the
// runbooks, and in-domain questions for the false-refusal side. Measured
// after the fourth change: hard negatives refused 0.975 (hard-negatives-2),
// 0.975 (hard-negatives-3) and 0.933 (hard-negatives-4); false refusals 0 on
// -2 and -3 and 0.067 on -4 (two English questions the confidence model
// scores below MinConfidence); top-1 0.925 / 0.900 / 0.733. The fifth set
// (hard-negatives-5, written before the fifth change, with in-domain
// questions on runbooks no earlier set asked about) measured 0.867 refused,
// 0.150 false refusals and top-1 0.700 before it and 0.967, 0.125 and 0.725
// after; its floors hold the after numbers with one question of margin. The
// sixth set (hard-negatives-6, written before the sixth change: SRE wordings,
// Hangul spellings of product names) measured 0.900 refused, 0.130 false
// refusals and top-1 0.759 before it and 0.900, 0.111 and 0.796 after; its
// floors too hold the after numbers with one question of margin. The seventh
// set (hard-negatives-7, written before the seventh change: other clustered,
// messaging, secret-store and cloud-console systems, office IT; in-domain
// questions on rarely asked runbooks) measured 0.867 refused, no false
// refusals and top-1 0.975 before it and 0.883, 0 and 0.975 after; the
// seventh change also raised -4 to 0.967 and -5 to 0.983 refused. The
// floors hold the after numbers with one question of margin. The eighth set
// (common-questions, written before the eighth change: short generic
// questions naming no provider, eleven of them common questions no runbook
// covers, and fifteen naming AKS, TKE or NKS) measured top-1 0.753, MRR@3
// 0.826, 3 of 11 uncovered questions refused and false refusals 0.022 before
// it and 0.764, 0.831, 3 of 11 and 0.022 after; its floors hold the after
// numbers with one question of margin. The tenth set (hard-negatives-8,
// written before the tenth change: other orchestrators and PaaS, cloud VM
// consoles, Linux server administration, databases' own replication; in-domain
// questions naming a vendor next to a Kubernetes thing) measured 0.680
// refused, no false refusals and top-1 0.900 before it and 0.860, 0 and
// 0.900 after; the tenth change also raised -6 to 0.960 and -7 to 0.983
// refused. The floors hold the after numbers with one question of margin.
func TestFloorsProbes(t *testing.T) {
	checkFloors(t, []string{"testdata/probes/common-questions.jsonl"}, floors{top1: 0.75, mrr3: 0.82, oodRefusal: 0.18, maxFalseRefusal: 0.034})
	checkFloors(t, []string{"testdata/probes/hard-negatives-2.jsonl"}, floors{top1: 0.875, mrr3: 0.925, oodRefusal: 0.95, maxFalseRefusal: 0.03})
	checkFloors(t, []string{"testdata/probes/hard-negatives-3.jsonl"}, floors{top1: 0.875, mrr3: 0.925, oodRefusal: 0.95, maxFalseRefusal: 0.03})
	checkFloors(t, []string{"testdata/probes/hard-negatives-4.jsonl"}, floors{top1: 0.70, mrr3: 0.78, oodRefusal: 0.95, maxFalseRefusal: 0.07})
	checkFloors(t, []string{"testdata/probes/hard-negatives-5.jsonl"}, floors{top1: 0.70, mrr3: 0.775, oodRefusal: 0.965, maxFalseRefusal: 0.15})
	checkFloors(t, []string{"testdata/probes/hard-negatives-6.jsonl"}, floors{top1: 0.77, mrr3: 0.82, oodRefusal: 0.94, maxFalseRefusal: 0.13})
	checkFloors(t, []string{"testdata/probes/hard-negatives-7.jsonl"}, floors{top1: 0.95, mrr3: 0.96, oodRefusal: 0.965, maxFalseRefusal: 0.03})
	checkFloors(t, []string{"testdata/probes/hard-negatives-8.jsonl"}, floors{top1: 0.875, mrr3: 0.93, oodRefusal: 0.84, maxFalseRefusal: 0.03})
}
