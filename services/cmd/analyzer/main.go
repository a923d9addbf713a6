// Command analyzer runs the kubemedic analyzer service (knowledge base,
// diagnosis and fleet sweeps) against an external NATS server
// (KUBEMEDIC_NATS_URL).
package main

import (
	"context"

	"github.com/kubemedic/kubemedic/bot"
	"github.com/kubemedic/kubemedic/platform/launch"
	"github.com/kubemedic/kubemedic/services/analyzer"
	"github.com/kubemedic/kubemedic/services/fleet"
)

func main() {
	launch.Main("analyzer", func(ctx context.Context, p *launch.Process) error {
		kb, err := analyzer.OpenKnowledge(ctx, p)
		if err != nil {
			return err
		}
		conn, err := p.ConnectNATS(p.Config.NATS.URL)
		if err != nil {
			return err
		}
		// The analyzer reads clusters through its own informers; they
		// publish change notices too, so a notice never arrives before this
		// process's cache holds the change (the collector's own notices only
		// add re-evaluations). With several replicas, each cluster is
		// watched by the one holding its lease; the buckets get the fleet's
		// JetStream replica count.
		live, err := analyzer.OpenLive(ctx, conn.Conn, analyzer.LiveOptions{Clusters: p.Config.Clusters, Replicas: p.Config.Fleet.Replicas, Logger: p.Logger})
		if err != nil {
			return err
		}
		p.OnClose(live.Close)
		live.Collector.AddReadiness(p.Probe)
		// Sweeps: this replica takes sweep jobs and competes for schedule slots.
		// Finished sweeps go to fleet.slack_channel through the bot
		// package's Slack client (no gateway or Bot needed).
		sweepNotes, err := bot.SweepNotifierFromConfig(p.Config, p.Logger.With("component", "sweep-notifier"))
		if err != nil {
			return err
		}
		fl, err := fleet.Open(ctx, p.Config, conn.Conn, sweepNotes, p.Logger.With("component", "fleet"))
		if err != nil {
			return err
		}
		p.Add(launch.Component{Name: "fleet", Run: fl.Run})
		// Every replica records the questions it answers for `kb gaps`.
		asks := analyzer.OpenAskLog(ctx, p, conn.Conn)
		an, err := analyzer.New(analyzer.Options{Knowledge: kb, Clusters: p.Config.Clusters, Diagnosis: live.Diagnosis, Fleet: fl, Timeout: p.Config.NATS.RequestTimeout.Duration, Logger: p.Logger, AskLog: asks})
		if err != nil {
			return err
		}
		return p.ServeRPC(an)
	})
}
