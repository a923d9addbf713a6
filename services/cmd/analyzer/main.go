// Command analyzer runs the kubemedic analyzer service (knowledge base and
// diagnosis) against an external NATS server (KUBEMEDIC_NATS_URL).
package main

import (
	"context"

	"github.com/kubemedic/kubemedic/platform/launch"
	"github.com/kubemedic/kubemedic/services/analyzer"
	"github.com/kubemedic/kubemedic/services/knowledge"
)

func main() {
	launch.Main("analyzer", func(ctx context.Context, p *launch.Process) error {
		kb, err := knowledge.Open(ctx, knowledge.Options{ExtraDirs: p.Config.Knowledge.Dirs, Logger: p.Logger})
		if err != nil {
			return err
		}
		for _, prob := range kb.Problems() {
			p.Logger.Warn("knowledge file skipped", "problem", prob.Error())
		}
		an, err := analyzer.New(analyzer.Options{Knowledge: kb, Clusters: p.Config.Clusters, Timeout: p.Config.NATS.RequestTimeout.Duration, Logger: p.Logger})
		if err != nil {
			return err
		}
		return p.ServeRPC(an)
	})
}
