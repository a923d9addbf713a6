package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/services/allinone"
)

// deadKubeconfig points at a port nothing listens on: the cluster is
// unreachable at once ("connection refused").
const deadKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:1"}
contexts:
- name: c
  context: {cluster: c, user: u}
current-context: c
users:
- name: u
  user: {token: abc}
`

// sweepServer runs `kubemedic serve` in-process with two unreachable
// clusters, prod-a (env=prod) and dev-a (env=dev).
func sweepServer(t *testing.T) *allinone.Server {
	t.Helper()
	dir := t.TempDir()
	kc := filepath.Join(dir, "dead.kubeconfig")
	if err := os.WriteFile(kc, []byte(deadKubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgFile := filepath.Join(dir, "kubemedic.yaml")
	yaml := "clusters:\n" +
		"  - {name: prod-a, kubeconfig: " + kc + ", labels: {env: prod}}\n" +
		"  - {name: dev-a, kubeconfig: " + kc + ", labels: {env: dev}}\n" +
		"fleet:\n  cluster_timeout: 10s\n"
	if err := os.WriteFile(cfgFile, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return serveForTest(t, cfgFile, filepath.Join(dir, "data"))
}

// serveForTest runs `kubemedic serve` in-process with cfgFile and dataDir,
// on ephemeral loopback ports, until the test ends.
func serveForTest(t *testing.T, cfgFile, dataDir string) *allinone.Server {
	t.Helper()
	env := map[string]string{
		"KUBEMEDIC_DATA_DIR":     dataDir,
		"KUBEMEDIC_GATEWAY_ADDR": "127.0.0.1:0",
		"KUBEMEDIC_ADMIN_ADDR":   "off",
		"KUBEMEDIC_NATS_LISTEN":  "127.0.0.1:0",
		"KUBEMEDIC_LOG_LEVEL":    "error",
	}
	cfg, err := config.LoadWithEnv(cfgFile, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := allinone.New(ctx, cfg, io.Discard)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("server did not stop")
		}
	})
	return s
}

func TestSweepCommands(t *testing.T) {
	s := sweepServer(t)
	remote := []string{"--server", "http://" + s.GatewayAddr, "--token", s.Token}

	// A JSON sweep of the prod clusters through the gateway.
	out, stderr, err := run(t, newSweepCommand, "", append([]string{"--selector", "env=prod", "--json"}, remote...)...)
	if err == nil || !strings.Contains(err.Error(), "no cluster could be swept") {
		t.Fatalf("sweep of only unreachable clusters: err %v, want the FAILED state reported", err)
	}
	if strings.Contains(stderr, "sweeping") {
		t.Errorf("progress bar drawn although stderr is not a terminal: %q", stderr)
	}
	var sw struct {
		ID       string `json:"id"`
		State    string `json:"state"`
		Selector string `json:"selector"`
		Clusters []struct {
			Cluster string `json:"cluster"`
			Done    bool   `json:"done"`
			Error   string `json:"error"`
		} `json:"clusters"`
		UnreachableClusters int `json:"unreachable_clusters"`
	}
	if err := json.Unmarshal([]byte(out), &sw); err != nil {
		t.Fatalf("sweep --json is not JSON: %v\n%s", err, out)
	}
	if sw.State != "SWEEP_STATE_FAILED" || sw.Selector != "env=prod" || len(sw.Clusters) != 1 || sw.UnreachableClusters != 1 {
		t.Fatalf("sweep = %+v", sw)
	}
	if c := sw.Clusters[0]; c.Cluster != "prod-a" || !c.Done || !strings.Contains(c.Error, "127.0.0.1:1") {
		t.Errorf("cluster result = %+v, want prod-a unreachable naming the server", c)
	}

	// The same sweep as a table.
	out, _, err = run(t, newSweepShowCommand, "", append([]string{sw.ID}, remote...)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"점검 (sweep) " + sw.ID, "failed", "selector env=prod", "prod-a", "unreachable", "새 문제 (new): 0"} {
		if !strings.Contains(out, want) {
			t.Errorf("sweep show output lacks %q:\n%s", want, out)
		}
	}

	// Every cluster; then the list, newest first.
	if _, _, err := run(t, newSweepCommand, "", remote...); err == nil {
		t.Error("sweep of only unreachable clusters must fail")
	}
	out, _, err = run(t, newSweepsCommand, "", remote...)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[2], sw.ID) || !strings.Contains(lines[2], "env=prod") {
		t.Errorf("sweeps table (header, newest, oldest):\n%s", out)
	}
	out, _, err = run(t, newSweepsCommand, "", append([]string{"--json"}, remote...)...)
	if err != nil || !strings.Contains(out, `"sweeps"`) {
		t.Errorf("sweeps --json: %v\n%s", err, out)
	}

	// Bad input gets a specific message and sends nothing.
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "bad selector", args: []string{"--selector", "env in prod"}, want: "레이블 셀렉터"},
		{name: "no match", args: []string{"--selector", "env=staging"}, want: "점검할 클러스터가 없습니다"},
		{name: "bad severity", args: []string{"--min-severity", "loud"}, want: "--min-severity"},
	}
	for _, tt := range tests {
		_, _, err := run(t, newSweepCommand, "", append(tt.args, remote...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	if _, _, err := run(t, newSweepShowCommand, "", append([]string{"20200101T000000000Z-000000"}, remote...)...); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("show unknown: %v", err)
	}
	if _, _, err := run(t, newSweepsCommand, "", append([]string{"--limit", "0"}, remote...)...); err == nil || !strings.Contains(err.Error(), "--limit") {
		t.Errorf("bad limit: %v", err)
	}
}
