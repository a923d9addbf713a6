package fleet

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/sweepnotice"
	"github.com/kubemedic/kubemedic/services/fleet/oneshot"
)

// Open builds the Service a kubemedic process runs from its configuration:
// clusters diagnosed with one round of LISTs (package oneshot). JetStream
// must be reachable: the buckets and the job stream are created here.
// notifier posts finished sweeps to fleet.slack_channel; nil posts nothing.
func Open(ctx context.Context, cfg *config.Config, nc *nats.Conn, notifier sweepnotice.Notifier, logger *slog.Logger) (*Service, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("fleet: JetStream: %w", err)
	}
	s, err := New(ctx, Options{
		Clusters:  cfg.Clusters,
		Fleet:     cfg.Fleet,
		JetStream: js,
		Diagnoser: &oneshot.Diagnoser{},
		Notifier:  notifier,
		Logger:    logger,
	})
	if err != nil && cfg.Fleet.Replicas > 1 {
		return nil, fmt.Errorf("%w (fleet.replicas %d needs a NATS cluster with at least %d JetStream servers)", err, cfg.Fleet.Replicas, cfg.Fleet.Replicas)
	}
	return s, err
}
