package josa

import "strings"

// Latin names are read the way Korean loanword spelling renders English:
//
//   - Acronyms are spelled letter by letter, so the last letter's Korean
//     name decides (letterEnding): L 엘 and R 알 end in ㄹ, M 엠 and N 엔 in
//     a consonant, every other letter in a vowel (PVC 피브이씨, DNS 디엔에스,
//     vm 브이엠, SQL 에스큐엘). A run is an acronym when it is one letter,
//     ends in two capitals, or has no vowel letter (pvc, dns, grpc).
//   - CamelCase is read by its last word (CrashLoopBackOff → off,
//     StatefulSet → set).
//   - Words (wordEnding): -ng, -m, -n and a silent e after them (name,
//     zone, engine) end in a consonant; -l, -ll and -le end in ㄹ (mysql,
//     pull, scale); vowels, -r, -re and the fricatives and voiced stops
//     (s x z f v h d g) take a vowel, because the loanword adds 으 (redis
//     레디스, nginx 엔진엑스, config 컨피그, pod 파드, server 서버); the
//     voiceless stops k c p t and b keep a final consonant after one short
//     vowel (web 웹, job 잡, set 셋, secret 시크릿, spec 스펙, stack 스택,
//     app 앱) and take 으 after a consonant or a long vowel (test 테스트,
//     port 포트, boot 부트, loop 루프), except the diphthong endings -ook,
//     -oup, -out (webhook 웹훅, group 그룹, timeout 타임아웃).
//   - j and q at the end are unknown.

// letterEnding is how each letter's Korean name ends.
func letterEnding(c byte) Ending {
	switch lower(c) {
	case 'l', 'r':
		return Rieul
	case 'm', 'n':
		return Consonant
	}
	return Vowel
}

// readLatin reads the ASCII letters ending s.
func readLatin(s string) Ending {
	start := len(s)
	for start > 0 && isLetter(s[start-1]) {
		start--
	}
	run := s[start:]
	n := len(run)
	if n == 1 || (isUpper(run[n-1]) && isUpper(run[n-2])) {
		return letterEnding(run[n-1])
	}
	// The last camel-case word: trailing lower-case letters and the capital
	// before them.
	w := n - 1
	for w > 0 && !isUpper(run[w]) {
		w--
	}
	word := strings.ToLower(run[w:])
	if len(word) == 1 || !strings.ContainsAny(word, "aeiouy") {
		return letterEnding(word[len(word)-1])
	}
	return wordEnding(word)
}

// wordEnding reads a lower-case word of two letters or more with a vowel.
func wordEnding(w string) Ending {
	n := len(w)
	last, prev := w[n-1], w[n-2]
	var before byte
	if n >= 3 {
		before = w[n-3]
	}
	switch {
	case strings.HasSuffix(w, "ng"):
		return Consonant
	case last == 'l', strings.HasSuffix(w, "le"):
		return Rieul
	case last == 'm', last == 'n':
		return Consonant
	case last == 'e' && (prev == 'm' || prev == 'n') && isVowel(before):
		return Consonant
	case isVowel(last), last == 'w', last == 'r':
		return Vowel
	case strings.ContainsRune("sxzfvhdg", rune(last)):
		return Vowel
	case strings.ContainsRune("kcptb", rune(last)):
		switch {
		case strings.HasSuffix(w, "ck"), prev == last:
			return Consonant
		case strings.HasSuffix(w, "ook"), strings.HasSuffix(w, "oup"), strings.HasSuffix(w, "out"):
			return Consonant
		case !isVowel(prev):
			return Vowel
		case isVowel(before):
			return Vowel // long vowel: boot, loop, sheet
		}
		return Consonant
	}
	return Unknown
}

func isLetter(c byte) bool { return 'a' <= lower(c) && lower(c) <= 'z' }
func isUpper(c byte) bool  { return 'A' <= c && c <= 'Z' }
func isVowel(c byte) bool  { return strings.IndexByte("aeiouy", c) >= 0 }

func lower(c byte) byte {
	if isUpper(c) {
		return c + 'a' - 'A'
	}
	return c
}
