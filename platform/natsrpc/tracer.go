package natsrpc

import (
	"reflect"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
)

// cachedTracer is the natsrpc tracer of the provider it came from.
type cachedTracer struct {
	provider trace.TracerProvider
	tracer   trace.Tracer
}

var lastTracer atomic.Pointer[cachedTracer]

// tracer returns otel.Tracer(tracerName) without the global provider's
// mutex on every call (measurable contention with 64 concurrent calls in
// make bench-gateway); a new global provider still takes effect at once.
func tracer() trace.Tracer {
	tp := otel.GetTracerProvider()
	if !reflect.TypeOf(tp).Comparable() {
		return tp.Tracer(tracerName) // cannot tell providers apart: no cache
	}
	if c := lastTracer.Load(); c != nil && c.provider == tp {
		return c.tracer
	}
	t := tp.Tracer(tracerName)
	lastTracer.Store(&cachedTracer{provider: tp, tracer: t})
	return t
}
