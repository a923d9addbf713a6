// Package josa picks Korean particles (조사) after names that are not
// Hangul, the way the name is read aloud.
//
// The model: several Korean particles come in pairs chosen by the sound
// that ends the word before them: 이/가, 을/를, 은/는, 과/와 take the first
// form after a final consonant (받침) and the second after a vowel;
// 으로/로 takes 로 after a vowel or after ㄹ. Kubernetes names mostly end in
// Latin letters or digits (web-1, nginx, pvc-data), so the ending sound comes
// from how a Korean speaker reads them:
//
//   - Hangul: the syllable's final consonant, by Unicode arithmetic
//     ((r-0xAC00) % 28: 0 none, 8 ㄹ).
//   - Digits: the Sino-Korean reading. The last digit for 0 영, 1 일, 3 삼,
//     6 육, 7 칠, 8 팔 (consonant; 1, 7, 8 end in ㄹ) and 2 이, 4 사, 5 오,
//     9 구 (vowel). Trailing zeros name the unit: 10 십, 100 백, 1000 천,
//     10000 만 (all consonants). After a decimal point digits are read one
//     by one.
//   - Latin letters: see latin.go. Acronyms (all capitals, or no vowel
//     letter) are spelled (PVC 피브이씨, vm 브이엠); words follow the
//     loanword spelling rules (web 웹, job 잡, nginx 엔진엑스, config
//     컨피그, server 서버, name 네임, mysql 마이에스큐엘).
//   - % reads 퍼센트.
//
// Closing quotes, backticks and brackets are looked through (`web-1`을), a
// parenthetical after the word is skipped (코드 3(Error)으로, the particle
// follows the word outside the brackets). When the ending cannot be told
// (an unknown letter ending, a symbol, nothing before the particle) the
// paired form stays, as Korean writing does: 이(가), 을(를), 은(는), (으)로,
// 과(와).
//
// Rule texts are written with the paired forms after every name
// ("컨테이너 %s이(가) 종료되었습니다") and passed through Resolve, which
// replaces each paired form whose word it can read.
package josa

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Particle is a pair of particle forms chosen by the preceding sound.
type Particle int

// The particle pairs.
const (
	// IGa is the subject particle 이/가.
	IGa Particle = iota
	// EulReul is the object particle 을/를.
	EulReul
	// EunNeun is the topic particle 은/는.
	EunNeun
	// EuroRo is the instrumental/direction particle 으로/로.
	EuroRo
	// GwaWa is the conjunctive particle 과/와.
	GwaWa
)

// forms lists, per particle: after a consonant, after a vowel, the paired
// form written when the ending is unknown.
var forms = [...]struct{ consonant, vowel, paired string }{
	IGa:     {"이", "가", "이(가)"},
	EulReul: {"을", "를", "을(를)"},
	EunNeun: {"은", "는", "은(는)"},
	EuroRo:  {"으로", "로", "(으)로"},
	GwaWa:   {"과", "와", "과(와)"},
}

// Ending is the sound a word ends with when read aloud.
type Ending int

// Endings.
const (
	// Unknown: the ending cannot be told; paired forms stay.
	Unknown Ending = iota
	// Vowel: no final consonant (가, 를, 는, 로, 와).
	Vowel
	// Consonant: a final consonant other than ㄹ (이, 을, 은, 으로, 과).
	Consonant
	// Rieul: final ㄹ; like a consonant except 으로/로 takes 로.
	Rieul
)

// Pick returns the form of p after a word with ending e.
func Pick(e Ending, p Particle) string {
	f := forms[p]
	switch e {
	case Vowel:
		return f.vowel
	case Rieul:
		if p == EuroRo {
			return f.vowel
		}
		return f.consonant
	case Consonant:
		return f.consonant
	}
	return f.paired
}

// Attach returns word followed by the right form of p.
func Attach(word string, p Particle) string {
	return word + Pick(Read(word), p)
}

// Resolve replaces every paired particle form in text (이(가), 을(를),
// 은(는), (으)로, 과(와)) by the form that fits the word right before it,
// and leaves it paired when that word's ending cannot be told.
func Resolve(text string) string {
	if !strings.Contains(text, ")") {
		return text
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(text); {
		j := strings.IndexByte(text[i:], '(')
		if j < 0 {
			break
		}
		j += i
		start, end, p, ok := pairedAt(text, j)
		if !ok {
			i = j + 1
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(text))
		}
		b.WriteString(text[last:start])
		b.WriteString(Pick(Read(text[:start]), p))
		last, i = end, end
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// pairedAt reports whether the '(' at text[j] belongs to a paired form and
// returns its byte range and particle.
func pairedAt(text string, j int) (start, end int, p Particle, ok bool) {
	for p := range Particle(len(forms)) {
		f := forms[p].paired
		k := strings.IndexByte(f, '(')
		if j-k < 0 || !strings.HasPrefix(text[j-k:], f) {
			continue
		}
		return j - k, j - k + len(f), p, true
	}
	return 0, 0, 0, false
}

// closers are looked through when reading a word: `web-1`을 reads web-1.
const closers = "`\"'”’」』]>"

// Read tells how the end of s sounds when read aloud.
func Read(s string) Ending {
	for s != "" {
		r, n := utf8.DecodeLastRuneInString(s)
		switch {
		case strings.ContainsRune(closers, r):
			s = s[:len(s)-n]
			continue
		case r == ')':
			open := matchingOpen(s)
			if open <= 0 {
				return Unknown
			}
			s = s[:open]
			continue
		case r >= 0xAC00 && r <= 0xD7A3:
			switch (r - 0xAC00) % 28 {
			case 0:
				return Vowel
			case 8:
				return Rieul
			}
			return Consonant
		case r >= '0' && r <= '9':
			return readNumber(s)
		case r == '%':
			return Vowel
		case r < utf8.RuneSelf && unicode.IsLetter(r):
			return readLatin(s)
		}
		return Unknown
	}
	return Unknown
}

// matchingOpen returns the index of the '(' matching the ')' that ends s,
// or -1.
func matchingOpen(s string) int {
	depth := 0
	for i := len(s) - 1; i >= 0; i-- {
		switch s[i] {
		case ')':
			depth++
		case '(':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// digitEnding is how each digit is read on its own (Sino-Korean).
var digitEnding = [10]Ending{
	Consonant, // 0 영
	Rieul,     // 1 일
	Vowel,     // 2 이
	Consonant, // 3 삼
	Vowel,     // 4 사
	Vowel,     // 5 오
	Consonant, // 6 육
	Rieul,     // 7 칠
	Rieul,     // 8 팔
	Vowel,     // 9 구
}

// readNumber reads the digits ending s.
func readNumber(s string) Ending {
	end := len(s)
	start := end
	for start > 0 && s[start-1] >= '0' && s[start-1] <= '9' {
		start--
	}
	run := s[start:end]
	last := run[len(run)-1] - '0'
	decimal := start >= 2 && s[start-1] == '.' && s[start-2] >= '0' && s[start-2] <= '9'
	if decimal || last != 0 {
		return digitEnding[last]
	}
	trimmed := strings.TrimLeft(run, "0")
	if trimmed == "" {
		return digitEnding[0] // 영
	}
	switch zeros := len(trimmed) - len(strings.TrimRight(trimmed, "0")); {
	case zeros < 12: // 십 백 천 만 … 억
		return Consonant
	default: // 조
		return Vowel
	}
}
