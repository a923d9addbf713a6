// Package collector is the kubemedic service that connects to the watched
// clusters. It owns one Kubernetes client per configured cluster and serves
// FleetService.ListClusters (reachability, version and node count of each
// cluster). Informer-based state collection arrives with the diagnosis
// features.
package collector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/launch"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

// ServiceName is the NATS micro service name.
const ServiceName = "kubemedic-collector"

// Options configures the collector.
type Options struct {
	// Clusters are the clusters to watch; may be empty.
	Clusters []config.Cluster
	// ProbeTimeout bounds contacting one cluster. Default 5s.
	ProbeTimeout time.Duration
	// Logger is required.
	Logger *slog.Logger
}

// Collector is the collector service.
type Collector struct {
	opts     Options
	clusters []cluster
}

type cluster struct {
	cfg    config.Cluster
	server string
	client kubernetes.Interface
	err    error // why no client could be built
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
		cl := cluster{cfg: cc}
		rules := &clientcmd.ClientConfigLoadingRules{ExplicitPath: cc.Kubeconfig}
		overrides := &clientcmd.ConfigOverrides{CurrentContext: cc.Context}
		rc, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
		if err != nil {
			cl.err = fmt.Errorf("loading kubeconfig %s: %w", cc.Kubeconfig, err)
			o.Logger.Warn("cluster unusable", "cluster", cc.Name, "error", cl.err)
		} else {
			rc.Timeout = o.ProbeTimeout
			cl.server = rc.Host
			cl.client, cl.err = kubernetes.NewForConfig(rc)
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
	out := make([]*kubemedicv1.Cluster, len(c.clusters))
	var wg sync.WaitGroup
	for i := range c.clusters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = c.describe(ctx, &c.clusters[i])
		}()
	}
	wg.Wait()
	return &kubemedicv1.ListClustersResponse{Clusters: out}, nil
}

// describe contacts one cluster; failures make it unreachable, not an error.
func (c *Collector) describe(ctx context.Context, cl *cluster) *kubemedicv1.Cluster {
	m := &kubemedicv1.Cluster{
		Name:     cl.cfg.Name,
		Provider: cl.cfg.Provider,
		Server:   cl.server,
		Labels:   cl.cfg.Labels,
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
