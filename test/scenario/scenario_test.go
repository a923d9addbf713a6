package scenario_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/kubemedic/kubemedic/test/clustertest"
	"github.com/kubemedic/kubemedic/test/scenario"
)

func TestMain(m *testing.M) { clustertest.Main(m) }

// check asserts the real state a scenario must have produced.
type check func(t *testing.T, env *clustertest.Env)

// TestScenarios applies every scenario in its own namespace and checks the
// state the real control plane reports.
func TestScenarios(t *testing.T) {
	checks := map[string]check{
		"insufficient-cpu": func(t *testing.T, env *clustertest.Env) {
			wantUnschedulable(t, env, "cpu-hog", `0/\d+ nodes are available: .*\d+ Insufficient cpu`)
		},
		"insufficient-memory": func(t *testing.T, env *clustertest.Env) {
			wantUnschedulable(t, env, "memory-hog", `0/\d+ nodes are available: .*\d+ Insufficient memory`)
		},
		"host-port-conflict": func(t *testing.T, env *clustertest.Env) {
			first := getPod(t, env, "web-first")
			if first.Status.Phase != corev1.PodRunning || first.Spec.NodeName != env.Namespace+"-hostport" {
				t.Errorf("web-first: phase %s on %q, want Running on %s-hostport", first.Status.Phase, first.Spec.NodeName, env.Namespace)
			}
			wantUnschedulable(t, env, "web-second", `1 node\(s\) didn't have free ports for the requested pod ports`)
		},
		"node-selector-mismatch": func(t *testing.T, env *clustertest.Env) {
			wantUnschedulable(t, env, "wants-nvme", `node\(s\) didn't match Pod's node affinity/selector`)
		},
		"taint-mismatch": func(t *testing.T, env *clustertest.Env) {
			wantUnschedulable(t, env, "trainer", `1 node\(s\) had untolerated taint \{dedicated: gpu\}`)
		},
		"image-pull-backoff": func(t *testing.T, env *clustertest.Env) {
			wantEvent(t, env, "Pod", "bad-image", "Failed", "Error: ErrImagePull")
			wantEvent(t, env, "Pod", "bad-image", "BackOff", "Back-off pulling image")
			// kwok must leave the written status alone.
			time.Sleep(time.Second)
			p := getPod(t, env, "bad-image")
			if w := waiting(p.Status.ContainerStatuses); w == nil || w.Reason != "ImagePullBackOff" {
				t.Errorf("bad-image container state = %+v, want waiting ImagePullBackOff", p.Status.ContainerStatuses)
			}
			if p.Status.Phase != corev1.PodPending {
				t.Errorf("bad-image phase = %s, want Pending", p.Status.Phase)
			}
		},
		"crashloop-oomkilled": func(t *testing.T, env *clustertest.Env) {
			p := getPod(t, env, "memory-leak")
			if len(p.Status.ContainerStatuses) != 1 {
				t.Fatalf("container statuses: %+v", p.Status.ContainerStatuses)
			}
			cs := p.Status.ContainerStatuses[0]
			if cs.State.Waiting == nil || cs.State.Waiting.Reason != "CrashLoopBackOff" {
				t.Errorf("state = %+v, want waiting CrashLoopBackOff", cs.State)
			}
			if term := cs.LastTerminationState.Terminated; term == nil || term.Reason != "OOMKilled" || term.ExitCode != 137 {
				t.Errorf("last state = %+v, want terminated OOMKilled 137", cs.LastTerminationState)
			}
			if cs.RestartCount == 0 {
				t.Error("restart count is 0")
			}
			wantEvent(t, env, "Pod", "memory-leak", "BackOff", "Back-off restarting failed container app")
		},
		"init-container-failed": func(t *testing.T, env *clustertest.Env) {
			p := getPod(t, env, "migrate-first")
			if w := waiting(p.Status.InitContainerStatuses); w == nil || w.Reason != "CrashLoopBackOff" {
				t.Errorf("init container state = %+v, want waiting CrashLoopBackOff", p.Status.InitContainerStatuses)
			}
			if c := podCondition(p, corev1.PodInitialized); c == nil || c.Status != corev1.ConditionFalse {
				t.Errorf("Initialized condition = %+v, want False", c)
			}
		},
		"readiness-probe-failure": func(t *testing.T, env *clustertest.Env) {
			p := getPod(t, env, "unready-api")
			if p.Status.Phase != corev1.PodRunning {
				t.Errorf("phase = %s, want Running", p.Status.Phase)
			}
			if c := podCondition(p, corev1.PodReady); c == nil || c.Status != corev1.ConditionFalse {
				t.Errorf("Ready condition = %+v, want False", c)
			}
			eps, _ := endpoints(t, env, "unready-api")
			if len(eps) != 1 || eps[0].Conditions.Ready == nil || *eps[0].Conditions.Ready {
				t.Errorf("endpoints of unready-api = %+v, want one not-ready endpoint", eps)
			}
			wantEvent(t, env, "Pod", "unready-api", "Unhealthy", "Readiness probe failed")
		},
		"service-no-endpoints": func(t *testing.T, env *clustertest.Env) {
			svc := getService(t, env, "checkout")
			sel := metav1.FormatLabelSelector(&metav1.LabelSelector{MatchLabels: svc.Spec.Selector})
			if n := countPods(t, env, sel); n != 0 {
				t.Errorf("selector %s matches %d pods, want 0", sel, n)
			}
			if n := countPods(t, env, "app=checkout"); n != 1 {
				t.Errorf("app=checkout pods = %d, want 1", n)
			}
			if eps, _ := endpoints(t, env, "checkout"); len(eps) != 0 {
				t.Errorf("endpoints = %+v, want none", eps)
			}
		},
		"service-target-port-mismatch": func(t *testing.T, env *clustertest.Env) {
			eps, ports := endpoints(t, env, "catalog")
			if len(eps) != 1 || len(ports) != 1 || *ports[0].Port != 9090 {
				t.Errorf("endpoints %+v ports %+v, want one endpoint on port 9090", eps, ports)
			}
			pods, err := env.Client.CoreV1().Pods(env.Namespace).List(t.Context(), metav1.ListOptions{LabelSelector: "app=catalog"})
			if err != nil || len(pods.Items) != 1 {
				t.Fatalf("catalog pods: %v (%d)", err, len(pods.Items))
			}
			if got := pods.Items[0].Spec.Containers[0].Ports[0].ContainerPort; got != 8080 {
				t.Errorf("containerPort = %d, want 8080", got)
			}
		},
		"loadbalancer-pending": func(t *testing.T, env *clustertest.Env) {
			time.Sleep(time.Second)
			svc := getService(t, env, "storefront")
			if svc.Spec.Type != corev1.ServiceTypeLoadBalancer || len(svc.Status.LoadBalancer.Ingress) != 0 {
				t.Errorf("storefront: type %s ingress %+v, want LoadBalancer without ingress", svc.Spec.Type, svc.Status.LoadBalancer.Ingress)
			}
		},
		"ingress-missing-backend": func(t *testing.T, env *clustertest.Env) {
			ing, err := env.Client.NetworkingV1().Ingresses(env.Namespace).Get(t.Context(), "shop", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			backend := ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Name
			if _, err := env.Client.CoreV1().Services(env.Namespace).Get(t.Context(), backend, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				t.Errorf("backend Service %s: want NotFound, got %v", backend, err)
			}
		},
		"pvc-pending": func(t *testing.T, env *clustertest.Env) {
			pvc, err := env.Client.CoreV1().PersistentVolumeClaims(env.Namespace).Get(t.Context(), "data", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if pvc.Status.Phase != corev1.ClaimPending {
				t.Errorf("claim phase = %s, want Pending", pvc.Status.Phase)
			}
			wantEvent(t, env, "PersistentVolumeClaim", "data", "ProvisioningFailed", `storageclass.storage.k8s.io "fast-ssd" not found`)
			wantUnschedulable(t, env, "database", `pod has unbound immediate PersistentVolumeClaims`)
		},
		"node-not-ready": func(t *testing.T, env *clustertest.Env) {
			n := getNode(t, env, env.Namespace+"-notready")
			if c := nodeCondition(n, corev1.NodeReady); c == nil || c.Status == corev1.ConditionTrue {
				t.Errorf("Ready condition = %+v, want not True", c)
			}
			if !scenario.HasTaint(n, "node.kubernetes.io/not-ready", corev1.TaintEffectNoSchedule) {
				t.Errorf("taints = %+v, want node.kubernetes.io/not-ready:NoSchedule", n.Spec.Taints)
			}
		},
		"node-pressure": func(t *testing.T, env *clustertest.Env) {
			n := getNode(t, env, env.Namespace+"-pressure")
			for _, typ := range []corev1.NodeConditionType{corev1.NodeMemoryPressure, corev1.NodeDiskPressure} {
				if c := nodeCondition(n, typ); c == nil || c.Status != corev1.ConditionTrue {
					t.Errorf("%s = %+v, want True", typ, c)
				}
			}
			if c := nodeCondition(n, corev1.NodeReady); c == nil || c.Status != corev1.ConditionTrue {
				t.Errorf("Ready = %+v, want True (pressure, not down)", c)
			}
			// kwok's next heartbeat (every 10s for keep-conditions nodes)
			// must keep the pressure.
			written := nodeCondition(n, corev1.NodeMemoryPressure).LastHeartbeatTime
			ctx, cancel := context.WithTimeout(t.Context(), 45*time.Second)
			defer cancel()
			err := wait.PollUntilContextCancel(ctx, 500*time.Millisecond, false, func(ctx context.Context) (bool, error) {
				n, err := env.Client.CoreV1().Nodes().Get(ctx, n.Name, metav1.GetOptions{})
				if err != nil {
					return false, nil
				}
				c := nodeCondition(n, corev1.NodeMemoryPressure)
				if c == nil || c.Status != corev1.ConditionTrue {
					return false, fmt.Errorf("a heartbeat reset MemoryPressure: %+v", c)
				}
				return c.LastHeartbeatTime.After(written.Time), nil
			})
			if err != nil {
				t.Errorf("waiting for a heartbeat that keeps MemoryPressure: %v", err)
			}
		},
		"pdb-blocks-eviction": func(t *testing.T, env *clustertest.Env) {
			pods, err := env.Client.CoreV1().Pods(env.Namespace).List(t.Context(), metav1.ListOptions{LabelSelector: "app=ledger"})
			if err != nil || len(pods.Items) == 0 {
				t.Fatalf("ledger pods: %v", err)
			}
			err = env.Client.PolicyV1().Evictions(env.Namespace).Evict(t.Context(), &policyv1.Eviction{
				ObjectMeta: metav1.ObjectMeta{Name: pods.Items[0].Name, Namespace: env.Namespace},
			})
			if !apierrors.IsTooManyRequests(err) {
				t.Errorf("eviction: want 429 TooManyRequests, got %v", err)
			}
		},
		"rollout-stuck": func(t *testing.T, env *clustertest.Env) {
			d, err := env.Client.AppsV1().Deployments(env.Namespace).Get(t.Context(), "api", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var progressing string
			for _, c := range d.Status.Conditions {
				if c.Type == "Progressing" {
					progressing = string(c.Status) + "/" + c.Reason
				}
			}
			if progressing != "False/ProgressDeadlineExceeded" {
				t.Errorf("Progressing = %s, want False/ProgressDeadlineExceeded", progressing)
			}
			if d.Status.AvailableReplicas != 2 || d.Status.UpdatedReplicas != 1 {
				t.Errorf("available %d updated %d, want the 2 old replicas available and 1 stuck new one", d.Status.AvailableReplicas, d.Status.UpdatedReplicas)
			}
		},
		"nks-ncloud-config": func(t *testing.T, env *clustertest.Env) {
			cm, err := env.Client.CoreV1().ConfigMaps("kube-system").Get(t.Context(), "ncloud-config", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if v, ok := cm.Data["lbSubnetNo"]; !ok || v != "" {
				t.Errorf("lbSubnetNo = %q (present %v), want present and empty", v, ok)
			}
			if svc := getService(t, env, "nks-web"); len(svc.Status.LoadBalancer.Ingress) != 0 {
				t.Errorf("nks-web got an address: %+v", svc.Status.LoadBalancer.Ingress)
			}
			wantEvent(t, env, "Service", "nks-web", "SyncLoadBalancerFailed", "ncloud-config")
			if api := getService(t, env, "nks-api"); len(api.Status.LoadBalancer.Ingress) != 1 ||
				api.Annotations["service.beta.kubernetes.io/ncloud-load-balancer-subnet-id"] != "94465" {
				t.Errorf("nks-api = %v %v, want an address and subnet annotation 94465", api.Status.LoadBalancer.Ingress, api.Annotations)
			}
		},
		"tke-eklet-subnet": func(t *testing.T, env *clustertest.Env) {
			n := getNode(t, env, "eklet-"+env.Namespace)
			c := nodeCondition(n, corev1.NodeNetworkUnavailable)
			if c == nil || c.Status != corev1.ConditionTrue || c.Reason != "EKLetHasInsufficientSubnetIP" {
				t.Errorf("NetworkUnavailable = %+v, want True/EKLetHasInsufficientSubnetIP", c)
			}
			if !scenario.HasTaint(n, "node.kubernetes.io/network-unavailable", corev1.TaintEffectNoSchedule) {
				t.Errorf("taints = %+v, want network-unavailable:NoSchedule", n.Spec.Taints)
			}
		},
		"healthy": func(t *testing.T, env *clustertest.Env) {
			eps, _ := endpoints(t, env, "frontend")
			if len(eps) != 3 {
				t.Errorf("frontend endpoints = %d, want 3", len(eps))
			}
			events, err := env.Client.CoreV1().Events(env.Namespace).List(t.Context(), metav1.ListOptions{FieldSelector: "type=Warning"})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range events.Items {
				t.Errorf("warning event in a healthy namespace: %s %s: %s", e.InvolvedObject.Name, e.Reason, e.Message)
			}
		},
	}

	for name, c := range diagnosisChecks {
		checks[name] = c
	}
	for _, s := range scenario.All() {
		t.Run(s.Name, func(t *testing.T) {
			check, ok := checks[s.Name]
			if !ok {
				t.Fatalf("scenario %s has no check in this test", s.Name)
			}
			t.Parallel()
			env := clustertest.Namespace(t)
			target, err := scenario.NewTarget(env.Config, env.Namespace)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				if err := scenario.Cleanup(ctx, target); err != nil {
					t.Errorf("cleanup: %v", err)
				}
			})
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			start := time.Now()
			if err := s.Apply(ctx, target); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s ready in %s", s.Name, time.Since(start).Round(10*time.Millisecond))
			check(t, env)
		})
	}
}

func wantUnschedulable(t *testing.T, env *clustertest.Env, pod, pattern string) {
	t.Helper()
	p := getPod(t, env, pod)
	if p.Spec.NodeName != "" || p.Status.Phase != corev1.PodPending {
		t.Errorf("pod %s: node %q phase %s, want unscheduled and Pending", pod, p.Spec.NodeName, p.Status.Phase)
	}
	if c := podCondition(p, corev1.PodScheduled); c == nil || c.Status != corev1.ConditionFalse || c.Reason != corev1.PodReasonUnschedulable {
		t.Errorf("pod %s PodScheduled = %+v, want False/Unschedulable", pod, c)
	}
	re := regexp.MustCompile(pattern)
	events, err := env.Client.CoreV1().Events(env.Namespace).List(t.Context(), metav1.ListOptions{
		FieldSelector: "involvedObject.kind=Pod,involvedObject.name=" + pod + ",reason=FailedScheduling",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events.Items {
		if re.MatchString(e.Message) {
			if e.Source.Component != "default-scheduler" && e.ReportingController != "default-scheduler" {
				t.Errorf("FailedScheduling event from %q/%q, want the scheduler", e.Source.Component, e.ReportingController)
			}
			return
		}
	}
	var msgs []string
	for _, e := range events.Items {
		msgs = append(msgs, e.Message)
	}
	t.Errorf("no FailedScheduling event for %s matches %q; got %q", pod, pattern, msgs)
}

func wantEvent(t *testing.T, env *clustertest.Env, kind, name, reason, fragment string) {
	t.Helper()
	ev, last, err := scenario.FindEvent(t.Context(), env.Client, env.Namespace, kind, name, reason, fragment)
	if err != nil {
		t.Fatal(err)
	}
	if ev == nil {
		t.Errorf("no %s event on %s %s containing %q (last %s message: %q)", reason, kind, name, fragment, reason, last)
	}
}

func getPod(t *testing.T, env *clustertest.Env, name string) *corev1.Pod {
	t.Helper()
	p, err := env.Client.CoreV1().Pods(env.Namespace).Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func getService(t *testing.T, env *clustertest.Env, name string) *corev1.Service {
	t.Helper()
	s, err := env.Client.CoreV1().Services(env.Namespace).Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func getNode(t *testing.T, env *clustertest.Env, name string) *corev1.Node {
	t.Helper()
	n, err := env.Client.CoreV1().Nodes().Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func countPods(t *testing.T, env *clustertest.Env, selector string) int {
	t.Helper()
	list, err := env.Client.CoreV1().Pods(env.Namespace).List(t.Context(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	return len(list.Items)
}

func endpoints(t *testing.T, env *clustertest.Env, service string) ([]discoveryv1.Endpoint, []discoveryv1.EndpointPort) {
	t.Helper()
	list, err := env.Client.DiscoveryV1().EndpointSlices(env.Namespace).List(t.Context(), metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + service})
	if err != nil {
		t.Fatal(err)
	}
	var eps []discoveryv1.Endpoint
	var ports []discoveryv1.EndpointPort
	for _, s := range list.Items {
		eps = append(eps, s.Endpoints...)
		ports = append(ports, s.Ports...)
	}
	return eps, ports
}

func waiting(statuses []corev1.ContainerStatus) *corev1.ContainerStateWaiting {
	if len(statuses) == 0 {
		return nil
	}
	return statuses[0].State.Waiting
}

func podCondition(p *corev1.Pod, typ corev1.PodConditionType) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == typ {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

func nodeCondition(n *corev1.Node, typ corev1.NodeConditionType) *corev1.NodeCondition {
	for i := range n.Status.Conditions {
		if n.Status.Conditions[i].Type == typ {
			return &n.Status.Conditions[i]
		}
	}
	return nil
}
