package knowledge

import (
	"slices"
	"testing"

	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
	"github.com/kubemedic/kubemedic/services/knowledge/korean"
)

// The typo lookup skips candidates by their rune masks and reuses its
// alignment buffers; it must suggest exactly what aligning every candidate
// of a near length suggests.
func TestCorrectionsMatchFullScan(t *testing.T) {
	eng := embedded(t).cur.Load().engine
	d := typoDictOf(t, eng)
	fullScan := func(w string) []string {
		r := korean.Decompose(w)
		limit := fuzzyLimit(len(r))
		var best []string
		bestD := limit + 1
		for n := len(r) - limit; n <= len(r)+limit; n++ {
			for _, cand := range d.byLen[n] {
				if cand.text == w || korean.HasHangul(cand.text) != korean.HasHangul(w) {
					continue
				}
				dist := korean.Distance(w, cand.text)
				switch {
				case dist > min(limit, bestD):
				case dist < bestD:
					bestD, best = dist, []string{cand.text}
				case dist == bestD && len(best) < 3:
					best = append(best, cand.text)
				}
			}
		}
		return best
	}
	words := []string{"팬딩", "낫레디", "kublet", "deploymnet", "ingres", "컨테이나", "레플리카셋트", "configmpa", "노드풀이", "xyzzyq"}
	// Every dictionary word of a few lengths with one letter dropped,
	// doubled or swapped: typos at distance 1 and 2 from real words.
	for n := 4; n <= 12; n += 4 {
		for i, w := range d.byLen[n] {
			if i%9 != 0 {
				continue
			}
			rs := []rune(w.text)
			k := len(rs) / 2
			words = append(words,
				string(slices.Delete(slices.Clone(rs), k, k+1)),
				string(slices.Insert(slices.Clone(rs), k, rs[k])))
			if k+1 < len(rs) {
				sw := slices.Clone(rs)
				sw[k], sw[k+1] = sw[k+1], sw[k]
				words = append(words, string(sw))
			}
		}
	}
	if len(words) < 100 {
		t.Fatalf("only %d test words", len(words))
	}
	found := 0
	for _, w := range words {
		got, want := d.corrections(w), fullScan(w)
		if !slices.Equal(got, want) {
			t.Errorf("corrections(%q) = %q, full scan gives %q", w, got, want)
		}
		if len(want) > 0 {
			found++
		}
	}
	if found < len(words)/2 {
		t.Errorf("only %d of %d typos have corrections: the test words are not typos of dictionary words", found, len(words))
	}
}

// TestTypoOneEditBeatsCompletion: an unknown English word one letter away
// from a known word is read as that word, even when a longer known word
// shares its head (verbosty is verbosity with a letter left out, not a form
// of the completion's word).
func TestTypoOneEditBeatsCompletion(t *testing.T) {
	eng := embedded(t).cur.Load().engine
	d := typoDictOf(t, eng)
	tests := []struct{ typo, want string }{
		{"verbosty", "verbosity"},
	}
	for _, tt := range tests {
		c := d.completion(tt.typo)
		if c == "" || c == tt.want {
			t.Fatalf("completion(%q) = %q: the case no longer tests the choice between completion and correction", tt.typo, c)
		}
		var fuzzy []string
		for _, term := range eng.parse(tt.typo).all {
			if term.Kind == analysis.Fuzzy {
				fuzzy = append(fuzzy, term.Text)
			}
		}
		if !slices.Contains(fuzzy, tt.want) || slices.Contains(fuzzy, c) {
			t.Errorf("%q read as %q, want %q and not the completion %q", tt.typo, fuzzy, tt.want, c)
		}
	}
}
