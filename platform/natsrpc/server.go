package natsrpc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"connectrpc.com/connect"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"
)

// Endpoint is one RPC a service serves.
type Endpoint struct {
	// Service is the short API service name, e.g. "KnowledgeService".
	Service string
	// Method is the RPC method name, e.g. "Ask".
	Method string
	// Handler decodes the request, runs the method and encodes the reply.
	Handler micro.Handler
}

// Unary adapts a typed function to an Endpoint. Returned errors become Connect
// error codes on the calling side: return *connect.Error to choose the code;
// any other error becomes CodeInternal. Panics are recovered and reported as
// CodeInternal. timeout bounds the function's context.
func Unary[Req any, Resp proto.Message, PReq interface {
	*Req
	proto.Message
}](service, method string, logger *slog.Logger, timeout time.Duration, fn func(context.Context, PReq) (Resp, error)) Endpoint {
	subject := Subject(service, method)
	log := logger.With("rpc", subject)
	handle := func(r micro.Request) {
		ctx := otel.GetTextMapPropagator().Extract(context.Background(), propagation.HeaderCarrier(r.Headers()))
		ctx, span := otel.Tracer(tracerName).Start(ctx, subject,
			trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("messaging.system", "nats"), attribute.String("messaging.destination.name", subject)))
		defer span.End()
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()

		req := PReq(new(Req))
		if err := proto.Unmarshal(r.Data(), req); err != nil {
			respondError(r, span, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("malformed %s request: %w", subject, err)))
			return
		}
		resp, err := safeCall(ctx, fn, req)
		if err != nil {
			var ce *connect.Error
			if !errors.As(err, &ce) || ce.Code() == connect.CodeInternal || ce.Code() == connect.CodeUnknown {
				log.Error("rpc failed", "error", err)
			}
			respondError(r, span, err)
			return
		}
		data, err := proto.Marshal(resp)
		if err != nil {
			respondError(r, span, connect.NewError(connect.CodeInternal, fmt.Errorf("encoding %s reply: %w", subject, err)))
			return
		}
		if err := r.Respond(data); err != nil {
			log.Warn("sending reply failed", "error", err)
		}
	}
	// micro delivers one endpoint's requests one after another; run them
	// concurrently, with a bound so a burst cannot exhaust memory.
	sem := make(chan struct{}, maxConcurrent)
	h := micro.HandlerFunc(func(r micro.Request) {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			handle(r)
		}()
	})
	return Endpoint{Service: service, Method: method, Handler: h}
}

// maxConcurrent bounds the requests one endpoint runs at once per process.
const maxConcurrent = 256

func safeCall[Req proto.Message, Resp proto.Message](ctx context.Context, fn func(context.Context, Req) (Resp, error), req Req) (resp Resp, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = connect.NewError(connect.CodeInternal, fmt.Errorf("panic: %v\n%s", p, debug.Stack()))
		}
	}()
	return fn(ctx, req)
}

func respondError(r micro.Request, span trace.Span, err error) {
	span.SetStatus(codes.Error, err.Error())
	code := connect.CodeInternal
	msg := err.Error()
	var ce *connect.Error
	if errors.As(err, &ce) {
		code = ce.Code()
		msg = ce.Message()
	}
	if code == connect.CodeInternal {
		// Do not leak stacks or internals to callers.
		msg = "internal error; see the service log"
	}
	_ = r.Error(code.String(), msg, nil)
}

// ServiceConfig describes a micro service.
type ServiceConfig struct {
	// Name is the micro service name, e.g. "kubemedic-analyzer".
	Name string
	// Version is a semantic version, e.g. "0.1.0".
	Version string
	// Description is shown by `nats micro info`.
	Description string
}

// Serve registers endpoints as a micro service on conn. Replicas with the same
// name share requests through micro's queue group. Stop the returned service
// to unsubscribe.
func Serve(conn *nats.Conn, cfg ServiceConfig, endpoints ...Endpoint) (micro.Service, error) {
	svc, err := micro.AddService(conn, micro.Config{
		Name:        cfg.Name,
		Version:     cfg.Version,
		Description: cfg.Description,
	})
	if err != nil {
		return nil, fmt.Errorf("registering service %s: %w", cfg.Name, err)
	}
	groups := map[string]micro.Group{}
	for _, e := range endpoints {
		g, ok := groups[e.Service]
		if !ok {
			g = svc.AddGroup(SubjectPrefix + "." + e.Service)
			groups[e.Service] = g
		}
		if err := g.AddEndpoint(e.Method, e.Handler, micro.WithEndpointSubject(e.Method)); err != nil {
			_ = svc.Stop()
			return nil, fmt.Errorf("registering %s: %w", Subject(e.Service, e.Method), err)
		}
	}
	// Make sure the server knows the subscriptions before callers on other
	// connections send requests (otherwise they could see "no responders").
	if conn.IsConnected() {
		if err := conn.Flush(); err != nil {
			_ = svc.Stop()
			return nil, fmt.Errorf("registering service %s: %w", cfg.Name, err)
		}
	}
	return svc, nil
}
