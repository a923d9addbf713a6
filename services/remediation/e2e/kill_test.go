package e2e

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
	"github.com/kubemedic/kubemedic/services/remediation"
	"github.com/kubemedic/kubemedic/test/controlplane"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The remediation binary is SIGKILLed in the middle of a PDB-blocked drain.
// Another replica takes the execution over and finishes it once the PDB
// allows; the execution is never lost and never started twice.
func TestDrainSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the remediation binary")
	}
	h := newHarness(t, nil)
	ctx := ctxT(t)
	ns := h.env.Namespace
	node := h.addNode(t, "kill", controlplane.NodeOptions{})
	ledger(t, h, node)

	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", dir+string(os.PathSeparator), "github.com/kubemedic/kubemedic/services/cmd/remediation")
	build.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cfg := `clusters:
  - name: ` + clusterName + `
    kubeconfig: ` + h.env.Cluster.LimitedKubeconfig + `
admin: {addr: "off"}
remediation:
  rules:
    - groups: [` + operatorsGroup + `]
      verbs: [plan, approve]
      actions: ["*"]
  limits: {max_cordoned_nodes: 50, max_cordoned_percent: 90, cooldown: 1s}
`
	cfgFile := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	proc := exec.Command(filepath.Join(dir, "remediation"), "--config", cfgFile)
	proc.Env = append(os.Environ(), "KUBEMEDIC_NATS_URL="+h.ns.URL(), "KUBEMEDIC_DATA_DIR="+dir)
	proc.Stdout, proc.Stderr = &logs, &logs
	proc.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proc.Process.Kill(); _ = proc.Wait() })

	conn, err := natsrpc.Connect(h.ns.URL(), natsrpc.ConnectOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	client := natsrpc.NewClient(conn, 20*time.Second)
	// The in-process harness service must not serve these calls: stop it,
	// so only the binary answers until it dies.
	h.svc.Close()

	a := drainAction(node.Name, 2*time.Minute)
	a.Cluster = clusterName
	var plan kubemedicv1.PlanResponse
	waitFor(t, "the remediation binary to answer", func(ctx context.Context) (bool, error) {
		err := client.Call(ctx, kubemedicv1connect.RemediationServicePlanProcedure, &kubemedicv1.PlanRequest{Action: a, Requester: alice}, &plan)
		return err == nil, nil
	})
	p := plan.GetPlan()
	if p.GetState() != kubemedicv1.PlanState_PLAN_STATE_PENDING_APPROVAL {
		t.Fatalf("plan: %v %v\n%s", p.GetState(), p.GetGuards(), logs.String())
	}
	var ap kubemedicv1.ApproveResponse
	if err := client.Call(ctx, kubemedicv1connect.RemediationServiceApproveProcedure, &kubemedicv1.ApproveRequest{PlanId: p.GetId(), PlanHash: p.GetHash(), Approver: bob}, &ap); err != nil {
		t.Fatal(err)
	}
	var ex kubemedicv1.ExecuteResponse
	if err := client.Call(ctx, kubemedicv1connect.RemediationServiceExecuteProcedure, &kubemedicv1.ExecuteRequest{PlanId: p.GetId(), Executor: alice}, &ex); err != nil {
		t.Fatal(err)
	}
	id := ex.GetExecution().GetId()
	// Follow the stream until the PDB holds the drain back, then kill.
	sctx, stop := context.WithCancel(ctx)
	_ = natsrpc.ServerStream(sctx, client, kubemedicv1connect.RemediationServiceGetExecutionProcedure,
		&kubemedicv1.GetExecutionRequest{ExecutionId: id, Follow: true}, func(r *kubemedicv1.GetExecutionResponse) error {
			if strings.Contains(stepsText(r.GetExecution()), "refused by PDB") {
				stop()
			}
			return nil
		})
	stop()
	if err := proc.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = proc.Wait()

	// A second replica (in this process) takes over; the PDB goes away.
	second := h.start(t, func(_ *config.Remediation, o *remediation.Options) { o.Instance = "after-kill" })
	if err := h.env.Client.PolicyV1().PodDisruptionBudgets(ns).Delete(ctx, "ledger", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	e := h.wait(t, second, id)
	mustSucceed(t, e)
	resp, err := second.ListAudit(ctx, &kubemedicv1.ListAuditRequest{PlanId: p.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	started, finished := 0, 0
	for _, r := range resp.GetRecords() {
		switch r.GetType() {
		case kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_EXECUTION_STARTED:
			started++
		case kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_EXECUTION_FINISHED:
			finished++
		}
	}
	if started != 1 || finished != 1 {
		t.Errorf("audit after the kill: %d starts, %d finishes; want 1 and 1", started, finished)
	}
}
