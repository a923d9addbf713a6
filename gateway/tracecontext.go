package gateway

import (
	"context"

	"connectrpc.com/connect"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
)

// traceContext is the interceptor used when the gateway records no spans of
// its own (Options.Tracing off): it takes the caller's W3C trace context
// (traceparent, baggage) from the request headers into the call's context,
// so the NATS request carries it on and the services' spans join the
// caller's trace. It does what otelconnect does for propagation, without a
// span, attributes and metrics per call that nobody exports.
type traceContext struct{}

func (traceContext) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		return next(otel.GetTextMapPropagator().Extract(ctx, propagation.HeaderCarrier(req.Header())), req)
	}
}

func (traceContext) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (traceContext) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		return next(otel.GetTextMapPropagator().Extract(ctx, propagation.HeaderCarrier(conn.RequestHeader())), conn)
	}
}
