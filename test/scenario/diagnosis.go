package scenario

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
)

// Scenarios that give every diagnosis rule a trigger and healthy twins that
// must stay quiet (issue 8's acceptance list included).
func init() {
	registry = append(registry, diagnosisScenarios...)
}

var diagnosisScenarios = []Scenario{
	{
		Name: "deployment-insufficient-cpu", Code: "PodUnschedulable/InsufficientCPU",
		Summary:  "Deployment batch-api's three pods each request 1000 CPUs, more than any node has.",
		Fixtures: []string{"deployment-insufficient-cpu.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			return t.waitPods(ctx, "app=batch-api", 3, "unschedulable", unschedulable)
		},
	},
	{
		Name: "service-named-port-mismatch", Code: "ServiceTargetPortMismatch/NamedPortNotFound",
		Summary:  "Service orders targets the named port grpc; its pods only have a port named http.",
		Fixtures: []string{"service-named-port-mismatch.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			return t.waitDeployment(ctx, "orders", 1)
		},
	},
	{
		Name: "job-completed", Quiet: true,
		Summary:  "Healthy twin: Job migrate-once completed (its pod Succeeded).",
		Fixtures: []string{"job-completed.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			return t.waitJob(ctx, "migrate-once", batchv1.JobComplete)
		},
	},
	{
		Name: "hpa-at-min", Quiet: true,
		Summary:  "Healthy twin: HPA web rests at its minimum of 2 replicas (status written: no metrics API here).",
		Fixtures: []string{"hpa-at-min.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			if err := t.waitDeployment(ctx, "web", 2); err != nil {
				return err
			}
			return RestHPAAtMin(ctx, t, "web")
		},
	},
	{
		Name: "hpa-target-missing", Code: "HPAUnable/ScaleTargetNotFound",
		Summary:  "HPA ghost scales Deployment ghost, which does not exist.",
		Fixtures: []string{"hpa-target-missing.yaml"},
	},
	{
		Name: "pod-states", Code: "PodSchedulingGated, ContainerCreateError, EvictedPods, PodFailed, CrashLoopBackOff, ImagePullSecretMissing",
		Summary:  "Pods held by a scheduling gate, failing on a missing ConfigMap, evicted, failed, crash-looping, and naming a missing pull secret.",
		Fixtures: []string{"pod-states.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			for _, name := range []string{"config-error", "evicted", "failed-once", "crash"} {
				if _, err := t.waitPod(ctx, name, "scheduled", scheduled); err != nil {
					return err
				}
			}
			now := metav1.Now()
			p, err := t.updatePodStatus(ctx, "config-error", func(p *corev1.Pod) {
				p.Status.Phase = corev1.PodPending
				p.Status.Conditions = podConditions(p, true, false, "containers with unready status: [app]")
				p.Status.HostIP = "127.0.0.1"
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Image: p.Spec.Containers[0].Image,
					State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CreateContainerConfigError",
						Message: `configmap "settings-that-do-not-exist" not found`}}}}
			})
			if err != nil {
				return err
			}
			if err := t.kubeletEvent(ctx, p, corev1.EventTypeWarning, "Failed", `Error: configmap "settings-that-do-not-exist" not found`, "spec.containers{app}"); err != nil {
				return err
			}
			if _, err := t.updatePodStatus(ctx, "evicted", func(p *corev1.Pod) {
				p.Status.Phase = corev1.PodFailed
				p.Status.Reason = "Evicted"
				p.Status.Message = "The node was low on resource: memory. Threshold quantity: 100Mi, available: 52Mi. Container app was using 1200Mi, request is 0, has larger consumption of memory."
				p.Status.HostIP = "127.0.0.1"
			}); err != nil {
				return err
			}
			if _, err := t.updatePodStatus(ctx, "failed-once", func(p *corev1.Pod) {
				p.Status.Phase = corev1.PodFailed
				p.Status.Conditions = podConditions(p, true, false, "containers with unready status: [app]")
				p.Status.HostIP = "127.0.0.1"
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Image: p.Spec.Containers[0].Image,
					State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 2, Reason: "Error", StartedAt: now, FinishedAt: now}}}}
			}); err != nil {
				return err
			}
			p, err = t.updatePodStatus(ctx, "crash", func(p *corev1.Pod) {
				p.Status.Phase = corev1.PodRunning
				p.Status.Conditions = podConditions(p, true, false, "containers with unready status: [app]")
				p.Status.HostIP = "127.0.0.1"
				p.Status.StartTime = &now
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Image: p.Spec.Containers[0].Image, RestartCount: 5,
					State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
						Message: fmt.Sprintf("back-off 2m40s restarting failed container=app pod=%s_%s(%s)", p.Name, p.Namespace, p.UID)}},
					LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", StartedAt: now, FinishedAt: now}}}}
			})
			if err != nil {
				return err
			}
			return t.kubeletEvent(ctx, p, corev1.EventTypeWarning, "BackOff",
				fmt.Sprintf("Back-off restarting failed container app in pod %s_%s(%s)", p.Name, p.Namespace, p.UID), "spec.containers{app}")
		},
	},
	{
		Name: "deployment-quota", Code: "DeploymentUnavailable/FailedCreate",
		Summary:  "A ResourceQuota of one pod keeps Deployment reports at 1 of 3 replicas (ReplicaSet FailedCreate: exceeded quota).",
		Fixtures: []string{"deployment-quota.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			var rs string
			err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
				l, err := t.Client.AppsV1().ReplicaSets(t.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "app=reports"})
				if err != nil || len(l.Items) == 0 {
					return false, nil
				}
				rs = l.Items[0].Name
				return true, nil
			})
			if err != nil {
				return fmt.Errorf("wait for the ReplicaSet of Deployment reports: %w", err)
			}
			if _, err := t.waitEvent(ctx, "ReplicaSet", rs, "FailedCreate", "exceeded quota"); err != nil {
				return err
			}
			return wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
				d, err := t.Client.AppsV1().Deployments(t.Namespace).Get(ctx, "reports", metav1.GetOptions{})
				if err != nil {
					return false, nil
				}
				c := deploymentCondition(d, appsv1.DeploymentAvailable)
				return c != nil && c.Status == corev1.ConditionFalse && d.Status.AvailableReplicas == 1, nil
			})
		},
	},
	{
		Name: "statefulset-stuck", Code: "StatefulSetPodsStuck, StatefulSetServiceMissing/NotFound",
		Summary:  "StatefulSet db's first pod runs unready (status written) so db-1 never starts; StatefulSet cache names a missing Service.",
		Fixtures: []string{"statefulset-stuck.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			if _, err := t.waitPod(ctx, "cache-0", "Running", running); err != nil {
				return err
			}
			if _, err := t.waitPod(ctx, "db-0", "scheduled", scheduled); err != nil {
				return err
			}
			if err := t.runUnready(ctx, "db-0"); err != nil {
				return err
			}
			return wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
				s, err := t.Client.AppsV1().StatefulSets(t.Namespace).Get(ctx, "db", metav1.GetOptions{})
				return err == nil && s.Status.Replicas == 1 && s.Status.ReadyReplicas == 0, nil
			})
		},
	},
	{
		Name: "daemonset-unavailable", Code: "DaemonSetUnavailable, NodeCordoned",
		Summary:  "DaemonSet agent's pod is unready on a healthy node (status written); agent-twin's unready pod on a cordoned node stays quiet.",
		Fixtures: []string{"daemonset-unavailable.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			for _, app := range []string{"agent", "agent-twin"} {
				var name string
				err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
					l, err := t.Client.CoreV1().Pods(t.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
					if err != nil || len(l.Items) != 1 || l.Items[0].Spec.NodeName == "" {
						return false, nil
					}
					name = l.Items[0].Name
					return true, nil
				})
				if err != nil {
					return fmt.Errorf("wait for DaemonSet %s's pod to be scheduled: %w", app, err)
				}
				if err := t.runUnready(ctx, name); err != nil {
					return err
				}
			}
			return wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
				d, err := t.Client.AppsV1().DaemonSets(t.Namespace).Get(ctx, "agent", metav1.GetOptions{})
				return err == nil && d.Status.DesiredNumberScheduled == 1 && d.Status.NumberUnavailable == 1, nil
			})
		},
	},
	{
		Name: "jobs-and-cronjobs", Code: "JobFailed/BackoffLimitExceeded, JobSuspended, CronJobSuspended",
		Summary:  "Job nightly's pod fails (status written) with backoffLimit 0; Job held and CronJob report are suspended.",
		Fixtures: []string{"jobs-and-cronjobs.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			var name string
			err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
				l, err := t.Client.CoreV1().Pods(t.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "job-name=nightly"})
				if err != nil || len(l.Items) == 0 || l.Items[0].Spec.NodeName == "" {
					return false, nil
				}
				name = l.Items[0].Name
				return true, nil
			})
			if err != nil {
				return fmt.Errorf("wait for Job nightly's pod: %w", err)
			}
			now := metav1.Now()
			if _, err := t.updatePodStatus(ctx, name, func(p *corev1.Pod) {
				p.Status.Phase = corev1.PodFailed
				p.Status.Conditions = podConditions(p, true, false, "containers with unready status: [etl]")
				p.Status.HostIP = "127.0.0.1"
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "etl", Image: p.Spec.Containers[0].Image,
					State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", StartedAt: now, FinishedAt: now}}}}
			}); err != nil {
				return err
			}
			return t.waitJob(ctx, "nightly", batchv1.JobFailed)
		},
	},
	{
		Name: "ingress-config", Code: "IngressClassMissing/ClassNotFound, IngressTLSSecretMissing",
		Summary:  "Ingress admin names a missing IngressClass; Ingress secure names a missing TLS secret.",
		Fixtures: []string{"ingress-config.yaml"},
	},
	{
		Name: "network-policies", Code: "NetworkPolicyNoPods, NetworkPolicyAllowAll/ingress",
		Summary:  "NetworkPolicy web-typo selects no pod; allow-all admits all ingress; deny-all is fine.",
		Fixtures: []string{"network-policies.yaml"},
	},
	{
		Name: "configmap-hygiene", Code: "ConfigMapUnused, ConfigMapEmpty",
		Summary:  "ConfigMap orphan is used by nothing and blank is empty; app-settings is used by a pod.",
		Fixtures: []string{"configmap-hygiene.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			_, err := t.waitPod(ctx, "settings-user", "Running", running)
			return err
		},
	},
	{
		Name: "node-network-unavailable", Code: "NodeNetworkUnavailable/NoRouteCreated",
		Summary:  "Node <ns>-nonet reports NetworkUnavailable (no route created); the controller taints it.",
		Fixtures: []string{"node-network-unavailable.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			name := t.Namespace + "-nonet"
			if _, err := t.waitNode(ctx, name, "Ready", nodeReady); err != nil {
				return err
			}
			return t.reportNodeConditions(ctx, name, "tainted network-unavailable", func(n *corev1.Node) bool {
				return HasTaint(n, "node.kubernetes.io/network-unavailable", corev1.TaintEffectNoSchedule)
			}, corev1.NodeCondition{
				Type: corev1.NodeNetworkUnavailable, Status: corev1.ConditionTrue, Reason: "NoRouteCreated",
				Message: "Node created without a route",
			})
		},
	},
}

// waitPods waits until n pods match selector and all satisfy cond.
func (t *Target) waitPods(ctx context.Context, selector string, n int, what string, cond func(*corev1.Pod) bool) error {
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		l, err := t.Client.CoreV1().Pods(t.Namespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil || len(l.Items) != n {
			return false, nil
		}
		for i := range l.Items {
			if !cond(&l.Items[i]) {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("wait for %d pods %s to be %s: %w", n, selector, what, err)
	}
	return nil
}

// waitJob waits until Job name has condition typ True.
func (t *Target) waitJob(ctx context.Context, name string, typ batchv1.JobConditionType) error {
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		j, err := t.Client.BatchV1().Jobs(t.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		for _, c := range j.Status.Conditions {
			if c.Type == typ && c.Status == corev1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("wait for Job %s to be %s: %w", name, typ, err)
	}
	return nil
}

// runUnready writes the status of a kubelet whose container runs but has not
// passed its readiness probe yet (Ready=False since now).
func (t *Target) runUnready(ctx context.Context, name string) error {
	now := metav1.Now()
	_, err := t.updatePodStatus(ctx, name, func(p *corev1.Pod) {
		c := p.Spec.Containers[0]
		started := true
		p.Status.Phase = corev1.PodRunning
		p.Status.Conditions = podConditions(p, true, false, fmt.Sprintf("containers with unready status: [%s]", c.Name))
		p.Status.HostIP = "127.0.0.1"
		ip := fakePodIP()
		p.Status.PodIP = ip
		p.Status.PodIPs = []corev1.PodIP{{IP: ip}}
		p.Status.StartTime = &now
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: c.Name, Image: c.Image, Started: &started,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}}}
	})
	return err
}

// RestHPAAtMin writes the status an HPA controller with a metrics API reports
// for an HPA resting at its minimum: able to scale, metrics valid, limited by
// TooFewReplicas. The harness has no metrics API, so its HPA controller
// rewrites the status (FailedGetResourceMetric) on its next sync, at most 15 s
// later; callers that read the status back should call this again right
// before reading. It first waits for the controller's own first status, so
// that write does not land after this one.
func RestHPAAtMin(ctx context.Context, t *Target, name string) error {
	hpas := t.Client.AutoscalingV2().HorizontalPodAutoscalers(t.Namespace)
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		h, err := hpas.Get(ctx, name, metav1.GetOptions{})
		return err == nil && len(h.Status.Conditions) > 0, nil
	})
	if err != nil {
		return fmt.Errorf("wait for the HPA controller to report on %s: %w", name, err)
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		h, err := hpas.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		now := metav1.NewTime(time.Now())
		minR := int32(1)
		if h.Spec.MinReplicas != nil {
			minR = *h.Spec.MinReplicas
		}
		util := int32(12)
		h.Status = autoscalingv2.HorizontalPodAutoscalerStatus{
			ObservedGeneration: &h.Generation, CurrentReplicas: minR, DesiredReplicas: minR,
			CurrentMetrics: []autoscalingv2.MetricStatus{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{
				Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: &util}}}},
			Conditions: []autoscalingv2.HorizontalPodAutoscalerCondition{
				{Type: autoscalingv2.AbleToScale, Status: corev1.ConditionTrue, Reason: "ReadyForNewScale", Message: "recommended size matches current size", LastTransitionTime: now},
				{Type: autoscalingv2.ScalingActive, Status: corev1.ConditionTrue, Reason: "ValidMetricFound", Message: "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)", LastTransitionTime: now},
				{Type: autoscalingv2.ScalingLimited, Status: corev1.ConditionTrue, Reason: "TooFewReplicas", Message: "the desired replica count is less than the minimum replica count", LastTransitionTime: now},
			},
		}
		_, err = hpas.UpdateStatus(ctx, h, metav1.UpdateOptions{FieldManager: fieldManager})
		return err
	})
}
