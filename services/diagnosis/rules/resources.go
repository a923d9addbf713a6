package rules

import (
	corev1 "k8s.io/api/core/v1"
)

// podRequests returns a pod's effective CPU (millicores) and memory (bytes)
// requests as the scheduler counts them: the sum over containers and
// restartable init (sidecar) containers, at least the largest plain init
// container, plus pod overhead. Hand-written because the upstream helper
// (k8s.io/component-helpers) is not a dependency of this module.
func podRequests(p *corev1.Pod) (cpu, mem int64) {
	for _, c := range p.Spec.Containers {
		cpu += milli(c.Resources.Requests[corev1.ResourceCPU])
		mem += c.Resources.Requests.Memory().Value()
	}
	var sideCPU, sideMem, initCPU, initMem int64
	for _, c := range p.Spec.InitContainers {
		ccpu := milli(c.Resources.Requests[corev1.ResourceCPU])
		cmem := c.Resources.Requests.Memory().Value()
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sideCPU += ccpu
			sideMem += cmem
			continue
		}
		initCPU = max(initCPU, sideCPU+ccpu)
		initMem = max(initMem, sideMem+cmem)
	}
	cpu = max(cpu+sideCPU, initCPU)
	mem = max(mem+sideMem, initMem)
	cpu += milli(p.Spec.Overhead[corev1.ResourceCPU])
	mem += p.Spec.Overhead.Memory().Value()
	return cpu, mem
}

// nodeUsage sums the requests of the non-terminated pods bound to each node.
type nodeUsage struct{ cpu, mem int64 }

func usageByNode(pods []*corev1.Pod) map[string]nodeUsage {
	u := map[string]nodeUsage{}
	for _, p := range pods {
		if p.Spec.NodeName == "" || terminated(p) {
			continue
		}
		c, m := podRequests(p)
		x := u[p.Spec.NodeName]
		x.cpu += c
		x.mem += m
		u[p.Spec.NodeName] = x
	}
	return u
}

func terminated(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// nodeReady reports the node's Ready condition.
func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
