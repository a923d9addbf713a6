// Command analyzer runs the kubemedic analyzer service (knowledge base and
// diagnosis) against an external NATS server (KUBEMEDIC_NATS_URL).
package main

import (
	"context"

	"github.com/kubemedic/kubemedic/platform/launch"
	"github.com/kubemedic/kubemedic/services/analyzer"
)

func main() {
	launch.Main("analyzer", func(ctx context.Context, p *launch.Process) error {
		kb, err := analyzer.OpenKnowledge(ctx, p)
		if err != nil {
			return err
		}
		an, err := analyzer.New(analyzer.Options{Knowledge: kb, Clusters: p.Config.Clusters, Timeout: p.Config.NATS.RequestTimeout.Duration, Logger: p.Logger})
		if err != nil {
			return err
		}
		return p.ServeRPC(an)
	})
}
