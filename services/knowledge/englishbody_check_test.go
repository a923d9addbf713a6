package knowledge

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// English bodies live next to their runbook: <area>/<id>.en.md holds only the
// Markdown body (no front matter). This check keeps them honest against the
// Korean body: same section structure with the fixed heading mapping, the
// same fenced code blocks byte for byte, and every inline code span (flags,
// annotation names, error strings, runbook ids) carried over.

// englishHeadings maps the Korean level-2 headings to their fixed English
// counterparts. A Korean heading outside this map is a one-off section title;
// its English heading is free text but must not reuse one of these.
var englishHeadings = map[string]string{
	"증상":    "Symptoms",
	"원인":    "Cause",
	"확인 방법": "How to check",
	"해결 방법": "Fix",
	"답변":    "Answer",
	"참고":    "Notes",
	"완화":    "Mitigation",
	"주의":    "Caution",
}

type mdHeading struct {
	level int
	text  string
}

type mdBody struct {
	headings []mdHeading
	fences   []string // each fenced block, fence lines included, verbatim
	inline   []string // inline code spans outside fenced blocks
	prose    string   // text outside fenced blocks and inline code
}

var (
	fenceOpen  = regexp.MustCompile("^ {0,3}(```+|~~~+)")
	inlineCode = regexp.MustCompile("`([^`\n]+)`")
	headingRe  = regexp.MustCompile(`^(#{2,3}) +(.+?) *$`)
)

func parseMarkdownBody(body string) (mdBody, error) {
	var b mdBody
	var prose strings.Builder
	lines := strings.Split(body, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if m := fenceOpen.FindStringSubmatch(line); m != nil {
			marker := m[1]
			block := []string{line}
			closed := false
			for i++; i < len(lines); i++ {
				block = append(block, lines[i])
				t := strings.TrimSpace(lines[i])
				if strings.HasPrefix(t, marker) && strings.Trim(t, marker[:1]) == "" {
					closed = true
					break
				}
			}
			if !closed {
				return b, fmt.Errorf("unclosed code fence %q", line)
			}
			b.fences = append(b.fences, strings.Join(block, "\n"))
			continue
		}
		if m := headingRe.FindStringSubmatch(line); m != nil {
			b.headings = append(b.headings, mdHeading{level: len(m[1]), text: m[2]})
		}
		for _, s := range inlineCode.FindAllStringSubmatch(line, -1) {
			b.inline = append(b.inline, s[1])
		}
		prose.WriteString(inlineCode.ReplaceAllString(line, ""))
		prose.WriteString("\n")
	}
	b.prose = prose.String()
	return b, nil
}

func hasHangul(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Hangul, r) {
			return true
		}
	}
	return false
}

// checkEnglishBody compares an English body with the Korean body of the same
// runbook and returns every mismatch.
func checkEnglishBody(ko, en string) []string {
	var problems []string
	if strings.HasPrefix(strings.TrimSpace(en), "---") {
		problems = append(problems, "English body must not carry front matter")
	}
	kb, err := parseMarkdownBody(ko)
	if err != nil {
		return []string{"Korean body: " + err.Error()}
	}
	eb, err := parseMarkdownBody(en)
	if err != nil {
		return []string{"English body: " + err.Error()}
	}

	reserved := map[string]bool{}
	for _, v := range englishHeadings {
		reserved[v] = true
	}
	if len(kb.headings) != len(eb.headings) {
		problems = append(problems, fmt.Sprintf("headings: Korean has %d, English has %d (%v vs %v)", len(kb.headings), len(eb.headings), kb.headings, eb.headings))
	} else {
		for i, kh := range kb.headings {
			eh := eb.headings[i]
			if kh.level != eh.level {
				problems = append(problems, fmt.Sprintf("heading %d: level %d, want %d", i+1, eh.level, kh.level))
				continue
			}
			if hasHangul(eh.text) {
				problems = append(problems, fmt.Sprintf("heading %d: %q is not English", i+1, eh.text))
				continue
			}
			if kh.level != 2 {
				continue
			}
			if want, ok := englishHeadings[kh.text]; ok {
				if eh.text != want {
					problems = append(problems, fmt.Sprintf("heading %d: %q, want %q (for %q)", i+1, eh.text, want, kh.text))
				}
			} else if reserved[eh.text] {
				problems = append(problems, fmt.Sprintf("heading %d: %q is reserved for a standard section; %q needs its own title", i+1, eh.text, kh.text))
			}
		}
	}
	if koHead, enHead := strings.HasPrefix(strings.TrimSpace(ko), "## "), strings.HasPrefix(strings.TrimSpace(en), "## "); koHead != enHead {
		problems = append(problems, fmt.Sprintf("English body starts with a heading: %v, Korean body: %v; both must open the same way", enHead, koHead))
	}

	kf, ef := slices.Clone(kb.fences), slices.Clone(eb.fences)
	slices.Sort(kf)
	slices.Sort(ef)
	if !slices.Equal(kf, ef) {
		for _, f := range kf {
			if !slices.Contains(ef, f) {
				problems = append(problems, fmt.Sprintf("code block missing or changed in English:\n%s", f))
			}
		}
		for _, f := range ef {
			if !slices.Contains(kf, f) {
				problems = append(problems, fmt.Sprintf("code block not in Korean body:\n%s", f))
			}
		}
		if len(kf) != len(ef) {
			problems = append(problems, fmt.Sprintf("code blocks: Korean has %d, English has %d", len(kf), len(ef)))
		}
	}

	for _, s := range kb.inline {
		if hasHangul(s) {
			continue // placeholders such as <파드> are translated
		}
		if !slices.Contains(eb.inline, s) {
			problems = append(problems, fmt.Sprintf("inline code `%s` missing in English", s))
		}
	}
	if hasHangul(eb.prose) {
		for _, line := range strings.Split(eb.prose, "\n") {
			if hasHangul(line) {
				problems = append(problems, fmt.Sprintf("Korean text outside code: %q", line))
			}
		}
	}
	return problems
}

// koreanBody strips the front matter of a runbook file.
func koreanBody(data string) (string, error) {
	rest, ok := strings.CutPrefix(data, "---\n")
	if !ok {
		return "", fmt.Errorf("no front matter")
	}
	_, body, ok := strings.Cut(rest, "\n---\n")
	if !ok {
		return "", fmt.Errorf("front matter not closed")
	}
	return body, nil
}

func TestEnglishBodiesMatchKorean(t *testing.T) {
	fsys := Embedded()
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".en.md") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skip("no English bodies yet")
	}
	perArea := map[string]int{}
	for _, p := range files {
		perArea[path.Dir(p)]++
		t.Run(p, func(t *testing.T) {
			en, err := fs.ReadFile(fsys, p)
			if err != nil {
				t.Fatal(err)
			}
			ko, err := fs.ReadFile(fsys, strings.TrimSuffix(p, ".en.md")+".md")
			if err != nil {
				t.Fatalf("no Korean sibling: %v", err)
			}
			body, err := koreanBody(string(ko))
			if err != nil {
				t.Fatalf("Korean runbook: %v", err)
			}
			for _, problem := range checkEnglishBody(body, string(en)) {
				t.Error(problem)
			}
		})
	}
	t.Logf("English bodies per area: %v", perArea)
}

func TestCheckEnglishBodyCatchesMismatches(t *testing.T) {
	ko := "## 증상\n파드가 `Pending` 입니다.\n\n## 해결 방법\n```shell\nkubectl get pods # 목록\n```\n"
	good := "## Symptoms\nThe pod stays `Pending`.\n\n## Fix\n```shell\nkubectl get pods # 목록\n```\n"
	if p := checkEnglishBody(ko, good); len(p) != 0 {
		t.Fatalf("good body reported: %v", p)
	}
	tests := []struct {
		name string
		en   string
		want string
	}{
		{"front matter", "---\nid: x\n---\n" + good, "front matter"},
		{"text before first heading", "Intro.\n" + good, "both must open the same way"},
		{"wrong heading", strings.Replace(good, "## Fix", "## Solution", 1), `want "Fix"`},
		{"order swapped", "## Fix\n```shell\nkubectl get pods # 목록\n```\n## Symptoms\nThe pod stays `Pending`.\n", `want "Symptoms"`},
		{"missing heading", "## Symptoms\nThe pod stays `Pending`.\n```shell\nkubectl get pods # 목록\n```\n", "headings: Korean has 2"},
		{"code changed", strings.Replace(good, "# 목록", "# list", 1), "code block missing"},
		{"code dropped", "## Symptoms\nThe pod stays `Pending`.\n\n## Fix\nList pods.\n", "code blocks: Korean has 1"},
		{"inline dropped", strings.Replace(good, "`Pending`", "pending", 1), "inline code `Pending`"},
		{"korean prose", strings.Replace(good, "The pod stays", "파드가", 1), "Korean text outside code"},
		{"unclosed fence", "## Symptoms\n`Pending`\n## Fix\n```shell\nkubectl get pods # 목록\n", "unclosed code fence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := checkEnglishBody(ko, tt.en)
			if !strings.Contains(strings.Join(p, "\n"), tt.want) {
				t.Fatalf("problems %q do not mention %q", p, tt.want)
			}
		})
	}
	oneOff := "## 설치\n설치합니다.\n"
	if p := checkEnglishBody(oneOff, "## Install\nInstall it.\n"); len(p) != 0 {
		t.Fatalf("one-off heading with an English title reported: %v", p)
	}
	if p := checkEnglishBody(oneOff, "## Fix\nInstall it.\n"); len(p) == 0 {
		t.Fatal("one-off heading mapped to a reserved English heading was accepted")
	}
}
