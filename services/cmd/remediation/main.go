// Command remediation runs the kubemedic remediation service against an
// external NATS server (KUBEMEDIC_NATS_URL).
package main

import (
	"context"

	"github.com/kubemedic/kubemedic/platform/launch"
	"github.com/kubemedic/kubemedic/services/remediation"
)

func main() {
	launch.Main("remediation", func(_ context.Context, p *launch.Process) error {
		svc, err := remediation.New(p.Logger)
		if err != nil {
			return err
		}
		return p.ServeRPC(svc)
	})
}
