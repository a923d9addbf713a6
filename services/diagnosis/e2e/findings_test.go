package e2e_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
	"github.com/kubemedic/kubemedic/services/diagnosis/live"
	"github.com/kubemedic/kubemedic/services/diagnosis/snapshot"
	"github.com/kubemedic/kubemedic/test/clustertest"
	"github.com/kubemedic/kubemedic/test/scenario"
)

func TestMain(m *testing.M) { clustertest.Main(m) }

// expect is one expected finding; "{ns}" in name is the scenario namespace.
type expect struct{ code, reason, kind, name string }

func (e expect) String() string {
	return fmt.Sprintf("%s/%s on %s %s", e.code, e.reason, e.kind, e.name)
}

// expected lists, per scenario, exactly the findings it must produce.
// Scenarios marked Quiet (healthy twins) must produce none and are not
// listed. Where kwok cannot produce a state the scenario writes it like a
// kubelet or controller would (see test/scenario); that is said there.
var expected = map[string][]expect{
	"insufficient-cpu":             {{"PodUnschedulable", "InsufficientCPU", "Pod", "cpu-hog"}},
	"insufficient-memory":          {{"PodUnschedulable", "InsufficientMemory", "Pod", "memory-hog"}},
	"host-port-conflict":           {{"PodUnschedulable", "HostPortConflict", "Pod", "web-second"}},
	"node-selector-mismatch":       {{"PodUnschedulable", "NodeSelectorMismatch", "Pod", "wants-nvme"}},
	"taint-mismatch":               {{"PodUnschedulable", "Taint", "Pod", "trainer"}},
	"image-pull-backoff":           {{"ImagePullBackOff", "ImagePullBackOff", "Pod", "bad-image"}},
	"crashloop-oomkilled":          {{"OOMKilled", "", "Pod", "memory-leak"}},
	"init-container-failed":        {{"InitContainerFailed", "Error", "Pod", "migrate-first"}},
	"readiness-probe-failure":      {{"PodNotReady", "ReadinessProbe", "Pod", "unready-api"}, {"ServiceNoEndpoints", "PodsNotReady", "Service", "unready-api"}},
	"service-no-endpoints":         {{"ServiceSelectorMismatch", "", "Service", "checkout"}},
	"service-target-port-mismatch": {{"ServiceTargetPortMismatch", "PortNotDeclared", "Service", "catalog"}},
	"loadbalancer-pending":         {{"LoadBalancerPending", "", "Service", "storefront"}},
	"ingress-missing-backend":      {{"IngressBackendMissing", "ServiceNotFound", "Ingress", "shop"}},
	"pvc-pending":                  {{"PVCPending", "StorageClassMissing", "PersistentVolumeClaim", "data"}, {"PodUnschedulable", "PVC", "Pod", "database"}},
	"node-not-ready":               {{"NodeNotReady", "KubeletNotReady", "Node", "{ns}-notready"}},
	"node-pressure":                {{"NodePressure", "MemoryPressure", "Node", "{ns}-pressure"}, {"NodePressure", "DiskPressure", "Node", "{ns}-pressure"}},
	"pdb-blocks-eviction":          {{"PDBBlocksDisruption", "Configuration", "PodDisruptionBudget", "ledger"}},
	"rollout-stuck":                {{"RolloutStuck", "ProgressDeadlineExceeded", "Deployment", "api"}, {"ImagePullBackOff", "ImagePullBackOff", "Deployment", "api"}},
	// Analysed as an NKS cluster (the harness's nodes are generic kwok nodes).
	"nks-ncloud-config":           {{"LoadBalancerPending", "LBSubnetInvalid", "Service", "nks-web"}, {"ServiceSelectorMismatch", "", "Service", "nks-web"}},
	"tke-eklet-subnet":            {{"EKLetHasInsufficientSubnetIP", "", "Node", "eklet-{ns}"}},
	"deployment-insufficient-cpu": {{"PodUnschedulable", "InsufficientCPU", "Deployment", "batch-api"}},
	"service-named-port-mismatch": {{"ServiceTargetPortMismatch", "NamedPortNotFound", "Service", "orders"}},
	"hpa-target-missing":          {{"HPAUnable", "ScaleTargetNotFound", "HorizontalPodAutoscaler", "ghost"}},
	"pod-states": {
		{"PodSchedulingGated", "", "Pod", "gated"},
		{"ContainerCreateError", "CreateContainerConfigError", "Pod", "config-error"},
		{"EvictedPods", "", "Pod", "evicted"},
		{"PodFailed", "", "Pod", "failed-once"},
		{"CrashLoopBackOff", "", "Pod", "crash"},
		{"ImagePullSecretMissing", "", "Pod", "no-pull-secret"},
	},
	"deployment-quota":      {{"DeploymentUnavailable", "FailedCreate", "Deployment", "reports"}},
	"statefulset-stuck":     {{"StatefulSetPodsStuck", "", "StatefulSet", "db"}, {"StatefulSetServiceMissing", "NotFound", "StatefulSet", "cache"}},
	"daemonset-unavailable": {{"DaemonSetUnavailable", "", "DaemonSet", "agent"}, {"NodeCordoned", "", "Node", "{ns}-cordoned"}},
	"jobs-and-cronjobs": {
		{"JobFailed", "BackoffLimitExceeded", "Job", "nightly"},
		{"JobSuspended", "", "Job", "held"},
		{"CronJobSuspended", "", "CronJob", "report"},
	},
	"ingress-config":           {{"IngressClassMissing", "ClassNotFound", "Ingress", "admin"}, {"IngressTLSSecretMissing", "", "Ingress", "secure"}},
	"network-policies":         {{"NetworkPolicyNoPods", "", "NetworkPolicy", "web-typo"}, {"NetworkPolicyAllowAll", "ingress", "NetworkPolicy", "allow-all"}},
	"configmap-hygiene":        {{"ConfigMapUnused", "", "ConfigMap", "orphan"}, {"ConfigMapEmpty", "", "ConfigMap", "blank"}},
	"node-network-unavailable": {{"NodeNetworkUnavailable", "NoRouteCreated", "Node", "{ns}-nonet"}},
}

// nksScenarios are analysed with Provider "nks", in their namespace only.
var nksScenarios = map[string]bool{"nks-ncloud-config": true}

type applied struct {
	s      scenario.Scenario
	target *scenario.Target
}

// TestFindings applies every scenario at once on the shared cluster, reads the
// cluster once and checks every finding.
func TestFindings(t *testing.T) {
	env := clustertest.Namespace(t)
	suffix := env.Namespace[strings.LastIndex(env.Namespace, "-")+1:]
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	all := scenario.All()
	for _, s := range all {
		if _, ok := expected[s.Name]; !ok && !s.Quiet {
			t.Fatalf("scenario %s has no expected findings in this test", s.Name)
		}
	}
	runs := make([]applied, len(all))
	var g errgroup.Group
	var mu sync.Mutex
	start := time.Now()
	for i, s := range all {
		ns := s.Name + "-" + suffix
		createNamespace(t, env, ns)
		target, err := scenario.NewTarget(env.Config, ns)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cctx, ccancel := context.WithTimeout(context.Background(), time.Minute)
			defer ccancel()
			if err := scenario.Cleanup(cctx, target); err != nil {
				t.Errorf("cleanup %s: %v", s.Name, err)
			}
		})
		runs[i] = applied{s: s, target: target}
		g.Go(func() error {
			if err := s.Apply(ctx, target); err != nil {
				dumpPods(t, env, ns)
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			t.Logf("%s applied after %s", s.Name, time.Since(start).Round(10*time.Millisecond))
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}

	// The harness has no metrics API, so its HPA controller may have
	// rewritten the resting status hpa-at-min wrote; write it again and read
	// until the collected state holds it.
	var st *cluster.Memory
	for attempt := 1; ; attempt++ {
		res, err := live.Collect(ctx, live.Options{Config: env.Config})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Skipped) > 0 {
			t.Fatalf("an admin could not list: %+v", res.Skipped)
		}
		st = res.State
		if hpaResting(st.HorizontalPodAutoscalers(nsOf(runs, "hpa-at-min"))) {
			break
		}
		if attempt == 3 {
			t.Fatal("the HPA controller keeps overwriting hpa-at-min's resting status")
		}
		if err := scenario.RestHPAAtMin(ctx, targetOf(runs, "hpa-at-min"), "web"); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("cluster read: %d objects, %s after start", st.Len(), time.Since(start).Round(10*time.Millisecond))

	findings, err := diagnosis.Analyze(ctx, st, diagnosis.Options{Cluster: "e2e", Provider: "generic"})
	if err != nil {
		t.Fatal(err)
	}
	var nksNamespaces []string
	for _, r := range runs {
		if nksScenarios[r.s.Name] {
			nksNamespaces = append(nksNamespaces, r.target.Namespace)
		}
	}
	nks, err := diagnosis.Analyze(ctx, st, diagnosis.Options{Cluster: "e2e", Provider: "nks", Namespaces: nksNamespaces})
	if err != nil {
		t.Fatal(err)
	}

	// Attribute each finding to the scenario that owns its object.
	owner := map[string]string{} // namespace → scenario
	for _, r := range runs {
		owner[r.target.Namespace] = r.s.Name
	}
	nodeOwner := map[string]string{}
	for _, n := range st.Nodes() {
		if ns := n.Labels[scenario.OwnerLabel]; ns != "" {
			nodeOwner[n.Name] = owner[ns]
		}
	}
	got := map[string][]expect{}
	for _, f := range findings {
		o := f.GetObject()
		name := owner[o.GetNamespace()]
		if o.GetKind() == cluster.KindNode {
			name = nodeOwner[o.GetName()]
		}
		if nksScenarios[name] {
			continue // judged from the NKS analysis below
		}
		checkFinding(t, f)
		if name == "" {
			t.Errorf("false positive outside every scenario: %s/%s on %s %s/%s: %s", f.Code, f.SubReason, o.GetKind(), o.GetNamespace(), o.GetName(), f.GetTitle().GetEn())
			continue
		}
		got[name] = append(got[name], expect{f.Code, f.SubReason, o.GetKind(), o.GetName()})
	}
	for _, f := range nks {
		checkFinding(t, f)
		o := f.GetObject()
		got[owner[o.GetNamespace()]] = append(got[owner[o.GetNamespace()]], expect{f.Code, f.SubReason, o.GetKind(), o.GetName()})
	}

	for _, r := range runs {
		t.Run(r.s.Name, func(t *testing.T) {
			var want []expect
			for _, e := range expected[r.s.Name] {
				e.name = strings.ReplaceAll(e.name, "{ns}", r.target.Namespace)
				want = append(want, e)
			}
			have := got[r.s.Name]
			for _, f := range append(append([]*kubemedicv1.Finding{}, findings...), nks...) {
				if owner[f.GetObject().GetNamespace()] == r.s.Name || nodeOwner[f.GetObject().GetName()] == r.s.Name && f.GetObject().GetKind() == cluster.KindNode {
					t.Logf("%s %s: %s | %s | runbooks %v", f.Code, objectKey(f.GetObject()), f.Title.Ko, f.Summary.Ko, f.RunbookIds)
				}
			}
			sortExpects(want)
			sortExpects(have)
			if !slices.Equal(have, want) {
				t.Errorf("findings:\n  got  %v\n  want %v", have, want)
			}
		})
	}
	// A reader that may not list Secrets or cluster-scoped classes ("view")
	// must see less, never something wrong.
	t.Run("limited-reader", func(t *testing.T) {
		res, err := live.Collect(ctx, live.Options{Config: env.LimitedConfig})
		if err != nil {
			t.Fatal(err)
		}
		var skipped []string
		for _, s := range res.Skipped {
			skipped = append(skipped, s.Kind)
		}
		if !slices.Contains(skipped, cluster.KindSecret) {
			t.Fatalf("skipped %v, want Secret among them (view excludes Secrets)", skipped)
		}
		limited, err := diagnosis.Analyze(ctx, res.State, diagnosis.Options{Cluster: "e2e", Provider: "generic"})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, f := range findings {
			seen[f.Code+" "+objectKey(f.GetObject())] = true
		}
		for _, f := range limited {
			if !seen[f.Code+" "+objectKey(f.GetObject())] {
				t.Errorf("reader without %v reports %s/%s on %s, which an admin does not", skipped, f.Code, f.SubReason, objectKey(f.GetObject()))
			}
		}
		t.Logf("limited reader: skipped %v, %d findings (admin %d)", skipped, len(limited), len(findings))
	})
	// The same cluster as a `kubectl cluster-info dump` tree: fewer kinds
	// (no Secrets, ConfigMaps, classes, claims…), so fewer findings, but none
	// an admin's live read does not have, and the ones about pods, nodes,
	// Services and workloads all there.
	t.Run("cluster-info-dump", func(t *testing.T) {
		dir := t.TempDir()
		writeDump(t, env.Client, dir)
		res, err := snapshot.Read(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Problems) != 0 {
			t.Errorf("problems reading the dump: %v", res.Problems)
		}
		fromDump, err := diagnosis.Analyze(ctx, res.State, diagnosis.Options{Cluster: "e2e", Provider: "generic"})
		if err != nil {
			t.Fatal(err)
		}
		live := map[string]bool{}
		for _, f := range findings {
			live[f.Code+"/"+f.SubReason+" "+objectKey(f.GetObject())] = true
		}
		dumped := map[string]bool{}
		for _, f := range fromDump {
			k := f.Code + "/" + f.SubReason + " " + objectKey(f.GetObject())
			dumped[k] = true
			if !live[k] {
				t.Errorf("the dump reports %s, the live cluster does not", k)
			}
		}
		for _, want := range []string{
			"PodUnschedulable/InsufficientCPU Pod/" + nsOf(runs, "insufficient-cpu") + "/cpu-hog",
			"NodeNotReady/KubeletNotReady Node//" + nsOf(runs, "node-not-ready") + "-notready",
			"ServiceSelectorMismatch/ Service/" + nsOf(runs, "service-no-endpoints") + "/checkout",
			"DeploymentUnavailable/FailedCreate Deployment/" + nsOf(runs, "deployment-quota") + "/reports",
			"DaemonSetUnavailable/ DaemonSet/" + nsOf(runs, "daemonset-unavailable") + "/agent",
			"CrashLoopBackOff/ Pod/" + nsOf(runs, "pod-states") + "/crash",
		} {
			if !dumped[want] {
				t.Errorf("the dump misses %s", want)
			}
		}
		t.Logf("dump: %d files, %d objects, %d findings (live %d)", res.Files, res.Objects, len(fromDump), len(findings))
	})
	t.Run("nks-action", func(t *testing.T) {
		for _, f := range nks {
			if f.Code != "LoadBalancerPending" {
				continue
			}
			if len(f.SuggestedActions) != 1 || f.SuggestedActions[0].GetPatchConfigMap().GetName() != "ncloud-config" ||
				f.SuggestedActions[0].GetPatchConfigMap().GetNamespace() != "kube-system" {
				t.Errorf("NKS LoadBalancerPending actions = %v, want PatchConfigMap kube-system/ncloud-config", f.SuggestedActions)
				return
			}
			// The subnet comes from nks-api, which got its address in it:
			// a value to approve, not an empty patch.
			a := f.SuggestedActions[0]
			if got := a.GetPatchConfigMap().GetSet()["lbSubnetNo"]; got != "94465" || len(a.GetInputs()) != 0 {
				t.Errorf("lbSubnetNo = %q, inputs %v; want 94465 from nks-api and no inputs", got, a.GetInputs())
			}
			if !strings.Contains(f.GetSummary().GetKo(), "nks-api") || !strings.Contains(f.GetSummary().GetKo(), "94465로") {
				t.Errorf("summary does not say where the subnet comes from: %s", f.GetSummary().GetKo())
			}
			return
		}
		t.Error("no NKS LoadBalancerPending finding")
	})
	t.Run("explains-with-numbers", func(t *testing.T) {
		for _, f := range findings {
			if f.Code == "PodUnschedulable" && f.GetObject().GetKind() == "Deployment" {
				if !strings.Contains(f.Summary.Ko, "CPU 부족: 요청 1000,") || !strings.Contains(f.Title.Ko, "파드 3개") {
					t.Errorf("roll-up text lacks numbers:\n%s\n%s", f.Title.Ko, f.Summary.Ko)
					for _, p := range st.Pods(f.GetObject().GetNamespace()) {
						t.Logf("pod %s node %q phase %s conditions %+v", p.Name, p.Spec.NodeName, p.Status.Phase, p.Status.Conditions)
					}
				}
				return
			}
		}
		t.Error("no rolled-up PodUnschedulable on a Deployment")
	})
}

// checkFinding asserts the fields every finding carries.
func checkFinding(t *testing.T, f *kubemedicv1.Finding) {
	t.Helper()
	o := f.GetObject()
	if f.Fingerprint == "" || o.GetUid() == "" || f.GetTitle().GetKo() == "" || f.GetTitle().GetEn() == "" ||
		f.GetSummary().GetKo() == "" || f.GetSummary().GetEn() == "" || len(f.Evidence) == 0 || f.Severity == kubemedicv1.Severity_SEVERITY_UNSPECIFIED {
		t.Errorf("incomplete finding %s on %s %s/%s: %v", f.Code, o.GetKind(), o.GetNamespace(), o.GetName(), f)
	}
}

func sortExpects(es []expect) {
	slices.SortFunc(es, func(a, b expect) int { return strings.Compare(a.String(), b.String()) })
}

func hpaResting(hs []*autoscalingv2.HorizontalPodAutoscaler) bool {
	for _, h := range hs {
		for _, c := range h.Status.Conditions {
			if c.Type == autoscalingv2.ScalingLimited && c.Reason == "TooFewReplicas" {
				return true
			}
		}
	}
	return false
}

func nsOf(runs []applied, name string) string { return targetOf(runs, name).Namespace }

func targetOf(runs []applied, name string) *scenario.Target {
	for _, r := range runs {
		if r.s.Name == name {
			return r.target
		}
	}
	panic("no scenario " + name)
}

// createNamespace creates ns and deletes it (force-deleting pods no kubelet
// will finish) when the test ends.
func createNamespace(t *testing.T, env *clustertest.Env, ns string) {
	t.Helper()
	ctx := context.Background()
	if _, err := env.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace %s: %v", ns, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		zero := int64(0)
		_ = env.Client.CoreV1().Pods(ns).DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: &zero}, metav1.ListOptions{})
		if err := env.Client.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete namespace %s: %v", ns, err)
		}
	})
	// Pods are refused until the namespace's default service account exists.
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if _, err := env.Client.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{}); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("default service account of %s never appeared", ns)
}

// dumpPods logs where a scenario's pods are and what state they are in.
func dumpPods(t *testing.T, env *clustertest.Env, ns string) {
	pods, err := env.Client.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Logf("list pods of %s: %v", ns, err)
		return
	}
	for _, p := range pods.Items {
		t.Logf("pod %s/%s on %q: phase %s, conditions %+v", ns, p.Name, p.Spec.NodeName, p.Status.Phase, p.Status.Conditions)
	}
}

func objectKey(o *kubemedicv1.ObjectRef) string {
	return o.GetKind() + "/" + o.GetNamespace() + "/" + o.GetName()
}
