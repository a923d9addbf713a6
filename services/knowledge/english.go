package knowledge

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/kubemedic/kubemedic/services/knowledge/korean"
)

// EnglishSuffix ends the name of a runbook's English body file: the English
// body of <area>/<id>.md lives next to it in <area>/<id>.en.md. That file holds
// only Markdown (no front matter; the fields, title_en included, stay in the
// runbook), with the runbook's "##" headings mapped one-to-one and in the same
// order (Headings), and exactly the same fenced code blocks.
const EnglishSuffix = ".en.md"

// Headings maps the body headings of docs/runbook-format.md to the headings
// of the English body. A Korean heading outside this list (## 주의, ## 완화, …)
// maps to an English heading of the writer's choice at the same position.
var Headings = []struct{ Ko, En string }{
	{"증상", "Symptoms"},
	{"원인", "Cause"},
	{"확인 방법", "How to check"},
	{"해결 방법", "Fix"},
	{"답변", "Answer"},
	{"참고", "Notes"},
}

// englishHeading returns the English heading for a standard Korean one.
func englishHeading(ko string) (string, bool) {
	for _, h := range Headings {
		if h.Ko == ko {
			return h.En, true
		}
	}
	return "", false
}

// ParseEnglish reads the English body of ko from data. name locates problems
// (each a *LoadError) and koName names the runbook file in messages. It
// returns the trimmed body, or "" when the body cannot be used: it has front
// matter, is empty, its "##" headings do not map one-to-one onto ko's, or
// its fenced code blocks differ from ko's (every block of one must appear,
// byte for byte after the fence's indentation, in the other).
func ParseEnglish(name string, data []byte, ko *Entry, koName string) (string, []error) {
	var problems []error
	fail := func(line int, format string, args ...any) {
		problems = append(problems, &LoadError{File: name, Line: line, Err: fmt.Errorf(format, args...)})
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // UTF-8 BOM
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	if strings.HasPrefix(text, "---\n") {
		fail(1, "an English body has no front matter: keep the fields (title_en too) in %s and start this file with its first heading", koName)
		return "", problems
	}
	body := strings.TrimSpace(text)
	if body == "" {
		fail(1, "empty English body: delete the file or write the English version of %s", koName)
		return "", problems
	}
	en, err := scanBody(text, 1)
	if err != nil {
		problems = append(problems, &LoadError{File: name, Line: err.line, Err: err})
		return "", problems
	}
	kb, kerr := scanBody(ko.Body, ko.Origin.BodyLine)
	if kerr != nil { // the runbook itself has an unclosed fence; compare what there is
		kb = kerr.partial
	}

	// Headings: one-to-one, in order.
	if len(en.headings) != len(kb.headings) {
		line := 1
		for i, h := range en.headings {
			if i >= len(kb.headings) || !headingMatches(kb.headings[i].text, h.text) {
				line = h.line
				break
			}
		}
		fail(line, "\"##\" headings do not map one-to-one: the English body has %d (%s), %s has %d (%s)", len(en.headings), headingList(en.headings), koName, len(kb.headings), headingList(kb.headings))
	} else {
		for i, h := range en.headings {
			k := kb.headings[i]
			if headingMatches(k.text, h.text) {
				continue
			}
			if want, ok := englishHeading(k.text); ok {
				fail(h.line, "heading %q is not allowed here: %s:%d \"## %s\" maps to \"## %s\" (allowed: %s)", h.text, koName, k.line, k.text, want, englishList())
			} else {
				fail(h.line, "heading %q is not English: write the English for %s:%d \"## %s\"", h.text, koName, k.line, k.text)
			}
		}
	}

	// Code blocks: the same set on both sides.
	enCode := map[string]bool{}
	for _, c := range en.code {
		enCode[c.text] = true
	}
	koCode := map[string]bool{}
	for _, c := range kb.code {
		koCode[c.text] = true
		if !enCode[c.text] {
			fail(1, "code block of %s:%d is missing or changed in the English body (commands must match exactly): %s", koName, c.line, firstLine(c.text))
			enCode[c.text] = true // report a repeated block once
		}
	}
	for _, c := range en.code {
		if !koCode[c.text] {
			fail(c.line, "code block is not in %s (commands must match the Korean body exactly): %s", koName, firstLine(c.text))
			koCode[c.text] = true
		}
	}
	if len(problems) > 0 {
		return "", problems
	}
	return body, nil
}

// headingMatches reports whether en is a valid English heading for the
// Korean heading ko: the mapped one for a standard heading, any English text
// for the others.
func headingMatches(ko, en string) bool {
	if want, ok := englishHeading(ko); ok {
		return en == want
	}
	return en != "" && strings.IndexFunc(en, korean.IsHangul) < 0
}

func englishList() string {
	var parts []string
	for _, h := range Headings {
		parts = append(parts, h.En)
	}
	return strings.Join(parts, ", ")
}

func headingList(hs []heading) string {
	var parts []string
	for _, h := range hs {
		parts = append(parts, h.text)
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func firstLine(s string) string {
	line, _, more := strings.Cut(s, "\n")
	if len(line) > 60 {
		line = line[:60]
		more = true
	}
	if more {
		line += " …"
	}
	return fmt.Sprintf("%q", line)
}

type heading struct {
	text string
	line int
}

type codeBlock struct {
	text string // content lines without the fence's indentation, trailing blanks trimmed
	line int    // line of the opening fence
}

type bodyParts struct {
	headings []heading
	code     []codeBlock
}

type scanError struct {
	line    int
	msg     string
	partial bodyParts
}

func (e *scanError) Error() string { return e.msg }

// scanBody finds the "##" headings outside code and the fenced code blocks of
// a Markdown body whose first line is line first of its file.
func scanBody(text string, first int) (bodyParts, *scanError) {
	var out bodyParts
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		raw := lines[i]
		indent, char, n, _ := fence(raw)
		if n == 0 {
			if t, ok := strings.CutPrefix(strings.TrimRight(raw, " \t")+" ", "## "); ok {
				out.headings = append(out.headings, heading{text: strings.TrimSpace(t), line: first + i})
			}
			continue
		}
		start := i
		var content []string
		closed := false
		for i++; i < len(lines); i++ {
			if _, c, m, rest := fence(lines[i]); m >= n && c == char && strings.TrimSpace(rest) == "" {
				closed = true
				break
			}
			content = append(content, strings.TrimRight(dedent(lines[i], indent), " \t"))
		}
		if !closed {
			return out, &scanError{line: first + start, msg: fmt.Sprintf("code block opened here is never closed: add a closing %s line", strings.Repeat(string(char), n)), partial: out}
		}
		out.code = append(out.code, codeBlock{text: strings.Join(content, "\n"), line: first + start})
	}
	return out, nil
}

// fence parses a fence line: its indentation, fence character, run length
// (0 when the line is not a fence) and info string.
func fence(line string) (indent int, char byte, n int, info string) {
	for indent < len(line) && line[indent] == ' ' {
		indent++
	}
	rest := line[indent:]
	if len(rest) < 3 || rest[0] != '`' && rest[0] != '~' {
		return 0, 0, 0, ""
	}
	char = rest[0]
	for n < len(rest) && rest[n] == char {
		n++
	}
	if n < 3 {
		return 0, 0, 0, ""
	}
	info = rest[n:]
	if char == '`' && strings.ContainsRune(info, '`') {
		return 0, 0, 0, ""
	}
	return indent, char, n, info
}

// dedent removes up to n leading spaces.
func dedent(s string, n int) string {
	i := 0
	for i < n && i < len(s) && s[i] == ' ' {
		i++
	}
	return s[i:]
}
