package analyzer

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/services/changefeed"
	"github.com/kubemedic/kubemedic/services/collector"
	"github.com/kubemedic/kubemedic/services/findings"
	"github.com/kubemedic/kubemedic/services/fleet/registry"
)

// Live is what a process needs for live diagnosis, wired together: a
// collector whose informers publish on the change feed, the findings ledger
// and the DiagnosisService reading both.
type Live struct {
	Collector *collector.Collector
	Diagnosis *DiagnosisService
	close     func()
}

// Close stops the watchers and informers and flushes pending changes.
func (l *Live) Close() { l.close() }

// StartLive wires live diagnosis of clusters on nc. Nothing contacts a
// cluster until it is first used (see DiagnosisService).
func StartLive(ctx context.Context, nc *nats.Conn, clusters []config.Cluster, log *slog.Logger) (*Live, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("analyzer: JetStream: %w", err)
	}
	pub, err := changefeed.NewPublisher(ctx, changefeed.PublisherOptions{JetStream: js, Logger: log.With("component", "changefeed")})
	if err != nil {
		return nil, err
	}
	col, err := collector.New(collector.Options{
		Clusters: clusters, Changes: pub, Logger: log.With("component", "collector"),
		Registered: func(ctx context.Context) ([]config.Cluster, error) { return registry.Registered(ctx, js) },
	})
	if err != nil {
		pub.Close()
		return nil, err
	}
	ledger, err := findings.Open(ctx, findings.Options{JetStream: js, Logger: log.With("component", "findings")})
	if err != nil {
		col.Close()
		pub.Close()
		return nil, err
	}
	providers := map[string]string{}
	for _, c := range clusters {
		providers[c.Name] = c.Provider
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	d, err := NewDiagnosisService(wctx, DiagnosisOptions{
		Collector: col, Ledger: ledger, JetStream: js, Providers: providers,
		Logger: log.With("component", "diagnosis"),
	})
	if err != nil {
		cancel()
		col.Close()
		pub.Close()
		return nil, err
	}
	return &Live{Collector: col, Diagnosis: d, close: func() {
		cancel()
		col.Close()
		pub.Close()
	}}, nil
}
