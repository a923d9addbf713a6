package bot

import (
	"strings"
	"unicode/utf8"
)

func isFence(l string) bool { return strings.HasPrefix(strings.TrimSpace(l), "```") }

// escapeMrkdwn escapes &, < and > as Slack's mrkdwn requires of text that
// is not markup.
func escapeMrkdwn(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// excerpt trims Markdown or mrkdwn text to at most limit characters, cutting at a line
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
