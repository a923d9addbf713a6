// Package e2e proves every remediation action against a real control plane
// (test/clustertest): plan → approve → execute → undo, impersonation
// refusals, stale plans, PDB-blocked drains and crash recovery, with state
// and audit on an embedded nats-server.
package e2e

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/embeddednats"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/remediation"
	"github.com/kubemedic/kubemedic/test/clustertest"
	"github.com/kubemedic/kubemedic/test/controlplane"
)

func TestMain(m *testing.M) { clustertest.Main(m) }

const (
	clusterName    = "test"
	operatorsGroup = "kubemedic-e2e:operators"
)

// People: alice and bob are operators (RBAC and policy); carol may plan by
// policy but has no Kubernetes rights at all.
var (
	alice = &kubemedicv1.Identity{KubernetesUser: "alice@example.com", KubernetesGroups: []string{operatorsGroup}, DisplayName: "Alice"}
	bob   = &kubemedicv1.Identity{KubernetesUser: "bob@example.com", KubernetesGroups: []string{operatorsGroup}, DisplayName: "Bob"}
	carol = &kubemedicv1.Identity{KubernetesUser: "carol@example.com", DisplayName: "Carol"}
)

// grantRBAC gives the operators group what the actions need, and the
// service's own identity (the harness's limited user: read-only plus
// impersonate) the right to create SubjectAccessReviews and Events.
func grantRBAC(t testing.TB, env *clustertest.Env) {
	t.Helper()
	ctx := context.Background()
	roles := []rbacv1.ClusterRole{
		{ObjectMeta: metav1.ObjectMeta{Name: "kubemedic-e2e:operator"}, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "list", "update", "patch"}},
			{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "delete"}},
			{APIGroups: []string{""}, Resources: []string{"pods/eviction"}, Verbs: []string{"create"}},
			{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get", "patch"}},
			{APIGroups: []string{"apps"}, Resources: []string{"deployments", "statefulsets", "daemonsets"}, Verbs: []string{"get", "patch"}},
			{APIGroups: []string{"apps"}, Resources: []string{"deployments/scale", "statefulsets/scale"}, Verbs: []string{"get", "update"}},
			{APIGroups: []string{"apps"}, Resources: []string{"replicasets"}, Verbs: []string{"get", "list"}},
		}},
		{ObjectMeta: metav1.ObjectMeta{Name: "kubemedic-e2e:service"}, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"authorization.k8s.io"}, Resources: []string{"subjectaccessreviews"}, Verbs: []string{"create"}},
			{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"create"}},
		}},
	}
	for _, r := range roles {
		if _, err := env.Client.RbacV1().ClusterRoles().Create(ctx, &r, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	bindings := []rbacv1.ClusterRoleBinding{
		{ObjectMeta: metav1.ObjectMeta{Name: "kubemedic-e2e:operator"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "kubemedic-e2e:operator"},
			Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: operatorsGroup}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "kubemedic-e2e:service"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "kubemedic-e2e:service"},
			Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: controlplane.LimitedUser}}},
	}
	for _, b := range bindings {
		if _, err := env.Client.RbacV1().ClusterRoleBindings().Create(ctx, &b, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
}

// harness is one test's remediation service on its own embedded NATS.
type harness struct {
	env *clustertest.Env
	svc *remediation.Service
	ns  *embeddednats.Server
	js  jetstream.JetStream
	cfg config.Remediation
}

func testConfig() config.Remediation {
	return config.Remediation{
		Rules: []config.RemediationRule{
			{Groups: []string{operatorsGroup}, Verbs: []string{"plan", "approve"}, Actions: []string{"*"}},
			{Users: []string{carol.KubernetesUser}, Verbs: []string{"plan"}, Actions: []string{"*"}},
		},
		// The cluster's nodes are shared by every test; caps that fit it.
		Limits: config.RemediationLimits{MaxCordonedNodes: 50, MaxCordonedPercent: 90, Cooldown: config.Duration{Duration: time.Second}},
	}
}

func newHarness(t testing.TB, mutate func(*config.Remediation, *remediation.Options)) *harness {
	t.Helper()
	env := clustertest.Namespace(t)
	grantRBAC(t, env)
	ns, err := embeddednats.Start(embeddednats.Options{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Stop)
	h := &harness{env: env, ns: ns, cfg: testConfig()}
	h.js = jsFor(t, ns.URL())
	h.svc = h.start(t, mutate)
	return h
}

func jsFor(t testing.TB, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// start starts a remediation service replica on the harness's NATS.
func (h *harness) start(t testing.TB, mutate func(*config.Remediation, *remediation.Options)) *remediation.Service {
	t.Helper()
	cfg := h.cfg
	o := remediation.Options{
		// The service reads and checks with the harness's limited user;
		// every write impersonates the person.
		Clusters:  map[string]*rest.Config{clusterName: rest.CopyConfig(h.env.LimitedConfig)},
		JetStream: h.js,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Heartbeat: 300 * time.Millisecond,
	}
	if testing.Verbose() {
		o.Logger = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	if mutate != nil {
		mutate(&cfg, &o)
	}
	o.Config = cfg
	svc, err := remediation.New(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	return svc
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func (h *harness) plan(t testing.TB, who *kubemedicv1.Identity, a *kubemedicv1.Action) *kubemedicv1.Plan {
	t.Helper()
	a.Cluster = clusterName
	resp, err := h.svc.Plan(ctxT(t), &kubemedicv1.PlanRequest{Action: a, Requester: who})
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	return resp.GetPlan()
}

func (h *harness) mustPending(t testing.TB, p *kubemedicv1.Plan) {
	t.Helper()
	if p.GetState() != kubemedicv1.PlanState_PLAN_STATE_PENDING_APPROVAL {
		t.Fatalf("plan %s state %v, want PENDING_APPROVAL; guards %v; dry-run %v", p.GetId(), p.GetState(), p.GetGuards(), p.GetDryRun())
	}
	if p.GetHash() == "" || p.GetExpiresAt() == nil || p.GetDiff() == "" || !p.GetDryRun().GetOk() {
		t.Fatalf("plan incomplete: %v", p)
	}
}

func (h *harness) approve(t testing.TB, who *kubemedicv1.Identity, p *kubemedicv1.Plan) *kubemedicv1.Plan {
	t.Helper()
	resp, err := h.svc.Approve(ctxT(t), &kubemedicv1.ApproveRequest{PlanId: p.GetId(), PlanHash: p.GetHash(), Approver: who})
	if err != nil {
		t.Fatalf("Approve by %s: %v", who.GetKubernetesUser(), err)
	}
	return resp.GetPlan()
}

// execute runs the plan and waits until the execution ends.
func (h *harness) execute(t testing.TB, who *kubemedicv1.Identity, p *kubemedicv1.Plan) *kubemedicv1.Execution {
	t.Helper()
	resp, err := h.svc.Execute(ctxT(t), &kubemedicv1.ExecuteRequest{PlanId: p.GetId(), Executor: who})
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	return h.wait(t, h.svc, resp.GetExecution().GetId())
}

// wait follows the execution through GetExecution until it ends.
func (h *harness) wait(t testing.TB, svc *remediation.Service, id string) *kubemedicv1.Execution {
	t.Helper()
	var last *kubemedicv1.Execution
	err := svc.GetExecution(ctxT(t), &kubemedicv1.GetExecutionRequest{ExecutionId: id, Follow: true}, func(r *kubemedicv1.GetExecutionResponse) error {
		last = r.GetExecution()
		return nil
	})
	if err != nil {
		t.Fatalf("GetExecution: %v", err)
	}
	if last.GetState() == kubemedicv1.ExecutionState_EXECUTION_STATE_RUNNING {
		t.Fatalf("GetExecution ended while the execution runs: %v", last)
	}
	return last
}

func mustSucceed(t testing.TB, e *kubemedicv1.Execution) {
	t.Helper()
	if e.GetState() != kubemedicv1.ExecutionState_EXECUTION_STATE_SUCCEEDED {
		t.Fatalf("execution %s: %v (%s), steps %v", e.GetId(), e.GetState(), e.GetError(), e.GetSteps())
	}
	if len(e.GetSteps()) == 0 || e.GetFinishedAt() == nil {
		t.Fatalf("execution %s has no steps or end time", e.GetId())
	}
}

// code returns err's Connect code, failing when err is not a Connect error.
func code(t testing.TB, err error) connect.Code {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got none")
	}
	var ce *connect.Error
	if !asConnect(err, &ce) {
		t.Fatalf("error %v is not a *connect.Error", err)
	}
	return ce.Code()
}

func asConnect(err error, ce **connect.Error) bool { return errors.As(err, ce) }

func guardOf(p *kubemedicv1.Plan, name string) *kubemedicv1.GuardVerdict {
	for _, g := range p.GetGuards() {
		if g.GetGuard() == name && !g.GetAllowed() {
			return g
		}
	}
	for _, g := range p.GetGuards() {
		if g.GetGuard() == name {
			return g
		}
	}
	return nil
}

func waitFor(t testing.TB, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

func deployment(ns, name string, replicas int32, nodeSelector map[string]string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					NodeSelector: nodeSelector,
					Containers:   []corev1.Container{{Name: "app", Image: "registry.k8s.io/pause:3.10"}},
				},
			},
		},
	}
}

// runningPods waits until n pods of app run and returns them.
func runningPods(t testing.TB, env *clustertest.Env, app string, n int) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	waitFor(t, "pods of "+app+" running", func(ctx context.Context) (bool, error) {
		list, err := env.Client.CoreV1().Pods(env.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
		if err != nil {
			return false, err
		}
		pods = pods[:0]
		for _, p := range list.Items {
			if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
				pods = append(pods, p)
			}
		}
		return len(pods) == n, nil
	})
	return pods
}

// auditTypes lists the audit record types of a plan, in order.
func (h *harness) auditTypes(t testing.TB, planID string) []kubemedicv1.AuditEventType {
	t.Helper()
	resp, err := h.svc.ListAudit(ctxT(t), &kubemedicv1.ListAuditRequest{Cluster: clusterName, PlanId: planID})
	if err != nil {
		t.Fatal(err)
	}
	var out []kubemedicv1.AuditEventType
	for _, r := range resp.GetRecords() {
		out = append(out, r.GetType())
	}
	return out
}

func count(types []kubemedicv1.AuditEventType, want kubemedicv1.AuditEventType) int {
	n := 0
	for _, x := range types {
		if x == want {
			n++
		}
	}
	return n
}

// eventReasons lists the reasons of kubemedic's Events on an object.
func eventReasons(t testing.TB, env *clustertest.Env, ns, kind, name string) []string {
	t.Helper()
	list, err := env.Client.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{
		FieldSelector: "involvedObject.kind=" + kind + ",involvedObject.name=" + name,
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range list.Items {
		if e.Source.Component == "kubemedic" {
			out = append(out, e.Reason)
		}
	}
	return out
}

// waitCooldown waits until planning a is no longer refused by the target's
// cooldown, and checks that it was refused by nothing else meanwhile.
func waitCooldown(t testing.TB, h *harness, a *kubemedicv1.Action) {
	t.Helper()
	waitFor(t, "the cooldown to pass", func(ctx context.Context) (bool, error) {
		p := h.plan(t, bob, a)
		g := guardOf(p, "cooldown")
		if p.GetState() == kubemedicv1.PlanState_PLAN_STATE_REFUSED && g == nil {
			t.Fatalf("plan refused by another guard: %v", p.GetGuards())
		}
		return g == nil, nil
	})
}

// addNode adds a fake node for this test and waits until kwok reports it
// Ready (the NotReady guard would refuse it before).
func (h *harness) addNode(t testing.TB, suffix string, opts controlplane.NodeOptions) *corev1.Node {
	t.Helper()
	n := h.env.AddNode(t, suffix, opts)
	waitFor(t, "node "+n.Name+" Ready", func(ctx context.Context) (bool, error) {
		got, err := h.env.Client.CoreV1().Nodes().Get(ctx, n.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, c := range got.Status.Conditions {
			if c.Type == corev1.NodeReady {
				return c.Status == corev1.ConditionTrue, nil
			}
		}
		return false, nil
	})
	return n
}
