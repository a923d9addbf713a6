package bot

import (
	"strings"
	"unicode"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// questionLanguage picks the reply language for a question: Korean when it
// has any Hangul, English when it has at least two English words, otherwise
// the default (a bare "CrashLoopBackOff" says nothing about the asker).
func questionLanguage(q, fallback string) string {
	if strings.IndexFunc(q, isHangul) >= 0 {
		return "ko"
	}
	words := 0
	for _, w := range strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if len(w) >= 2 && strings.IndexFunc(w, func(r rune) bool { return r > unicode.MaxASCII }) < 0 {
			words++
		}
	}
	if words >= 2 {
		return "en"
	}
	return fallback
}

// commandLanguage picks the reply language for a command: Korean when it
// has Hangul, otherwise the default (command words are English anyway).
func commandLanguage(text, fallback string) string {
	if strings.IndexFunc(text, isHangul) >= 0 {
		return "ko"
	}
	return fallback
}

func isHangul(r rune) bool { return unicode.Is(unicode.Hangul, r) }

func protoLanguage(lang string) kubemedicv1.Language {
	if lang == "en" {
		return kubemedicv1.Language_LANGUAGE_ENGLISH
	}
	return kubemedicv1.Language_LANGUAGE_KOREAN
}

// tr picks the Korean or English text.
func tr(lang, ko, en string) string {
	if lang == "en" {
		return en
	}
	return ko
}
