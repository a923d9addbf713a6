package diagnosis

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

// benchCluster generates nodes nodes and pods pods: 50 namespaces, each
// Deployment (with ReplicaSet, Service, EndpointSlice) owning 20 pods. One
// Deployment in every 25 has its pods Pending for lack of CPU, one Service in
// every 25 selects nothing, and one node in every 100 is NotReady, so the
// rules have work to do besides walking healthy objects.
func benchCluster(nodes, pods int) *cluster.Memory {
	const perDeploy, namespaces = 20, 50
	now := metav1.NewTime(time.Now().Add(-time.Hour))
	var objs []runtime.Object
	for i := range nodes {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("node-%d", i), UID: types.UID(fmt.Sprintf("n%d", i)), CreationTimestamp: now}}
		n.Status.Allocatable = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("32"), corev1.ResourceMemory: resource.MustParse("128Gi")}
		ready := corev1.ConditionTrue
		if i%100 == 7 {
			ready = corev1.ConditionFalse
		}
		n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: ready, Reason: "KubeletReady"},
			{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse}, {Type: "KernelDeadlock", Status: corev1.ConditionFalse}}
		objs = append(objs, n)
	}
	t := true
	for d := 0; d*perDeploy < pods; d++ {
		ns := fmt.Sprintf("ns-%d", d%namespaces)
		name := fmt.Sprintf("app-%d", d)
		broken := d%25 == 3
		replicas := int32(perDeploy)
		dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("d" + name), CreationTimestamp: now}}
		dep.Spec.Replicas = &replicas
		dep.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}}
		dep.Spec.Template.Labels = map[string]string{"app": name}
		dep.Status.Conditions = []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue}}
		if broken {
			dep.Status.Conditions[0].Status = corev1.ConditionFalse
		}
		rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name + "-rs", UID: types.UID("r" + name), CreationTimestamp: now,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: name, UID: dep.UID, Controller: &t}}}}
		sel := map[string]string{"app": name}
		if d%25 == 11 {
			sel = map[string]string{"app": name + "-typo"}
		}
		svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("s" + name), CreationTimestamp: now},
			Spec: corev1.ServiceSpec{Selector: sel, Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromString("http")}}}}
		slice := &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name + "-abcde",
			Labels: map[string]string{discoveryv1.LabelServiceName: name}}}
		objs = append(objs, dep, rs, svc, slice)
		for p := range perDeploy {
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("%s-%d", name, p), UID: types.UID(fmt.Sprintf("p%s-%d", name, p)),
				Labels: map[string]string{"app": name}, CreationTimestamp: now,
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: &t}}}}
			pod.Spec.Containers = []corev1.Container{{Name: "app", Image: "nginx", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")}}}}
			if broken {
				pod.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU] = resource.MustParse("64")
				pod.Status.Phase = corev1.PodPending
				pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable",
					Message: fmt.Sprintf("0/%d nodes are available: %d Insufficient cpu.", nodes, nodes)}}
			} else {
				pod.Spec.NodeName = fmt.Sprintf("node-%d", (d*perDeploy+p)%nodes)
				pod.Status.Phase = corev1.PodRunning
				pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
				pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
			}
			objs = append(objs, pod)
		}
	}
	return cluster.New(objs...)
}

// BenchmarkAnalyze is the analysis pass alone over an in-memory snapshot of
// 500 nodes and 10,000 pods (target: < 100 ms per pass).
func BenchmarkAnalyze(b *testing.B) {
	st := benchCluster(500, 10000)
	ctx := context.Background()
	e, err := Default(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var n int
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		fs, err := e.Analyze(ctx, st, Options{Cluster: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		n = len(fs)
	}
	b.ReportMetric(float64(n), "findings")
	b.ReportMetric(float64(st.Len()), "objects")
}

// BenchmarkReanalyzeNamespace is incremental re-analysis after one pod
// changed: Rescope to the rule families reading pods, in its namespace.
func BenchmarkReanalyzeNamespace(b *testing.B) {
	st := benchCluster(500, 10000)
	ctx := context.Background()
	e, err := Default(ctx)
	if err != nil {
		b.Fatal(err)
	}
	o, ok := e.Rescope(Options{Cluster: "bench"}, []Change{{Kind: cluster.KindPod, Namespace: "ns-3", Name: "app-3-0"}})
	if !ok {
		b.Fatal("nothing to re-run")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.Analyze(ctx, st, o); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBenchClusterFindings(t *testing.T) {
	st := benchCluster(100, 1000)
	fs, err := Analyze(context.Background(), st, Options{Cluster: "bench"})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, f := range fs {
		count[f.Code+"/"+f.SubReason]++
	}
	// 50 Deployments: #3 and #28 broken (PodUnschedulable supersedes
	// DeploymentUnavailable), #11 and #36 select nothing; nodes 7 NotReady.
	want := map[string]int{
		"PodUnschedulable/InsufficientCPU": 2,
		"ServiceSelectorMismatch/":         2,
		"NodeNotReady/KubeletReady":        1,
		"ServiceNoEndpoints/PodsNotReady":  2, // the broken Deployments' Services: pods Pending
	}
	for k, v := range want {
		if count[k] != v {
			t.Errorf("%s: %d findings, want %d (all: %v)", k, count[k], v, count)
		}
	}
	if len(fs) != 7 {
		t.Errorf("%d findings, want 7: %v", len(fs), count)
	}
}
