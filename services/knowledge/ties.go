package knowledge

import "github.com/kubemedic/kubemedic/services/knowledge/index"

// scoreTie is how close (as a share of the top score) a candidate's score
// must come to the top answer's to count as a tie. Near-duplicate runbooks
// often score within a hundredth of each other, and which of them comes
// first then depends on nothing but the last digits of an idf.
const scoreTie = 0.005

// breakScoreTies orders the answers whose scores tie with the top answer's
// (within scoreTie) by their own confidence, best first: when retrieval
// cannot tell two runbooks apart, the one whose evidence covers more of the
// question answers. hits, sigs and confs are parallel and reordered
// together; answers outside the tie keep their places.
func breakScoreTies(hits []index.Hit, sigs []Signals, confs []float64) {
	n := 1
	for n < len(hits) && hits[n].Score >= hits[0].Score*(1-scoreTie) {
		n++
	}
	// Insertion sort of the tied prefix by confidence; equal confidences
	// keep retrieval's order.
	for i := 1; i < n; i++ {
		for j := i; j > 0 && confs[j] > confs[j-1]; j-- {
			hits[j], hits[j-1] = hits[j-1], hits[j]
			sigs[j], sigs[j-1] = sigs[j-1], sigs[j]
			confs[j], confs[j-1] = confs[j-1], confs[j]
		}
	}
}
