package rules

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestScheduling(t *testing.T) {
	const cpuMsg = "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
	threeNodes := []runtime.Object{node("n1"), node("n2"), node("n3"),
		pod("other", "busy1", requests("1500m", "1Gi"), onNode("n1")),
		pod("other", "busy2", requests("1500m", "1Gi"), onNode("n2")),
		pod("other", "busy3", requests("1500m", "1Gi"), onNode("n3"))}
	d, rs := deployment("shop", "web", 30)
	var pending []runtime.Object
	for i := range 30 {
		pending = append(pending, pod("shop", "web-"+string(rune('a'+i%26))+string(rune('a'+i/26)),
			requests("2", "1Gi"), unschedulable(cpuMsg), ownedBy("ReplicaSet", "web-rs")))
	}
	tests := []struct {
		name     string
		objs     []runtime.Object
		want     []want
		contains []string // substrings of the Korean summary
	}{
		{
			name:     "thirty pending pods of one deployment roll up to one finding with numbers",
			objs:     append(append(slices.Clone(threeNodes), d, rs), pending...),
			want:     []want{{"PodUnschedulable", ReasonInsufficientCPU, "Deployment", "shop", "web"}},
			contains: []string{"노드 3개 모두 CPU 부족: 요청 2, 노드당 여유 최대 0.5", "파드 30개"},
		},
		{
			name: "healthy twin: same pods scheduled",
			objs: append(slices.Clone(threeNodes), d, rs,
				pod("shop", "web-1", requests("100m", "1Gi"), onNode("n1"), ownedBy("ReplicaSet", "web-rs"))),
		},
		{
			name: "request larger than any node says adding nodes will not help",
			objs: []runtime.Object{node("n1"), pod("shop", "big", requests("8", "1Gi"),
				unschedulable("0/1 nodes are available: 1 Insufficient cpu."))},
			want:     []want{{"PodUnschedulable", ReasonInsufficientCPU, "Pod", "shop", "big"}},
			contains: []string{"노드 1개 모두 CPU 부족: 요청 8, 노드당 여유 최대 2", "allocatable보다도 커서"},
		},
		{
			name: "memory",
			objs: []runtime.Object{node("n1"), pod("shop", "mem", requests("1", "16Gi"),
				unschedulable("0/1 nodes are available: 1 Insufficient memory."))},
			want:     []want{{"PodUnschedulable", ReasonInsufficientMemory, "Pod", "shop", "mem"}},
			contains: []string{"요청 16Gi, 노드당 여유 최대 4Gi"},
		},
		{
			name: "taint on the only candidate node",
			objs: []runtime.Object{
				node("n1", func(n *corev1.Node) {
					n.Labels = labelMap("pool", "gpu")
					n.Spec.Taints = []corev1.Taint{{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}
				}), node("n2"), node("n3"),
				pod("shop", "t", func(p *corev1.Pod) { p.Spec.NodeSelector = labelMap("pool", "gpu") },
					unschedulable("0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 node(s) didn't match Pod's node affinity/selector."))},
			want:     []want{{"PodUnschedulable", ReasonTaint, "Pod", "shop", "t"}},
			contains: []string{"노드 3개 중 1개", "dedicated=gpu:NoSchedule (1)"},
		},
		{
			name: "host port",
			objs: []runtime.Object{node("n1"), pod("shop", "hp", unschedulable("0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports."),
				func(p *corev1.Pod) {
					p.Spec.Containers[0].Ports = []corev1.ContainerPort{{HostPort: 8080, ContainerPort: 80}}
				})},
			want:     []want{{"PodUnschedulable", ReasonHostPortConflict, "Pod", "shop", "hp"}},
			contains: []string{"hostPort 8080/TCP"},
		},
		{
			name: "node selector",
			objs: []runtime.Object{node("n1"), pod("shop", "sel", unschedulable("0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector."),
				func(p *corev1.Pod) { p.Spec.NodeSelector = labelMap("disk", "ssd") })},
			want:     []want{{"PodUnschedulable", ReasonNodeSelectorMismatch, "Pod", "shop", "sel"}},
			contains: []string{"disk=ssd"},
		},
		{
			name: "pvc missing",
			objs: []runtime.Object{node("n1"), pod("shop", "db", unschedulable(`0/1 nodes are available: persistentvolumeclaim "data" not found.`),
				func(p *corev1.Pod) {
					p.Spec.Volumes = []corev1.Volume{{Name: "d", VolumeSource: corev1.VolumeSource{
						PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}}
				})},
			want:     []want{{"PodUnschedulable", ReasonPVC, "Pod", "shop", "db"}},
			contains: []string{"PVC data가 없습니다"},
		},
		{
			name: "scheduling gates",
			objs: []runtime.Object{node("n1"), pod("shop", "gated", func(p *corev1.Pod) {
				p.Status.Phase = corev1.PodPending
				p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/quota"}}
			})},
			want: []want{{"PodSchedulingGated", "", "Pod", "shop", "gated"}},
		},
		{
			name: "pending pod the scheduler has not looked at yet stays quiet",
			objs: []runtime.Object{node("n1"), pod("shop", "new", func(p *corev1.Pod) { p.Status.Phase = corev1.PodPending })},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, scheduling, tc.objs...)
			if g := got(fs); !slices.Equal(g, tc.want) {
				t.Fatalf("findings = %+v, want %+v", g, tc.want)
			}
			for _, s := range tc.contains {
				if !strings.Contains(fs[0].Summary.Ko, s) && !strings.Contains(fs[0].Title.Ko, s) {
					t.Errorf("Korean text lacks %q:\n%s\n%s", s, fs[0].Title.Ko, fs[0].Summary.Ko)
				}
			}
		})
	}
}

func TestSchedulerCauseWithSelector(t *testing.T) {
	// The scheduler checks taints before node selectors: tainted nodes the
	// pod never wanted show up as "untolerated taint".
	pinned := pod("shop", "p", func(p *corev1.Pod) { p.Spec.NodeSelector = labelMap("pool", "web") })
	web := node("web", func(n *corev1.Node) { n.Labels = labelMap("pool", "web") })
	gpuTaint := func(n *corev1.Node) {
		n.Spec.Taints = []corev1.Taint{{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}
	}
	gpu1, gpu2 := node("gpu1", gpuTaint), node("gpu2", gpuTaint)
	msg := "0/3 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, 2 node(s) had untolerated taint {dedicated: gpu}."
	if r, _ := schedulerCause(pinned, []*corev1.Node{web, gpu1, gpu2}, msg); r != ReasonHostPortConflict {
		t.Errorf("taints on nodes outside the selector: %s, want HostPortConflict", r)
	}
	msg = "0/3 nodes are available: 3 node(s) had untolerated taint {dedicated: gpu}."
	if r, _ := schedulerCause(pod("shop", "free"), []*corev1.Node{gpu1, gpu2}, msg); r != ReasonTaint {
		t.Errorf("only taints, no selector: %s, want Taint", r)
	}
	webTainted := node("web", func(n *corev1.Node) { n.Labels = labelMap("pool", "web"); gpuTaint(n) })
	if r, _ := schedulerCause(pinned, []*corev1.Node{webTainted, gpu1, gpu2}, "0/3 nodes are available: 3 node(s) had untolerated taint {dedicated: gpu}."); r != ReasonTaint {
		t.Errorf("taint on the selected node: %s, want Taint", r)
	}
	if r, _ := schedulerCause(pinned, []*corev1.Node{gpu1, gpu2}, "0/2 nodes are available: 2 node(s) had untolerated taint {dedicated: gpu}."); r != ReasonNodeSelectorMismatch {
		t.Errorf("no node matches the selector: %s, want NodeSelectorMismatch", r)
	}
}

func TestParseScheduler(t *testing.T) {
	tests := []struct {
		msg    string
		reason string
		nodes  int
	}{
		{"0/3 nodes are available: 3 Insufficient cpu.", ReasonInsufficientCPU, 3},
		{"0/5 nodes are available: 2 Insufficient memory, 3 node(s) had untolerated taint {a: b}. preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.", ReasonInsufficientMemory, 2},
		{"0/5 nodes are available: 5 node(s) had untolerated taint {a: b}.", ReasonTaint, 5},
		{"0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.", ReasonPVC, 1},
		{"0/1 nodes are available: 1 node(s) were unschedulable.", ReasonTaint, 1},
		{"something new", ReasonOther, 0},
		// Narrowing clauses (selector, node-health taints) are not the cause
		// when another clause is.
		{"0/12 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, 11 node(s) didn't match Pod's node affinity/selector.", ReasonHostPortConflict, 1},
		{"0/12 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 11 node(s) didn't match Pod's node affinity/selector.", ReasonNodeSelectorMismatch, 11},
		{"0/9 nodes are available: 3 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, 2 node(s) had untolerated taint {node.kubernetes.io/memory-pressure: , node.kubernetes.io/disk-pressure: }, 4 Insufficient cpu.", ReasonInsufficientCPU, 4},
		{"0/5 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, 4 node(s) didn't match Pod's node affinity/selector.", ReasonNodeSelectorMismatch, 4},
	}
	for _, tc := range tests {
		r, n := pickReason(parseScheduler(tc.msg))
		if r != tc.reason || n != tc.nodes {
			t.Errorf("parseScheduler(%q) = %s, %d; want %s, %d", tc.msg, r, n, tc.reason, tc.nodes)
		}
	}
}
