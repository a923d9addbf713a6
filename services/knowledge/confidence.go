package knowledge

import "math"

// Signals are the evidence that an answer fits a question.
type Signals struct {
	// Coverage is the idf-weighted share of the question's content words the
	// answer covers (by the word, its concept, a correction, its parts or its
	// bigrams), in [0,1].
	Coverage float64
	// Known is the idf-weighted share of the question's content words that the
	// knowledge base or the glossary knows at all, in [0,1]. Words no runbook
	// uses (점심, 비트코인) pull it down.
	Known float64
	// Concepts counts the question words that are glossary concepts: 1 for
	// Kubernetes/cloud vocabulary (파드, 로드밸런서, kubelet…), 0.5 for an
	// everyday IT word (에러, 로그, 비밀번호, 리눅스).
	Concepts float64
	// Score is the BM25F score of the answer.
	Score float64
}

// Calibration is a logistic model from Signals to the probability that the
// answer is right:
//
//	confidence = σ(Bias + Coverage·coverage + Known·known
//	               + Concepts·min(concepts,3)/3 + Score·ln(1+score)/ln 51)
type Calibration struct {
	Bias, Coverage, Known, Concepts, Score float64
}

// DefaultCalibration holds coefficients fitted with `kubemedic kb calibrate`
// on faq-dev plus our own paraphrase, seed-coverage and out-of-domain sets
// (not the held-out runbook-writer sets), label 1 = the top answer is
// correct, wrong answers weighted by evaluation.WrongCost.
func DefaultCalibration() Calibration {
	return Calibration{Bias: -3.44, Coverage: 2.02, Known: 1.42, Concepts: 1.95, Score: 1.13}
}

// Features returns the model inputs for s, in the order of the
// coefficients after Bias.
func (s Signals) Features() [4]float64 {
	return [4]float64{s.Coverage, s.Known, min(s.Concepts, 3) / 3, math.Log1p(max(s.Score, 0)) / math.Log(51)}
}

// Confidence maps signals to [0,1].
func (c Calibration) Confidence(s Signals) float64 {
	f := s.Features()
	z := c.Bias + c.Coverage*f[0] + c.Known*f[1] + c.Concepts*f[2] + c.Score*f[3]
	return 1 / (1 + math.Exp(-z))
}
