package rules

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

// Fixture builders: small functions that return typed objects with only the
// fields a rule reads, mutated by option funcs.

var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func meta(ns, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("uid-" + ns + "-" + name),
		CreationTimestamp: metav1.NewTime(now.Add(-time.Hour))}
}

func node(name string, opts ...func(*corev1.Node)) *corev1.Node {
	n := &corev1.Node{ObjectMeta: meta("", name)}
	n.Status.Allocatable = corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("2"),
		corev1.ResourceMemory: resource.MustParse("4Gi"),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
	for _, o := range opts {
		o(n)
	}
	return n
}

func pod(ns, name string, opts ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: meta(ns, name)}
	p.Spec.Containers = []corev1.Container{{Name: "app", Image: "nginx"}}
	p.Status.Phase = corev1.PodRunning
	for _, o := range opts {
		o(p)
	}
	return p
}

func requests(cpu, mem string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem),
		}
	}
}

func onNode(n string) func(*corev1.Pod) { return func(p *corev1.Pod) { p.Spec.NodeName = n } }

func unschedulable(msg string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodPending
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
			Reason: corev1.PodReasonUnschedulable, Message: msg}}
	}
}

func ownedBy(kind, name string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		t := true
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: kind, Name: name,
			UID: types.UID("uid-" + p.Namespace + "-" + name), Controller: &t}}
	}
}

func labelMap(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func withLabels(kv ...string) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Labels = labelMap(kv...) }
}

// deployment returns a Deployment and its ReplicaSet named name-rs.
func deployment(ns, name string, replicas int32, opts ...func(*appsv1.Deployment)) (*appsv1.Deployment, *appsv1.ReplicaSet) {
	d := &appsv1.Deployment{ObjectMeta: meta(ns, name)}
	d.Spec.Replicas = &replicas
	d.Spec.Selector = &metav1.LabelSelector{MatchLabels: labelMap("app", name)}
	d.Spec.Template.Labels = labelMap("app", name)
	d.Spec.Template.Spec.Containers = []corev1.Container{{Name: "app", Image: "nginx"}}
	d.Generation, d.Status.ObservedGeneration = 1, 1
	d.Status.Replicas, d.Status.ReadyReplicas, d.Status.AvailableReplicas, d.Status.UpdatedReplicas = replicas, replicas, replicas, replicas
	d.Status.Conditions = []appsv1.DeploymentCondition{
		{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable"},
		{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: "NewReplicaSetAvailable"},
	}
	for _, o := range opts {
		o(d)
	}
	rs := &appsv1.ReplicaSet{ObjectMeta: meta(ns, name+"-rs")}
	t := true
	rs.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: name, UID: d.UID, Controller: &t}}
	rs.Spec.Replicas = &replicas
	return d, rs
}

func event(kind, ns, name string, uid types.UID, typ, reason, msg string) *corev1.Event {
	return &corev1.Event{
		ObjectMeta:     meta(ns, name+"."+reason),
		InvolvedObject: corev1.ObjectReference{Kind: kind, Namespace: ns, Name: name, UID: uid},
		Type:           typ, Reason: reason, Message: msg, Count: 3,
		LastTimestamp: metav1.NewTime(now.Add(-time.Minute)),
	}
}

// run executes one rule over objs in cluster "test".
func run(t *testing.T, r Rule, objs ...runtime.Object) []*kubemedicv1.Finding {
	t.Helper()
	st := cluster.New(objs...)
	in := &Input{State: st, Cluster: "test", Provider: DetectProvider(st.Nodes()), Now: now}
	fs := r.Check(in)
	for _, f := range fs {
		checkComplete(t, f)
	}
	return fs
}

// checkComplete asserts the fields every finding must carry.
func checkComplete(t *testing.T, f *kubemedicv1.Finding) {
	t.Helper()
	o := f.GetObject()
	switch {
	case f.Code == "":
		t.Errorf("finding without code: %v", f)
	case o.GetCluster() != "test" || o.GetKind() == "" || o.GetName() == "" || o.GetApiVersion() == "":
		t.Errorf("%s: incomplete object %v", f.Code, o)
	case f.Severity == kubemedicv1.Severity_SEVERITY_UNSPECIFIED:
		t.Errorf("%s: no severity", f.Code)
	case f.GetTitle().GetKo() == "" || f.GetTitle().GetEn() == "" || f.GetSummary().GetKo() == "" || f.GetSummary().GetEn() == "":
		t.Errorf("%s: title/summary missing a language: %v %v", f.Code, f.Title, f.Summary)
	case len(f.Evidence) == 0:
		t.Errorf("%s on %s/%s: no evidence", f.Code, o.GetKind(), o.GetName())
	}
}

// want is an expected finding: code, sub-reason, kind/namespace/name.
type want struct{ code, reason, kind, ns, name string }

func got(fs []*kubemedicv1.Finding) []want {
	out := make([]want, 0, len(fs))
	for _, f := range fs {
		o := f.GetObject()
		out = append(out, want{f.Code, f.SubReason, o.Kind, o.Namespace, o.Name})
	}
	return out
}

// partial builds a State in which only the kinds of objs were collected.
func partial(objs ...runtime.Object) cluster.State {
	return cluster.NewPartial(nil, objs...)
}
