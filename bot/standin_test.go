package bot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

// The diagnosis and remediation services are being built in other issues
// (8 and 9); the gateway answers Unimplemented for them today. The types in
// this file STAND IN for those not-yet-built services: they implement the
// generated Connect handler interfaces, are served over real gRPC like the
// gateway, and follow the contract in remediation.proto (approver ≠
// requester for high-risk plans, approvals bound to the plan hash,
// single-use execution) so the bot's side of the flow is tested against
// the API it will meet. Replace them with the real gateway + NATS +
// services once those answer.

// diagnosisStandIn answers Diagnose with fixed findings per namespace.
type diagnosisStandIn struct {
	kubemedicv1connect.UnimplementedDiagnosisServiceHandler
	mu       sync.Mutex
	requests []*kubemedicv1.DiagnoseRequest
	// watch feeds WatchFindings streams.
	watch chan *kubemedicv1.WatchFindingsResponse
}

func newDiagnosisStandIn() *diagnosisStandIn {
	return &diagnosisStandIn{watch: make(chan *kubemedicv1.WatchFindingsResponse, 64)}
}

// WatchFindings streams what the test feeds into d.watch.
func (d *diagnosisStandIn) WatchFindings(ctx context.Context, _ *connect.Request[kubemedicv1.WatchFindingsRequest], stream *connect.ServerStream[kubemedicv1.WatchFindingsResponse]) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev := <-d.watch:
			if err := stream.Send(ev); err != nil {
				return err
			}
		}
	}
}

// shopFindings are the findings of namespace "shop" in cluster "prod": a
// Pending pod (no node has room) whose fix is draining a node, and a
// crash-looping deployment.
func shopFindings() []*kubemedicv1.Finding {
	return []*kubemedicv1.Finding{
		{
			Fingerprint: "fp-pending-web-0",
			Object:      &kubemedicv1.ObjectRef{Cluster: "prod", Kind: "Pod", Namespace: "shop", Name: "web-7c9f-0"},
			Code:        "PodUnschedulable", SubReason: "InsufficientCPU", Severity: kubemedicv1.Severity_SEVERITY_ERROR,
			Title:   &kubemedicv1.LocalizedText{Ko: "파드가 스케줄되지 않아요 (CPU 부족)", En: "Pod cannot be scheduled (insufficient CPU)"},
			Summary: &kubemedicv1.LocalizedText{Ko: "노드 3개 모두 CPU 요청량을 감당할 수 없어요.", En: "None of the 3 nodes has room for the CPU request."},
			Evidence: []*kubemedicv1.Evidence{{Type: kubemedicv1.EvidenceType_EVIDENCE_TYPE_EVENT, Reason: "FailedScheduling",
				Message: "0/3 nodes are available: 3 Insufficient cpu.", Source: "event", Count: 7}},
			RunbookIds:       []string{"k8s-pod-pending-insufficient-resources"},
			SuggestedActions: []*kubemedicv1.Action{{Cluster: "prod", Kind: &kubemedicv1.Action_Drain{Drain: &kubemedicv1.DrainAction{Node: "node-1"}}}},
		},
		{
			Fingerprint: "fp-crash-api",
			Object:      &kubemedicv1.ObjectRef{Cluster: "prod", Kind: "Deployment", Namespace: "shop", Name: "api"},
			Code:        "CrashLoopBackOff", Severity: kubemedicv1.Severity_SEVERITY_CRITICAL,
			Title:   &kubemedicv1.LocalizedText{Ko: "컨테이너가 계속 재시작돼요", En: "Container keeps restarting"},
			Summary: &kubemedicv1.LocalizedText{Ko: "api 컨테이너가 시작 직후 종료돼요 (exit 1).", En: "The api container exits right after start (exit 1)."},
			Evidence: []*kubemedicv1.Evidence{{Type: kubemedicv1.EvidenceType_EVIDENCE_TYPE_CONTAINER_STATE, Reason: "CrashLoopBackOff",
				Message: "back-off 5m0s restarting failed container=api", Source: "status.containerStatuses[api]", Count: 1}},
			SuggestedActions: []*kubemedicv1.Action{{Cluster: "prod", Kind: &kubemedicv1.Action_RolloutRestart{RolloutRestart: &kubemedicv1.RolloutRestartAction{Namespace: "shop", Name: "api"}}}},
		},
	}
}

// manyFindings makes n findings with long texts, for pagination.
func manyFindings(n int) []*kubemedicv1.Finding {
	var out []*kubemedicv1.Finding
	for i := range n {
		long := fmt.Sprintf("설명 %d: ", i)
		for len([]rune(long)) < 900 {
			long += "이 파드는 준비 상태가 되지 못하고 있어요. "
		}
		out = append(out, &kubemedicv1.Finding{
			Fingerprint: fmt.Sprintf("fp-many-%03d", i),
			Object:      &kubemedicv1.ObjectRef{Cluster: "prod", Kind: "Pod", Namespace: "load", Name: fmt.Sprintf("worker-%03d", i)},
			Code:        "PodNotReady", Severity: kubemedicv1.Severity_SEVERITY_WARNING,
			Title:   &kubemedicv1.LocalizedText{Ko: fmt.Sprintf("파드 %d 준비 안 됨", i), En: fmt.Sprintf("Pod %d not ready", i)},
			Summary: &kubemedicv1.LocalizedText{Ko: long, En: long},
			Evidence: []*kubemedicv1.Evidence{
				{Reason: "Unhealthy", Message: "Readiness probe failed: HTTP probe failed with statuscode: 503", Count: 40},
				{Reason: "Unhealthy", Message: "Liveness probe failed", Count: 3},
				{Reason: "BackOff", Message: "Back-off restarting failed container", Count: 2},
				{Reason: "Extra", Message: "not shown", Count: 1},
			},
			SuggestedActions: []*kubemedicv1.Action{{Cluster: "prod", Kind: &kubemedicv1.Action_DeletePod{DeletePod: &kubemedicv1.DeletePodAction{Namespace: "load", Name: fmt.Sprintf("worker-%03d", i)}}}},
		})
	}
	return out
}

func (d *diagnosisStandIn) Diagnose(_ context.Context, req *connect.Request[kubemedicv1.DiagnoseRequest], stream *connect.ServerStream[kubemedicv1.DiagnoseResponse]) error {
	d.mu.Lock()
	d.requests = append(d.requests, req.Msg)
	d.mu.Unlock()
	if req.Msg.GetCluster() != "prod" {
		return connect.NewError(connect.CodeNotFound, fmt.Errorf("cluster %q is not configured", req.Msg.GetCluster()))
	}
	var fs []*kubemedicv1.Finding
	switch ns := req.Msg.GetNamespaces(); {
	case len(ns) == 1 && ns[0] == "shop":
		fs = shopFindings()
	case len(ns) == 1 && ns[0] == "load":
		fs = manyFindings(23)
	}
	for _, f := range fs {
		if err := stream.Send(&kubemedicv1.DiagnoseResponse{Event: &kubemedicv1.DiagnoseResponse_Finding{Finding: f}}); err != nil {
			return err
		}
	}
	return stream.Send(&kubemedicv1.DiagnoseResponse{Event: &kubemedicv1.DiagnoseResponse_Summary{Summary: &kubemedicv1.DiagnoseSummary{ObjectsExamined: 42, Findings: int32(len(fs)), DurationMs: 12}}})
}

// remediationStandIn keeps plans and executions in memory and enforces the
// contract's rules.
type remediationStandIn struct {
	kubemedicv1connect.UnimplementedRemediationServiceHandler
	mu         sync.Mutex
	plans      map[string]*kubemedicv1.Plan
	executions map[string]*kubemedicv1.Execution
	planCalls  []*kubemedicv1.PlanRequest
	executed   map[string]int // plan ID → Execute calls that started an execution
	executeN   int            // every Execute call
	cordoned   map[string]bool
}

func newRemediationStandIn() *remediationStandIn {
	return &remediationStandIn{plans: map[string]*kubemedicv1.Plan{}, executions: map[string]*kubemedicv1.Execution{},
		executed: map[string]int{}, cordoned: map[string]bool{}}
}

func (r *remediationStandIn) Plan(_ context.Context, req *connect.Request[kubemedicv1.PlanRequest]) (*connect.Response[kubemedicv1.PlanResponse], error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return connect.NewResponse(&kubemedicv1.PlanResponse{Plan: r.newPlan(req.Msg.GetAction(), req.Msg.GetRequester(), "")}), nil
}

func (r *remediationStandIn) newPlan(a *kubemedicv1.Action, requester *kubemedicv1.Identity, undoOf string) *kubemedicv1.Plan {
	r.planCalls = append(r.planCalls, &kubemedicv1.PlanRequest{Action: a, Requester: requester})
	id := fmt.Sprintf("pl-%d", len(r.planCalls))
	risk := kubemedicv1.Risk_RISK_LOW
	pods := int32(0)
	diff := ""
	if d := a.GetDrain(); d != nil {
		risk, pods = kubemedicv1.Risk_RISK_HIGH, 4
		diff = "--- a/nodes/" + d.GetNode() + "\n+++ b/nodes/" + d.GetNode() + "\n@@ spec @@\n-  unschedulable: false\n+  unschedulable: true\n"
	}
	if c := a.GetPatchConfigMap(); c != nil {
		var b strings.Builder
		fmt.Fprintf(&b, "--- a/configmaps/%s/%s\n+++ b/configmaps/%s/%s\n@@ data @@\n", c.GetNamespace(), c.GetName(), c.GetNamespace(), c.GetName())
		for i := range 300 {
			fmt.Fprintf(&b, " line-%03d: unchanged setting value\n", i)
		}
		for k, v := range c.GetSet() {
			fmt.Fprintf(&b, "-  %s: info\n+  %s: %s\n", k, k, v)
		}
		diff = b.String()
	}
	if u := a.GetUncordon(); u != nil {
		diff = "--- a/nodes/" + u.GetNode() + "\n+++ b/nodes/" + u.GetNode() + "\n@@ spec @@\n-  unschedulable: true\n+  unschedulable: false\n"
	}
	p := &kubemedicv1.Plan{
		Id: id, Action: a, Requester: requester, State: kubemedicv1.PlanState_PLAN_STATE_PENDING_APPROVAL, Risk: risk, Diff: diff,
		DryRun:      &kubemedicv1.DryRun{Ok: true},
		BlastRadius: &kubemedicv1.BlastRadius{PodsAffected: pods, Summary: &kubemedicv1.LocalizedText{Ko: fmt.Sprintf("파드 %d개가 다른 노드로 옮겨져요", pods), En: fmt.Sprintf("%d pods move to other nodes", pods)}},
		Guards: []*kubemedicv1.GuardVerdict{
			{Guard: "drain-concurrency", Allowed: true, Reason: &kubemedicv1.LocalizedText{Ko: "진행 중인 drain 없음", En: "no drain in progress"}},
			{Guard: "subject-access-review", Allowed: true, Reason: &kubemedicv1.LocalizedText{Ko: "RBAC 허용", En: "RBAC allows it"}},
		},
		ApprovalsRequired: 1, Hash: "h" + id + "0123abcd", CreatedAt: timestamppb.Now(), ExpiresAt: timestamppb.New(time.Now().Add(15 * time.Minute)),
		UndoOf: undoOf,
	}
	r.plans[id] = p
	return proto.Clone(p).(*kubemedicv1.Plan)
}

func (r *remediationStandIn) Approve(_ context.Context, req *connect.Request[kubemedicv1.ApproveRequest]) (*connect.Response[kubemedicv1.ApproveResponse], error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.plans[req.Msg.GetPlanId()]
	switch {
	case !ok:
		return nil, connect.NewError(connect.CodeNotFound, fmt.Errorf("plan %s not found", req.Msg.GetPlanId()))
	case req.Msg.GetPlanHash() != p.GetHash():
		return nil, connect.NewError(connect.CodeFailedPrecondition, errors.New("plan hash does not match: the plan changed since it was shown"))
	case p.GetState() != kubemedicv1.PlanState_PLAN_STATE_PENDING_APPROVAL:
		return nil, connect.NewError(connect.CodeFailedPrecondition, fmt.Errorf("plan %s is %s, not waiting for approval", p.GetId(), p.GetState()))
	case p.GetRisk() == kubemedicv1.Risk_RISK_HIGH && req.Msg.GetApprover().GetKubernetesUser() == p.GetRequester().GetKubernetesUser():
		return nil, connect.NewError(connect.CodePermissionDenied, errors.New("high-risk plan: the approver must be someone other than the requester"))
	}
	p.Approvals = append(p.Approvals, &kubemedicv1.Approval{Approver: req.Msg.GetApprover(), ApprovedAt: timestamppb.Now()})
	if int32(len(p.Approvals)) >= p.GetApprovalsRequired() {
		p.State = kubemedicv1.PlanState_PLAN_STATE_APPROVED
	}
	return connect.NewResponse(&kubemedicv1.ApproveResponse{Plan: proto.Clone(p).(*kubemedicv1.Plan)}), nil
}

func (r *remediationStandIn) Reject(_ context.Context, req *connect.Request[kubemedicv1.RejectRequest]) (*connect.Response[kubemedicv1.RejectResponse], error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.plans[req.Msg.GetPlanId()]
	if !ok {
		return nil, connect.NewError(connect.CodeNotFound, fmt.Errorf("plan %s not found", req.Msg.GetPlanId()))
	}
	p.State = kubemedicv1.PlanState_PLAN_STATE_REJECTED
	return connect.NewResponse(&kubemedicv1.RejectResponse{Plan: proto.Clone(p).(*kubemedicv1.Plan)}), nil
}

func (r *remediationStandIn) Execute(_ context.Context, req *connect.Request[kubemedicv1.ExecuteRequest]) (*connect.Response[kubemedicv1.ExecuteResponse], error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.executeN++
	p, ok := r.plans[req.Msg.GetPlanId()]
	if !ok || p.GetState() != kubemedicv1.PlanState_PLAN_STATE_APPROVED {
		return nil, connect.NewError(connect.CodeFailedPrecondition, fmt.Errorf("plan %s is not approved", req.Msg.GetPlanId()))
	}
	p.State = kubemedicv1.PlanState_PLAN_STATE_EXECUTED
	r.executed[p.GetId()]++
	e := &kubemedicv1.Execution{Id: "ex-" + p.GetId(), PlanId: p.GetId(), State: kubemedicv1.ExecutionState_EXECUTION_STATE_RUNNING, StartedAt: timestamppb.Now()}
	r.executions[e.Id] = e
	return connect.NewResponse(&kubemedicv1.ExecuteResponse{Execution: proto.Clone(e).(*kubemedicv1.Execution)}), nil
}

// GetExecution plays the execution's steps, then marks it done: a drain
// cordons the node and evicts its pods, an uncordon uncordons it.
func (r *remediationStandIn) GetExecution(ctx context.Context, req *connect.Request[kubemedicv1.GetExecutionRequest], stream *connect.ServerStream[kubemedicv1.GetExecutionResponse]) error {
	r.mu.Lock()
	e, ok := r.executions[req.Msg.GetExecutionId()]
	var p *kubemedicv1.Plan
	if ok {
		p = r.plans[e.GetPlanId()]
	}
	r.mu.Unlock()
	if !ok {
		return connect.NewError(connect.CodeNotFound, fmt.Errorf("execution %s not found", req.Msg.GetExecutionId()))
	}
	var steps []*kubemedicv1.LocalizedText
	node := ""
	switch {
	case p.GetAction().GetDrain() != nil:
		node = p.GetAction().GetDrain().GetNode()
		steps = []*kubemedicv1.LocalizedText{{Ko: node + " cordon", En: "cordoned " + node}, {Ko: "파드 shop/web-1 축출", En: "evicted pod shop/web-1"}, {Ko: "파드 shop/web-2 축출", En: "evicted pod shop/web-2"}}
	case p.GetAction().GetUncordon() != nil:
		node = p.GetAction().GetUncordon().GetNode()
		steps = []*kubemedicv1.LocalizedText{{Ko: node + " uncordon", En: "uncordoned " + node}}
	}
	for i, s := range steps {
		r.mu.Lock()
		e.Steps = append(e.Steps, &kubemedicv1.ExecutionStep{Time: timestamppb.Now(), Message: s})
		if i == len(steps)-1 {
			e.State, e.FinishedAt, e.Undoable = kubemedicv1.ExecutionState_EXECUTION_STATE_SUCCEEDED, timestamppb.Now(), p.GetUndoOf() == ""
			r.cordoned[node] = p.GetAction().GetDrain() != nil
		}
		snap := proto.Clone(e).(*kubemedicv1.Execution)
		r.mu.Unlock()
		if err := stream.Send(&kubemedicv1.GetExecutionResponse{Execution: snap}); err != nil {
			return err
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (r *remediationStandIn) Undo(_ context.Context, req *connect.Request[kubemedicv1.UndoRequest]) (*connect.Response[kubemedicv1.UndoResponse], error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.executions[req.Msg.GetExecutionId()]
	if !ok || !e.GetUndoable() {
		return nil, connect.NewError(connect.CodeFailedPrecondition, fmt.Errorf("execution %s cannot be undone", req.Msg.GetExecutionId()))
	}
	a := r.plans[e.GetPlanId()].GetAction()
	inverse := &kubemedicv1.Action{Cluster: a.GetCluster(), Kind: &kubemedicv1.Action_Uncordon{Uncordon: &kubemedicv1.UncordonAction{Node: a.GetDrain().GetNode()}}}
	return connect.NewResponse(&kubemedicv1.UndoResponse{Plan: r.newPlan(inverse, req.Msg.GetRequester(), e.GetId())}), nil
}

func (r *remediationStandIn) counts(planID string) (executedPlan, executeCalls int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.executed[planID], r.executeN
}

func (r *remediationStandIn) isCordoned(node string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cordoned[node]
}

// ListAudit returns the audit records of the stand-in's plans, oldest
// first, in pages of two to exercise paging.
func (r *remediationStandIn) ListAudit(_ context.Context, req *connect.Request[kubemedicv1.ListAuditRequest]) (*connect.Response[kubemedicv1.ListAuditResponse], error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var all []*kubemedicv1.AuditRecord
	for i := 1; i <= len(r.planCalls); i++ {
		p := r.plans[fmt.Sprintf("pl-%d", i)]
		if req.Msg.GetPlanId() != "" && req.Msg.GetPlanId() != p.GetId() {
			continue
		}
		all = append(all, &kubemedicv1.AuditRecord{Sequence: uint64(len(all) + 1), Time: p.GetCreatedAt(), Type: kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_PLANNED,
			Actor: p.GetRequester(), Cluster: p.GetAction().GetCluster(), PlanId: p.GetId(), Message: "planned " + p.GetId()})
	}
	start := 0
	if t := req.Msg.GetPageToken(); t != "" {
		fmt.Sscanf(t, "%d", &start)
	}
	end := min(len(all), start+2)
	resp := &kubemedicv1.ListAuditResponse{Records: all[start:end]}
	if end < len(all) {
		resp.NextPageToken = fmt.Sprint(end)
	}
	return connect.NewResponse(resp), nil
}
