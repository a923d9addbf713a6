package rules

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// podIssue is one pod-level problem before roll-up.
type podIssue struct {
	pod          *corev1.Pod
	code, reason string
	sev          kubemedicv1.Severity
	// what is the problem as a predicate: "스케줄되지 않음 (CPU 부족)" /
	// "cannot be scheduled (insufficient CPU)".
	whatKo, whatEn string
	// cause explains this pod's problem with numbers, in full sentences.
	causeKo, causeEn string
	evidence         []*kubemedicv1.Evidence
	// actions suggests fixes for the object the issue rolls up to (nil: none).
	actions func(owner object, pods int) []*kubemedicv1.Action
}

// maxEvidencePods bounds how many pods of a group contribute evidence.
const maxEvidencePods = 3

// rollup turns pod issues into findings: issues of pods owned by a workload
// (Deployment through its ReplicaSet, StatefulSet, DaemonSet, Job, bare
// ReplicaSet) with the same code and reason become one finding on the
// workload naming the pod count; unowned pods get a finding each.
func rollup(in *Input, issues []podIssue) []*kubemedicv1.Finding {
	type group struct {
		owner  object
		owned  bool
		issues []podIssue
	}
	groups := map[string]*group{}
	var order []string
	for _, is := range issues {
		o, owned := topOwner(in, is.pod)
		key := o.kind + "/" + o.meta.GetNamespace() + "/" + o.meta.GetName() + "/" + is.code + "/" + is.reason
		g := groups[key]
		if g == nil {
			g = &group{owner: o, owned: owned}
			groups[key] = g
			order = append(order, key)
		}
		g.issues = append(g.issues, is)
	}
	out := make([]*kubemedicv1.Finding, 0, len(order))
	for _, key := range order {
		g := groups[key]
		slices.SortFunc(g.issues, func(a, b podIssue) int { return cmp.Compare(a.pod.Name, b.pod.Name) })
		first := g.issues[0]
		sev := first.sev
		for _, is := range g.issues {
			sev = max(sev, is.sev)
		}
		f := newFinding(in, g.owner, first.code, first.reason, sev)
		n := len(g.issues)
		if !g.owned {
			say(f,
				fmt.Sprintf("파드 %s: %s", first.pod.Name, first.whatKo),
				fmt.Sprintf("Pod %s %s", first.pod.Name, first.whatEn),
				first.causeKo, first.causeEn)
			f.Evidence = first.evidence
		} else {
			names := make([]string, 0, maxEvidencePods)
			for i, is := range g.issues {
				if i < maxEvidencePods {
					names = append(names, is.pod.Name)
					for _, ev := range is.evidence {
						ev.Source = "pod/" + is.pod.Name + " " + ev.Source
						f.Evidence = append(f.Evidence, ev)
					}
				}
			}
			more := ""
			if n > len(names) {
				more = fmt.Sprintf(" 외 %d개", n-len(names))
			}
			moreEn := ""
			if n > len(names) {
				moreEn = fmt.Sprintf(" and %d more", n-len(names))
			}
			say(f,
				fmt.Sprintf("%s %s: 파드 %d개 %s", g.owner.kind, g.owner.meta.GetName(), n, first.whatKo),
				fmt.Sprintf("%s %s: %d %s %s", g.owner.kind, g.owner.meta.GetName(), n, plural(n, "pod", "pods"), first.whatEn),
				fmt.Sprintf("%s 영향받는 파드 %d개: %s%s.", first.causeKo, n, strings.Join(names, ", "), more),
				fmt.Sprintf("%s Affected pods (%d): %s%s.", first.causeEn, n, strings.Join(names, ", "), moreEn))
		}
		if first.actions != nil {
			f.SuggestedActions = first.actions(g.owner, n)
		}
		out = append(out, f)
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// topOwner returns the workload a pod belongs to, or the pod itself.
// Deployments are found through the pod's ReplicaSet; a ReplicaSet or
// owner missing from the State is still named from the ownerReference.
func topOwner(in *Input, p *corev1.Pod) (object, bool) {
	ref := metav1.GetControllerOf(p)
	if ref == nil {
		return obj("v1", "Pod", p), false
	}
	switch ref.Kind {
	case "ReplicaSet":
		rs := in.State.ReplicaSet(p.Namespace, ref.Name)
		if rs == nil {
			return refObject(p.Namespace, ref), true
		}
		if d := metav1.GetControllerOf(rs); d != nil && d.Kind == "Deployment" {
			if dep := in.State.Deployment(p.Namespace, d.Name); dep != nil {
				return obj("apps/v1", "Deployment", dep), true
			}
			return refObject(p.Namespace, d), true
		}
		return obj("apps/v1", "ReplicaSet", rs), true
	case "StatefulSet":
		if s := in.State.StatefulSet(p.Namespace, ref.Name); s != nil {
			return obj("apps/v1", "StatefulSet", s), true
		}
	case "DaemonSet":
		if s := in.State.DaemonSet(p.Namespace, ref.Name); s != nil {
			return obj("apps/v1", "DaemonSet", s), true
		}
	case "Job":
		if s := in.State.Job(p.Namespace, ref.Name); s != nil {
			return obj("batch/v1", "Job", s), true
		}
	}
	return refObject(p.Namespace, ref), true
}

func refObject(ns string, ref *metav1.OwnerReference) object {
	return obj(ref.APIVersion, ref.Kind, &metav1.ObjectMeta{Namespace: ns, Name: ref.Name, UID: ref.UID})
}

// podsOf returns the pods whose top owner is the workload.
func podsOf(in *Input, ns string, owner metav1.Object, kind string) []*corev1.Pod {
	var out []*corev1.Pod
	for _, p := range in.State.Pods(ns) {
		o, ok := topOwner(in, p)
		if ok && o.kind == kind && o.meta.GetName() == owner.GetName() {
			out = append(out, p)
		}
	}
	return out
}
