package controlplane

import (
	"context"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// ManualStatusLabel, set to "true" on a node or pod, tells kwok to leave its
// status alone. Tests then write the status a kubelet would have written
// (ImagePullBackOff, OOMKilled, NotReady, ...). A node with this label gets no
// lease renewals either, so the node lifecycle controller eventually marks it
// Unknown, as it would a dead kubelet; pods on such a node are not run by kwok.
const ManualStatusLabel = "kubemedic.io/manual-status"

// NodeOptions shape a fake node.
type NodeOptions struct {
	// CPU, Memory and Pods are capacity and allocatable; empty means 8 CPUs,
	// 32Gi and 110 pods.
	CPU, Memory, Pods string
	// Labels are added to the standard ones (kubernetes.io/hostname,
	// kubernetes.io/os, kubernetes.io/arch, type=kwok).
	Labels map[string]string
	// Taints are set on the node at creation.
	Taints []corev1.Taint
	// ManualStatus sets ManualStatusLabel: kwok does not manage the node.
	ManualStatus bool
	// KeepConditions sets KeepConditionsLabel: kwok keeps the node alive but
	// leaves the conditions a test writes.
	KeepConditions bool
}

func (o NodeOptions) withDefaults() NodeOptions {
	if o.CPU == "" {
		o.CPU = "8"
	}
	if o.Memory == "" {
		o.Memory = "32Gi"
	}
	if o.Pods == "" {
		o.Pods = "110"
	}
	return o
}

// FakeNode returns a Node object that kwok will adopt: once created, kwok
// marks it Ready, renews its lease and runs the pods scheduled to it.
func FakeNode(name string, opts NodeOptions) (*corev1.Node, error) {
	opts = opts.withDefaults()
	list := corev1.ResourceList{}
	for res, v := range map[corev1.ResourceName]string{corev1.ResourceCPU: opts.CPU, corev1.ResourceMemory: opts.Memory, corev1.ResourcePods: opts.Pods} {
		q, err := resource.ParseQuantity(v)
		if err != nil {
			return nil, fmt.Errorf("node %s: invalid %s quantity %q: %w", name, res, v, err)
		}
		list[res] = q
	}
	labels := map[string]string{
		"kubernetes.io/hostname": name,
		"kubernetes.io/os":       "linux",
		"kubernetes.io/arch":     "amd64",
		"type":                   "kwok",
	}
	for k, v := range opts.Labels {
		labels[k] = v
	}
	if opts.ManualStatus {
		labels[ManualStatusLabel] = "true"
	}
	if opts.KeepConditions {
		labels[KeepConditionsLabel] = "true"
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:   name,
			Labels: labels,
			Annotations: map[string]string{
				"kwok.x-k8s.io/node":           "fake",
				"node.alpha.kubernetes.io/ttl": "0",
			},
		},
		Spec: corev1.NodeSpec{Taints: opts.Taints},
		Status: corev1.NodeStatus{
			Capacity:    list,
			Allocatable: list.DeepCopy(),
			Phase:       corev1.NodeRunning,
		},
	}, nil
}

// CreateNodes creates fake nodes with the given names in parallel. Existing
// nodes are left as they are.
func CreateNodes(ctx context.Context, cs kubernetes.Interface, names []string, opts NodeOptions) error {
	const workers = 16
	jobs := make(chan string)
	errs := make(chan error, len(names))
	var wg sync.WaitGroup
	for range min(workers, len(names)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range jobs {
				node, err := FakeNode(name, opts)
				if err == nil {
					_, err = cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
					if apierrors.IsAlreadyExists(err) {
						err = nil
					}
				}
				if err != nil {
					errs <- fmt.Errorf("create node %s: %w", name, err)
				}
			}
		}()
	}
	for _, n := range names {
		jobs <- n
	}
	close(jobs)
	wg.Wait()
	close(errs)
	return <-errs // first error, if any
}

// nodesReady reports whether every named node has Ready=True.
func nodesReady(ctx context.Context, cs kubernetes.Interface, names []string) (bool, error) {
	if len(names) == 0 {
		return true, nil
	}
	list, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		return false, nil
	}
	ready := map[string]bool{}
	for _, n := range list.Items {
		ready[n.Name] = NodeReady(&n)
	}
	for _, name := range names {
		if !ready[name] {
			return false, nil
		}
	}
	return true, nil
}

// NodeReady reports whether the node's Ready condition is True.
func NodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
