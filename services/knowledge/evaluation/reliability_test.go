package evaluation

import (
	"strings"
	"testing"
)

func TestReliability(t *testing.T) {
	in := func(conf float64, rank int) Outcome {
		return Outcome{Case: Case{ID: "q"}, Confidence: conf, Rank: rank}
	}
	outcomes := []Outcome{
		in(0.95, 1), in(0.92, 1), in(0.91, 2), // 0.9–1.0: 2 of 3 right
		in(0.85, 1), // 0.8–0.9: 1 of 1
		in(0.55, 0), // 0.5–0.6: 0 of 1
		{Case: Case{ID: "ood", OOD: true}, Confidence: 0.81},         // answered out-of-domain: wrong
		{Case: Case{ID: "refused"}, NoAnswer: true, Confidence: 0.3}, // refused: not in the table
	}
	buckets := reliability(outcomes)
	got := map[float64][2]int{}
	for _, b := range buckets {
		got[b.Low] = [2]int{b.Count, b.Correct}
	}
	want := map[float64][2]int{0.5: {1, 0}, 0.6: {0, 0}, 0.7: {0, 0}, 0.8: {2, 1}, 0.9: {3, 2}}
	for low, w := range want {
		if got[low] != w {
			t.Errorf("bucket %.1f: (count, correct) = %v, want %v", low, got[low], w)
		}
	}
	var sb strings.Builder
	Report{Reliability: buckets}.WriteReliability(&sb)
	if !strings.Contains(sb.String(), "≥ 0.8") || !strings.Contains(sb.String(), "0.600") {
		t.Errorf("reliability table lacks the ≥ 0.8 row (5 answers, 3 right):\n%s", sb.String())
	}
}
