// Command collector runs the kubemedic collector service (cluster
// connections) against an external NATS server (KUBEMEDIC_NATS_URL).
package main

import (
	"context"
	"flag"
	"os"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/launch"
	"github.com/kubemedic/kubemedic/services/collector"
)

func main() {
	configFile := flag.String("config", "", "YAML config file (KUBEMEDIC_* environment variables override it)")
	flag.Parse()
	if err := run(*configFile); err != nil {
		launch.Fatal("collector", err)
	}
}

func run(configFile string) error {
	cfg, err := config.Load(configFile)
	if err != nil {
		return err
	}
	ctx := context.Background()
	p, err := launch.New(ctx, "collector", cfg, os.Stderr)
	if err != nil {
		return err
	}
	col, err := collector.New(collector.Options{Clusters: cfg.Clusters, Logger: p.Logger})
	if err != nil {
		return err
	}
	conn, err := p.ConnectNATS(cfg.NATS.URL)
	if err != nil {
		return err
	}
	srv, err := col.Serve(conn, p.Probe.Registry())
	if err != nil {
		return err
	}
	p.OnClose(func() { _ = srv.Stop(context.Background()) })
	return p.Run(ctx)
}
