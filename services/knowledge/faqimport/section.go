package faqimport

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/kubemedic/kubemedic/services/knowledge"
)

// Section is one entry found in a document: a headed section, a question
// line or a Q:/A: block.
type Section struct {
	// Title is the heading without numbering or emphasis.
	Title string
	// Path holds the titles of the container headings above it, outermost
	// first.
	Path []string
	// Line is the 1-based line of the heading.
	Line int
	// Parts are the pieces of the body in document order.
	Parts []Part
	// Question reports a Q:/A: block or a question line.
	Question bool
}

// Part is one piece of a section's body.
type Part struct {
	Kind part
	Text string
}

// Text returns the section's whole body text (all parts).
func (s *Section) Text() string {
	var b strings.Builder
	for _, p := range s.Parts {
		b.WriteString(p.Text)
		b.WriteString("\n")
	}
	return b.String()
}

// node is a heading while the tree is built.
type node struct {
	sec      Section
	level    int
	parent   *node
	children int
	own      []string // unlabelled lines directly under the heading
	parts    []Part   // labelled parts, in order
	cur      *Part    // the labelled part being filled

	ownText  string // own lines, dedented and trimmed
	hasParts bool   // some labelled part has text
	entry    bool   // the heading becomes an entry
	skipped  bool   // the heading has no text at all
}

// Sections reads a document into the sections that become entries. name
// labels problems, which are *knowledge.LoadError values.
func Sections(name string, data []byte) ([]Section, []error) {
	lines, _, problems := outline(name, data)
	if lines == nil {
		return nil, problems
	}
	var nodes []*node
	var stack []*node
	root := &node{level: 0}
	cur := root
	for _, l := range lines {
		if l.level > 0 && l.part == partNone {
			for len(stack) > 0 && stack[len(stack)-1].level >= l.level {
				stack = stack[:len(stack)-1]
			}
			parent := root
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			parent.children++
			n := &node{sec: Section{Title: l.title, Line: l.no, Question: l.qa || l.level == levelQuestion}, level: l.level, parent: parent}
			nodes = append(nodes, n)
			stack = append(stack, n)
			cur = n
			continue
		}
		if l.part != partNone && !l.fenced {
			// A part heading or label belongs to the innermost open section.
			cur.parts = append(cur.parts, Part{Kind: l.part})
			cur.cur = &cur.parts[len(cur.parts)-1]
			continue
		}
		if cur.cur != nil {
			cur.cur.Text += l.text + "\n"
		} else {
			cur.own = append(cur.own, l.text)
		}
	}

	// Decide which headings are entries before building paths: a path
	// names the container headings above an entry, not other entries.
	for _, n := range nodes {
		n.ownText = strings.TrimSpace(dedent(strings.Trim(strings.Join(n.own, "\n"), "\n")))
		for _, p := range n.parts {
			n.hasParts = n.hasParts || strings.TrimSpace(p.Text) != ""
		}
		switch {
		case boilerplateRe.MatchString(n.sec.Title):
			n.skipped = true // page chrome of a web export
		case n.ownText == "" && !n.hasParts && n.children > 0:
			// a container: its title is in its children's paths
		case n.ownText == "" && !n.hasParts:
			kind := "section"
			if n.sec.Question || isQuestion(n.sec.Title) {
				kind = "question"
			}
			problems = append(problems, &knowledge.LoadError{File: name, Line: n.sec.Line, Warning: true,
				Err: fmt.Errorf("%s %q has no text below it; skipped", kind, n.sec.Title)})
			n.skipped = true
		case !n.hasParts && n.children > 0 && isIntro(n.ownText):
			// a container with a one-line introduction
		default:
			n.entry = true
		}
	}
	var out []Section
	for _, n := range nodes {
		if !n.entry {
			continue
		}
		s := n.sec
		for p := n.parent; p != nil && p != root; p = p.parent {
			if !p.entry && !p.skipped {
				s.Path = append([]string{p.sec.Title}, s.Path...)
			}
		}
		if n.ownText != "" {
			kind := partAnswer
			if n.hasParts && !hasKind(n.parts, partSymptom) && !hasKind(n.parts, partAnswer) {
				kind = partSymptom // vendor style: title, symptom sentence, 원인, 해결 방법
			}
			s.Parts = append(s.Parts, Part{Kind: kind, Text: n.ownText})
		}
		for _, p := range n.parts {
			if t := strings.Trim(p.Text, "\n"); strings.TrimSpace(t) != "" {
				s.Parts = append(s.Parts, Part{Kind: p.Kind, Text: dedent(t)})
			}
		}
		out = append(out, s)
	}
	if len(nodes) == 0 {
		// No heading at all: the document is one entry named by its first line.
		if own := strings.TrimSpace(strings.Join(root.own, "\n")); own != "" || len(root.parts) > 0 {
			first, rest, _ := strings.Cut(own, "\n")
			s := Section{Title: cleanTitle(first), Line: 1}
			if strings.TrimSpace(rest) != "" {
				s.Parts = append(s.Parts, Part{Kind: partAnswer, Text: strings.TrimSpace(rest)})
			}
			for _, p := range root.parts {
				if strings.TrimSpace(p.Text) != "" {
					s.Parts = append(s.Parts, Part{Kind: p.Kind, Text: dedent(strings.Trim(p.Text, "\n"))})
				}
			}
			if len(s.Parts) > 0 && s.Title != "" {
				out = append(out, s)
			}
		}
	}
	return out, problems
}

// boilerplateRe matches the headings a web page export carries around the
// content: feedback widgets, tables of contents, legal notices.
var boilerplateRe = regexp.MustCompile(`(?i)(도움이 되었|이 페이지가 도움|피드백|목차|table of contents|was this (page|article|document) helpful|copyright|all rights reserved|trademark notice|service statement)`)

func hasKind(parts []Part, k part) bool {
	for _, p := range parts {
		if p.Kind == k {
			return true
		}
	}
	return false
}

// isIntro is a short introduction under a heading that has sections below
// it: one or two sentences, no code.
func isIntro(own string) bool {
	return !strings.Contains(own, "```") && strings.Count(own, "\n") < 2 && utf8.RuneCountInString(own) <= 160
}

// dedent removes the indentation every non-blank line of a plain-text part
// shares (vendor exports indent whole sections).
func dedent(t string) string {
	lines := strings.Split(t, "\n")
	common := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " \t"))
		if common < 0 || n < common {
			common = n
		}
	}
	if common <= 0 {
		return t
	}
	for i, l := range lines {
		if len(l) >= common {
			lines[i] = l[common:]
		} else {
			lines[i] = strings.TrimLeft(l, " \t")
		}
	}
	return strings.Join(lines, "\n")
}
