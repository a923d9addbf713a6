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

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
