package e2e

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/kubemedic/kubemedic/gateway"
	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/remediation"
	"github.com/kubemedic/kubemedic/test/controlplane"
)

// A token limited to cluster a reaches, through the real gateway, calls
// that name only a plan or execution id of cluster b. The gateway cannot
// see b in the request, so the service must refuse them before acting:
// nothing is approved, rejected, executed or planned in b.
func TestTokenClustersBindIDOnlyCalls(t *testing.T) {
	h := newHarness(t, func(_ *config.Remediation, o *remediation.Options) {
		o.Clusters = map[string]*rest.Config{"a": o.Clusters[clusterName], "b": o.Clusters[clusterName]}
	})
	ctx := ctxT(t)
	rc := gatewayFor(t, h, gateway.Credential{
		Name: "team-a", Token: "team-a-token-0123456789", Clusters: []string{"a"}, Identity: bob,
		Scopes: []gateway.Scope{gateway.ScopeRead, gateway.ScopePlan, gateway.ScopeApprove},
	})
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer team-a-token-0123456789")

	node := h.addNode(t, "authority", controlplane.NodeOptions{})
	planIn := func(cluster string) *kubemedicv1.Plan {
		a := cordonAction(node.Name)
		a.Cluster = cluster
		resp, err := h.svc.Plan(ctx, &kubemedicv1.PlanRequest{Action: a, Requester: alice})
		if err != nil {
			t.Fatalf("Plan in %s: %v", cluster, err)
		}
		return resp.GetPlan()
	}
	pending := planIn("b")
	approved := planIn("b")
	if _, err := h.svc.Approve(ctx, &kubemedicv1.ApproveRequest{PlanId: approved.GetId(), PlanHash: approved.GetHash(), Approver: alice}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		call func() error
		plan *kubemedicv1.Plan
		want kubemedicv1.PlanState
	}{
		{"approve", func() error {
			_, err := rc.Approve(ctx, &kubemedicv1.ApproveRequest{PlanId: pending.GetId(), PlanHash: pending.GetHash()})
			return err
		}, pending, kubemedicv1.PlanState_PLAN_STATE_PENDING_APPROVAL},
		{"reject", func() error {
			_, err := rc.Reject(ctx, &kubemedicv1.RejectRequest{PlanId: pending.GetId(), Reason: "not mine"})
			return err
		}, pending, kubemedicv1.PlanState_PLAN_STATE_PENDING_APPROVAL},
		{"execute", func() error {
			_, err := rc.Execute(ctx, &kubemedicv1.ExecuteRequest{PlanId: approved.GetId()})
			return err
		}, approved, kubemedicv1.PlanState_PLAN_STATE_APPROVED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if status.Code(err) != codes.PermissionDenied || !strings.Contains(status.Convert(err).Message(), "클러스터 b에 접근할 수 없습니다") ||
				!strings.Contains(status.Convert(err).Message(), "may not use cluster b") {
				t.Fatalf("%s of a plan in b with a token for a: %v, want PermissionDenied naming b", tt.name, err)
			}
			types := auditOf(t, h, "b", tt.plan.GetId())
			for _, bad := range []kubemedicv1.AuditEventType{kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_REJECTED, kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_EXECUTION_STARTED} {
				if count(types, bad) != 0 {
					t.Errorf("audit of plan %s after a refused %s: %v", tt.plan.GetId(), tt.name, types)
				}
			}
			if n := count(types, kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_APPROVED); n != int(tt.plan.GetApprovalsRequired())*boolInt(tt.want == kubemedicv1.PlanState_PLAN_STATE_APPROVED) {
				t.Errorf("plan %s has %d approvals in the audit after a refused %s: %v", tt.plan.GetId(), n, tt.name, types)
			}
		})
	}
	// The same token works on its own cluster, so the refusals above are
	// about the cluster and nothing else.
	a := cordonAction(node.Name)
	a.Cluster = "a"
	own, err := rc.Plan(ctx, &kubemedicv1.PlanRequest{Action: a})
	if err != nil {
		t.Fatalf("Plan in a through the gateway: %v", err)
	}
	if _, err := rc.Reject(ctx, &kubemedicv1.RejectRequest{PlanId: own.GetPlan().GetId()}); err != nil {
		t.Fatalf("Reject of its own plan in a through the gateway: %v", err)
	}

	// The plan's state is unchanged: the pending plan still needs its
	// approval, the approved one runs for alice, who may use every cluster.
	_, err = h.svc.Execute(ctx, &kubemedicv1.ExecuteRequest{PlanId: pending.GetId(), Executor: alice})
	if err == nil || !strings.Contains(err.Error(), "more approvals") {
		t.Fatalf("pending plan after refused calls: Execute gave %v, want it still waiting for approval", err)
	}
	n, err := h.env.Client.CoreV1().Nodes().Get(ctx, node.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n.Spec.Unschedulable {
		t.Fatal("the node was cordoned by a refused Execute")
	}
	e := h.execute(t, alice, approved)
	mustSucceed(t, e)

	if e.GetCluster() != "b" {
		t.Errorf("execution cluster %q, want b", e.GetCluster())
	}
	// GetExecution names only the execution id and carries no identity:
	// the execution's cluster lets the gateway withhold it (a stream drops
	// what the caller may not see).
	stream, err := rc.GetExecution(ctx, &kubemedicv1.GetExecutionRequest{ExecutionId: e.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	for {
		got, err := stream.Recv()
		if err == io.EOF || status.Code(err) == codes.PermissionDenied {
			break
		}
		if err != nil {
			t.Fatalf("GetExecution of an execution in b: %v", err)
		}
		t.Fatalf("GetExecution of an execution in b with a token for a showed %v", got.GetExecution())
	}

	// Undo names only the execution id; its plan would be in b.
	_, err = rc.Undo(ctx, &kubemedicv1.UndoRequest{ExecutionId: e.GetId()})
	if status.Code(err) != codes.PermissionDenied || !strings.Contains(status.Convert(err).Message(), "cluster b") {
		t.Fatalf("Undo of an execution in b: %v, want PermissionDenied naming b", err)
	}
	if got := count(auditOf(t, h, "b", ""), kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_PLANNED); got != 2 {
		t.Errorf("cluster b has %d plans after the refused Undo, want the 2 made here", got)
	}

	undo, err := h.svc.Undo(ctx, &kubemedicv1.UndoRequest{ExecutionId: e.GetId(), Requester: alice})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Reject(ctx, &kubemedicv1.RejectRequest{PlanId: undo.GetPlan().GetId()}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("Reject of the undo plan in b: %v, want PermissionDenied", err)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// auditOf lists the audit record types of cluster (and plan, when set).
func auditOf(t testing.TB, h *harness, cluster, planID string) []kubemedicv1.AuditEventType {
	t.Helper()
	resp, err := h.svc.ListAudit(ctxT(t), &kubemedicv1.ListAuditRequest{Cluster: cluster, PlanId: planID})
	if err != nil {
		t.Fatal(err)
	}
	var out []kubemedicv1.AuditEventType
	for _, r := range resp.GetRecords() {
		out = append(out, r.GetType())
	}
	return out
}

// gatewayFor serves h's remediation service over NATS behind a real
// gateway on 127.0.0.1:0 that accepts cred, and returns a grpc-go client.
func gatewayFor(t *testing.T, h *harness, cred gateway.Credential) kubemedicv1.RemediationServiceClient {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	conn, err := natsrpc.Connect(h.ns.URL(), natsrpc.ConnectOptions{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	srv, err := h.svc.Serve(conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop(context.Background()) })
	gw, err := gateway.New(gateway.Options{
		Bus:         natsrpc.NewClient(conn, 20*time.Second),
		Ready:       func() bool { return true },
		Credentials: []gateway.Credential{cred},
		Logger:      log,
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- gw.Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("gateway: %v", err)
		}
	})
	cc, err := grpc.NewClient(l.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return kubemedicv1.NewRemediationServiceClient(cc)
}
