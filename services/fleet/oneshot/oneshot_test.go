package oneshot_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/services/fleet/oneshot"
)

// Failures name what could not be reached, so the sweep report can say why
// a cluster is unreachable. (Diagnosing real clusters is covered by the
// fleet scale-out test against the control-plane harness.)
func TestFailuresSayWhy(t *testing.T) {
	dir := t.TempDir()
	dead := filepath.Join(dir, "dead")
	if err := os.WriteFile(dead, []byte("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:1\"}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user: {token: t}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		c    config.Cluster
		want []string
	}{
		{"connection refused", config.Cluster{Name: "a", Kubeconfig: dead}, []string{"listing the cluster (https://127.0.0.1:1)", "connection refused"}},
		{"missing kubeconfig", config.Cluster{Name: "a", Kubeconfig: filepath.Join(dir, "nope")}, []string{"loading kubeconfig", "nope"}},
		{"no source", config.Cluster{Name: "a"}, []string{"no credential source"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			fs, err := (&oneshot.Diagnoser{RequestTimeout: 5 * time.Second}).Diagnose(ctx, tt.c)
			if err == nil {
				t.Fatalf("no error, %d findings", len(fs))
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not mention %q", err, w)
				}
			}
		})
	}
}
