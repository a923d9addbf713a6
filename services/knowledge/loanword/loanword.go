// Package loanword reads Hangul spellings of Latin words, the way Korean
// chat writes product names and acronyms it does not type in Latin letters.
//
// Two spellings are common. An acronym is spelled by its letter names
// (LetterReadings: 피브이씨 → pvc, 에이케이에스 → aks, and 코어디엔에스 ends in
// 디엔에스 → dns); the names are an embedded data file (data/letters.txt).
// A name is spelled by its sound, following the loanword habits of Korean
// (Key: 콘트랙 and conntrack, 쿠브버트 and kubevirt, 코넥티비티 and
// konnectivity share the key KNTLK, KPT, KNKTPT): consonants fall into the
// classes a Hangul spelling keeps apart — k/g/c/q, t/d, p/b/f/v, s/z/j/ch/sh/th,
// l/r, m, n — vowels, h and w leave no trace, an r before a consonant or at
// the end is silent (server → 서버) and a repeated class counts once.
// Spelling brings the vowels back, for choosing between words with one key
// (calico and clock are both KLK; 칼리코 spells calico).
//
// The package only reads; which Latin words a reading may be (the runbooks'
// vocabulary) is the caller's business.
package loanword

import (
	"bufio"
	_ "embed"
	"strings"
	"unicode/utf8"
)

//go:embed data/letters.txt
var lettersData string

// names maps each Hangul letter name to the Latin letters it names.
var names, maxName = parseLetters(lettersData)

func parseLetters(data string) (map[string][]byte, int) {
	m := map[string][]byte{}
	longest := 0
	sc := bufio.NewScanner(strings.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f[0]) != 1 || f[0][0] < 'a' || f[0][0] > 'z' {
			panic("loanword: data/letters.txt: bad letter " + f[0])
		}
		for _, n := range f[1:] {
			m[n] = append(m[n], f[0][0])
			longest = max(longest, utf8.RuneCountInString(n))
		}
	}
	return m, longest
}

// MinLetterSyllables is the fewest syllables a letter-name spelling must
// have: two-syllable ones (디비, 아이) are as often Korean words or pieces of
// them.
const MinLetterSyllables = 3

// maxReadings caps the readings of one spelling (ambiguous names multiply).
const maxReadings = 8

// LetterReadings returns the Latin readings, among those known accepts, of
// the longest tail of a Hangul word that is spelled by letter names, has at
// least MinLetterSyllables syllables and has such a reading (the whole word
// when it all is: 피브이씨 → pvc; 코어디엔에스 → dns), or nil. A name may name
// two letters (지: g or z), so there may be several readings, in a fixed
// order.
func LetterReadings(word string, known func(latin string) bool) []string {
	if !HasLetterTail(word) {
		return nil
	}
	syl := []rune(word)
	for start := 0; start+MinLetterSyllables <= len(syl); start++ {
		var all []string
		spell(syl[start:], nil, &all)
		var out []string
		for _, l := range all {
			if known(l) {
				out = append(out, l)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

// HasLetterTail reports, without allocating, whether a word ends in at least
// MinLetterSyllables syllables of letter names (most Korean words do not, so
// LetterReadings has nothing to do).
func HasLetterTail(word string) bool {
	// ok[i] says that word[i:] is letter names only; Hangul syllables are
	// three bytes long in UTF-8.
	const syllable = 3
	var buf [64]bool
	if len(word) >= len(buf) {
		return false
	}
	ok := buf[:len(word)+1]
	ok[len(word)] = true
	misses := 0 // positions in a row that are no start of letter names
	for i := len(word) - syllable; i >= 0 && misses < maxName; i -= syllable {
		misses++
		for n := 1; n <= maxName && i+n*syllable <= len(word); n++ {
			if ok[i+n*syllable] && len(names[word[i:i+n*syllable]]) > 0 {
				ok[i], misses = true, 0
				break
			}
		}
		if ok[i] && len(word)-i >= MinLetterSyllables*syllable {
			return true
		}
	}
	return false
}

// spell appends to out every reading of syl as a sequence of letter names,
// after the letters read so far.
func spell(syl []rune, read []byte, out *[]string) {
	if len(*out) >= maxReadings {
		return
	}
	if len(syl) == 0 {
		*out = append(*out, string(read))
		return
	}
	for n := 1; n <= maxName && n <= len(syl); n++ {
		for _, l := range names[string(syl[:n])] {
			spell(syl[n:], append(read, l), out)
		}
	}
}

// Consonant classes of a key.
const (
	classK = 'K'
	classT = 'T'
	classP = 'P'
	classS = 'S'
	classL = 'L'
	classM = 'M'
	classN = 'N'
)

// Hangul jamo of a syllable by index (Unicode §3.12).
var (
	initialClass = [19]byte{classK, classK, classN, classT, classT, classL, classM, classP, classP, classS, classS, 0, classS, classS, classS, classK, classT, classP, 0}
	finalClass   = [28]byte{0, classK, classK, classK, classN, classN, classN, classT, classL, classK, classM, classL, classL, classL, classP, classL, classM, classP, classP, classT, classT, classN, classT, classT, classK, classT, classP, classT}
	// Vowels as a Latin spelling writes them; ㅡ is the vowel Korean adds
	// between consonants (스, 트, 프) and spells nothing.
	medialSpelling = [21]string{"a", "e", "ya", "ye", "o", "e", "yo", "ye", "o", "wa", "we", "oe", "yo", "u", "wo", "we", "wi", "yu", "", "ui", "i"}
)

// Key returns the consonant skeleton of a Hangul or Latin word (see the
// package documentation), or "" for a word of neither script only.
func Key(word string) string {
	k, _ := read(word, false)
	return k
}

// AppendHangulKey appends the key of a word of Hangul syllables (others are
// skipped) to dst: Key without allocating, for the question path.
func AppendHangulKey(dst []byte, word string) []byte {
	n0 := len(dst)
	push := func(c byte) {
		if c != 0 && (len(dst) == n0 || dst[len(dst)-1] != c) {
			dst = append(dst, c)
		}
	}
	for _, r := range word {
		if r < 0xAC00 || r > 0xD7A3 {
			continue
		}
		s := r - 0xAC00
		push(initialClass[s/588])
		push(finalClass[s%28])
	}
	return dst
}

// Spelling returns a word's loose spelling: its key's consonant classes with
// the vowels between them, for telling apart words with one key by edit
// distance.
func Spelling(word string) string {
	_, s := read(word, true)
	return s
}

func read(word string, vowels bool) (key, spelling string) {
	var b []byte
	push := func(c byte) {
		if c == 0 {
			return
		}
		if n := len(b); n > 0 && b[n-1] == c {
			return
		}
		b = append(b, c)
	}
	vowel := func(v string) {
		if vowels && v != "" {
			b = append(b, v...)
		}
	}
	rs := []rune(word)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r >= 0xAC00 && r <= 0xD7A3 {
			s := r - 0xAC00
			push(initialClass[s/588])
			vowel(medialSpelling[s%588/28])
			push(finalClass[s%28])
			continue
		}
		if r < 'a' || r > 'z' {
			continue
		}
		next := func(k int) rune {
			if i+k < len(rs) {
				return rs[i+k]
			}
			return 0
		}
		switch r {
		case 'a', 'e', 'i', 'o', 'u':
			vowel(string(r))
		case 'y':
			vowel("i") // busybox → 비지박스
		case 'h', 'w':
		case 'b', 'p', 'f', 'v':
			if r == 'p' && next(1) == 'h' {
				i++
			}
			push(classP)
		case 'd':
			push(classT)
		case 't':
			switch {
			case next(1) == 'h':
				i++
				push(classS)
			case next(1) == 'c' && next(2) == 'h':
				// switch → 스위치: the t of tch is not written.
			default:
				push(classT)
			}
		case 'c':
			switch {
			case next(1) == 'h':
				i++
				push(classS)
			case next(1) == 'k':
				i++
				push(classK)
			case next(1) == 'e' || next(1) == 'i' || next(1) == 'y':
				push(classS)
			default:
				push(classK)
			}
		case 'g':
			if next(1) == 'e' || next(1) == 'i' || next(1) == 'y' {
				push(classS)
			} else {
				push(classK)
			}
		case 'k', 'q':
			push(classK)
		case 'x':
			push(classK)
			push(classS)
		case 's':
			if next(1) == 'h' {
				i++
			}
			push(classS)
		case 'j', 'z':
			push(classS)
		case 'l':
			push(classL)
		case 'r':
			// server → 서버: an r after a vowel and before a consonant or
			// at the end is not written.
			if n := next(1); i > 0 && isVowel(rs[i-1]) && (n == 0 || !isVowel(n)) {
				continue
			}
			push(classL)
		case 'm':
			push(classM)
		case 'n':
			push(classN)
		}
	}
	if vowels {
		return "", string(b)
	}
	return string(b), ""
}

func isVowel(r rune) bool { return strings.ContainsRune("aeiouy", r) }
