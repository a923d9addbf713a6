package scenario

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
)

// This file plays the parts of a kubelet that kwok does not: it writes pod and
// node status the way a kubelet would, and posts kubelet-style events.

// waitPod polls pod name until cond holds.
func (t *Target) waitPod(ctx context.Context, name, what string, cond func(*corev1.Pod) bool) (*corev1.Pod, error) {
	var last *corev1.Pod
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		p, err := t.Client.CoreV1().Pods(t.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		last = p
		return cond(p), nil
	})
	if err != nil {
		return nil, fmt.Errorf("wait for pod %s to be %s: %w (last phase %q)", name, what, err, phase(last))
	}
	return last, nil
}

func phase(p *corev1.Pod) corev1.PodPhase {
	if p == nil {
		return ""
	}
	return p.Status.Phase
}

func scheduled(p *corev1.Pod) bool { return p.Spec.NodeName != "" }

func running(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning }

// waitUnschedulable waits for the scheduler's FailedScheduling event on pod
// whose message contains fragment and for the pod's PodScheduled condition
// False/Unschedulable: the scheduler writes the two in separate calls, and
// the event may be seen first.
func (t *Target) waitUnschedulable(ctx context.Context, pod, fragment string) error {
	if _, err := t.waitEvent(ctx, "Pod", pod, "FailedScheduling", fragment); err != nil {
		return err
	}
	_, err := t.waitPod(ctx, pod, "unschedulable", unschedulable)
	return err
}

// unschedulable reports whether the scheduler marked p PodScheduled
// False/Unschedulable.
func unschedulable(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			return true
		}
	}
	return false
}

// updatePodStatus applies mutate to the pod's status, retrying on conflicts.
func (t *Target) updatePodStatus(ctx context.Context, name string, mutate func(*corev1.Pod)) (*corev1.Pod, error) {
	var out *corev1.Pod
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p, err := t.Client.CoreV1().Pods(t.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		mutate(p)
		out, err = t.Client.CoreV1().Pods(t.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{FieldManager: fieldManager})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("write status of pod %s: %w", name, err)
	}
	return out, nil
}

// podConditions are the conditions a kubelet reports; ready says whether
// Ready/ContainersReady are True, initialized whether Initialized is.
func podConditions(p *corev1.Pod, initialized, ready bool, notReadyMsg string) []corev1.PodCondition {
	now := metav1.Now()
	b := func(v bool) corev1.ConditionStatus {
		if v {
			return corev1.ConditionTrue
		}
		return corev1.ConditionFalse
	}
	conds := []corev1.PodCondition{
		{Type: corev1.PodReadyToStartContainers, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: corev1.PodInitialized, Status: b(initialized), LastTransitionTime: now},
		{Type: corev1.PodReady, Status: b(ready), LastTransitionTime: now},
		{Type: corev1.ContainersReady, Status: b(ready), LastTransitionTime: now},
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now},
	}
	if !initialized {
		conds[1].Reason = "ContainersNotInitialized"
		conds[1].Message = notReadyMsg
	}
	if !ready {
		reason := "ContainersNotReady"
		if !initialized {
			reason = "ContainersNotInitialized"
		}
		conds[2].Reason, conds[2].Message = reason, notReadyMsg
		conds[3].Reason, conds[3].Message = reason, notReadyMsg
	}
	return conds
}

// fakePodIP picks an address inside the kwok pod CIDR's upper half, which
// kwok does not hand out for the cluster sizes the harness runs.
func fakePodIP() string {
	return fmt.Sprintf("10.244.%d.%d", 200+rand.Intn(50), 2+rand.Intn(250))
}

// kubeletEvent records an event as the kubelet on the pod's node would.
func (t *Target) kubeletEvent(ctx context.Context, p *corev1.Pod, typ, reason, message, fieldPath string) error {
	return t.event(ctx, corev1.ObjectReference{
		Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID, APIVersion: "v1",
		ResourceVersion: p.ResourceVersion, FieldPath: fieldPath,
	}, corev1.EventSource{Component: "kubelet", Host: p.Spec.NodeName}, typ, reason, message)
}

// event records an event about obj from source.
func (t *Target) event(ctx context.Context, obj corev1.ObjectReference, source corev1.EventSource, typ, reason, message string) error {
	now := metav1.NewTime(time.Now())
	ns := obj.Namespace
	if ns == "" {
		ns = metav1.NamespaceDefault
	}
	ev := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{
			Name:      fmt.Sprintf("%s.%x", obj.Name, time.Now().UnixNano()),
			Namespace: ns,
		},
		InvolvedObject:      obj,
		Reason:              reason,
		Message:             message,
		Source:              source,
		FirstTimestamp:      now,
		LastTimestamp:       now,
		Count:               1,
		Type:                typ,
		ReportingController: source.Component,
		ReportingInstance:   source.Host,
	}
	if _, err := t.Client.CoreV1().Events(ns).Create(ctx, ev, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("record %s event on %s %s: %w", reason, obj.Kind, obj.Name, err)
	}
	return nil
}

// waitEvent waits for an event about kind/name in the target namespace with
// the given reason whose message contains every fragment.
func (t *Target) waitEvent(ctx context.Context, kind, name, reason string, fragments ...string) (*corev1.Event, error) {
	var found *corev1.Event
	var lastMsg string
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		ev, msg, err := FindEvent(ctx, t.Client, t.Namespace, kind, name, reason, fragments...)
		if err != nil {
			return false, nil
		}
		lastMsg = msg
		found = ev
		return ev != nil, nil
	})
	if err != nil {
		return nil, fmt.Errorf("wait for %s event on %s %s containing %q: %w (last seen: %q)", reason, kind, name, fragments, err, lastMsg)
	}
	return found, nil
}

// FindEvent returns the newest event in namespace about kind/name with
// reason whose message contains every fragment, matching the involved
// object's kind, namespace and name. The second result is the newest message
// seen for that object and reason, for error reports.
func FindEvent(ctx context.Context, c kubernetes.Interface, namespace, kind, name, reason string, fragments ...string) (*corev1.Event, string, error) {
	sel := fmt.Sprintf("involvedObject.kind=%s,involvedObject.name=%s,involvedObject.namespace=%s", kind, name, namespace)
	list, err := c.CoreV1().Events(namespace).List(ctx, metav1.ListOptions{FieldSelector: sel})
	if err != nil {
		return nil, "", err
	}
	var best *corev1.Event
	var lastMsg string
	for i := range list.Items {
		ev := &list.Items[i]
		if ev.Reason != reason {
			continue
		}
		lastMsg = ev.Message
		ok := true
		for _, f := range fragments {
			if !strings.Contains(ev.Message, f) {
				ok = false
				break
			}
		}
		if ok && (best == nil || eventTime(ev).After(eventTime(best))) {
			best = ev
		}
	}
	return best, lastMsg, nil
}

func eventTime(ev *corev1.Event) time.Time {
	if !ev.LastTimestamp.IsZero() {
		return ev.LastTimestamp.Time
	}
	if ev.Series != nil {
		return ev.Series.LastObservedTime.Time
	}
	return ev.EventTime.Time
}

// setNodeConditions upserts conditions on node's status, as a kubelet would.
func (t *Target) setNodeConditions(ctx context.Context, name string, conds ...corev1.NodeCondition) error {
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		n, err := t.Client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		now := metav1.Now()
		for _, c := range conds {
			c.LastHeartbeatTime, c.LastTransitionTime = now, now
			replaced := false
			for i := range n.Status.Conditions {
				if n.Status.Conditions[i].Type == c.Type {
					n.Status.Conditions[i] = c
					replaced = true
				}
			}
			if !replaced {
				n.Status.Conditions = append(n.Status.Conditions, c)
			}
		}
		_, err = t.Client.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{FieldManager: fieldManager})
		return err
	})
	if err != nil {
		return fmt.Errorf("write conditions of node %s: %w", name, err)
	}
	return nil
}

// waitNode polls node name until cond holds.
func (t *Target) waitNode(ctx context.Context, name, what string, cond func(*corev1.Node) bool) (*corev1.Node, error) {
	var last *corev1.Node
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		n, err := t.Client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) || err != nil {
			return false, nil
		}
		last = n
		return cond(n), nil
	})
	if err != nil {
		var taints []corev1.Taint
		if last != nil {
			taints = last.Spec.Taints
		}
		return nil, fmt.Errorf("wait for node %s to be %s: %w (taints %v)", name, what, err, taints)
	}
	return last, nil
}

// HasTaint reports whether node has a taint with key and effect.
func HasTaint(n *corev1.Node, key string, effect corev1.TaintEffect) bool {
	for _, t := range n.Spec.Taints {
		if t.Key == key && t.Effect == effect {
			return true
		}
	}
	return false
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// reportNodeConditions writes conds on node name and waits until done
// holds, writing them again whenever the node shows one of them otherwise,
// as a kubelet keeps reporting its conditions: kwok's heartbeat, working
// from a cache that has not seen the first write yet, can put the old
// conditions back, and the controller waited for never sees them.
func (t *Target) reportNodeConditions(ctx context.Context, name, what string, done func(*corev1.Node) bool, conds ...corev1.NodeCondition) error {
	if err := t.setNodeConditions(ctx, name, conds...); err != nil {
		return err
	}
	var werr error
	_, err := t.waitNode(ctx, name, what, func(n *corev1.Node) bool {
		if done(n) {
			return true
		}
		for _, c := range conds {
			if !hasCondition(n, c.Type, c.Status) {
				werr = t.setNodeConditions(ctx, name, conds...)
				break
			}
		}
		return false
	})
	if err != nil && werr != nil {
		return fmt.Errorf("%w (last rewrite of its conditions: %v)", err, werr)
	}
	return err
}

func hasCondition(n *corev1.Node, typ corev1.NodeConditionType, status corev1.ConditionStatus) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == typ {
			return c.Status == status
		}
	}
	return false
}
