package remediation

import (
	"strings"
	"testing"

	"connectrpc.com/connect"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

func TestMayUseCluster(t *testing.T) {
	tests := []struct {
		name     string
		clusters []string
		cluster  string
		allowed  bool
	}{
		{"no list means every cluster", nil, "b", true},
		{"star means every cluster", []string{"*"}, "b", true},
		{"listed", []string{"a", "b"}, "b", true},
		{"not listed", []string{"a"}, "b", false},
		{"names are exact", []string{"prod"}, "prod-eu", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := &kubemedicv1.Identity{KubernetesUser: "alice@example.com", TokenName: "ci", Clusters: tt.clusters}
			err := mayUseCluster(id, tt.cluster)
			if tt.allowed {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if connect.CodeOf(err) != connect.CodePermissionDenied {
				t.Fatalf("got %v, want PermissionDenied", err)
			}
			msg := err.Error()
			ko, en := strings.Index(msg, "클러스터 "+tt.cluster+"에 접근할 수 없습니다"), strings.Index(msg, "ci may not use cluster "+tt.cluster)
			if ko < 0 || en < 0 || ko > en {
				t.Errorf("message %q: want Korean then English, naming the token and cluster %s", msg, tt.cluster)
			}
		})
	}
}
