package gateway

import (
	"context"
	"github.com/kubemedic/kubemedic/platform/slackid"
	"net/http"

	"github.com/kubemedic/kubemedic/platform/natsrpc"
)

// HeaderSlackUser is the HTTP request header in which the trusted Slack bot
// names the Slack user (e.g. U0123ABCD) a request is made for. The gateway
// accepts it only from a trusted credential and ignores it from anyone else,
// as it does for a named requester (see actingIdentity).
const HeaderSlackUser = "Kubemedic-Slack-User"

// Sources the gateway reports in natsrpc.HeaderCallerSource.
const (
	sourceAPI   = "api"
	sourceSlack = "slack"
)

// The origin headers of the two sources, made once.
var (
	apiOrigin   = natsrpc.NewHeaders(map[string]string{natsrpc.HeaderCallerSource: sourceAPI})
	slackOrigin = natsrpc.NewHeaders(map[string]string{natsrpc.HeaderCallerSource: sourceSlack})
)

// withOrigin tells the services behind the bus where a request comes from,
// in the NATS headers natsrpc.HeaderCallerSource and natsrpc.HeaderSlackUser,
// derived only from the authenticated credential: a trusted credential is the
// Slack bot (config: "Trusted tokens (the Slack bot's)"), any other an API
// client. The Slack user id is passed only when the trusted bot sends one
// that looks like a Slack user id; what a caller sends is never copied
// through otherwise.
func withOrigin(ctx context.Context, h http.Header) context.Context {
	caller, ok := CallerFrom(ctx)
	if !ok || !caller.Trusted {
		return natsrpc.WithOutgoingHeaders(ctx, apiOrigin)
	}
	ctx = natsrpc.WithOutgoingHeaders(ctx, slackOrigin)
	if u := h.Get(HeaderSlackUser); slackid.Valid(u) {
		ctx = natsrpc.WithOutgoingHeader(ctx, natsrpc.HeaderSlackUser, u)
	}
	return ctx
}
