package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/remediation/action"
	"github.com/kubemedic/kubemedic/test/controlplane"
)

func cordonAction(node string) *kubemedicv1.Action {
	return &kubemedicv1.Action{Kind: &kubemedicv1.Action_Cordon{Cordon: &kubemedicv1.CordonAction{Node: node}}}
}

// Cordon → undo (uncordon) through plan, approval and execution; only a node
// kubemedic cordoned can be uncordoned.
func TestCordonAndUndo(t *testing.T) {
	h := newHarness(t, nil)
	ctx := ctxT(t)
	node := h.addNode(t, "cordon", controlplane.NodeOptions{})

	p := h.plan(t, alice, cordonAction(node.Name))
	h.mustPending(t, p)
	if p.GetRisk() != kubemedicv1.Risk_RISK_LOW || p.GetApprovalsRequired() != 1 {
		t.Errorf("cordon risk %v approvals %d, want low and 1", p.GetRisk(), p.GetApprovalsRequired())
	}
	if !strings.Contains(p.GetDiff(), "+  unschedulable: true") || !strings.Contains(p.GetDiff(), action.CordonedByAnnotation) {
		t.Errorf("diff does not show the cordon:\n%s", p.GetDiff())
	}
	if g := guardOf(p, "cordon-cap"); g == nil || !g.GetAllowed() || !strings.Contains(g.GetReason().GetEn(), "nodes") {
		t.Errorf("cordon-cap verdict %v", g)
	}
	// Low risk: the requester may approve.
	if got := h.approve(t, alice, p); got.GetState() != kubemedicv1.PlanState_PLAN_STATE_APPROVED {
		t.Fatalf("after approval: %v", got.GetState())
	}
	e := h.execute(t, alice, p)
	mustSucceed(t, e)
	n, err := h.env.Client.CoreV1().Nodes().Get(ctx, node.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !n.Spec.Unschedulable || n.Annotations[action.CordonedByAnnotation] != alice.GetKubernetesUser() {
		t.Fatalf("node not cordoned by alice: unschedulable=%v annotations=%v", n.Spec.Unschedulable, n.Annotations)
	}
	if !e.GetUndoable() {
		t.Fatal("cordon not undoable")
	}
	if r := eventReasons(t, h.env, "default", "Node", node.Name); !slices.Contains(r, "KubemedicExecuted") || !slices.Contains(r, "KubemedicPlanned") {
		t.Errorf("events on the node: %v", r)
	}

	undo, err := h.svc.Undo(ctx, &kubemedicv1.UndoRequest{ExecutionId: e.GetId(), Requester: bob})
	if err != nil {
		t.Fatal(err)
	}
	up := undo.GetPlan()
	h.mustPending(t, up)
	if up.GetUndoOf() != e.GetId() || up.GetAction().GetUncordon().GetNode() != node.Name {
		t.Fatalf("undo plan %v", up)
	}
	h.approve(t, bob, up)
	mustSucceed(t, h.execute(t, bob, up))
	n, _ = h.env.Client.CoreV1().Nodes().Get(ctx, node.Name, metav1.GetOptions{})
	if n.Spec.Unschedulable || n.Annotations[action.CordonedByAnnotation] != "" {
		t.Fatalf("undo left the node cordoned=%v annotations=%v", n.Spec.Unschedulable, n.Annotations)
	}

	// A node cordoned by hand is not kubemedic's to uncordon.
	err = retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		n, err := h.env.Client.CoreV1().Nodes().Get(ctx, node.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		n.Spec.Unschedulable = true
		_, err = h.env.Client.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	refused := h.plan(t, alice, &kubemedicv1.Action{Kind: &kubemedicv1.Action_Uncordon{Uncordon: &kubemedicv1.UncordonAction{Node: node.Name}}})
	if refused.GetState() != kubemedicv1.PlanState_PLAN_STATE_REFUSED || guardOf(refused, "cordoned-by-kubemedic").GetAllowed() {
		t.Fatalf("uncordon of a hand-cordoned node: %v %v", refused.GetState(), refused.GetGuards())
	}
	if _, err := h.svc.Approve(ctx, &kubemedicv1.ApproveRequest{PlanId: refused.GetId(), PlanHash: refused.GetHash(), Approver: alice}); code(t, err) != connect.CodeFailedPrecondition {
		t.Errorf("approving a refused plan: %v", err)
	}
}

func TestControlPlaneNodeRefused(t *testing.T) {
	h := newHarness(t, nil)
	node := h.addNode(t, "cp", controlplane.NodeOptions{Labels: map[string]string{"node-role.kubernetes.io/control-plane": ""}})
	p := h.plan(t, alice, cordonAction(node.Name))
	g := guardOf(p, "control-plane-node")
	if p.GetState() != kubemedicv1.PlanState_PLAN_STATE_REFUSED || g == nil || g.GetAllowed() || !strings.Contains(g.GetReason().GetKo(), "컨트롤 플레인") {
		t.Fatalf("control-plane cordon: state %v guard %v", p.GetState(), g)
	}
}

func scaleAction(ns, name string, n int32) *kubemedicv1.Action {
	return &kubemedicv1.Action{Kind: &kubemedicv1.Action_Scale{Scale: &kubemedicv1.ScaleAction{Namespace: ns, Name: name, Replicas: n}}}
}

func replicas(t *testing.T, h *harness, name string) int32 {
	t.Helper()
	d, err := h.env.Client.AppsV1().Deployments(h.env.Namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return *d.Spec.Replicas
}

// Scale → undo restores the replicas; a plan whose replicas changed
// meanwhile is not applied; scale to 0 needs a second person.
func TestScaleUndoStaleAndZero(t *testing.T) {
	h := newHarness(t, nil)
	ctx := ctxT(t)
	ns := h.env.Namespace
	if _, err := h.env.Client.AppsV1().Deployments(ns).Create(ctx, deployment(ns, "web", 2, nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	p := h.plan(t, alice, scaleAction(ns, "web", 4))
	h.mustPending(t, p)
	if !strings.Contains(p.GetDiff(), "-  replicas: 2") || !strings.Contains(p.GetDiff(), "+  replicas: 4") || p.GetBlastRadius().GetPodsAffected() != 2 {
		t.Errorf("scale plan diff/blast radius:\n%s\n%v", p.GetDiff(), p.GetBlastRadius())
	}
	if replicas(t, h, "web") != 2 {
		t.Fatal("the dry-run changed the deployment")
	}
	h.approve(t, alice, p)
	e := h.execute(t, alice, p)
	mustSucceed(t, e)
	if got := replicas(t, h, "web"); got != 4 {
		t.Fatalf("replicas %d after scale, want 4", got)
	}
	undo, err := h.svc.Undo(ctx, &kubemedicv1.UndoRequest{ExecutionId: e.GetId(), Requester: alice})
	if err != nil {
		t.Fatal(err)
	}
	h.approve(t, alice, undo.GetPlan())
	mustSucceed(t, h.execute(t, alice, undo.GetPlan()))
	if got := replicas(t, h, "web"); got != 2 {
		t.Fatalf("replicas %d after undo, want 2", got)
	}

	// Stale: someone scales by hand after the plan (once the cooldown
	// after the undo has passed).
	waitCooldown(t, h, scaleAction(ns, "web", 3))
	stale := h.plan(t, alice, scaleAction(ns, "web", 3))
	h.approve(t, alice, stale)
	d, _ := h.env.Client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	five := int32(5)
	d.Spec.Replicas = &five
	if _, err := h.env.Client.AppsV1().Deployments(ns).Update(ctx, d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = h.svc.Execute(ctx, &kubemedicv1.ExecuteRequest{PlanId: stale.GetId(), Executor: alice})
	if code(t, err) != connect.CodeFailedPrecondition || !strings.Contains(err.Error(), "계획 이후") || !strings.Contains(err.Error(), "changed since the plan") {
		t.Fatalf("stale scale: %v", err)
	}
	if got := replicas(t, h, "web"); got != 5 {
		t.Fatalf("stale plan overwrote replicas: %d, want 5", got)
	}
	// The plan is spent: executing again gives the same answer, never a second run.
	if _, err := h.svc.Execute(ctx, &kubemedicv1.ExecuteRequest{PlanId: stale.GetId(), Executor: alice}); code(t, err) != connect.CodeFailedPrecondition {
		t.Fatalf("re-executing a stale plan: %v", err)
	}

	// Scale to 0 is high risk: the requester cannot approve it.
	waitCooldown(t, h, scaleAction(ns, "web", 0))
	zero := h.plan(t, alice, scaleAction(ns, "web", 0))
	if zero.GetRisk() != kubemedicv1.Risk_RISK_HIGH {
		t.Fatalf("scale to 0 risk %v", zero.GetRisk())
	}
	_, err = h.svc.Approve(ctx, &kubemedicv1.ApproveRequest{PlanId: zero.GetId(), PlanHash: zero.GetHash(), Approver: alice})
	if code(t, err) != connect.CodePermissionDenied || !strings.Contains(err.Error(), "요청자") {
		t.Fatalf("self-approval of scale to 0: %v", err)
	}
	h.approve(t, bob, zero)
	mustSucceed(t, h.execute(t, alice, zero))
	if got := replicas(t, h, "web"); got != 0 {
		t.Fatalf("replicas %d, want 0", got)
	}
}

func patchAction(ns, name string, set map[string]string) *kubemedicv1.Action {
	return &kubemedicv1.Action{Kind: &kubemedicv1.Action_PatchConfigMap{PatchConfigMap: &kubemedicv1.PatchConfigMapAction{Namespace: ns, Name: name, Set: set}}}
}

// ConfigMap patch → undo restores the data; a ConfigMap changed after its
// plan is not overwritten; kube-system is protected unless allowed.
func TestPatchConfigMapUndoAndStale(t *testing.T) {
	h := newHarness(t, nil)
	ctx := ctxT(t)
	ns := h.env.Namespace
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "ncloud-config", Namespace: ns}, Data: map[string]string{"lbSubnetNo": "", "region": "KR"}}
	if _, err := h.env.Client.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	data := func() map[string]string {
		got, err := h.env.Client.CoreV1().ConfigMaps(ns).Get(ctx, "ncloud-config", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return got.Data
	}

	p := h.plan(t, alice, patchAction(ns, "ncloud-config", map[string]string{"lbSubnetNo": "94465", "vpcNo": "1234"}))
	h.mustPending(t, p)
	for _, want := range []string{`-  lbSubnetNo: ""`, `+  lbSubnetNo: "94465"`, `+  vpcNo: "1234"`} {
		if !strings.Contains(p.GetDiff(), want) {
			t.Errorf("diff lacks %q:\n%s", want, p.GetDiff())
		}
	}
	if p.GetRisk() != kubemedicv1.Risk_RISK_HIGH {
		t.Errorf("ConfigMap patch risk %v", p.GetRisk())
	}
	if _, err := h.svc.Approve(ctx, &kubemedicv1.ApproveRequest{PlanId: p.GetId(), PlanHash: p.GetHash(), Approver: alice}); code(t, err) != connect.CodePermissionDenied {
		t.Fatalf("self-approval: %v", err)
	}
	h.approve(t, bob, p)
	e := h.execute(t, alice, p)
	mustSucceed(t, e)
	if d := data(); d["lbSubnetNo"] != "94465" || d["vpcNo"] != "1234" || d["region"] != "KR" {
		t.Fatalf("data after patch: %v", d)
	}

	undo, err := h.svc.Undo(ctx, &kubemedicv1.UndoRequest{ExecutionId: e.GetId(), Requester: alice})
	if err != nil {
		t.Fatal(err)
	}
	up := undo.GetPlan()
	h.mustPending(t, up)
	if jp := up.GetAction().GetPatchConfigMap().GetJsonPatch(); !strings.Contains(jp, `"op":"test"`) {
		t.Errorf("undo patch has no test op: %s", jp)
	}
	h.approve(t, bob, up)
	mustSucceed(t, h.execute(t, alice, up))
	if d := data(); len(d) != 2 || d["lbSubnetNo"] != "" || d["region"] != "KR" {
		t.Fatalf("data after undo: %v", d)
	}

	// Stale: the ConfigMap changes after the plan.
	waitCooldown(t, h, patchAction(ns, "ncloud-config", map[string]string{"lbSubnetNo": "111"}))
	stale := h.plan(t, alice, patchAction(ns, "ncloud-config", map[string]string{"lbSubnetNo": "111"}))
	h.approve(t, bob, stale)
	cur, _ := h.env.Client.CoreV1().ConfigMaps(ns).Get(ctx, "ncloud-config", metav1.GetOptions{})
	cur.Data["region"] = "FKR"
	if _, err := h.env.Client.CoreV1().ConfigMaps(ns).Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = h.svc.Execute(ctx, &kubemedicv1.ExecuteRequest{PlanId: stale.GetId(), Executor: alice})
	if code(t, err) != connect.CodeFailedPrecondition || !strings.Contains(err.Error(), "resourceVersion") {
		t.Fatalf("stale ConfigMap plan: %v", err)
	}
	if d := data(); d["lbSubnetNo"] != "" || d["region"] != "FKR" {
		t.Fatalf("stale plan overwrote the ConfigMap: %v", d)
	}

	// kube-system is protected; an explicitly allowed object is not.
	a := patchAction("kube-system", "coredns", map[string]string{"x": "y"})
	a.Cluster = clusterName
	_, err = h.svc.Plan(ctx, &kubemedicv1.PlanRequest{Action: a, Requester: bob})
	if code(t, err) != connect.CodePermissionDenied || !strings.Contains(err.Error(), "kube-system") || !strings.Contains(err.Error(), "보호") {
		t.Fatalf("kube-system ConfigMap: %v", err)
	}
	if types := h.auditTypes(t, ""); count(types, kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_DENIED) == 0 {
		t.Errorf("the refusal was not audited: %v", types)
	}

	// An empty lbSubnetNo, and a suggested patch still waiting for the
	// operator's value, are refused at plan time with the field named.
	empty := patchAction("kube-system", "ncloud-config", map[string]string{"lbSubnetNo": ""})
	empty.Cluster = clusterName
	_, err = h.svc.Plan(ctx, &kubemedicv1.PlanRequest{Action: empty, Requester: bob})
	if code(t, err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), "lbSubnetNo") || !strings.Contains(err.Error(), "서브넷 번호") {
		t.Fatalf("empty lbSubnetNo: %v", err)
	}
	needsInput := patchAction("kube-system", "ncloud-config", map[string]string{"lbSubnetNo": "94465"})
	needsInput.Cluster = clusterName
	needsInput.Inputs = []*kubemedicv1.ActionInput{{Field: "patch_config_map.set.lbSubnetNo", Pattern: "^[0-9]+$"}}
	_, err = h.svc.Plan(ctx, &kubemedicv1.PlanRequest{Action: needsInput, Requester: bob})
	if code(t, err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), "patch_config_map.set.lbSubnetNo") {
		t.Fatalf("action with inputs: %v", err)
	}
}

// Rollout restart sets the pod-template annotation and cannot be undone.
func TestRolloutRestart(t *testing.T) {
	h := newHarness(t, nil)
	ctx := ctxT(t)
	ns := h.env.Namespace
	if _, err := h.env.Client.AppsV1().Deployments(ns).Create(ctx, deployment(ns, "api", 1, nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p := h.plan(t, alice, &kubemedicv1.Action{Kind: &kubemedicv1.Action_RolloutRestart{RolloutRestart: &kubemedicv1.RolloutRestartAction{Namespace: ns, Name: "api"}}})
	h.mustPending(t, p)
	if !strings.Contains(p.GetDiff(), action.RestartedAtAnnotation) {
		t.Errorf("restart diff:\n%s", p.GetDiff())
	}
	h.approve(t, alice, p)
	e := h.execute(t, alice, p)
	mustSucceed(t, e)
	d, _ := h.env.Client.AppsV1().Deployments(ns).Get(ctx, "api", metav1.GetOptions{})
	if d.Spec.Template.Annotations[action.RestartedAtAnnotation] == "" {
		t.Fatal("restart annotation missing")
	}
	if _, err := h.svc.Undo(ctx, &kubemedicv1.UndoRequest{ExecutionId: e.GetId(), Requester: alice}); code(t, err) != connect.CodeFailedPrecondition {
		t.Fatalf("undo of a restart: %v", err)
	}
}

// Deleting a controlled pod: the controller replaces it. A pod without a
// controller is refused.
func TestDeletePod(t *testing.T) {
	h := newHarness(t, nil)
	ctx := ctxT(t)
	ns := h.env.Namespace
	if _, err := h.env.Client.AppsV1().Deployments(ns).Create(ctx, deployment(ns, "worker", 1, nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := runningPods(t, h.env, "worker", 1)[0]
	p := h.plan(t, alice, &kubemedicv1.Action{Kind: &kubemedicv1.Action_DeletePod{DeletePod: &kubemedicv1.DeletePodAction{Namespace: ns, Name: pod.Name}}})
	h.mustPending(t, p)
	h.approve(t, bob, p)
	mustSucceed(t, h.execute(t, alice, p))
	waitFor(t, "the old pod gone and a replacement running", func(ctx context.Context) (bool, error) {
		list, err := h.env.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=worker"})
		if err != nil {
			return false, err
		}
		for _, p := range list.Items {
			if p.UID == pod.UID && p.DeletionTimestamp == nil {
				return false, nil
			}
		}
		return len(list.Items) >= 1, nil
	})

	bare := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "bare", Namespace: ns}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "registry.k8s.io/pause:3.10"}}}}
	if _, err := h.env.Client.CoreV1().Pods(ns).Create(ctx, bare, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	refused := h.plan(t, alice, &kubemedicv1.Action{Kind: &kubemedicv1.Action_DeletePod{DeletePod: &kubemedicv1.DeletePodAction{Namespace: ns, Name: "bare"}}})
	if refused.GetState() != kubemedicv1.PlanState_PLAN_STATE_REFUSED || guardOf(refused, "unreplicated-pod").GetAllowed() {
		t.Fatalf("bare pod delete: %v %v", refused.GetState(), refused.GetGuards())
	}
}
