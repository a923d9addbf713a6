package main

import (
	"io"
	"strings"
	"testing"
)

// TestRunRejectsBadInput covers argument errors, none of which may start
// anything.
func TestRunRejectsBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "missing command"},
		{[]string{"launch"}, `unknown command "launch"`},
		{[]string{"up", "-nodes", "-1"}, "-nodes must be 0 or more"},
		{[]string{"up", "-pods", "-5"}, "-pods must be 0 or more"},
		{[]string{"up", "-nodes", "2", "-pods", "500"}, "500 pods do not fit on 2 nodes"},
		{[]string{"up", "extra"}, "unexpected arguments"},
		{[]string{"down", "-nodes", "x"}, "invalid value"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			err := run(tc.args, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("run(%q) = %v, want an error containing %q", tc.args, err, tc.want)
			}
		})
	}
}

func TestStatusAndDownWithoutCluster(t *testing.T) {
	dir := t.TempDir()
	for _, cmd := range []string{"status", "down"} {
		var out strings.Builder
		if err := run([]string{cmd, "-dir", dir}, &out, io.Discard); err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		if !strings.Contains(out.String(), dir) {
			t.Errorf("%s output %q does not name %s", cmd, out.String(), dir)
		}
	}
}
