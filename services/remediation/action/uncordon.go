package action

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/remediation/access"
	"github.com/kubemedic/kubemedic/services/remediation/guard"
	"github.com/kubemedic/kubemedic/services/remediation/policy"
)

// Uncordon makes a node schedulable again. It only acts on nodes kubemedic
// cordoned (CordonedByAnnotation): a node someone cordoned by hand was
// cordoned for a reason kubemedic does not know.
type Uncordon struct {
	// Node is the node name. Required.
	Node string
}

func newUncordon(a *kubemedicv1.UncordonAction) (*Uncordon, error) {
	if err := checkName("uncordon.node", a.GetNode()); err != nil {
		return nil, err
	}
	return &Uncordon{Node: a.GetNode()}, nil
}

// Type implements Action.
func (u *Uncordon) Type() string { return "uncordon" }

// Target implements Action.
func (u *Uncordon) Target() policy.Target { return policy.Target{Kind: "Node", Name: u.Node} }

// Permissions implements Action.
func (u *Uncordon) Permissions() []access.Permission {
	return []access.Permission{{Verb: "update", Resource: "nodes", Name: u.Node}}
}

// Plan implements Action.
func (u *Uncordon) Plan(ctx context.Context, env Env) (*Planned, error) {
	n, err := env.Reader.CoreV1().Nodes().Get(ctx, u.Node, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading node %s: %w", u.Node, err)
	}
	verdicts, _, err := nodeVerdicts(ctx, env, u.Node, false)
	if err != nil {
		return nil, err
	}
	switch {
	case !n.Spec.Unschedulable:
		verdicts = append(verdicts, guard.Refuse("node-state", u.Node+"은(는) 격리되어 있지 않습니다", u.Node+" is not cordoned"))
	case n.Annotations[CordonedByAnnotation] == "":
		verdicts = append(verdicts, guard.Refuse("cordoned-by-kubemedic",
			u.Node+"은(는) kubemedic이 격리한 노드가 아닙니다; 직접 격리한 노드는 kubectl로 해제하세요",
			u.Node+" was not cordoned by kubemedic; uncordon hand-cordoned nodes with kubectl"))
	default:
		verdicts = append(verdicts, guard.Allow("cordoned-by-kubemedic",
			u.Node+"은(는) kubemedic이 "+n.Annotations[CordonedByAnnotation]+" 요청으로 격리했습니다",
			u.Node+" was cordoned by kubemedic for "+n.Annotations[CordonedByAnnotation]))
	}
	p := &Planned{Target: nodeRef(n), ResourceVersion: n.ResourceVersion, Verdicts: verdicts, DryRunOK: true}
	before, after, err := dryRunNode(ctx, env, u.Node, uncordoned)
	if before == nil {
		return nil, fmt.Errorf("reading node %s: %w", u.Node, err)
	}
	if err != nil {
		p.DryRunOK, p.DryRunMessage = false, dryRunNote(err)
	}
	p.Diff = unifiedDiff("node/"+u.Node, hideVersion(before), hideVersion(after))
	p.SummaryKo = "노드 " + u.Node + "에 다시 파드가 배치될 수 있습니다"
	p.SummaryEn = "pods can be scheduled to " + u.Node + " again"
	if p.State, err = encodeState(stateOf(n)); err != nil {
		return nil, err
	}
	return p, nil
}

// Execute implements Action.
func (u *Uncordon) Execute(ctx context.Context, env Env, raw json.RawMessage, progress Progress) (*Outcome, error) {
	var st nodeState
	if err := decodeState(raw, &st); err != nil {
		return nil, err
	}
	n, err := updateNode(ctx, env, u.Node, func(n *corev1.Node) error {
		if err := sameNode(st, n); err != nil {
			return err
		}
		if !n.Spec.Unschedulable || n.Annotations[CordonedByAnnotation] != st.CordonedBy {
			return stale("노드 %s의 격리 상태가 계획 이후 바뀌었습니다.", "the cordon state of node %s changed since the plan", u.Node)
		}
		return nil
	}, uncordoned)
	if err != nil {
		return nil, err
	}
	ref := nodeRef(n)
	progress(Step{Object: &ref, Ko: u.Node + " 격리 해제 완료", En: "uncordoned " + u.Node})
	return &Outcome{Undo: &kubemedicv1.Action{Cluster: env.Cluster, Kind: &kubemedicv1.Action_Cordon{Cordon: &kubemedicv1.CordonAction{Node: u.Node}}}}, nil
}
