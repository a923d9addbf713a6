package scenario

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/kubemedic/kubemedic/test/controlplane"
)

var registry = []Scenario{
	{
		Name: "insufficient-cpu", Code: "PodUnschedulable/InsufficientCPU",
		Summary:  "Pod cpu-hog requests 1000 CPUs; no node fits it.",
		Fixtures: []string{"insufficient-cpu.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			return t.waitUnschedulable(ctx, "cpu-hog", "Insufficient cpu")
		},
	},
	{
		Name: "insufficient-memory", Code: "PodUnschedulable/InsufficientMemory",
		Summary:  "Pod memory-hog requests 4Ti of memory; no node fits it.",
		Fixtures: []string{"insufficient-memory.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			return t.waitUnschedulable(ctx, "memory-hog", "Insufficient memory")
		},
	},
	{
		Name: "host-port-conflict", Code: "PodUnschedulable/HostPortConflict",
		Summary:  "Pods web-first and web-second both want hostPort 8080 on the same node; web-second stays Pending.",
		Fixtures: []string{"host-port-conflict.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			if _, err := t.waitPod(ctx, "web-first", "Running", running); err != nil {
				return err
			}
			if err := t.ApplyFixture(ctx, "host-port-conflict-second.yaml"); err != nil {
				return err
			}
			return t.waitUnschedulable(ctx, "web-second", "didn't have free ports for the requested pod ports")
		},
	},
	{
		Name: "node-selector-mismatch", Code: "PodUnschedulable/NodeSelectorMismatch",
		Summary:  "Pod wants-nvme selects disktype=nvme, which no node has.",
		Fixtures: []string{"node-selector-mismatch.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			return t.waitUnschedulable(ctx, "wants-nvme", "didn't match Pod's node affinity/selector")
		},
	},
	{
		Name: "taint-mismatch", Code: "PodUnschedulable/Taint",
		Summary:  "Pod trainer is pinned to a node tainted dedicated=gpu:NoSchedule and does not tolerate it.",
		Fixtures: []string{"taint-mismatch.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			return t.waitUnschedulable(ctx, "trainer", "untolerated taint {dedicated: gpu}")
		},
	},
	{
		Name: "image-pull-backoff", Code: "ImagePullBackOff",
		Summary:  "Pod bad-image uses an image that does not exist: ErrImagePull, then ImagePullBackOff.",
		Fixtures: []string{"image-pull-backoff.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			return t.imagePullBackOff(ctx, "bad-image")
		},
	},
	{
		Name: "crashloop-oomkilled", Code: "OOMKilled",
		Summary:  "Pod memory-leak is OOMKilled (exit 137) over its 128Mi limit and restarts in CrashLoopBackOff.",
		Fixtures: []string{"crashloop-oomkilled.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			p, err := t.waitPod(ctx, "memory-leak", "scheduled", scheduled)
			if err != nil {
				return err
			}
			started := p.CreationTimestamp
			msg := fmt.Sprintf("back-off 5m0s restarting failed container=app pod=%s_%s(%s)", p.Name, p.Namespace, p.UID)
			p, err = t.updatePodStatus(ctx, p.Name, func(p *corev1.Pod) {
				p.Status.Phase = corev1.PodRunning
				p.Status.Conditions = podConditions(p, true, false, "containers with unready status: [app]")
				p.Status.HostIP = "127.0.0.1"
				ip := fakePodIP()
				p.Status.PodIP = ip
				p.Status.PodIPs = []corev1.PodIP{{IP: ip}}
				p.Status.StartTime = &started
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{
					Name: "app", Image: p.Spec.Containers[0].Image, ImageID: "registry.k8s.io/pause@sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a",
					RestartCount: 6,
					State:        corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: msg}},
					LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
						ExitCode: 137, Reason: "OOMKilled", StartedAt: metav1.Now(), FinishedAt: metav1.Now(),
					}},
				}}
			})
			if err != nil {
				return err
			}
			if err := t.kubeletEvent(ctx, p, corev1.EventTypeNormal, "Pulled", fmt.Sprintf("Container image %q already present on machine", p.Spec.Containers[0].Image), "spec.containers{app}"); err != nil {
				return err
			}
			return t.kubeletEvent(ctx, p, corev1.EventTypeWarning, "BackOff",
				fmt.Sprintf("Back-off restarting failed container app in pod %s_%s(%s)", p.Name, p.Namespace, p.UID), "spec.containers{app}")
		},
	},
	{
		Name: "init-container-failed", Code: "InitContainerFailed",
		Summary:  "Pod migrate-first's init container migrate exits 1 again and again (Init:CrashLoopBackOff).",
		Fixtures: []string{"init-container-failed.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			p, err := t.waitPod(ctx, "migrate-first", "scheduled", scheduled)
			if err != nil {
				return err
			}
			now := metav1.Now()
			msg := fmt.Sprintf("back-off 2m40s restarting failed container=migrate pod=%s_%s(%s)", p.Name, p.Namespace, p.UID)
			p, err = t.updatePodStatus(ctx, p.Name, func(p *corev1.Pod) {
				p.Status.Phase = corev1.PodPending
				p.Status.Conditions = podConditions(p, false, false, "containers with incomplete status: [migrate]")
				p.Status.HostIP = "127.0.0.1"
				ip := fakePodIP()
				p.Status.PodIP = ip
				p.Status.PodIPs = []corev1.PodIP{{IP: ip}}
				p.Status.StartTime = &now
				p.Status.InitContainerStatuses = []corev1.ContainerStatus{{
					Name: "migrate", Image: p.Spec.InitContainers[0].Image, RestartCount: 4,
					State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: msg}},
					LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
						ExitCode: 1, Reason: "Error", Message: "could not connect to postgres://db:5432/app: connection refused",
						StartedAt: now, FinishedAt: now,
					}},
				}}
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{
					Name: "app", Image: p.Spec.Containers[0].Image,
					State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}},
				}}
			})
			if err != nil {
				return err
			}
			return t.kubeletEvent(ctx, p, corev1.EventTypeWarning, "BackOff",
				fmt.Sprintf("Back-off restarting failed container migrate in pod %s_%s(%s)", p.Name, p.Namespace, p.UID), "spec.initContainers{migrate}")
		},
	},
	{
		Name: "readiness-probe-failure", Code: "PodNotReady",
		Summary:  "Pod unready-api runs but its readiness probe gets HTTP 503, so Service unready-api has no ready endpoint.",
		Fixtures: []string{"readiness-probe-failure.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			p, err := t.waitPod(ctx, "unready-api", "scheduled", scheduled)
			if err != nil {
				return err
			}
			now := metav1.Now()
			started := true
			p, err = t.updatePodStatus(ctx, p.Name, func(p *corev1.Pod) {
				p.Status.Phase = corev1.PodRunning
				p.Status.Conditions = podConditions(p, true, false, "containers with unready status: [api]")
				// Unready for five minutes already: past any grace period
				// a diagnosis gives a pod that is still starting.
				since := metav1.NewTime(now.Add(-5 * time.Minute))
				for i := range p.Status.Conditions {
					if c := &p.Status.Conditions[i]; c.Type == corev1.PodReady || c.Type == corev1.ContainersReady {
						c.LastTransitionTime = since
					}
				}
				p.Status.HostIP = "127.0.0.1"
				ip := fakePodIP()
				p.Status.PodIP = ip
				p.Status.PodIPs = []corev1.PodIP{{IP: ip}}
				p.Status.StartTime = &now
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{
					Name: "api", Image: p.Spec.Containers[0].Image, Ready: false, Started: &started,
					State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
				}}
			})
			if err != nil {
				return err
			}
			if err := t.kubeletEvent(ctx, p, corev1.EventTypeWarning, "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", "spec.containers{api}"); err != nil {
				return err
			}
			return t.waitEndpoints(ctx, "unready-api", func(eps []discoveryv1.Endpoint, _ []discoveryv1.EndpointPort) bool {
				return len(eps) == 1 && eps[0].Conditions.Ready != nil && !*eps[0].Conditions.Ready
			})
		},
	},
	{
		Name: "service-no-endpoints", Code: "ServiceSelectorMismatch",
		Summary:  "Service checkout selects app=check-out but its pods are labelled app=checkout: no endpoints.",
		Fixtures: []string{"service-no-endpoints.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			if err := t.waitDeployment(ctx, "checkout", 1); err != nil {
				return err
			}
			return t.waitEndpoints(ctx, "checkout", func(eps []discoveryv1.Endpoint, _ []discoveryv1.EndpointPort) bool { return len(eps) == 0 })
		},
	},
	{
		Name: "service-target-port-mismatch", Code: "ServiceTargetPortMismatch",
		Summary:  "Service catalog sends traffic to port 9090 but its pods listen on 8080.",
		Fixtures: []string{"service-target-port-mismatch.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			if err := t.waitDeployment(ctx, "catalog", 1); err != nil {
				return err
			}
			return t.waitEndpoints(ctx, "catalog", func(eps []discoveryv1.Endpoint, ports []discoveryv1.EndpointPort) bool {
				return len(eps) == 1 && len(ports) == 1 && ports[0].Port != nil && *ports[0].Port == 9090
			})
		},
	},
	{
		Name: "loadbalancer-pending", Code: "LoadBalancerPending",
		Summary:  "LoadBalancer Service storefront has healthy pods but never gets an ingress IP (EXTERNAL-IP <pending>).",
		Fixtures: []string{"loadbalancer-pending.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			return t.waitDeployment(ctx, "storefront", 1)
		},
	},
	{
		Name: "ingress-missing-backend", Code: "IngressBackendMissing",
		Summary:  "Ingress shop routes / to Service shop-frontend, which does not exist.",
		Fixtures: []string{"ingress-missing-backend.yaml"},
	},
	{
		Name: "pvc-pending", Code: "PVCPending",
		Summary:  "Claim data asks for StorageClass fast-ssd, which does not exist; pod database cannot be scheduled.",
		Fixtures: []string{"pvc-pending.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			if _, err := t.waitEvent(ctx, "PersistentVolumeClaim", "data", "ProvisioningFailed", `storageclass.storage.k8s.io "fast-ssd" not found`); err != nil {
				return err
			}
			return t.waitUnschedulable(ctx, "database", "unbound immediate PersistentVolumeClaims")
		},
	},
	{
		Name: "node-not-ready", Code: "NodeNotReady",
		Summary:  "Node <ns>-notready reports Ready=False (CNI not initialized); the node lifecycle controller taints it not-ready.",
		Fixtures: []string{"node-not-ready.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			name := t.Namespace + "-notready"
			return t.reportNodeConditions(ctx, name, "tainted not-ready", func(n *corev1.Node) bool {
				return HasTaint(n, "node.kubernetes.io/not-ready", corev1.TaintEffectNoSchedule)
			}, corev1.NodeCondition{
				Type: corev1.NodeReady, Status: corev1.ConditionFalse, Reason: "KubeletNotReady",
				Message: "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized",
			})
		},
	},
	{
		Name: "node-pressure", Code: "NodePressure",
		Summary:  "Node <ns>-pressure reports MemoryPressure and DiskPressure; the node lifecycle controller taints it.",
		Fixtures: []string{"node-pressure.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			name := t.Namespace + "-pressure"
			if _, err := t.waitNode(ctx, name, "Ready", nodeReady); err != nil {
				return err
			}
			return t.reportNodeConditions(ctx, name, "tainted for memory and disk pressure", func(n *corev1.Node) bool {
				return HasTaint(n, "node.kubernetes.io/memory-pressure", corev1.TaintEffectNoSchedule) &&
					HasTaint(n, "node.kubernetes.io/disk-pressure", corev1.TaintEffectNoSchedule)
			},
				corev1.NodeCondition{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionTrue, Reason: "KubeletHasInsufficientMemory", Message: "kubelet has insufficient memory available"},
				corev1.NodeCondition{Type: corev1.NodeDiskPressure, Status: corev1.ConditionTrue, Reason: "KubeletHasDiskPressure", Message: "kubelet has disk pressure"},
			)
		},
	},
	{
		Name: "pdb-blocks-eviction", Code: "PDBBlocksDisruption",
		Summary:  "PodDisruptionBudget ledger wants both replicas of Deployment ledger: 0 disruptions allowed, evictions get 429.",
		Fixtures: []string{"pdb-blocks-eviction.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			if err := t.waitDeployment(ctx, "ledger", 2); err != nil {
				return err
			}
			return t.waitPDB(ctx, "ledger", 2, 0)
		},
	},
	{
		Name: "rollout-stuck", Code: "RolloutStuck",
		Summary:  "Deployment api rolls out an image that cannot be pulled; the rollout exceeds its 10s progress deadline.",
		Fixtures: []string{"rollout-stuck.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			if err := t.waitDeployment(ctx, "api", 2); err != nil {
				return err
			}
			if err := t.ApplyFixture(ctx, "rollout-stuck-update.yaml"); err != nil {
				return err
			}
			// The new ReplicaSet's pod is left alone by kwok; play the
			// kubelet failing to pull its image.
			var pods *corev1.PodList
			err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
				var err error
				pods, err = t.Client.CoreV1().Pods(t.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "app=api," + controlplane.ManualStatusLabel + "=true"})
				if err != nil || len(pods.Items) == 0 {
					return false, nil
				}
				for _, p := range pods.Items {
					if p.Spec.NodeName == "" {
						return false, nil
					}
				}
				return true, nil
			})
			if err != nil {
				return fmt.Errorf("wait for the new ReplicaSet's pods to be scheduled: %w", err)
			}
			for _, p := range pods.Items {
				if err := t.imagePullBackOff(ctx, p.Name); err != nil {
					return err
				}
			}
			return wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
				d, err := t.Client.AppsV1().Deployments(t.Namespace).Get(ctx, "api", metav1.GetOptions{})
				if err != nil {
					return false, nil
				}
				c := deploymentCondition(d, appsv1.DeploymentProgressing)
				return c != nil && c.Status == corev1.ConditionFalse && c.Reason == "ProgressDeadlineExceeded", nil
			})
		},
	},
	{
		Name: "nks-ncloud-config", Code: "LoadBalancerPending/LBSubnetInvalid",
		Summary:  "NKS: kube-system/ncloud-config has an empty lbSubnetNo, so LoadBalancer Service nks-web gets no address; nks-api got one earlier in subnet 94465 (its annotation).",
		Fixtures: []string{"nks-ncloud-config.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			// The address NKS's controller gave nks-api; there is no
			// controller here.
			api, err := t.Client.CoreV1().Services(t.Namespace).Get(ctx, "nks-api", metav1.GetOptions{})
			if err != nil {
				return fmt.Errorf("get Service nks-api: %w", err)
			}
			api.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "203.0.113.10"}}
			if _, err := t.Client.CoreV1().Services(t.Namespace).UpdateStatus(ctx, api, metav1.UpdateOptions{FieldManager: fieldManager}); err != nil {
				return fmt.Errorf("set nks-api address: %w", err)
			}
			svc, err := t.Client.CoreV1().Services(t.Namespace).Get(ctx, "nks-web", metav1.GetOptions{})
			if err != nil {
				return fmt.Errorf("get Service nks-web: %w", err)
			}
			// What NKS's cloud controller reports; there is none here.
			return t.event(ctx, corev1.ObjectReference{Kind: "Service", APIVersion: "v1", Namespace: svc.Namespace, Name: svc.Name, UID: svc.UID},
				corev1.EventSource{Component: "service-controller"}, corev1.EventTypeWarning, "SyncLoadBalancerFailed",
				"Error syncing load balancer: failed to ensure load balancer: lbSubnetNo is empty in ConfigMap kube-system/ncloud-config")
		},
	},
	{
		Name: "tke-eklet-subnet", Code: "EKLetHasInsufficientSubnetIP",
		Summary:  "TKE Serverless: super node eklet-<ns> has no subnet IPs left (NetworkUnavailable, EKLetHasInsufficientSubnetIP).",
		Fixtures: []string{"tke-eklet-subnet.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			name := "eklet-" + t.Namespace
			if _, err := t.waitNode(ctx, name, "Ready", nodeReady); err != nil {
				return err
			}
			return t.reportNodeConditions(ctx, name, "tainted network-unavailable", func(n *corev1.Node) bool {
				return HasTaint(n, "node.kubernetes.io/network-unavailable", corev1.TaintEffectNoSchedule)
			}, corev1.NodeCondition{
				Type: corev1.NodeNetworkUnavailable, Status: corev1.ConditionTrue, Reason: "EKLetHasInsufficientSubnetIP",
				Message: "eklet node has insufficient IP available of subnet subnet-bok73g4c",
			})
		},
	},
	{
		Name: "healthy", Code: "", Quiet: true,
		Summary:  "Deployment frontend (3 replicas) behind Service frontend with a PDB allowing one disruption; nothing is wrong.",
		Fixtures: []string{"healthy.yaml"},
		apply: func(ctx context.Context, t *Target) error {
			if err := t.waitDeployment(ctx, "frontend", 3); err != nil {
				return err
			}
			if err := t.waitEndpoints(ctx, "frontend", func(eps []discoveryv1.Endpoint, _ []discoveryv1.EndpointPort) bool {
				ready := 0
				for _, e := range eps {
					if e.Conditions.Ready != nil && *e.Conditions.Ready {
						ready++
					}
				}
				return ready == 3
			}); err != nil {
				return err
			}
			return t.waitPDB(ctx, "frontend", 3, 1)
		},
	},
}

// imagePullBackOff writes the status and events of a kubelet that cannot pull
// the pod's first container image.
func (t *Target) imagePullBackOff(ctx context.Context, name string) error {
	p, err := t.waitPod(ctx, name, "scheduled", scheduled)
	if err != nil {
		return err
	}
	c := p.Spec.Containers[0]
	now := metav1.Now()
	p, err = t.updatePodStatus(ctx, name, func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodPending
		p.Status.Conditions = podConditions(p, true, false, fmt.Sprintf("containers with unready status: [%s]", c.Name))
		p.Status.HostIP = "127.0.0.1"
		ip := fakePodIP()
		p.Status.PodIP = ip
		p.Status.PodIPs = []corev1.PodIP{{IP: ip}}
		p.Status.StartTime = &now
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{
			Name: c.Name, Image: c.Image,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
				Reason:  "ImagePullBackOff",
				Message: fmt.Sprintf("Back-off pulling image %q", c.Image),
			}},
		}}
	})
	if err != nil {
		return err
	}
	field := fmt.Sprintf("spec.containers{%s}", c.Name)
	for _, ev := range []struct{ typ, reason, msg string }{
		{corev1.EventTypeNormal, "Pulling", fmt.Sprintf("Pulling image %q", c.Image)},
		{corev1.EventTypeWarning, "Failed", fmt.Sprintf("Failed to pull image %q: rpc error: code = NotFound desc = failed to pull and unpack image %q: failed to resolve reference %q: %s: not found", c.Image, c.Image, c.Image, c.Image)},
		{corev1.EventTypeWarning, "Failed", "Error: ErrImagePull"},
		{corev1.EventTypeNormal, "BackOff", fmt.Sprintf("Back-off pulling image %q", c.Image)},
		{corev1.EventTypeWarning, "Failed", "Error: ImagePullBackOff"},
	} {
		if err := t.kubeletEvent(ctx, p, ev.typ, ev.reason, ev.msg, field); err != nil {
			return err
		}
	}
	return nil
}

// waitDeployment waits until the Deployment has the given number of available,
// updated replicas.
func (t *Target) waitDeployment(ctx context.Context, name string, replicas int32) error {
	var last *appsv1.Deployment
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		d, err := t.Client.AppsV1().Deployments(t.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		last = d
		return d.Status.ObservedGeneration >= d.Generation && d.Status.AvailableReplicas == replicas && d.Status.UpdatedReplicas == replicas, nil
	})
	if err != nil {
		avail := int32(-1)
		if last != nil {
			avail = last.Status.AvailableReplicas
		}
		return fmt.Errorf("wait for Deployment %s to have %d available replicas: %w (available %d)", name, replicas, err, avail)
	}
	return nil
}

func deploymentCondition(d *appsv1.Deployment, typ appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range d.Status.Conditions {
		if d.Status.Conditions[i].Type == typ {
			return &d.Status.Conditions[i]
		}
	}
	return nil
}

// waitEndpoints waits until the EndpointSlices of Service name satisfy cond.
func (t *Target) waitEndpoints(ctx context.Context, service string, cond func([]discoveryv1.Endpoint, []discoveryv1.EndpointPort) bool) error {
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		list, err := t.Client.DiscoveryV1().EndpointSlices(t.Namespace).List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + service})
		if err != nil || len(list.Items) == 0 {
			return false, nil
		}
		var eps []discoveryv1.Endpoint
		var ports []discoveryv1.EndpointPort
		for _, s := range list.Items {
			eps = append(eps, s.Endpoints...)
			ports = append(ports, s.Ports...)
		}
		return cond(eps, ports), nil
	})
	if err != nil {
		return fmt.Errorf("wait for the endpoints of Service %s: %w", service, err)
	}
	return nil
}

// waitPDB waits until the PDB has observed its pods.
func (t *Target) waitPDB(ctx context.Context, name string, healthy, allowed int32) error {
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		pdb, err := t.Client.PolicyV1().PodDisruptionBudgets(t.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		s := pdb.Status
		return s.ObservedGeneration >= pdb.Generation && s.CurrentHealthy == healthy && s.DisruptionsAllowed == allowed, nil
	})
	if err != nil {
		return fmt.Errorf("wait for PodDisruptionBudget %s to see %d healthy pods and allow %d disruptions: %w", name, healthy, allowed, err)
	}
	return nil
}
