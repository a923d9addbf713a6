package natsrpc_test

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/kubemedic/kubemedic/platform/natsrpc"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

const diagnoseProcedure = kubemedicv1connect.DiagnosisServiceDiagnoseProcedure

// diagnoseFunc is a streaming handler shaped as services write them.
type diagnoseFunc = func(ctx context.Context, req *kubemedicv1.DiagnoseRequest, send func(*kubemedicv1.DiagnoseResponse) error) error

func finding(i int) *kubemedicv1.DiagnoseResponse {
	return &kubemedicv1.DiagnoseResponse{Event: &kubemedicv1.DiagnoseResponse_Finding{Finding: &kubemedicv1.Finding{Fingerprint: strconv.Itoa(i)}}}
}

// streamSetup serves fn as DiagnosisService.Diagnose with a fast heartbeat
// and a small window, and returns a client on another connection.
func streamSetup(t *testing.T, fn diagnoseFunc) (*natsrpc.Client, *natsrpc.Conn, *natsrpc.Conn) {
	t.Helper()
	ns := startNATS(t)
	server, client := connectTo(t, ns.URL()), connectTo(t, ns.URL())
	svc := natsrpc.NewService(diagnosisDesc, natsrpc.ServiceOptions{})
	natsrpc.HandleServerStream(svc, diagnoseProcedure, fn)
	serve(t, server, natsrpc.ServerConfig{Heartbeat: 100 * time.Millisecond, Window: 4}, svc)
	return natsrpc.NewClient(client, 2*time.Second), server, client
}

func collect(ctx context.Context, c *natsrpc.Client, recv func(*kubemedicv1.DiagnoseResponse) error) error {
	return natsrpc.ServerStream(ctx, c, diagnoseProcedure, &kubemedicv1.DiagnoseRequest{Cluster: "dev"}, recv)
}

func TestStreamManyMessagesInOrderWithBackpressure(t *testing.T) {
	const n = 500
	var sent atomic.Int64
	c, _, _ := streamSetup(t, func(ctx context.Context, req *kubemedicv1.DiagnoseRequest, send func(*kubemedicv1.DiagnoseResponse) error) error {
		if req.GetCluster() != "dev" {
			return connect.NewError(connect.CodeInvalidArgument, errors.New("request lost on the way"))
		}
		for i := range n {
			if err := send(finding(i)); err != nil {
				return err
			}
			sent.Add(1)
		}
		return nil
	})
	var got int
	maxAhead := int64(0)
	err := collect(context.Background(), c, func(m *kubemedicv1.DiagnoseResponse) error {
		if m.GetFinding().GetFingerprint() != strconv.Itoa(got) {
			t.Fatalf("message %d is %q", got, m.GetFinding().GetFingerprint())
		}
		got++
		if got%50 == 0 {
			time.Sleep(20 * time.Millisecond) // a slow consumer now and then
		}
		maxAhead = max(maxAhead, sent.Load()-int64(got))
		return nil
	})
	if err != nil || got != n {
		t.Fatalf("got %d messages, err %v", got, err)
	}
	// Window 4: the handler never gets more than a window (plus the message
	// being decoded) ahead of the consumer.
	if maxAhead > 5 {
		t.Errorf("handler ran %d messages ahead of the consumer; flow control is not bounding it", maxAhead)
	}
}

func TestStreamErrorMidStream(t *testing.T) {
	c, _, _ := streamSetup(t, func(ctx context.Context, _ *kubemedicv1.DiagnoseRequest, send func(*kubemedicv1.DiagnoseResponse) error) error {
		for i := range 5 {
			if err := send(finding(i)); err != nil {
				return err
			}
		}
		return connect.NewError(connect.CodeNotFound, errors.New("cluster dev vanished"))
	})
	var got int
	err := collect(context.Background(), c, func(*kubemedicv1.DiagnoseResponse) error { got++; return nil })
	if got != 5 || connect.CodeOf(err) != connect.CodeNotFound {
		t.Fatalf("got %d messages and %v, want 5 and NotFound", got, err)
	}
}

func TestStreamPanicIsInternal(t *testing.T) {
	c, _, _ := streamSetup(t, func(ctx context.Context, _ *kubemedicv1.DiagnoseRequest, send func(*kubemedicv1.DiagnoseResponse) error) error {
		_ = send(finding(0))
		panic("secret kaboom")
	})
	err := collect(context.Background(), c, func(*kubemedicv1.DiagnoseResponse) error { return nil })
	var ce *connect.Error
	if !errors.As(err, &ce) || ce.Code() != connect.CodeInternal || contains(ce.Message(), "kaboom") {
		t.Fatalf("err = %v, want Internal without details", err)
	}
}

// endlessStream sends until send fails, reporting why its context ended.
func endlessStream(stopped chan<- error) diagnoseFunc {
	return func(ctx context.Context, _ *kubemedicv1.DiagnoseRequest, send func(*kubemedicv1.DiagnoseResponse) error) error {
		for i := 0; ; i++ {
			if err := send(finding(i)); err != nil {
				<-ctx.Done()
				stopped <- context.Cause(ctx)
				return err
			}
		}
	}
}

func TestStreamCallerCancelStopsHandler(t *testing.T) {
	stopped := make(chan error, 1)
	c, _, _ := streamSetup(t, endlessStream(stopped))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got int
	err := collect(ctx, c, func(*kubemedicv1.DiagnoseResponse) error {
		got++
		if got == 3 {
			cancel()
		}
		return nil
	})
	if connect.CodeOf(err) != connect.CodeCanceled {
		t.Errorf("caller cancel: %v, want Canceled", err)
	}
	select {
	case cause := <-stopped:
		if cause == nil || !contains(cause.Error(), "cancelled") {
			t.Errorf("handler stopped because %v", cause)
		}
	case <-time.After(time.Second):
		// Heartbeat 100ms: the explicit cancel must be much faster than
		// silence detection would be, but both beat a second.
		t.Fatal("handler still running after the caller cancelled")
	}
}

func TestStreamRecvErrorStopsHandler(t *testing.T) {
	stopped := make(chan error, 1)
	c, _, _ := streamSetup(t, endlessStream(stopped))
	stop := errors.New("enough")
	err := collect(context.Background(), c, func(*kubemedicv1.DiagnoseResponse) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("err = %v, want recv's error", err)
	}
	select {
	case <-stopped:
	case <-time.After(time.Second):
		t.Fatal("handler still running after recv failed")
	}
}

// TestStreamCallerVanishes closes the caller's connection mid-stream (its
// process died): the server notices the silence and stops the handler.
func TestStreamCallerVanishes(t *testing.T) {
	stopped := make(chan error, 1)
	c, _, client := streamSetup(t, endlessStream(stopped))
	go func() {
		_ = collect(context.Background(), c, func(*kubemedicv1.DiagnoseResponse) error {
			client.Close()
			return nil
		})
	}()
	select {
	case cause := <-stopped:
		if !contains(cause.Error(), "heartbeats") {
			t.Errorf("handler stopped because %v, want the caller gone", cause)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("handler still running 3s after its caller vanished (heartbeat 100ms)")
	}
}

// TestStreamServerDies closes the serving connection mid-stream: the caller
// gets Unavailable after three silent heartbeats instead of hanging.
func TestStreamServerDies(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	c, server, _ := streamSetup(t, func(ctx context.Context, _ *kubemedicv1.DiagnoseRequest, send func(*kubemedicv1.DiagnoseResponse) error) error {
		if err := send(finding(0)); err != nil {
			return err
		}
		<-block
		return nil
	})
	start := time.Now()
	err := collect(context.Background(), c, func(*kubemedicv1.DiagnoseResponse) error {
		server.Close()
		return nil
	})
	if connect.CodeOf(err) != connect.CodeUnavailable || !errors.Is(err, natsrpc.ErrUnavailable) {
		t.Errorf("err = %v, want Unavailable", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s to notice", d)
	}
}

func TestStreamDeadline(t *testing.T) {
	type seen struct {
		left time.Duration // deadline as the handler started
		err  error
	}
	handler := make(chan seen, 1)
	c, _, _ := streamSetup(t, func(ctx context.Context, _ *kubemedicv1.DiagnoseRequest, send func(*kubemedicv1.DiagnoseResponse) error) error {
		d, ok := ctx.Deadline()
		if !ok {
			handler <- seen{err: errors.New("no deadline in the handler's context")}
			return nil
		}
		left := time.Until(d)
		<-ctx.Done()
		handler <- seen{left: left, err: ctx.Err()}
		return ctx.Err()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := collect(ctx, c, func(*kubemedicv1.DiagnoseResponse) error { return nil })
	if connect.CodeOf(err) != connect.CodeDeadlineExceeded {
		t.Errorf("caller: %v, want DeadlineExceeded", err)
	}
	select {
	case s := <-handler:
		// The handler stops at its own copy of the deadline or when the
		// caller, whose deadline passes at the same moment, says cancel.
		if s.err == nil || s.left <= 0 || s.left > 300*time.Millisecond {
			t.Errorf("handler: deadline %s ahead, stopped with %v", s.left, s.err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("handler did not stop at the deadline")
	}
}

func TestStreamShutdownIsUnavailable(t *testing.T) {
	ns := startNATS(t)
	server, client := connectTo(t, ns.URL()), connectTo(t, ns.URL())
	svc := natsrpc.NewService(diagnosisDesc, natsrpc.ServiceOptions{})
	stopped := make(chan error, 1)
	natsrpc.HandleServerStream(svc, diagnoseProcedure, endlessStream(stopped))
	srv, err := natsrpc.Serve(server.Conn, natsrpc.ServerConfig{Name: "x", Version: "0.0.1", Logger: quiet, Heartbeat: 100 * time.Millisecond, Window: 4}, svc)
	if err != nil {
		t.Fatal(err)
	}
	first := true
	err = collect(context.Background(), natsrpc.NewClient(client, 2*time.Second), func(*kubemedicv1.DiagnoseResponse) error {
		if first {
			first = false
			go func() { _ = srv.Stop(context.Background()) }()
		}
		return nil
	})
	if connect.CodeOf(err) != connect.CodeUnavailable {
		t.Errorf("err = %v, want Unavailable (retry elsewhere)", err)
	}
}

func TestStreamTooMany(t *testing.T) {
	ns := startNATS(t)
	server, client := connectTo(t, ns.URL()), connectTo(t, ns.URL())
	svc := natsrpc.NewService(diagnosisDesc, natsrpc.ServiceOptions{MaxStreams: 1})
	release := make(chan struct{})
	opened := make(chan struct{})
	natsrpc.HandleServerStream(svc, diagnoseProcedure, func(ctx context.Context, _ *kubemedicv1.DiagnoseRequest, send func(*kubemedicv1.DiagnoseResponse) error) error {
		close(opened)
		<-release
		return nil
	})
	serve(t, server, natsrpc.ServerConfig{}, svc)
	c := natsrpc.NewClient(client, 2*time.Second)
	done := make(chan error, 1)
	go func() {
		done <- collect(context.Background(), c, func(*kubemedicv1.DiagnoseResponse) error { return nil })
	}()
	<-opened
	err := collect(context.Background(), c, func(*kubemedicv1.DiagnoseResponse) error { return nil })
	if connect.CodeOf(err) != connect.CodeResourceExhausted {
		t.Errorf("second stream: %v, want ResourceExhausted", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Errorf("first stream: %v", err)
	}
}

// TestStopLetsUnaryCallsFinish checks that a stopping server answers the
// unary calls it already took.
func TestStopLetsUnaryCallsFinish(t *testing.T) {
	ns := startNATS(t)
	server, client := connectTo(t, ns.URL()), connectTo(t, ns.URL())
	svc := natsrpc.NewService(knowledgeDesc, natsrpc.ServiceOptions{})
	arrived := make(chan struct{})
	natsrpc.HandleUnary(svc, askProcedure, func(ctx context.Context, _ *kubemedicv1.AskRequest) (*kubemedicv1.AskResponse, error) {
		close(arrived)
		time.Sleep(200 * time.Millisecond)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return &kubemedicv1.AskResponse{NoAnswer: true}, nil
	})
	srv, err := natsrpc.Serve(server.Conn, natsrpc.ServerConfig{Name: "x", Version: "0.0.1", Logger: quiet}, svc)
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	resp := &kubemedicv1.AskResponse{}
	go func() {
		errc <- natsrpc.NewClient(client, 5*time.Second).Call(context.Background(), askProcedure, &kubemedicv1.AskRequest{Question: "q"}, resp)
	}()
	<-arrived
	if err := srv.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil || !resp.GetNoAnswer() {
		t.Fatalf("call in flight during Stop: %v %v", resp, err)
	}
}
