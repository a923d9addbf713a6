package evaluation

import (
	"math"
	"testing"
)

// FitSeparation recovers the coefficients that generated the labels, less
// the log of WrongCost on the bias (wrong answers weigh more, so the fit
// leans toward lower confidences), and refuses samples with one label only.
func TestFitSeparation(t *testing.T) {
	synthetic := func(bias, slope float64) []SeparationSample {
		var out []SeparationSample
		for _, conf := range []float64{0.55, 0.65, 0.75, 0.85, 0.95} {
			for _, closeness := range []float64{0, 0.2, 0.4, 0.6, 0.8, 1} {
				z := math.Log(conf/(1-conf)) + bias + slope*closeness
				right := int(math.Round(100 / (1 + math.Exp(-z))))
				for i := range 100 {
					out = append(out, SeparationSample{Confidence: conf, Closeness: closeness, Correct: i < right})
				}
			}
		}
		return out
	}
	tests := []struct {
		name        string
		samples     []SeparationSample
		bias, slope float64
		wantErr     bool
	}{
		{"near-ties wrong more often", synthetic(1, -3), 1 - math.Log(WrongCost), -3, false},
		{"evidence already calibrated", synthetic(0, 0), -math.Log(WrongCost), 0, false},
		{"all right", []SeparationSample{{0.9, 0, true}, {0.8, 1, true}}, 0, 0, true},
		{"all wrong", []SeparationSample{{0.9, 0, false}}, 0, 0, true},
		{"none", nil, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FitSeparation(tt.samples)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("FitSeparation = %+v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got.Bias-tt.bias) > 0.1 || math.Abs(got.Closeness-tt.slope) > 0.15 {
				t.Errorf("FitSeparation = %+v, want bias %.2f and closeness %.2f", got, tt.bias, tt.slope)
			}
		})
	}
}
