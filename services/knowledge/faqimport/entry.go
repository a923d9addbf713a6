package faqimport

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"

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
	// Prefer marks the entries to win ties against built-in runbooks that
	// answer a question equally well (a team's own procedure beats the
	// generic one in its domain). Default false.
	Prefer bool
}

// Convert reads a document and turns each section into an Entry. Problems
// are *knowledge.LoadError values; entries are returned for every section
// that could be read.
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
	sections, problems := Sections(name, data)
	stem := slug(strings.TrimSuffix(filepath.Base(name), filepath.Ext(name)))
	if stem == "" {
		stem = "doc"
	}
	an := analysis.New(analysis.Full(), glossary.Default(), nil)
	anchors := map[string]int{}
	out := make([]knowledge.Entry, 0, len(sections))
	for i, s := range sections {
		anchor := Anchor(s.Title)
		if n := anchors[anchor]; n > 0 {
			anchors[anchor] = n + 1
			anchor = fmt.Sprintf("%s-%d", anchor, n)
		} else {
			anchors[anchor] = 1
		}
		e := entryFor(an, s, fmt.Sprintf("%s-%s-%03d", prefix, stem, i+1), name, anchor, opts.Provider)
		e.Prefer = opts.Prefer
		out = append(out, e)
	}
	return out, problems
}

var (
	slugRe   = regexp.MustCompile(`[^a-z0-9]+`)
	codeRe   = regexp.MustCompile("`([^`\n]{2,60})`")
	quotedRe = regexp.MustCompile(`"([^"\n]{6,100})"`)
	// identRe finds identifiers written in prose: paths, flags, names with
	// dashes, dots or underscores, and camelCase words.
	identRe = regexp.MustCompile(`(?:/[A-Za-z0-9._-]+){2,}|--?[a-z][a-z0-9-]{2,}|\b[A-Za-z][A-Za-z0-9]*(?:[-_.][A-Za-z0-9]+)+\b|\b[a-z]+[A-Z][A-Za-z0-9]*\b`)
	errorRe = regexp.MustCompile(`(?i)(error|err:|fail|denied|forbidden|refused|timeout|timed out|not found|backoff|unauthorized|invalid|exceeded|oom|panic|cannot|can't|unable)`)
)

func slug(s string) string {
	s = strings.Trim(slugRe.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 30 {
		s = strings.Trim(s[:30], "-")
	}
	return s
}

// Anchor is the section's anchor as Markdown renderers make it: lower case,
// punctuation dropped, spaces as dashes; Hangul kept.
func Anchor(title string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(title)) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
			b.WriteRune(r)
		case unicode.IsSpace(r):
			b.WriteByte('-')
		}
	}
	return b.String()
}

// language is "en" for a section written in English, else "ko".
func language(s Section) string {
	if korean.HasHangul(s.Title) {
		return "ko"
	}
	hangul, latin := 0, 0
	for _, r := range s.Text() {
		switch {
		case korean.IsHangul(r):
			hangul++
		case r < 0x80 && unicode.IsLetter(r):
			latin++
		}
	}
	if hangul*4 < latin {
		return "en"
	}
	return "ko"
}

func entryFor(an *analysis.Analyzer, s Section, id, file, anchor, provider string) knowledge.Entry {
	lang := language(s)
	concepts, content := termsOf(an, s.Title)
	var body strings.Builder
	for i, p := range s.Parts {
		if i > 0 {
			body.WriteString("\n\n")
		}
		body.WriteString(p.Kind.heading(lang))
		body.WriteString("\n")
		body.WriteString(strings.TrimSpace(p.Text))
	}
	title := s.Title
	titleEn := title
	if lang == "ko" {
		switch {
		case len(latinWords(title)) >= 2:
			titleEn = strings.Join(latinWords(title), " ")
		case len(concepts) > 0:
			titleEn = strings.Join(concepts, ", ")
		default:
			titleEn = "Team document section " + id
		}
	}
	source := filepath.Base(file) + "#" + anchor
	if len(s.Path) > 0 {
		source += " (" + strings.Join(s.Path, " / ") + ")"
	}
	tags := append([]string{"imported"}, concepts...)
	if len(tags) > 7 {
		tags = tags[:7]
	}
	return knowledge.Entry{
		ID:        id,
		TitleKo:   title,
		TitleEn:   titleEn,
		Provider:  provider,
		Tags:      tags,
		Keywords:  keywords(an, s, content),
		Questions: Questions(s, lang),
		Source:    source,
		Body:      body.String(),
		Origin:    knowledge.Origin{File: file, BodyLine: s.Line},
	}
}

// termsOf returns the glossary concepts and the content words of text.
func termsOf(an *analysis.Analyzer, text string) (concepts, content []string) {
	seen := map[string]bool{}
	for _, t := range an.Terms(text) {
		switch t.Kind {
		case analysis.Concept:
			c := strings.TrimPrefix(t.Text, analysis.ConceptPrefix)
			if !seen["@"+c] && len(concepts) < 6 {
				seen["@"+c] = true
				concepts = append(concepts, c)
			}
		case analysis.Word:
			if !seen[t.Surface] {
				seen[t.Surface] = true
				content = append(content, t.Surface)
			}
		}
	}
	return concepts, content
}

func latinWords(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool {
		return korean.IsHangul(r) || unicode.IsSpace(r) || strings.ContainsRune("(),`", r)
	}) {
		if f = strings.Trim(f, ".:;!?\"'"); len(f) >= 2 {
			out = append(out, f)
		}
	}
	return out
}

// keywords are the words people paste: inline code, quoted messages, error
// lines from code blocks, command names, Latin terms of the title and
// symptom, and the section's container titles.
func keywords(an *analysis.Analyzer, s Section, titleWords []string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(k string) {
		k = strings.TrimSpace(k)
		if k == "" || len(out) >= 20 || seen[strings.ToLower(k)] {
			return
		}
		seen[strings.ToLower(k)] = true
		out = append(out, k)
	}
	for _, w := range titleWords {
		if !korean.HasHangul(w) && len(w) >= 2 {
			add(w)
		}
	}
	text := s.Text()
	for _, m := range codeRe.FindAllStringSubmatch(text, -1) {
		add(m[1])
	}
	for _, m := range quotedRe.FindAllStringSubmatch(text, -1) {
		if errorRe.MatchString(m[1]) {
			add(m[1])
		}
	}
	inFence := false
	for _, l := range strings.Split(text, "\n") {
		t := strings.TrimSpace(l)
		if fenceRe.MatchString(l) {
			inFence = !inFence
			continue
		}
		if !inFence {
			continue
		}
		if errorRe.MatchString(t) && len(t) <= 120 && !strings.HasPrefix(t, "#") {
			add(t)
		}
		if f := strings.Fields(strings.TrimPrefix(t, "$ ")); len(f) >= 2 && commandLike.MatchString(strings.TrimPrefix(t, "$ ")) {
			add(f[0] + " " + f[1])
		}
	}
	for _, w := range identRe.FindAllString(text, -1) {
		if !strings.HasPrefix(w, "http") {
			add(strings.TrimRight(w, ".,:;"))
		}
	}
	return out
}

// Converter returns a knowledge.Converter that imports the documents a
// knowledge directory holds as they are written (see knowledge.Options.Convert).
func Converter(opts Options) knowledge.Converter {
	return func(name string, data []byte) ([]knowledge.Entry, []error) {
		return Convert(name, data, opts)
	}
}
