package action

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"

	"github.com/kubemedic/kubemedic/services/remediation/guard"
)

// Annotations kubemedic writes on nodes it cordons. Uncordon (and undo) only
// act on nodes that carry CordonedByAnnotation.
const (
	CordonedByAnnotation = "kubemedic.io/cordoned-by"
	CordonedAtAnnotation = "kubemedic.io/cordoned-at"
)

// nodeState is what node actions record at plan time. Node status
// heartbeats change a node's resourceVersion every few seconds, so node
// actions check the fields they change (and the UID) instead, then update
// under the resourceVersion they just read.
type nodeState struct {
	UID           string `json:"uid"`
	Unschedulable bool   `json:"unschedulable"`
	CordonedBy    string `json:"cordonedBy,omitempty"`
}

func nodeRef(n *corev1.Node) Ref {
	return Ref{APIVersion: "v1", Kind: "Node", Name: n.Name, UID: string(n.UID)}
}

func stateOf(n *corev1.Node) nodeState {
	return nodeState{UID: string(n.UID), Unschedulable: n.Spec.Unschedulable, CordonedBy: n.Annotations[CordonedByAnnotation]}
}

// cordoned returns a copy of n cordoned by actor.
func cordoned(n *corev1.Node, actor string, now time.Time) *corev1.Node {
	c := n.DeepCopy()
	c.Spec.Unschedulable = true
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[CordonedByAnnotation] = actor
	c.Annotations[CordonedAtAnnotation] = now.UTC().Format(time.RFC3339)
	return c
}

// uncordoned returns a copy of n schedulable again, without kubemedic's marks.
func uncordoned(n *corev1.Node) *corev1.Node {
	c := n.DeepCopy()
	c.Spec.Unschedulable = false
	delete(c.Annotations, CordonedByAnnotation)
	delete(c.Annotations, CordonedAtAnnotation)
	return c
}

// updateNode re-reads the node, lets check refuse a changed node, and
// writes change(node) as the person under the resourceVersion just read,
// retrying only on a resourceVersion conflict (a heartbeat in between).
func updateNode(ctx context.Context, env Env, name string, check func(*corev1.Node) error, change func(*corev1.Node) *corev1.Node) (*corev1.Node, error) {
	var out *corev1.Node
	err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		n, err := env.Reader.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if err := check(n); err != nil {
			return err
		}
		out, err = env.Writer.CoreV1().Nodes().Update(ctx, change(n), metav1.UpdateOptions{FieldManager: fieldManager})
		return err
	})
	return out, err
}

// dryRunNode runs change(node) as a server-side dry-run as the person,
// re-reading the node when a heartbeat changed it in between. It returns the
// node as read and as it would be after the change.
func dryRunNode(ctx context.Context, env Env, name string, change func(*corev1.Node) *corev1.Node) (before, after *corev1.Node, err error) {
	err = retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		n, err := env.Reader.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		before = n
		after, err = env.Writer.CoreV1().Nodes().Update(ctx, change(n), metav1.UpdateOptions{DryRun: dryRunAll, FieldManager: fieldManager})
		return err
	})
	if err != nil && before != nil {
		after = change(before)
	}
	return before, after, err
}

// fieldManager names kubemedic in managedFields.
const fieldManager = "kubemedic"

// nodeVerdicts runs the node guards for an action on target.
func nodeVerdicts(ctx context.Context, env Env, target string, cordons bool) ([]guard.Verdict, []corev1.Node, error) {
	list, err := env.Reader.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("listing nodes: %w", err)
	}
	return guard.CheckNodes(guard.NodeGuards(env.Config, cordons), list.Items, target), list.Items, nil
}

// podsOn counts the pods bound to node.
func podsOn(ctx context.Context, env Env, node string) ([]corev1.Pod, error) {
	list, err := env.Reader.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + node})
	if err != nil {
		return nil, fmt.Errorf("listing pods on %s: %w", node, err)
	}
	return list.Items, nil
}

func sameNode(plan nodeState, n *corev1.Node) error {
	if string(n.UID) != plan.UID {
		return stale("노드 %s이(가) 계획 이후 다시 만들어졌습니다 (UID %s → %s).", "node %s was re-created since the plan (UID %s → %s)", n.Name, plan.UID, n.UID)
	}
	return nil
}

// hideVersion drops the resourceVersion, which heartbeats and dry-runs
// change, so node diffs show only the change itself.
func hideVersion(n *corev1.Node) *corev1.Node {
	c := n.DeepCopy()
	c.ResourceVersion = ""
	return c
}
