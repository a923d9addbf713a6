package gateway

import (
	"context"

	"connectrpc.com/connect"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

// remediationHandler forwards remediation calls after replacing the acting
// identity with the authenticated one (or, for trusted callers, the person
// they name), so nobody can act as someone else through the API.
type remediationHandler struct {
	kubemedicv1connect.UnimplementedRemediationServiceHandler
	bus bus
}

const remediationService = "RemediationService"

func (h *remediationHandler) Plan(ctx context.Context, req *connect.Request[kubemedicv1.PlanRequest]) (*connect.Response[kubemedicv1.PlanResponse], error) {
	id, err := actingIdentity(ctx, req.Msg.GetRequester())
	if err != nil {
		return nil, err
	}
	req.Msg.Requester = id
	return forward[kubemedicv1.PlanRequest, kubemedicv1.PlanResponse](ctx, h.bus, remediationService, "Plan", req)
}

func (h *remediationHandler) Approve(ctx context.Context, req *connect.Request[kubemedicv1.ApproveRequest]) (*connect.Response[kubemedicv1.ApproveResponse], error) {
	id, err := actingIdentity(ctx, req.Msg.GetApprover())
	if err != nil {
		return nil, err
	}
	req.Msg.Approver = id
	return forward[kubemedicv1.ApproveRequest, kubemedicv1.ApproveResponse](ctx, h.bus, remediationService, "Approve", req)
}

func (h *remediationHandler) Reject(ctx context.Context, req *connect.Request[kubemedicv1.RejectRequest]) (*connect.Response[kubemedicv1.RejectResponse], error) {
	id, err := actingIdentity(ctx, req.Msg.GetRejector())
	if err != nil {
		return nil, err
	}
	req.Msg.Rejector = id
	return forward[kubemedicv1.RejectRequest, kubemedicv1.RejectResponse](ctx, h.bus, remediationService, "Reject", req)
}

func (h *remediationHandler) Execute(ctx context.Context, req *connect.Request[kubemedicv1.ExecuteRequest]) (*connect.Response[kubemedicv1.ExecuteResponse], error) {
	id, err := actingIdentity(ctx, req.Msg.GetExecutor())
	if err != nil {
		return nil, err
	}
	req.Msg.Executor = id
	return forward[kubemedicv1.ExecuteRequest, kubemedicv1.ExecuteResponse](ctx, h.bus, remediationService, "Execute", req)
}

func (h *remediationHandler) Undo(ctx context.Context, req *connect.Request[kubemedicv1.UndoRequest]) (*connect.Response[kubemedicv1.UndoResponse], error) {
	id, err := actingIdentity(ctx, req.Msg.GetRequester())
	if err != nil {
		return nil, err
	}
	req.Msg.Requester = id
	return forward[kubemedicv1.UndoRequest, kubemedicv1.UndoResponse](ctx, h.bus, remediationService, "Undo", req)
}

func (h *remediationHandler) GetExecution(context.Context, *connect.Request[kubemedicv1.GetExecutionRequest], *connect.ServerStream[kubemedicv1.GetExecutionResponse]) error {
	return notYet(kubemedicv1connect.RemediationServiceGetExecutionProcedure)
}

func (h *remediationHandler) ListAudit(ctx context.Context, req *connect.Request[kubemedicv1.ListAuditRequest]) (*connect.Response[kubemedicv1.ListAuditResponse], error) {
	return forward[kubemedicv1.ListAuditRequest, kubemedicv1.ListAuditResponse](ctx, h.bus, remediationService, "ListAudit", req)
}
