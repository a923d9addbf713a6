package fleet_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
	"github.com/kubemedic/kubemedic/services/fleet/natstest"
	"github.com/kubemedic/kubemedic/services/fleet/sweep"
)

// The FleetService methods over real NATS: registering clusters through the
// API, sweeping them by label, and the error codes callers see.
func TestRPCs(t *testing.T) {
	s, _, _ := natstest.Single(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	diagnosed := make(chan string, 10)
	configured := []config.Cluster{{Name: "prod-a", Kubeconfig: "/k", Labels: map[string]string{"env": "prod"}}}
	startReplica(t, "analyzer", []string{s.ClientURL()}, configured, log, replicaOptions{
		replicas: 1,
		diagnoser: sweep.DiagnoserFunc(func(_ context.Context, c config.Cluster) ([]*kubemedicv1.Finding, error) {
			diagnosed <- c.Name
			return nil, nil
		}),
	})
	conn, err := natsrpc.Connect(s.ClientURL(), natsrpc.ConnectOptions{Name: "gateway", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := natsrpc.NewClient(conn, 10*time.Second)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	var reg kubemedicv1.RegisterClusterResponse
	err = client.Call(ctx, kubemedicv1connect.FleetServiceRegisterClusterProcedure, &kubemedicv1.RegisterClusterRequest{
		Name: "prod-b", Provider: "aks", Labels: map[string]string{"env": "prod", "team": "pay"},
		Credentials: &kubemedicv1.ClusterCredentials{Source: &kubemedicv1.ClusterCredentials_Secret{Secret: &kubemedicv1.SecretKeyRef{Namespace: "kubemedic", Name: "prod-b"}}},
	}, &reg)
	if err != nil {
		t.Fatal(err)
	}
	if reg.GetCluster().GetLabels()["provider"] != "aks" {
		t.Errorf("registered cluster = %v, want the provider label added", reg.GetCluster())
	}

	// A sweep of team=pay reaches only the registered cluster.
	var got []*kubemedicv1.RunSweepResponse
	err = natsrpc.ServerStream(ctx, client, kubemedicv1connect.FleetServiceRunSweepProcedure, &kubemedicv1.RunSweepRequest{Selector: "team=pay"},
		func(m *kubemedicv1.RunSweepResponse) error { got = append(got, m); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].GetSweep().GetState() != kubemedicv1.SweepState_SWEEP_STATE_RUNNING ||
		got[1].GetProgress().GetCluster() != "prod-b" || got[2].GetSweep().GetState() != kubemedicv1.SweepState_SWEEP_STATE_SUCCEEDED {
		t.Fatalf("stream = %v, want running sweep, prod-b progress, finished sweep", got)
	}
	if c := <-diagnosed; c != "prod-b" {
		t.Errorf("diagnosed %s", c)
	}
	var one kubemedicv1.GetSweepResponse
	if err := client.Call(ctx, kubemedicv1connect.FleetServiceGetSweepProcedure, &kubemedicv1.GetSweepRequest{Id: "latest"}, &one); err != nil || one.GetSweep().GetId() != got[0].GetSweep().GetId() {
		t.Errorf("GetSweep(latest) = %v, %v", one.GetSweep().GetId(), err)
	}

	codes := []struct {
		name string
		call func() error
		code connect.Code
		msg  string
	}{
		{"replace a configured cluster", func() error {
			return client.Call(ctx, kubemedicv1connect.FleetServiceRegisterClusterProcedure, &kubemedicv1.RegisterClusterRequest{
				Name: "prod-a", Credentials: &kubemedicv1.ClusterCredentials{Source: &kubemedicv1.ClusterCredentials_InCluster{InCluster: true}},
			}, &kubemedicv1.RegisterClusterResponse{})
		}, connect.CodeFailedPrecondition, "configuration file"},
		{"bad name", func() error {
			return client.Call(ctx, kubemedicv1connect.FleetServiceRegisterClusterProcedure, &kubemedicv1.RegisterClusterRequest{
				Name: "prod b", Credentials: &kubemedicv1.ClusterCredentials{Source: &kubemedicv1.ClusterCredentials_InCluster{InCluster: true}},
			}, &kubemedicv1.RegisterClusterResponse{})
		}, connect.CodeInvalidArgument, "name"},
		{"no credentials", func() error {
			return client.Call(ctx, kubemedicv1connect.FleetServiceRegisterClusterProcedure, &kubemedicv1.RegisterClusterRequest{Name: "x"}, &kubemedicv1.RegisterClusterResponse{})
		}, connect.CodeInvalidArgument, "credentials"},
		{"empty credentials", func() error {
			return client.Call(ctx, kubemedicv1connect.FleetServiceRegisterClusterProcedure, &kubemedicv1.RegisterClusterRequest{Name: "x", Credentials: &kubemedicv1.ClusterCredentials{}}, &kubemedicv1.RegisterClusterResponse{})
		}, connect.CodeInvalidArgument, "credential source"},
		{"bad label", func() error {
			return client.Call(ctx, kubemedicv1connect.FleetServiceRegisterClusterProcedure, &kubemedicv1.RegisterClusterRequest{
				Name: "x", Labels: map[string]string{"env": "a b"}, Credentials: &kubemedicv1.ClusterCredentials{Source: &kubemedicv1.ClusterCredentials_InCluster{InCluster: true}},
			}, &kubemedicv1.RegisterClusterResponse{})
		}, connect.CodeInvalidArgument, "label env=a b"},
		{"deregister a configured cluster", func() error {
			return client.Call(ctx, kubemedicv1connect.FleetServiceDeregisterClusterProcedure, &kubemedicv1.DeregisterClusterRequest{Name: "prod-a"}, &kubemedicv1.DeregisterClusterResponse{})
		}, connect.CodeFailedPrecondition, "configuration file"},
		{"deregister unknown", func() error {
			return client.Call(ctx, kubemedicv1connect.FleetServiceDeregisterClusterProcedure, &kubemedicv1.DeregisterClusterRequest{Name: "nope"}, &kubemedicv1.DeregisterClusterResponse{})
		}, connect.CodeNotFound, "nope"},
		{"sweep with a bad selector", func() error {
			return natsrpc.ServerStream(ctx, client, kubemedicv1connect.FleetServiceRunSweepProcedure, &kubemedicv1.RunSweepRequest{Selector: "env in prod"},
				func(*kubemedicv1.RunSweepResponse) error { return nil })
		}, connect.CodeInvalidArgument, "레이블 셀렉터"},
		{"sweep selecting nothing", func() error {
			return natsrpc.ServerStream(ctx, client, kubemedicv1connect.FleetServiceRunSweepProcedure, &kubemedicv1.RunSweepRequest{Selector: "env=staging"},
				func(*kubemedicv1.RunSweepResponse) error { return nil })
		}, connect.CodeFailedPrecondition, "점검할 클러스터가 없습니다"},
		{"unknown sweep", func() error {
			return client.Call(ctx, kubemedicv1connect.FleetServiceGetSweepProcedure, &kubemedicv1.GetSweepRequest{Id: "20200101T000000000Z-000000"}, &kubemedicv1.GetSweepResponse{})
		}, connect.CodeNotFound, "sweep not found"},
		{"page too large", func() error {
			return client.Call(ctx, kubemedicv1connect.FleetServiceListSweepsProcedure, &kubemedicv1.ListSweepsRequest{PageSize: 101}, &kubemedicv1.ListSweepsResponse{})
		}, connect.CodeInvalidArgument, "page_size"},
	}
	for _, tt := range codes {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var ce *connect.Error
			if !errors.As(err, &ce) || ce.Code() != tt.code || !strings.Contains(ce.Message(), tt.msg) {
				t.Errorf("error = %v, want %s mentioning %q", err, tt.code, tt.msg)
			}
		})
	}

	if err := client.Call(ctx, kubemedicv1connect.FleetServiceDeregisterClusterProcedure, &kubemedicv1.DeregisterClusterRequest{Name: "prod-b"}, &kubemedicv1.DeregisterClusterResponse{}); err != nil {
		t.Fatal(err)
	}
	err = natsrpc.ServerStream(ctx, client, kubemedicv1connect.FleetServiceRunSweepProcedure, &kubemedicv1.RunSweepRequest{Selector: "team=pay"},
		func(*kubemedicv1.RunSweepResponse) error { return nil })
	if connect.CodeOf(err) != connect.CodeFailedPrecondition {
		t.Errorf("sweep after deregistering: %v, want FailedPrecondition", err)
	}
}
