// Package gateway serves kubemedic's public API. One port speaks gRPC,
// gRPC-Web and Connect (JSON or binary) through Connect handlers, plus the
// standard gRPC health protocol and server reflection, so grpc-go clients,
// browsers and grpcurl all work.
//
// The gateway holds no state and never talks to Kubernetes: it authenticates
// the caller (bearer tokens, before a request body is read), checks requests
// against their buf.validate rules, sets the acting identity of writes (every
// top-level kubemedic.v1.Identity field of a request, see identityFields),
// and forwards each call over NATS to the service that owns it (see package
// natsrpc). One generic forwarder serves every unary and server-streaming
// method of the services in Services, straight from their descriptors: a new
// RPC needs no code here. Scale it by running more replicas.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpcreflect"
	"connectrpc.com/otelconnect"
	"connectrpc.com/validate"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/kubemedic/kubemedic/platform/httpserve"
)

// Options configures a Server.
type Options struct {
	// Bus forwards calls to the services (a *natsrpc.Client). Required.
	Bus Bus
	// Ready reports whether the bus is usable; it drives the health service.
	// Required.
	Ready func() bool
	// Credentials are the accepted API tokens. At least one is required.
	Credentials []Credential
	// Logger is required.
	Logger *slog.Logger
}

// Server is the public API server.
type Server struct {
	handler http.Handler
	log     *slog.Logger
}

// ServiceNames are the public API services, as reflection lists them.
var ServiceNames = func() []string {
	var out []string
	for _, sd := range Services {
		out = append(out, string(sd.FullName()))
	}
	return out
}()

// New validates o and builds the server.
func New(o Options) (*Server, error) {
	switch {
	case o.Bus == nil:
		return nil, errors.New("gateway: Options.Bus is required")
	case o.Ready == nil:
		return nil, errors.New("gateway: Options.Ready is required")
	case o.Logger == nil:
		return nil, errors.New("gateway: Options.Logger is required")
	case len(o.Credentials) == 0:
		return nil, errors.New("gateway: at least one API credential is required")
	}
	auth, err := newAuthenticator(o.Credentials)
	if err != nil {
		return nil, err
	}
	otelInterceptor, err := otelconnect.NewInterceptor(otelconnect.WithoutServerPeerAttributes())
	if err != nil {
		return nil, fmt.Errorf("gateway: tracing interceptor: %w", err)
	}
	opts := []connect.HandlerOption{
		connect.WithInterceptors(otelInterceptor, validate.NewInterceptor()),
		connect.WithReadMaxBytes(4 << 20),
	}
	routes, err := forwarders(o.Bus, opts...)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	for procedure, h := range routes {
		mux.Handle(procedure, auth.middleware(h, opts...))
	}

	health := &healthService{services: map[string]bool{}, ready: o.Ready, interval: time.Second}
	for _, n := range ServiceNames {
		health.services[n] = true
	}
	mux.Handle(healthCheckProcedure, connect.NewUnaryHandler(healthCheckProcedure, health.check))
	mux.Handle(healthWatchProcedure, connect.NewServerStreamHandler(healthWatchProcedure, health.watch))

	reflector := grpcreflect.NewStaticReflector(append([]string{healthpb.Health_ServiceDesc.ServiceName}, ServiceNames...)...)
	mux.Handle(grpcreflect.NewHandlerV1(reflector))
	mux.Handle(grpcreflect.NewHandlerV1Alpha(reflector))

	return &Server{handler: mux, log: o.Logger}, nil
}

// Handler returns the HTTP handler serving every protocol.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve serves on l until ctx ends, then shuts down gracefully (in-flight
// calls get up to 10 seconds).
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true) // gRPC without TLS (h2c)
	srv := &http.Server{
		Handler:           s.handler,
		Protocols:         protocols,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	s.log.Info("gateway listening", "addr", l.Addr().String())
	if err := httpserve.Serve(ctx, l, srv, 10*time.Second); err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	return nil
}
