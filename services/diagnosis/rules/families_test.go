package rules

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// familyCase is one table row: objects, the findings expected, and words
// the Korean or English text must contain (numbers, names).
type familyCase struct {
	name     string
	objs     []runtime.Object
	want     []want
	contains []string
	actions  []string // actionText-like kinds expected on the first finding
}

func runFamily(t *testing.T, r Rule, cases []familyCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, r, tc.objs...)
			if g := got(fs); !slices.Equal(g, tc.want) {
				t.Fatalf("findings = %+v\nwant %+v", g, tc.want)
			}
			for _, f := range fs {
				for _, ko := range []string{f.Title.Ko, f.Summary.Ko} {
					if paired.MatchString(ko) {
						t.Errorf("%s: Korean text keeps a paired particle after a readable name:\n%s", f.Code, ko)
					}
				}
			}
			for _, s := range tc.contains {
				text := fs[0].Title.Ko + " " + fs[0].Summary.Ko + " " + fs[0].Title.En + " " + fs[0].Summary.En
				if !strings.Contains(text, s) {
					t.Errorf("text lacks %q:\n%s", s, text)
				}
			}
			if tc.actions != nil {
				var kinds []string
				for _, a := range fs[0].SuggestedActions {
					kinds = append(kinds, actionKind(a))
				}
				if !slices.Equal(kinds, tc.actions) {
					t.Errorf("actions = %v, want %v", kinds, tc.actions)
				}
			}
		})
	}
}

// paired matches a paired particle form (이(가), (으)로, …) right after a
// letter or digit: every name in these fixtures can be read aloud, so the
// form must have been resolved.
var paired = regexp.MustCompile(`[0-9A-Za-z가-힣]["'\x60]?(이\(가\)|을\(를\)|은\(는\)|\(으\)로|과\(와\))`)

func actionKind(a *kubemedicv1.Action) string {
	switch a.Kind.(type) {
	case *kubemedicv1.Action_Cordon:
		return "cordon"
	case *kubemedicv1.Action_Uncordon:
		return "uncordon"
	case *kubemedicv1.Action_Drain:
		return "drain"
	case *kubemedicv1.Action_Scale:
		return "scale"
	case *kubemedicv1.Action_RolloutRestart:
		return "rollout-restart"
	case *kubemedicv1.Action_PatchConfigMap:
		return "patch-configmap"
	case *kubemedicv1.Action_DeletePod:
		return "delete-pod"
	}
	return "?"
}

func waiting(container, reason, msg string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{Name: container, Image: p.Spec.Containers[0].Image,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}}})
	}
}

func lastTerminated(reason string, code int32, restarts int32) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		s := &p.Status.ContainerStatuses[len(p.Status.ContainerStatuses)-1]
		s.RestartCount = restarts
		s.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{Reason: reason, ExitCode: code}
	}
}

func runningReady(ready bool) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		st := corev1.ConditionTrue
		if !ready {
			st = corev1.ConditionFalse
		}
		p.Status.Phase = corev1.PodRunning
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: st, Reason: "ContainersNotReady",
			LastTransitionTime: metav1.NewTime(now.Add(-10 * time.Minute))}}
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Ready: ready,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
	}
}

func TestContainers(t *testing.T) {
	d, rs := deployment("shop", "api", 2)
	runFamily(t, containers, []familyCase{
		{name: "image pull rolled up", objs: []runtime.Object{d, rs,
			pod("shop", "api-1", onNode("n1"), ownedBy("ReplicaSet", "api-rs"), waiting("app", "ImagePullBackOff", `Back-off pulling image "nginx:nope": not found`)),
			pod("shop", "api-2", onNode("n1"), ownedBy("ReplicaSet", "api-rs"), waiting("app", "ImagePullBackOff", `Back-off pulling image "nginx:nope": not found`))},
			want: []want{{"ImagePullBackOff", "ImagePullBackOff", "Deployment", "shop", "api"}}, contains: []string{"파드 2개", "태그"}},
		{name: "crash loop with exit code", objs: []runtime.Object{
			pod("shop", "c", onNode("n1"), waiting("app", "CrashLoopBackOff", "back-off 5m0s"), lastTerminated("Error", 1, 7))},
			want: []want{{"CrashLoopBackOff", "", "Pod", "shop", "c"}}, contains: []string{"컨테이너 app이 종료 코드 1(Error)로", "7회"}},
		{name: "oom killed names the limit", objs: []runtime.Object{
			pod("shop", "m", onNode("n1"), func(p *corev1.Pod) {
				p.Spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")}
			}, waiting("app", "CrashLoopBackOff", "back-off"), lastTerminated("OOMKilled", 137, 4))},
			want: []want{{"OOMKilled", "", "Pod", "shop", "m"}}, contains: []string{"컨테이너 app이 메모리 limit 128Mi를", "4회"}},
		{name: "config error", objs: []runtime.Object{
			pod("shop", "cfg", onNode("n1"), waiting("app", "CreateContainerConfigError", `configmap "settings" not found`))},
			want: []want{{"ContainerCreateError", "CreateContainerConfigError", "Pod", "shop", "cfg"}}, contains: []string{`configmap "settings" not found`}},
		{name: "stuck creating with FailedMount event", objs: []runtime.Object{
			pod("shop", "mnt", onNode("n1"), func(p *corev1.Pod) { p.Status.Phase = corev1.PodPending }, waiting("app", "ContainerCreating", "")),
			event("Pod", "shop", "mnt", "uid-shop-mnt", "Warning", "FailedMount", `MountVolume.SetUp failed for volume "cert": secret "tls" not found`)},
			want: []want{{"ContainerCreateError", "FailedMount", "Pod", "shop", "mnt"}}, contains: []string{`secret "tls" not found`}},
		{name: "event for another pod with the same name in another uid is ignored", objs: []runtime.Object{
			pod("shop", "mnt", onNode("n1"), func(p *corev1.Pod) { p.Status.Phase = corev1.PodPending }, waiting("app", "ContainerCreating", "")),
			event("Pod", "shop", "mnt", "uid-of-previous-pod", "Warning", "FailedMount", "old"),
			event("Service", "shop", "mnt", "", "Warning", "FailedMount", "other kind")}},
		{name: "init container fails", objs: []runtime.Object{
			pod("shop", "i", onNode("n1"), func(p *corev1.Pod) {
				p.Status.Phase = corev1.PodPending
				p.Spec.InitContainers = []corev1.Container{{Name: "migrate", Image: "migrate:1"}}
				p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "migrate", RestartCount: 4,
					State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
					LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 2, Reason: "Error"}}}}
			})},
			want: []want{{"InitContainerFailed", "Error", "Pod", "shop", "i"}}, contains: []string{"migrate", "종료 코드 2"}},
		{name: "healthy twin: running and ready", objs: []runtime.Object{d, rs,
			pod("shop", "api-1", onNode("n1"), ownedBy("ReplicaSet", "api-rs"), runningReady(true))}},
		{name: "healthy twin: restarted once long ago, running now", objs: []runtime.Object{
			pod("shop", "r", onNode("n1"), runningReady(true), lastTerminated("Error", 1, 1))}},
	})
}

func TestPodLifecycle(t *testing.T) {
	t.Parallel()
	jobOwned := func(p *corev1.Pod) {
		tr := true
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: "j", Controller: &tr}}
	}
	runFamily(t, podLifecycle, []familyCase{
		{name: "readiness probe fails", objs: []runtime.Object{node("n1"),
			pod("shop", "api", onNode("n1"), runningReady(false)),
			event("Pod", "shop", "api", "uid-shop-api", "Warning", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503")},
			want: []want{{"PodNotReady", "ReadinessProbe", "Pod", "shop", "api"}}, contains: []string{"statuscode: 503", "10m"}},
		{name: "unready only briefly stays quiet", objs: []runtime.Object{node("n1"),
			pod("shop", "api", onNode("n1"), runningReady(false), func(p *corev1.Pod) {
				p.Status.Conditions[0].LastTransitionTime = metav1.NewTime(now.Add(-30 * time.Second))
			})}},
		{name: "unready on a NotReady node is the node's finding", objs: []runtime.Object{
			node("n1", func(n *corev1.Node) { n.Status.Conditions[0].Status = corev1.ConditionUnknown }),
			pod("shop", "api", onNode("n1"), runningReady(false))}},
		{name: "evicted", objs: []runtime.Object{
			pod("shop", "e", onNode("n1"), func(p *corev1.Pod) {
				p.Status.Phase, p.Status.Reason, p.Status.Message = corev1.PodFailed, "Evicted", "The node was low on resource: memory."
			})},
			want: []want{{"EvictedPods", "", "Pod", "shop", "e"}}, contains: []string{"low on resource: memory"}},
		{name: "failed bare pod", objs: []runtime.Object{
			pod("shop", "f", onNode("n1"), func(p *corev1.Pod) {
				p.Status.Phase = corev1.PodFailed
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 3, Reason: "Error"}}}}
			})},
			want: []want{{"PodFailed", "", "Pod", "shop", "f"}}, contains: []string{"exited with code 3"}},
		{name: "failed and succeeded job pods stay quiet", objs: []runtime.Object{
			pod("shop", "jf", onNode("n1"), jobOwned, func(p *corev1.Pod) { p.Status.Phase = corev1.PodFailed }),
			pod("shop", "js", onNode("n1"), jobOwned, func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded })}},
	})
}

func TestWorkloads(t *testing.T) {
	t.Parallel()
	unavailable, urs := deployment("shop", "web", 3, func(d *appsv1.Deployment) {
		d.Status.AvailableReplicas, d.Status.ReadyReplicas = 0, 0
		d.Status.Conditions[0] = appsv1.DeploymentCondition{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionFalse, Reason: "MinimumReplicasUnavailable"}
	})
	stuck, srs := deployment("shop", "api", 2, func(d *appsv1.Deployment) {
		d.Status.UpdatedReplicas = 1
		d.Status.Conditions[1] = appsv1.DeploymentCondition{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionFalse, Reason: "ProgressDeadlineExceeded",
			Message: `ReplicaSet "api-rs" has timed out progressing.`}
	})
	healthy, hrs := deployment("shop", "ok", 3)
	zero, zrs := deployment("shop", "off", 0, func(d *appsv1.Deployment) {
		d.Status.Conditions[0].Status = corev1.ConditionFalse
	})
	replicas := int32(3)
	sts := &appsv1.StatefulSet{ObjectMeta: meta("shop", "db")}
	sts.Spec.Replicas = &replicas
	sts.Status.ReadyReplicas = 1
	stsHealthy := sts.DeepCopy()
	stsHealthy.Status.ReadyReplicas = 3
	ds := &appsv1.DaemonSet{ObjectMeta: meta("kube-system", "agent")}
	ds.Status = appsv1.DaemonSetStatus{DesiredNumberScheduled: 2, CurrentNumberScheduled: 2, NumberReady: 1, NumberUnavailable: 1}
	dsPod := func(name, node string, ready bool) *corev1.Pod {
		return pod("kube-system", name, onNode(node), runningReady(ready), func(p *corev1.Pod) {
			tr := true
			p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "agent", UID: ds.UID, Controller: &tr}}
		})
	}
	cordoned := node("n2", func(n *corev1.Node) { n.Spec.Unschedulable = true })
	runFamily(t, workloads, []familyCase{
		{name: "deployment unavailable with FailedCreate from its replicaset", objs: []runtime.Object{unavailable, urs,
			event("ReplicaSet", "shop", "web-rs", urs.UID, "Warning", "FailedCreate", `pods "web-x" is forbidden: exceeded quota: compute`)},
			want: []want{{"DeploymentUnavailable", "FailedCreate", "Deployment", "shop", "web"}}, contains: []string{"0/3", "exceeded quota"}},
		{name: "rollout stuck suggests restart", objs: []runtime.Object{stuck, srs},
			want: []want{{"RolloutStuck", "ProgressDeadlineExceeded", "Deployment", "shop", "api"}}, contains: []string{"1/2", "600"}, actions: []string{"rollout-restart"}},
		{name: "healthy twins: available deployment, scaled to zero", objs: []runtime.Object{healthy, hrs, zero, zrs}},
		{name: "statefulset names the stuck ordinal", objs: []runtime.Object{sts,
			pod("shop", "db-0", onNode("n1"), runningReady(true), ownedBy("StatefulSet", "db")),
			pod("shop", "db-1", func(p *corev1.Pod) { p.Status.Phase = corev1.PodPending }, ownedBy("StatefulSet", "db"))},
			want: []want{{"StatefulSetPodsStuck", "", "StatefulSet", "shop", "db"}}, contains: []string{"1/3", "db-1"}},
		{name: "healthy twin: statefulset ready", objs: []runtime.Object{stsHealthy}},
		{name: "daemonset unready on a healthy node", objs: []runtime.Object{ds, node("n1"), cordoned,
			dsPod("agent-a", "n1", false), dsPod("agent-b", "n2", true)},
			want: []want{{"DaemonSetUnavailable", "", "DaemonSet", "kube-system", "agent"}}, contains: []string{"agent-a@n1"}},
		{name: "daemonset pod unready on a cordoned node stays quiet", objs: []runtime.Object{ds, node("n1"), cordoned,
			dsPod("agent-a", "n1", true), dsPod("agent-b", "n2", false)}},
	})
}

// workingLB is a LoadBalancer Service NKS gave an address in subnet.
func workingLB(ns, name, subnet string) *corev1.Service {
	return svc(ns, name, nil, intstr.FromInt32(80), func(s *corev1.Service) {
		s.Spec.Type = corev1.ServiceTypeLoadBalancer
		s.Annotations = map[string]string{nksSubnetAnnotation: subnet}
		s.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "203.0.113.10"}}
	})
}

// TestLBSubnetPatch: the ncloud-config patch carries the subnet the cluster
// shows, and otherwise names lbSubnetNo as an operator input, never an
// empty value to approve.
func TestLBSubnetPatch(t *testing.T) {
	nksNode := node("n1", func(n *corev1.Node) { n.Spec.ProviderID = "navercloudplatform://12345" })
	ncloud := &corev1.ConfigMap{ObjectMeta: meta("kube-system", "ncloud-config"), Data: map[string]string{"lbSubnetNo": ""}}
	pending := svc("shop", "web", nil, intstr.FromInt32(80), func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeLoadBalancer })
	tests := []struct {
		name      string
		objs      []runtime.Object
		value     string
		input     bool
		summaryKo string
	}{
		{"no working LB Service", nil, "", true, "운영자가 채워야"},
		{"one subnet in use", []runtime.Object{workingLB("edge", "api", "94465"), workingLB("edge", "admin", "94465")}, "94465", false, "edge/admin, edge/api"},
		{"subnets disagree", []runtime.Object{workingLB("edge", "api", "94465"), workingLB("edge", "admin", "11111")}, "", true, "11111, 94465"},
		{"annotated but without an address", []runtime.Object{svc("edge", "api", nil, intstr.FromInt32(80), func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeLoadBalancer
			s.Annotations = map[string]string{nksSubnetAnnotation: "94465"}
		})}, "", true, "NCP 콘솔"},
		{"non-numeric annotation ignored", []runtime.Object{workingLB("edge", "api", "subnet-abc")}, "", true, "NCP 콘솔"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lbs []*kubemedicv1.Finding
			for _, f := range run(t, services, append([]runtime.Object{nksNode, ncloud, pending}, tt.objs...)...) {
				if f.Code == "LoadBalancerPending" && f.Object.Name == "web" {
					lbs = append(lbs, f)
				}
			}
			if len(lbs) != 1 || len(lbs[0].SuggestedActions) != 1 {
				t.Fatalf("LoadBalancerPending findings = %v", lbs)
			}
			a := lbs[0].SuggestedActions[0]
			if got := a.GetPatchConfigMap().GetSet()["lbSubnetNo"]; got != tt.value {
				t.Errorf("lbSubnetNo = %q, want %q", got, tt.value)
			}
			if got := len(a.Inputs) > 0; got != tt.input {
				t.Errorf("inputs = %v, want some: %v", a.Inputs, tt.input)
			}
			if tt.input && (a.Inputs[0].Field != "patch_config_map.set.lbSubnetNo" || a.Inputs[0].Pattern != "^[0-9]+$" || a.Inputs[0].GetHint().GetKo() == "") {
				t.Errorf("input = %v", a.Inputs[0])
			}
			if !strings.Contains(lbs[0].Summary.Ko, tt.summaryKo) {
				t.Errorf("summary lacks %q: %s", tt.summaryKo, lbs[0].Summary.Ko)
			}
		})
	}
}

func svc(ns, name string, selector map[string]string, target intstr.IntOrString, opts ...func(*corev1.Service)) *corev1.Service {
	s := &corev1.Service{ObjectMeta: meta(ns, name)}
	s.Spec.Selector = selector
	s.Spec.Ports = []corev1.ServicePort{{Name: "web", Port: 80, TargetPort: target}}
	for _, o := range opts {
		o(s)
	}
	return s
}

func withPort(name string, port int32) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: name, ContainerPort: port}}
	}
}

func TestServices(t *testing.T) {
	t.Parallel()
	web := pod("shop", "web-1", onNode("n1"), withLabels("app", "web", "tier", "front"), withPort("http", 8080), runningReady(true))
	unready := pod("shop", "web-1", onNode("n1"), withLabels("app", "web"), withPort("http", 8080), runningReady(false))
	tr := true
	slice := &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-abc", Labels: map[string]string{discoveryv1.LabelServiceName: "web"}},
		Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"10.0.0.1"}, Conditions: discoveryv1.EndpointConditions{Ready: &tr}}}}
	lb := func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeLoadBalancer }
	nksNode := node("n1", func(n *corev1.Node) { n.Spec.ProviderID = "navercloudplatform://12345" })
	ncloud := func(subnet string) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: meta("kube-system", "ncloud-config"), Data: map[string]string{"lbSubnetNo": subnet}}
	}
	runFamily(t, services, []familyCase{
		{name: "selector matches nothing, near miss named", objs: []runtime.Object{web, svc("shop", "web", labelMap("app", "web", "tier", "frontend"), intstr.FromString("http"))},
			want: []want{{"ServiceSelectorMismatch", "", "Service", "shop", "web"}}, contains: []string{"tier=front", "1개"}},
		{name: "named targetPort no container has", objs: []runtime.Object{web, svc("shop", "web", labelMap("app", "web"), intstr.FromString("metrics"))},
			want: []want{{"ServiceTargetPortMismatch", "NamedPortNotFound", "Service", "shop", "web"}}, contains: []string{`"metrics"`, "http=8080/TCP"}},
		{name: "numeric targetPort not declared", objs: []runtime.Object{web, svc("shop", "web", labelMap("app", "web"), intstr.FromInt32(9090))},
			want: []want{{"ServiceTargetPortMismatch", "PortNotDeclared", "Service", "shop", "web"}}, contains: []string{"9090"}},
		{name: "no ready endpoints", objs: []runtime.Object{node("n1"), unready, svc("shop", "web", labelMap("app", "web"), intstr.FromString("http"))},
			want: []want{{"ServiceNoEndpoints", "PodsNotReady", "Service", "shop", "web"}}, contains: []string{"web-1"}},
		{name: "healthy twin: selector, named port, ready endpoint", objs: []runtime.Object{web, slice, svc("shop", "web", labelMap("app", "web"), intstr.FromString("http"))}},
		{name: "healthy twin: headless without selector, ExternalName", objs: []runtime.Object{
			svc("shop", "manual", nil, intstr.FromInt32(80)),
			svc("shop", "ext", labelMap("app", "x"), intstr.FromInt32(80), func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeExternalName })}},
		{name: "load balancer pending, generic", objs: []runtime.Object{node("n1"), web, slice, svc("shop", "web", labelMap("app", "web"), intstr.FromString("http"), lb)},
			want: []want{{"LoadBalancerPending", "", "Service", "shop", "web"}}, contains: []string{"1h0m0s"}},
		{name: "load balancer pending on NKS with empty lbSubnetNo suggests the patch", objs: []runtime.Object{nksNode, ncloud(""), web, slice,
			svc("shop", "web", labelMap("app", "web"), intstr.FromString("http"), lb)},
			want:     []want{{"LoadBalancerPending", "LBSubnetInvalid", "Service", "shop", "web"}},
			contains: []string{"lbSubnetNo", "ncloud-config"}, actions: []string{"patch-configmap"}},
		{name: "load balancer pending on NKS with empty lbSubnetNo, subnet shown by a working LB Service", objs: []runtime.Object{nksNode, ncloud(""), web, slice,
			svc("shop", "web", labelMap("app", "web"), intstr.FromString("http"), lb), workingLB("edge", "api", "94465")},
			want:     []want{{"LoadBalancerPending", "LBSubnetInvalid", "Service", "shop", "web"}},
			contains: []string{"Service edge/api가 쓰는 서브넷 94465로"}, actions: []string{"patch-configmap"}},
		{name: "load balancer pending on NKS, own subnet annotation: ncloud-config is not its cause", objs: []runtime.Object{nksNode, ncloud(""), web, slice,
			svc("shop", "web", labelMap("app", "web"), intstr.FromString("http"), lb, func(s *corev1.Service) {
				s.Annotations = map[string]string{nksSubnetAnnotation: "555"}
			})},
			want: []want{{"LoadBalancerPending", "", "Service", "shop", "web"}}, actions: []string{}},
		{name: "load balancer pending on NKS without ncloud-config", objs: []runtime.Object{nksNode, web, slice,
			svc("shop", "web", labelMap("app", "web"), intstr.FromString("http"), lb)},
			want: []want{{"LoadBalancerPending", "NCloudConfigMissing", "Service", "shop", "web"}}, actions: []string{}},
		{name: "healthy twin: load balancer with an address; NKS with a valid subnet", objs: []runtime.Object{nksNode, ncloud("12345"), web, slice,
			svc("shop", "web", labelMap("app", "web"), intstr.FromString("http"), lb, func(s *corev1.Service) {
				s.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "203.0.113.10"}}
			})}},
	})
}

func TestIngresses(t *testing.T) {
	t.Parallel()
	nginx := &networkingv1.IngressClass{ObjectMeta: meta("", "nginx")}
	defClass := nginx.DeepCopy()
	defClass.Annotations = map[string]string{defaultClassAnnotation: "true"}
	backend := svc("shop", "web", labelMap("app", "web"), intstr.FromInt32(8080))
	ing := func(class, service string, port int32, tls string) *networkingv1.Ingress {
		i := &networkingv1.Ingress{ObjectMeta: meta("shop", "web")}
		if class != "" {
			i.Spec.IngressClassName = &class
		}
		pt := networkingv1.PathTypePrefix
		i.Spec.Rules = []networkingv1.IngressRule{{Host: "shop.example.com", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
			Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: &pt, Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
				Name: service, Port: networkingv1.ServiceBackendPort{Number: port}}}}}}}}}
		if tls != "" {
			i.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{"shop.example.com"}, SecretName: tls}}
		}
		return i
	}
	cert := &corev1.Secret{ObjectMeta: meta("shop", "shop-tls")}
	runFamily(t, ingresses, []familyCase{
		{name: "backend service missing", objs: []runtime.Object{nginx, ing("nginx", "nope", 80, "")},
			want: []want{{"IngressBackendMissing", "ServiceNotFound", "Ingress", "shop", "web"}}, contains: []string{"Service nope가 없음", "503"}},
		{name: "backend port missing", objs: []runtime.Object{nginx, backend, ing("nginx", "web", 8443, "")},
			want: []want{{"IngressBackendMissing", "ServicePortNotFound", "Ingress", "shop", "web"}}, contains: []string{"8443", "web=80"}},
		{name: "class missing", objs: []runtime.Object{nginx, backend, ing("traefik", "web", 80, "")},
			want: []want{{"IngressClassMissing", "ClassNotFound", "Ingress", "shop", "web"}}, contains: []string{"IngressClass traefik이 없음"}},
		{name: "no class and no default", objs: []runtime.Object{nginx, backend, ing("", "web", 80, "")},
			want: []want{{"IngressClassMissing", "NoClass", "Ingress", "shop", "web"}}},
		{name: "tls secret missing", objs: []runtime.Object{nginx, backend, ing("nginx", "web", 80, "shop-tls")},
			want: []want{{"IngressTLSSecretMissing", "", "Ingress", "shop", "web"}}, contains: []string{"shop/shop-tls"}},
		{name: "healthy twin: default class, backend and tls exist", objs: []runtime.Object{defClass, backend, cert, ing("", "web", 80, "shop-tls")}},
	})
	// Without IngressClasses, Services and Secrets collected nothing is missing.
	in := &Input{State: partial(ing("traefik", "nope", 80, "shop-tls")), Cluster: "test", Now: now}
	if fs := ingresses.Check(in); len(fs) != 0 {
		t.Errorf("nothing collected but ingresses, yet %+v", got(fs))
	}
}

func TestStorage(t *testing.T) {
	t.Parallel()
	claim := func(class *string, opts ...func(*corev1.PersistentVolumeClaim)) *corev1.PersistentVolumeClaim {
		c := &corev1.PersistentVolumeClaim{ObjectMeta: meta("shop", "data")}
		c.Spec.StorageClassName = class
		c.Spec.Resources.Requests = corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}
		c.Status.Phase = corev1.ClaimPending
		for _, o := range opts {
			o(c)
		}
		return c
	}
	s := func(v string) *string { return &v }
	wffc := storagev1.VolumeBindingWaitForFirstConsumer
	standard := &storagev1.StorageClass{ObjectMeta: meta("", "standard"), VolumeBindingMode: &wffc}
	standard.Annotations = map[string]string{defaultSCAnnotation: "true"}
	immediate := &storagev1.StorageClass{ObjectMeta: meta("", "fast")}
	runFamily(t, storage, []familyCase{
		{name: "storage class missing", objs: []runtime.Object{standard, claim(s("fast-ssd"))},
			want: []want{{"PVCPending", "StorageClassMissing", "PersistentVolumeClaim", "shop", "data"}}, contains: []string{"StorageClass fast-ssd가", "10Gi"}},
		{name: "no default class", objs: []runtime.Object{immediate, claim(nil)},
			want: []want{{"PVCPending", "NoDefaultStorageClass", "PersistentVolumeClaim", "shop", "data"}}},
		{name: "provisioning failed", objs: []runtime.Object{immediate, claim(s("fast")),
			event("PersistentVolumeClaim", "shop", "data", "uid-shop-data", "Warning", "ProvisioningFailed", "rpc error: quota exceeded")},
			want: []want{{"PVCPending", "ProvisioningFailed", "PersistentVolumeClaim", "shop", "data"}}, contains: []string{"quota exceeded"}},
		{name: "pending long without cause", objs: []runtime.Object{immediate, claim(s("fast"))},
			want: []want{{"PVCPending", "", "PersistentVolumeClaim", "shop", "data"}}, contains: []string{"1h0m0s"}},
		{name: "healthy twin: waiting for first consumer, bound claim, young claim", objs: []runtime.Object{standard, immediate,
			claim(nil),
			claim(s("fast"), func(c *corev1.PersistentVolumeClaim) { c.Name = "bound"; c.Status.Phase = corev1.ClaimBound }),
			claim(s("fast"), func(c *corev1.PersistentVolumeClaim) {
				c.Name = "young"
				c.CreationTimestamp = metav1.NewTime(now.Add(-time.Minute))
			})}},
	})
	// A snapshot without StorageClasses must not claim the class is missing.
	st := &Input{State: partial(claim(s("fast-ssd"))), Cluster: "test", Now: now}
	for _, f := range storage.Check(st) {
		if f.SubReason == "StorageClassMissing" {
			t.Error("StorageClassMissing reported although StorageClasses were not collected")
		}
	}
}

func TestNodes(t *testing.T) {
	t.Parallel()
	cond := func(typ corev1.NodeConditionType, status corev1.ConditionStatus, reason string) func(*corev1.Node) {
		return func(n *corev1.Node) {
			for i := range n.Status.Conditions {
				if n.Status.Conditions[i].Type == typ {
					n.Status.Conditions[i].Status, n.Status.Conditions[i].Reason = status, reason
					return
				}
			}
			n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{Type: typ, Status: status, Reason: reason,
				LastTransitionTime: metav1.NewTime(now.Add(-5 * time.Minute))})
		}
	}
	runFamily(t, nodes, []familyCase{
		{name: "not ready suggests cordon and drain", objs: []runtime.Object{node("n1", cond(corev1.NodeReady, corev1.ConditionUnknown, "NodeStatusUnknown")),
			pod("shop", "a", onNode("n1"), runningReady(true)), pod("shop", "b", onNode("n1"), runningReady(true))},
			want: []want{{"NodeNotReady", "NodeStatusUnknown", "Node", "", "n1"}}, contains: []string{"파드 2개"}, actions: []string{"cordon", "drain"}},
		{name: "memory pressure", objs: []runtime.Object{node("n1", cond(corev1.NodeMemoryPressure, corev1.ConditionTrue, "KubeletHasInsufficientMemory"))},
			want: []want{{"NodePressure", "MemoryPressure", "Node", "", "n1"}}, actions: []string{"cordon", "drain"}},
		{name: "disk and pid pressure", objs: []runtime.Object{node("n1", cond(corev1.NodeDiskPressure, corev1.ConditionTrue, ""), cond(corev1.NodePIDPressure, corev1.ConditionTrue, ""))},
			want: []want{{"NodePressure", "DiskPressure", "Node", "", "n1"}, {"NodePressure", "PIDPressure", "Node", "", "n1"}}},
		{name: "network unavailable", objs: []runtime.Object{node("n1", cond(corev1.NodeNetworkUnavailable, corev1.ConditionTrue, "NoRouteCreated"))},
			want: []want{{"NodeNetworkUnavailable", "NoRouteCreated", "Node", "", "n1"}}},
		{name: "cordoned: info with uncordon; pressure on a cordoned node suggests only drain", objs: []runtime.Object{
			node("n1", func(n *corev1.Node) { n.Spec.Unschedulable = true }, cond(corev1.NodeDiskPressure, corev1.ConditionTrue, ""))},
			want: []want{{"NodePressure", "DiskPressure", "Node", "", "n1"}, {"NodeCordoned", "", "Node", "", "n1"}}, actions: []string{"drain"}},
		{name: "healthy twin: unknown condition types ignored", objs: []runtime.Object{node("n1",
			cond("KernelDeadlock", corev1.ConditionTrue, "DockerHung"), cond("FrequentKubeletRestart", corev1.ConditionUnknown, ""),
			cond(corev1.NodeMemoryPressure, corev1.ConditionFalse, ""), cond(corev1.NodeNetworkUnavailable, corev1.ConditionFalse, "CiliumIsUp"))}},
	})
}

func TestDisruption(t *testing.T) {
	t.Parallel()
	pdb := func(allowed, healthy, desired, expected int32) *policyv1.PodDisruptionBudget {
		p := &policyv1.PodDisruptionBudget{ObjectMeta: meta("shop", "web")}
		min := intstr.FromInt32(desired)
		p.Spec.MinAvailable = &min
		p.Status = policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: allowed, CurrentHealthy: healthy, DesiredHealthy: desired, ExpectedPods: expected}
		return p
	}
	runFamily(t, disruption, []familyCase{
		{name: "minAvailable equals replicas", objs: []runtime.Object{pdb(0, 3, 3, 3)},
			want: []want{{"PDBBlocksDisruption", "Configuration", "PodDisruptionBudget", "shop", "web"}}, contains: []string{"minAvailable 3", "3/3"}},
		{name: "unhealthy pods used the budget", objs: []runtime.Object{pdb(0, 2, 2, 3)},
			want: []want{{"PDBBlocksDisruption", "UnhealthyPods", "PodDisruptionBudget", "shop", "web"}}, contains: []string{"2/3"}},
		{name: "healthy twins: budget left, selects nothing", objs: []runtime.Object{pdb(1, 3, 2, 3),
			func() *policyv1.PodDisruptionBudget { p := pdb(0, 0, 0, 0); p.Name = "empty"; return p }()}},
	})
}

func TestAutoscaling(t *testing.T) {
	t.Parallel()
	d, _ := deployment("shop", "web", 2, func(d *appsv1.Deployment) {
		d.Spec.Template.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}
	})
	noReq, _ := deployment("shop", "noreq", 2)
	hpa := func(target string, conds ...autoscalingv2.HorizontalPodAutoscalerCondition) *autoscalingv2.HorizontalPodAutoscaler {
		h := &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: meta("shop", "web")}
		min := int32(2)
		h.Spec.MinReplicas, h.Spec.MaxReplicas = &min, 10
		h.Spec.ScaleTargetRef = autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: target}
		u := int32(80)
		h.Spec.Metrics = []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
			Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &u}}}}
		h.Status.CurrentReplicas = 2
		h.Status.Conditions = conds
		return h
	}
	c := func(typ autoscalingv2.HorizontalPodAutoscalerConditionType, st corev1.ConditionStatus, reason string) autoscalingv2.HorizontalPodAutoscalerCondition {
		return autoscalingv2.HorizontalPodAutoscalerCondition{Type: typ, Status: st, Reason: reason, Message: reason + " message"}
	}
	runFamily(t, autoscaling, []familyCase{
		{name: "target missing", objs: []runtime.Object{hpa("gone")},
			want: []want{{"HPAUnable", "ScaleTargetNotFound", "HorizontalPodAutoscaler", "shop", "web"}}, contains: []string{"gone"}},
		{name: "target without cpu requests", objs: []runtime.Object{noReq, hpa("noreq")},
			want: []want{{"HPAUnable", "MissingRequests", "HorizontalPodAutoscaler", "shop", "web"}}, contains: []string{"app", "cpu"}},
		{name: "metrics unavailable", objs: []runtime.Object{d, hpa("web", c(autoscalingv2.AbleToScale, corev1.ConditionTrue, "SucceededGetScale"),
			c(autoscalingv2.ScalingActive, corev1.ConditionFalse, "FailedGetResourceMetric"))},
			want: []want{{"HPAUnable", "FailedGetResourceMetric", "HorizontalPodAutoscaler", "shop", "web"}}, contains: []string{"최소 2", "최대 10"}},
		{name: "healthy twin: resting at min replicas", objs: []runtime.Object{d, hpa("web", c(autoscalingv2.AbleToScale, corev1.ConditionTrue, "ReadyForNewScale"),
			c(autoscalingv2.ScalingActive, corev1.ConditionTrue, "ValidMetricFound"), c(autoscalingv2.ScalingLimited, corev1.ConditionTrue, "TooFewReplicas"))}},
		{name: "healthy twin: scaling disabled on purpose", objs: []runtime.Object{d, hpa("web", c(autoscalingv2.ScalingActive, corev1.ConditionFalse, "ScalingDisabled"))}},
	})
}

func TestJobs(t *testing.T) {
	t.Parallel()
	tr := true
	failed := &batchv1.Job{ObjectMeta: meta("batch", "nightly")}
	failed.Status.Failed = 7
	failed.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit"}}
	done := &batchv1.Job{ObjectMeta: meta("batch", "done")}
	done.Status.Succeeded = 1
	done.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}
	suspended := &batchv1.Job{ObjectMeta: meta("batch", "held")}
	suspended.Spec.Suspend = &tr
	cj := &batchv1.CronJob{ObjectMeta: meta("batch", "report")}
	cj.Spec.Schedule, cj.Spec.Suspend = "0 3 * * *", &tr
	cjChild := suspended.DeepCopy()
	cjChild.Name = "report-123"
	cjChild.OwnerReferences = []metav1.OwnerReference{{Kind: "CronJob", Name: "report"}}
	runFamily(t, jobs, []familyCase{
		{name: "failed job", objs: []runtime.Object{failed}, want: []want{{"JobFailed", "BackoffLimitExceeded", "Job", "batch", "nightly"}}, contains: []string{"7", "backoffLimit 6"}},
		{name: "suspended job and cronjob at info", objs: []runtime.Object{suspended, cj, cjChild},
			want: []want{{"JobSuspended", "", "Job", "batch", "held"}, {"CronJobSuspended", "", "CronJob", "batch", "report"}}},
		{name: "healthy twin: completed job", objs: []runtime.Object{done}},
	})
}

func TestReferences(t *testing.T) {
	t.Parallel()
	withPull := func(name string) func(*corev1.Pod) {
		return func(p *corev1.Pod) { p.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: name}} }
	}
	replicas := int32(1)
	sts := &appsv1.StatefulSet{ObjectMeta: meta("shop", "db")}
	sts.Spec.Replicas, sts.Spec.ServiceName = &replicas, "db-headless"
	headless := svc("shop", "db-headless", labelMap("app", "db"), intstr.FromInt32(5432), func(s *corev1.Service) { s.Spec.ClusterIP = corev1.ClusterIPNone })
	normal := svc("shop", "db-headless", labelMap("app", "db"), intstr.FromInt32(5432), func(s *corev1.Service) { s.Spec.ClusterIP = "10.0.0.5" })
	runFamily(t, references, []familyCase{
		{name: "pull secret missing", objs: []runtime.Object{pod("shop", "p", onNode("n1"), withPull("regcred"))},
			want: []want{{"ImagePullSecretMissing", "", "Pod", "shop", "p"}}, contains: []string{"시크릿 shop/regcred가 없습니다"}},
		{name: "statefulset service missing", objs: []runtime.Object{sts},
			want: []want{{"StatefulSetServiceMissing", "NotFound", "StatefulSet", "shop", "db"}}, contains: []string{"Service db-headless가 없음"}},
		{name: "statefulset service not headless", objs: []runtime.Object{sts, normal},
			want: []want{{"StatefulSetServiceMissing", "NotHeadless", "StatefulSet", "shop", "db"}}},
		{name: "healthy twin: secret and headless service exist", objs: []runtime.Object{sts, headless,
			&corev1.Secret{ObjectMeta: meta("shop", "regcred")}, pod("shop", "p", onNode("n1"), withPull("regcred"))}},
	})
	// Without collected Secrets nothing is said about them.
	in := &Input{State: partial(pod("shop", "p", onNode("n1"), withPull("regcred"))), Cluster: "test", Now: now}
	if fs := references.Check(in); len(fs) != 0 {
		t.Errorf("secrets not collected, yet %d findings", len(fs))
	}
}

func TestNetworkPolicies(t *testing.T) {
	t.Parallel()
	np := func(sel map[string]string, ingress ...networkingv1.NetworkPolicyIngressRule) *networkingv1.NetworkPolicy {
		p := &networkingv1.NetworkPolicy{ObjectMeta: meta("shop", "web")}
		p.Spec.PodSelector = metav1.LabelSelector{MatchLabels: sel}
		p.Spec.Ingress = ingress
		return p
	}
	from := networkingv1.NetworkPolicyIngressRule{From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}}}
	web := pod("shop", "w", onNode("n1"), withLabels("app", "web"))
	runFamily(t, networkPolicies, []familyCase{
		{name: "selects no pods", objs: []runtime.Object{web, np(labelMap("app", "wbe"), from)},
			want: []want{{"NetworkPolicyNoPods", "", "NetworkPolicy", "shop", "web"}}, contains: []string{"podSelector app=wbe가"}},
		{name: "allow all ingress", objs: []runtime.Object{web, np(labelMap("app", "web"), networkingv1.NetworkPolicyIngressRule{})},
			want: []want{{"NetworkPolicyAllowAll", "ingress", "NetworkPolicy", "shop", "web"}}},
		{name: "healthy twin: selects pods, restricted peers; default deny", objs: []runtime.Object{web, np(labelMap("app", "web"), from),
			func() *networkingv1.NetworkPolicy { p := np(nil); p.Name = "deny"; return p }()}},
	})
}

func TestHygiene(t *testing.T) {
	t.Parallel()
	cm := func(ns, name string, data map[string]string) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: meta(ns, name), Data: data}
	}
	user := pod("shop", "p", onNode("n1"), func(p *corev1.Pod) {
		p.Spec.Volumes = []corev1.Volume{{Name: "c", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "used-vol"}}}}}
		p.Spec.Containers[0].EnvFrom = []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "used-env"}}}}
	})
	cronUser := &batchv1.CronJob{ObjectMeta: meta("shop", "cron")}
	cronUser.Spec.JobTemplate.Spec.Template.Spec.Containers = []corev1.Container{{Name: "c", Env: []corev1.EnvVar{{Name: "X", ValueFrom: &corev1.EnvVarSource{
		ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "used-cron"}, Key: "k"}}}}}}
	owned := cm("shop", "owned", map[string]string{"a": "b"})
	owned.OwnerReferences = []metav1.OwnerReference{{Kind: "Something", Name: "x"}}
	runFamily(t, hygiene, []familyCase{
		{name: "unused and empty", objs: []runtime.Object{user, cm("shop", "orphan", map[string]string{"a": "1", "b": "2"}), cm("shop", "blank", nil)},
			want: []want{{"ConfigMapEmpty", "", "ConfigMap", "shop", "blank"}, {"ConfigMapUnused", "", "ConfigMap", "shop", "orphan"}}, contains: []string{}},
		{name: "healthy twin: used, system namespaces, published, owned", objs: []runtime.Object{user, cronUser,
			cm("shop", "used-vol", map[string]string{"a": "1"}), cm("shop", "used-env", map[string]string{"a": "1"}), cm("shop", "used-cron", map[string]string{"k": "v"}),
			cm("shop", "kube-root-ca.crt", map[string]string{"ca.crt": "x"}), cm("kube-system", "coredns", map[string]string{"Corefile": "x"}),
			cm("kube-public", "cluster-info", map[string]string{"kubeconfig": "x"}), owned}},
	})
}

func TestProviders(t *testing.T) {
	t.Parallel()
	tke := func(reason string) *corev1.Node {
		return node("eklet-subnet-1", func(n *corev1.Node) {
			n.Labels = labelMap("node.kubernetes.io/instance-type", "eklet", "cloud.tencent.com/node-instance-id", "eks-1")
			n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{Type: corev1.NodeNetworkUnavailable, Status: corev1.ConditionTrue,
				Reason: reason, Message: "eklet node has insufficient IP available of subnet subnet-abc"})
		})
	}
	runFamily(t, providerRules, []familyCase{
		{name: "TKE eklet subnet exhausted", objs: []runtime.Object{tke(eklet), pod("shop", "p", func(p *corev1.Pod) { p.Status.Phase = corev1.PodPending })},
			want: []want{{eklet, "", "Node", "", "eklet-subnet-1"}}, contains: []string{"subnet-abc", "1개"}},
		{name: "generic cluster with the same reason stays quiet here", objs: []runtime.Object{node("n1", func(n *corev1.Node) {
			n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{Type: corev1.NodeNetworkUnavailable, Status: corev1.ConditionTrue, Reason: eklet})
		})}},
	})
	// The nodes family leaves that condition to the provider rule on TKE.
	if fs := run(t, nodes, tke(eklet)); len(fs) != 0 {
		t.Errorf("nodes family on TKE eklet: %+v", got(fs))
	}
	// NKS on Cilium runs without kube-proxy: nothing in any family expects it.
	nks := node("n1", func(n *corev1.Node) { n.Spec.ProviderID = "navercloudplatform://1" })
	cilium := &appsv1.DaemonSet{ObjectMeta: meta("kube-system", "cilium")}
	cilium.Status = appsv1.DaemonSetStatus{DesiredNumberScheduled: 1, CurrentNumberScheduled: 1, NumberReady: 1}
	for _, r := range All() {
		if fs := run(t, r, nks, cilium); len(fs) != 0 {
			t.Errorf("%s on healthy NKS+Cilium without kube-proxy: %+v", r.Name, got(fs))
		}
	}
}

func TestDetectProvider(t *testing.T) {
	tests := []struct {
		node *corev1.Node
		want string
	}{
		{node("a", func(n *corev1.Node) { n.Spec.ProviderID = "navercloudplatform://123" }), ProviderNKS},
		{node("a", func(n *corev1.Node) { n.Spec.ProviderID = "qcloud:///800002/ins-abc" }), ProviderTKE},
		{node("a", func(n *corev1.Node) { n.Spec.ProviderID = "azure:///subscriptions/x" }), ProviderAKS},
		{node("a", func(n *corev1.Node) { n.Labels = labelMap("kubernetes.azure.com/cluster", "x") }), ProviderAKS},
		{node("a", func(n *corev1.Node) { n.Labels = labelMap("ncloud.com/nks-nodepool", "p") }), ProviderNKS},
		{node("a", func(n *corev1.Node) { n.Spec.ProviderID = "kwok://a" }), ProviderGeneric},
	}
	for _, tc := range tests {
		if got := DetectProvider([]*corev1.Node{tc.node}); got != tc.want {
			t.Errorf("%q %v: %s, want %s", tc.node.Spec.ProviderID, tc.node.Labels, got, tc.want)
		}
	}
}

// TestEveryCodeHasAFamily keeps rule declarations honest: codes unique,
// every family reads and is about something.
func TestEveryCodeHasAFamily(t *testing.T) {
	seen := map[string]string{}
	for _, r := range All() {
		if len(r.Codes) == 0 || len(r.Reads) == 0 || len(r.About) == 0 {
			t.Errorf("%s: empty Codes/Reads/About", r.Name)
		}
		for _, c := range r.Codes {
			if prev, ok := seen[c]; ok {
				t.Errorf("code %s in %s and %s", c, prev, r.Name)
			}
			seen[c] = r.Name
		}
	}
	for _, c := range []string{"PodUnschedulable", "ImagePullBackOff", "CrashLoopBackOff", "OOMKilled", "ContainerCreateError",
		"InitContainerFailed", "PodNotReady", "EvictedPods", "DeploymentUnavailable", "RolloutStuck", "StatefulSetPodsStuck",
		"ServiceNoEndpoints", "ServiceSelectorMismatch", "ServiceTargetPortMismatch", "LoadBalancerPending", "IngressBackendMissing",
		"IngressClassMissing", "PVCPending", "NodeNotReady", "NodePressure", "NodeNetworkUnavailable", "NodeCordoned",
		"PDBBlocksDisruption", "HPAUnable", "JobFailed", "DaemonSetUnavailable", "StatefulSetServiceMissing", "PodFailed",
		"PodSchedulingGated", "ImagePullSecretMissing", "IngressTLSSecretMissing", "NetworkPolicyNoPods",
		"ConfigMapUnused", "ConfigMapEmpty", "NetworkPolicyAllowAll", "JobSuspended", "CronJobSuspended", eklet} {
		if seen[c] == "" {
			t.Errorf("DESIGN.md code %s has no rule", c)
		}
	}
}
