package slackid

import "testing"

func TestValid(t *testing.T) {
	for s, want := range map[string]bool{
		"U0123ABCD": true, "W0123ABCD": true, "": false, "u0123abcd": false,
		"U0123 ABCD": false, "<@U0123ABCD>": false, "U0123ABCDEFGHIJKLMNOPQRSTUVWXYZ0123": false,
	} {
		if got := Valid(s); got != want {
			t.Errorf("Valid(%q) = %v, want %v", s, got, want)
		}
	}
}
