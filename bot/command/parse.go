package command

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kubemedic/kubemedic/bot/language"
	"github.com/kubemedic/kubemedic/bot/naming"
)

// MaxQuestionLength is the longest question, in characters, the knowledge
// service accepts.
const MaxQuestionLength = 2000

// Parsed is command text understood: the command and the options typed
// with it.
type Parsed struct {
	Command Command
	// Lang is the reply language asked for with --lang ("ko" or "en"), ""
	// when the text did not say.
	Lang string
}

// Prose returns the natural-language part of the command, the text whose
// language says something about the asker's: the question of an Ask, the
// reason of a Reject, "" for the others (command words and Kubernetes names
// are English in every language).
func (p Parsed) Prose() string {
	switch c := p.Command.(type) {
	case Ask:
		return c.Question
	case Reject:
		return c.Reason
	}
	return ""
}

// UsageError is a malformed command: which subcommand, what was wrong (in
// Korean and English) and, through Spec, how it is written.
type UsageError struct {
	// Spec is the subcommand whose usage was wrong.
	Spec Spec
	// Ko and En say what was wrong.
	Ko, En string
	// Lang is the reply language asked for with --lang, "" when none.
	Lang string
}

// Error implements error (in English).
func (e *UsageError) Error() string {
	return fmt.Sprintf("%s: %s (usage: %s)", e.Spec.Name, e.En, e.Spec.Usage(""))
}

// langSpec documents the --lang option in usage errors.
var langSpec = Spec{Name: "--lang", Args: "ko|en", Ko: "답변 언어를 고릅니다 (명령 앞이나 뒤에)", En: "picks the reply language (before or after the command)", Example: "en"}

// Parse parses the text after the slash command name. Empty text is Help.
// Text whose first word is not a subcommand is an Ask. A malformed
// subcommand gives a *UsageError, except when the text reads like a
// sentence ("drain 하면 파드는 어떻게 되나요?"), which is taken as a question.
// "--lang en" (or "--lang=en") before or after the command picks the reply
// language.
func Parse(text string) (Parsed, error) {
	text, lang, err := cutLangOption(strings.TrimSpace(Unescape(text)))
	if err != nil {
		return Parsed{}, err
	}
	cmd, uerr := parse(text)
	if uerr != nil {
		uerr.Lang = lang
		return Parsed{Lang: lang}, uerr
	}
	return Parsed{Command: cmd, Lang: lang}, nil
}

func parse(text string) (Command, *UsageError) {
	if text == "" {
		return Help{}, nil
	}
	first, rest := cutWord(text)
	spec, ok := Lookup(first)
	if !ok {
		return askFrom(text)
	}
	if spec.parse == nil { // ask: the rest is the question, as typed
		if strings.TrimSpace(rest) == "" {
			return nil, usageErr(spec, problem("질문이 비어 있어요. ask 뒤에 질문을 써 주세요.", "the question is empty: write it after ask."))
		}
		return askFrom(strings.TrimSpace(rest))
	}
	args, p := tokenize(rest)
	if p == nil {
		var cmd Command
		if cmd, p = spec.parse(spec, args); p == nil {
			return cmd, nil
		}
	}
	if looksLikeSentence(text) {
		return askFrom(text)
	}
	return nil, usageErr(spec, p)
}

func usageErr(s Spec, p *Problem) *UsageError {
	return &UsageError{Spec: s, Ko: p.Ko, En: p.En}
}

func askFrom(q string) (Command, *UsageError) {
	if n := utf8.RuneCountInString(q); n > MaxQuestionLength {
		spec, _ := Lookup("ask")
		return nil, usageErr(spec, problem(
			fmt.Sprintf("질문이 너무 길어요 (%d자). %d자 이내로 줄여 주세요.", n, MaxQuestionLength),
			fmt.Sprintf("the question is too long (%d characters): keep it under %d.", n, MaxQuestionLength)))
	}
	return Ask{Question: q}, nil
}

// cutLangOption removes a "--lang X" / "--lang=X" option from the start or
// the end of text. Slack clients often turn "--" into "—", so that works too.
func cutLangOption(text string) (rest, lang string, err error) {
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return text, "", nil
	}
	value, n, ok := langAt(fields, 0)
	if ok {
		text = text[fieldOffset(text, n):]
	} else {
		for _, start := range []int{len(fields) - 1, len(fields) - 2} {
			if start <= 0 {
				continue
			}
			if v, m, found := langAt(fields, start); found && start+m == len(fields) {
				value, ok = v, true
				text = strings.TrimSpace(text[:fieldOffset(text, start)])
				break
			}
		}
	}
	if !ok {
		return text, "", nil
	}
	lang, known := language.Parse(value)
	if !known {
		return "", "", &UsageError{Spec: langSpec,
			Ko: fmt.Sprintf("언어 %s 는 모르는 언어예요: ko 또는 en 을 써 주세요.", naming.Quote(value)),
			En: fmt.Sprintf("unknown language %s: use ko or en.", naming.Quote(value))}
	}
	return text, lang, nil
}

// langAt reports whether fields[i] starts a --lang option, its value and
// how many fields it spans.
func langAt(fields []string, i int) (value string, n int, ok bool) {
	f := fields[i]
	for _, prefix := range []string{"--lang", "—lang", "–lang"} {
		rest, found := strings.CutPrefix(f, prefix)
		if !found {
			continue
		}
		if v, eq := strings.CutPrefix(rest, "="); eq {
			return v, 1, true
		}
		if rest == "" && i+1 < len(fields) {
			return fields[i+1], 2, true
		}
		if rest == "" {
			return "", 1, true
		}
	}
	return "", 0, false
}

// fieldOffset returns the byte offset of the i-th white-space separated
// field of s.
func fieldOffset(s string, i int) int {
	inField, n := false, -1
	for off, r := range s {
		if unicode.IsSpace(r) {
			inField = false
			continue
		}
		if !inField {
			inField = true
			n++
			if n == i {
				return off
			}
		}
	}
	return len(s)
}

// looksLikeSentence reports whether text that failed to parse as a
// subcommand is more likely a question: it has a question mark, or at least
// three words with Hangul in them. No valid command argument contains either.
func looksLikeSentence(text string) bool {
	if strings.ContainsAny(text, "?？") {
		return true
	}
	return len(strings.Fields(text)) >= 3 && language.HasHangul(text)
}

func cutWord(s string) (word, rest string) {
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

func replicas(s string) (int32, *Problem) {
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil && errors.Is(err, strconv.ErrRange), err == nil && n > math.MaxInt32:
		return 0, problem(fmt.Sprintf("레플리카 수 %s 는 너무 커요.", s), fmt.Sprintf("replica count %s is too large.", s))
	case err != nil:
		return 0, problem(
			fmt.Sprintf("레플리카 수 %s 는 숫자가 아니에요. 0 이상의 정수를 써 주세요.", naming.Quote(s)),
			fmt.Sprintf("replica count %s is not a number: use a whole number 0 or more.", naming.Quote(s)))
	case n < 0:
		return 0, problem(
			fmt.Sprintf("레플리카 수는 음수일 수 없어요 (%d).", n),
			fmt.Sprintf("the replica count cannot be negative (%d).", n))
	}
	return int32(n), nil
}

// tokenize splits arguments on white space. Double or single quotes (also
// the typographic ones Slack clients insert) group words; a backslash inside
// double quotes escapes the next character.
func tokenize(s string) ([]string, *Problem) {
	var (
		args    []string
		cur     strings.Builder
		inToken bool
		quote   rune // closing quote while inside quotes
	)
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote != 0:
			switch {
			case r == quote:
				quote = 0
			case r == '\\' && quote == '"' && i+1 < len(rs):
				i++
				cur.WriteRune(rs[i])
			default:
				cur.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote, inToken = r, true
		case r == '“':
			quote, inToken = '”', true
		case r == '‘':
			quote, inToken = '’', true
		case unicode.IsSpace(r):
			if inToken {
				args = append(args, cur.String())
				cur.Reset()
				inToken = false
			}
		default:
			cur.WriteRune(r)
			inToken = true
		}
	}
	if quote != 0 {
		return nil, problem(fmt.Sprintf("따옴표(%c)가 닫히지 않았어요.", quote), fmt.Sprintf("a quote (%c) is not closed.", quote))
	}
	if inToken {
		args = append(args, cur.String())
	}
	return args, nil
}

// Unescape undoes the HTML escaping Slack applies to message and command
// text (&amp; &lt; &gt;).
func Unescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}
