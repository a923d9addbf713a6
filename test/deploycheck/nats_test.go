package deploycheck

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// natsOptions loads a nats.conf with nats-server's own option parser.
func natsOptions(t *testing.T, file string) *server.Options {
	t.Helper()
	opts, err := server.ProcessConfigFile(file)
	if err != nil {
		t.Fatalf("nats-server rejects %s: %v", file, err)
	}
	return opts
}

// natsCommandOptions runs nats-server's own command-line handling on args
// (flags merged over the config file, as the server's main does), with the
// -c file replaced by conf. It catches settings given both ways, which the
// server refuses at start.
func natsCommandOptions(args []string, conf string) (*server.Options, error) {
	args = slices.Clone(args)
	for i := range args {
		if (args[i] == "-c" || args[i] == "--config") && i+1 < len(args) {
			args[i+1] = conf
		}
	}
	fs := flag.NewFlagSet("nats-server", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	noop := func() {}
	return server.ConfigureOptions(fs, args, noop, noop, noop)
}

func TestNATSConfig(t *testing.T) {
	root := repoRoot(t)
	file := filepath.Join(root, "deploy", "nats", "nats.conf")
	opts := natsOptions(t, file)
	checks := []struct {
		what      string
		got, want any
	}{
		{"jetstream enabled", opts.JetStream, true},
		{"jetstream store_dir (given by -sd on the command line instead)", opts.StoreDir, ""},
		{"client listen host (reachable from other containers)", opts.Host, "0.0.0.0"},
		{"client port (KUBEMEDIC_NATS_URL)", opts.Port, 4222},
		{"monitoring host", opts.HTTPHost, "0.0.0.0"},
		{"monitoring port (health checks)", opts.HTTPPort, 8222},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("nats.conf %s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if opts.ServerName == "" {
		t.Errorf("nats.conf has no server_name (JetStream wants a stable one)")
	}

	// The chart ships a copy (a chart cannot read files outside itself).
	chartCopy := filepath.Join(root, "deploy", "helm", "kubemedic", "files", "nats.conf")
	a, errA := os.ReadFile(file)
	b, errB := os.ReadFile(chartCopy)
	if errA != nil || errB != nil {
		t.Fatalf("reading nats.conf copies: %v, %v", errA, errB)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("%s differs from %s; copy it over", chartCopy, file)
	}

	// A server started the way compose and the chart start it (on loopback,
	// with a temporary store) must report JetStream healthy on the endpoint
	// the health checks use.
	opts, err := natsCommandOptions([]string{"-c", file, "-js", "-sd", t.TempDir(), "-a", "127.0.0.1", "-p", "-1", "-m", "-1"}, file)
	if err != nil {
		t.Fatalf("nats-server refuses its command line: %v", err)
	}
	opts.HTTPHost = "127.0.0.1"
	opts.NoSigs, opts.NoLog = true, true
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatalf("nats-server refuses the options from %s: %v", file, err)
	}
	go s.Start()
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server from nats.conf did not become ready within 10s")
	}
	if !s.JetStreamEnabled() {
		t.Fatal("JetStream is not enabled on a server started from nats.conf")
	}
	url := fmt.Sprintf("http://%s/healthz?js-enabled-only=true", s.MonitorAddr())
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
}
