package knowledge

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

// Entry is one runbook: the front matter fields of docs/runbook-format.md plus
// the Markdown body and where it came from.
type Entry struct {
	ID        string   `yaml:"id" json:"id"`
	TitleKo   string   `yaml:"title_ko" json:"title_ko"`
	TitleEn   string   `yaml:"title_en" json:"title_en"`
	Provider  string   `yaml:"provider" json:"provider"`
	Tags      []string `yaml:"tags" json:"tags"`
	Keywords  []string `yaml:"keywords,omitempty" json:"keywords,omitempty"`
	Questions []string `yaml:"questions" json:"questions"`
	Findings  []string `yaml:"findings,omitempty" json:"findings,omitempty"`
	Actions   []string `yaml:"actions,omitempty" json:"actions,omitempty"`
	Source    string   `yaml:"source" json:"source"`
	// Prefer makes the entry win ties against entries that do not set it:
	// a team marks its own runbooks so they answer first in its domain.
	Prefer bool `yaml:"prefer,omitempty" json:"prefer,omitempty"`

	// Body is the Markdown after the front matter (Korean).
	Body string `yaml:"-" json:"body"`
	// BodyEn is the English Markdown body, read from the sibling file
	// <id>.en.md (EnglishSuffix), or "" when the runbook has none. Its
	// headings map one-to-one onto Body's (Headings) and its code blocks are
	// Body's.
	BodyEn string `yaml:"-" json:"body_en"`
	// Origin is where the entry was read from.
	Origin Origin `yaml:"-" json:"origin"`
}

// Origin locates an entry's file: File is a path on disk, or
// "embedded:runbooks/<area>/<id>.md" for the built-in runbooks; BodyLine is
// the 1-based line where the body starts.
type Origin struct {
	File     string `json:"file"`
	BodyLine int    `json:"body_line"`
	// FileEn is where BodyEn was read from, like File; "" without one.
	FileEn string `json:"file_en,omitempty"`
	// Area is the runbook directory (tke, aks, nks, troubleshooting,
	// administration, general) or "" for entries outside one.
	Area string `json:"area,omitempty"`
}

// Title returns the English title for lang "en" and the Korean title
// otherwise, falling back to the other when one is empty.
func (e *Entry) Title(lang string) string {
	if lang == "en" && e.TitleEn != "" || e.TitleKo == "" {
		return e.TitleEn
	}
	return e.TitleKo
}

// BodyIn returns the English body for lang "en" when the runbook has one,
// and the Korean body otherwise.
func (e *Entry) BodyIn(lang string) string {
	if lang == "en" && e.BodyEn != "" {
		return e.BodyEn
	}
	return e.Body
}

// BodyLanguage is the language of BodyIn(lang): "en" or "ko".
func (e *Entry) BodyLanguage(lang string) string {
	if lang == "en" && e.BodyEn != "" {
		return "en"
	}
	return "ko"
}

// Providers an entry may name.
var Providers = []string{"generic", "tke", "aks", "nks"}

// Actions an entry may list (the remediation action names).
var Actions = []string{"cordon", "uncordon", "drain", "scale", "patch-configmap", "rollout-restart", "delete-pod"}

var idPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// LoadError is a problem found while reading a knowledge file, located by
// file and line. Problems with Warning set did not stop the entry from
// loading; the others made the loader skip the file.
type LoadError struct {
	File    string
	Line    int
	Err     error
	Warning bool
}

func (e *LoadError) Error() string {
	prefix := ""
	if e.Warning {
		prefix = "warning: "
	}
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s%v", e.File, e.Line, prefix, e.Err)
	}
	return fmt.Sprintf("%s: %s%v", e.File, prefix, e.Err)
}

func (e *LoadError) Unwrap() error { return e.Err }

// knownKeys are the front matter keys of the runbook format.
var knownKeys = map[string]bool{
	"id": true, "title_ko": true, "title_en": true, "provider": true, "tags": true, "keywords": true,
	"questions": true, "findings": true, "actions": true, "source": true, "prefer": true,
}

// ErrNoFrontMatter is returned by Parse for a file that does not start with a
// "---" line.
var ErrNoFrontMatter = errors.New("no front matter: a runbook starts with a line \"---\", YAML fields, and another \"---\" line (see docs/runbook-format.md); for a plain FAQ document use `kubemedic kb import`")

// Parse reads one runbook file. name is used in error positions and as the
// Origin; wantID, when not empty, is the id the file name implies. It returns
// the entry (nil when the file cannot be used) and every problem found, each a
// *LoadError; warnings do not prevent the entry.
func Parse(name string, data []byte, wantID string) (*Entry, []error) {
	var problems []error
	fail := func(line int, format string, args ...any) {
		problems = append(problems, &LoadError{File: name, Line: line, Err: fmt.Errorf(format, args...)})
	}
	warn := func(line int, format string, args ...any) {
		problems = append(problems, &LoadError{File: name, Line: line, Err: fmt.Errorf(format, args...), Warning: true})
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // UTF-8 BOM
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	if !strings.HasPrefix(text, "---\n") {
		problems = append(problems, &LoadError{File: name, Line: 1, Err: ErrNoFrontMatter})
		return nil, problems
	}
	lines := strings.Split(text, "\n")
	end := -1
	for i := 1; i < len(lines); i++ {
		if strings.TrimRight(lines[i], " \t") == "---" {
			end = i
			break
		}
	}
	if end < 0 {
		fail(1, "front matter is not closed: add a line \"---\" after the last field")
		return nil, problems
	}
	front := strings.Join(lines[1:end], "\n")
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(front), &root); err != nil {
		line, msg := yamlErrorLine(err)
		fail(line+1, "front matter: %s", msg)
		return nil, problems
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		fail(2, "front matter must be a YAML mapping of fields (id:, title_ko:, …)")
		return nil, problems
	}
	m := root.Content[0]
	keyLine := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		keyLine[k.Value] = k.Line + 1
		if !knownKeys[k.Value] {
			warn(k.Line+1, "unknown front matter field %q (known: id, title_ko, title_en, provider, tags, keywords, questions, findings, actions, source, prefer)", k.Value)
		}
	}
	var e Entry
	if err := m.Decode(&e); err != nil {
		line, msg := yamlErrorLine(err)
		fail(line+1, "front matter: %s", msg)
		return nil, problems
	}
	lineOf := func(key string) int {
		if l, ok := keyLine[key]; ok {
			return l
		}
		return 1
	}
	trimAll(&e)
	for _, req := range []struct{ key, val string }{{"id", e.ID}, {"title_ko", e.TitleKo}, {"title_en", e.TitleEn}, {"provider", e.Provider}} {
		if req.val == "" {
			fail(lineOf(req.key), "required field %q is missing or empty", req.key)
		}
	}
	if e.ID != "" && !idPattern.MatchString(e.ID) {
		fail(lineOf("id"), "id %q must be lowercase letters, digits and single dashes ([a-z0-9-])", e.ID)
	}
	if e.Provider != "" && !contains(Providers, e.Provider) {
		fail(lineOf("provider"), "provider %q is not one of %s", e.Provider, strings.Join(Providers, ", "))
	}
	e.Questions = distinctQuestions(e.Questions, func(q string) {
		warn(lineOf("questions"), "example question %q is listed twice; it counts once", q)
	})
	if len(e.Questions) == 0 {
		fail(lineOf("questions"), "no example questions: list at least 3 under questions:")
	} else if len(e.Questions) < 3 {
		warn(lineOf("questions"), "only %d example question(s); the format asks for 3 or more", len(e.Questions))
	}
	if wantID != "" && e.ID != "" && e.ID != wantID {
		warn(lineOf("id"), "id %q differs from the file name %q", e.ID, wantID+".md")
	}
	if len(e.Tags) == 0 {
		warn(lineOf("tags"), "no tags")
	}
	if e.Source == "" {
		warn(lineOf("source"), "no source: name the seed document and section the facts come from")
	}
	for _, a := range e.Actions {
		if !contains(Actions, a) {
			warn(lineOf("actions"), "unknown action %q (known: %s)", a, strings.Join(Actions, ", "))
		}
	}
	e.Body = strings.TrimSpace(strings.Join(lines[end+1:], "\n"))
	if e.Body == "" {
		warn(end+2, "empty body")
	}
	e.Origin = Origin{File: name, BodyLine: end + 2}
	for _, p := range problems {
		if le, ok := p.(*LoadError); ok && !le.Warning {
			return nil, problems
		}
	}
	return &e, problems
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// yamlErrorLine extracts the first "line N" of a yaml.v3 error and returns it
// with the message stripped of the "yaml:" prefix.
func yamlErrorLine(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.ReplaceAll(msg, "\n", " ")
	msg = strings.Join(strings.Fields(msg), " ")
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		if strings.Contains(msg, "did not find expected") {
			// yaml.v3 reports parser errors with context at the 0-based
			// line where the construct (a flow sequence, a mapping) starts.
			n++
		}
		return n, msg
	}
	return 1, msg
}

func trimAll(e *Entry) {
	for _, s := range []*string{&e.ID, &e.TitleKo, &e.TitleEn, &e.Provider, &e.Source} {
		*s = strings.TrimSpace(*s)
	}
	for _, l := range []*[]string{&e.Tags, &e.Keywords, &e.Questions, &e.Findings, &e.Actions} {
		out := (*l)[:0]
		for _, s := range *l {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		*l = out
	}
}

// QuestionKey is q in lower case with only its letters and digits: two
// example questions with the same key are the same question.
func QuestionKey(q string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, q)
}

// distinctQuestions drops an example question that repeats an earlier one
// (by QuestionKey), telling dup about each: a repeated question would count
// its words twice in the runbook's example-question field and tilt its
// scores.
func distinctQuestions(qs []string, dup func(q string)) []string {
	seen := make(map[string]bool, len(qs))
	out := qs[:0:0]
	for _, q := range qs {
		k := QuestionKey(q)
		if seen[k] {
			dup(q)
			continue
		}
		seen[k] = true
		out = append(out, q)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Markdown renders the entry in the runbook format: YAML front matter, then
// the body. Parse(Markdown()) gives the entry back.
func (e *Entry) Markdown() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("---\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(e); err != nil {
		return nil, fmt.Errorf("encode front matter of %s: %w", e.ID, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode front matter of %s: %w", e.ID, err)
	}
	buf.WriteString("---\n")
	buf.WriteString(strings.TrimSpace(e.Body))
	buf.WriteString("\n")
	return buf.Bytes(), nil
}
