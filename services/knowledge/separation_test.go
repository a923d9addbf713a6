package knowledge

import (
	"math"
	"testing"
)

func TestCloseness(t *testing.T) {
	tests := []struct{ score, top, want float64 }{
		{5, 5, 1},        // a tie
		{6, 5, 1},        // a runner-up put second by a tie rule counts as a tie
		{2.5, 5, 0.0625}, // half the score: (1/2)⁴
		{4.5, 5, 0.6561}, // 90%: 0.9⁴
		{0, 5, 0},        // nothing close
		{-1, 5, 0},       // negative scores count as none
		{1, 0, 1},        // no top score: nothing to tell them apart by
	}
	for _, tt := range tests {
		if got := Closeness(tt.score, tt.top); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("Closeness(%v, %v) = %v, want %v", tt.score, tt.top, got, tt.want)
		}
	}
}

func TestSeparationConfidence(t *testing.T) {
	s := Separation{Bias: 2, Closeness: -4}
	logit := func(p float64) float64 { return math.Log(p / (1 - p)) }
	sigma := func(z float64) float64 { return 1 / (1 + math.Exp(-z)) }
	tests := []struct {
		name            string
		sep             Separation
		conf, closeness float64
		want            float64
	}{
		{"zero value keeps the evidence", Separation{}, 0.83, 1, 0.83},
		{"clear lead raises", s, 0.7, 0, sigma(logit(0.7) + 2)},
		{"tie lowers", s, 0.9, 1, sigma(logit(0.9) - 2)},
		{"bias and closeness cancel", s, 0.8, 0.5, 0.8},
		{"certain stays certain", s, 1, 1, 1},
		{"zero stays zero", s, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.sep.Confidence(tt.conf, tt.closeness); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("Confidence(%v, %v) = %v, want %v", tt.conf, tt.closeness, got, tt.want)
			}
		})
	}
}

func TestSeparate(t *testing.T) {
	s := Separation{Bias: 2, Closeness: -4}
	type in struct{ score, conf float64 }
	tests := []struct {
		name    string
		answers []in
		want    []float64
	}{
		{"clear lead raises the top answer, not the runner-ups",
			[]in{{10, 0.7}, {4, 0.28}, {3, 0.2}},
			[]float64{0.94, 0.28, 0.2}}, // σ(logit 0.7 + 2 − 4·0.4⁴)
		{"near-tie lowers the top answer and caps the runner-up under it",
			[]in{{10, 0.9}, {9.9, 0.89}},
			[]float64{0.588, 0.582}}, // σ(logit 0.9 + 2 − 4·0.99⁴); 0.588·0.99
		{"never below the no-answer threshold",
			[]in{{10, 0.6}, {10, 0.6}},
			[]float64{0.5, 0.5}},
		{"answered below the threshold (a named service): unchanged",
			[]in{{10, 0.45}, {10, 0.45}},
			[]float64{0.45, 0.45}},
		{"no runner-up (only one runbook matches): unchanged",
			[]in{{10, 0.9}},
			[]float64{0.9}},
		{"a runner-up put first by a tie rule counts as a tie",
			[]in{{9, 0.9}, {10, 0.9}},
			[]float64{0.549, 0.549}}, // σ(logit 0.9 + 2 − 4)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answers := make([]Answer, len(tt.answers))
			for i, a := range tt.answers {
				answers[i] = Answer{Score: a.score, Confidence: a.conf}
			}
			separate(answers, s, DefaultMinConfidence)
			for i, a := range answers {
				if math.Abs(a.Confidence-tt.want[i]) > 1e-9 {
					t.Errorf("answer %d: confidence %v, want %v", i, a.Confidence, tt.want[i])
				}
			}
		})
	}
}
