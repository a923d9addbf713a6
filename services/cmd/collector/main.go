// Command collector runs the kubemedic collector service (cluster
// connections, informers and their change feed) against an external NATS
// server (KUBEMEDIC_NATS_URL).
package main

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/launch"
	"github.com/kubemedic/kubemedic/services/changefeed"
	"github.com/kubemedic/kubemedic/services/collector"
	"github.com/kubemedic/kubemedic/services/fleet/registry"
	"github.com/kubemedic/kubemedic/services/lease"
)

func main() {
	launch.Main("collector", func(ctx context.Context, p *launch.Process) error {
		conn, err := p.ConnectNATS(p.Config.NATS.URL)
		if err != nil {
			return err
		}
		js, err := jetstream.New(conn.Conn)
		if err != nil {
			return err
		}
		pub, err := changefeed.NewPublisher(ctx, changefeed.PublisherOptions{JetStream: js, Logger: p.Logger})
		if err != nil {
			return err
		}
		p.OnClose(pub.Close)
		col, err := collector.New(collector.Options{
			Clusters: p.Config.Clusters, Changes: pub, Logger: p.Logger,
			Registered: func(ctx context.Context) ([]config.Cluster, error) { return registry.Registered(ctx, js) },
			// The analyzer replicas run the informers; say which one
			// watches each cluster.
			Watcher: func(cluster string) string {
				ctx, cancel := context.WithTimeout(ctx, time.Second)
				defer cancel()
				holder, err := lease.Lookup(ctx, js, cluster)
				if err != nil {
					p.Logger.Debug("looking up the watching replica failed", "cluster", cluster, "error", err)
				}
				return holder
			},
		})
		if err != nil {
			return err
		}
		p.OnClose(col.Close)
		col.AddReadiness(p.Probe)
		return p.ServeRPC(col)
	})
}
