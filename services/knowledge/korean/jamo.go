package korean

import "golang.org/x/text/unicode/norm"

// Decompose returns s in Unicode canonical decomposition (NFD), as runes:
// every Hangul syllable becomes its conjoining jamo (initial, medial and,
// when present, final consonant: 팬 → ᄑ ᅢ ᆫ), so that edit distances over
// the result count a wrong vowel as one edit. Latin letters without marks are
// kept as they are.
func Decompose(s string) []rune {
	return AppendDecomposed(nil, s)
}

// AppendDecomposed appends Decompose(s) to dst. Text of ASCII and Hangul
// syllables only (most words) is decomposed by the syllable arithmetic of
// the Unicode standard (§3.12) without the normaliser's tables: ASCII is
// its own NFD and no rune of such text reorders.
func AppendDecomposed(dst []rune, s string) []rune {
	if !nfkcStable(s) {
		return append(dst, []rune(norm.NFD.String(s))...)
	}
	for _, r := range s {
		if !IsHangul(r) {
			dst = append(dst, r)
			continue
		}
		i := r - 0xAC00
		dst = append(dst, 0x1100+i/588, 0x1161+i%588/28)
		if t := i % 28; t > 0 {
			dst = append(dst, 0x11A7+t)
		}
	}
	return dst
}

// Distance is the optimal-string-alignment edit distance (insertions,
// deletions, substitutions and adjacent transpositions, each costing 1) between
// the jamo decompositions of a and b. For Latin text it is the ordinary
// Damerau–Levenshtein distance over letters; for Hangul a wrong vowel (팬딩 vs
// 펜딩) or a missing final consonant costs 1 rather than a whole syllable.
// No maintained Go module offers an OSA distance with an early cut-off over
// runes, which the fuzzy lookup needs to stay fast; hence this small one.
func Distance(a, b string) int {
	return distance(Decompose(a), Decompose(b), -1)
}

// Within reports whether Distance(a, b) <= limit, stopping early once the
// limit is exceeded. It is the cheap check for fuzzy lookups.
func Within(a, b []rune, limit int) bool {
	return distance(a, b, limit) <= limit
}

// Aligner computes bounded distances between decomposed words, reusing its
// buffers from one call to the next, so that a fuzzy lookup comparing a word
// with thousands of candidates allocates once. The zero value is ready to
// use; an Aligner is not safe for concurrent use.
type Aligner struct {
	rows []int
}

// Within returns the OSA distance of a and b (as Distance, over runes that
// are already decomposed) and true when it is at most limit (>= 0), or
// limit+1 and false, stopping early once the limit is exceeded.
func (al *Aligner) Within(a, b []rune, limit int) (int, bool) {
	if n := 3 * (len(b) + 1); cap(al.rows) < n {
		al.rows = make([]int, n)
	}
	d := al.distance(a, b, limit)
	return d, d <= limit
}

// distance computes the OSA distance; with limit >= 0 it returns limit+1 as
// soon as every cell of a row exceeds the limit.
func distance(a, b []rune, limit int) int {
	al := Aligner{rows: make([]int, 3*(len(b)+1))}
	return al.distance(a, b, limit)
}

// distance is the package function distance over al.rows, which holds at
// least 3·(len(b)+1) ints.
func (al *Aligner) distance(a, b []rune, limit int) int {
	if limit >= 0 {
		d := len(a) - len(b)
		if d < 0 {
			d = -d
		}
		if d > limit {
			return limit + 1
		}
	}
	if len(a) == 0 {
		return len(b)
	}
	if len(b) == 0 {
		return len(a)
	}
	w := len(b) + 1
	prev2, prev, cur := al.rows[:w:w], al.rows[w:2*w:2*w], al.rows[2*w:3*w:3*w]
	clear(prev2)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if limit >= 0 && rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
