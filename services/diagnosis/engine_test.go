package diagnosis

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
	"github.com/kubemedic/kubemedic/services/knowledge"
)

func pendingPod(ns, name string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("u-" + ns + name)}}
	p.Spec.Containers = []corev1.Container{{Name: "app", Resources: corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4")}}}}
	p.Status.Phase = corev1.PodPending
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
		Reason: corev1.PodReasonUnschedulable, Message: "0/1 nodes are available: 1 Insufficient cpu."}}
	return p
}

func readyNode(name string) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	n.Status.Allocatable = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
	return n
}

func TestAnalyzeScopesAndCompletes(t *testing.T) {
	ctx := context.Background()
	e, err := Default(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st := cluster.New(readyNode("n1"), pendingPod("a", "p1"), pendingPod("b", "p2"))
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		opts Options
		want []string // namespace/name
	}{
		{"all", Options{Cluster: "c"}, []string{"a/p1", "b/p2"}},
		{"one namespace", Options{Cluster: "c", Namespaces: []string{"b"}}, []string{"b/p2"}},
		{"kind filter excludes", Options{Cluster: "c", Kinds: []string{"Node"}}, nil},
		{"kind filter includes", Options{Cluster: "c", Kinds: []string{"Pod"}}, []string{"a/p1", "b/p2"}},
		{"severity above error", Options{Cluster: "c", MinSeverity: kubemedicv1.Severity_SEVERITY_CRITICAL}, nil},
		{"rule family not selected", Options{Cluster: "c", Rules: []string{"none"}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Now = at
			fs, err := e.Analyze(ctx, st, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range fs {
				names = append(names, f.Object.Namespace+"/"+f.Object.Name)
				if f.Fingerprint != FingerprintOf(f) || len(f.Fingerprint) != 32 {
					t.Errorf("fingerprint %q not set from the finding", f.Fingerprint)
				}
				if !f.FirstSeen.AsTime().Equal(at) || !f.LastSeen.AsTime().Equal(at) {
					t.Errorf("first/last seen = %v/%v, want %v", f.FirstSeen, f.LastSeen, at)
				}
				if len(f.RunbookIds) == 0 {
					t.Errorf("%s: no runbook linked", f.Code)
				}
			}
			if !slices.Equal(names, tc.want) {
				t.Errorf("findings on %v, want %v", names, tc.want)
			}
		})
	}
	if _, err := e.Analyze(ctx, st, Options{}); err == nil {
		t.Error("Analyze without Cluster: want an error")
	}
}

func TestFingerprint(t *testing.T) {
	base := Fingerprint("c", "PodUnschedulable", "InsufficientCPU", "ns", "Deployment", "web")
	if base != Fingerprint("c", "PodUnschedulable", "InsufficientCPU", "ns", "Deployment", "web") {
		t.Fatal("fingerprint not deterministic")
	}
	others := [][6]string{
		{"c2", "PodUnschedulable", "InsufficientCPU", "ns", "Deployment", "web"},
		{"c", "CrashLoopBackOff", "InsufficientCPU", "ns", "Deployment", "web"},
		{"c", "PodUnschedulable", "InsufficientMemory", "ns", "Deployment", "web"},
		{"c", "PodUnschedulable", "InsufficientCPU", "ns2", "Deployment", "web"},
		{"c", "PodUnschedulable", "InsufficientCPU", "ns", "StatefulSet", "web"},
		{"c", "PodUnschedulable", "InsufficientCPU", "ns", "Deployment", "web2"},
		{"c", "PodUnschedulable", "InsufficientCPU", "nsD", "eployment", "web"},
	}
	for _, o := range others {
		if Fingerprint(o[0], o[1], o[2], o[3], o[4], o[5]) == base {
			t.Errorf("%v collides with the base fingerprint", o)
		}
	}
}

func TestRescopeAndCovers(t *testing.T) {
	e, err := NewEngine(EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	base := Options{Cluster: "c"}
	o, ok := e.Rescope(base, []Change{{Kind: cluster.KindPod, Namespace: "a", Name: "p1"}})
	if !ok || !slices.Equal(o.Namespaces, []string{"a"}) || !slices.Contains(o.Rules, "scheduling") {
		t.Fatalf("pod change: %+v %v", o, ok)
	}
	o, ok = e.Rescope(base, []Change{{Kind: cluster.KindNode, Name: "n1"}, {Kind: cluster.KindPod, Namespace: "a"}})
	if !ok || len(o.Namespaces) != 0 {
		t.Fatalf("node change must re-run every namespace: %+v", o)
	}
	if _, ok := e.Rescope(Options{Cluster: "c", Namespaces: []string{"b"}}, []Change{{Kind: cluster.KindPod, Namespace: "a"}}); ok {
		t.Error("a change outside the base namespaces must re-run nothing")
	}
	in := &kubemedicv1.Finding{Code: "PodUnschedulable", Object: &kubemedicv1.ObjectRef{Cluster: "c", Kind: "Pod", Namespace: "a", Name: "p1"}}
	out := &kubemedicv1.Finding{Code: "PodUnschedulable", Object: &kubemedicv1.ObjectRef{Cluster: "c", Kind: "Pod", Namespace: "b", Name: "p2"}}
	scoped := Options{Cluster: "c", Namespaces: []string{"a"}, Rules: []string{"scheduling"}}
	if !e.Covers(scoped, in) || e.Covers(scoped, out) {
		t.Error("Covers must follow the namespaces of the scope")
	}
	if e.Covers(Options{Cluster: "other"}, in) {
		t.Error("Covers must follow the cluster")
	}
}

func TestRunbooksMatchSubReason(t *testing.T) {
	rb := NewRunbooks([]knowledge.Entry{
		{ID: "nks-alb-public-lb-subnet", Provider: "nks", Findings: []string{"LoadBalancerPending"}},
		{ID: "nks-loadbalancer-pending-lb-subnet", Provider: "nks", Findings: []string{"LoadBalancerPending"}},
	})
	if got := rb.For("LoadBalancerPending", "LBSubnetInvalid", "nks"); got[0] != "nks-loadbalancer-pending-lb-subnet" {
		t.Errorf("got %v, want the pending-lb-subnet runbook first", got)
	}
}

func TestRunbooksPreferProviderAndSpecific(t *testing.T) {
	rb := NewRunbooks([]knowledge.Entry{
		{ID: "generic-broad", Provider: "generic", Findings: []string{"LoadBalancerPending", "PVCPending"}},
		{ID: "generic-lb", Provider: "generic", Findings: []string{"LoadBalancerPending"}},
		{ID: "nks-lb", Provider: "nks", Findings: []string{"LoadBalancerPending"}},
		{ID: "tke-lb", Provider: "tke", Findings: []string{"LoadBalancerPending"}},
	})
	if got, want := rb.For("LoadBalancerPending", "", "nks"), []string{"nks-lb", "generic-lb", "generic-broad"}; !slices.Equal(got, want) {
		t.Errorf("nks: %v, want %v", got, want)
	}
	if got, want := rb.For("LoadBalancerPending", "", "generic"), []string{"generic-lb", "generic-broad"}; !slices.Equal(got, want) {
		t.Errorf("generic: %v, want %v", got, want)
	}
}

// A first build on a cancelled context fails, and must not leave the
// default engine broken for every later caller.
func TestDefaultEngineRecoversFromACancelledFirstCall(t *testing.T) {
	var c engineCache
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.get(cancelled); !errors.Is(err, context.Canceled) {
		t.Fatalf("first build on a cancelled context: %v, want context.Canceled", err)
	}
	e, err := c.get(t.Context())
	if err != nil {
		t.Fatalf("build after a cancelled first call: %v", err)
	}
	if len(e.Codes()) == 0 || e.runbooks == nil {
		t.Fatalf("engine after a cancelled first call has %d codes, runbooks %v", len(e.Codes()), e.runbooks != nil)
	}
	again, err := c.get(cancelled)
	if err != nil || again != e {
		t.Fatalf("a built engine is shared whatever the caller's context: got %p, %v; want %p", again, err, e)
	}
}
