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
	xs := make([][]float64, len(samples))
	correct := make([]bool, len(samples))
	for i, s := range samples {
		f := s.Signals.Features()
		xs[i], correct[i] = f[:], s.Correct
	}
	w, ok := fitLogistic(xs, nil, correct, 0.01)
	if !ok {
		return knowledge.Calibration{}, errors.New("calibration needs both correct answers and wrong or out-of-domain ones")
	}
	var slopes [knowledge.NumFeatures]float64
	copy(slopes[:], w[1:])
	return knowledge.CalibrationOf(w[0], slopes), nil
}

// fitLogistic fits a logistic regression of correct on the inputs xs, each
// row with its fixed offset on the logit scale (none when offsets is nil):
// batch gradient descent on the mean log loss, wrong samples weighted by
// WrongCost, an L2 penalty of l2 on the slopes (not the bias). It returns the
// bias and then one slope per input, rounded to two decimals; ok is false
// unless there are both correct and wrong samples.
func fitLogistic(xs [][]float64, offsets []float64, correct []bool, l2 float64) (w []float64, ok bool) {
	pos := 0
	for _, c := range correct {
		if c {
			pos++
		}
	}
	if pos == 0 || pos == len(correct) {
		return nil, false
	}
	const (
		rate  = 0.5
		steps = 4000
	)
	w = make([]float64, 1+len(xs[0])) // bias, then one per input
	g := make([]float64, len(w))
	n := float64(pos) + WrongCost*float64(len(correct)-pos)
	for step := 0; step < steps; step++ {
		clear(g)
		for j, x := range xs {
			z := w[0]
			if offsets != nil {
				z = offsets[j] + w[0]
			}
			for i, v := range x {
				z += w[i+1] * v
			}
			d := 1/(1+math.Exp(-z)) - b2f(correct[j])
			if !correct[j] {
				d *= WrongCost
			}
			g[0] += d
			for i, v := range x {
				g[i+1] += d * v
			}
		}
		w[0] -= rate * g[0] / n
		for i := 1; i < len(w); i++ {
			w[i] -= rate * (g[i]/n + l2*w[i])
		}
	}
	for i := range w {
		w[i] = math.Round(w[i]*100) / 100
	}
	return w, true
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
	xs := make([][]float64, len(samples))
	offsets := make([]float64, len(samples))
	correct := make([]bool, len(samples))
	for i, s := range samples {
		c := min(max(s.Confidence, 1e-6), 1-1e-6)
		xs[i], offsets[i], correct[i] = []float64{s.Closeness}, math.Log(c/(1-c)), s.Correct
	}
	w, ok := fitLogistic(xs, offsets, correct, 0)
	if !ok {
		return knowledge.Separation{}, errors.New("separation needs both correct answers and wrong or out-of-domain ones")
	}
	return knowledge.Separation{Bias: w[0], Closeness: w[1]}, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
