package gateway

import (
	"context"
	"errors"
	"time"

	"connectrpc.com/connect"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// Health procedures of the standard grpc.health.v1 protocol.
const (
	healthCheckProcedure = "/grpc.health.v1.Health/Check"
	healthWatchProcedure = "/grpc.health.v1.Health/Watch"
)

// healthService answers grpc.health.v1 for the gateway itself ("") and for
// every kubemedic.v1 service: SERVING while the gateway can reach the bus.
type healthService struct {
	services map[string]bool
	ready    func() bool
	interval time.Duration
}

func (h *healthService) status(service string) (healthpb.HealthCheckResponse_ServingStatus, error) {
	if service != "" && !h.services[service] {
		return 0, connect.NewError(connect.CodeNotFound, errors.New("unknown service "+service))
	}
	if h.ready() {
		return healthpb.HealthCheckResponse_SERVING, nil
	}
	return healthpb.HealthCheckResponse_NOT_SERVING, nil
}

func (h *healthService) check(_ context.Context, req *connect.Request[healthpb.HealthCheckRequest]) (*connect.Response[healthpb.HealthCheckResponse], error) {
	st, err := h.status(req.Msg.GetService())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&healthpb.HealthCheckResponse{Status: st}), nil
}

func (h *healthService) watch(ctx context.Context, req *connect.Request[healthpb.HealthCheckRequest], stream *connect.ServerStream[healthpb.HealthCheckResponse]) error {
	service := req.Msg.GetService()
	last := healthpb.HealthCheckResponse_ServingStatus(-1)
	t := time.NewTicker(h.interval)
	defer t.Stop()
	for {
		st, err := h.status(service)
		if err != nil {
			// The protocol says: report SERVICE_UNKNOWN and keep watching.
			st = healthpb.HealthCheckResponse_SERVICE_UNKNOWN
		}
		if st != last {
			if err := stream.Send(&healthpb.HealthCheckResponse{Status: st}); err != nil {
				return err
			}
			last = st
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
