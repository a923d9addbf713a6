package action

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/remediation/access"
	"github.com/kubemedic/kubemedic/services/remediation/guard"
	"github.com/kubemedic/kubemedic/services/remediation/policy"
)

// Cordon marks a node unschedulable and records that kubemedic did it.
type Cordon struct {
	// Node is the node name. Required.
	Node string
}

func newCordon(a *kubemedicv1.CordonAction) (*Cordon, error) {
	if err := checkName("cordon.node", a.GetNode()); err != nil {
		return nil, err
	}
	return &Cordon{Node: a.GetNode()}, nil
}

// Type implements Action.
func (c *Cordon) Type() string { return "cordon" }

// Target implements Action.
func (c *Cordon) Target() policy.Target { return policy.Target{Kind: "Node", Name: c.Node} }

// Permissions implements Action.
func (c *Cordon) Permissions() []access.Permission {
	return []access.Permission{{Verb: "update", Resource: "nodes", Name: c.Node}}
}

// Plan implements Action.
func (c *Cordon) Plan(ctx context.Context, env Env) (*Planned, error) {
	n, err := env.Reader.CoreV1().Nodes().Get(ctx, c.Node, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading node %s: %w", c.Node, err)
	}
	verdicts, _, err := nodeVerdicts(ctx, env, c.Node, true)
	if err != nil {
		return nil, err
	}
	if n.Spec.Unschedulable {
		verdicts = append(verdicts, guard.Refuse("node-state", c.Node+"은(는) 이미 격리되어 있습니다", c.Node+" is already cordoned"))
	}
	p := &Planned{Target: nodeRef(n), ResourceVersion: n.ResourceVersion, Verdicts: verdicts, DryRunOK: true}
	before, after, err := dryRunNode(ctx, env, c.Node, func(x *corev1.Node) *corev1.Node { return cordoned(x, env.Actor, time.Now()) })
	if before == nil {
		return nil, fmt.Errorf("reading node %s: %w", c.Node, err)
	}
	if err != nil {
		p.DryRunOK, p.DryRunMessage = false, dryRunNote(err)
	}
	p.Diff = unifiedDiff("node/"+c.Node, hideVersion(before), hideVersion(after))
	pods, err := podsOn(ctx, env, c.Node)
	if err != nil {
		return nil, err
	}
	p.SummaryKo = fmt.Sprintf("노드 %s에 새 파드가 배치되지 않습니다; 실행 중인 파드 %d개는 그대로입니다", c.Node, len(pods))
	p.SummaryEn = fmt.Sprintf("no new pods are scheduled to %s; its %d running pods stay", c.Node, len(pods))
	if p.State, err = encodeState(stateOf(n)); err != nil {
		return nil, err
	}
	return p, nil
}

// Execute implements Action.
func (c *Cordon) Execute(ctx context.Context, env Env, raw json.RawMessage, progress Progress) (*Outcome, error) {
	var st nodeState
	if err := decodeState(raw, &st); err != nil {
		return nil, err
	}
	n, err := updateNode(ctx, env, c.Node, func(n *corev1.Node) error {
		if err := sameNode(st, n); err != nil {
			return err
		}
		if n.Spec.Unschedulable {
			return stale("노드 %s이(가) 계획 이후 다른 누군가에 의해 격리되었습니다.", "node %s was cordoned by someone else since the plan", c.Node)
		}
		return nil
	}, func(n *corev1.Node) *corev1.Node { return cordoned(n, env.Actor, time.Now()) })
	if err != nil {
		return nil, err
	}
	ref := nodeRef(n)
	progress(Step{Object: &ref, Ko: c.Node + " 격리 완료", En: "cordoned " + c.Node})
	return &Outcome{Undo: &kubemedicv1.Action{Cluster: env.Cluster, Kind: &kubemedicv1.Action_Uncordon{Uncordon: &kubemedicv1.UncordonAction{Node: c.Node}}}}, nil
}
