// Package fleet assembles fleet-wide sweeps into one service: the cluster
// registry (fleet/registry), the sweep manager and worker (fleet/sweep), the
// cron scheduler (fleet/schedule) and the FleetService RPCs that expose them
// (RunSweep, ListSweeps, GetSweep, RegisterCluster, DeregisterCluster).
//
// Every analyzer replica runs one Service: each takes sweep jobs from the
// shared JetStream work queue and each competes for schedule slots, so more
// replicas mean more clusters swept at once and no single point of failure.
// ListClusters stays with the collector.
package fleet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"connectrpc.com/connect"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
	"github.com/kubemedic/kubemedic/platform/sweepnotice"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
	"github.com/kubemedic/kubemedic/services/fleet/registry"
	"github.com/kubemedic/kubemedic/services/fleet/schedule"
	"github.com/kubemedic/kubemedic/services/fleet/sweep"
)

// Options configures New.
type Options struct {
	// Clusters are the configured clusters. Default none.
	Clusters []config.Cluster
	// Fleet is the fleet section of the configuration (defaults applied by
	// config.Load). Required: Concurrency, ClusterTimeout, MaxDeliver and
	// Replicas must be set.
	Fleet config.Fleet
	// JetStream holds every bucket and stream. Required.
	JetStream jetstream.JetStream
	// Diagnoser diagnoses one cluster. Required.
	Diagnoser sweep.Diagnoser
	// Replica names this replica (results, claims). Default: the host name.
	Replica string
	// AckWait is how soon a dead replica's jobs go to another. Default 30s.
	AckWait time.Duration
	// Notifier posts finished sweeps to fleet.slack_channel. Default none.
	Notifier sweepnotice.Notifier
	// Logger is required.
	Logger *slog.Logger
}

// Service is one replica's part of the fleet.
type Service struct {
	// Registry is the cluster list.
	Registry *registry.Registry
	// Sweeps starts, runs and serves sweeps.
	Sweeps    *sweep.Manager
	scheduler *schedule.Scheduler
	log       *slog.Logger
}

// New opens the registry, the sweep store and queue, and parses the
// schedules.
func New(ctx context.Context, o Options) (*Service, error) {
	switch {
	case o.JetStream == nil:
		return nil, errors.New("fleet: Options.JetStream is required")
	case o.Diagnoser == nil:
		return nil, errors.New("fleet: Options.Diagnoser is required")
	case o.Logger == nil:
		return nil, errors.New("fleet: Options.Logger is required")
	case o.Fleet.Concurrency < 1 || o.Fleet.ClusterTimeout.Duration <= 0 || o.Fleet.MaxDeliver < 1 || o.Fleet.Replicas < 1:
		return nil, errors.New("fleet: Options.Fleet needs the defaults of config.Load")
	}
	reg, err := registry.New(ctx, registry.Options{Configured: o.Clusters, JetStream: o.JetStream, Replicas: o.Fleet.Replicas})
	if err != nil {
		return nil, err
	}
	notifier := o.Notifier
	if o.Fleet.SlackChannel == "" {
		notifier = nil
	}
	m, err := sweep.New(ctx, sweep.Options{
		JetStream:      o.JetStream,
		Clusters:       reg,
		Diagnoser:      o.Diagnoser,
		Logger:         o.Logger,
		Worker:         o.Replica,
		Concurrency:    o.Fleet.Concurrency,
		ClusterTimeout: o.Fleet.ClusterTimeout.Duration,
		AckWait:        o.AckWait,
		MaxDeliver:     o.Fleet.MaxDeliver,
		Replicas:       o.Fleet.Replicas,
		Notifier:       notifier,
		Channel:        o.Fleet.SlackChannel,
	})
	if err != nil {
		return nil, err
	}
	replica := o.Replica
	if replica == "" {
		replica = hostname()
	}
	s := &Service{Registry: reg, Sweeps: m, log: o.Logger}
	s.scheduler, err = schedule.New(ctx, schedule.Options{
		Sweeps:    o.Fleet.Sweeps,
		JetStream: o.JetStream,
		Replica:   replica,
		Replicas:  o.Fleet.Replicas,
		Logger:    o.Logger,
		Start:     s.startScheduled,
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// startScheduled starts a scheduled sweep and sees it to its end, so it is
// finalized even if the replicas that ran its last jobs stop.
func (s *Service) startScheduled(ctx context.Context, r sweep.Request) error {
	rec, err := s.Sweeps.Start(ctx, r)
	if err != nil {
		return err
	}
	go func() {
		if _, err := s.Sweeps.Watch(ctx, rec.GetId(), nil); err != nil && ctx.Err() == nil {
			s.log.Warn("following the scheduled sweep failed", "sweep", rec.GetId(), "error", err)
		}
	}()
	return nil
}

// Run takes sweep jobs and fires schedules until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.Sweeps.Work(ctx) })
	g.Go(func() error { return s.scheduler.Run(ctx) })
	return g.Wait()
}

// Handle adds the FleetService methods this service implements to svc (the
// analyzer's FleetService; ListClusters is served elsewhere).
func (s *Service) Handle(svc *natsrpc.Service) {
	natsrpc.HandleServerStream(svc, kubemedicv1connect.FleetServiceRunSweepProcedure, s.RunSweep)
	natsrpc.HandleUnary(svc, kubemedicv1connect.FleetServiceListSweepsProcedure, s.ListSweeps)
	natsrpc.HandleUnary(svc, kubemedicv1connect.FleetServiceGetSweepProcedure, s.GetSweep)
	natsrpc.HandleUnary(svc, kubemedicv1connect.FleetServiceRegisterClusterProcedure, s.RegisterCluster)
	natsrpc.HandleUnary(svc, kubemedicv1connect.FleetServiceDeregisterClusterProcedure, s.DeregisterCluster)
}

// RunSweep starts a sweep and streams each cluster's progress, then the
// finished sweep.
func (s *Service) RunSweep(ctx context.Context, req *kubemedicv1.RunSweepRequest, send func(*kubemedicv1.RunSweepResponse) error) error {
	rec, err := s.Sweeps.Start(ctx, sweep.Request{Selector: req.GetSelector(), Clusters: req.GetClusters(), MinSeverity: req.GetMinSeverity()})
	if err != nil {
		return rpcError(err)
	}
	// The running record first: the caller learns the id and the clusters.
	if err := send(&kubemedicv1.RunSweepResponse{Event: &kubemedicv1.RunSweepResponse_Sweep{Sweep: rec}}); err != nil {
		return err
	}
	done, err := s.Sweeps.Watch(ctx, rec.GetId(), func(p *kubemedicv1.SweepProgress) error {
		return send(&kubemedicv1.RunSweepResponse{Event: &kubemedicv1.RunSweepResponse_Progress{Progress: p}})
	})
	if err != nil {
		if ctx.Err() == nil {
			return err
		}
		code := connect.CodeUnavailable // the caller left or this replica is stopping
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			code = connect.CodeDeadlineExceeded
		}
		return connect.NewError(code, fmt.Errorf(
			"stopped following sweep %s; it keeps running on the other replicas: kubemedic sweep show %s (점검은 계속 진행됩니다)", rec.GetId(), rec.GetId()))
	}
	return send(&kubemedicv1.RunSweepResponse{Event: &kubemedicv1.RunSweepResponse_Sweep{Sweep: done}})
}

// ListSweeps pages past sweeps, newest first.
func (s *Service) ListSweeps(ctx context.Context, req *kubemedicv1.ListSweepsRequest) (*kubemedicv1.ListSweepsResponse, error) {
	size := int(req.GetPageSize())
	switch {
	case size < 0 || size > 100:
		return nil, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("page_size %d: 0부터 100까지 (want 0 to 100)", size))
	case size == 0:
		size = 20
	}
	l, next, err := s.Sweeps.List(ctx, size, req.GetPageToken())
	if err != nil {
		return nil, rpcError(err)
	}
	return &kubemedicv1.ListSweepsResponse{Sweeps: l, NextPageToken: next}, nil
}

// GetSweep returns one sweep ("latest" = newest).
func (s *Service) GetSweep(ctx context.Context, req *kubemedicv1.GetSweepRequest) (*kubemedicv1.GetSweepResponse, error) {
	if req.GetId() == "" {
		return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("점검 ID가 필요합니다 (id is required; \"latest\" for the newest)"))
	}
	sw, err := s.Sweeps.Get(ctx, req.GetId())
	if err != nil {
		return nil, rpcError(err)
	}
	return &kubemedicv1.GetSweepResponse{Sweep: sw}, nil
}

// RegisterCluster adds or replaces an API-registered cluster.
func (s *Service) RegisterCluster(ctx context.Context, req *kubemedicv1.RegisterClusterRequest) (*kubemedicv1.RegisterClusterResponse, error) {
	c := config.Cluster{Name: req.GetName(), Provider: req.GetProvider(), Labels: req.GetLabels(), Context: req.GetCredentials().GetContext()}
	switch src := req.GetCredentials().GetSource().(type) {
	case *kubemedicv1.ClusterCredentials_KubeconfigFile:
		c.Kubeconfig = src.KubeconfigFile
	case *kubemedicv1.ClusterCredentials_InCluster:
		c.InCluster = src.InCluster
	case *kubemedicv1.ClusterCredentials_Secret:
		c.Secret = &config.SecretRef{Namespace: src.Secret.GetNamespace(), Name: src.Secret.GetName(), Key: src.Secret.GetKey()}
	}
	got, err := s.Registry.Register(ctx, c)
	if err != nil {
		return nil, rpcError(err)
	}
	s.log.Info("cluster registered", "cluster", got.Name, "provider", got.Provider)
	return &kubemedicv1.RegisterClusterResponse{Cluster: &kubemedicv1.Cluster{Name: got.Name, Provider: got.Provider, Labels: got.Labels, Source: kubemedicv1.ClusterSource_CLUSTER_SOURCE_REGISTERED}}, nil
}

// DeregisterCluster removes an API-registered cluster.
func (s *Service) DeregisterCluster(ctx context.Context, req *kubemedicv1.DeregisterClusterRequest) (*kubemedicv1.DeregisterClusterResponse, error) {
	if err := s.Registry.Deregister(ctx, req.GetName()); err != nil {
		return nil, rpcError(err)
	}
	s.log.Info("cluster deregistered", "cluster", req.GetName())
	return &kubemedicv1.DeregisterClusterResponse{}, nil
}

// rpcError gives registry and sweep errors their codes; validation errors
// (bad selector, bad cluster) are InvalidArgument.
func rpcError(err error) error {
	var ce *connect.Error
	switch {
	case errors.As(err, &ce):
		return err
	case errors.Is(err, sweep.ErrNotFound), errors.Is(err, registry.ErrNotFound):
		return connect.NewError(connect.CodeNotFound, err)
	case errors.Is(err, sweep.ErrNoClusters):
		return connect.NewError(connect.CodeFailedPrecondition, fmt.Errorf("점검할 클러스터가 없습니다 (%w)", err))
	case errors.Is(err, registry.ErrConfigured):
		return connect.NewError(connect.CodeFailedPrecondition, err)
	case errors.Is(err, registry.ErrInvalid):
		return connect.NewError(connect.CodeInvalidArgument, err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout), errors.Is(err, nats.ErrNoResponders),
		errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, jetstream.ErrNoStreamResponse):
		return connect.NewError(connect.CodeUnavailable, fmt.Errorf("JetStream is not answering; retry shortly: %w", err))
	}
	return err
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "kubemedic"
	}
	return h
}
