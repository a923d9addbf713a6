package analyzer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

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

// Close stops the watchers and informers (handing their clusters to other
// replicas) and flushes pending changes.
func (l *Live) Close() { l.close() }

// LiveOptions configures OpenLive.
type LiveOptions struct {
	// Clusters are the configured clusters; may be empty.
	Clusters []config.Cluster
	// Replica names this process among analyzer replicas (cluster leases).
	// Default: the host name and a random suffix.
	Replica string
	// LeaseTTL is how long a dead replica keeps its clusters before another
	// one watches them. Default 6s.
	LeaseTTL time.Duration
	// Replicas is the JetStream replica count of the findings and lease
	// buckets (3 on a NATS cluster). Default 1.
	Replicas int
	// Logger is required.
	Logger *slog.Logger
}

// StartLive wires live diagnosis of clusters on nc with every other option
// at its default (OpenLive).
func StartLive(ctx context.Context, nc *nats.Conn, clusters []config.Cluster, log *slog.Logger) (*Live, error) {
	return OpenLive(ctx, nc, LiveOptions{Clusters: clusters, Logger: log})
}

// OpenLive wires live diagnosis on nc. Nothing contacts a cluster until it
// is first used (see DiagnosisService); with several replicas on one NATS
// system, only the replica holding a cluster's lease does.
func OpenLive(ctx context.Context, nc *nats.Conn, o LiveOptions) (*Live, error) {
	if o.Logger == nil {
		return nil, errors.New("analyzer: LiveOptions.Logger is required")
	}
	log := o.Logger
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("analyzer: JetStream: %w", err)
	}
	pub, err := changefeed.NewPublisher(ctx, changefeed.PublisherOptions{JetStream: js, Logger: log.With("component", "changefeed")})
	if err != nil {
		return nil, err
	}
	var d *DiagnosisService
	col, err := collector.New(collector.Options{
		Clusters: o.Clusters, Changes: pub, Logger: log.With("component", "collector"),
		Registered: func(ctx context.Context) ([]config.Cluster, error) { return registry.Registered(ctx, js) },
		Watcher: func(cluster string) string {
			if d == nil {
				return ""
			}
			return d.WatchedBy(cluster)
		},
	})
	if err != nil {
		pub.Close()
		return nil, err
	}
	ledger, err := findings.Open(ctx, findings.Options{JetStream: js, Replicas: o.Replicas, Logger: log.With("component", "findings")})
	if err != nil {
		col.Close()
		pub.Close()
		return nil, err
	}
	providers := map[string]string{}
	for _, c := range o.Clusters {
		providers[c.Name] = c.Provider
	}
	d, err = NewDiagnosisService(ctx, DiagnosisOptions{
		Collector: col, Ledger: ledger, JetStream: js, Providers: providers,
		Replica: o.Replica, LeaseTTL: o.LeaseTTL, Replicas: o.Replicas,
		Logger: log.With("component", "diagnosis"),
	})
	if err != nil {
		ledger.Close()
		col.Close()
		pub.Close()
		return nil, err
	}
	return &Live{Collector: col, Diagnosis: d, close: func() {
		d.Close()
		ledger.Close()
		col.Close()
		pub.Close()
	}}, nil
}
