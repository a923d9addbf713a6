// Package remediation is the kubemedic service that plans, approves,
// executes, audits and undoes guarded fixes. This release registers the
// service and its API so callers get a clear, typed answer; the guarded
// actions themselves are not part of it yet, and every method answers
// Unimplemented (see natsrpc) instead of failing obscurely.
package remediation

import (
	"errors"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

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

// Services are the API services the remediation service owns:
// RemediationService. Methods without a handler answer Unimplemented.
func (s *Service) Services() []*natsrpc.Service {
	rem := natsrpc.NewService(kubemedicv1.File_kubemedic_v1_remediation_proto.Services().ByName("RemediationService"),
		natsrpc.ServiceOptions{Timeout: launch.DefaultRequestTimeout})
	return []*natsrpc.Service{rem}
}

// Serve registers the service on conn; metrics go to reg (may be nil).
func (s *Service) Serve(conn *natsrpc.Conn, reg prometheus.Registerer) (*natsrpc.Server, error) {
	return natsrpc.Serve(conn.Conn, natsrpc.ServerConfig{
		Name:        ServiceName,
		Version:     launch.Version,
		Description: "kubemedic guarded remediation",
		Logger:      s.log,
		Metrics:     reg,
	}, s.Services()...)
}
