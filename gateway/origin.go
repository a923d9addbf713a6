package gateway

import (
	"context"
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
		return natsrpc.WithOutgoingHeader(ctx, natsrpc.HeaderCallerSource, sourceAPI)
	}
	ctx = natsrpc.WithOutgoingHeader(ctx, natsrpc.HeaderCallerSource, sourceSlack)
	if u := h.Get(HeaderSlackUser); slackUserID(u) {
		ctx = natsrpc.WithOutgoingHeader(ctx, natsrpc.HeaderSlackUser, u)
	}
	return ctx
}

// slackUserID accepts Slack user ids (U0123ABCD, W0123ABCD): upper-case
// letters and digits, at most 32.
func slackUserID(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}
