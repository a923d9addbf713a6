package natsrpc

import (
	"context"

	"github.com/nats-io/nats.go"
)

// Headers that say who is calling. The gateway sets them from the
// authenticated credential (see gateway's caller headers); services read them
// with IncomingHeader. Nothing but the gateway, which strips what callers
// send, should set them: a service trusts them as it trusts the bus.
const (
	// HeaderCallerSource is where a request came from: "api" or "slack".
	HeaderCallerSource = "Kubemedic-Caller-Source"
	// HeaderSlackUser is the Slack user id a trusted caller (the Slack bot)
	// acts for.
	HeaderSlackUser = "Kubemedic-Slack-User"
)

type outgoingKey struct{}
type incomingKey struct{}

// WithOutgoingHeader returns ctx whose calls (Client.Call, Client.Stream)
// carry key: value as a NATS header, besides the protocol's own headers
// (which it cannot replace). Later values for the same key replace earlier
// ones.
func WithOutgoingHeader(ctx context.Context, key, value string) context.Context {
	prev, _ := ctx.Value(outgoingKey{}).(nats.Header)
	h := make(nats.Header, len(prev)+1)
	for k, v := range prev {
		h[k] = v
	}
	h.Set(key, value)
	return context.WithValue(ctx, outgoingKey{}, h)
}

// Headers is a fixed set of outgoing headers, made once with NewHeaders
// for many calls: WithOutgoingHeaders stores it in a context as it is,
// without the map WithOutgoingHeader makes on every call.
type Headers struct{ h nats.Header }

// NewHeaders returns the headers key: value of kv.
func NewHeaders(kv map[string]string) Headers {
	h := make(nats.Header, len(kv))
	for k, v := range kv {
		h.Set(k, v)
	}
	return Headers{h: h}
}

// WithOutgoingHeaders is WithOutgoingHeader for each header of h.
func WithOutgoingHeaders(ctx context.Context, h Headers) context.Context {
	prev, _ := ctx.Value(outgoingKey{}).(nats.Header)
	if len(prev) == 0 {
		return context.WithValue(ctx, outgoingKey{}, h.h) // never changed: shared
	}
	merged := make(nats.Header, len(prev)+len(h.h))
	for k, v := range prev {
		merged[k] = v
	}
	for k, v := range h.h {
		merged[k] = v
	}
	return context.WithValue(ctx, outgoingKey{}, merged)
}

// IncomingHeader returns the value of the request header key in a
// handler's context ("" when absent or outside a handler). Keys are
// case-sensitive, as NATS headers are.
func IncomingHeader(ctx context.Context, key string) string {
	h, _ := ctx.Value(incomingKey{}).(nats.Header)
	return h.Get(key)
}

// addOutgoing copies the outgoing headers of ctx into msg.
func addOutgoing(ctx context.Context, msg *nats.Msg) {
	h, _ := ctx.Value(outgoingKey{}).(nats.Header)
	for k, v := range h {
		// Shared with the context, clipped so that an Add to msg's copy
		// cannot write into it (WithOutgoingHeader never changes a map it
		// stored).
		msg.Header[k] = v[:len(v):len(v)]
	}
}

// withIncoming stores a request's headers in the handler's context.
func withIncoming(ctx context.Context, h nats.Header) context.Context {
	return context.WithValue(ctx, incomingKey{}, h)
}
