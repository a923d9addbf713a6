package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/kubemedic/kubemedic/proto/client"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

const token = "example-token-0123456789"

// server is a Connect server standing in for the gateway: it checks the
// bearer token as the gateway does and answers Ask and Diagnose.
type server struct {
	kubemedicv1connect.UnimplementedKnowledgeServiceHandler
	kubemedicv1connect.UnimplementedDiagnosisServiceHandler
	deadline chan time.Duration
}

func authorized(h http.Header) error {
	if h.Get("Authorization") != "Bearer "+token {
		return connect.NewError(connect.CodeUnauthenticated, errors.New("unknown bearer token"))
	}
	return nil
}

func (s *server) Ask(ctx context.Context, req *connect.Request[kubemedicv1.AskRequest]) (*connect.Response[kubemedicv1.AskResponse], error) {
	if err := authorized(req.Header()); err != nil {
		return nil, err
	}
	if d, ok := ctx.Deadline(); ok && s.deadline != nil {
		s.deadline <- time.Until(d)
	}
	return connect.NewResponse(&kubemedicv1.AskResponse{Answers: []*kubemedicv1.Answer{{EntryId: "pod-pending", Title: "파드가 Pending 상태로 남아 있음"}}}), nil
}

func (s *server) Diagnose(_ context.Context, req *connect.Request[kubemedicv1.DiagnoseRequest], stream *connect.ServerStream[kubemedicv1.DiagnoseResponse]) error {
	if err := authorized(req.Header()); err != nil {
		return err
	}
	for _, code := range []string{"PodUnschedulable", "CrashLoopBackOff"} {
		if err := stream.Send(&kubemedicv1.DiagnoseResponse{Event: &kubemedicv1.DiagnoseResponse_Finding{Finding: &kubemedicv1.Finding{Code: code}}}); err != nil {
			return err
		}
	}
	return nil
}

func handler(s *server) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(kubemedicv1connect.NewKnowledgeServiceHandler(s))
	mux.Handle(kubemedicv1connect.NewDiagnosisServiceHandler(s))
	return mux
}

func start(t testing.TB, s *server) string {
	ts := httptest.NewUnstartedServer(handler(s))
	ts.Config.Protocols = new(http.Protocols)
	ts.Config.Protocols.SetHTTP1(true)
	ts.Config.Protocols.SetUnencryptedHTTP2(true)
	ts.Start()
	t.Cleanup(ts.Close)
	return ts.URL
}

func Example() {
	gateway := httptest.NewServer(handler(&server{})) // stands in for the gateway
	defer gateway.Close()
	gatewayURL := gateway.URL // e.g. "https://kubemedic.example:7070"

	c, err := client.New(gatewayURL, token, client.WithTimeout(5*time.Second))
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := c.Knowledge.Ask(context.Background(), connect.NewRequest(&kubemedicv1.AskRequest{Question: "파드가 계속 Pending이에요"}))
	if err != nil {
		fmt.Println(connect.CodeOf(err), err)
		return
	}
	for _, a := range resp.Msg.GetAnswers() {
		fmt.Println(a.GetEntryId(), a.GetTitle())
	}
	// Output: pod-pending 파드가 Pending 상태로 남아 있음
}

func TestProtocolsAndToken(t *testing.T) {
	s := &server{deadline: make(chan time.Duration, 1)}
	url := start(t, s)
	for name, opts := range map[string][]client.Option{
		"connect": nil, "grpc over h2c": {client.WithGRPC()}, "json": {client.WithJSON()},
	} {
		c, err := client.New(url, token, append(opts, client.WithTimeout(2*time.Second))...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Knowledge.Ask(context.Background(), connect.NewRequest(&kubemedicv1.AskRequest{Question: "q"})); err != nil {
			t.Errorf("%s Ask: %v", name, err)
		}
		if left := <-s.deadline; left > 2*time.Second || left < time.Second {
			t.Errorf("%s: the server saw %v left, want the 2s default timeout", name, left)
		}
		stream, err := c.Diagnosis.Diagnose(context.Background(), connect.NewRequest(&kubemedicv1.DiagnoseRequest{Cluster: "dev"}))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for stream.Receive() {
			n++
		}
		if stream.Err() != nil || n != 2 {
			t.Errorf("%s Diagnose: %d findings, %v", name, n, stream.Err())
		}
	}
	wrong, _ := client.New(url, "wrong-token-0123456789")
	if _, err := wrong.Knowledge.Ask(context.Background(), connect.NewRequest(&kubemedicv1.AskRequest{Question: "q"})); connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Errorf("wrong token: %v", err)
	}
}

func TestNewRefusesBadInput(t *testing.T) {
	for _, tt := range []struct{ url, token string }{
		{"127.0.0.1:7070", token}, {"ftp://x", token}, {"http://", token}, {"http://127.0.0.1:7070", ""},
	} {
		if _, err := client.New(tt.url, tt.token); err == nil {
			t.Errorf("New(%q, %q) accepted", tt.url, tt.token)
		}
	}
}
