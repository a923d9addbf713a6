package gateway

import (
	"context"

	"connectrpc.com/connect"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

type diagnosisHandler struct {
	kubemedicv1connect.UnimplementedDiagnosisServiceHandler
	bus bus
}

func (h *diagnosisHandler) Diagnose(context.Context, *connect.Request[kubemedicv1.DiagnoseRequest], *connect.ServerStream[kubemedicv1.DiagnoseResponse]) error {
	return notYet(kubemedicv1connect.DiagnosisServiceDiagnoseProcedure)
}

func (h *diagnosisHandler) ListFindings(ctx context.Context, req *connect.Request[kubemedicv1.ListFindingsRequest]) (*connect.Response[kubemedicv1.ListFindingsResponse], error) {
	return forward[kubemedicv1.ListFindingsRequest, kubemedicv1.ListFindingsResponse](ctx, h.bus, "DiagnosisService", "ListFindings", req)
}

func (h *diagnosisHandler) WatchFindings(context.Context, *connect.Request[kubemedicv1.WatchFindingsRequest], *connect.ServerStream[kubemedicv1.WatchFindingsResponse]) error {
	return notYet(kubemedicv1connect.DiagnosisServiceWatchFindingsProcedure)
}
