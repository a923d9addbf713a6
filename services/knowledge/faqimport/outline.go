package faqimport

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/base"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/commonmark"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/table"

	"github.com/kubemedic/kubemedic/services/knowledge"
)

// Heading levels for headings that plain text only implies. Markdown
// headings keep their own level (1–6); the implied ones sit below them so a
// Markdown document's structure always wins.
const (
	levelQuestion = 8 // a Q: line or a question line: always a leaf entry
	levelLabelled = 7 // a short title followed by a part label (vendor FAQ style)
	levelGroup    = 6 // a short line grouping the questions after it
)

// line is one source line with what the outline found in it.
type line struct {
	no      int    // 1-based line number in the source
	text    string // the line, right-trimmed
	fenced  bool   // inside or on the edge of a code fence
	level   int    // heading level; 0 = not a heading
	title   string // heading title, cleaned
	part    part   // for a part label line or part heading
	qa      bool   // a Q:/질문: line
	answerA bool   // an A:/답변: line (prefix stripped from text)
}

// format is how a document is written.
type format int

const (
	formatText format = iota
	formatMarkdown
	formatHTML
)

func detectFormat(name string, text string) format {
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".html") || strings.HasSuffix(lower, ".htm"):
		return formatHTML
	case strings.HasSuffix(lower, ".md") || strings.HasSuffix(lower, ".markdown"):
		return formatMarkdown
	}
	head := strings.ToLower(strings.TrimSpace(text))
	if strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html") || strings.HasPrefix(head, "<body") {
		return formatHTML
	}
	// Plain text may hold shell comments ("# run this"), so ask for more
	// than single '#' lines before reading it as Markdown.
	deep := 0
	for _, m := range atxRe.FindAllStringSubmatch(text, -1) {
		if len(m[1]) >= 2 {
			deep++
		}
	}
	if deep >= 2 {
		return formatMarkdown
	}
	return formatText
}

var (
	atxRe       = regexp.MustCompile(`(?m)^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$`)
	setextRe    = regexp.MustCompile(`^ {0,3}(=+|-+)[ \t]*$`)
	fenceRe     = regexp.MustCompile("^ {0,3}(```|~~~)")
	numberedRe  = regexp.MustCompile(`^(?:제\s*)?(\d{1,2}(?:\.\d{1,2}){0,3})(?:\s*[.)장절])?\s*[-–:]?\s+(\S.*)$`)
	qPrefixRe   = regexp.MustCompile(`^(?:\*\*)?(?:Q|q|질문)\s*(?:\d{1,3})?\s*[:.)]\s*(?:\*\*)?\s*`)
	aPrefixRe   = regexp.MustCompile(`^(?:\*\*)?(?:A|a|답변|답)\s*(?:\d{1,3})?\s*[:.)]\s*(?:\*\*)?\s*`)
	boldOnlyRe  = regexp.MustCompile(`^\*\*([^*]{1,60})\*\*:?$`)
	commandLike = regexp.MustCompile(`^(?:\$ |# |[a-z0-9_-]+@[a-z0-9_.-]+:|(?:kubectl|kubeadm|kubelet|helm|az|tccli|ncloud|docker|crictl|curl|wget|sudo|git|go|systemctl|journalctl|rm|cat|echo|ls|cd|mkdir|apt-get|apt|yum|export|vault)\b)`)
	// outputLine is what kubectl prints after a change ("pod/web created").
	outputLine = regexp.MustCompile(`^\S+/\S+ (?:created|deleted|configured|unchanged|patched|scaled|labeled|annotated)$`)
)

// maxTitle bounds an implied title in plain text, in characters.
const maxTitle = 80

// outline reads a document into lines and marks its headings. HTML is
// converted to Markdown first.
func outline(name string, data []byte) ([]line, format, []error) {
	fail := func(line int, format string, args ...any) []error {
		return []error{&knowledge.LoadError{File: name, Line: line, Err: fmt.Errorf(format, args...)}}
	}
	if !utf8.Valid(data) {
		at := invalidAt(data)
		return nil, formatText, fail(1+bytes.Count(data[:at], []byte("\n")), "not UTF-8 text; save the document as UTF-8 and retry")
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, formatText, fail(1+bytes.Count(data[:i], []byte("\n")), "binary data (NUL byte); only Markdown, HTML or plain text can be imported")
	}
	text := strings.ReplaceAll(string(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))), "\r\n", "\n")
	f := detectFormat(name, text)
	if f == formatHTML {
		md, err := htmlConverter().ConvertString(text)
		if err != nil {
			return nil, f, fail(1, "HTML could not be read: %v", err)
		}
		text = md
	}
	raw := strings.Split(text, "\n")
	lines := make([]line, len(raw))
	inFence := false
	for i, r := range raw {
		lines[i] = line{no: i + 1, text: strings.TrimRight(r, " \t")}
		if fenceRe.MatchString(r) {
			lines[i].fenced = true
			inFence = !inFence
			continue
		}
		lines[i].fenced = inFence
	}
	if f == formatText {
		markText(lines)
	} else {
		markMarkdown(lines)
	}
	markQA(lines)
	for i := range lines {
		if lines[i].level > 0 && lines[i].title == "" {
			lines[i].level = 0 // "# #" or "## **": nothing to name an entry by
		}
	}
	return lines, f, nil
}

// htmlConverter turns a wiki's HTML export (Confluence, Notion) into
// Markdown, tables included.
func htmlConverter() *converter.Converter {
	return converter.NewConverter(converter.WithPlugins(
		base.NewBasePlugin(),
		commonmark.NewCommonmarkPlugin(),
		table.NewTablePlugin(),
	))
}

// markMarkdown marks ATX and setext headings, and part labels written as a
// bold line or a bare label line ("**원인**", "해결 방법:").
func markMarkdown(lines []line) {
	for i := range lines {
		l := &lines[i]
		if l.fenced {
			continue
		}
		if m := atxRe.FindStringSubmatch(l.text); m != nil {
			l.level, l.title = len(m[1]), cleanTitle(m[2])
			l.part = partOf(l.title)
			continue
		}
		t := strings.TrimSpace(l.text)
		if i+1 < len(lines) && t != "" && !lines[i+1].fenced && setextRe.MatchString(lines[i+1].text) &&
			(i == 0 || strings.TrimSpace(lines[i-1].text) == "") && !strings.HasPrefix(t, "-") && !strings.HasPrefix(t, "|") {
			level := 2
			if strings.HasPrefix(strings.TrimSpace(lines[i+1].text), "=") {
				level = 1
			}
			l.level, l.title = level, cleanTitle(t)
			l.part = partOf(l.title)
			lines[i+1].text = "" // the underline is not text
			continue
		}
		if p := labelLine(t); p != partNone {
			l.part = p
		}
	}
}

// labelLine reports whether a whole line is a part label: "원인", "**원인**",
// "해결 방법:".
func labelLine(t string) part {
	if t == "" {
		return partNone
	}
	if m := boldOnlyRe.FindStringSubmatch(t); m != nil {
		return partOf(m[1])
	}
	if utf8.RuneCountInString(t) <= 20 {
		return partOf(t)
	}
	return partNone
}

// markText finds the headings plain text implies: underlined titles,
// numbered titles, part labels, the short title before a part label,
// question lines, and short group lines before questions.
//
// Plain text has no fixed heading levels, so, as in reStructuredText, each
// title style (=== underline, --- underline, "1.", "1.1", …) gets the next
// level the first time it appears.
func markText(lines []line) {
	blankBefore := func(i int) bool { return i == 0 || strings.TrimSpace(lines[i-1].text) == "" }
	styles := map[string]int{}
	levelOf := func(style string) int {
		if l, ok := styles[style]; ok {
			return l
		}
		styles[style] = min(len(styles)+1, levelGroup-1)
		return styles[style]
	}
	for i := range lines {
		l := &lines[i]
		t := strings.TrimSpace(l.text)
		if l.fenced || t == "" {
			continue
		}
		if i+1 < len(lines) && setextRe.MatchString(lines[i+1].text) && len(strings.TrimSpace(lines[i+1].text)) >= 3 && blankBefore(i) && utf8.RuneCountInString(t) <= maxTitle {
			l.level, l.title = levelOf("underline"+strings.TrimSpace(lines[i+1].text)[:1]), cleanTitle(t)
			l.part = partOf(l.title)
			lines[i+1].text = ""
			continue
		}
		if p := labelLine(t); p != partNone {
			l.part = p
			continue
		}
		if m := numberedRe.FindStringSubmatch(t); m != nil && blankBefore(i) && isTitleText(m[2]) {
			l.level, l.title = levelOf(fmt.Sprint("numbered", strings.Count(m[1], "."))), cleanTitle(t)
			l.part = partOf(l.title)
			continue
		}
		if isQuestion(t) && utf8.RuneCountInString(t) <= 200 && !strings.HasPrefix(t, "•") && !strings.HasPrefix(t, "- ") && !strings.HasPrefix(t, "* ") {
			l.level, l.title = levelQuestion, cleanTitle(t)
			continue
		}
	}
	// A short line after a blank line whose next text lines reach a part
	// label before any other title is the title of a vendor-style section:
	// "LoadBalancer Pending" / symptom sentence / "원인" / … / "해결 방법" / ….
	// A short line right before a question line groups the questions below.
	for i := range lines {
		l := &lines[i]
		t := strings.TrimSpace(l.text)
		if l.fenced || t == "" || l.level > 0 || l.part != partNone || !blankBefore(i) || !isTitleText(t) {
			continue
		}
		switch next := nextMarked(lines, i); {
		case next >= 0 && lines[next].part != partNone:
			l.level, l.title = levelLabelled, cleanTitle(t)
		case next >= 0 && lines[next].level == levelQuestion && next == nextText(lines, i):
			l.level, l.title = levelGroup, cleanTitle(t)
		}
	}
	// Documents exported without blank lines (upstream docs copied from a
	// browser) mark a section only by a short title line between sentences:
	// "…확인한다." / "파드가 계속 pending 상태인 경우" / "파드가 Pending 상태로 …".
	// Only read them that way when nothing else gave the document structure.
	found := 0
	for _, l := range lines {
		if l.level > 0 && l.level < levelQuestion {
			found++
		}
	}
	if found >= minStructure {
		return
	}
	level := levelOf("paragraph")
	for i := range lines {
		l := &lines[i]
		t := strings.TrimSpace(l.text)
		if l.fenced || t == "" || l.level > 0 || l.part != partNone || utf8.RuneCountInString(t) > 50 || !isTitleText(t) {
			continue
		}
		if i > 0 && !endsSentence(strings.TrimSpace(lines[i-1].text)) {
			continue
		}
		if p := prevText(lines, i); p >= 0 && indent(l.text) > indent(lines[p].text) {
			continue // indented under a paragraph: a command or an example
		}
		j := nextText(lines, i)
		if j < 0 || j > i+2 || lines[j].fenced || lines[j].level > 0 || lines[j].part != partNone {
			continue
		}
		if next := strings.TrimSpace(lines[j].text); utf8.RuneCountInString(next) >= 30 && endsSentence(next) {
			l.level, l.title = level, cleanTitle(t)
		}
	}
}

// minStructure is how many headings make a plain-text document structured
// enough that its paragraph-title lines are left alone.
const minStructure = 15

// endsSentence reports whether a line ends a sentence (or is empty).
func endsSentence(t string) bool {
	if t == "" {
		return true
	}
	last, _ := utf8.DecodeLastRuneInString(t)
	return strings.ContainsRune(".。?？!:)", last) || strings.HasSuffix(t, "다")
}

// nextMarked returns the index of the next line after i that is a heading or
// a part label within a short window of text, or -1.
func nextMarked(lines []line, i int) int {
	texts := 0
	for j := i + 1; j < len(lines) && texts < 6; j++ {
		if lines[j].fenced {
			texts++
			continue
		}
		if lines[j].level > 0 || lines[j].part != partNone {
			return j
		}
		t := strings.TrimSpace(lines[j].text)
		if t == "" {
			continue
		}
		if strings.TrimSpace(lines[j-1].text) == "" && isTitleText(t) {
			return -1 // a closer title owns what follows
		}
		texts++
	}
	return -1
}

// prevText returns the index of the last non-blank line before i, or -1.
func prevText(lines []line, i int) int {
	for j := i - 1; j >= 0; j-- {
		if strings.TrimSpace(lines[j].text) != "" {
			return j
		}
	}
	return -1
}

func indent(s string) int { return len(s) - len(strings.TrimLeft(s, " \t")) }

// nextText returns the index of the next non-blank line after i, or -1.
func nextText(lines []line, i int) int {
	for j := i + 1; j < len(lines); j++ {
		if strings.TrimSpace(lines[j].text) != "" {
			return j
		}
	}
	return -1
}

// isTitleText is text short enough to be a title that does not read like a
// sentence, a list item or a command.
func isTitleText(t string) bool {
	n := utf8.RuneCountInString(t)
	if n == 0 || n > maxTitle || strings.Contains(t, "  ") || strings.Contains(t, "\t") {
		return false
	}
	for _, p := range []string{"-", "•", "*", "|", ">", "`", "{", "}", "[", "<", "/", "#"} {
		if strings.HasPrefix(t, p) {
			return false
		}
	}
	if commandLike.MatchString(t) || outputLine.MatchString(t) || strings.Contains(t, ": ") && !strings.Contains(t, " - ") {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(t)
	if strings.ContainsRune(".。:;,!)]}>\"'`=", last) {
		return false
	}
	// A Korean sentence ends in a finite verb; titles end in a noun or a
	// colloquial complaint ("…없어요", "…안 돼요"), which are fine.
	for _, end := range []string{"합니다", "습니다", "됩니다", "입니다", "한다", "된다", "이다", "있다", "없다", "하십시오", "하세요", "주세요"} {
		if strings.HasSuffix(t, end) {
			return false
		}
	}
	return true
}

// markQA marks Q:/질문: lines as leaf question headings and strips the
// A:/답변: prefix of the answer that follows.
func markQA(lines []line) {
	inQ := false
	for i := range lines {
		l := &lines[i]
		if l.fenced {
			continue
		}
		t := strings.TrimSpace(l.text)
		if l.level > 0 && l.level < levelQuestion {
			inQ = false
		}
		if q := qPrefixRe.FindString(t); q != "" && len(t) > len(q) {
			l.level, l.title, l.qa, l.part = levelQuestion, cleanTitle(t[len(q):]), true, partNone
			if l.title == "" {
				l.level = 0
			}
			inQ = true
			continue
		}
		if inQ {
			if a := aPrefixRe.FindString(t); a != "" {
				l.text, l.answerA, l.part = strings.TrimSpace(t[len(a):]), true, partNone
				inQ = false
			}
		}
	}
}

func invalidAt(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(data)
}

// isQuestion reports whether a line asks something: it ends in a question
// mark (ASCII or full-width).
func isQuestion(t string) bool {
	t = strings.TrimRight(t, " *_")
	return strings.HasSuffix(t, "?") || strings.HasSuffix(t, "？")
}

// cleanTitle drops emphasis, numbering and link syntax from a heading.
func cleanTitle(s string) string {
	s = strings.TrimSpace(s)
	s = strings.Trim(s, "*_")
	s = qPrefixRe.ReplaceAllString(s, "")
	if m := numberedRe.FindStringSubmatch(s); m != nil {
		s = m[2]
	}
	s = mdLinkRe.ReplaceAllString(s, "$1")
	s = strings.ReplaceAll(s, "`", "")
	return strings.Join(strings.Fields(strings.Trim(s, "*_ ")), " ")
}

var mdLinkRe = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
