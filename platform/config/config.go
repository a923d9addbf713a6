// Package config holds kubemedic's configuration: one YAML file, then
// KUBEMEDIC_* environment variables on top, then defaults for whatever is
// still unset. Every binary (the all-in-one kubemedic and each service) reads
// the same file and uses the sections it needs.
//
// Secrets (Slack signing secret, bot token, API tokens) are never written in
// the file itself: the file names a file that holds them, or the environment
// carries them, so a Config is always safe to log.
package config

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// Config is the whole configuration.
type Config struct {
	// DataDir holds the embedded NATS store, the local gateway address and
	// token files. Default: <user cache dir>/kubemedic.
	DataDir string `json:"data_dir,omitempty"`
	// Kubeconfig is the kubeconfig of the default cluster. Default: none
	// (services that need a cluster report it instead of failing).
	Kubeconfig string `json:"kubeconfig,omitempty"`
	// Clusters lists the clusters kubemedic watches. When empty and
	// Kubeconfig is set, one cluster named "default" is used.
	Clusters []Cluster `json:"clusters,omitempty"`
	Log      Log       `json:"log,omitempty"`
	NATS     NATS      `json:"nats,omitempty"`
	Gateway  Gateway   `json:"gateway,omitempty"`
	Admin    Admin     `json:"admin,omitempty"`
	Bot      Bot       `json:"bot,omitempty"`
	Tracing  Tracing   `json:"tracing,omitempty"`
	// Knowledge configures the knowledge base.
	Knowledge Knowledge `json:"knowledge,omitempty"`
	// Remediation configures guarded remediation: who may plan and approve
	// which actions, what is protected and the blast-radius limits.
	Remediation Remediation `json:"remediation,omitempty"`
	// Fleet configures fleet-wide sweeps.
	Fleet Fleet `json:"fleet,omitempty"`
	// Runtime tunes the Go runtime of every kubemedic process.
	Runtime Runtime `json:"runtime,omitempty"`
}

// Runtime tunes the Go garbage collector. The standard GOGC and GOMEMLIMIT
// environment variables, when set, win over these keys.
type Runtime struct {
	// GCPercent is GOGC: a collection starts when the heap has grown by
	// this percentage over what the last one left live, so the heap peaks
	// near (1 + GCPercent/100) times the live heap; -1 turns the
	// collector off until MemoryLimit is reached (needs MemoryLimit).
	// Default: 0, Go's own 100. A process whose live heap is small and
	// whose work allocates a lot, like a gateway-only process, spends less
	// CPU on collection at 400 (make bench-gateway: about 16% less CPU per
	// Ask through the all-in-one server); the analyzer and collector keep
	// every watched object in their informer caches, so there a higher
	// value multiplies a large live heap. Raise it per process, with
	// MemoryLimit, where memory allows.
	GCPercent int `json:"gc_percent,omitempty"`
	// MemoryLimit is GOMEMLIMIT in bytes: a soft limit on the memory the
	// Go runtime uses; near it the collector runs as often as needed,
	// whatever GCPercent says. Set it a little below a container's memory
	// limit. Default: 0, no limit.
	MemoryLimit int64 `json:"memory_limit,omitempty"`
}

// clusterName is what a cluster name may look like: a DNS label.
var clusterName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// Cluster is one watched cluster.
type Cluster struct {
	// Name is the kubemedic cluster name. Required, unique.
	Name string `json:"name"`
	// Provider is generic, tke, aks or nks. Default: generic.
	Provider string `json:"provider,omitempty"`
	// Kubeconfig is the kubeconfig file for the cluster. Exactly one of
	// Kubeconfig, InCluster and Secret is required.
	Kubeconfig string `json:"kubeconfig,omitempty"`
	// InCluster uses the service account kubemedic runs as (the cluster it
	// is deployed in).
	InCluster bool `json:"in_cluster,omitempty"`
	// Secret reads the kubeconfig from a Kubernetes Secret in the cluster
	// kubemedic runs in (its service account must be allowed to get it).
	Secret *SecretRef `json:"secret,omitempty"`
	// Context selects a kubeconfig context; empty means the current one.
	Context string `json:"context,omitempty"`
	// Labels are free-form labels used by sweep selectors; the conventional
	// keys are env, region and team. The provider label is set from
	// Provider unless given.
	Labels map[string]string `json:"labels,omitempty"`
}

// SecretRef names one key of a Kubernetes Secret.
type SecretRef struct {
	// Namespace of the Secret. Required.
	Namespace string `json:"namespace"`
	// Name of the Secret. Required.
	Name string `json:"name"`
	// Key holding the kubeconfig. Default: kubeconfig.
	Key string `json:"key,omitempty"`
}

// Fleet configures fleet-wide sweeps.
type Fleet struct {
	// Sweeps are the scheduled sweeps.
	Sweeps []Sweep `json:"sweeps,omitempty"`
	// Concurrency is how many clusters one replica sweeps at once.
	// Default: 4.
	Concurrency int `json:"concurrency,omitempty"`
	// ClusterTimeout bounds the diagnosis of one cluster; a cluster that
	// takes longer is reported unreachable. Default: 2m.
	ClusterTimeout Duration `json:"cluster_timeout,omitempty"`
	// MaxDeliver bounds how often one cluster job is attempted when replicas
	// die while holding it. Default: 3.
	MaxDeliver int `json:"max_deliver,omitempty"`
	// Replicas is the JetStream replica count of kubemedic's streams and
	// buckets (sweeps, cluster registry, schedules, findings, leases,
	// remediation plans, executions, locks and audit, the ask log): 1 on a
	// single server, 3 on a NATS cluster. Default: 1.
	Replicas int `json:"replicas,omitempty"`
	// SlackChannel receives a summary of each finished sweep (details in its
	// thread). Empty: sweeps are not posted.
	SlackChannel string `json:"slack_channel,omitempty"`
}

// Sweep is one scheduled sweep.
type Sweep struct {
	// Name identifies the schedule. Required, unique, letters, digits, - and _.
	Name string `json:"name"`
	// Schedule is a cron expression (5 fields, or @every 15m, @hourly).
	// Required.
	Schedule string `json:"schedule"`
	// Selector is a label selector such as "env=prod,team!=data"; empty
	// selects every cluster.
	Selector string `json:"selector,omitempty"`
	// Jitter delays each run by a random duration up to this, so many
	// schedules do not hit the clusters at the same second. Default: 0.
	Jitter Duration `json:"jitter,omitempty"`
}

// Log configures structured logging.
type Log struct {
	// Level is debug, info, warn or error. Default: info.
	Level string `json:"level,omitempty"`
	// Format is text or json. Default: text.
	Format string `json:"format,omitempty"`
}

// NATS configures the message bus.
type NATS struct {
	// URL of an external NATS server. Empty means: start an embedded
	// nats-server (only the all-in-one kubemedic serve does that; a single
	// service binary requires a URL).
	URL string `json:"url,omitempty"`
	// Listen is the embedded server's client address. Default:
	// 127.0.0.1:0 (a free port; it is written to <data_dir>/nats.url).
	Listen string `json:"listen,omitempty"`
	// RequestTimeout bounds one internal request. Default: 10s.
	RequestTimeout Duration `json:"request_timeout,omitempty"`
	// CredentialsFile is a NATS credentials file for an external server.
	CredentialsFile string `json:"credentials_file,omitempty"`
}

// Gateway configures the public Connect/gRPC API.
type Gateway struct {
	// Addr is the listen address. Default: 127.0.0.1:7070.
	Addr string `json:"addr,omitempty"`
	// Tokens are the API bearer tokens the gateway accepts. The all-in-one
	// server also creates a local token with every scope in
	// <data_dir>/gateway/token.
	Tokens []Token `json:"tokens,omitempty"`
	// Rate is the default request rate per token, in requests per second,
	// for tokens that set none. Default: 50. Negative: unlimited.
	Rate float64 `json:"rate,omitempty"`
	// Burst is the default burst per token (requests allowed at once above
	// Rate). Default: 100.
	Burst int `json:"burst,omitempty"`
	// MaxRequestBytes bounds one request message. Default: 4194304 (4 MiB).
	MaxRequestBytes int64 `json:"max_request_bytes,omitempty"`
	// CompressMinBytes is the smallest response the gateway compresses for
	// callers that accept gzip; 1 compresses everything. Default: 65536
	// (64 KiB): gzip of a few-KiB answer costs more CPU than the call
	// behind it (make bench-gateway).
	CompressMinBytes int `json:"compress_min_bytes,omitempty"`
	// TLS serves HTTPS (and optionally requires client certificates)
	// instead of plain HTTP/2 (h2c). Default: off.
	TLS TLS `json:"tls,omitempty"`
	// CORS lets browser gRPC-Web and Connect clients of other origins call
	// the gateway. Default: off (same-origin only).
	CORS CORS `json:"cors,omitempty"`
}

// TLS configures the gateway's HTTPS listener.
type TLS struct {
	// CertFile and KeyFile are the server certificate and key (PEM). Both
	// or neither. Default: none (plain h2c).
	CertFile string `json:"cert_file,omitempty"`
	KeyFile  string `json:"key_file,omitempty"`
	// ClientCAFile, when set, requires every caller to present a client
	// certificate signed by one of these CAs (mTLS), on top of its bearer
	// token. Needs CertFile. Default: none.
	ClientCAFile string `json:"client_ca_file,omitempty"`
}

// CORS configures cross-origin browser access to the gateway.
type CORS struct {
	// AllowedOrigins are the origins allowed, e.g. https://portal.example;
	// "*" allows any. Default: none (CORS off).
	AllowedOrigins []string `json:"allowed_origins,omitempty"`
	// MaxAge is how long browsers cache a preflight answer. Default: 2h.
	MaxAge Duration `json:"max_age,omitempty"`
}

// Scopes an API token may hold; each RPC requires one (see the gateway's
// scope table).
var Scopes = []string{"read", "ask", "plan", "approve", "admin"}

// DefaultScopes are the scopes of a token that lists none: everything a
// token could do before scopes existed. admin is never implied.
var DefaultScopes = []string{"read", "ask", "plan", "approve"}

// Token is one API bearer token and who it stands for.
type Token struct {
	// Name identifies the token in logs and audit records. Required.
	Name string `json:"name"`
	// Hash is the token's hash, "sha256:<64 hex digits>", as printed by
	// `kubemedic token new` or `kubemedic token hash`: the gateway then
	// holds no token value at all. Required unless File or Env is set.
	Hash string `json:"hash,omitempty"`
	// File holds the secret token value (first line); the gateway hashes it
	// when it starts. Older form of Hash, still accepted.
	File string `json:"file,omitempty"`
	// Env names an environment variable holding the token value (same as
	// File).
	Env string `json:"env,omitempty"`
	// Scopes the token holds: read, ask, plan, approve, admin. Default:
	// read, ask, plan, approve (DefaultScopes).
	Scopes []string `json:"scopes,omitempty"`
	// Clusters the token may read and act on; "*" means every cluster.
	// Default: ["*"].
	Clusters []string `json:"clusters,omitempty"`
	// Rate is the token's request rate in requests per second. Default:
	// gateway.rate. Negative: unlimited.
	Rate float64 `json:"rate,omitempty"`
	// Burst is the token's burst. Default: gateway.burst.
	Burst int `json:"burst,omitempty"`
	// KubernetesUser and KubernetesGroups are the identity writes made with
	// this token impersonate.
	KubernetesUser   string   `json:"kubernetes_user,omitempty"`
	KubernetesGroups []string `json:"kubernetes_groups,omitempty"`
	// Trusted tokens (the Slack bot's) may act on behalf of the person named
	// in a request; other tokens always act as themselves.
	Trusted bool `json:"trusted,omitempty"`
}

// Admin configures the liveness/readiness/metrics HTTP endpoint.
type Admin struct {
	// Addr is the listen address. Default: 127.0.0.1:7071. "off" disables it.
	Addr string `json:"addr,omitempty"`
}

// Bot configures the Slack app.
type Bot struct {
	// Addr is where Slack's HTTP requests arrive. Default: 127.0.0.1:7072.
	Addr string `json:"addr,omitempty"`
	// SigningSecretFile holds the Slack signing secret. Env:
	// KUBEMEDIC_SLACK_SIGNING_SECRET. Without it the bot's HTTP endpoint
	// refuses every request.
	SigningSecretFile string `json:"signing_secret_file,omitempty"`
	// BotTokenFile holds the Slack bot token (xoxb-...). Env:
	// KUBEMEDIC_SLACK_BOT_TOKEN.
	BotTokenFile string `json:"bot_token_file,omitempty"`
	// GatewayURL is the gateway the bot calls. Default: http://<gateway.addr>.
	GatewayURL string `json:"gateway_url,omitempty"`
	// GatewayTokenFile holds the bot's gateway token. Env:
	// KUBEMEDIC_GATEWAY_TOKEN. The all-in-one server wires it itself.
	GatewayTokenFile string `json:"gateway_token_file,omitempty"`
	// Language is the default reply language: ko or en. Default: ko.
	Language string `json:"language,omitempty"`
	// SlackAPIURL is the Slack Web API base URL. Env:
	// KUBEMEDIC_SLACK_API_URL. Default: Slack's own (a local stand-in in
	// tests).
	SlackAPIURL string `json:"slack_api_url,omitempty"`
	// SocketMode connects to Slack over Socket Mode (a websocket the bot
	// opens) instead of waiting for HTTP requests, for workspaces that
	// cannot reach the bot. Needs the app-level token. Default: false.
	SocketMode bool `json:"socket_mode,omitempty"`
	// AppTokenFile holds the Slack app-level token (xapp-...) Socket Mode
	// connects with. Env: KUBEMEDIC_SLACK_APP_TOKEN.
	AppTokenFile string `json:"app_token_file,omitempty"`
	// Users maps Slack users to the Kubernetes identity kubemedic
	// impersonates for them. Unmapped users can ask and diagnose but not
	// plan or approve changes. Default: none.
	Users []SlackUser `json:"users,omitempty"`
	// Channels sets the default cluster of Slack channels (used when a
	// command names none). Default: none.
	Channels []SlackChannel `json:"channels,omitempty"`
}

// SlackUser maps one Slack user to a Kubernetes identity, by Slack user
// ID or by the e-mail address Slack has for the user.
type SlackUser struct {
	// SlackUser is the Slack user ID, e.g. U024BE7LH. Required unless
	// Email is set; unique.
	SlackUser string `json:"slack_user,omitempty"`
	// Email is the user's e-mail address in Slack (the bot looks it up
	// with users.info; needs the users:read.email scope). Required unless
	// SlackUser is set.
	Email string `json:"email,omitempty"`
	// KubernetesUser is the user name to impersonate. Required.
	KubernetesUser string `json:"kubernetes_user"`
	// KubernetesGroups are the groups to impersonate. Default: none.
	KubernetesGroups []string `json:"kubernetes_groups,omitempty"`
}

// SlackChannel sets a Slack channel's default cluster.
type SlackChannel struct {
	// Channel is the Slack channel ID, e.g. C2147483705. Required, unique.
	Channel string `json:"channel"`
	// Cluster is the kubemedic cluster name. Required.
	Cluster string `json:"cluster"`
	// Notify posts the cluster's new and resolved findings in this channel
	// (at most one channel per cluster). Default: false.
	Notify bool `json:"notify,omitempty"`
}

// Tracing configures OpenTelemetry tracing.
type Tracing struct {
	// Exporter is none, stdout or otlp. Default: none.
	Exporter string `json:"exporter,omitempty"`
	// Endpoint is the OTLP/HTTP endpoint (host:port) for exporter otlp.
	Endpoint string `json:"endpoint,omitempty"`
	// Insecure sends OTLP over plain HTTP.
	Insecure bool `json:"insecure,omitempty"`
	// SampleRatio is the share of traces kept, 0..1. Default: 1.
	SampleRatio *float64 `json:"sample_ratio,omitempty"`
}

// Enabled reports whether spans are exported (an exporter other than none).
func (t Tracing) Enabled() bool { return t.Exporter != "" && t.Exporter != "none" }

// Knowledge configures the knowledge base.
type Knowledge struct {
	// Dirs are extra runbook directories loaded at start, after the embedded
	// runbooks.
	Dirs []string `json:"dirs,omitempty"`
	// AskLog keeps asked questions for `kubemedic kb gaps`.
	AskLog AskLog `json:"ask_log,omitempty"`
}

// AskLog configures the record of asked questions (JetStream stream
// KUBEMEDIC_ASKS; see services/asklog). The only personal data it holds is
// the Slack user id of a question asked in Slack.
type AskLog struct {
	// Enabled turns recording on. Env: KUBEMEDIC_ASK_LOG_ENABLED. Default:
	// true.
	Enabled *bool `json:"enabled,omitempty"`
	// MaxAge is how long a question is kept. Env: KUBEMEDIC_ASK_LOG_MAX_AGE.
	// Default: 720h (30 days).
	MaxAge Duration `json:"max_age,omitempty"`
	// MaxBytes bounds the stream's size. Env: KUBEMEDIC_ASK_LOG_MAX_BYTES.
	// Default: 268435456 (256 MiB).
	MaxBytes int64 `json:"max_bytes,omitempty"`
	// MaxMsgs bounds the number of stream messages. An ask message holds
	// one question, or under load a batch of up to 256, so at least
	// MaxMsgs questions are kept when MaxAge and MaxBytes allow; MaxBytes
	// is what bounds the size. Env: KUBEMEDIC_ASK_LOG_MAX_MSGS. Default:
	// 1000000.
	MaxMsgs int64 `json:"max_msgs,omitempty"`
}

// Duration is a time.Duration written as "10s", "1m30s" in YAML.
type Duration struct{ time.Duration }

// UnmarshalJSON parses a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("invalid duration %q (want e.g. \"10s\"): %w", s, err)
	}
	d.Duration = v
	return nil
}

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(`"` + d.String() + `"`), nil
}

// Load reads the YAML file at path (when path is not empty), applies the
// environment and defaults, and validates the result.
func Load(path string) (*Config, error) {
	return LoadWithEnv(path, os.LookupEnv)
}

// LoadWithEnv is Load with an explicit environment lookup, for tests.
func LoadWithEnv(path string, lookup func(string) (string, bool)) (*Config, error) {
	c := &Config{}
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("reading config: %w", err)
		}
		if err := yaml.UnmarshalStrict(b, c); err != nil {
			return nil, fmt.Errorf("parsing config %s: %w", path, err)
		}
	}
	if err := c.applyEnv(lookup); err != nil {
		return nil, err
	}
	if err := c.setDefaults(); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", displayPath(path), err)
	}
	return c, nil
}

func displayPath(p string) string {
	if p == "" {
		return "(defaults and environment)"
	}
	return p
}

// EnvVars lists the environment variables Load understands and the field each
// one sets.
var EnvVars = []struct {
	Name, Field string
	set         func(c *Config, v string) error
}{
	{"KUBEMEDIC_DATA_DIR", "data_dir", func(c *Config, v string) error { c.DataDir = v; return nil }},
	{"KUBEMEDIC_KUBECONFIG", "kubeconfig", func(c *Config, v string) error { c.Kubeconfig = v; return nil }},
	{"KUBEMEDIC_LOG_LEVEL", "log.level", func(c *Config, v string) error { c.Log.Level = v; return nil }},
	{"KUBEMEDIC_LOG_FORMAT", "log.format", func(c *Config, v string) error { c.Log.Format = v; return nil }},
	{"KUBEMEDIC_NATS_URL", "nats.url", func(c *Config, v string) error { c.NATS.URL = v; return nil }},
	{"KUBEMEDIC_NATS_LISTEN", "nats.listen", func(c *Config, v string) error { c.NATS.Listen = v; return nil }},
	{"KUBEMEDIC_NATS_REQUEST_TIMEOUT", "nats.request_timeout", func(c *Config, v string) error {
		return c.NATS.RequestTimeout.UnmarshalJSON([]byte(v))
	}},
	{"KUBEMEDIC_NATS_CREDENTIALS_FILE", "nats.credentials_file", func(c *Config, v string) error { c.NATS.CredentialsFile = v; return nil }},
	{"KUBEMEDIC_GATEWAY_ADDR", "gateway.addr", func(c *Config, v string) error { c.Gateway.Addr = v; return nil }},
	{"KUBEMEDIC_ADMIN_ADDR", "admin.addr", func(c *Config, v string) error { c.Admin.Addr = v; return nil }},
	{"KUBEMEDIC_BOT_ADDR", "bot.addr", func(c *Config, v string) error { c.Bot.Addr = v; return nil }},
	{"KUBEMEDIC_BOT_GATEWAY_URL", "bot.gateway_url", func(c *Config, v string) error { c.Bot.GatewayURL = v; return nil }},
	{"KUBEMEDIC_BOT_LANGUAGE", "bot.language", func(c *Config, v string) error { c.Bot.Language = v; return nil }},
	{"KUBEMEDIC_SLACK_API_URL", "bot.slack_api_url", func(c *Config, v string) error { c.Bot.SlackAPIURL = v; return nil }},
	{"KUBEMEDIC_TRACING_EXPORTER", "tracing.exporter", func(c *Config, v string) error { c.Tracing.Exporter = v; return nil }},
	{"KUBEMEDIC_TRACING_ENDPOINT", "tracing.endpoint", func(c *Config, v string) error { c.Tracing.Endpoint = v; return nil }},
	{"KUBEMEDIC_REMEDIATION_PAUSED", "remediation.paused (true or false)", func(c *Config, v string) error {
		switch strings.ToLower(v) {
		case "true", "1", "yes":
			c.Remediation.Paused = true
		case "false", "0", "no":
			c.Remediation.Paused = false
		default:
			return fmt.Errorf("want true or false, got %q", v)
		}
		return nil
	}},
	{"KUBEMEDIC_KB_DIRS", "knowledge.dirs (separated by the OS list separator)", func(c *Config, v string) error {
		c.Knowledge.Dirs = filepath.SplitList(v)
		return nil
	}},
	{"KUBEMEDIC_ASK_LOG_ENABLED", "knowledge.ask_log.enabled", func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want true or false: %w", err)
		}
		c.Knowledge.AskLog.Enabled = &b
		return nil
	}},
	{"KUBEMEDIC_ASK_LOG_MAX_AGE", "knowledge.ask_log.max_age", func(c *Config, v string) error {
		return c.Knowledge.AskLog.MaxAge.UnmarshalJSON([]byte(v))
	}},
	{"KUBEMEDIC_ASK_LOG_MAX_BYTES", "knowledge.ask_log.max_bytes", func(c *Config, v string) (err error) {
		c.Knowledge.AskLog.MaxBytes, err = strconv.ParseInt(v, 10, 64)
		return err
	}},
	{"KUBEMEDIC_ASK_LOG_MAX_MSGS", "knowledge.ask_log.max_msgs", func(c *Config, v string) (err error) {
		c.Knowledge.AskLog.MaxMsgs, err = strconv.ParseInt(v, 10, 64)
		return err
	}},
}

func (c *Config) applyEnv(lookup func(string) (string, bool)) error {
	for _, e := range EnvVars {
		v, ok := lookup(e.Name)
		if !ok || v == "" {
			continue
		}
		if err := e.set(c, v); err != nil {
			return fmt.Errorf("environment %s: %w", e.Name, err)
		}
	}
	return nil
}

// Default addresses.
const (
	DefaultGatewayAddr = "127.0.0.1:7070"
	DefaultAdminAddr   = "127.0.0.1:7071"
	DefaultBotAddr     = "127.0.0.1:7072"
)

func (c *Config) setDefaults() error {
	if c.DataDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return fmt.Errorf("no data_dir configured and no user cache dir: %w (set KUBEMEDIC_DATA_DIR)", err)
		}
		c.DataDir = filepath.Join(dir, "kubemedic")
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if c.Log.Format == "" {
		c.Log.Format = "text"
	}
	if c.NATS.Listen == "" {
		c.NATS.Listen = "127.0.0.1:0"
	}
	if c.NATS.RequestTimeout.Duration == 0 {
		c.NATS.RequestTimeout.Duration = 10 * time.Second
	}
	if c.Gateway.Addr == "" {
		c.Gateway.Addr = DefaultGatewayAddr
	}
	c.Gateway.setDefaults()
	if c.Admin.Addr == "" {
		c.Admin.Addr = DefaultAdminAddr
	}
	if c.Bot.Addr == "" {
		c.Bot.Addr = DefaultBotAddr
	}
	if c.Bot.Language == "" {
		c.Bot.Language = "ko"
	}
	if c.Knowledge.AskLog.Enabled == nil {
		on := true
		c.Knowledge.AskLog.Enabled = &on
	}
	if c.Knowledge.AskLog.MaxAge.Duration == 0 {
		c.Knowledge.AskLog.MaxAge.Duration = 720 * time.Hour
	}
	if c.Knowledge.AskLog.MaxBytes == 0 {
		c.Knowledge.AskLog.MaxBytes = 256 << 20
	}
	if c.Knowledge.AskLog.MaxMsgs == 0 {
		c.Knowledge.AskLog.MaxMsgs = 1_000_000
	}
	c.Remediation.setDefaults()
	if c.Tracing.Exporter == "" {
		c.Tracing.Exporter = "none"
	}
	if c.Tracing.SampleRatio == nil {
		one := 1.0
		c.Tracing.SampleRatio = &one
	}
	for i := range c.Clusters {
		if c.Clusters[i].Provider == "" {
			c.Clusters[i].Provider = "generic"
		}
		if s := c.Clusters[i].Secret; s != nil && s.Key == "" {
			s.Key = "kubeconfig"
		}
	}
	if c.Fleet.Concurrency == 0 {
		c.Fleet.Concurrency = 4
	}
	if c.Fleet.ClusterTimeout.Duration == 0 {
		c.Fleet.ClusterTimeout.Duration = 2 * time.Minute
	}
	if c.Fleet.MaxDeliver == 0 {
		c.Fleet.MaxDeliver = 3
	}
	if c.Fleet.Replicas == 0 {
		c.Fleet.Replicas = 1
	}
	if len(c.Clusters) == 0 && c.Kubeconfig != "" {
		c.Clusters = []Cluster{{Name: "default", Provider: "generic", Kubeconfig: c.Kubeconfig}}
	}
	return nil
}

// Validate reports every invalid setting at once.
func (c *Config) Validate() error {
	var errs []error
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log.level %q: want debug, info, warn or error", c.Log.Level))
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log.format %q: want text or json", c.Log.Format))
	}
	switch r := c.Runtime; {
	case r.GCPercent < -1:
		errs = append(errs, fmt.Errorf("runtime.gc_percent %d: want a positive percentage, or -1 (off) with runtime.memory_limit", r.GCPercent))
	case r.GCPercent == -1 && r.MemoryLimit <= 0:
		errs = append(errs, errors.New("runtime.gc_percent -1 turns the garbage collector off: set runtime.memory_limit too, or the heap grows without bound"))
	case r.MemoryLimit < 0:
		errs = append(errs, fmt.Errorf("runtime.memory_limit %d: want bytes, or 0 for no limit", r.MemoryLimit))
	}
	for name, addr := range map[string]string{"gateway.addr": c.Gateway.Addr, "bot.addr": c.Bot.Addr, "nats.listen": c.NATS.Listen} {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			errs = append(errs, fmt.Errorf("%s %q: want host:port: %v", name, addr, err))
		}
	}
	if c.Admin.Addr != "off" {
		if _, _, err := net.SplitHostPort(c.Admin.Addr); err != nil {
			errs = append(errs, fmt.Errorf("admin.addr %q: want host:port or off: %v", c.Admin.Addr, err))
		}
	}
	switch c.Bot.Language {
	case "ko", "en":
	default:
		errs = append(errs, fmt.Errorf("bot.language %q: want ko or en", c.Bot.Language))
	}
	switch c.Tracing.Exporter {
	case "none", "stdout":
	case "otlp":
		if c.Tracing.Endpoint == "" {
			errs = append(errs, errors.New("tracing.endpoint is required when tracing.exporter is otlp"))
		}
	default:
		errs = append(errs, fmt.Errorf("tracing.exporter %q: want none, stdout or otlp", c.Tracing.Exporter))
	}
	if r := *c.Tracing.SampleRatio; r < 0 || r > 1 {
		errs = append(errs, fmt.Errorf("tracing.sample_ratio %v: want a number from 0 to 1", r))
	}
	if al := c.Knowledge.AskLog; al.MaxAge.Duration < 0 || al.MaxBytes < 0 || al.MaxMsgs < 0 {
		errs = append(errs, fmt.Errorf("knowledge.ask_log: max_age %s, max_bytes %d, max_msgs %d: none may be negative", al.MaxAge, al.MaxBytes, al.MaxMsgs))
	}
	errs = append(errs, c.Bot.validateSlackMaps()...)
	seen := map[string]bool{}
	for i, cl := range c.Clusters {
		switch {
		case cl.Name == "":
			errs = append(errs, fmt.Errorf("clusters[%d].name is required", i))
		case seen[cl.Name]:
			errs = append(errs, fmt.Errorf("clusters[%d].name %q is used twice", i, cl.Name))
		case !clusterName.MatchString(cl.Name):
			// The name is a NATS subject token and part of KV keys.
			errs = append(errs, fmt.Errorf("clusters[%d].name %q: use lower-case letters, digits and '-' (at most 63, e.g. prod-seoul)", i, cl.Name))
		}
		seen[cl.Name] = true
		sources := 0
		for _, set := range []bool{cl.Kubeconfig != "", cl.InCluster, cl.Secret != nil} {
			if set {
				sources++
			}
		}
		switch {
		case sources == 0:
			errs = append(errs, fmt.Errorf("clusters[%d] (%s): kubeconfig is required (or set in_cluster or secret)", i, cl.Name))
		case sources > 1:
			errs = append(errs, fmt.Errorf("clusters[%d] (%s): set only one of kubeconfig, in_cluster and secret", i, cl.Name))
		}
		if s := cl.Secret; s != nil && (s.Namespace == "" || s.Name == "") {
			errs = append(errs, fmt.Errorf("clusters[%d] (%s): secret needs namespace and name", i, cl.Name))
		}
		switch cl.Provider {
		case "generic", "tke", "aks", "nks":
		default:
			errs = append(errs, fmt.Errorf("clusters[%d] (%s): provider %q: want generic, tke, aks or nks", i, cl.Name, cl.Provider))
		}
	}
	errs = append(errs, c.Fleet.validate()...)
	errs = append(errs, c.Remediation.validate()...)
	errs = append(errs, c.Gateway.validate()...)
	return errors.Join(errs...)
}

func (g *Gateway) setDefaults() {
	if g.Rate == 0 {
		g.Rate = 50
	}
	if g.Burst == 0 {
		g.Burst = 100
	}
	if g.MaxRequestBytes == 0 {
		g.MaxRequestBytes = 4 << 20
	}
	if g.CompressMinBytes == 0 {
		g.CompressMinBytes = 64 << 10
	}
	if g.CORS.MaxAge.Duration == 0 {
		g.CORS.MaxAge.Duration = 2 * time.Hour
	}
	for i := range g.Tokens {
		t := &g.Tokens[i]
		if len(t.Scopes) == 0 {
			t.Scopes = slices.Clone(DefaultScopes)
		}
		if len(t.Clusters) == 0 {
			t.Clusters = []string{"*"}
		}
		if t.Rate == 0 {
			t.Rate = g.Rate
		}
		if t.Burst == 0 {
			t.Burst = g.Burst
		}
	}
}

func (g *Gateway) validate() []error {
	var errs []error
	names := map[string]bool{}
	for i, t := range g.Tokens {
		switch {
		case t.Name == "":
			errs = append(errs, fmt.Errorf("gateway.tokens[%d].name is required", i))
		case names[t.Name]:
			errs = append(errs, fmt.Errorf("gateway.tokens[%d].name %q is used twice", i, t.Name))
		}
		names[t.Name] = true
		switch {
		case t.Hash == "" && t.File == "" && t.Env == "":
			errs = append(errs, fmt.Errorf("gateway.tokens[%d] (%s): set hash (from `kubemedic token new`), file or env (token values never go in the config file)", i, t.Name))
		case t.Hash != "" && (t.File != "" || t.Env != ""):
			errs = append(errs, fmt.Errorf("gateway.tokens[%d] (%s): set hash or file/env, not both", i, t.Name))
		case t.Hash != "" && !validHash(t.Hash):
			errs = append(errs, fmt.Errorf("gateway.tokens[%d] (%s): hash must be \"sha256:\" and 64 hex digits (see `kubemedic token hash`)", i, t.Name))
		}
		for _, s := range t.Scopes {
			if !slices.Contains(Scopes, s) {
				errs = append(errs, fmt.Errorf("gateway.tokens[%d] (%s): unknown scope %q: want %s", i, t.Name, s, strings.Join(Scopes, ", ")))
			}
		}
		for _, cl := range t.Clusters {
			if cl == "" {
				errs = append(errs, fmt.Errorf("gateway.tokens[%d] (%s): empty cluster name (use \"*\" for every cluster)", i, t.Name))
			}
		}
		if t.Burst < 0 {
			errs = append(errs, fmt.Errorf("gateway.tokens[%d] (%s): burst %d may not be negative", i, t.Name, t.Burst))
		}
	}
	if g.Burst < 0 {
		errs = append(errs, fmt.Errorf("gateway.burst %d may not be negative", g.Burst))
	}
	if g.CompressMinBytes < 0 {
		errs = append(errs, fmt.Errorf("gateway.compress_min_bytes %d may not be negative (1 compresses every response)", g.CompressMinBytes))
	}
	if g.MaxRequestBytes < 0 {
		errs = append(errs, fmt.Errorf("gateway.max_request_bytes %d may not be negative", g.MaxRequestBytes))
	}
	if (g.TLS.CertFile == "") != (g.TLS.KeyFile == "") {
		errs = append(errs, errors.New("gateway.tls: set both cert_file and key_file, or neither"))
	}
	if g.TLS.ClientCAFile != "" && g.TLS.CertFile == "" {
		errs = append(errs, errors.New("gateway.tls.client_ca_file needs cert_file and key_file (mTLS runs over TLS)"))
	}
	return errs
}

// validHash reports whether h is "sha256:" and 64 hex digits.
func validHash(h string) bool {
	hexDigits, ok := strings.CutPrefix(h, "sha256:")
	if !ok || len(hexDigits) != 64 {
		return false
	}
	_, err := hex.DecodeString(hexDigits)
	return err == nil
}

// validateSlackMaps checks bot.users and bot.channels.
func (b *Bot) validateSlackMaps() []error {
	var errs []error
	users := map[string]bool{}
	for i, u := range b.Users {
		switch {
		case u.SlackUser == "" && u.Email == "":
			errs = append(errs, fmt.Errorf("bot.users[%d]: set slack_user (a Slack user ID such as U024BE7LH) or email", i))
		case u.SlackUser == "":
		case users[u.SlackUser]:
			errs = append(errs, fmt.Errorf("bot.users[%d].slack_user %q is mapped twice", i, u.SlackUser))
		}
		users[u.SlackUser] = true
		if u.KubernetesUser == "" {
			errs = append(errs, fmt.Errorf("bot.users[%d] (%s): kubernetes_user is required", i, u.SlackUser+u.Email))
		}
	}
	channels, notified := map[string]bool{}, map[string]bool{}
	for i, ch := range b.Channels {
		if ch.Notify && ch.Cluster != "" {
			if notified[ch.Cluster] {
				errs = append(errs, fmt.Errorf("bot.channels[%d] (%s): cluster %q already notifies another channel", i, ch.Channel, ch.Cluster))
			}
			notified[ch.Cluster] = true
		}
		switch {
		case ch.Channel == "":
			errs = append(errs, fmt.Errorf("bot.channels[%d].channel is required (a Slack channel ID such as C2147483705)", i))
		case channels[ch.Channel]:
			errs = append(errs, fmt.Errorf("bot.channels[%d].channel %q is listed twice", i, ch.Channel))
		}
		channels[ch.Channel] = true
		if ch.Cluster == "" {
			errs = append(errs, fmt.Errorf("bot.channels[%d] (%s): cluster is required", i, ch.Channel))
		}
	}
	return errs
}

// LocalGatewayDir is where a running gateway records its address and the
// local admin token, so client commands find them.
func (c *Config) LocalGatewayDir() string { return filepath.Join(c.DataDir, "gateway") }

// NATSStoreDir is the embedded nats-server's JetStream store.
func (c *Config) NATSStoreDir() string { return filepath.Join(c.DataDir, "nats") }

// ReadSecret returns the first line of a secret file, or the environment
// variable env when it is set. Empty name and env give "".
func ReadSecret(file, env string) (string, error) {
	if env != "" {
		if v, ok := os.LookupEnv(env); ok && v != "" {
			return strings.TrimSpace(v), nil
		}
	}
	if file == "" {
		return "", nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("reading secret: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimSpace(line)
	if line == "" {
		return "", fmt.Errorf("secret file %s is empty", file)
	}
	return line, nil
}

func (f *Fleet) validate() []error {
	var errs []error
	if f.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("fleet.concurrency %d: want 1 or more", f.Concurrency))
	}
	if f.ClusterTimeout.Duration < time.Second {
		errs = append(errs, fmt.Errorf("fleet.cluster_timeout %s: want at least 1s", f.ClusterTimeout.Duration))
	}
	if f.MaxDeliver < 1 {
		errs = append(errs, fmt.Errorf("fleet.max_deliver %d: want 1 or more", f.MaxDeliver))
	}
	if f.Replicas != 1 && f.Replicas != 3 && f.Replicas != 5 {
		errs = append(errs, fmt.Errorf("fleet.replicas %d: want 1, 3 or 5", f.Replicas))
	}
	seen := map[string]bool{}
	for i, s := range f.Sweeps {
		switch {
		case s.Name == "":
			errs = append(errs, fmt.Errorf("fleet.sweeps[%d].name is required", i))
		case !validName(s.Name):
			errs = append(errs, fmt.Errorf("fleet.sweeps[%d].name %q: use letters, digits, - and _ only", i, s.Name))
		case seen[s.Name]:
			errs = append(errs, fmt.Errorf("fleet.sweeps[%d].name %q is used twice", i, s.Name))
		}
		seen[s.Name] = true
		if s.Schedule == "" {
			errs = append(errs, fmt.Errorf("fleet.sweeps[%d] (%s): schedule is required, e.g. \"*/15 * * * *\"", i, s.Name))
		}
		if s.Jitter.Duration < 0 {
			errs = append(errs, fmt.Errorf("fleet.sweeps[%d] (%s): jitter %s is negative", i, s.Name, s.Jitter.Duration))
		}
	}
	return errs
}

// validName reports whether s is usable as a NATS subject token and KV key.
func validName(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return s != ""
}
