// Command analyzer runs the kubemedic analyzer service (knowledge base and
// diagnosis) against an external NATS server (KUBEMEDIC_NATS_URL).
package main

import (
	"context"
	"flag"
	"os"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/launch"
	"github.com/kubemedic/kubemedic/services/analyzer"
	"github.com/kubemedic/kubemedic/services/knowledge"
)

func main() {
	configFile := flag.String("config", "", "YAML config file (KUBEMEDIC_* environment variables override it)")
	flag.Parse()
	if err := run(*configFile); err != nil {
		launch.Fatal("analyzer", err)
	}
}

func run(configFile string) error {
	cfg, err := config.Load(configFile)
	if err != nil {
		return err
	}
	ctx := context.Background()
	p, err := launch.New(ctx, "analyzer", cfg, os.Stderr)
	if err != nil {
		return err
	}
	kb, err := knowledge.Open(ctx, knowledge.Options{ExtraDirs: cfg.Knowledge.Dirs, Logger: p.Logger})
	if err != nil {
		return err
	}
	for _, prob := range kb.Problems() {
		p.Logger.Warn("knowledge file skipped", "problem", prob.Error())
	}
	an, err := analyzer.New(analyzer.Options{Knowledge: kb, Clusters: cfg.Clusters, Timeout: cfg.NATS.RequestTimeout.Duration, Logger: p.Logger})
	if err != nil {
		return err
	}
	conn, err := p.ConnectNATS(cfg.NATS.URL)
	if err != nil {
		return err
	}
	srv, err := an.Serve(conn, p.Probe.Registry())
	if err != nil {
		return err
	}
	p.OnClose(func() { _ = srv.Stop(context.Background()) })
	return p.Run(ctx)
}
