// Package language decides which language the bot answers in. kubemedic's
// users mostly write Korean, some English; every reply is in exactly one of
// the two.
//
// The rule, in order of precedence (Choose):
//
//  1. an explicit option the user typed ("--lang en");
//  2. Hangul in the text: a Korean question gets a Korean reply, whatever
//     the Slack locale says (most Korean users keep Slack's default en-US);
//  3. the Slack user's locale (users.info, e.g. "ko-KR", "en-US");
//  4. the text: two or more English words mean English, anything else
//     ("CrashLoopBackOff", "scale web 3") says nothing;
//  5. the configured default, Korean unless set otherwise.
package language

import (
	"strings"
	"unicode"
)

// The two reply languages.
const (
	Korean  = "ko"
	English = "en"
)

// Parse reads a language the user named: "ko", "kr", "korean", "한국어",
// "en", "english", "영어" (any case). It reports false for anything else.
func Parse(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "ko", "kr", "ko-kr", "korean", "한국어", "한글", "한":
		return Korean, true
	case "en", "en-us", "en-gb", "english", "영어", "영":
		return English, true
	}
	return "", false
}

// FromLocale maps a Slack locale such as "ko-KR" or "en-US" to a reply
// language; other and empty locales give "".
func FromLocale(locale string) string {
	base, _, _ := strings.Cut(strings.ToLower(locale), "-")
	switch base {
	case "ko":
		return Korean
	case "en":
		return English
	}
	return ""
}

// Detect guesses the language of text: Korean when it has any Hangul,
// English when it has at least two words of two or more ASCII letters, ""
// when it cannot tell (a bare error string or a command line).
func Detect(text string) string {
	if HasHangul(text) {
		return Korean
	}
	words := 0
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if len(w) >= 2 && strings.IndexFunc(w, func(r rune) bool { return r > unicode.MaxASCII }) < 0 {
			words++
		}
	}
	if words >= 2 {
		return English
	}
	return ""
}

// Choose applies the precedence rule: explicit, then Hangul in text, then
// locale, then the language detected in text, then fallback ("" fallback
// means Korean). explicit and fallback must be "", Korean or English;
// locale is a Slack locale.
func Choose(explicit, locale, text, fallback string) string {
	hangul := ""
	if HasHangul(text) {
		hangul = Korean
	}
	for _, l := range []string{explicit, hangul, FromLocale(locale), Detect(text), fallback} {
		if l == Korean || l == English {
			return l
		}
	}
	return Korean
}

// HasHangul reports whether s contains a Hangul character.
func HasHangul(s string) bool { return strings.IndexFunc(s, isHangul) >= 0 }

func isHangul(r rune) bool { return unicode.Is(unicode.Hangul, r) }

// Pick returns ko when lang is Korean (or anything but English), en when it
// is English.
func Pick(lang, ko, en string) string {
	if lang == English {
		return en
	}
	return ko
}
