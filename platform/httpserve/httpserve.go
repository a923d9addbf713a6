// Package httpserve runs an *http.Server until its context ends and then
// shuts it down gracefully. It is the one copy of that loop every kubemedic
// HTTP endpoint uses: the gateway, the Slack bot and the admin endpoint.
package httpserve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Serve serves srv on l until ctx ends, then shuts down: requests in flight
// get grace to finish, after which the remaining connections are closed.
// It returns nil after a clean shutdown and the error otherwise, also when
// serving failed before ctx ended.
func Serve(ctx context.Context, l net.Listener, srv *http.Server, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving HTTP on %s: %w", l.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("shutting down HTTP on %s: %w", l.Addr(), err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving HTTP on %s: %w", l.Addr(), err)
	}
	return nil
}
