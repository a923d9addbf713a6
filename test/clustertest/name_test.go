package clustertest

import (
	"regexp"
	"testing"
)

func TestNamespaceName(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	tests := []struct {
		test       string
		wantPrefix string
	}{
		{"TestDrain", "testdrain-"},
		{"TestScenarios/image-pull-backoff", "testscenarios-image-pull-backoff-"},
		{"Test_Weird__Name/with spaces & symbols", "test-weird-name-with-spaces-symbols-"},
		{"TestAVeryLongNameThatGoesOnAndOnAndOnBeyondTheLimitOfDNSLabels", "testaverylongnamethatgoesonandonandonbey-"},
		{"///", "test-"},
	}
	for _, tc := range tests {
		t.Run(tc.test, func(t *testing.T) {
			got := namespaceName(tc.test)
			if !valid.MatchString(got) || len(got) > 63 {
				t.Errorf("namespaceName(%q) = %q, not a DNS label", tc.test, got)
			}
			if len(got) != len(tc.wantPrefix)+4 || got[:len(tc.wantPrefix)] != tc.wantPrefix {
				t.Errorf("namespaceName(%q) = %q, want %q + 4 hex digits", tc.test, got, tc.wantPrefix)
			}
		})
	}
}
