package natsrpc_test

import (
	"context"
	"testing"
	"time"

	"github.com/kubemedic/kubemedic/platform/natsrpc"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// askBench serves a one-answer Ask over an embedded NATS server and returns
// a client of it and a request.
func askBench(b *testing.B) (*natsrpc.Client, *kubemedicv1.AskRequest) {
	ns := startNATS(b)
	server, client := connectTo(b, ns.URL()), connectTo(b, ns.URL())
	svc := natsrpc.NewService(knowledgeDesc, natsrpc.ServiceOptions{})
	natsrpc.HandleUnary(svc, askProcedure, func(context.Context, *kubemedicv1.AskRequest) (*kubemedicv1.AskResponse, error) {
		return &kubemedicv1.AskResponse{Answers: []*kubemedicv1.Answer{{EntryId: "x", Body: "본문"}}}, nil
	})
	srv, err := natsrpc.Serve(server.Conn, natsrpc.ServerConfig{Name: "bench", Version: "0.0.1", Logger: quiet}, svc)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Stop(context.Background()) })
	return natsrpc.NewClient(client, 5*time.Second), &kubemedicv1.AskRequest{Question: "파드가 계속 Pending이에요"}
}

// BenchmarkCall measures one unary round trip over an embedded NATS server.
func BenchmarkCall(b *testing.B) {
	c, req := askBench(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := c.Call(context.Background(), askProcedure, req, &kubemedicv1.AskResponse{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStream measures stream throughput: b.N messages on one stream,
// with the default window and heartbeat.
func BenchmarkStream(b *testing.B) {
	ns := startNATS(b)
	server, client := connectTo(b, ns.URL()), connectTo(b, ns.URL())
	svc := natsrpc.NewService(diagnosisDesc, natsrpc.ServiceOptions{})
	n := 0
	natsrpc.HandleServerStream(svc, diagnoseProcedure, func(ctx context.Context, _ *kubemedicv1.DiagnoseRequest, send func(*kubemedicv1.DiagnoseResponse) error) error {
		m := finding(1)
		for range n {
			if err := send(m); err != nil {
				return err
			}
		}
		return nil
	})
	srv, err := natsrpc.Serve(server.Conn, natsrpc.ServerConfig{Name: "bench", Version: "0.0.1", Logger: quiet}, svc)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Stop(context.Background())
	c := natsrpc.NewClient(client, 5*time.Second)
	n = b.N
	got := 0
	b.ReportAllocs()
	b.ResetTimer()
	err = natsrpc.ServerStream(context.Background(), c, diagnoseProcedure, &kubemedicv1.DiagnoseRequest{}, func(*kubemedicv1.DiagnoseResponse) error {
		got++
		return nil
	})
	b.StopTimer()
	if err != nil || got != b.N {
		b.Fatalf("got %d of %d messages: %v", got, b.N, err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
