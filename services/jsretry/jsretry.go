// Package jsretry retries JetStream calls that fail only because the
// JetStream cluster is not ready: creating or updating a stream, key-value
// bucket, object store or consumer when a service starts, and writes that
// must survive a NATS node failing over (a sweep job's result).
//
// The model: on a NATS cluster that has just formed or lost a node, the meta
// group may still be electing its leader ("JetStream system temporarily
// unavailable", "JetStream cluster can not handle request"), the peers may
// not all be online yet ("no suitable peers"), and a new replicated stream's
// raft group elects its own leader before the create call returns, which
// can take longer than one API timeout. Replicas started at the same time as
// their NATS servers (a Helm upgrade, a whole-cluster restart) meet exactly
// that. Do calls the setup function again, with backoff, while the error is
// one of those and ctx allows; any other error (a bad config, a stream that
// exists with other settings, permissions) returns at once.
package jsretry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Bounds of the retries.
const (
	// Attempt bounds one call when ctx has no earlier deadline: a raft
	// election takes up to about 9 s in nats-server.
	Attempt = 15 * time.Second
	// Budget bounds all attempts when ctx has no deadline.
	Budget = 2 * time.Minute
	// firstBackoff doubles after each failure up to maxBackoff.
	firstBackoff = 100 * time.Millisecond
	maxBackoff   = 2 * time.Second
)

// JetStream API error codes of a cluster that is not ready (nats-server's
// errors.json).
const (
	codeClusterNoPeers       jetstream.ErrorCode = 10005 // JSClusterNoPeersErrF
	codeClusterNotAvailable  jetstream.ErrorCode = 10008 // JSClusterNotAvailErr
	codeClusterNotLeader     jetstream.ErrorCode = 10009 // JSClusterNotLeaderErr
	codeInsufficientResource jetstream.ErrorCode = 10023 // JSInsufficientResourcesErr: peers not yet online
	codeStreamOffline        jetstream.ErrorCode = 10118 // JSStreamOfflineErr
)

// Do returns what f returns once f succeeds or fails for a reason other
// than a JetStream cluster that is not ready, or when ctx (default: Budget)
// ends; then the error names what (e.g. "stream KUBEMEDIC_SWEEP_JOBS"), the
// number of attempts and the last error. Each attempt gets at most Attempt.
func Do[T any](ctx context.Context, what string, f func(context.Context) (T, error)) (T, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, Budget)
		defer cancel()
	}
	backoff := firstBackoff
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, Attempt)
		v, err := f(actx)
		cancel()
		if err == nil || !Transient(err) {
			return v, err
		}
		if ctx.Err() != nil {
			return v, fmt.Errorf("%s: JetStream cluster not ready after %d attempts: %w", what, attempt, err)
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return v, fmt.Errorf("%s: JetStream cluster not ready after %d attempts: %w", what, attempt, err)
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// Transient reports whether err says the JetStream cluster is not ready
// yet: a timed-out API call, or one of the cluster-state API errors.
func Transient(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) {
		return true
	}
	var api *jetstream.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode {
		case codeClusterNoPeers, codeClusterNotAvailable, codeClusterNotLeader, codeInsufficientResource, codeStreamOffline:
			return true
		}
	}
	return false
}
