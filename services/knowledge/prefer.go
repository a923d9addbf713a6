package knowledge

// preferTolerance is how close (as a share of the best confidence) an answer
// from a preferred entry must come to count as a tie it wins.
const preferTolerance = 0.03

// preferTies moves the best answer from a preferred entry (Entry.Prefer, a
// team's own runbook) to the top when it ties with the best answer: a team's
// procedure answers first in its own domain, but never beats a clearly
// better match.
func preferTies(answers []Answer, preferred func(id string) bool) {
	if len(answers) < 2 || preferred(answers[0].ID) {
		return
	}
	best := answers[0].Confidence
	for i := 1; i < len(answers); i++ {
		if answers[i].Confidence < best*(1-preferTolerance) {
			return
		}
		if preferred(answers[i].ID) {
			a := answers[i]
			copy(answers[1:i+1], answers[:i])
			answers[0] = a
			return
		}
	}
}
