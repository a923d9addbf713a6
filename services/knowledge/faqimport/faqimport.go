// Package faqimport turns a team's own FAQ documents into knowledge base
// entries. It reads two shapes of document:
//
//   - Markdown: a heading that asks something ("## 파드가 Pending이면?") or a
//     "Q:" line starts a question; the text up to the next question or the
//     next heading at the same or a higher level is the answer. Headings that
//     do not ask anything are section names and end up in Source.
//   - Plain text, like vendor FAQ exports: a line of at most 200 characters
//     ending in a question mark (or starting with "Q:"/"Q.") is a question and
//     the lines after it, up to the next question, are the answer. A short
//     line without final punctuation after a blank line is a section name.
//
// Each question/answer pair becomes one Entry in the runbook format with an id
// "<prefix>-<file>-<nnn>", the question as Korean title and first example
// question, glossary concepts as tags and English title words, Latin terms
// and inline code as keywords, and the answer under "## 답변". Problems
// (a question without an answer, a file that is not text) are reported with
// file:line; the rest of the file still converts.
package faqimport

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/kubemedic/kubemedic/services/knowledge"
	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
	"github.com/kubemedic/kubemedic/services/knowledge/glossary"
	"github.com/kubemedic/kubemedic/services/knowledge/korean"
)

// Options configures a conversion.
type Options struct {
	// Provider of the entries: generic (default), tke, aks or nks.
	Provider string
	// IDPrefix starts every id; default: the provider, or "faq" for generic.
	IDPrefix string
}

// Item is one question and its answer as found in a document.
type Item struct {
	Question string
	Answer   string
	Section  string // nearest section heading above the question, if any
	Line     int    // 1-based line of the question
}

const maxQuestionLen = 200

var (
	headingRe = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*#*\s*$`)
	qPrefixRe = regexp.MustCompile(`^(?:\*\*)?(?:Q|q|질문)\s*[:.)]\s*(?:\*\*)?\s*`)
	aPrefixRe = regexp.MustCompile(`^(?:\*\*)?(?:A|a|답변|답)\s*[:.)]\s*(?:\*\*)?\s*`)
	codeRe    = regexp.MustCompile("`([^`\n]{2,40})`")
)

// Extract finds the question/answer pairs of a document. name labels
// problems. Problems are *knowledge.LoadError values.
func Extract(name string, data []byte) ([]Item, []error) {
	fail := func(line int, format string, args ...any) []error {
		return []error{&knowledge.LoadError{File: name, Line: line, Err: fmt.Errorf(format, args...)}}
	}
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:invalidAt(data)], []byte("\n"))
		return nil, fail(line, "not UTF-8 text; save the document as UTF-8 and retry")
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, fail(1+bytes.Count(data[:i], []byte("\n")), "binary data (NUL byte); only Markdown or plain text can be imported")
	}
	text := strings.ReplaceAll(string(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))), "\r\n", "\n")
	lines := strings.Split(text, "\n")
	markdown := strings.HasSuffix(strings.ToLower(name), ".md") || strings.HasSuffix(strings.ToLower(name), ".markdown")

	var items []Item
	var problems []error
	var cur *Item
	curLevel := 0
	var answer []string
	section := ""
	inFence := false
	flush := func() {
		if cur == nil {
			return
		}
		cur.Answer = strings.TrimSpace(strings.Join(answer, "\n"))
		if cur.Answer == "" {
			problems = append(problems, &knowledge.LoadError{File: name, Line: cur.Line, Warning: true,
				Err: fmt.Errorf("question %q has no answer below it; skipped", cur.Question)})
		} else {
			items = append(items, *cur)
		}
		cur, answer = nil, nil
	}
	prevBlank := true
	for i, raw := range lines {
		line := strings.TrimSpace(raw)
		if strings.HasPrefix(line, "```") || strings.HasPrefix(line, "~~~") {
			inFence = !inFence
		}
		if !inFence && !strings.HasPrefix(line, "```") && !strings.HasPrefix(line, "~~~") {
			if markdown {
				if m := headingRe.FindStringSubmatch(line); m != nil {
					level, title := len(m[1]), cleanInline(m[2])
					if isQuestion(title) || qPrefixRe.MatchString(title) {
						flush()
						cur = &Item{Question: cleanQuestion(title), Section: section, Line: i + 1}
						curLevel = level
						prevBlank = false
						continue
					}
					if cur == nil || level <= curLevel {
						flush()
						section = title
						prevBlank = false
						continue
					}
				}
			}
			if q := qPrefixRe.FindString(line); q != "" && len(line) > len(q) {
				flush()
				cur = &Item{Question: cleanQuestion(line[len(q):]), Section: section, Line: i + 1}
				curLevel = 7
				prevBlank = false
				continue
			}
			if !markdown && isQuestion(line) && utf8.RuneCountInString(line) <= maxQuestionLen {
				flush()
				cur = &Item{Question: cleanQuestion(line), Section: section, Line: i + 1}
				prevBlank = false
				continue
			}
			if !markdown && cur == nil && prevBlank && looksLikeSection(line) {
				section = line
			}
			if !markdown && cur != nil && prevBlank && looksLikeSection(line) && nextIsQuestion(lines, i) {
				flush()
				section = line
				prevBlank = false
				continue
			}
		}
		if cur != nil {
			if len(answer) == 0 {
				raw = aPrefixRe.ReplaceAllString(strings.TrimLeft(raw, " \t"), "")
			}
			answer = append(answer, strings.TrimRight(raw, " \t"))
		}
		prevBlank = line == ""
	}
	flush()
	return items, problems
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
func isQuestion(line string) bool {
	line = strings.TrimRight(line, " *_")
	return strings.HasSuffix(line, "?") || strings.HasSuffix(line, "？")
}

// looksLikeSection is a short line with no sentence punctuation at its end.
func looksLikeSection(line string) bool {
	n := utf8.RuneCountInString(line)
	if n == 0 || n > 40 || strings.HasPrefix(line, "-") || strings.HasPrefix(line, "•") || strings.HasPrefix(line, "$") {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(line)
	return !strings.ContainsRune(".。:;,!?？)]}>\"'`", last) && !strings.Contains(line, "  ")
}

// nextIsQuestion reports whether the next non-blank line after i is a
// question, so a section line between two FAQ entries is not swallowed into
// the previous answer.
func nextIsQuestion(lines []string, i int) bool {
	for j := i + 1; j < len(lines) && j < i+4; j++ {
		l := strings.TrimSpace(lines[j])
		if l == "" {
			continue
		}
		return isQuestion(l) && utf8.RuneCountInString(l) <= maxQuestionLen
	}
	return false
}

func cleanInline(s string) string {
	s = strings.TrimSpace(s)
	s = strings.Trim(s, "*_")
	return strings.TrimSpace(s)
}

func cleanQuestion(s string) string {
	s = cleanInline(qPrefixRe.ReplaceAllString(cleanInline(s), ""))
	return strings.Join(strings.Fields(s), " ")
}

var slugRe = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	s = strings.Trim(slugRe.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 30 {
		s = strings.Trim(s[:30], "-")
	}
	return s
}

// Convert extracts the pairs of a document and turns each into an Entry.
func Convert(name string, data []byte, opts Options) ([]knowledge.Entry, []error) {
	if opts.Provider == "" {
		opts.Provider = "generic"
	}
	if err := (knowledge.Filter{Provider: opts.Provider}).Validate(); err != nil {
		return nil, []error{&knowledge.LoadError{File: name, Err: err}}
	}
	prefix := opts.IDPrefix
	if prefix == "" {
		prefix = opts.Provider
		if prefix == "generic" {
			prefix = "faq"
		}
	}
	prefix = slug(prefix)
	items, problems := Extract(name, data)
	stem := slug(strings.TrimSuffix(filepath.Base(name), filepath.Ext(name)))
	if stem == "" {
		stem = "doc"
	}
	an := analysis.New(analysis.Full(), glossary.Default(), nil)
	var out []knowledge.Entry
	for i, it := range items {
		out = append(out, entryFor(an, it, fmt.Sprintf("%s-%s-%03d", prefix, stem, i+1), name, opts.Provider))
	}
	return out, problems
}

func entryFor(an *analysis.Analyzer, it Item, id, file, provider string) knowledge.Entry {
	var concepts, keywords, content []string
	seen := map[string]bool{}
	for _, t := range an.Terms(it.Question) {
		switch t.Kind {
		case analysis.Concept:
			c := strings.TrimPrefix(t.Text, analysis.ConceptPrefix)
			if !seen["@"+c] && len(concepts) < 6 {
				seen["@"+c] = true
				concepts = append(concepts, c)
			}
		case analysis.Word:
			if !seen[t.Text] {
				seen[t.Text] = true
				content = append(content, t.Text)
				if !korean.HasHangul(t.Surface) && len(t.Surface) >= 2 {
					keywords = append(keywords, t.Surface)
				}
			}
		}
	}
	for _, m := range codeRe.FindAllStringSubmatch(it.Answer, -1) {
		if k := strings.TrimSpace(m[1]); !seen[strings.ToLower(k)] && len(keywords) < 12 {
			seen[strings.ToLower(k)] = true
			keywords = append(keywords, k)
		}
	}
	english := knowledge.DetectLanguage(it.Question) == "en"
	titleEn := it.Question
	if !english {
		if len(concepts) > 0 {
			titleEn = "FAQ: " + strings.Join(concepts, ", ")
		} else {
			titleEn = "Imported FAQ question " + id
		}
	}
	questions := []string{it.Question}
	if len(content) > 1 {
		questions = append(questions, strings.Join(content, " "))
	}
	if len(concepts) > 0 {
		questions = append(questions, strings.Join(concepts, " "))
	}
	source := filepath.Base(file)
	if it.Section != "" {
		source += " / " + it.Section
	}
	tags := append([]string{"faq"}, concepts...)
	return knowledge.Entry{
		ID:        id,
		TitleKo:   it.Question,
		TitleEn:   titleEn,
		Provider:  provider,
		Tags:      tags,
		Keywords:  keywords,
		Questions: questions,
		Source:    source,
		Body:      "## 답변\n" + it.Answer,
		Origin:    knowledge.Origin{File: file, BodyLine: it.Line},
	}
}
