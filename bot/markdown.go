package bot

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

var (
	mdHeading = regexp.MustCompile(`^#{1,6}\s+(.+?)\s*#*\s*$`)
	mdBold    = regexp.MustCompile(`\*\*([^*\n]+)\*\*|__([^_\n]+)__`)
	mdLink    = regexp.MustCompile(`\[([^\]\n]+)\]\(([^)\s]+)\)`)
	mdBullet  = regexp.MustCompile(`^(\s*)[-*+]\s+`)
)

// mrkdwn converts the Markdown of a runbook body to Slack mrkdwn: headings
// and **bold** become *bold*, [text](url) becomes <url|text>, list dashes
// become bullets, and &, <, > are escaped as Slack requires. Code fences and
// inline code are kept as they are (only escaped).
func mrkdwn(md string) string {
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	inFence := false
	for i, l := range lines {
		esc := escapeMrkdwn(l)
		if isFence(l) {
			inFence = !inFence
			lines[i] = esc
			continue
		}
		if inFence {
			lines[i] = esc
			continue
		}
		lines[i] = convertLine(esc)
	}
	return strings.Join(lines, "\n")
}

// convertLine converts one (already escaped) line outside code fences,
// leaving `inline code` spans alone.
func convertLine(l string) string {
	if m := mdHeading.FindStringSubmatch(l); m != nil {
		return "*" + strings.ReplaceAll(m[1], "**", "") + "*"
	}
	l = mdBullet.ReplaceAllString(l, "$1• ")
	parts := strings.Split(l, "`")
	for i := 0; i < len(parts); i += 2 { // even parts are outside inline code
		if i == len(parts)-1 && len(parts)%2 == 0 {
			break // an unclosed backtick: leave the tail alone
		}
		p := mdBold.ReplaceAllString(parts[i], "*$1$2*")
		parts[i] = mdLink.ReplaceAllString(p, "<$2|$1>")
	}
	return strings.Join(parts, "`")
}

func isFence(l string) bool { return strings.HasPrefix(strings.TrimSpace(l), "```") }

func escapeMrkdwn(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// excerpt trims mrkdwn text to at most limit characters, cutting at a line
// end where it can. A code fence left open by the cut is closed and an
// ellipsis line marks the cut. truncated reports whether anything was cut.
func excerpt(text string, limit int) (out string, truncated bool) {
	text = strings.TrimSpace(text)
	if utf8.RuneCountInString(text) <= limit {
		return text, false
	}
	const tail = "\n```\n…"
	budget := limit - utf8.RuneCountInString(tail)
	var (
		b       strings.Builder
		used    int
		inFence bool
		kept    []string
	)
	for _, l := range strings.Split(text, "\n") {
		n := utf8.RuneCountInString(l) + 1
		if used+n > budget {
			if used == 0 { // a single huge first line: cut inside it
				kept = append(kept, clip(l, budget-1))
				if isFence(l) {
					inFence = !inFence
				}
			}
			break
		}
		kept = append(kept, l)
		used += n
		if isFence(l) {
			inFence = !inFence
		}
	}
	// Do not end on an opening fence with nothing in it, or on blank lines.
	for len(kept) > 0 {
		last := kept[len(kept)-1]
		if inFence && isFence(last) {
			kept = kept[:len(kept)-1]
			inFence = false
			continue
		}
		if strings.TrimSpace(last) == "" {
			kept = kept[:len(kept)-1]
			continue
		}
		break
	}
	b.WriteString(strings.Join(kept, "\n"))
	if inFence {
		b.WriteString("\n```")
	}
	b.WriteString("\n…")
	return b.String(), true
}

// clip shortens s to at most n characters, ending with an ellipsis when cut.
func clip(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
