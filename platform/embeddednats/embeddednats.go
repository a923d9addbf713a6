// Package embeddednats runs a nats-server with JetStream inside the current
// process. The all-in-one `kubemedic serve` uses it so nothing external is
// needed; tests use it to get a real server on an ephemeral loopback port.
package embeddednats

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Options configures Start.
type Options struct {
	// Listen is the client address, host:port; port 0 picks a free port.
	// Default: 127.0.0.1:0.
	Listen string
	// StoreDir is the JetStream file store directory. Required.
	StoreDir string
	// ServerName names the server in monitoring. Default: kubemedic.
	ServerName string
	// Logs enables nats-server's own logging to stderr (noisy; for debugging).
	Logs bool
}

// Server is a running embedded nats-server.
type Server struct {
	*server.Server
	opts *server.Options
}

// Start starts the server and waits until it accepts clients.
func Start(o Options) (*Server, error) {
	if o.StoreDir == "" {
		return nil, errors.New("embeddednats: StoreDir is required")
	}
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	if o.ServerName == "" {
		o.ServerName = "kubemedic"
	}
	host, portStr, err := net.SplitHostPort(o.Listen)
	if err != nil {
		return nil, fmt.Errorf("embeddednats: listen address %q: %w", o.Listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("embeddednats: listen port %q: %w", portStr, err)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	opts := &server.Options{
		ServerName: o.ServerName,
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   o.StoreDir,
		NoSigs:     true,
		NoLog:      !o.Logs,
	}
	return startWith(opts, o.Logs)
}

func startWith(opts *server.Options, logs bool) (*Server, error) {
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embeddednats: %w", err)
	}
	if logs {
		ns.ConfigureLogger()
	}
	go ns.Start()
	if !ns.ReadyForConnections(15 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("embeddednats: server on %s:%d not ready within 15s", opts.Host, opts.Port)
	}
	if a, ok := ns.Addr().(*net.TCPAddr); ok {
		opts.Port = a.Port // so Restart comes back on the same port
	}
	return &Server{Server: ns, opts: opts}, nil
}

// URL is the client URL, e.g. nats://127.0.0.1:41234.
func (s *Server) URL() string { return s.ClientURL() }

// Stop shuts the server down and waits for it to finish.
func (s *Server) Stop() {
	s.Shutdown()
	s.WaitForShutdown()
}

// Restart starts a fresh server on the same address and store, for example
// after Stop, so clients can reconnect to it. It is meant for tests that
// prove reconnection.
func (s *Server) Restart() (*Server, error) {
	opts := *s.opts
	return startWith(&opts, false)
}
