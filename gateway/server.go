// Package gateway serves kubemedic's public API. One port speaks gRPC,
// gRPC-Web and Connect (JSON or binary) through Connect handlers, plus the
// standard gRPC health protocol and server reflection, so grpc-go clients,
// browsers and grpcurl all work.
//
// The gateway holds no state and never talks to Kubernetes. Before a
// request body is read it authenticates the caller (bearer tokens, stored
// as hashes), applies the token's rate limit and checks that the token holds
// the scope the procedure requires (the scope table in scope.go); then it
// keeps the token to its clusters (request fields named cluster/clusters
// checked, other clusters' list elements dropped from responses, see
// cluster.go), checks requests
// against their buf.validate rules, sets the acting identity of writes (every
// top-level kubemedic.v1.Identity field of a request, see identityFields),
// and forwards each call over NATS to the service that owns it (see package
// natsrpc). One generic forwarder serves every unary and server-streaming
// method of the services in Services, straight from their descriptors: a new
// RPC needs no code here. Scale it by running more replicas.
package gateway

import (
	"context"
	"crypto/tls"
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
	// MaxRequestBytes bounds one request message. Default: 4 MiB.
	MaxRequestBytes int64
	// TLS serves HTTPS with this configuration (mTLS when it requires
	// client certificates, see TLSConfig). Default: nil, plain HTTP/2
	// without TLS (h2c).
	TLS *tls.Config
	// CORSOrigins are the browser origins allowed to call the API
	// ("*" for any). Default: none, CORS off.
	CORSOrigins []string
	// CORSMaxAge is how long browsers cache a preflight answer. Default: 2h.
	CORSMaxAge time.Duration
	// CompressMinBytes is the smallest response the gateway compresses
	// (when the caller accepts gzip). Default: 64 KiB: gzip of the usual
	// few-KiB answer cost more CPU than the whole Ask behind it (make
	// bench-gateway profile); big lists still get compressed.
	CompressMinBytes int
	// Tracing records a span per call (otelconnect) with the global tracer
	// provider; set it when a trace exporter is configured. Default: false,
	// no spans here, but the caller's trace context (traceparent) still
	// passes on to the services, whose spans join the caller's trace.
	Tracing bool
}

// Server is the public API server.
type Server struct {
	handler http.Handler
	tls     *tls.Config
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
	var tracing connect.Interceptor = traceContext{}
	if o.Tracing {
		if tracing, err = otelconnect.NewInterceptor(otelconnect.WithoutServerPeerAttributes()); err != nil {
			return nil, fmt.Errorf("gateway: tracing interceptor: %w", err)
		}
	}
	if o.MaxRequestBytes == 0 {
		o.MaxRequestBytes = 4 << 20
	}
	if o.CORSMaxAge == 0 {
		o.CORSMaxAge = 2 * time.Hour
	}
	if o.CompressMinBytes == 0 {
		o.CompressMinBytes = 64 << 10
	}
	opts := []connect.HandlerOption{
		connect.WithInterceptors(tracing, validate.NewInterceptor()),
		connect.WithReadMaxBytes(int(o.MaxRequestBytes)),
		connect.WithCompressMinBytes(o.CompressMinBytes),
		connect.WithCodec(passthroughCodec{}),
	}
	routes, err := forwarders(o.Bus, opts...)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	for procedure, h := range routes {
		need, ok := ScopeOf(procedure)
		if !ok {
			return nil, fmt.Errorf("gateway: %s %w", procedure, errNoScope)
		}
		mux.Handle(procedure, auth.middleware(h, procedure, need, opts...))
	}

	health := &healthService{services: map[string]bool{}, ready: o.Ready, interval: time.Second}
	for _, n := range ServiceNames {
		health.services[n] = true
	}
	plain := connect.WithCompressMinBytes(o.CompressMinBytes)
	mux.Handle(healthCheckProcedure, connect.NewUnaryHandler(healthCheckProcedure, health.check, plain))
	mux.Handle(healthWatchProcedure, connect.NewServerStreamHandler(healthWatchProcedure, health.watch, plain))

	reflector := grpcreflect.NewStaticReflector(append([]string{healthpb.Health_ServiceDesc.ServiceName}, ServiceNames...)...)
	mux.Handle(grpcreflect.NewHandlerV1(reflector, plain))
	mux.Handle(grpcreflect.NewHandlerV1Alpha(reflector, plain))

	var handler http.Handler = mux
	if len(o.CORSOrigins) > 0 {
		handler = corsHandler(o.CORSOrigins, o.CORSMaxAge, mux)
	}
	return &Server{handler: handler, tls: o.TLS, log: o.Logger}, nil
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
		// TLS handshake failures (a caller without a client certificate)
		// and the like, at debug level.
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	if s.tls != nil {
		protocols.SetHTTP2(true)
		protocols.SetUnencryptedHTTP2(false)
		cfg := s.tls.Clone()
		cfg.NextProtos = []string{"h2", "http/1.1"}
		srv.TLSConfig = cfg
		l = tls.NewListener(l, cfg)
	}
	s.log.Info("gateway listening", "addr", l.Addr().String(), "tls", s.tls != nil, "mtls", s.tls != nil && s.tls.ClientAuth == tls.RequireAndVerifyClientCert)
	if err := httpserve.Serve(ctx, l, srv, 10*time.Second); err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	return nil
}
