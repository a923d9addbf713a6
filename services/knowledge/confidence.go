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
//
// It is fitted on top answers (is the top answer right?). A runner-up's
// confidence is the model's estimate for its own signals scaled by its score
// relative to the top answer's (RunnerUp): one question has one best runbook,
// and a runner-up well behind it is less likely to be that runbook even when
// it covers the same words.
type Calibration struct {
	Bias, Coverage, Known, Concepts, Score float64
}

// DefaultCalibration holds coefficients fitted with `kubemedic kb calibrate`
// on faq-dev plus our own paraphrase, seed-coverage and out-of-domain sets
// (not the held-out runbook-writer sets), label 1 = the top answer is
// correct, wrong answers weighted by evaluation.WrongCost.
func DefaultCalibration() Calibration {
	return Calibration{Bias: -3.59, Coverage: 2.00, Known: 1.48, Concepts: 1.96, Score: 1.26}
}

// NumFeatures is the number of model inputs (Signals.Features).
const NumFeatures = 4

// Features returns the model inputs for s, in the order of the
// coefficients after Bias.
func (s Signals) Features() [NumFeatures]float64 {
	return [NumFeatures]float64{s.Coverage, s.Known, min(s.Concepts, 3) / 3, math.Log1p(max(s.Score, 0)) / math.Log(51)}
}

// Weights returns the coefficients after Bias, in the order of Features.
func (c Calibration) Weights() [NumFeatures]float64 {
	return [NumFeatures]float64{c.Coverage, c.Known, c.Concepts, c.Score}
}

// CalibrationOf builds a Calibration from a bias and the weights in the order
// of Features.
func CalibrationOf(bias float64, w [NumFeatures]float64) Calibration {
	return Calibration{Bias: bias, Coverage: w[0], Known: w[1], Concepts: w[2], Score: w[3]}
}

// Confidence maps signals to [0,1].
func (c Calibration) Confidence(s Signals) float64 {
	z := c.Bias
	w := c.Weights()
	for i, x := range s.Features() {
		z += w[i] * x
	}
	return 1 / (1 + math.Exp(-z))
}

// RunnerUp is the confidence of an answer ranked below the top one: the
// lower of its own estimate conf and the top answer's topConf, scaled by its
// score relative to the top score, so that a runner-up shows below the top
// answer by as much as retrieval put it behind, and near-ties stay
// near-tied. Its own estimate can exceed the top answer's (it covers more of
// the question's words, but in fields that weigh less); shown above the top
// answer it would say that the list is in the wrong order, which retrieval
// decided on better evidence, so a runner-up never shows more confidence
// than the answer above it.
func RunnerUp(conf, topConf, score, topScore float64) float64 {
	conf = min(conf, topConf)
	if topScore <= 0 || score >= topScore {
		return conf
	}
	return conf * max(score, 0) / topScore
}

// Separation is the second stage of the confidence model: how clearly the
// top answer leads the runner-up. The evidence model (Calibration) scores an
// answer on its own, so a question that two sibling runbooks both cover well
// gets the same high confidence as one where nothing else comes close, while
// in the first case the right runbook is often second. Separation moves the
// top answer's confidence on the logit scale by how close the runner-up's
// score comes to the top score:
//
//	shown = σ(logit(confidence) + Bias + Closeness·closeness)
//
// with closeness = (runner-up score / top score)⁴ (Closeness function),
// 0 for a runner-up far behind and 1 for a tie. Bias is how much more often
// a top answer that leads clearly is right than the evidence alone says;
// Closeness (negative) takes confidence away from near-ties. Both are fitted
// with `kubemedic kb calibrate` on answered questions, over the evidence
// model's confidence, label 1 = the top answer is right.
//
// It only moves a confidence within the answered range: Ask decides refusal
// on the evidence confidence first and never separates an answer below
// MinConfidence nor shows one below it (see separate), so refusals, the
// order of the answers and top-1 are the evidence model's. The zero value
// leaves confidences as the evidence model gives them.
type Separation struct {
	Bias, Closeness float64
}

// DefaultSeparation holds coefficients fitted with `kubemedic kb calibrate`
// over DefaultCalibration on faq-dev, our own paraphrase, seed-coverage and
// out-of-domain sets and the tuning sets (evaluation/testdata/tuning), not
// the held-out English, probe and runbook-writer sets; wrong answers weighted
// by evaluation.WrongCost.
func DefaultSeparation() Separation {
	return Separation{Bias: 2.06, Closeness: -4.34}
}

// Closeness is how close a runner-up's score comes to the top score, in
// [0,1]: (score/topScore)⁴, 1 when it ties or passes it. The fourth power
// keeps runner-ups well behind near 0: on our sets a top answer whose
// runner-up scores under 70% of it is right almost always, and the error
// rate climbs steeply only above 85%.
func Closeness(score, topScore float64) float64 {
	if topScore <= 0 {
		return 1
	}
	r := min(max(score, 0)/topScore, 1)
	r *= r
	return r * r
}

// Confidence is the shown confidence of a top answer whose evidence gives
// conf and whose runner-up is at closeness.
func (s Separation) Confidence(conf, closeness float64) float64 {
	if s == (Separation{}) || conf <= 0 || conf >= 1 {
		return conf
	}
	z := math.Log(conf/(1-conf)) + s.Bias + s.Closeness*closeness
	return 1 / (1 + math.Exp(-z))
}
