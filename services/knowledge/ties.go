package knowledge

import "github.com/kubemedic/kubemedic/services/knowledge/index"

// scoreTie is how close (as a share of the top score) a candidate's score
// must come to the top answer's to count as a tie. Near-duplicate runbooks
// often score within a hundredth of each other, and which of them comes
// first then depends on nothing but the last digits of an idf.
const scoreTie = 0.005

// headTie is how much more of the question (idf-weighted share) one tied
// answer's head must cover than another's to go first on that account.
const headTie = 0.15

// breakScoreTies orders the answers whose scores tie with the top answer's
// (within scoreTie): when retrieval cannot tell two runbooks apart, the one
// whose head (title, example questions, keywords, tags: what it is about)
// covers clearly more of the question answers, and between heads that cover
// about as much, the one with the higher confidence (whose evidence anywhere
// covers more). head gives an answer's head coverage; it is asked only when
// there is a tie. hits, sigs and confs are parallel and reordered together;
// answers outside the tie keep their places. An answer that goes first over
// one with a higher confidence takes that confidence's place no lower: the
// answers it passes show no higher confidence than it.
func breakScoreTies(hits []index.Hit, sigs []Signals, confs []float64, head func(doc int) float64) {
	n := 1
	for n < len(hits) && hits[n].Score >= hits[0].Score*(1-scoreTie) {
		n++
	}
	if n == 1 {
		return
	}
	var headBuf [4]float64
	heads := headBuf[:0]
	for i := range n {
		heads = append(heads, head(hits[i].Doc))
	}
	// before reports whether tied answer i goes before tied answer j.
	before := func(i, j int) bool {
		if d := heads[i] - heads[j]; d > headTie || d < -headTie {
			return d > 0
		}
		return confs[i] > confs[j]
	}
	// Insertion sort of the tied prefix; answers neither before the other
	// keep retrieval's order.
	for i := 1; i < n; i++ {
		for j := i; j > 0 && before(j, j-1); j-- {
			hits[j], hits[j-1] = hits[j-1], hits[j]
			sigs[j], sigs[j-1] = sigs[j-1], sigs[j]
			confs[j], confs[j-1] = confs[j-1], confs[j]
			heads[j], heads[j-1] = heads[j-1], heads[j]
		}
	}
	for i := 1; i < n; i++ {
		confs[i] = min(confs[i], confs[0])
	}
}

// promote moves answer i to the top with confidence c, keeping the order of
// the answers it passes, and caps their confidences at c: an answer put first
// by a tie rule (preferGeneric, preferSymptom) shows the highest confidence
// of the list.
func promote(hits []index.Hit, sigs []Signals, confs []float64, i int, c float64) {
	h, s := hits[i], sigs[i]
	copy(hits[1:i+1], hits[:i])
	copy(sigs[1:i+1], sigs[:i])
	copy(confs[1:i+1], confs[:i])
	hits[0], sigs[0], confs[0] = h, s, c
	for j := 1; j <= i; j++ {
		confs[j] = min(confs[j], c)
	}
}
