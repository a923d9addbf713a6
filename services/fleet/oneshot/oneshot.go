// Package oneshot diagnoses a cluster for a sweep the way `kubemedic
// diagnose` does: one round of LISTs against the API server (package
// diagnosis/live), then the default diagnosis engine over that state. No
// informer or watch is left behind, so a sweep over many clusters costs one
// LIST per resource kind per cluster and nothing afterwards.
package oneshot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kubemedic/kubemedic/platform/config"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis"
	"github.com/kubemedic/kubemedic/services/diagnosis/live"
	"github.com/kubemedic/kubemedic/services/fleet/registry"
)

// Diagnoser implements sweep.Diagnoser.
type Diagnoser struct {
	// Credentials turn a cluster's credential source into a client config.
	// Default: a registry.Credentials reading Secrets in-cluster.
	Credentials *registry.Credentials
	// RequestTimeout bounds each API request. Default 30s; the sweep's
	// per-cluster timeout bounds the whole diagnosis.
	RequestTimeout time.Duration
	// Now stamps findings. Default time.Now.
	Now func() time.Time
}

// Diagnose lists cluster c once and analyses it.
func (d *Diagnoser) Diagnose(ctx context.Context, c config.Cluster) ([]*kubemedicv1.Finding, error) {
	creds := d.Credentials
	if creds == nil {
		creds = &registry.Credentials{}
	}
	rc, err := creds.RESTConfig(ctx, c)
	if err != nil {
		return nil, err
	}
	rc.Timeout = d.RequestTimeout
	if rc.Timeout <= 0 {
		rc.Timeout = 30 * time.Second
	}
	res, err := live.Collect(ctx, live.Options{Config: rc})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("listing the cluster (%s): %w", rc.Host, err)
	}
	provider := c.Provider
	if provider == "generic" {
		provider = "" // detected from the nodes
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	engine, err := diagnosis.Default(ctx)
	if err != nil {
		return nil, errors.Join(errors.New("loading the diagnosis rules"), err)
	}
	fs, err := engine.Analyze(ctx, res.State, diagnosis.Options{Cluster: c.Name, Provider: provider, Now: now()})
	if err != nil {
		return nil, errors.Join(errors.New("analysing the cluster"), err)
	}
	return fs, nil
}
