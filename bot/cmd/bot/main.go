// Command bot runs kubemedic's Slack app on its own, as a client of a
// kubemedic gateway (the all-in-one `kubemedic serve` runs the same bot
// in-process).
//
//	bot --config kubemedic.yaml
//
// Configuration is the shared kubemedic file (section bot) plus environment:
// KUBEMEDIC_SLACK_SIGNING_SECRET, KUBEMEDIC_SLACK_BOT_TOKEN and
// KUBEMEDIC_GATEWAY_TOKEN carry the secrets (or bot.*_file name files that
// hold them). Slack's requests arrive on bot.addr at /slack/commands,
// /slack/events and /slack/interactivity; /healthz, /readyz and /metrics are
// on admin.addr.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/otelconnect"

	"github.com/kubemedic/kubemedic/bot"
	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/probe"
	"github.com/kubemedic/kubemedic/platform/telemetry"
	"github.com/kubemedic/kubemedic/proto/client"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Secret environment variables.
const (
	envSigningSecret = "KUBEMEDIC_SLACK_SIGNING_SECRET"
	envBotToken      = "KUBEMEDIC_SLACK_BOT_TOKEN"
	envGatewayToken  = "KUBEMEDIC_GATEWAY_TOKEN"
	envAppToken      = "KUBEMEDIC_SLACK_APP_TOKEN"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bot:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "kubemedic config file (YAML); environment variables override it")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: bot [--config FILE]\n\nRuns kubemedic's Slack app against a kubemedic gateway.\nSecrets: %s, %s, %s (or bot.*_file in the config).\n\n", envSigningSecret, envBotToken, envGatewayToken)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q (the only flags are --config and --version)", fs.Args())
	}
	if *showVersion {
		fmt.Fprintln(stdout, version)
		return nil
	}
	cfg, err := config.Load(*configPath)
	if err != nil {
		return err
	}
	log := telemetry.NewLogger(stderr, cfg.Log)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	shutdownTracing, err := telemetry.SetupTracing(ctx, cfg.Tracing, "kubemedic-bot", version, stdout)
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := shutdownTracing(sctx); err != nil {
			log.Warn("flushing traces", "err", err)
		}
	}()

	signing, err := config.ReadSecret(cfg.Bot.SigningSecretFile, envSigningSecret)
	if err != nil {
		return fmt.Errorf("slack signing secret: %w", err)
	}
	botToken, err := config.ReadSecret(cfg.Bot.BotTokenFile, envBotToken)
	if err != nil {
		return fmt.Errorf("slack bot token: %w", err)
	}
	gatewayToken, err := config.ReadSecret(cfg.Bot.GatewayTokenFile, envGatewayToken)
	if err != nil {
		return fmt.Errorf("gateway token: %w", err)
	}
	if gatewayToken == "" {
		return fmt.Errorf("no gateway token: set %s or bot.gateway_token_file (a token listed in the gateway's gateway.tokens, marked trusted)", envGatewayToken)
	}
	gatewayURL, err := gatewayBaseURL(cfg)
	if err != nil {
		return err
	}

	appToken, err := config.ReadSecret(cfg.Bot.AppTokenFile, envAppToken)
	if err != nil {
		return fmt.Errorf("slack app-level token: %w", err)
	}
	if cfg.Bot.SocketMode && appToken == "" {
		return fmt.Errorf("bot.socket_mode needs the app-level token: set %s or bot.app_token_file", envAppToken)
	}
	gw, health, err := dialGateway(gatewayURL, gatewayToken)
	if err != nil {
		return err
	}
	opts := bot.Options{
		SigningSecret: signing,
		BotToken:      botToken,
		Knowledge:     gw.knowledge,
		Fleet:         gw.fleet,
		Diagnosis:     gw.diagnosis,
		Remediation:   gw.remediation,
		AppToken:      appToken,
		Logger:        log,
	}
	opts.ApplyConfig(cfg.Bot)
	b, err := bot.New(opts)
	if errors.Is(err, bot.ErrNotConfigured) {
		log.Error("Slack app disabled: no signing secret", "env", envSigningSecret, "file_setting", "bot.signing_secret_file")
		return err
	}
	if err != nil {
		return err
	}

	p := probe.New()
	p.Add("gateway", health)
	if cfg.Bot.SocketMode {
		p.Add("slack-socket-mode", b.SocketModeState)
	}
	errc := make(chan error, 2)
	if cfg.Admin.Addr != "off" {
		al, err := net.Listen("tcp", cfg.Admin.Addr)
		if err != nil {
			return fmt.Errorf("admin endpoint: %w", err)
		}
		go func() { errc <- p.Serve(ctx, al, log) }()
	}
	log.Info("kubemedic slack bot starting", "version", version, "gateway", gatewayURL, "language", cfg.Bot.Language, "socket_mode", cfg.Bot.SocketMode)
	if cfg.Bot.SocketMode {
		err = b.ServeSocketMode(ctx)
	} else {
		l, lerr := net.Listen("tcp", cfg.Bot.Addr)
		if lerr != nil {
			return fmt.Errorf("slack bot endpoint: %w", lerr)
		}
		err = b.Serve(ctx, l)
	}
	stop() // the admin endpoint stops with the bot
	if cfg.Admin.Addr != "off" {
		if aerr := <-errc; aerr != nil && err == nil {
			err = aerr
		}
	}
	if err == nil {
		log.Info("kubemedic slack bot stopped")
	}
	return err
}

// gatewayBaseURL is bot.gateway_url, or http://<gateway.addr> with an
// unspecified listen host (0.0.0.0, ::) replaced by loopback.
func gatewayBaseURL(cfg *config.Config) (string, error) {
	if cfg.Bot.GatewayURL != "" {
		u, err := url.Parse(cfg.Bot.GatewayURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", fmt.Errorf("bot.gateway_url %q: want http://host:port or https://host:port", cfg.Bot.GatewayURL)
		}
		return cfg.Bot.GatewayURL, nil
	}
	host, port, err := net.SplitHostPort(cfg.Gateway.Addr)
	if err != nil {
		return "", fmt.Errorf("gateway.addr %q: %w", cfg.Gateway.Addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

// gatewayClients are the gateway services the bot calls.
type gatewayClients struct {
	knowledge   kubemedicv1connect.KnowledgeServiceClient
	fleet       kubemedicv1connect.FleetServiceClient
	diagnosis   kubemedicv1connect.DiagnosisServiceClient
	remediation kubemedicv1connect.RemediationServiceClient
}

// dialGateway returns gRPC clients of the gateway that send the bearer
// token and trace context, and a readiness check that the gateway answers
// and accepts the token.
func dialGateway(baseURL, token string) (gatewayClients, probe.Check, error) {
	otel, err := otelconnect.NewInterceptor()
	if err != nil {
		return gatewayClients{}, nil, fmt.Errorf("tracing interceptor: %w", err)
	}
	c, err := client.New(baseURL, token, client.WithGRPC(), client.WithClientOptions(connect.WithInterceptors(otel)))
	if err != nil {
		return gatewayClients{}, nil, err
	}
	gw := gatewayClients{knowledge: c.Knowledge, fleet: c.Fleet, diagnosis: c.Diagnosis, remediation: c.Remediation}
	check := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_, err := gw.knowledge.ListEntries(ctx, connect.NewRequest(&kubemedicv1.ListEntriesRequest{PageSize: 1}))
		if err != nil {
			return fmt.Errorf("gateway %s: %w", baseURL, err)
		}
		return nil
	}
	return gw, check, nil
}
