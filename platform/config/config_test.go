package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaults(t *testing.T) {
	c, err := LoadWithEnv("", env(map[string]string{"KUBEMEDIC_DATA_DIR": "/tmp/km"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Gateway.Addr != DefaultGatewayAddr || c.Admin.Addr != DefaultAdminAddr || c.Bot.Addr != DefaultBotAddr {
		t.Errorf("addresses: %+v %+v %+v", c.Gateway, c.Admin, c.Bot)
	}
	if c.NATS.URL != "" || c.NATS.RequestTimeout.Duration != 10*time.Second || c.Tracing.Exporter != "none" || c.Bot.Language != "ko" {
		t.Errorf("defaults: %+v", c)
	}
	if c.NATSStoreDir() != "/tmp/km/nats" || c.LocalGatewayDir() != "/tmp/km/gateway" {
		t.Errorf("dirs: %s %s", c.NATSStoreDir(), c.LocalGatewayDir())
	}
	if al := c.Knowledge.AskLog; !*al.Enabled || al.MaxAge.Duration != 720*time.Hour || al.MaxBytes != 256<<20 || al.MaxMsgs != 1_000_000 {
		t.Errorf("ask log defaults: %+v", al)
	}
	if c.Gateway.CompressMinBytes != 64<<10 {
		t.Errorf("gateway.compress_min_bytes default %d, want 65536", c.Gateway.CompressMinBytes)
	}
	if c.Runtime.GCPercent != 0 || c.Runtime.MemoryLimit != 0 {
		t.Errorf("runtime defaults: %+v", c.Runtime)
	}
}

func TestFileThenEnv(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "kubemedic.yaml")
	yaml := `
data_dir: /var/lib/kubemedic
kubeconfig: /etc/kube/config
nats:
  url: nats://nats:4222
  request_timeout: 3s
gateway:
  addr: 0.0.0.0:7070
  tokens:
    - name: ci
      env: CI_TOKEN
      kubernetes_user: ci-bot
    - name: portal
      hash: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
      scopes: [read]
      clusters: [prod]
      rate: 5
clusters:
  - name: prod
    provider: nks
    kubeconfig: /etc/kube/prod
knowledge:
  ask_log:
    max_age: 168h
    max_bytes: 1048576
`
	if err := os.WriteFile(f, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadWithEnv(f, env(map[string]string{
		"KUBEMEDIC_NATS_URL":         "nats://other:4222",
		"KUBEMEDIC_GATEWAY_ADDR":     "127.0.0.1:9999",
		"KUBEMEDIC_KB_DIRS":          "/a" + string(os.PathListSeparator) + "/b",
		"KUBEMEDIC_ASK_LOG_ENABLED":  "false",
		"KUBEMEDIC_ASK_LOG_MAX_MSGS": "5000",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.NATS.URL != "nats://other:4222" || c.Gateway.Addr != "127.0.0.1:9999" || c.DataDir != "/var/lib/kubemedic" {
		t.Errorf("env did not override file: %+v", c)
	}
	if c.NATS.RequestTimeout.Duration != 3*time.Second {
		t.Errorf("request_timeout = %v", c.NATS.RequestTimeout)
	}
	if len(c.Clusters) != 1 || c.Clusters[0].Provider != "nks" {
		t.Errorf("clusters from file: %+v (kubeconfig must not add a default cluster when clusters are listed)", c.Clusters)
	}
	if strings.Join(c.Knowledge.Dirs, ",") != "/a,/b" {
		t.Errorf("kb dirs = %v", c.Knowledge.Dirs)
	}
	if al := c.Knowledge.AskLog; *al.Enabled || al.MaxAge.Duration != 168*time.Hour || al.MaxBytes != 1<<20 || al.MaxMsgs != 5000 {
		t.Errorf("ask log from file and env: enabled %v, %+v", *al.Enabled, al)
	}
	// A token that predates scopes keeps what it could do (no admin), on
	// every cluster, at the gateway's default rate.
	ci, portal := c.Gateway.Tokens[0], c.Gateway.Tokens[1]
	if strings.Join(ci.Scopes, ",") != "read,ask,plan,approve" || strings.Join(ci.Clusters, ",") != "*" || ci.Rate != 50 || ci.Burst != 100 {
		t.Errorf("legacy token defaults: %+v", ci)
	}
	if strings.Join(portal.Scopes, ",") != "read" || strings.Join(portal.Clusters, ",") != "prod" || portal.Rate != 5 || portal.Burst != 100 {
		t.Errorf("hashed token: %+v", portal)
	}
	if g := c.Gateway; g.MaxRequestBytes != 4<<20 || g.CORS.MaxAge.Duration != 2*time.Hour {
		t.Errorf("gateway defaults: %+v", g)
	}
}

func TestKubeconfigMakesDefaultCluster(t *testing.T) {
	c, err := LoadWithEnv("", env(map[string]string{"KUBEMEDIC_DATA_DIR": "/x", "KUBEMEDIC_KUBECONFIG": "/k"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Clusters) != 1 || c.Clusters[0].Name != "default" || c.Clusters[0].Kubeconfig != "/k" {
		t.Errorf("clusters = %+v", c.Clusters)
	}
}

func TestFleet(t *testing.T) {
	f := filepath.Join(t.TempDir(), "kubemedic.yaml")
	yaml := `
clusters:
  - name: prod-a
    in_cluster: true
    labels: {env: prod, region: kr-central, team: payments}
  - name: prod-b
    secret: {namespace: kubemedic, name: prod-b}
fleet:
  concurrency: 8
  replicas: 3
  slack_channel: C123
  sweeps:
    - name: prod
      schedule: "*/15 * * * *"
      selector: env=prod,team!=data
      jitter: 30s
`
	if err := os.WriteFile(f, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadWithEnv(f, env(map[string]string{"KUBEMEDIC_DATA_DIR": "/x"}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Clusters[0].InCluster || c.Clusters[0].Labels["team"] != "payments" {
		t.Errorf("cluster prod-a = %+v", c.Clusters[0])
	}
	if s := c.Clusters[1].Secret; s == nil || s.Key != "kubeconfig" || s.Name != "prod-b" {
		t.Errorf("secret ref = %+v, want default key kubeconfig", s)
	}
	fl := c.Fleet
	if fl.Concurrency != 8 || fl.Replicas != 3 || fl.MaxDeliver != 3 || fl.ClusterTimeout.Duration != 2*time.Minute || fl.SlackChannel != "C123" {
		t.Errorf("fleet = %+v", fl)
	}
	if len(fl.Sweeps) != 1 || fl.Sweeps[0].Selector != "env=prod,team!=data" || fl.Sweeps[0].Jitter.Duration != 30*time.Second {
		t.Errorf("sweeps = %+v", fl.Sweeps)
	}
}

func TestInvalid(t *testing.T) {
	tests := []struct {
		name, yaml string
		env        map[string]string
		want       []string
	}{
		{name: "unknown field", yaml: "gatewya:\n  addr: x\n", want: []string{"gatewya"}},
		{name: "bad yaml", yaml: "gateway: [\n", want: []string{"parsing config"}},
		{name: "bad duration", env: map[string]string{"KUBEMEDIC_NATS_REQUEST_TIMEOUT": "soon"}, want: []string{"KUBEMEDIC_NATS_REQUEST_TIMEOUT", "soon"}},
		{name: "several errors at once", yaml: "log:\n  level: loud\ngateway:\n  addr: nocolon\ntracing:\n  exporter: otlp\n",
			want: []string{"log.level \"loud\"", "gateway.addr \"nocolon\"", "tracing.endpoint is required"}},
		{name: "cluster without kubeconfig", yaml: "clusters:\n  - name: a\n  - name: a\n    kubeconfig: k\n    provider: eks\n",
			want: []string{"kubeconfig is required", "used twice", "provider \"eks\""}},
		{name: "two credential sources", yaml: "clusters:\n  - name: a\n    kubeconfig: k\n    in_cluster: true\n  - name: b\n    secret: {name: s}\n",
			want: []string{"set only one of kubeconfig, in_cluster and secret", "secret needs namespace and name"}},
		{name: "bad sweeps", yaml: "fleet:\n  replicas: 2\n  sweeps:\n    - name: a.b\n    - name: x\n      schedule: '@hourly'\n    - name: x\n      schedule: '@hourly'\n      jitter: -1s\n",
			want: []string{"fleet.replicas 2", "\"a.b\": use letters", "(a.b): schedule is required", "\"x\" is used twice", "jitter -1s is negative"}},
		{name: "literal token refused", yaml: "gateway:\n  tokens:\n    - name: t\n      token: abc\n", want: []string{"token"}},
		{name: "ask log enabled not a bool", env: map[string]string{"KUBEMEDIC_ASK_LOG_ENABLED": "yes please"}, want: []string{"KUBEMEDIC_ASK_LOG_ENABLED", "true or false"}},
		{name: "ask log negative limit", yaml: "knowledge:\n  ask_log:\n    max_bytes: -1\n", want: []string{"knowledge.ask_log", "negative"}},
		{name: "token without source", yaml: "gateway:\n  tokens:\n    - name: t\n", want: []string{"set hash", "file or env"}},
		{name: "token hash and file", yaml: "gateway:\n  tokens:\n    - name: t\n      file: /f\n      hash: sha256:" + strings.Repeat("ab", 32) + "\n", want: []string{"not both"}},
		{name: "token hash malformed", yaml: "gateway:\n  tokens:\n    - name: t\n      hash: md5:abc\n", want: []string{"64 hex digits"}},
		{name: "token hash short", yaml: "gateway:\n  tokens:\n    - name: t\n      hash: sha256:abcd\n", want: []string{"64 hex digits"}},
		{name: "token unknown scope", yaml: "gateway:\n  tokens:\n    - name: t\n      env: T\n      scopes: [read, root]\n", want: []string{"unknown scope \"root\""}},
		{name: "token name twice", yaml: "gateway:\n  tokens:\n    - name: t\n      env: T\n    - name: t\n      env: U\n", want: []string{"\"t\" is used twice"}},
		{name: "token empty cluster", yaml: "gateway:\n  tokens:\n    - name: t\n      env: T\n      clusters: [\"\"]\n", want: []string{"empty cluster name"}},
		{name: "tls key without cert", yaml: "gateway:\n  tls:\n    key_file: /k\n", want: []string{"cert_file and key_file"}},
		{name: "negative compression threshold", yaml: "gateway:\n  compress_min_bytes: -1\n", want: []string{"gateway.compress_min_bytes -1"}},
		{name: "gc percent below -1", yaml: "runtime:\n  gc_percent: -5\n", want: []string{"runtime.gc_percent -5"}},
		{name: "gc off without memory limit", yaml: "runtime:\n  gc_percent: -1\n", want: []string{"runtime.memory_limit", "without bound"}},
		{name: "negative memory limit", yaml: "runtime:\n  memory_limit: -1\n", want: []string{"runtime.memory_limit -1"}},
		{name: "client CA without TLS", yaml: "gateway:\n  tls:\n    client_ca_file: /ca\n", want: []string{"client_ca_file needs"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.yaml != "" {
				path = filepath.Join(t.TempDir(), "c.yaml")
				if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			e := map[string]string{"KUBEMEDIC_DATA_DIR": "/x"}
			for k, v := range tt.env {
				e[k] = v
			}
			_, err := LoadWithEnv(path, env(e))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestReadSecret(t *testing.T) {
	f := filepath.Join(t.TempDir(), "s")
	if err := os.WriteFile(f, []byte("  s3cret  \nignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if v, err := ReadSecret(f, ""); err != nil || v != "s3cret" {
		t.Errorf("ReadSecret = %q, %v", v, err)
	}
	t.Setenv("KM_TEST_SECRET", "from-env")
	if v, _ := ReadSecret(f, "KM_TEST_SECRET"); v != "from-env" {
		t.Errorf("env should win: %q", v)
	}
	empty := filepath.Join(t.TempDir(), "e")
	_ = os.WriteFile(empty, nil, 0o600)
	if _, err := ReadSecret(empty, ""); err == nil {
		t.Error("empty secret file accepted")
	}
}

func TestBotSlackMaps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "k.yaml")
	good := "bot:\n  users:\n  - slack_user: U1\n    kubernetes_user: alice@example.com\n    kubernetes_groups: [sre]\n  channels:\n  - channel: C1\n    cluster: prod\n"
	if err := os.WriteFile(path, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadWithEnv(path, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Bot.Users) != 1 || c.Bot.Users[0].KubernetesGroups[0] != "sre" || c.Bot.Channels[0].Cluster != "prod" {
		t.Fatalf("bot maps = %+v %+v", c.Bot.Users, c.Bot.Channels)
	}
	bad := "bot:\n  users:\n  - slack_user: U1\n  - slack_user: U1\n    kubernetes_user: b\n  channels:\n  - cluster: prod\n"
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadWithEnv(path, func(string) (string, bool) { return "", false })
	for _, want := range []string{"bot.users[0] (U1): kubernetes_user is required", `bot.users[1].slack_user "U1" is mapped twice`, "bot.channels[0].channel is required"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not contain %q", err, want)
		}
	}
}
