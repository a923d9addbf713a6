// Package natstest starts real nats-servers with JetStream for fleet tests:
// one server, or a cluster of several with routes between them, all on
// 127.0.0.1 ephemeral ports with temporary store directories.
package natstest

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Single starts one server and returns a JetStream context on a connection
// closed when the test ends.
func Single(t testing.TB) (*server.Server, *nats.Conn, jetstream.JetStream) {
	t.Helper()
	s := Start(t, &server.Options{ServerName: "single"})
	nc, js := Connect(t, s.ClientURL())
	return s, nc, js
}

// Start starts one server with o (users and permissions, say) on
// 127.0.0.1, an ephemeral port, JetStream in a temporary directory and no
// logging, and shuts it down when the test ends.
func Start(t testing.TB, o *server.Options) *server.Server {
	t.Helper()
	o.Host, o.Port, o.JetStream, o.StoreDir, o.NoSigs, o.NoLog = "127.0.0.1", server.RANDOM_PORT, true, t.TempDir(), true, true
	return start(t, o)
}

// Connect opens a connection (retrying reconnects forever) and a JetStream
// context, both closed when the test ends.
func Connect(t testing.TB, urls ...string) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(strings.Join(urls, ","), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js
}

func start(t testing.TB, o *server.Options) *server.Server {
	t.Helper()
	s, err := server.NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(15 * time.Second) {
		s.Shutdown()
		t.Fatalf("nats-server %s not ready", o.ServerName)
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return s
}

// Cluster is a NATS cluster of n servers with JetStream.
type Cluster struct {
	Servers []*server.Server
}

// StartCluster starts n servers routed to each other as cluster "kubemedic"
// and waits until JetStream has a meta leader.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	// The route ports are reserved by binding and releasing them, since
	// every server must name all routes before it starts; a parallel test
	// may take one in between, and that server then never becomes ready.
	// Start again on fresh ports when that happens.
	var c *Cluster
	for attempt := 1; ; attempt++ {
		var err error
		if c, err = startServers(t, n); err == nil {
			break
		}
		if attempt == 3 {
			t.Fatal(err)
		}
		t.Logf("natstest: %v; starting the cluster again on other ports", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ready := 0
		for _, s := range c.Servers {
			if s.JetStreamIsLeader() || s.JetStreamIsCurrent() {
				ready++
			}
		}
		if ready == n && c.hasLeader() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("NATS cluster: no JetStream meta leader within 30s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The meta leader may not yet count every peer as online: place a
	// replicated stream until it succeeds.
	nc, js := Connect(t, c.URLs()...)
	defer nc.Close()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "natstest-probe", Replicas: n, Storage: jetstream.MemoryStorage})
		if err == nil {
			err = js.DeleteStream(ctx, "natstest-probe")
		}
		cancel()
		if err == nil {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("NATS cluster: cannot place a stream on %d servers: %v", n, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startServers starts n routed servers on freshly reserved route ports and
// waits until each takes connections; on failure it stops them all.
func startServers(t testing.TB, n int) (*Cluster, error) {
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ports[i] = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	var routes []string
	for _, p := range ports {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", p))
	}
	c := &Cluster{}
	stop := func() {
		for _, s := range c.Servers {
			s.Shutdown()
			s.WaitForShutdown()
		}
	}
	for i := range n {
		o := &server.Options{
			ServerName: fmt.Sprintf("nats-%d", i),
			Host:       "127.0.0.1",
			Port:       server.RANDOM_PORT,
			JetStream:  true,
			StoreDir:   t.TempDir(),
			NoSigs:     true,
			NoLog:      true,
			Cluster: server.ClusterOpts{
				Name: "kubemedic",
				Host: "127.0.0.1",
				Port: ports[i],
			},
			Routes: server.RoutesFromStr(strings.Join(routes, ",")),
		}
		s, err := server.NewServer(o)
		if err != nil {
			stop()
			return nil, err
		}
		go s.Start()
		c.Servers = append(c.Servers, s)
	}
	for _, s := range c.Servers {
		if !s.ReadyForConnections(15 * time.Second) {
			stop()
			return nil, fmt.Errorf("nats-server %s not ready within 15s", s.Name())
		}
	}
	t.Cleanup(stop)
	return c, nil
}

func (c *Cluster) hasLeader() bool {
	for _, s := range c.Servers {
		if s.Running() && s.JetStreamIsLeader() {
			return true
		}
	}
	return false
}

// URLs are the client URLs of every server.
func (c *Cluster) URLs() []string {
	var out []string
	for _, s := range c.Servers {
		out = append(out, s.ClientURL())
	}
	return out
}
