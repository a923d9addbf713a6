package scenario_test

import (
	"context"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubemedic/kubemedic/test/clustertest"
)

// diagnosisChecks assert the real state of the scenarios added for the
// diagnosis rules (see diagnosis.go).
var diagnosisChecks = map[string]check{
	"deployment-insufficient-cpu": func(t *testing.T, env *clustertest.Env) {
		pods, err := env.Client.CoreV1().Pods(env.Namespace).List(context.Background(), metav1.ListOptions{LabelSelector: "app=batch-api"})
		if err != nil {
			t.Fatal(err)
		}
		if len(pods.Items) != 3 {
			t.Fatalf("%d batch-api pods, want 3", len(pods.Items))
		}
		for _, p := range pods.Items {
			wantUnschedulable(t, env, p.Name, `0/\d+ nodes are available: .*\d+ Insufficient cpu`)
		}
	},
	"service-named-port-mismatch": func(t *testing.T, env *clustertest.Env) {
		// The EndpointSlice lists the pod but no port: no container port is
		// named grpc, so there is nothing to route to.
		eps, ports := endpoints(t, env, "orders")
		for _, p := range ports {
			if p.Port != nil {
				t.Errorf("Service orders resolved port %s to %d (endpoints %d), want no port", strOr(p.Name), *p.Port, len(eps))
			}
		}
	},
	"job-completed": func(t *testing.T, env *clustertest.Env) {
		j := getJob(t, env, "migrate-once")
		if j.Status.Succeeded != 1 || !jobHas(j, batchv1.JobComplete) {
			t.Errorf("Job migrate-once: succeeded %d, conditions %v; want Complete", j.Status.Succeeded, j.Status.Conditions)
		}
	},
	"hpa-at-min": func(t *testing.T, env *clustertest.Env) {
		h, err := env.Client.AutoscalingV2().HorizontalPodAutoscalers(env.Namespace).Get(context.Background(), "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if h.Status.CurrentReplicas != 2 || h.Spec.MinReplicas == nil || *h.Spec.MinReplicas != 2 {
			t.Errorf("HPA web: current %d, min %v; want resting at 2", h.Status.CurrentReplicas, h.Spec.MinReplicas)
		}
	},
	"hpa-target-missing": func(t *testing.T, env *clustertest.Env) {
		if _, err := env.Client.AppsV1().Deployments(env.Namespace).Get(context.Background(), "ghost", metav1.GetOptions{}); err == nil {
			t.Error("Deployment ghost exists")
		}
	},
	"pod-states": func(t *testing.T, env *clustertest.Env) {
		if p := getPod(t, env, "gated"); p.Spec.NodeName != "" || len(p.Spec.SchedulingGates) != 1 {
			t.Errorf("gated: node %q gates %v; want unscheduled with one gate", p.Spec.NodeName, p.Spec.SchedulingGates)
		}
		if w := waiting(getPod(t, env, "config-error").Status.ContainerStatuses); w == nil || w.Reason != "CreateContainerConfigError" {
			t.Errorf("config-error waiting = %+v", w)
		}
		if p := getPod(t, env, "evicted"); p.Status.Phase != corev1.PodFailed || p.Status.Reason != "Evicted" {
			t.Errorf("evicted: %s/%s", p.Status.Phase, p.Status.Reason)
		}
		if p := getPod(t, env, "failed-once"); p.Status.Phase != corev1.PodFailed {
			t.Errorf("failed-once: %s", p.Status.Phase)
		}
		wantEvent(t, env, "Pod", "crash", "BackOff", "Back-off restarting failed container")
		if p := getPod(t, env, "no-pull-secret"); p.Status.Phase != corev1.PodRunning {
			t.Errorf("no-pull-secret: %s, want Running (kwok pulls nothing)", p.Status.Phase)
		}
	},
	"deployment-quota": func(t *testing.T, env *clustertest.Env) {
		d, err := env.Client.AppsV1().Deployments(env.Namespace).Get(context.Background(), "reports", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status.AvailableReplicas != 1 || countPods(t, env, "app=reports") != 1 {
			t.Errorf("reports: available %d, pods %d; want 1 and 1", d.Status.AvailableReplicas, countPods(t, env, "app=reports"))
		}
	},
	"statefulset-stuck": func(t *testing.T, env *clustertest.Env) {
		if countPods(t, env, "app=db") != 1 {
			t.Errorf("db has %d pods, want 1 (db-1 waits for db-0)", countPods(t, env, "app=db"))
		}
		if c := podCondition(getPod(t, env, "db-0"), corev1.PodReady); c == nil || c.Status != corev1.ConditionFalse {
			t.Errorf("db-0 Ready = %+v, want False", c)
		}
		if _, err := env.Client.CoreV1().Services(env.Namespace).Get(context.Background(), "cache-headless", metav1.GetOptions{}); err == nil {
			t.Error("Service cache-headless exists")
		}
	},
	"daemonset-unavailable": func(t *testing.T, env *clustertest.Env) {
		for name, want := range map[string]int32{"agent": 1, "agent-twin": 1} {
			ds, err := env.Client.AppsV1().DaemonSets(env.Namespace).Get(context.Background(), name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if ds.Status.DesiredNumberScheduled != want || ds.Status.NumberReady != 0 {
				t.Errorf("DaemonSet %s: desired %d ready %d, want %d and 0", name, ds.Status.DesiredNumberScheduled, ds.Status.NumberReady, want)
			}
		}
		if n := getNode(t, env, env.Namespace+"-cordoned"); !n.Spec.Unschedulable {
			t.Error("node -cordoned is schedulable")
		}
	},
	"jobs-and-cronjobs": func(t *testing.T, env *clustertest.Env) {
		j := getJob(t, env, "nightly")
		if !jobHas(j, batchv1.JobFailed) {
			t.Errorf("Job nightly conditions %v, want Failed", j.Status.Conditions)
		}
		if h := getJob(t, env, "held"); h.Status.Active != 0 || h.Status.StartTime != nil {
			t.Errorf("suspended Job held started: active %d", h.Status.Active)
		}
	},
	"ingress-config": func(t *testing.T, env *clustertest.Env) {
		if _, err := env.Client.NetworkingV1().IngressClasses().Get(context.Background(), "no-such-class", metav1.GetOptions{}); err == nil {
			t.Error("IngressClass no-such-class exists")
		}
		if _, err := env.Client.CoreV1().Secrets(env.Namespace).Get(context.Background(), "secure-tls", metav1.GetOptions{}); err == nil {
			t.Error("Secret secure-tls exists")
		}
	},
	"network-policies": func(t *testing.T, env *clustertest.Env) {
		l, err := env.Client.NetworkingV1().NetworkPolicies(env.Namespace).List(context.Background(), metav1.ListOptions{})
		if err != nil || len(l.Items) != 3 {
			t.Errorf("network policies: %v, %d; want 3", err, len(l.Items))
		}
	},
	"configmap-hygiene": func(t *testing.T, env *clustertest.Env) {
		if p := getPod(t, env, "settings-user"); p.Status.Phase != corev1.PodRunning {
			t.Errorf("settings-user: %s", p.Status.Phase)
		}
	},
	"node-network-unavailable": func(t *testing.T, env *clustertest.Env) {
		n := getNode(t, env, env.Namespace+"-nonet")
		if c := nodeCondition(n, corev1.NodeNetworkUnavailable); c == nil || c.Status != corev1.ConditionTrue || !strings.Contains(c.Reason, "NoRoute") {
			t.Errorf("NetworkUnavailable = %+v", c)
		}
	},
}

func getJob(t *testing.T, env *clustertest.Env, name string) *batchv1.Job {
	t.Helper()
	j, err := env.Client.BatchV1().Jobs(env.Namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func jobHas(j *batchv1.Job, typ batchv1.JobConditionType) bool {
	for _, c := range j.Status.Conditions {
		if c.Type == typ && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

func strOr(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
