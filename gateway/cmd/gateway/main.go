// Command gateway serves kubemedic's public API (Connect, gRPC, gRPC-Web)
// and forwards calls over NATS to the services.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/kubemedic/kubemedic/gateway"
	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/launch"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
)

func main() {
	configFile := flag.String("config", "", "YAML config file (KUBEMEDIC_* environment variables override it)")
	flag.Parse()
	if err := run(*configFile); err != nil {
		launch.Fatal("gateway", err)
	}
}

func run(configFile string) error {
	cfg, err := config.Load(configFile)
	if err != nil {
		return err
	}
	ctx := context.Background()
	p, err := launch.New(ctx, "gateway", cfg, os.Stderr)
	if err != nil {
		return err
	}
	creds, err := gateway.CredentialsFromConfig(cfg.Gateway.Tokens)
	if err != nil {
		return err
	}
	if len(creds) == 0 {
		return fmt.Errorf("no API tokens configured: add gateway.tokens to the config (each with file or env)")
	}
	conn, err := p.ConnectNATS(cfg.NATS.URL)
	if err != nil {
		return err
	}
	srv, err := gateway.New(gateway.Options{
		Bus:         natsrpc.NewClient(conn, cfg.NATS.RequestTimeout.Duration),
		Ready:       conn.IsConnected,
		Credentials: creds,
		Logger:      p.Logger,
	})
	if err != nil {
		return err
	}
	l, err := launch.Listen("gateway.addr / KUBEMEDIC_GATEWAY_ADDR", cfg.Gateway.Addr)
	if err != nil {
		return err
	}
	p.Add(launch.Component{Name: "gateway", Run: func(ctx context.Context) error { return srv.Serve(ctx, l) }})
	return p.Run(ctx)
}
