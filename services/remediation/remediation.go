// Package remediation is the kubemedic service that plans, approves,
// executes, audits and undoes guarded fixes. This release registers the
// service and its API so callers get a clear, typed answer; the guarded
// actions themselves are not part of it yet, and every method reports
// Unimplemented with that explanation instead of failing obscurely.
package remediation

import (
	"context"
	"errors"
	"log/slog"

	"connectrpc.com/connect"
	"github.com/nats-io/nats.go/micro"

	"github.com/kubemedic/kubemedic/platform/launch"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// ServiceName is the NATS micro service name.
const ServiceName = "kubemedic-remediation"

// Service is the remediation service.
type Service struct {
	log *slog.Logger
}

// New returns the service.
func New(log *slog.Logger) (*Service, error) {
	if log == nil {
		return nil, errors.New("remediation: logger is required")
	}
	return &Service{log: log}, nil
}

var errNotYet = connect.NewError(connect.CodeUnimplemented,
	errors.New("guarded remediation is not available in this version of kubemedic (조치 기능은 아직 제공되지 않습니다)"))

func notYet[Req, Resp any](context.Context, Req) (Resp, error) {
	var zero Resp
	return zero, errNotYet
}

// Endpoints are the RPCs the service serves.
func (s *Service) Endpoints() []natsrpc.Endpoint {
	const svc = "RemediationService"
	t := launch.DefaultRequestTimeout
	return []natsrpc.Endpoint{
		natsrpc.Unary(svc, "Plan", s.log, t, notYet[*kubemedicv1.PlanRequest, *kubemedicv1.PlanResponse]),
		natsrpc.Unary(svc, "Approve", s.log, t, notYet[*kubemedicv1.ApproveRequest, *kubemedicv1.ApproveResponse]),
		natsrpc.Unary(svc, "Reject", s.log, t, notYet[*kubemedicv1.RejectRequest, *kubemedicv1.RejectResponse]),
		natsrpc.Unary(svc, "Execute", s.log, t, notYet[*kubemedicv1.ExecuteRequest, *kubemedicv1.ExecuteResponse]),
		natsrpc.Unary(svc, "Undo", s.log, t, notYet[*kubemedicv1.UndoRequest, *kubemedicv1.UndoResponse]),
		natsrpc.Unary(svc, "ListAudit", s.log, t, notYet[*kubemedicv1.ListAuditRequest, *kubemedicv1.ListAuditResponse]),
	}
}

// Serve registers the service on conn.
func (s *Service) Serve(conn *natsrpc.Conn) (micro.Service, error) {
	return natsrpc.Serve(conn.Conn, natsrpc.ServiceConfig{
		Name:        ServiceName,
		Version:     launch.Version,
		Description: "kubemedic guarded remediation",
	}, s.Endpoints()...)
}
