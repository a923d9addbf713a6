package natsrpc

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestTracerFollowsTheGlobalProvider checks the cached tracer: spans go to
// whichever provider is global when they start.
func TestTracerFollowsTheGlobalProvider(t *testing.T) {
	prev := otel.GetTracerProvider()
	t.Cleanup(func() { otel.SetTracerProvider(prev) })
	for range 2 {
		rec := tracetest.NewSpanRecorder()
		otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
		for range 3 {
			_, span := tracer().Start(context.Background(), "x")
			span.End()
		}
		if n := len(rec.Ended()); n != 3 {
			t.Errorf("provider got %d spans, want 3", n)
		}
	}
}
