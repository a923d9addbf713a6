// Command remediation runs the kubemedic remediation service against an
// external NATS server (KUBEMEDIC_NATS_URL).
package main

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/platform/launch"
	"github.com/kubemedic/kubemedic/services/remediation"
)

func main() {
	launch.Main("remediation", func(ctx context.Context, p *launch.Process) error {
		conn, err := p.ConnectNATS(p.Config.NATS.URL)
		if err != nil {
			return err
		}
		clusters, err := remediation.ClustersFromConfig(p.Config.Clusters)
		if err != nil {
			return err
		}
		js, err := jetstream.New(conn.Conn)
		if err != nil {
			return fmt.Errorf("remediation: JetStream: %w", err)
		}
		svc, err := remediation.New(ctx, remediation.Options{Clusters: clusters, JetStream: js, Config: p.Config.Remediation, Logger: p.Logger, Replicas: p.Config.Fleet.Replicas})
		if err != nil {
			return err
		}
		p.OnClose(svc.Close)
		return p.ServeRPC(svc)
	})
}
