package gateway

import (
	"context"

	"connectrpc.com/connect"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

type fleetHandler struct {
	kubemedicv1connect.UnimplementedFleetServiceHandler
	bus bus
}

func (h *fleetHandler) ListClusters(ctx context.Context, req *connect.Request[kubemedicv1.ListClustersRequest]) (*connect.Response[kubemedicv1.ListClustersResponse], error) {
	return forward[kubemedicv1.ListClustersRequest, kubemedicv1.ListClustersResponse](ctx, h.bus, "FleetService", "ListClusters", req)
}

func (h *fleetHandler) RunSweep(context.Context, *connect.Request[kubemedicv1.RunSweepRequest], *connect.ServerStream[kubemedicv1.RunSweepResponse]) error {
	return notYet(kubemedicv1connect.FleetServiceRunSweepProcedure)
}

func (h *fleetHandler) ListSweeps(ctx context.Context, req *connect.Request[kubemedicv1.ListSweepsRequest]) (*connect.Response[kubemedicv1.ListSweepsResponse], error) {
	return forward[kubemedicv1.ListSweepsRequest, kubemedicv1.ListSweepsResponse](ctx, h.bus, "FleetService", "ListSweeps", req)
}

func (h *fleetHandler) GetSweep(ctx context.Context, req *connect.Request[kubemedicv1.GetSweepRequest]) (*connect.Response[kubemedicv1.GetSweepResponse], error) {
	return forward[kubemedicv1.GetSweepRequest, kubemedicv1.GetSweepResponse](ctx, h.bus, "FleetService", "GetSweep", req)
}
