package e2e

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
	"github.com/kubemedic/kubemedic/services/remediation"
	"github.com/kubemedic/kubemedic/test/controlplane"
)

// A person without Kubernetes rights is refused with PermissionDenied
// naming the verb, resource and namespace, before anything is dry-run.
func TestImpersonationDenied(t *testing.T) {
	h := newHarness(t, nil)
	ctx := ctxT(t)
	ns := h.env.Namespace
	if _, err := h.env.Client.AppsV1().Deployments(ns).Create(ctx, deployment(ns, "web", 1, nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	a := scaleAction(ns, "web", 2)
	a.Cluster = clusterName
	_, err := h.svc.Plan(ctx, &kubemedicv1.PlanRequest{Action: a, Requester: carol})
	if code(t, err) != connect.CodePermissionDenied {
		t.Fatalf("carol's plan: %v", err)
	}
	for _, want := range []string{"verb=update", "deployments/scale", "namespace=" + ns, "carol@example.com", "RBAC가", "does not allow"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("denial %q lacks %q", err, want)
		}
	}
	// Node actions name the cluster scope.
	node := h.addNode(t, "deny", controlplane.NodeOptions{})
	a = cordonAction(node.Name)
	a.Cluster = clusterName
	_, err = h.svc.Plan(ctx, &kubemedicv1.PlanRequest{Action: a, Requester: carol})
	if code(t, err) != connect.CodePermissionDenied || !strings.Contains(err.Error(), "verb=update resource=nodes") {
		t.Fatalf("carol's cordon: %v", err)
	}
	// Someone the policy does not know is refused by policy first.
	_, err = h.svc.Plan(ctx, &kubemedicv1.PlanRequest{Action: a, Requester: &kubemedicv1.Identity{KubernetesUser: "mallory@example.com"}})
	if code(t, err) != connect.CodePermissionDenied || !strings.Contains(err.Error(), "remediation policy") {
		t.Fatalf("mallory: %v", err)
	}
	if n := count(h.auditTypes(t, ""), kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_DENIED); n < 3 {
		t.Errorf("%d denials audited, want 3", n)
	}
	// An executor without rights is refused at execution too.
	p := h.plan(t, alice, scaleAction(ns, "web", 2))
	h.approve(t, alice, p)
	_, err = h.svc.Execute(ctx, &kubemedicv1.ExecuteRequest{PlanId: p.GetId(), Executor: carol})
	if code(t, err) != connect.CodePermissionDenied {
		t.Fatalf("carol executing: %v", err)
	}
	if replicas(t, h, "web") != 1 {
		t.Fatal("a refused execution changed the deployment")
	}
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time             { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration)        { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }
func newClock() *clock                      { return &clock{now: time.Now()} }
func (c *clock) set(o *remediation.Options) { o.Now = c.Now }

// Approvals are bound to the hash, single-use, expiring; replays and
// concurrent approvals and executions run the plan exactly once.
func TestApprovalRules(t *testing.T) {
	clk := newClock()
	h := newHarness(t, func(cfg *config.Remediation, o *remediation.Options) {
		clk.set(o)
		cfg.Approvals.High = 2
	})
	ctx := ctxT(t)
	ns := h.env.Namespace
	if _, err := h.env.Client.AppsV1().Deployments(ns).Create(ctx, deployment(ns, "web", 1, nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// Wrong hash.
	p := h.plan(t, alice, scaleAction(ns, "web", 2))
	_, err := h.svc.Approve(ctx, &kubemedicv1.ApproveRequest{PlanId: p.GetId(), PlanHash: strings.Repeat("0", 64), Approver: alice})
	if code(t, err) != connect.CodeFailedPrecondition || !strings.Contains(err.Error(), "hash") {
		t.Fatalf("wrong hash: %v", err)
	}
	// Not yet approved: execution refused.
	_, err = h.svc.Execute(ctx, &kubemedicv1.ExecuteRequest{PlanId: p.GetId(), Executor: alice})
	if code(t, err) != connect.CodeFailedPrecondition || !strings.Contains(err.Error(), "more approvals") {
		t.Fatalf("unapproved execute: %v", err)
	}
	// Expired.
	clk.Add(16 * time.Minute)
	_, err = h.svc.Approve(ctx, &kubemedicv1.ApproveRequest{PlanId: p.GetId(), PlanHash: p.GetHash(), Approver: alice})
	if code(t, err) != connect.CodeFailedPrecondition || !strings.Contains(err.Error(), "expired") || !strings.Contains(err.Error(), "만료") {
		t.Fatalf("expired approval: %v", err)
	}

	// Approved, then expired before execution.
	p = h.plan(t, alice, scaleAction(ns, "web", 2))
	h.approve(t, alice, p)
	clk.Add(16 * time.Minute)
	if _, err := h.svc.Execute(ctx, &kubemedicv1.ExecuteRequest{PlanId: p.GetId(), Executor: alice}); code(t, err) != connect.CodeFailedPrecondition {
		t.Fatalf("expired execute: %v", err)
	}
	// The plan now reads as expired, and stays unexecutable.
	if _, err := h.svc.Execute(ctx, &kubemedicv1.ExecuteRequest{PlanId: p.GetId(), Executor: alice}); code(t, err) != connect.CodeFailedPrecondition || !strings.Contains(err.Error(), "EXPIRED") {
		t.Fatalf("second execute of an expired plan: %v", err)
	}
	if replicas(t, h, "web") != 1 {
		t.Fatal("an expired plan changed the deployment")
	}

	// High risk needs two distinct non-requesters; replays change nothing.
	hp := h.plan(t, alice, scaleAction(ns, "web", 0))
	if hp.GetApprovalsRequired() != 2 {
		t.Fatalf("approvals required %d, want 2", hp.GetApprovalsRequired())
	}
	got := h.approve(t, bob, hp)
	if again := h.approve(t, bob, hp); len(again.GetApprovals()) != 1 || again.GetState() != kubemedicv1.PlanState_PLAN_STATE_PENDING_APPROVAL {
		t.Fatalf("replayed approval changed the plan: %v", again)
	}
	if got.GetState() != kubemedicv1.PlanState_PLAN_STATE_PENDING_APPROVAL {
		t.Fatalf("one approval of two: %v", got.GetState())
	}
	dave := &kubemedicv1.Identity{KubernetesUser: "dave@example.com", KubernetesGroups: []string{operatorsGroup}}
	erin := &kubemedicv1.Identity{KubernetesUser: "erin@example.com", KubernetesGroups: []string{operatorsGroup}}
	// Two approvals race; the plan ends APPROVED with both (or more).
	var wg sync.WaitGroup
	for _, who := range []*kubemedicv1.Identity{dave, erin} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := h.svc.Approve(ctx, &kubemedicv1.ApproveRequest{PlanId: hp.GetId(), PlanHash: hp.GetHash(), Approver: who}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// Ten concurrent executions (from two replicas) start one execution.
	second := h.start(t, nil)
	ids := make([]string, 10)
	var errs atomic.Int32
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			svc := h.svc
			if i%2 == 1 {
				svc = second
			}
			resp, err := svc.Execute(ctx, &kubemedicv1.ExecuteRequest{PlanId: hp.GetId(), Executor: alice})
			if err != nil {
				errs.Add(1)
				t.Error(err)
				return
			}
			ids[i] = resp.GetExecution().GetId()
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] || errs.Load() != 0 {
			t.Fatalf("executions %v (errors %d), want one shared ID", ids, errs.Load())
		}
	}
	mustSucceed(t, h.wait(t, h.svc, ids[0]))
	if got := count(h.auditTypes(t, hp.GetId()), kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_EXECUTION_STARTED); got != 1 {
		t.Errorf("%d executions started, want 1", got)
	}
	// A replayed approval after execution does nothing.
	if again := h.approve(t, bob, hp); again.GetState() != kubemedicv1.PlanState_PLAN_STATE_EXECUTED {
		t.Errorf("replay after execution: %v", again.GetState())
	}
	if _, err := h.svc.Approve(ctx, &kubemedicv1.ApproveRequest{PlanId: hp.GetId(), PlanHash: hp.GetHash(), Approver: &kubemedicv1.Identity{KubernetesUser: "frank@example.com", KubernetesGroups: []string{operatorsGroup}}}); code(t, err) != connect.CodeFailedPrecondition {
		t.Errorf("new approval of an executed plan: %v", err)
	}

	// Rejected plans never run.
	waitCooldown(t, h, scaleAction(ns, "web", 3))
	rp := h.plan(t, alice, scaleAction(ns, "web", 3))
	h.approve(t, alice, rp)
	if _, err := h.svc.Reject(ctx, &kubemedicv1.RejectRequest{PlanId: rp.GetId(), Rejector: bob, Reason: "not now"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Execute(ctx, &kubemedicv1.ExecuteRequest{PlanId: rp.GetId(), Executor: alice}); code(t, err) != connect.CodeFailedPrecondition {
		t.Fatalf("executing a rejected plan: %v", err)
	}
}

// The pause switch refuses new plans and executions, at run time too.
func TestPause(t *testing.T) {
	h := newHarness(t, nil)
	ctx := ctxT(t)
	node := h.addNode(t, "pause", controlplane.NodeOptions{})
	p := h.plan(t, alice, cordonAction(node.Name))
	h.mustPending(t, p)
	h.approve(t, alice, p)
	if err := h.svc.Pause(ctx, true); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Execute(ctx, &kubemedicv1.ExecuteRequest{PlanId: p.GetId(), Executor: alice}); code(t, err) != connect.CodeFailedPrecondition || !strings.Contains(err.Error(), "paused") {
		t.Fatalf("execute while paused: %v", err)
	}
	if q := h.plan(t, alice, cordonAction(node.Name)); q.GetState() != kubemedicv1.PlanState_PLAN_STATE_REFUSED || guardOf(q, "pause").GetAllowed() {
		t.Fatalf("plan while paused: %v %v", q.GetState(), q.GetGuards())
	}
	if err := h.svc.Pause(ctx, false); err != nil {
		t.Fatal(err)
	}
	mustSucceed(t, h.execute(t, alice, p))
}

// The service answers over NATS with the natsrpc contract, GetExecution
// streaming included; errors keep their Connect codes.
func TestOverNATS(t *testing.T) {
	h := newHarness(t, nil)
	ctx := ctxT(t)
	conn, err := natsrpc.Connect(h.ns.URL(), natsrpc.ConnectOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	srv, err := h.svc.Serve(conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop(context.Background()) })
	client := natsrpc.NewClient(conn, 20*time.Second)
	node := h.addNode(t, "nats", controlplane.NodeOptions{})
	a := cordonAction(node.Name)
	a.Cluster = clusterName
	var plan kubemedicv1.PlanResponse
	if err := client.Call(ctx, kubemedicv1connect.RemediationServicePlanProcedure, &kubemedicv1.PlanRequest{Action: a, Requester: alice}, &plan); err != nil {
		t.Fatal(err)
	}
	p := plan.GetPlan()
	if p.GetState() != kubemedicv1.PlanState_PLAN_STATE_PENDING_APPROVAL {
		t.Fatalf("plan over NATS: %v", p.GetState())
	}
	var ap kubemedicv1.ApproveResponse
	err = client.Call(ctx, kubemedicv1connect.RemediationServiceApproveProcedure, &kubemedicv1.ApproveRequest{PlanId: p.GetId(), PlanHash: "bad", Approver: alice}, &ap)
	if code(t, err) != connect.CodeFailedPrecondition {
		t.Fatalf("bad hash over NATS: %v", err)
	}
	if err := client.Call(ctx, kubemedicv1connect.RemediationServiceApproveProcedure, &kubemedicv1.ApproveRequest{PlanId: p.GetId(), PlanHash: p.GetHash(), Approver: alice}, &ap); err != nil {
		t.Fatal(err)
	}
	var ex kubemedicv1.ExecuteResponse
	if err := client.Call(ctx, kubemedicv1connect.RemediationServiceExecuteProcedure, &kubemedicv1.ExecuteRequest{PlanId: p.GetId(), Executor: alice}, &ex); err != nil {
		t.Fatal(err)
	}
	var last *kubemedicv1.Execution
	err = natsrpc.ServerStream(ctx, client, kubemedicv1connect.RemediationServiceGetExecutionProcedure,
		&kubemedicv1.GetExecutionRequest{ExecutionId: ex.GetExecution().GetId(), Follow: true},
		func(r *kubemedicv1.GetExecutionResponse) error { last = r.GetExecution(); return nil })
	if err != nil {
		t.Fatal(err)
	}
	mustSucceed(t, last)
	var audit kubemedicv1.ListAuditResponse
	if err := client.Call(ctx, kubemedicv1connect.RemediationServiceListAuditProcedure, &kubemedicv1.ListAuditRequest{PlanId: p.GetId()}, &audit); err != nil {
		t.Fatal(err)
	}
	if len(audit.GetRecords()) < 5 {
		t.Errorf("audit over NATS: %d records, want plan, refused and granted approval, start, steps, finish", len(audit.GetRecords()))
	}
	err = natsrpc.ServerStream(ctx, client, kubemedicv1connect.RemediationServiceGetExecutionProcedure,
		&kubemedicv1.GetExecutionRequest{ExecutionId: "x-none"}, func(*kubemedicv1.GetExecutionResponse) error { return nil })
	if code(t, err) != connect.CodeNotFound {
		t.Errorf("unknown execution over NATS: %v", err)
	}
}
