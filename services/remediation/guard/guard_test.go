package guard_test

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubemedic/kubemedic/services/remediation/guard"
)

type nodeSpec struct {
	cordoned, notReady, controlPlane bool
}

func nodes(specs ...nodeSpec) []corev1.Node {
	var out []corev1.Node
	for i, s := range specs {
		n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("n%d", i), Labels: map[string]string{}}}
		n.Spec.Unschedulable = s.cordoned
		st := corev1.ConditionTrue
		if s.notReady {
			st = corev1.ConditionFalse
		}
		n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: st}}
		if s.controlPlane {
			n.Labels["node-role.kubernetes.io/control-plane"] = ""
		}
		out = append(out, n)
	}
	return out
}

func TestNodeGuards(t *testing.T) {
	ok := nodeSpec{}
	tests := []struct {
		name    string
		g       guard.NodeGuard
		nodes   []corev1.Node
		target  string
		allowed bool
	}{
		{"control plane refused", guard.ControlPlane{}, nodes(nodeSpec{controlPlane: true}, ok), "n0", false},
		{"control plane allowed by config", guard.ControlPlane{Allow: true}, nodes(nodeSpec{controlPlane: true}, ok), "n0", true},
		{"worker", guard.ControlPlane{}, nodes(nodeSpec{controlPlane: true}, ok), "n1", true},
		{"last schedulable node", guard.CordonCap{MaxCount: 10, MaxPercent: 100}, nodes(nodeSpec{cordoned: true}, ok), "n1", false},
		{"single node cluster", guard.CordonCap{MaxCount: 10, MaxPercent: 100}, nodes(ok), "n0", false},
		{"count cap", guard.CordonCap{MaxCount: 1, MaxPercent: 100}, nodes(nodeSpec{cordoned: true}, ok, ok, ok), "n1", false},
		{"percent cap", guard.CordonCap{MaxCount: 10, MaxPercent: 34}, nodes(nodeSpec{cordoned: true}, ok, ok, ok), "n1", false},
		{"within caps", guard.CordonCap{MaxCount: 2, MaxPercent: 50}, nodes(nodeSpec{cordoned: true}, ok, ok, ok), "n1", true},
		{"already cordoned target counts once", guard.CordonCap{MaxCount: 1, MaxPercent: 50}, nodes(nodeSpec{cordoned: true}, ok, ok), "n0", true},
		{"too many not ready", guard.NotReady{MaxPercent: 20}, nodes(nodeSpec{notReady: true}, ok, ok), "n1", false},
		{"few not ready", guard.NotReady{MaxPercent: 40}, nodes(nodeSpec{notReady: true}, ok, ok), "n1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.g.Check(tt.nodes, tt.target)
			if v.Allowed != tt.allowed {
				t.Fatalf("verdict %+v, want allowed=%v", v, tt.allowed)
			}
			if v.Guard == "" || v.Ko == "" || v.En == "" {
				t.Errorf("verdict %+v lacks a name or text", v)
			}
		})
	}
}
