// Package allinone runs every kubemedic service in one process: an embedded
// nats-server (unless an external NATS URL is configured), the collector,
// analyzer and remediation services, the gateway and the Slack bot. It is
// what `kubemedic serve` and `make run` start, and what end-to-end tests use.
// The services talk over NATS exactly as they do when deployed separately.
package allinone

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/bot"
	"github.com/kubemedic/kubemedic/gateway"
	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/embeddednats"
	"github.com/kubemedic/kubemedic/platform/launch"
	"github.com/kubemedic/kubemedic/platform/localgateway"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
	"github.com/kubemedic/kubemedic/proto/client"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/analyzer"
	"github.com/kubemedic/kubemedic/services/asklog"
	"github.com/kubemedic/kubemedic/services/fleet"
	"github.com/kubemedic/kubemedic/services/knowledge"
	"github.com/kubemedic/kubemedic/services/remediation"
)

// Server is a started all-in-one process, ready to Run.
type Server struct {
	proc *launch.Process

	// NATS is the embedded server, nil when an external URL is configured.
	NATS *embeddednats.Server
	// NATSURL is the URL the services use.
	NATSURL string
	// GatewayAddr is the address the gateway listens on (host:port).
	GatewayAddr string
	// Token is the local admin token (also in <data_dir>/gateway/token).
	Token string
	// BotAddr is where the Slack bot listens; empty when Slack is not
	// configured.
	BotAddr string
	// Knowledge is the loaded knowledge base.
	Knowledge *knowledge.Base
	// AskLog records asked questions; nil when knowledge.ask_log is off.
	AskLog *asklog.Recorder
	// Diagnosis serves DiagnosisService (also over NATS, through the
	// gateway); tests in the same process may call it directly.
	Diagnosis *analyzer.DiagnosisService
}

// New starts NATS and every service and opens the gateway listener. Calls
// are accepted as soon as New returns; Run keeps serving until shutdown.
// On error everything already started is stopped again.
func New(ctx context.Context, cfg *config.Config, logOut io.Writer) (s *Server, err error) {
	p, err := launch.New(ctx, "kubemedic", cfg, logOut)
	if err != nil {
		return nil, err
	}
	s = &Server{proc: p}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data dir: %w", err)
	}

	s.NATSURL = cfg.NATS.URL
	if s.NATSURL == "" {
		ns, err := embeddednats.Start(embeddednats.Options{Listen: cfg.NATS.Listen, StoreDir: cfg.NATSStoreDir()})
		if err != nil {
			return nil, fmt.Errorf("starting embedded NATS (data dir %s): %w", cfg.DataDir, err)
		}
		s.NATS = ns
		s.NATSURL = ns.URL()
		p.OnClose(ns.Stop)
		if err := os.WriteFile(filepath.Join(cfg.DataDir, "nats.url"), []byte(s.NATSURL+"\n"), 0o600); err != nil {
			return nil, err
		}
		p.Logger.Info("embedded NATS started", "url", s.NATSURL, "store", cfg.NATSStoreDir())
	}
	conn, err := p.ConnectNATS(s.NATSURL)
	if err != nil {
		return nil, err
	}

	kb, err := analyzer.OpenKnowledge(ctx, p)
	if err != nil {
		return nil, err
	}
	s.Knowledge = kb

	live, err := analyzer.StartLive(ctx, conn.Conn, cfg.Clusters, p.Logger)
	if err != nil {
		return nil, err
	}
	p.OnClose(live.Close)
	col := live.Collector
	col.AddReadiness(p.Probe)
	s.Diagnosis = live.Diagnosis
	sweepNotes, err := bot.SweepNotifierFromConfig(cfg, p.Logger.With("component", "sweep-notifier"))
	if err != nil {
		return nil, err
	}
	fl, err := fleet.Open(ctx, cfg, conn.Conn, sweepNotes, p.Logger.With("component", "fleet"))
	if err != nil {
		return nil, err
	}
	p.Add(launch.Component{Name: "fleet", Run: fl.Run})
	s.AskLog = analyzer.OpenAskLog(ctx, p, conn.Conn)
	an, err := analyzer.New(analyzer.Options{Knowledge: kb, Clusters: cfg.Clusters, Diagnosis: live.Diagnosis, Fleet: fl, Timeout: cfg.NATS.RequestTimeout.Duration, Logger: p.Logger.With("component", "analyzer"),
		AskLog: s.AskLog})
	if err != nil {
		return nil, err
	}
	remClusters, err := remediation.ClustersFromConfig(cfg.Clusters)
	if err != nil {
		return nil, err
	}
	js, err := jetstream.New(conn.Conn)
	if err != nil {
		return nil, fmt.Errorf("remediation: JetStream: %w", err)
	}
	rem, err := remediation.New(ctx, remediation.Options{
		Clusters:  remClusters,
		JetStream: js,
		Config:    cfg.Remediation,
		Logger:    p.Logger.With("component", "remediation"),
	})
	if err != nil {
		return nil, err
	}
	p.OnClose(rem.Close)
	if err := p.ServeRPC(an, col, rem); err != nil {
		return nil, err
	}

	creds, err := gateway.CredentialsFromConfig(cfg.Gateway.Tokens)
	if err != nil {
		return nil, err
	}
	s.Token, err = localgateway.EnsureToken(cfg.LocalGatewayDir())
	if err != nil {
		return nil, err
	}
	botToken := randomToken() // the in-process bot's own gateway credential
	// The in-process bot and the local token are the operator's own: every
	// scope, every cluster, no rate limit (the bot limits its users itself).
	creds = append(creds, gateway.Credential{
		Name:     "slack-bot",
		Token:    botToken,
		Scopes:   gateway.AllScopes,
		Clusters: []string{"*"},
		Trusted:  true,
	}, gateway.Credential{
		Name:     config.LocalAdminToken,
		Token:    s.Token,
		Scopes:   gateway.AllScopes,
		Clusters: []string{"*"},
		Identity: localAdminIdentity(cfg),
	})
	tlsConfig, err := gateway.TLSConfig(cfg.Gateway.TLS)
	if err != nil {
		return nil, err
	}
	if tlsConfig != nil && tlsConfig.ClientCAs != nil {
		// mTLS: the local CLI and the in-process bot present the local
		// client certificate, trusted next to the configured client CA.
		local, err := localgateway.EnsureClientCert(cfg.LocalGatewayDir())
		if err != nil {
			return nil, err
		}
		tlsConfig.ClientCAs.AddCert(local.Leaf)
	}
	// The gateway gets a NATS connection of its own, as it has when
	// deployed apart: requests and replies then do not queue behind the
	// services' traffic in one connection's read loop (make bench-gateway).
	gwConn, err := natsrpc.Connect(s.NATSURL, natsrpc.ConnectOptions{Name: "kubemedic-gateway", CredentialsFile: cfg.NATS.CredentialsFile, Logger: p.Logger})
	if err != nil {
		return nil, err
	}
	p.OnClose(func() { _ = gwConn.Drain() })
	p.Probe.Add("nats-gateway", func() error {
		if !gwConn.IsConnected() {
			return fmt.Errorf("gateway NATS connection: not connected (%s)", gwConn.Status())
		}
		return nil
	})
	gw, err := gateway.New(gateway.Options{
		Bus:              natsrpc.NewClient(gwConn, cfg.NATS.RequestTimeout.Duration),
		Ready:            gwConn.IsConnected,
		Credentials:      creds,
		Logger:           p.Logger.With("component", "gateway"),
		MaxRequestBytes:  cfg.Gateway.MaxRequestBytes,
		CompressMinBytes: cfg.Gateway.CompressMinBytes,
		TLS:              tlsConfig,
		CORSOrigins:      cfg.Gateway.CORS.AllowedOrigins,
		CORSMaxAge:       cfg.Gateway.CORS.MaxAge.Duration,
		Tracing:          cfg.Tracing.Enabled(),
	})
	if err != nil {
		return nil, err
	}
	l, err := launch.Listen("gateway.addr / KUBEMEDIC_GATEWAY_ADDR", cfg.Gateway.Addr)
	if err != nil {
		return nil, err
	}
	s.GatewayAddr = l.Addr().String()
	// The local CLI and the in-process bot reach the gateway as recorded
	// here: over https, trusting exactly its certificate, when TLS is on.
	var serverCert []byte
	if tlsConfig != nil {
		serverCert = tlsConfig.Certificates[0].Certificate[0]
	}
	if err := localgateway.WriteAddr(cfg.LocalGatewayDir(), s.GatewayAddr, serverCert); err != nil {
		l.Close()
		return nil, err
	}
	p.OnClose(func() { localgateway.RemoveAddr(cfg.LocalGatewayDir()) })
	p.Add(launch.Component{Name: "gateway", Run: func(ctx context.Context) error { return gw.Serve(ctx, l) }})
	p.Probe.Add("gateway", func() error { return nil })
	local, err := localgateway.Read(cfg.LocalGatewayDir())
	if err != nil {
		return nil, err
	}
	local.Token = botToken
	if err := s.addBot(cfg, local); err != nil {
		return nil, err
	}
	return s, nil
}

// addBot starts the Slack bot when a signing secret is configured; it calls
// the gateway like any other client, at gw.
func (s *Server) addBot(cfg *config.Config, gw localgateway.Endpoint) error {
	secret, err := config.ReadSecret(cfg.Bot.SigningSecretFile, "KUBEMEDIC_SLACK_SIGNING_SECRET")
	if err != nil {
		return fmt.Errorf("slack signing secret: %w", err)
	}
	botToken, err := config.ReadSecret(cfg.Bot.BotTokenFile, "KUBEMEDIC_SLACK_BOT_TOKEN")
	if err != nil {
		return fmt.Errorf("slack bot token: %w", err)
	}
	appToken, err := config.ReadSecret(cfg.Bot.AppTokenFile, "KUBEMEDIC_SLACK_APP_TOKEN")
	if err != nil {
		return fmt.Errorf("slack app-level token: %w", err)
	}
	if cfg.Bot.SocketMode && appToken == "" {
		return errors.New("bot.socket_mode needs the app-level token: set KUBEMEDIC_SLACK_APP_TOKEN or bot.app_token_file")
	}
	api, err := client.New(gw.URL, gw.Token, client.WithHTTPClient(gw.HTTPClient()))
	if err != nil {
		return err
	}
	opts := bot.Options{
		SigningSecret: secret,
		BotToken:      botToken,
		Knowledge:     api.Knowledge,
		Fleet:         api.Fleet,
		Diagnosis:     api.Diagnosis,
		Remediation:   api.Remediation,
		AppToken:      appToken,
		Logger:        s.proc.Logger.With("component", "bot"),
	}
	opts.ApplyConfig(cfg.Bot)
	b, err := bot.New(opts)
	if errors.Is(err, bot.ErrNotConfigured) {
		s.proc.Logger.Info("Slack bot disabled: set KUBEMEDIC_SLACK_SIGNING_SECRET (or bot.signing_secret_file) to enable it")
		return nil
	}
	if err != nil {
		return err
	}
	if cfg.Bot.SocketMode {
		s.proc.Probe.Add("slack-socket-mode", b.SocketModeState)
		s.proc.Add(launch.Component{Name: "bot", Run: b.ServeSocketMode})
		return nil
	}
	l, err := launch.Listen("bot.addr / KUBEMEDIC_BOT_ADDR", cfg.Bot.Addr)
	if err != nil {
		return err
	}
	s.BotAddr = l.Addr().String()
	s.proc.Add(launch.Component{Name: "bot", Run: func(ctx context.Context) error { return b.Serve(ctx, l) }})
	return nil
}

// Run serves until ctx ends or SIGTERM/SIGINT arrives, then shuts down
// gracefully.
func (s *Server) Run(ctx context.Context) error { return s.proc.Run(ctx) }

// AdminHandler serves the process's /healthz, /readyz and /metrics, as the
// admin listener does.
func (s *Server) AdminHandler() http.Handler { return s.proc.Probe.Handler() }

// localAdminIdentity is who the local admin token acts as:
// remediation.local_admin, or the operating-system user.
func localAdminIdentity(cfg *config.Config) *kubemedicv1.Identity {
	la := cfg.Remediation.LocalAdmin
	user := la.KubernetesUser
	if user == "" {
		user = localAdminUser()
	}
	return &kubemedicv1.Identity{KubernetesUser: user, KubernetesGroups: la.KubernetesGroups, DisplayName: "local admin (" + cfg.LocalGatewayDir() + ")"}
}

// localAdminUser is the Kubernetes user the local admin token acts as: the
// operating-system user running the server.
func localAdminUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "kubemedic-local-admin"
}

// randomToken returns a fresh random bearer token.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
