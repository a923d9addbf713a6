// Command remediation runs the kubemedic remediation service against an
// external NATS server (KUBEMEDIC_NATS_URL).
package main

import (
	"context"
	"flag"
	"os"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/launch"
	"github.com/kubemedic/kubemedic/services/remediation"
)

func main() {
	configFile := flag.String("config", "", "YAML config file (KUBEMEDIC_* environment variables override it)")
	flag.Parse()
	if err := run(*configFile); err != nil {
		launch.Fatal("remediation", err)
	}
}

func run(configFile string) error {
	cfg, err := config.Load(configFile)
	if err != nil {
		return err
	}
	ctx := context.Background()
	p, err := launch.New(ctx, "remediation", cfg, os.Stderr)
	if err != nil {
		return err
	}
	conn, err := p.ConnectNATS(cfg.NATS.URL)
	if err != nil {
		return err
	}
	clusters, err := remediation.ClustersFromConfig(cfg.Clusters)
	if err != nil {
		return err
	}
	js, err := jetstream.New(conn.Conn)
	if err != nil {
		return err
	}
	svc, err := remediation.New(ctx, remediation.Options{Clusters: clusters, JetStream: js, Config: cfg.Remediation, Logger: p.Logger})
	if err != nil {
		return err
	}
	p.OnClose(svc.Close)
	if _, err := svc.Serve(conn); err != nil {
		return err
	}
	return p.Run(ctx)
}
