package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/util/retry"

	"github.com/kubemedic/kubemedic/platform/config"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/remediation"
	"github.com/kubemedic/kubemedic/services/remediation/action"
	"github.com/kubemedic/kubemedic/test/controlplane"
)

func drainAction(node string, timeout time.Duration) *kubemedicv1.Action {
	return &kubemedicv1.Action{Kind: &kubemedicv1.Action_Drain{Drain: &kubemedicv1.DrainAction{Node: node, Timeout: durationpb.New(timeout)}}}
}

// ledger puts a 2-replica Deployment on node, guarded by a PDB that allows
// no disruption, and waits until the PDB says so.
func ledger(t *testing.T, h *harness, node *corev1.Node) {
	t.Helper()
	ctx := ctxT(t)
	ns := h.env.Namespace
	sel := map[string]string{"kubernetes.io/hostname": node.Name}
	if _, err := h.env.Client.AppsV1().Deployments(ns).Create(ctx, deployment(ns, "ledger", 2, sel), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	two := intstr.FromInt32(2)
	pdb := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "ledger", Namespace: ns},
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: &two, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "ledger"}}},
	}
	if _, err := h.env.Client.PolicyV1().PodDisruptionBudgets(ns).Create(ctx, pdb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the PDB to allow 0 disruptions of 2 healthy pods", func(ctx context.Context) (bool, error) {
		got, err := h.env.Client.PolicyV1().PodDisruptionBudgets(ns).Get(ctx, "ledger", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return got.Status.ObservedGeneration == got.Generation && got.Status.CurrentHealthy == 2 && got.Status.DisruptionsAllowed == 0, nil
	})
}

func stepsText(e *kubemedicv1.Execution) string {
	var b strings.Builder
	for _, s := range e.GetSteps() {
		b.WriteString(s.GetMessage().GetEn() + " | " + s.GetMessage().GetKo() + " | " + s.GetError() + "\n")
	}
	return b.String()
}

// A drain a PDB blocks waits, names the PDB, times out cleanly (node stays
// cordoned, pods stay, locks freed, undo uncordons); a second drain finishes
// once the PDB allows it.
func TestDrainBlockedByPDB(t *testing.T) {
	h := newHarness(t, nil)
	ctx := ctxT(t)
	ns := h.env.Namespace
	node := h.addNode(t, "drain", controlplane.NodeOptions{})
	ledger(t, h, node)

	p := h.plan(t, alice, drainAction(node.Name, 7*time.Second))
	h.mustPending(t, p)
	if p.GetRisk() != kubemedicv1.Risk_RISK_HIGH || p.GetBlastRadius().GetPodsAffected() != 2 {
		t.Errorf("drain risk %v pods %d", p.GetRisk(), p.GetBlastRadius().GetPodsAffected())
	}
	sum := p.GetBlastRadius().GetSummary().GetEn()
	if !strings.Contains(sum, "PDB "+ns+"/ledger") || !strings.Contains(sum, "disruptionsAllowed=0") || !strings.Contains(sum, "cordoned afterwards") {
		t.Errorf("blast radius does not show PDB headroom and cordon share: %s", sum)
	}
	if !strings.Contains(p.GetDryRun().GetMessage(), "PodDisruptionBudgets refuse") {
		t.Errorf("dry-run does not warn about the PDB: %q", p.GetDryRun().GetMessage())
	}
	if !strings.Contains(p.GetDiff(), "# pods to evict (2):") {
		t.Errorf("diff lacks the pods:\n%s", p.GetDiff())
	}
	h.approve(t, bob, p)
	start := time.Now()
	e := h.execute(t, alice, p)
	took := time.Since(start)
	if e.GetState() != kubemedicv1.ExecutionState_EXECUTION_STATE_FAILED {
		t.Fatalf("PDB-blocked drain: %v\n%s", e.GetState(), stepsText(e))
	}
	if took < 7*time.Second || took > 30*time.Second {
		t.Errorf("drain gave up after %s, want its 7s timeout", took)
	}
	if !strings.Contains(e.GetError(), "PDB "+ns+"/ledger") || !strings.Contains(e.GetError(), "stays cordoned") {
		t.Errorf("error does not name the PDB and the node state: %s", e.GetError())
	}
	if !strings.Contains(stepsText(e), "refused by PDB "+ns+"/ledger") {
		t.Errorf("no progress step names the PDB:\n%s", stepsText(e))
	}
	if n, _ := h.env.Client.CoreV1().Nodes().Get(ctx, node.Name, metav1.GetOptions{}); !n.Spec.Unschedulable {
		t.Error("node not cordoned after the failed drain")
	}
	runningPods(t, h.env, "ledger", 2)
	if !e.GetUndoable() {
		t.Error("a failed drain that cordoned must be undoable")
	}

	// Second try: the drain lock was released; remove the PDB while it waits.
	waitCooldown(t, h, drainAction(node.Name, time.Minute))
	p2 := h.plan(t, alice, drainAction(node.Name, time.Minute))
	h.mustPending(t, p2)
	h.approve(t, bob, p2)
	resp, err := h.svc.Execute(ctx, &kubemedicv1.ExecuteRequest{PlanId: p2.GetId(), Executor: alice})
	if err != nil {
		t.Fatal(err)
	}
	id := resp.GetExecution().GetId()
	// One drain per cluster: another node's drain is refused meanwhile.
	other := h.addNode(t, "other", controlplane.NodeOptions{})
	if q := h.plan(t, alice, drainAction(other.Name, time.Minute)); q.GetState() != kubemedicv1.PlanState_PLAN_STATE_REFUSED || guardOf(q, "drain-concurrency").GetAllowed() {
		t.Errorf("concurrent drain: %v %v", q.GetState(), guardOf(q, "drain-concurrency"))
	}
	if err := h.env.Client.PolicyV1().PodDisruptionBudgets(ns).Delete(ctx, "ledger", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	e2 := h.wait(t, h.svc, id)
	mustSucceed(t, e2)
	if !strings.Contains(stepsText(e2), "evicted pod") {
		t.Errorf("no eviction steps:\n%s", stepsText(e2))
	}
	list, _ := h.env.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + node.Name})
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			t.Errorf("pod %s still on the drained node", p.Name)
		}
	}

	// Undo uncordons.
	undo, err := h.svc.Undo(ctx, &kubemedicv1.UndoRequest{ExecutionId: id, Requester: alice})
	if err != nil {
		t.Fatal(err)
	}
	h.approve(t, alice, undo.GetPlan())
	mustSucceed(t, h.execute(t, alice, undo.GetPlan()))
	if n, _ := h.env.Client.CoreV1().Nodes().Get(ctx, node.Name, metav1.GetOptions{}); n.Spec.Unschedulable {
		t.Error("undo left the node cordoned")
	}
	types := h.auditTypes(t, p2.GetId())
	for _, want := range []kubemedicv1.AuditEventType{kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_PLANNED, kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_APPROVED,
		kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_EXECUTION_STARTED, kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_EXECUTION_STEP, kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_EXECUTION_FINISHED} {
		if count(types, want) == 0 {
			t.Errorf("audit of plan %s lacks %v: %v", p2.GetId(), want, types)
		}
	}
}

// Pods that must not be evicted refuse the drain at plan time; emptyDir
// pods need the explicit flag, which the plan records.
func TestDrainRefusals(t *testing.T) {
	h := newHarness(t, nil)
	ctx := ctxT(t)
	ns := h.env.Namespace
	node := h.addNode(t, "keep", controlplane.NodeOptions{})
	sel := map[string]string{"kubernetes.io/hostname": node.Name}

	d := deployment(ns, "cache", 1, sel)
	d.Spec.Template.Spec.Volumes = []corev1.Volume{{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	if _, err := h.env.Client.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	runningPods(t, h.env, "cache", 1)
	p := h.plan(t, alice, drainAction(node.Name, time.Minute))
	g := guardOf(p, "pods-blocking-drain")
	if p.GetState() != kubemedicv1.PlanState_PLAN_STATE_REFUSED || g == nil || g.GetAllowed() || !strings.Contains(g.GetReason().GetEn(), "delete_emptydir_data") {
		t.Fatalf("emptyDir pod without the flag: %v %v", p.GetState(), g)
	}
	withFlag := &kubemedicv1.Action{Kind: &kubemedicv1.Action_Drain{Drain: &kubemedicv1.DrainAction{Node: node.Name, DeleteEmptydirData: true}}}
	p = h.plan(t, alice, withFlag)
	h.mustPending(t, p)
	if !strings.Contains(p.GetBlastRadius().GetSummary().GetEn(), "emptyDir data may be deleted") {
		t.Errorf("the plan does not record the emptyDir flag: %s", p.GetBlastRadius().GetSummary().GetEn())
	}

	keep := deployment(ns, "keeper", 1, sel)
	keep.Spec.Template.Annotations = map[string]string{action.SafeToEvictAnnotation: "false"}
	if _, err := h.env.Client.AppsV1().Deployments(ns).Create(ctx, keep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	runningPods(t, h.env, "keeper", 1)
	p = h.plan(t, alice, withFlag)
	g = guardOf(p, "pods-blocking-drain")
	if p.GetState() != kubemedicv1.PlanState_PLAN_STATE_REFUSED || g == nil || !strings.Contains(g.GetReason().GetEn(), "safe-to-evict=false") {
		t.Fatalf("safe-to-evict=false pod: %v %v", p.GetState(), g)
	}
	if n, _ := h.env.Client.CoreV1().Nodes().Get(ctx, node.Name, metav1.GetOptions{}); n.Spec.Unschedulable {
		t.Error("planning cordoned the node")
	}
}

// Killing the service mid-drain: another replica (or the restarted
// process) resumes the drain, which finishes once; never lost, never doubled.
func TestDrainResumesAfterCrash(t *testing.T) {
	h := newHarness(t, nil)
	ctx := ctxT(t)
	ns := h.env.Namespace
	node := h.addNode(t, "crash", controlplane.NodeOptions{})
	ledger(t, h, node)
	p := h.plan(t, alice, drainAction(node.Name, 2*time.Minute))
	h.mustPending(t, p)
	h.approve(t, bob, p)
	resp, err := h.svc.Execute(ctx, &kubemedicv1.ExecuteRequest{PlanId: p.GetId(), Executor: alice})
	if err != nil {
		t.Fatal(err)
	}
	id := resp.GetExecution().GetId()
	waitFor(t, "a PDB retry step", func(ctx context.Context) (bool, error) {
		var e *kubemedicv1.Execution
		err := h.svc.GetExecution(ctx, &kubemedicv1.GetExecutionRequest{ExecutionId: id}, func(r *kubemedicv1.GetExecutionResponse) error { e = r.GetExecution(); return nil })
		return err == nil && strings.Contains(stepsText(e), "refused by PDB"), err
	})
	h.svc.Close() // the process dies mid-drain: no more heartbeats

	second := h.start(t, func(_ *config.Remediation, o *remediation.Options) { o.Instance = "replica-2" })
	if err := h.env.Client.PolicyV1().PodDisruptionBudgets(ns).Delete(ctx, "ledger", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	e := h.wait(t, second, id)
	mustSucceed(t, e)
	if !strings.Contains(stepsText(e), "evicted pod") {
		t.Errorf("resumed drain has no eviction steps:\n%s", stepsText(e))
	}
	// Executing the plan again returns the same execution.
	again, err := second.Execute(ctx, &kubemedicv1.ExecuteRequest{PlanId: p.GetId(), Executor: alice})
	if err != nil || again.GetExecution().GetId() != id {
		t.Fatalf("re-execute: %v %v", again, err)
	}
	resp2, err := second.ListAudit(ctx, &kubemedicv1.ListAuditRequest{PlanId: p.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	var started, finished int
	resumed := false
	for _, r := range resp2.GetRecords() {
		switch r.GetType() {
		case kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_EXECUTION_STARTED:
			started++
		case kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_EXECUTION_FINISHED:
			finished++
		case kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_EXECUTION_STEP:
			resumed = resumed || strings.Contains(r.GetMessage(), "resumes it")
		}
	}
	if started != 1 || finished != 1 || !resumed {
		t.Errorf("audit: %d starts, %d finishes, resumed=%v; want 1, 1, true", started, finished, resumed)
	}
}

// Draining (or cordoning) the last schedulable node is refused, whatever
// the caps say. Tests of this package run one after another, so cordoning
// the shared nodes for a moment disturbs nobody.
func TestLastSchedulableNodeRefused(t *testing.T) {
	h := newHarness(t, func(cfg *config.Remediation, _ *remediation.Options) {
		cfg.Limits.MaxCordonedNodes, cfg.Limits.MaxCordonedPercent = 1000, 100
	})
	ctx := ctxT(t)
	node := h.addNode(t, "last", controlplane.NodeOptions{})
	list, err := h.env.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	setUnschedulable := func(name string, v bool) {
		err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
			n, err := h.env.Client.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			n.Spec.Unschedulable = v
			_, err = h.env.Client.CoreV1().Nodes().Update(context.Background(), n, metav1.UpdateOptions{})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range list.Items {
		if n.Name == node.Name || n.Spec.Unschedulable {
			continue
		}
		t.Cleanup(func() { setUnschedulable(n.Name, false) })
		setUnschedulable(n.Name, true)
	}
	for _, a := range []*kubemedicv1.Action{drainAction(node.Name, time.Minute), cordonAction(node.Name)} {
		p := h.plan(t, alice, a)
		g := guardOf(p, "cordon-cap")
		if p.GetState() != kubemedicv1.PlanState_PLAN_STATE_REFUSED || g == nil || g.GetAllowed() || !strings.Contains(g.GetReason().GetEn(), "no schedulable node") {
			t.Errorf("%v on the last schedulable node: %v %v", a.GetKind(), p.GetState(), g)
		}
	}
}
