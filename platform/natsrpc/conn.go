package natsrpc

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// Conn is a NATS connection that tells callers when it drops, so waiting
// requests fail fast instead of running into their timeout.
type Conn struct {
	*nats.Conn

	mu sync.Mutex
	// up is cancelled while disconnected; replaced on reconnect.
	up       context.Context
	cancelUp context.CancelFunc
}

// ConnectOptions configures Connect.
type ConnectOptions struct {
	// Name identifies the client to the server (shown in monitoring).
	Name string
	// CredentialsFile is an optional NATS credentials file.
	CredentialsFile string
	// Logger receives connection state changes. Required.
	Logger *slog.Logger
	// ReconnectWait is the pause between reconnect attempts. Default 250ms.
	ReconnectWait time.Duration
}

// Connect dials url and keeps reconnecting forever. It does not buffer
// publishes while disconnected: they fail immediately, and callers see
// CodeUnavailable. The first connection may also be retried in the
// background, so a service can start before NATS does.
func Connect(url string, o ConnectOptions) (*Conn, error) {
	if o.Logger == nil {
		return nil, fmt.Errorf("natsrpc: ConnectOptions.Logger is required")
	}
	if o.ReconnectWait == 0 {
		o.ReconnectWait = 250 * time.Millisecond
	}
	c := &Conn{}
	c.up, c.cancelUp = context.WithCancel(context.Background())
	c.cancelUp() // not connected yet
	log := o.Logger.With("nats_url", url)
	opts := []nats.Option{
		nats.Name(o.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(o.ReconnectWait),
		nats.ReconnectJitter(100*time.Millisecond, time.Second),
		nats.ReconnectBufSize(-1),
		nats.RetryOnFailedConnect(true),
		nats.PingInterval(5 * time.Second),
		nats.MaxPingsOutstanding(2),
		nats.ConnectHandler(func(*nats.Conn) {
			c.setUp()
			log.Info("nats connected")
		}),
		nats.ReconnectHandler(func(*nats.Conn) {
			c.setUp()
			log.Info("nats reconnected")
		}),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			c.setDown()
			log.Warn("nats disconnected", "error", err)
		}),
		nats.ClosedHandler(func(*nats.Conn) {
			c.setDown()
		}),
	}
	if o.CredentialsFile != "" {
		opts = append(opts, nats.UserCredentials(o.CredentialsFile))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("connecting to NATS at %s: %w", url, err)
	}
	c.Conn = nc
	if nc.IsConnected() {
		c.setUp()
	}
	return c, nil
}

func (c *Conn) setUp() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.up.Err() != nil {
		c.up, c.cancelUp = context.WithCancel(context.Background())
	}
}

func (c *Conn) setDown() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cancelUp()
}

// Down returns a channel that is closed while the connection is down. Take it
// before sending a request; if it closes before the reply, the connection
// dropped in between.
func (c *Conn) Down() <-chan struct{} { return c.downContext().Done() }

// downContext is Down as a context (done when the connection drops), for
// context.AfterFunc.
func (c *Conn) downContext() context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.up
}
