package natsrpc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"
)

const tracerName = "github.com/kubemedic/kubemedic/platform/natsrpc"

// ServerConfig configures Serve.
type ServerConfig struct {
	// Name is the micro service name, e.g. "kubemedic-analyzer"; replicas
	// with the same name share requests. Required.
	Name string
	// Version is a semantic version shown by `nats micro info`. Required.
	Version string
	// Description is shown by `nats micro info`. Default empty.
	Description string
	// Logger receives failed calls (CodeInternal) and transport problems.
	// Required.
	Logger *slog.Logger
	// Metrics receives the kubemedic_rpc_server_* metrics, labelled with
	// the service name. Default nil: not exported (micro stats still are).
	Metrics prometheus.Registerer
	// Heartbeat is the stream heartbeat interval; a side silent for three
	// intervals is taken as gone. Default 5s.
	Heartbeat time.Duration
	// Window is the stream flow-control window in messages. Default 64.
	Window int
	// Validate checks a request before its handler runs; a non-nil error
	// is returned to the caller (wrap it in a *connect.Error to choose the
	// code, else CodeInvalidArgument). Default: the buf.validate rules in
	// the proto (protovalidate).
	Validate func(proto.Message) error
}

// Server is a running set of Services on one NATS connection.
type Server struct {
	cfg     ServerConfig
	conn    *nats.Conn
	log     *slog.Logger
	micro   micro.Service
	metrics *metrics
	stats   map[string]*endpointStats // by subject

	base   context.Context // cancelled by Stop
	cancel context.CancelCauseFunc

	mu      sync.Mutex
	stopped bool
	wg      sync.WaitGroup
}

// Serve registers services as one micro service on conn and starts serving.
// It reports handlers that do not match their descriptors. Stop the server
// to unsubscribe.
func Serve(conn *nats.Conn, cfg ServerConfig, services ...*Service) (*Server, error) {
	var errs []error
	switch {
	case conn == nil:
		errs = append(errs, errors.New("natsrpc: Serve needs a connection"))
	case cfg.Name == "":
		errs = append(errs, errors.New("natsrpc: ServerConfig.Name is required"))
	case cfg.Version == "":
		errs = append(errs, errors.New("natsrpc: ServerConfig.Version is required"))
	case cfg.Logger == nil:
		errs = append(errs, errors.New("natsrpc: ServerConfig.Logger is required"))
	}
	seen := map[string]bool{}
	for _, s := range services {
		errs = append(errs, s.errs...)
		if seen[s.Name()] {
			errs = append(errs, fmt.Errorf("natsrpc: service %s is registered twice", s.Name()))
		}
		seen[s.Name()] = true
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 5 * time.Second
	}
	if cfg.Window <= 0 {
		cfg.Window = 64
	}
	if cfg.Validate == nil {
		cfg.Validate = validateRules
	}
	m, err := newMetrics(cfg.Name, cfg.Metrics)
	if err != nil {
		return nil, err
	}
	srv := &Server{cfg: cfg, conn: conn, log: cfg.Logger.With("micro_service", cfg.Name), metrics: m, stats: map[string]*endpointStats{}}
	srv.base, srv.cancel = context.WithCancelCause(context.Background())

	ms, err := micro.AddService(conn, micro.Config{
		Name:         cfg.Name,
		Version:      cfg.Version,
		Description:  cfg.Description,
		StatsHandler: srv.endpointStats,
	})
	if err != nil {
		return nil, fmt.Errorf("registering service %s: %w", cfg.Name, err)
	}
	srv.micro = ms
	for _, s := range services {
		if err := srv.addService(s); err != nil {
			_ = ms.Stop()
			return nil, err
		}
	}
	// Make sure the server knows the subscriptions before callers on other
	// connections send requests (otherwise they could see "no responders").
	if conn.IsConnected() {
		if err := conn.Flush(); err != nil {
			_ = ms.Stop()
			return nil, fmt.Errorf("registering service %s: %w", cfg.Name, err)
		}
	}
	return srv, nil
}

func (srv *Server) addService(s *Service) error {
	methods := s.desc.Methods()
	for i := range methods.Len() {
		md := methods.Get(i)
		if s.elsewhere[md.Name()] {
			continue
		}
		m := s.methods[md.Name()]
		if m == nil && s.opts.HandledOnly {
			continue
		}
		procedure := "/" + string(s.desc.FullName()) + "/" + string(md.Name())
		subject, err := Subject(procedure)
		if err != nil {
			return err
		}
		st := &endpointStats{metrics: srv.metrics.of(procedure, m != nil && m.stream != nil)}
		srv.stats[subject] = st
		kind := "unimplemented"
		var h micro.Handler
		switch {
		case m == nil:
			h = srv.unimplementedHandler(procedure, st)
		case m.unary != nil:
			kind = "unary"
			m.subject, m.spanOptions = subject, spanOptions(subject, trace.SpanKindServer)
			h = srv.unaryHandler(s, m, st)
		default:
			kind = "server_stream"
			m.subject, m.spanOptions = subject, spanOptions(subject, trace.SpanKindServer)
			h = srv.streamHandler(s, m, st)
		}
		name := string(s.desc.Name()) + "-" + string(md.Name())
		if err := srv.micro.AddEndpoint(name, h,
			micro.WithEndpointSubject(subject),
			micro.WithEndpointMetadata(map[string]string{"procedure": procedure, "kind": kind}),
		); err != nil {
			return fmt.Errorf("registering %s: %w", procedure, err)
		}
	}
	return nil
}

// Info describes the micro service (name, id, endpoints).
func (srv *Server) Info() micro.Info { return srv.micro.Info() }

// Stop stops taking requests, cancels open streams (their callers get
// CodeUnavailable and may retry elsewhere), lets unary calls in flight
// finish, and waits until every running handler returned or ctx ends.
func (srv *Server) Stop(ctx context.Context) error {
	srv.mu.Lock()
	if srv.stopped {
		srv.mu.Unlock()
		return nil
	}
	srv.stopped = true
	srv.mu.Unlock()
	err := srv.micro.Stop()
	srv.cancel(errShuttingDown)
	done := make(chan struct{})
	go func() { srv.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		err = errors.Join(err, fmt.Errorf("natsrpc: handlers still running at shutdown: %w", ctx.Err()))
	}
	return err
}

// begin counts a handler in, or reports that the server is stopping.
func (srv *Server) begin() bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.stopped {
		return false
	}
	srv.wg.Add(1)
	return true
}

func (srv *Server) unimplementedHandler(procedure string, st *endpointStats) micro.Handler {
	return micro.HandlerFunc(func(r micro.Request) {
		start := time.Now()
		st.enter()
		ce := unimplemented(procedure)
		_ = r.Error(ce.Code().String(), publicMessage(ce), nil)
		srv.finish(procedure, st, start, ce)
	})
}

// handlerContext is the context a handler runs in: the request's headers
// (IncomingHeader), the caller's trace and
// the caller's deadline capped by limit (0: no cap). Streams (limit 0) are
// also cancelled when the server stops; unary calls may finish.
func (srv *Server) handlerContext(h nats.Header, m *method, limit time.Duration) (context.Context, trace.Span, context.CancelFunc) {
	ctx := otel.GetTextMapPropagator().Extract(withIncoming(context.Background(), h), propagation.HeaderCarrier(h))
	ctx, span := startSpan(ctx, m.subject, m.spanOptions...)
	timeout := limit
	if ms, err := strconv.ParseInt(h.Get(HeaderTimeout), 10, 64); err == nil && ms > 0 {
		if d := time.Duration(ms) * time.Millisecond; timeout == 0 || d < timeout {
			timeout = d
		}
	}
	if limit > 0 {
		// Unary: only the deadline ends it (timeout > 0 here).
		ctx, cancel := context.WithTimeout(ctx, timeout)
		return ctx, span, cancel
	}
	ctx, cancelCause := context.WithCancelCause(ctx)
	stopAfter := context.AfterFunc(srv.base, func() { cancelCause(context.Cause(srv.base)) })
	cancel := func() { stopAfter(); cancelCause(nil) }
	if timeout > 0 {
		var cancelTimeout context.CancelFunc
		ctx, cancelTimeout = context.WithTimeout(ctx, timeout)
		inner := cancel
		cancel = func() { cancelTimeout(); inner() }
	}
	return ctx, span, cancel
}

// spanOptions are the options of every span of subject, made once.
func spanOptions(subject string, kind trace.SpanKind) []trace.SpanStartOption {
	return []trace.SpanStartOption{trace.WithSpanKind(kind),
		trace.WithAttributes(attribute.String("messaging.system", "nats"), attribute.String("messaging.destination.name", subject))}
}

func (srv *Server) unaryHandler(s *Service, m *method, st *endpointStats) micro.Handler {
	// micro delivers one endpoint's requests one after another; run them
	// concurrently, with a bound so a burst cannot exhaust memory. The
	// reply is published here, not through micro.Request, so micro's own
	// counters stay race-free; the truthful numbers are in endpointStats.
	sem := make(chan struct{}, s.opts.MaxConcurrent)
	return micro.HandlerFunc(func(r micro.Request) {
		if r.Reply() == "" {
			return
		}
		sem <- struct{}{}
		if !srv.begin() {
			<-sem
			ce := connect.NewError(connect.CodeUnavailable, errShuttingDown)
			_ = r.Error(ce.Code().String(), publicMessage(ce), nil)
			return
		}
		go func() {
			defer srv.wg.Done()
			defer func() { <-sem }()
			srv.handleUnary(r, s, m, st)
		}()
	})
}

func (srv *Server) handleUnary(r micro.Request, s *Service, m *method, st *endpointStats) {
	start := time.Now()
	st.enter()
	st.metrics.inFlight.Inc()
	defer st.metrics.inFlight.Dec()
	ctx, span, cancel := srv.handlerContext(nats.Header(r.Headers()), m, s.opts.Timeout)
	defer cancel()
	defer span.End()

	resp, ce := srv.runUnary(ctx, r.Data(), m)
	var reply *outgoing
	if ce == nil {
		var err error
		if reply, err = newOutgoing(r.Reply(), resp); err != nil {
			ce = connect.NewError(connect.CodeInternal, fmt.Errorf("encoding %s reply: %w", m.procedure, err))
		}
	}
	if ce != nil {
		srv.logFailure(m.procedure, ce)
		span.SetStatus(codes.Error, ce.Error())
		reply = outgoingPool.Get().(*outgoing)
		reply.msg.Subject = r.Reply()
		setError(&reply.msg, ce) // headers only on error
	}
	err := srv.conn.PublishMsg(&reply.msg)
	reply.free() // PublishMsg copied it
	if err != nil {
		srv.log.Warn("sending reply failed", "rpc", m.procedure, "error", err)
	}
	srv.finish(m.procedure, st, start, ce)
}

func (srv *Server) runUnary(ctx context.Context, data []byte, m *method) (resp proto.Message, ce *connect.Error) {
	req, ce := srv.decode(data, m)
	if ce != nil {
		return nil, ce
	}
	defer func() {
		if p := recover(); p != nil {
			resp, ce = nil, connect.NewError(connect.CodeInternal, fmt.Errorf("panic: %v\n%s", p, debug.Stack()))
		}
	}()
	resp, err := m.unary(ctx, req)
	if err != nil {
		return nil, handlerError(ctx, err)
	}
	return resp, nil
}

// decode unmarshals and validates a request.
func (srv *Server) decode(data []byte, m *method) (proto.Message, *connect.Error) {
	req := m.newReq()
	if err := proto.Unmarshal(data, req); err != nil {
		return nil, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("malformed %s request: %w", m.procedure, err))
	}
	if err := srv.cfg.Validate(req); err != nil {
		var ce *connect.Error
		if errors.As(err, &ce) {
			return nil, ce
		}
		return nil, connect.NewError(connect.CodeInvalidArgument, err)
	}
	return req, nil
}

func (srv *Server) logFailure(procedure string, ce *connect.Error) {
	if ce.Code() == connect.CodeInternal || ce.Code() == connect.CodeUnknown {
		srv.log.Error("rpc failed", "rpc", procedure, "error", ce.Unwrap())
	}
}

// finish records one finished call.
func (srv *Server) finish(procedure string, st *endpointStats, start time.Time, ce *connect.Error) {
	d := time.Since(start)
	code := "ok"
	if ce != nil {
		code = ce.Code().String()
	}
	if ce == nil {
		st.metrics.ok.Inc()
	} else {
		srv.metrics.handled.WithLabelValues(procedure, code).Inc()
	}
	st.metrics.duration.Observe(d.Seconds())
	// Last: a call no longer in flight has its numbers recorded everywhere.
	st.leave(d, ce)
}
