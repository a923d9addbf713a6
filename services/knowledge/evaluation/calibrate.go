package evaluation

import (
	"context"
	"errors"
	"math"

	"github.com/kubemedic/kubemedic/services/knowledge"
)

// Sample is one labelled observation for calibration: the signals of the top
// answer and whether that answer is right (for an out-of-domain question,
// never).
type Sample struct {
	Signals knowledge.Signals
	Correct bool
}

// Samples asks every case (keeping refused answers) and labels the top
// answer. Questions with no answer at all are left out: there is nothing to
// calibrate.
func Samples(ctx context.Context, a Asker, cases []Case) []Sample {
	var out []Sample
	for _, c := range cases {
		res := a.Ask(ctx, c.Q, knowledge.AskOptions{Top: 1, KeepRefused: true})
		if len(res.Answers) == 0 {
			continue
		}
		top := res.Answers[0]
		out = append(out, Sample{Signals: top.Signals, Correct: !c.OOD && Correct(c, top)})
	}
	return out
}

// WrongCost is how much more a wrong answer (a wrong top answer, or any
// answer to an out-of-domain question) weighs in Fit than a right one. A
// confident answer from the wrong runbook — an AKS page for a VPN question —
// misleads, while "I don't know" only sends the user elsewhere, so the model
// is fitted to refuse a little earlier than plain maximum likelihood would.
const WrongCost = 1.5

// Fit finds the logistic-regression coefficients that best predict
// Sample.Correct from the signals (batch gradient descent on the mean log
// loss, wrong samples weighted by WrongCost, with a small L2 penalty on the
// slopes), rounded to two decimals.
func Fit(samples []Sample) (knowledge.Calibration, error) {
	pos := 0
	for _, s := range samples {
		if s.Correct {
			pos++
		}
	}
	if pos == 0 || pos == len(samples) {
		return knowledge.Calibration{}, errors.New("calibration needs both correct answers and wrong or out-of-domain ones")
	}
	const (
		l2    = 0.01
		rate  = 0.5
		steps = 4000
	)
	var w [knowledge.NumFeatures + 1]float64 // bias, then one per feature
	n := float64(pos) + WrongCost*float64(len(samples)-pos)
	for step := 0; step < steps; step++ {
		var g [knowledge.NumFeatures + 1]float64
		for _, s := range samples {
			f := s.Signals.Features()
			z := w[0]
			for i, x := range f {
				z += w[i+1] * x
			}
			d := 1/(1+math.Exp(-z)) - b2f(s.Correct)
			if !s.Correct {
				d *= WrongCost
			}
			g[0] += d
			for i, x := range f {
				g[i+1] += d * x
			}
		}
		w[0] -= rate * g[0] / n
		for i := 1; i < len(w); i++ {
			w[i] -= rate * (g[i]/n + l2*w[i])
		}
	}
	r := func(x float64) float64 { return math.Round(x*100) / 100 }
	var slopes [knowledge.NumFeatures]float64
	for i := range slopes {
		slopes[i] = r(w[i+1])
	}
	return knowledge.CalibrationOf(r(w[0]), slopes), nil
}

// SeparationSample is one answered question for fitting the separation
// stage: the evidence confidence of its top answer, how close the
// runner-up's score comes (knowledge.Closeness), and whether the top answer
// is right (for an out-of-domain question, never).
type SeparationSample struct {
	Confidence, Closeness float64
	Correct               bool
}

// SeparationSamples asks every case with the top three answers and keeps the
// ones that are answered at minConfidence or more with a runner-up: the
// answers the separation stage moves. a must show the evidence confidence
// (a knowledge.Base whose Tuning.Separation is the zero value).
func SeparationSamples(ctx context.Context, a Asker, cases []Case, minConfidence float64) []SeparationSample {
	var out []SeparationSample
	for _, c := range cases {
		res := a.Ask(ctx, c.Q, knowledge.AskOptions{Top: 3})
		if res.NoAnswer || len(res.Answers) < 2 || res.Confidence < minConfidence {
			continue
		}
		top := res.Answers[0]
		out = append(out, SeparationSample{
			Confidence: top.Confidence,
			Closeness:  knowledge.Closeness(res.Answers[1].Score, top.Score),
			Correct:    !c.OOD && Correct(c, top),
		})
	}
	return out
}

// FitSeparation finds the separation coefficients that best predict
// SeparationSample.Correct with the evidence confidence's logit as a fixed
// offset (logistic regression over a bias and the closeness, fitted like
// Fit: batch gradient descent, wrong samples weighted by WrongCost), rounded
// to two decimals. Unlike Fit it has no L2 penalty: two coefficients on a
// couple of thousand answers need no shrinking, and shrinking the slope
// toward zero while the bias is free would trade the near-tie penalty for a
// raise of every answer.
func FitSeparation(samples []SeparationSample) (knowledge.Separation, error) {
	pos := 0
	for _, s := range samples {
		if s.Correct {
			pos++
		}
	}
	if pos == 0 || pos == len(samples) {
		return knowledge.Separation{}, errors.New("separation needs both correct answers and wrong or out-of-domain ones")
	}
	const (
		rate  = 0.5
		steps = 4000
	)
	var bias, slope float64
	n := float64(pos) + WrongCost*float64(len(samples)-pos)
	for step := 0; step < steps; step++ {
		var gb, gs float64
		for _, s := range samples {
			c := min(max(s.Confidence, 1e-6), 1-1e-6)
			z := math.Log(c/(1-c)) + bias + slope*s.Closeness
			d := 1/(1+math.Exp(-z)) - b2f(s.Correct)
			if !s.Correct {
				d *= WrongCost
			}
			gb += d
			gs += d * s.Closeness
		}
		bias -= rate * gb / n
		slope -= rate * gs / n
	}
	r := func(x float64) float64 { return math.Round(x*100) / 100 }
	return knowledge.Separation{Bias: r(bias), Closeness: r(slope)}, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
