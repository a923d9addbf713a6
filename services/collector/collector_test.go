package collector_test

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"testing"
	"time"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
	"github.com/kubemedic/kubemedic/services/collector"
	"github.com/kubemedic/kubemedic/services/fleet/natstest"
	"github.com/kubemedic/kubemedic/services/fleet/registry"
)

// ListClusters over real NATS lists the configuration's clusters and the
// ones registered through the API (kept by the fleet registry in its
// JetStream bucket), each marked with its source.
func TestListClustersIncludesRegistered(t *testing.T) {
	configured := []config.Cluster{{Name: "prod-a", Provider: "nks", Kubeconfig: "/nonexistent/kubeconfig"}}
	prodB := config.Cluster{Name: "prod-b", Provider: "aks", Labels: map[string]string{"team": "pay"}, Secret: &config.SecretRef{Namespace: "kubemedic", Name: "prod-b"}}
	type listed struct {
		source kubemedicv1.ClusterSource
		labels map[string]string
	}
	tests := []struct {
		name       string
		register   []config.Cluster
		deregister []string
		want       map[string]listed
	}{
		{"nothing registered yet (no bucket)", nil, nil, map[string]listed{
			"prod-a": {kubemedicv1.ClusterSource_CLUSTER_SOURCE_CONFIG, nil},
		}},
		{"registered cluster listed after the configured one", []config.Cluster{prodB}, nil, map[string]listed{
			"prod-a": {kubemedicv1.ClusterSource_CLUSTER_SOURCE_CONFIG, nil},
			"prod-b": {kubemedicv1.ClusterSource_CLUSTER_SOURCE_REGISTERED, map[string]string{"team": "pay", "provider": "aks"}},
		}},
		{"deregistered cluster gone", []config.Cluster{prodB}, []string{"prod-b"}, map[string]listed{
			"prod-a": {kubemedicv1.ClusterSource_CLUSTER_SOURCE_CONFIG, nil},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, js := natstest.Single(t)
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			if len(tt.register) > 0 {
				reg, err := registry.New(ctx, registry.Options{Configured: configured, JetStream: js})
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range tt.register {
					if _, err := reg.Register(ctx, c); err != nil {
						t.Fatal(err)
					}
				}
				for _, name := range tt.deregister {
					if err := reg.Deregister(ctx, name); err != nil {
						t.Fatal(err)
					}
				}
			}
			col, err := collector.New(collector.Options{
				Clusters: configured, Logger: log, ProbeTimeout: time.Second,
				Registered: func(ctx context.Context) ([]config.Cluster, error) { return registry.Registered(ctx, js) },
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(col.Close)
			conn, err := natsrpc.Connect(s.ClientURL(), natsrpc.ConnectOptions{Logger: log})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(conn.Close)
			srv, err := col.Serve(conn, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = srv.Stop(context.Background()) })

			var resp kubemedicv1.ListClustersResponse
			if err := natsrpc.NewClient(conn, 10*time.Second).Call(ctx, kubemedicv1connect.FleetServiceListClustersProcedure, &kubemedicv1.ListClustersRequest{}, &resp); err != nil {
				t.Fatal(err)
			}
			got := map[string]listed{}
			var order []string
			for _, c := range resp.GetClusters() {
				got[c.GetName()] = listed{c.GetSource(), c.GetLabels()}
				order = append(order, c.GetName())
			}
			if len(got) != len(tt.want) || order[0] != "prod-a" {
				t.Fatalf("listed %v, want %v with prod-a first", order, tt.want)
			}
			for name, w := range tt.want {
				g, ok := got[name]
				if !ok || g.source != w.source || (w.labels != nil && !maps.Equal(g.labels, w.labels)) {
					t.Errorf("%s listed as %+v, want %+v", name, g, w)
				}
			}
		})
	}
}
