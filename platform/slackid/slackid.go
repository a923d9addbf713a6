// Package slackid recognises Slack user ids. The gateway forwards one only
// when it is well formed, and the ask log stores one only then, so free text
// can never travel or be kept in the place of an id.
package slackid

// Valid reports whether s looks like a Slack user id (U0123ABCD, W0123ABCD):
// upper-case letters and digits, at most 32.
func Valid(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}
