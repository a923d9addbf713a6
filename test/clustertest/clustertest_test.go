package clustertest_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/drain"

	"github.com/kubemedic/kubemedic/test/clustertest"
	"github.com/kubemedic/kubemedic/test/controlplane"
)

func TestMain(m *testing.M) { clustertest.Main(m) }

// TestDrainRefusedByPDB drains a node the way `kubectl drain` does and
// watches the Eviction API refuse it because of a PodDisruptionBudget; once the
// budget allows disruptions, the same drain succeeds.
func TestDrainRefusedByPDB(t *testing.T) {
	env := clustertest.Namespace(t)
	ctx := t.Context()
	node := env.AddNode(t, "drain", controlplane.NodeOptions{Labels: map[string]string{"drain-test": env.Namespace}})

	replicas := int32(2)
	labels := map[string]string{"app": "ledger"}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "ledger", Namespace: env.Namespace},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					NodeSelector: map[string]string{"drain-test": env.Namespace},
					Containers:   []corev1.Container{{Name: "app", Image: "registry.k8s.io/pause:3.10"}},
				},
			},
		},
	}
	if _, err := env.Client.AppsV1().Deployments(env.Namespace).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	minAvailable := intstr.FromInt32(2)
	pdb := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "ledger", Namespace: env.Namespace},
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: &minAvailable, Selector: &metav1.LabelSelector{MatchLabels: labels}},
	}
	if _, err := env.Client.PolicyV1().PodDisruptionBudgets(env.Namespace).Create(ctx, pdb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "PDB to see 2 healthy pods and allow 0 disruptions", func(ctx context.Context) (bool, error) {
		got, err := env.Client.PolicyV1().PodDisruptionBudgets(env.Namespace).Get(ctx, "ledger", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return got.Status.ObservedGeneration == got.Generation && got.Status.CurrentHealthy == 2 && got.Status.DisruptionsAllowed == 0, nil
	})

	var (
		out, errOut bytes.Buffer
		mu          sync.Mutex
		started     []string
		finished    = map[string]error{}
	)
	helper := &drain.Helper{
		Ctx:                             ctx,
		Client:                          env.Client,
		Force:                           false, // never delete unreplicated pods
		GracePeriodSeconds:              -1,    // the pod's own grace period
		IgnoreAllDaemonSets:             true,
		Timeout:                         8 * time.Second, // finite: at least one 5s retry after a 429
		DeleteEmptyDirData:              false,
		Selector:                        "",
		PodSelector:                     "",
		ChunkSize:                       cmdutil.DefaultChunkSize,
		DisableEviction:                 false, // eviction API only, so PDBs apply
		SkipWaitForDeleteTimeoutSeconds: 0,
		AdditionalFilters:               nil,
		Out:                             &out,
		ErrOut:                          &errOut,
		DryRunStrategy:                  cmdutil.DryRunNone,
		OnPodDeletedOrEvicted:           nil, // deprecated; the two callbacks below replace it
		OnPodDeletionOrEvictionStarted: func(pod *corev1.Pod, usingEviction bool) {
			mu.Lock()
			defer mu.Unlock()
			if !usingEviction {
				t.Errorf("pod %s removed without the eviction API", pod.Name)
			}
			started = append(started, pod.Name)
		},
		OnPodDeletionOrEvictionFinished: func(pod *corev1.Pod, usingEviction bool, err error) {
			mu.Lock()
			defer mu.Unlock()
			finished[pod.Name] = err
		},
	}
	if err := drain.RunCordonOrUncordon(helper, node, true); err != nil {
		t.Fatalf("cordon: %v", err)
	}
	if got, err := env.Client.CoreV1().Nodes().Get(ctx, node.Name, metav1.GetOptions{}); err != nil || !got.Spec.Unschedulable {
		t.Fatalf("node %s not cordoned (err %v)", node.Name, err)
	}

	// A single eviction is refused with 429 TooManyRequests.
	pods := podsOn(t, env, node.Name, "app=ledger")
	if len(pods) != 2 {
		t.Fatalf("want 2 ledger pods on %s, got %d", node.Name, len(pods))
	}
	err := env.Client.PolicyV1().Evictions(env.Namespace).Evict(ctx, &policyv1.Eviction{
		ObjectMeta: metav1.ObjectMeta{Name: pods[0].Name, Namespace: env.Namespace},
	})
	if !apierrors.IsTooManyRequests(err) || !strings.Contains(err.Error(), "disruption budget") {
		t.Fatalf("eviction of %s: want 429 citing the disruption budget, got %v", pods[0].Name, err)
	}

	// The drain retries, then gives up at its timeout; both pods stay.
	start := time.Now()
	err = drain.RunNodeDrain(helper, node.Name)
	if err == nil {
		t.Fatal("drain succeeded although the PDB allows no disruption")
	}
	if !strings.Contains(err.Error(), "global timeout") {
		t.Errorf("drain error = %v, want the drain's global timeout", err)
	}
	if !strings.Contains(errOut.String(), "disruption budget") {
		t.Errorf("drain did not report the PDB refusal; stderr: %q", errOut.String())
	}
	if elapsed := time.Since(start); elapsed < helper.Timeout {
		t.Errorf("drain gave up after %s, before its %s timeout", elapsed, helper.Timeout)
	}
	if got := podsOn(t, env, node.Name, "app=ledger"); len(got) != 2 {
		t.Errorf("after the refused drain %d ledger pods remain on the node, want 2", len(got))
	}

	// Without the budget the same drain evicts both pods. (Their replacements
	// are pinned to this cordoned node and stay Pending, which the drain does
	// not wait for.)
	if err := env.Client.PolicyV1().PodDisruptionBudgets(env.Namespace).Delete(ctx, "ledger", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	// Generous: the drain waits until kwok has finished deleting the evicted
	// pods, a moment on a quiet machine but much longer on a loaded CI machine
	// that also builds and runs other packages' control planes.
	helper.Timeout = 3 * time.Minute
	if err := drain.RunNodeDrain(helper, node.Name); err != nil {
		t.Fatalf("drain without the PDB: %v (stderr %q)", err, errOut.String())
	}
	if got := podsOn(t, env, node.Name, "app=ledger"); len(got) != 0 {
		t.Errorf("after the drain %d ledger pods remain on the node", len(got))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(started) < 2 {
		t.Errorf("eviction started for %v, want both pods", started)
	}
	for _, p := range pods {
		if err, ok := finished[p.Name]; !ok || err != nil {
			t.Errorf("pod %s: finished=%v err=%v", p.Name, ok, err)
		}
	}
}

func podsOn(t *testing.T, env *clustertest.Env, node, selector string) []corev1.Pod {
	t.Helper()
	list, err := env.Client.CoreV1().Pods(env.Namespace).List(t.Context(), metav1.ListOptions{
		LabelSelector: selector,
		FieldSelector: "spec.nodeName=" + node,
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out
}

// TestImpersonationFollowsRBAC acts as the limited user: it may read but not
// write, and impersonating someone grants exactly that identity's rights.
func TestImpersonationFollowsRBAC(t *testing.T) {
	env := clustertest.Namespace(t)
	ctx := t.Context()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings"}, Data: map[string]string{"mode": "a"}}
	if _, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// alice may patch ConfigMaps in this namespace only.
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "cm-editor"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get", "patch", "update"}}},
	}
	if _, err := env.Client.RbacV1().Roles(env.Namespace).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "alice-cm-editor"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "cm-editor"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "alice@example.com"}},
	}
	if _, err := env.Client.RbacV1().RoleBindings(env.Namespace).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	patch := []byte(`{"data":{"mode":"b"}}`)
	tests := []struct {
		name        string
		impersonate rest.ImpersonationConfig
		wantAllowed bool
	}{
		{name: "limited user itself", wantAllowed: false},
		{name: "impersonating alice", impersonate: rest.ImpersonationConfig{UserName: "alice@example.com"}, wantAllowed: true},
		{name: "impersonating bob", impersonate: rest.ImpersonationConfig{UserName: "bob@example.com", Groups: []string{"oncall"}}, wantAllowed: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := rest.CopyConfig(env.LimitedConfig)
			cfg.Impersonate = tc.impersonate
			cs, err := kubernetes.NewForConfig(cfg)
			if err != nil {
				t.Fatal(err)
			}
			// SubjectAccessReview agrees with what the API then does.
			user := tc.impersonate.UserName
			if user == "" {
				user = controlplane.LimitedUser
			}
			sar, err := env.Client.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{
				Spec: authorizationv1.SubjectAccessReviewSpec{
					User:   user,
					Groups: tc.impersonate.Groups,
					ResourceAttributes: &authorizationv1.ResourceAttributes{
						Namespace: env.Namespace, Verb: "patch", Resource: "configmaps", Name: "settings",
					},
				},
			}, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if sar.Status.Allowed != tc.wantAllowed {
				t.Errorf("SubjectAccessReview allowed=%v, want %v (%s)", sar.Status.Allowed, tc.wantAllowed, sar.Status.Reason)
			}
			_, err = cs.CoreV1().ConfigMaps(env.Namespace).Patch(ctx, "settings", "application/merge-patch+json", patch, metav1.PatchOptions{})
			switch {
			case tc.wantAllowed && err != nil:
				t.Errorf("patch refused: %v", err)
			case !tc.wantAllowed && !apierrors.IsForbidden(err):
				t.Errorf("patch: want Forbidden, got %v", err)
			}
		})
	}
	// The limited user can read.
	limited, err := kubernetes.NewForConfig(env.LimitedConfig)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := limited.CoreV1().ConfigMaps(env.Namespace).Get(ctx, "settings", metav1.GetOptions{}); err != nil {
		t.Errorf("limited user cannot read ConfigMaps: %v", err)
	}
	if _, err := limited.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("limited user cannot list nodes: %v", err)
	}
}

// TestServerSideDryRun checks that dryRun=All validates and returns the
// result without persisting it.
func TestServerSideDryRun(t *testing.T) {
	env := clustertest.Namespace(t)
	ctx := t.Context()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "limits"}, Data: map[string]string{"max": "1"}}
	if _, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	dry := metav1.PatchOptions{DryRun: []string{metav1.DryRunAll}}
	got, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Patch(ctx, "limits", "application/merge-patch+json", []byte(`{"data":{"max":"2"}}`), dry)
	if err != nil {
		t.Fatal(err)
	}
	if got.Data["max"] != "2" {
		t.Errorf("dry-run result has max=%q, want 2", got.Data["max"])
	}
	stored, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Get(ctx, "limits", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if stored.Data["max"] != "1" {
		t.Errorf("dry run persisted: max=%q", stored.Data["max"])
	}
	// Invalid changes fail in dry-run too.
	_, err = env.Client.CoreV1().ConfigMaps(env.Namespace).Patch(ctx, "limits", "application/merge-patch+json", []byte(`{"data":{"bad key!":"x"}}`), dry)
	if !apierrors.IsInvalid(err) {
		t.Errorf("invalid dry-run patch: want Invalid, got %v", err)
	}
	// A JSON Patch test op guards against concurrent changes.
	_, err = env.Client.CoreV1().ConfigMaps(env.Namespace).Patch(ctx, "limits", "application/json-patch+json",
		[]byte(`[{"op":"test","path":"/data/max","value":"5"},{"op":"replace","path":"/data/max","value":"6"}]`), metav1.PatchOptions{})
	if err == nil {
		t.Error("JSON patch with a failing test op was applied")
	}
}

// TestNamespacesAreIsolated checks that each test gets its own namespace
// and that a deployment's pods really run (scheduler + controllers + kwok).
func TestNamespacesAreIsolated(t *testing.T) {
	a := clustertest.Namespace(t)
	b := clustertest.Namespace(t)
	if a.Namespace == b.Namespace {
		t.Fatalf("two calls returned the same namespace %s", a.Namespace)
	}
	ctx := t.Context()
	replicas := int32(3)
	labels := map[string]string{"app": "web"}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "registry.k8s.io/pause:3.10"}}},
			},
		},
	}
	if _, err := a.Client.AppsV1().Deployments(a.Namespace).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "3 available replicas", func(ctx context.Context) (bool, error) {
		d, err := a.Client.AppsV1().Deployments(a.Namespace).Get(ctx, "web", metav1.GetOptions{})
		return err == nil && d.Status.AvailableReplicas == 3, nil
	})
	pods, err := b.Client.CoreV1().Pods(b.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) != 0 {
		t.Errorf("namespace %s sees %d pods of another test", b.Namespace, len(pods.Items))
	}
}

func waitFor(t *testing.T, what string, cond func(context.Context) (bool, error)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, cond); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("timed out waiting for %s", what)
		}
		t.Fatalf("waiting for %s: %v", what, err)
	}
}
