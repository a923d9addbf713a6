// Package collector is kubemedic's connection to the watched clusters. For
// every configured cluster it owns a Kubernetes client and a Live view: one
// shared informer per kind the diagnosis rules read, started lazily by the
// first diagnosis, slimmed before caching, relisting after API server
// restarts and watch expiry. Every change the informers see after their
// initial listing goes to a Sink as a compact notice (kind, namespace, name,
// uid, resourceVersion); the changefeed package publishes those on NATS so
// analyzers re-evaluate only what changed.
//
// The collector serves FleetService.ListClusters (reachability, version,
// node count and the live view's sync state of each cluster) and reports the
// same sync state as readiness details (/readyz?verbose).
package collector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/launch"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
	"github.com/kubemedic/kubemedic/platform/probe"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
	"github.com/kubemedic/kubemedic/services/snapshotstore"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// ServiceName is the NATS micro service name.
const ServiceName = "kubemedic-collector"

// Options configures the collector.
type Options struct {
	// Clusters are the clusters to watch; may be empty.
	Clusters []config.Cluster
	// ProbeTimeout bounds contacting one cluster. Default 5s.
	ProbeTimeout time.Duration
	// QPS and Burst limit each cluster's informer client. Default 20 and 40.
	QPS   float32
	Burst int
	// Changes receives change notices from every cluster; nil means none.
	Changes Sink
	// Logger is required.
	Logger *slog.Logger
	// Registered lists the clusters registered through the API
	// (registry.Registered); ListClusters shows them after Clusters,
	// marked CLUSTER_SOURCE_REGISTERED. Default: none, only Clusters are
	// listed.
	Registered func(ctx context.Context) ([]config.Cluster, error)
	// Watcher names the replica that watches a cluster when this one does
	// not (services/lease); an idle cluster's sync state then says
	// "watched by replica <id>". Default: none.
	Watcher func(cluster string) string
}

// Collector is the collector service.
type Collector struct {
	opts     Options
	clusters []*connection
}

type connection struct {
	cfg    config.Cluster
	server string
	client kubernetes.Interface
	err    error       // why no client could be built
	lo     LiveOptions // builds the next live view after Release

	mu   sync.Mutex
	live *Live
}

// New builds a client for every cluster. A cluster whose kubeconfig cannot be
// loaded is kept and reported as unreachable with the reason, so one broken
// kubeconfig does not take the service down.
func New(o Options) (*Collector, error) {
	if o.Logger == nil {
		return nil, errors.New("collector: Options.Logger is required")
	}
	if o.ProbeTimeout <= 0 {
		o.ProbeTimeout = 5 * time.Second
	}
	c := &Collector{opts: o}
	for _, cc := range o.Clusters {
		cl := &connection{cfg: cc}
		rules := &clientcmd.ClientConfigLoadingRules{ExplicitPath: cc.Kubeconfig}
		overrides := &clientcmd.ConfigOverrides{CurrentContext: cc.Context}
		rc, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
		if err != nil {
			cl.err = fmt.Errorf("loading kubeconfig %s: %w", cc.Kubeconfig, err)
			o.Logger.Warn("cluster unusable", "cluster", cc.Name, "error", cl.err)
		} else {
			cl.server = rc.Host
			cl.lo = LiveOptions{Cluster: cc.Name, Config: rc, QPS: o.QPS, Burst: o.Burst, Sink: o.Changes, Logger: o.Logger}
			cl.live, cl.err = NewLive(cl.lo)
			if cl.err == nil {
				probe := rest.CopyConfig(rc)
				probe.Timeout = o.ProbeTimeout
				cl.client, cl.err = kubernetes.NewForConfig(probe)
			}
		}
		c.clusters = append(c.clusters, cl)
	}
	sort.Slice(c.clusters, func(i, j int) bool { return c.clusters[i].cfg.Name < c.clusters[j].cfg.Name })
	return c, nil
}

// Services are the API methods the collector serves: FleetService.ListClusters.
// The analyzer owns the rest of FleetService.
func (c *Collector) Services() []*natsrpc.Service {
	fleet := natsrpc.NewService(kubemedicv1.File_kubemedic_v1_fleet_proto.Services().ByName("FleetService"),
		natsrpc.ServiceOptions{Timeout: 2 * c.opts.ProbeTimeout, HandledOnly: true})
	natsrpc.HandleUnary(fleet, kubemedicv1connect.FleetServiceListClustersProcedure, c.listClusters)
	return []*natsrpc.Service{fleet}
}

// Serve registers the collector on conn; metrics go to reg (may be nil).
func (c *Collector) Serve(conn *natsrpc.Conn, reg prometheus.Registerer) (*natsrpc.Server, error) {
	return natsrpc.Serve(conn.Conn, natsrpc.ServerConfig{
		Name:        ServiceName,
		Version:     launch.Version,
		Description: "kubemedic cluster connections and state collection",
		Logger:      c.opts.Logger,
		Metrics:     reg,
	}, c.Services()...)
}

func (c *Collector) listClusters(ctx context.Context, _ *kubemedicv1.ListClustersRequest) (*kubemedicv1.ListClustersResponse, error) {
	var registered []config.Cluster
	if c.opts.Registered != nil {
		var err error
		if registered, err = c.opts.Registered(ctx); err != nil {
			return nil, connect.NewError(connect.CodeUnavailable, fmt.Errorf("API로 등록된 클러스터 목록을 읽지 못했습니다 (listing the clusters registered through the API): %w", err))
		}
	}
	out := make([]*kubemedicv1.Cluster, len(c.clusters))
	var wg sync.WaitGroup
	for i := range c.clusters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = c.describe(ctx, c.clusters[i])
		}()
	}
	wg.Wait()
	for _, rc := range registered {
		if slices.ContainsFunc(c.clusters, func(cl *connection) bool { return cl.cfg.Name == rc.Name }) {
			continue // the configuration's own cluster wins (registry.ErrConfigured)
		}
		out = append(out, &kubemedicv1.Cluster{
			Name:     rc.Name,
			Provider: rc.Provider,
			Labels:   rc.Labels,
			Source:   kubemedicv1.ClusterSource_CLUSTER_SOURCE_REGISTERED,
		})
	}
	return &kubemedicv1.ListClustersResponse{Clusters: out}, nil
}

// describe contacts one cluster; failures make it unreachable, not an error.
func (c *Collector) describe(ctx context.Context, cl *connection) *kubemedicv1.Cluster {
	m := &kubemedicv1.Cluster{
		Name:     cl.cfg.Name,
		Provider: cl.cfg.Provider,
		Server:   cl.server,
		Labels:   cl.cfg.Labels,
		Watch:    c.watchStatus(cl),
		Source:   kubemedicv1.ClusterSource_CLUSTER_SOURCE_CONFIG,
	}
	if cl.client == nil {
		return m
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.ProbeTimeout)
	defer cancel()
	v, err := cl.client.Discovery().ServerVersion()
	if err != nil {
		c.opts.Logger.Debug("cluster unreachable", "cluster", cl.cfg.Name, "error", err)
		return m
	}
	m.Reachable = true
	m.Version = v.GitVersion
	// Limit 1 asks etcd for one node and the count of the rest: cheap even
	// for thousands of nodes.
	nodes, err := cl.client.CoreV1().Nodes().List(ctx, metav1.ListOptions{Limit: 1})
	if err == nil {
		n := int64(len(nodes.Items))
		if r := nodes.RemainingItemCount; r != nil {
			n += *r
		}
		m.NodeCount = int32(n)
	}
	return m
}

// Status is the sync state of the named cluster as ListClusters and the
// readiness details report it; nil for an unknown cluster.
func (c *Collector) Status(name string) *kubemedicv1.WatchStatus {
	cl := c.find(name)
	if cl == nil {
		return nil
	}
	return c.watchStatus(cl)
}

func (c *Collector) watchStatus(cl *connection) *kubemedicv1.WatchStatus {
	l := cl.current()
	if l == nil {
		msg := "no client"
		if cl.err != nil {
			msg = cl.err.Error()
		}
		return &kubemedicv1.WatchStatus{State: kubemedicv1.WatchState_WATCH_STATE_UNAVAILABLE, Message: msg}
	}
	s := l.Status()
	if s.GetState() == kubemedicv1.WatchState_WATCH_STATE_IDLE && c.opts.Watcher != nil {
		if w := c.opts.Watcher(cl.cfg.Name); w != "" {
			s.Message = "watched by replica " + w
		}
	}
	return s
}

func (cl *connection) current() *Live {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.live
}

// ErrUnknownCluster is returned by Live for a name not in the configuration.
var ErrUnknownCluster = errors.New("unknown cluster")

// Live returns the live view of the named cluster; an empty name means the
// default cluster (the first configured one). It fails with
// ErrUnknownCluster, or with the reason no client could be built.
func (c *Collector) Live(name string) (*Live, error) {
	if name == "" {
		name = c.Default()
	}
	cl := c.find(name)
	if cl == nil {
		return nil, fmt.Errorf("알 수 없는 클러스터 %q입니다; `kubemedic clusters`로 목록을 보세요 (%w %q)", name, ErrUnknownCluster, name)
	}
	if l := cl.current(); l != nil {
		return l, nil
	}
	return nil, fmt.Errorf("클러스터 %s에 연결할 수 없습니다 (cluster %s is unusable): %w", name, name, cl.err)
}

func (c *Collector) find(name string) *connection {
	for _, cl := range c.clusters {
		if cl.cfg.Name == name {
			return cl
		}
	}
	return nil
}

// Release stops the named cluster's informers and drops their caches, for
// a replica that no longer watches the cluster (another one does, see
// services/lease). The next Live call returns a fresh view that starts on
// first use. Releasing a view that never started does nothing.
func (c *Collector) Release(name string) {
	cl := c.find(name)
	if cl == nil {
		return
	}
	cl.mu.Lock()
	old := cl.live
	if old == nil || !old.Started() {
		cl.mu.Unlock()
		return
	}
	next, err := NewLive(cl.lo)
	if err != nil {
		// Same options as the first time: cannot fail differently, but
		// keep the stopped view rather than none.
		c.opts.Logger.Warn("rebuilding a released live view failed", "cluster", name, "error", err)
		next = old
	}
	cl.live = next
	cl.mu.Unlock()
	old.Stop()
	c.opts.Logger.Info("informers stopped: another replica watches the cluster", "cluster", name)
}

// Default is the default cluster's name: the first configured cluster, or ""
// when none is configured.
func (c *Collector) Default() string {
	if len(c.opts.Clusters) == 0 {
		return ""
	}
	return c.opts.Clusters[0].Name
}

// Names are the configured cluster names in name order.
func (c *Collector) Names() []string {
	out := make([]string, len(c.clusters))
	for i, cl := range c.clusters {
		out[i] = cl.cfg.Name
	}
	return out
}

// AddReadiness adds one readiness detail per cluster ("cluster/<name>") to p.
// A cluster never makes the process unready (one broken cluster must not take
// the others' service down); its line says how far its live view is.
func (c *Collector) AddReadiness(p *probe.Probe) {
	for _, cl := range c.clusters {
		p.AddStatus("cluster/"+cl.cfg.Name, func() (string, error) {
			s := c.watchStatus(cl)
			return strings.ToLower(strings.TrimPrefix(s.GetState().String(), "WATCH_STATE_")) + ": " + s.GetMessage(), nil
		})
	}
}

// Close stops every cluster's informers.
func (c *Collector) Close() {
	for _, cl := range c.clusters {
		if l := cl.current(); l != nil {
			l.Stop()
		}
	}
}

func timestampOf(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }

// PutSnapshot waits for the named cluster's live view ("" = default) and
// stores a copy of it in the snapshot object store, for a remote analyzer's
// initial sync or a client that wants the whole state (see snapshotstore).
func (c *Collector) PutSnapshot(ctx context.Context, store jetstream.ObjectStore, name string) (*jetstream.ObjectInfo, error) {
	l, err := c.Live(name)
	if err != nil {
		return nil, err
	}
	if err := l.WaitSynced(ctx); err != nil {
		return nil, err
	}
	objs, err := l.Snapshot()
	if err != nil {
		return nil, err
	}
	return snapshotstore.Put(ctx, store, l.cluster, objs)
}
