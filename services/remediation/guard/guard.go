// Package guard holds kubemedic's blast-radius guard rails as small values
// that each return a Verdict. A plan records every verdict; any refusal makes
// the plan REFUSED, so it can never be approved or executed.
//
// Node guards look at the cluster's nodes as they are when the plan is made:
// control-plane nodes are refused unless allowed, cordoning may not leave
// the cluster without schedulable nodes or push cordoned nodes above a count
// or share, and node actions stop while too many nodes are NotReady.
// State guards (pause, drain concurrency, cooldowns, target locks) live with
// the workflow state in the remediation service.
package guard

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubemedic/kubemedic/platform/config"
)

// Verdict is one guard's outcome.
type Verdict struct {
	// Guard names the guard, e.g. "cordon-cap".
	Guard string
	// Allowed is false when the guard refuses.
	Allowed bool
	// Ko and En explain the verdict.
	Ko, En string
}

// Allow and Refuse build verdicts.
func Allow(guard, ko, en string) Verdict { return Verdict{Guard: guard, Allowed: true, Ko: ko, En: en} }
func Refuse(guard, ko, en string) Verdict {
	return Verdict{Guard: guard, Allowed: false, Ko: ko, En: en}
}

// Refused returns the refusals among vs.
func Refused(vs []Verdict) []Verdict {
	var out []Verdict
	for _, v := range vs {
		if !v.Allowed {
			out = append(out, v)
		}
	}
	return out
}

// NodeGuard checks a node action against the cluster's nodes.
type NodeGuard interface {
	Check(nodes []corev1.Node, target string) Verdict
}

// ControlPlane refuses control-plane nodes unless Allow is set.
type ControlPlane struct {
	// Allow lets actions target control-plane nodes. Default: false.
	Allow bool
}

// Check implements NodeGuard.
func (g ControlPlane) Check(nodes []corev1.Node, target string) Verdict {
	const name = "control-plane-node"
	for _, n := range nodes {
		if n.Name != target || !IsControlPlane(&n) {
			continue
		}
		if g.Allow {
			return Allow(name, target+"는 컨트롤 플레인 노드이지만 설정이 허용합니다", target+" is a control-plane node, allowed by remediation.allow_control_plane_nodes")
		}
		return Refuse(name, target+"는 컨트롤 플레인 노드라서 거부합니다 (remediation.allow_control_plane_nodes)", target+" is a control-plane node; refused by default (remediation.allow_control_plane_nodes)")
	}
	return Allow(name, target+"는 워커 노드입니다", target+" is not a control-plane node")
}

// IsControlPlane reports whether n carries a control-plane role label.
func IsControlPlane(n *corev1.Node) bool {
	for _, l := range []string{"node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"} {
		if _, ok := n.Labels[l]; ok {
			return true
		}
	}
	return false
}

// CordonCap refuses cordoning target when the cluster would then have more
// cordoned nodes than MaxCount or MaxPercent, or no schedulable node at all.
type CordonCap struct {
	// MaxCount is the most cordoned nodes allowed. Required.
	MaxCount int
	// MaxPercent is the most cordoned nodes allowed as a share, 1..100.
	// Required.
	MaxPercent int
}

// Check implements NodeGuard.
func (g CordonCap) Check(nodes []corev1.Node, target string) Verdict {
	const name = "cordon-cap"
	cordoned, schedulable := 0, 0
	for _, n := range nodes {
		if n.Spec.Unschedulable || n.Name == target {
			cordoned++
		} else {
			schedulable++
		}
	}
	total := len(nodes)
	if total == 0 {
		return Refuse(name, "클러스터에 노드가 없습니다", "the cluster has no nodes")
	}
	pct := cordoned * 100 / total
	switch {
	case schedulable == 0:
		return Refuse(name,
			fmt.Sprintf("%s을(를) 격리하면 스케줄 가능한 노드가 하나도 남지 않습니다", target),
			fmt.Sprintf("cordoning %s would leave no schedulable node", target))
	case cordoned > g.MaxCount:
		return Refuse(name,
			fmt.Sprintf("격리 후 격리된 노드가 %d개로 한도 %d개를 넘습니다", cordoned, g.MaxCount),
			fmt.Sprintf("%d nodes would be cordoned, above the cap of %d (remediation.limits.max_cordoned_nodes)", cordoned, g.MaxCount))
	case cordoned*100 > g.MaxPercent*total:
		return Refuse(name,
			fmt.Sprintf("격리 후 노드의 %d%%(%d/%d)가 격리되어 한도 %d%%를 넘습니다", pct, cordoned, total, g.MaxPercent),
			fmt.Sprintf("%d%% of nodes (%d/%d) would be cordoned, above the cap of %d%% (remediation.limits.max_cordoned_percent)", pct, cordoned, total, g.MaxPercent))
	}
	return Allow(name,
		fmt.Sprintf("격리 후 %d/%d 노드(%d%%)가 격리됩니다; 스케줄 가능한 노드 %d개", cordoned, total, pct, schedulable),
		fmt.Sprintf("%d/%d nodes (%d%%) cordoned afterwards; %d schedulable nodes left", cordoned, total, pct, schedulable))
}

// NotReady refuses node actions while more than MaxPercent of the nodes are
// not Ready: the cluster is already degraded and taking capacity away makes
// it worse.
type NotReady struct {
	// MaxPercent is the largest tolerated share of NotReady nodes, 0..100.
	// Required.
	MaxPercent int
}

// Check implements NodeGuard.
func (g NotReady) Check(nodes []corev1.Node, _ string) Verdict {
	const name = "not-ready-nodes"
	bad := 0
	for i := range nodes {
		if !IsReady(&nodes[i]) {
			bad++
		}
	}
	if len(nodes) > 0 && bad*100 > g.MaxPercent*len(nodes) {
		return Refuse(name,
			fmt.Sprintf("노드 %d/%d개가 NotReady라서 노드 조치를 멈춥니다 (한도 %d%%)", bad, len(nodes), g.MaxPercent),
			fmt.Sprintf("%d/%d nodes are NotReady, above %d%% (remediation.limits.max_not_ready_percent); node actions are paused", bad, len(nodes), g.MaxPercent))
	}
	return Allow(name, fmt.Sprintf("NotReady 노드 %d/%d개", bad, len(nodes)), fmt.Sprintf("%d/%d nodes NotReady", bad, len(nodes)))
}

// IsReady reports whether n's Ready condition is True.
func IsReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// NodeGuards are the node guards of a configuration, in the order they run.
// Actions that take capacity away (cordon, drain) get all of them; uncordon
// adds capacity and only gets the control-plane guard.
func NodeGuards(cfg config.Remediation, takesCapacity bool) []NodeGuard {
	gs := []NodeGuard{ControlPlane{Allow: cfg.AllowControlPlaneNodes}}
	if takesCapacity {
		gs = append(gs, NotReady{MaxPercent: cfg.Limits.MaxNotReadyPercent},
			CordonCap{MaxCount: cfg.Limits.MaxCordonedNodes, MaxPercent: cfg.Limits.MaxCordonedPercent})
	}
	return gs
}

// CheckNodes runs gs.
func CheckNodes(gs []NodeGuard, nodes []corev1.Node, target string) []Verdict {
	out := make([]Verdict, 0, len(gs))
	for _, g := range gs {
		out = append(out, g.Check(nodes, target))
	}
	return out
}
