package natsrpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/nats-io/nats.go/micro"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kubemedic/kubemedic/platform/natsrpc"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

// TestStatsAreTruthful checks the numbers `nats micro stats` shows (the
// "data" of each endpoint) and the Prometheus metrics: real processing time
// and error counts, although handlers run on their own goroutines.
func TestStatsAreTruthful(t *testing.T) {
	ns := startNATS(t)
	server, client := connectTo(t, ns.URL()), connectTo(t, ns.URL())
	reg := prometheus.NewRegistry()
	svc := natsrpc.NewService(knowledgeDesc, natsrpc.ServiceOptions{})
	natsrpc.HandleUnary(svc, askProcedure, func(ctx context.Context, req *kubemedicv1.AskRequest) (*kubemedicv1.AskResponse, error) {
		time.Sleep(30 * time.Millisecond)
		if req.GetQuestion() == "missing" {
			return nil, connect.NewError(connect.CodeNotFound, errors.New("no such runbook"))
		}
		return &kubemedicv1.AskResponse{}, nil
	})
	serve(t, server, natsrpc.ServerConfig{Name: "stats-svc", Metrics: reg}, svc)
	c := natsrpc.NewClient(client, 5*time.Second)
	for _, q := range []string{"a", "b", "c", "missing", "missing"} {
		_ = c.Call(context.Background(), askProcedure, &kubemedicv1.AskRequest{Question: q}, &kubemedicv1.AskResponse{})
	}
	_ = c.Call(context.Background(), kubemedicv1connect.KnowledgeServiceGetEntryProcedure, &kubemedicv1.GetEntryRequest{Id: "x"}, &kubemedicv1.GetEntryResponse{})

	// The reply is published just before the numbers are recorded.
	var byName map[string]natsrpc.EndpointStats
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		msg, err := client.Request("$SRV.STATS.stats-svc", nil, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		var stats micro.Stats
		if err := json.Unmarshal(msg.Data, &stats); err != nil {
			t.Fatal(err)
		}
		byName = map[string]natsrpc.EndpointStats{}
		for _, e := range stats.Endpoints {
			var d natsrpc.EndpointStats
			if err := json.Unmarshal(e.Data, &d); err != nil {
				t.Fatalf("%s data %s: %v", e.Name, e.Data, err)
			}
			byName[e.Name] = d
		}
		if byName["KnowledgeService-Ask"].InFlight == 0 && byName["KnowledgeService-GetEntry"].InFlight == 0 || time.Now().After(deadline) {
			break
		}
	}
	ask := byName["KnowledgeService-Ask"]
	if ask.Requests != 5 || ask.Errors != 2 || ask.InFlight != 0 {
		t.Errorf("Ask stats %+v, want 5 requests, 2 errors", ask)
	}
	if ask.ProcessingTime < 150*time.Millisecond || ask.AverageProcessingTime < 30*time.Millisecond {
		t.Errorf("Ask processing time %s (avg %s), want at least 5×30ms", ask.ProcessingTime, ask.AverageProcessingTime)
	}
	if !contains(ask.LastError, "not_found") {
		t.Errorf("Ask last error %q", ask.LastError)
	}
	if ge := byName["KnowledgeService-GetEntry"]; ge.Requests != 1 || ge.Errors != 1 || !contains(ge.LastError, "unimplemented") {
		t.Errorf("GetEntry stats %+v, want one unimplemented error", ge)
	}

	for _, tt := range []struct {
		code string
		want float64
	}{{"ok", 3}, {"not_found", 2}} {
		got := testutil.ToFloat64(metricOf(t, reg, "kubemedic_rpc_server_handled_total", askProcedure, tt.code))
		if got != tt.want {
			t.Errorf("handled_total{code=%s} = %v, want %v", tt.code, got, tt.want)
		}
	}
}

// metricOf returns a collector of one series gathered from reg.
func metricOf(t *testing.T, reg *prometheus.Registry, name, procedure, code string) prometheus.Collector {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["procedure"] == procedure && labels["code"] == code && labels["service"] == "stats-svc" {
				return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "x", Help: "x"}, func() float64 { return m.GetCounter().GetValue() })
			}
		}
	}
	t.Fatalf("no %s{procedure=%s,code=%s}", name, procedure, code)
	return nil
}
