package natsrpc_test

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/kubemedic/kubemedic/platform/natsrpc"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

// TestTraceContextCrossesNATS checks that the server span of a NATS RPC
// continues the caller's trace (W3C traceparent in NATS headers).
func TestTraceContextCrossesNATS(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() { otel.SetTracerProvider(prevTP); otel.SetTextMapPropagator(prevProp) })

	ns := startNATS(t)
	server, client := connectTo(t, ns.URL()), connectTo(t, ns.URL())
	var handlerTrace trace.TraceID
	svc := natsrpc.NewService(knowledgeDesc, natsrpc.ServiceOptions{})
	natsrpc.HandleUnary(svc, askProcedure, func(ctx context.Context, _ *kubemedicv1.AskRequest) (*kubemedicv1.AskResponse, error) {
		handlerTrace = trace.SpanContextFromContext(ctx).TraceID()
		return &kubemedicv1.AskResponse{}, nil
	})
	streamTrace := make(chan trace.TraceID, 1)
	diag := natsrpc.NewService(diagnosisDesc, natsrpc.ServiceOptions{})
	natsrpc.HandleServerStream(diag, kubemedicv1connect.DiagnosisServiceDiagnoseProcedure,
		func(ctx context.Context, _ *kubemedicv1.DiagnoseRequest, send func(*kubemedicv1.DiagnoseResponse) error) error {
			streamTrace <- trace.SpanContextFromContext(ctx).TraceID()
			return nil
		})
	serve(t, server, natsrpc.ServerConfig{Name: "trace-svc"}, svc, diag)

	ctx, root := tp.Tracer("test").Start(context.Background(), "root")
	c := natsrpc.NewClient(client, 5*time.Second)
	err := c.Call(ctx, askProcedure, &kubemedicv1.AskRequest{Question: "q"}, &kubemedicv1.AskResponse{})
	if err != nil {
		t.Fatal(err)
	}
	sctx, streamRoot := tp.Tracer("test").Start(context.Background(), "stream-root")
	err = natsrpc.ServerStream(sctx, c, kubemedicv1connect.DiagnosisServiceDiagnoseProcedure, &kubemedicv1.DiagnoseRequest{},
		func(*kubemedicv1.DiagnoseResponse) error { return nil })
	streamRoot.End()
	root.End()
	if err != nil {
		t.Fatal(err)
	}
	if got := <-streamTrace; got != streamRoot.SpanContext().TraceID() {
		t.Errorf("stream handler ran in trace %s, want the caller's %s", got, streamRoot.SpanContext().TraceID())
	}
	want := root.SpanContext().TraceID()
	if handlerTrace != want {
		t.Fatalf("handler ran in trace %s, want the caller's %s", handlerTrace, want)
	}
	// The server span ends just after the reply is sent; give it a moment.
	var kinds []trace.SpanKind
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		kinds = kinds[:0]
		for _, s := range rec.Ended() {
			if s.SpanContext().TraceID() == want {
				kinds = append(kinds, s.SpanKind())
			}
		}
		if len(kinds) == 3 || time.Now().After(deadline) {
			break
		}
	}
	if len(kinds) != 3 {
		t.Errorf("spans in the trace: %v, want root, client and server", kinds)
	}
}

// TestTraceContextCrossesNATSWithoutProvider checks that a process with no
// tracer provider installed (natsrpc then makes no spans of its own) still
// carries the caller's trace context to the handler, and on from the
// handler's own calls.
func TestTraceContextCrossesNATSWithoutProvider(t *testing.T) {
	prevProp := otel.GetTextMapPropagator()
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() { otel.SetTextMapPropagator(prevProp) })

	ns := startNATS(t)
	server, client := connectTo(t, ns.URL()), connectTo(t, ns.URL())
	c := natsrpc.NewClient(client, 5*time.Second)
	seen := make(chan trace.SpanContext, 2)
	svc := natsrpc.NewService(knowledgeDesc, natsrpc.ServiceOptions{})
	natsrpc.HandleUnary(svc, askProcedure, func(ctx context.Context, req *kubemedicv1.AskRequest) (*kubemedicv1.AskResponse, error) {
		seen <- trace.SpanContextFromContext(ctx)
		if req.GetQuestion() == "again" { // a call the handler makes on
			return &kubemedicv1.AskResponse{}, c.Call(ctx, askProcedure, &kubemedicv1.AskRequest{Question: "q"}, &kubemedicv1.AskResponse{})
		}
		return &kubemedicv1.AskResponse{}, nil
	})
	serve(t, server, natsrpc.ServerConfig{Name: "trace-svc"}, svc)

	parent := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled,
		Remote:     true,
	})
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), parent)
	if err := c.Call(ctx, askProcedure, &kubemedicv1.AskRequest{Question: "again"}, &kubemedicv1.AskResponse{}); err != nil {
		t.Fatal(err)
	}
	for _, hop := range []string{"handler", "the handler's own call"} {
		got := <-seen
		if got.TraceID() != parent.TraceID() || !got.IsSampled() {
			t.Errorf("%s: trace %s sampled %v, want the caller's %s sampled", hop, got.TraceID(), got.IsSampled(), parent.TraceID())
		}
	}
}
