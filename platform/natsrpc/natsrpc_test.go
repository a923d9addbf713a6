package natsrpc_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/nats-io/nats.go"

	"github.com/kubemedic/kubemedic/platform/embeddednats"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func startNATS(t *testing.T) *embeddednats.Server {
	t.Helper()
	ns, err := embeddednats.Start(embeddednats.Options{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Stop)
	return ns
}

func connectTo(t *testing.T, url string) *natsrpc.Conn {
	t.Helper()
	c, err := natsrpc.Connect(url, natsrpc.ConnectOptions{Name: t.Name(), Logger: quiet, ReconnectWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestCallRoundTripAndErrors(t *testing.T) {
	ns := startNATS(t)
	server, client := connectTo(t, ns.URL()), connectTo(t, ns.URL())
	block := make(chan struct{})
	ask := natsrpc.Unary("KnowledgeService", "Ask", quiet, 5*time.Second,
		func(ctx context.Context, req *kubemedicv1.AskRequest) (*kubemedicv1.AskResponse, error) {
			switch req.GetQuestion() {
			case "bad":
				return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("bad question"))
			case "boom":
				return nil, errors.New("database password is hunter2")
			case "panic":
				panic("kaboom")
			case "slow":
				<-block
			}
			return &kubemedicv1.AskResponse{Answers: []*kubemedicv1.Answer{{EntryId: "echo-" + req.GetQuestion()}}}, nil
		})
	svc, err := natsrpc.Serve(server.Conn, natsrpc.ServiceConfig{Name: "test-svc", Version: "0.0.1"}, ask)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop()
	defer close(block)

	c := natsrpc.NewClient(client, 2*time.Second)
	subject := natsrpc.Subject("KnowledgeService", "Ask")
	if subject != "kubemedic.rpc.v1.KnowledgeService.Ask" {
		t.Fatalf("subject = %s", subject)
	}
	call := func(q string) (*kubemedicv1.AskResponse, error) {
		resp := &kubemedicv1.AskResponse{}
		err := c.Call(context.Background(), subject, &kubemedicv1.AskRequest{Question: q}, resp)
		return resp, err
	}
	resp, err := call("hi")
	if err != nil || resp.GetAnswers()[0].GetEntryId() != "echo-hi" {
		t.Fatalf("round trip: %v %v", resp, err)
	}
	tests := []struct {
		q        string
		code     connect.Code
		msg      string
		notInMsg string
	}{
		{"bad", connect.CodeInvalidArgument, "bad question", ""},
		{"boom", connect.CodeInternal, "internal error", "hunter2"},
		{"panic", connect.CodeInternal, "internal error", "kaboom"},
		{"slow", connect.CodeUnavailable, "did not answer", ""},
	}
	for _, tt := range tests {
		_, err := call(tt.q)
		if connect.CodeOf(err) != tt.code {
			t.Errorf("%s: code %v (%v), want %v", tt.q, connect.CodeOf(err), err, tt.code)
			continue
		}
		var ce *connect.Error
		errors.As(err, &ce)
		if !contains(ce.Message(), tt.msg) || (tt.notInMsg != "" && contains(ce.Message(), tt.notInMsg)) {
			t.Errorf("%s: message %q", tt.q, ce.Message())
		}
	}

	// The caller's own deadline gives DeadlineExceeded, not Unavailable.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = c.Call(ctx, subject, &kubemedicv1.AskRequest{Question: "slow"}, &kubemedicv1.AskResponse{})
	if connect.CodeOf(err) != connect.CodeDeadlineExceeded {
		t.Errorf("caller deadline: %v", err)
	}

	// Nobody serves this subject: Unavailable right away.
	start := time.Now()
	err = c.Call(context.Background(), natsrpc.Subject("FleetService", "ListClusters"), &kubemedicv1.ListClustersRequest{}, &kubemedicv1.ListClustersResponse{})
	if connect.CodeOf(err) != connect.CodeUnavailable || time.Since(start) > time.Second {
		t.Errorf("no responders: %v after %s", err, time.Since(start))
	}

	// A malformed payload is refused as InvalidArgument.
	msg, err := client.Request(subject, []byte{0xff, 0xff, 0xff}, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if code := msg.Header.Get("Nats-Service-Error-Code"); code != "invalid_argument" {
		t.Errorf("malformed request error code %q", code)
	}
}

func TestConcurrentRequests(t *testing.T) {
	ns := startNATS(t)
	server, client := connectTo(t, ns.URL()), connectTo(t, ns.URL())
	release := make(chan struct{})
	arrived := make(chan struct{}, 10)
	ep := natsrpc.Unary("KnowledgeService", "Ask", quiet, 5*time.Second,
		func(ctx context.Context, req *kubemedicv1.AskRequest) (*kubemedicv1.AskResponse, error) {
			arrived <- struct{}{}
			<-release
			return &kubemedicv1.AskResponse{}, nil
		})
	svc, err := natsrpc.Serve(server.Conn, natsrpc.ServiceConfig{Name: "test-svc", Version: "0.0.1"}, ep)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop()
	c := natsrpc.NewClient(client, 5*time.Second)
	errs := make(chan error, 10)
	for range 10 {
		go func() {
			errs <- c.Call(context.Background(), natsrpc.Subject("KnowledgeService", "Ask"), &kubemedicv1.AskRequest{Question: "q"}, &kubemedicv1.AskResponse{})
		}()
	}
	// All ten are in the handler at once: one endpoint does not serialise.
	for range 10 {
		select {
		case <-arrived:
		case <-time.After(3 * time.Second):
			t.Fatal("requests are not handled concurrently")
		}
	}
	close(release)
	for range 10 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestUnavailableWhileDisconnected(t *testing.T) {
	ns := startNATS(t)
	client := connectTo(t, ns.URL())
	c := natsrpc.NewClient(client, 10*time.Second)
	ns.Stop()
	deadline := time.Now().Add(5 * time.Second)
	for client.IsConnected() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	err := c.Call(context.Background(), "kubemedic.rpc.v1.X.Y", &kubemedicv1.AskRequest{}, &kubemedicv1.AskResponse{})
	if connect.CodeOf(err) != connect.CodeUnavailable || !errors.Is(err, natsrpc.ErrUnavailable) {
		t.Fatalf("err = %v, want Unavailable wrapping ErrUnavailable", err)
	}
	if time.Since(start) > time.Second {
		t.Errorf("took %s", time.Since(start))
	}
	if client.Status() == nats.CLOSED {
		t.Error("connection gave up instead of reconnecting")
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
