// Command collector runs the kubemedic collector service (cluster
// connections) against an external NATS server (KUBEMEDIC_NATS_URL).
package main

import (
	"context"

	"github.com/kubemedic/kubemedic/platform/launch"
	"github.com/kubemedic/kubemedic/services/collector"
)

func main() {
	launch.Main("collector", func(_ context.Context, p *launch.Process) error {
		col, err := collector.New(collector.Options{Clusters: p.Config.Clusters, Logger: p.Logger})
		if err != nil {
			return err
		}
		return p.ServeRPC(col)
	})
}
