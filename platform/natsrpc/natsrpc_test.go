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
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

var (
	knowledgeDesc = kubemedicv1.File_kubemedic_v1_knowledge_proto.Services().ByName("KnowledgeService")
	diagnosisDesc = kubemedicv1.File_kubemedic_v1_diagnosis_proto.Services().ByName("DiagnosisService")
	fleetDesc     = kubemedicv1.File_kubemedic_v1_fleet_proto.Services().ByName("FleetService")
)

const askProcedure = kubemedicv1connect.KnowledgeServiceAskProcedure

func startNATS(t testing.TB) *embeddednats.Server {
	t.Helper()
	ns, err := embeddednats.Start(embeddednats.Options{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Stop)
	return ns
}

func connectTo(t testing.TB, url string) *natsrpc.Conn {
	t.Helper()
	c, err := natsrpc.Connect(url, natsrpc.ConnectOptions{Name: t.Name(), Logger: quiet, ReconnectWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func serve(t *testing.T, conn *natsrpc.Conn, cfg natsrpc.ServerConfig, services ...*natsrpc.Service) *natsrpc.Server {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "test-svc"
	}
	cfg.Version = "0.0.1"
	cfg.Logger = quiet
	srv, err := natsrpc.Serve(conn.Conn, cfg, services...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return srv
}

func TestSubject(t *testing.T) {
	tests := []struct {
		procedure, subject string
	}{
		{askProcedure, "kubemedic.rpc.v1.KnowledgeService.Ask"},
		{kubemedicv1connect.FleetServiceRunSweepProcedure, "kubemedic.rpc.v1.FleetService.RunSweep"},
		{"/kubemedic.v2.KnowledgeService/Ask", "kubemedic.rpc.v2.KnowledgeService.Ask"},
		{"/other.v1.Svc/Do", "kubemedic.rpc.other.v1.Svc.Do"},
		{"kubemedic.v1.KnowledgeService/Ask", ""},
		{"/kubemedic.v1.KnowledgeService/", ""},
		{"/kubemedic.v1.Knowledge*/Ask", ""},
		{"/kubemedic.v1.KnowledgeService/Ask/More", ""},
		{"/.v1.X/Y", ""},
	}
	for _, tt := range tests {
		got, err := natsrpc.Subject(tt.procedure)
		if got != tt.subject || (err != nil) != (tt.subject == "") {
			t.Errorf("Subject(%q) = %q, %v; want %q", tt.procedure, got, err, tt.subject)
		}
	}
}

func TestCallRoundTripAndErrors(t *testing.T) {
	ns := startNATS(t)
	server, client := connectTo(t, ns.URL()), connectTo(t, ns.URL())
	block := make(chan struct{})
	svc := natsrpc.NewService(knowledgeDesc, natsrpc.ServiceOptions{Timeout: 5 * time.Second})
	natsrpc.HandleUnary(svc, askProcedure, func(ctx context.Context, req *kubemedicv1.AskRequest) (*kubemedicv1.AskResponse, error) {
		switch req.GetQuestion() {
		case "bad":
			return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("bad question"))
		case "boom":
			return nil, errors.New("database password is hunter2")
		case "panic":
			panic("kaboom")
		case "slow":
			select {
			case <-block:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		return &kubemedicv1.AskResponse{Answers: []*kubemedicv1.Answer{{EntryId: "echo-" + req.GetQuestion()}}}, nil
	})
	serve(t, server, natsrpc.ServerConfig{}, svc)
	defer close(block)

	c := natsrpc.NewClient(client, 2*time.Second)
	call := func(q string) (*kubemedicv1.AskResponse, error) {
		resp := &kubemedicv1.AskResponse{}
		err := c.Call(context.Background(), askProcedure, &kubemedicv1.AskRequest{Question: q}, resp)
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
		// The client gives up after its own 2s timeout: Unavailable.
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
		if !strings.Contains(ce.Message(), tt.msg) || (tt.notInMsg != "" && strings.Contains(ce.Message(), tt.notInMsg)) {
			t.Errorf("%s: message %q", tt.q, ce.Message())
		}
	}

	// The caller's own deadline gives DeadlineExceeded, not Unavailable.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = c.Call(ctx, askProcedure, &kubemedicv1.AskRequest{Question: "slow"}, &kubemedicv1.AskResponse{})
	if connect.CodeOf(err) != connect.CodeDeadlineExceeded {
		t.Errorf("caller deadline: %v", err)
	}

	// Nobody serves FleetService here: Unavailable right away.
	start := time.Now()
	err = c.Call(context.Background(), kubemedicv1connect.FleetServiceListClustersProcedure, &kubemedicv1.ListClustersRequest{}, &kubemedicv1.ListClustersResponse{})
	if connect.CodeOf(err) != connect.CodeUnavailable || time.Since(start) > time.Second {
		t.Errorf("no responders: %v after %s", err, time.Since(start))
	}

	// A malformed procedure name is the caller's bug.
	err = c.Call(context.Background(), "KnowledgeService.Ask", &kubemedicv1.AskRequest{}, &kubemedicv1.AskResponse{})
	if connect.CodeOf(err) != connect.CodeInternal {
		t.Errorf("bad procedure: %v", err)
	}

	// A malformed payload is refused as InvalidArgument.
	subject, _ := natsrpc.Subject(askProcedure)
	msg, err := client.Request(subject, []byte{0xff, 0xff, 0xff}, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if code := msg.Header.Get("Nats-Service-Error-Code"); code != "invalid_argument" {
		t.Errorf("malformed request error code %q", code)
	}
}

// TestDeadlineReachesHandler checks that the caller's deadline travels in a
// header and bounds the handler's context.
func TestDeadlineReachesHandler(t *testing.T) {
	ns := startNATS(t)
	server, client := connectTo(t, ns.URL()), connectTo(t, ns.URL())
	got := make(chan time.Duration, 1)
	svc := natsrpc.NewService(knowledgeDesc, natsrpc.ServiceOptions{Timeout: time.Minute})
	natsrpc.HandleUnary(svc, askProcedure, func(ctx context.Context, _ *kubemedicv1.AskRequest) (*kubemedicv1.AskResponse, error) {
		d, ok := ctx.Deadline()
		if !ok {
			got <- -1
		} else {
			got <- time.Until(d)
		}
		return &kubemedicv1.AskResponse{}, nil
	})
	serve(t, server, natsrpc.ServerConfig{}, svc)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := natsrpc.NewClient(client, time.Minute).Call(ctx, askProcedure, &kubemedicv1.AskRequest{Question: "q"}, &kubemedicv1.AskResponse{}); err != nil {
		t.Fatal(err)
	}
	if d := <-got; d <= 0 || d > 3*time.Second {
		t.Errorf("handler deadline in %s, want within the caller's 3s", d)
	}
}

func TestConcurrentRequests(t *testing.T) {
	ns := startNATS(t)
	server, client := connectTo(t, ns.URL()), connectTo(t, ns.URL())
	release := make(chan struct{})
	arrived := make(chan struct{}, 10)
	svc := natsrpc.NewService(knowledgeDesc, natsrpc.ServiceOptions{})
	natsrpc.HandleUnary(svc, askProcedure, func(ctx context.Context, req *kubemedicv1.AskRequest) (*kubemedicv1.AskResponse, error) {
		arrived <- struct{}{}
		<-release
		return &kubemedicv1.AskResponse{}, nil
	})
	serve(t, server, natsrpc.ServerConfig{}, svc)
	c := natsrpc.NewClient(client, 5*time.Second)
	errs := make(chan error, 10)
	for range 10 {
		go func() {
			errs <- c.Call(context.Background(), askProcedure, &kubemedicv1.AskRequest{Question: "q"}, &kubemedicv1.AskResponse{})
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

// TestCallWaitEnds checks what ends a unary call that is waiting for its
// reply besides the reply: the caller cancelling (Canceled), the caller's
// deadline (DeadlineExceeded), the client's own timeout (Unavailable: the
// service is too slow) and the connection dropping (Unavailable at once);
// and that a reply arriving after its caller gave up goes nowhere.
func TestCallWaitEnds(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration                                            // the client's
		end     func(cancel context.CancelFunc, ns *embeddednats.Server) // once the handler runs
		ctx     func() (context.Context, context.CancelFunc)
		code    connect.Code
		errIs   error
	}{
		{"caller cancels", 10 * time.Second, func(cancel context.CancelFunc, _ *embeddednats.Server) { cancel() },
			func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
			connect.CodeCanceled, nil},
		{"caller deadline", 10 * time.Second, func(context.CancelFunc, *embeddednats.Server) {},
			func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 300*time.Millisecond)
			},
			connect.CodeDeadlineExceeded, nil},
		{"client timeout", 300 * time.Millisecond, func(context.CancelFunc, *embeddednats.Server) {},
			func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 10*time.Second)
			},
			connect.CodeUnavailable, nil},
		{"connection drops", 10 * time.Second, func(_ context.CancelFunc, ns *embeddednats.Server) { ns.Stop() },
			func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
			connect.CodeUnavailable, natsrpc.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := startNATS(t)
			server, client := connectTo(t, ns.URL()), connectTo(t, ns.URL())
			arrived, release := make(chan struct{}, 1), make(chan struct{})
			defer close(release)
			svc := natsrpc.NewService(knowledgeDesc, natsrpc.ServiceOptions{Timeout: time.Minute})
			natsrpc.HandleUnary(svc, askProcedure, func(ctx context.Context, req *kubemedicv1.AskRequest) (*kubemedicv1.AskResponse, error) {
				if req.GetQuestion() == "slow" {
					arrived <- struct{}{}
					<-release // answers late: after the caller gave up
				}
				return &kubemedicv1.AskResponse{Answers: []*kubemedicv1.Answer{{EntryId: req.GetQuestion()}}}, nil
			})
			serve(t, server, natsrpc.ServerConfig{}, svc)
			c := natsrpc.NewClient(client, tt.timeout)
			ctx, cancel := tt.ctx()
			defer cancel()
			go func() {
				<-arrived
				tt.end(cancel, ns)
			}()
			start := time.Now()
			err := c.Call(ctx, askProcedure, &kubemedicv1.AskRequest{Question: "slow"}, &kubemedicv1.AskResponse{})
			if connect.CodeOf(err) != tt.code || (tt.errIs != nil && !errors.Is(err, tt.errIs)) {
				t.Fatalf("err = %v, want code %v (wrapping %v)", err, tt.code, tt.errIs)
			}
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("the call took %s to end", took)
			}
			if tt.name == "connection drops" {
				return
			}
			// The late reply is dropped; the next call gets its own.
			release <- struct{}{}
			resp := &kubemedicv1.AskResponse{}
			if err := c.Call(context.Background(), askProcedure, &kubemedicv1.AskRequest{Question: "next"}, resp); err != nil || resp.GetAnswers()[0].GetEntryId() != "next" {
				t.Errorf("next call: %v %v", resp, err)
			}
		})
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
	for name, call := range map[string]func() error{
		"unary": func() error {
			return c.Call(context.Background(), askProcedure, &kubemedicv1.AskRequest{}, &kubemedicv1.AskResponse{})
		},
		"stream": func() error {
			return natsrpc.ServerStream(context.Background(), c, kubemedicv1connect.DiagnosisServiceDiagnoseProcedure, &kubemedicv1.DiagnoseRequest{},
				func(*kubemedicv1.DiagnoseResponse) error { return nil })
		},
	} {
		start := time.Now()
		err := call()
		if connect.CodeOf(err) != connect.CodeUnavailable || !errors.Is(err, natsrpc.ErrUnavailable) {
			t.Errorf("%s: err = %v, want Unavailable wrapping ErrUnavailable", name, err)
		}
		if time.Since(start) > time.Second {
			t.Errorf("%s: took %s", name, time.Since(start))
		}
	}
	if client.Status() == nats.CLOSED {
		t.Error("connection gave up instead of reconnecting")
	}
}

// TestUnimplemented checks that every method of a registered service answers:
// without a handler, Unimplemented (unary and streaming), never "no
// responders"; and that methods served elsewhere are left to their owner.
func TestUnimplemented(t *testing.T) {
	ns := startNATS(t)
	server, client := connectTo(t, ns.URL()), connectTo(t, ns.URL())
	diag := natsrpc.NewService(diagnosisDesc, natsrpc.ServiceOptions{})
	fleet := natsrpc.NewService(fleetDesc, natsrpc.ServiceOptions{ServedElsewhere: []string{kubemedicv1connect.FleetServiceListClustersProcedure}})
	serve(t, server, natsrpc.ServerConfig{Name: "owner"}, diag, fleet)
	c := natsrpc.NewClient(client, 2*time.Second)

	check := func(name string, err error, want connect.Code) {
		t.Helper()
		if connect.CodeOf(err) != want {
			t.Errorf("%s: %v, want %v", name, err, want)
			return
		}
		if want == connect.CodeUnimplemented {
			var ce *connect.Error
			errors.As(err, &ce)
			if !strings.Contains(ce.Message(), "아직 지원하지 않는") || !strings.Contains(ce.Message(), "not available") {
				t.Errorf("%s: message %q should say so in Korean and English", name, ce.Message())
			}
		}
	}
	check("ListFindings", c.Call(context.Background(), kubemedicv1connect.DiagnosisServiceListFindingsProcedure,
		&kubemedicv1.ListFindingsRequest{}, &kubemedicv1.ListFindingsResponse{}), connect.CodeUnimplemented)
	check("ListSweeps", c.Call(context.Background(), kubemedicv1connect.FleetServiceListSweepsProcedure,
		&kubemedicv1.ListSweepsRequest{}, &kubemedicv1.ListSweepsResponse{}), connect.CodeUnimplemented)
	check("Diagnose", natsrpc.ServerStream(context.Background(), c, kubemedicv1connect.DiagnosisServiceDiagnoseProcedure,
		&kubemedicv1.DiagnoseRequest{}, func(*kubemedicv1.DiagnoseResponse) error { return nil }), connect.CodeUnimplemented)
	check("RunSweep", natsrpc.ServerStream(context.Background(), c, kubemedicv1connect.FleetServiceRunSweepProcedure,
		&kubemedicv1.RunSweepRequest{}, func(*kubemedicv1.RunSweepResponse) error { return nil }), connect.CodeUnimplemented)
	// Nobody serves ListClusters yet: the owner left it to the collector.
	check("ListClusters before its server", c.Call(context.Background(), kubemedicv1connect.FleetServiceListClustersProcedure,
		&kubemedicv1.ListClustersRequest{}, &kubemedicv1.ListClustersResponse{}), connect.CodeUnavailable)

	// The guest serves only what it handles, so it never answers
	// Unimplemented for the owner's methods.
	guest := natsrpc.NewService(fleetDesc, natsrpc.ServiceOptions{HandledOnly: true})
	natsrpc.HandleUnary(guest, kubemedicv1connect.FleetServiceListClustersProcedure,
		func(context.Context, *kubemedicv1.ListClustersRequest) (*kubemedicv1.ListClustersResponse, error) {
			return &kubemedicv1.ListClustersResponse{Clusters: []*kubemedicv1.Cluster{{Name: "dev"}}}, nil
		})
	g := serve(t, connectTo(t, ns.URL()), natsrpc.ServerConfig{Name: "guest"}, guest)
	if n := len(g.Info().Endpoints); n != 1 {
		t.Errorf("guest registered %d endpoints, want 1", n)
	}
	for range 20 { // queue groups would spread calls over both if both subscribed
		resp := &kubemedicv1.ListClustersResponse{}
		if err := c.Call(context.Background(), kubemedicv1connect.FleetServiceListClustersProcedure, &kubemedicv1.ListClustersRequest{}, resp); err != nil || len(resp.GetClusters()) != 1 {
			t.Fatalf("ListClusters: %v %v", resp, err)
		}
	}
	for range 5 {
		check("ListSweeps with guest", c.Call(context.Background(), kubemedicv1connect.FleetServiceListSweepsProcedure,
			&kubemedicv1.ListSweepsRequest{}, &kubemedicv1.ListSweepsResponse{}), connect.CodeUnimplemented)
	}
}

// TestRegistrationMistakes checks that Serve refuses handlers that do not
// match the descriptor, instead of failing at run time.
func TestRegistrationMistakes(t *testing.T) {
	ns := startNATS(t)
	conn := connectTo(t, ns.URL())
	askFn := func(context.Context, *kubemedicv1.AskRequest) (*kubemedicv1.AskResponse, error) { return nil, nil }
	tests := []struct {
		name  string
		build func() *natsrpc.Service
		want  string
	}{
		{"procedure of another service", func() *natsrpc.Service {
			s := natsrpc.NewService(diagnosisDesc, natsrpc.ServiceOptions{})
			natsrpc.HandleUnary(s, askProcedure, askFn)
			return s
		}, "does not belong"},
		{"unknown method", func() *natsrpc.Service {
			s := natsrpc.NewService(knowledgeDesc, natsrpc.ServiceOptions{})
			natsrpc.HandleUnary(s, "/kubemedic.v1.KnowledgeService/Tell", askFn)
			return s
		}, "has no method Tell"},
		{"wrong request type", func() *natsrpc.Service {
			s := natsrpc.NewService(knowledgeDesc, natsrpc.ServiceOptions{})
			natsrpc.HandleUnary(s, kubemedicv1connect.KnowledgeServiceGetEntryProcedure, askFn)
			return s
		}, "takes kubemedic.v1.AskRequest"},
		{"stream as unary", func() *natsrpc.Service {
			s := natsrpc.NewService(diagnosisDesc, natsrpc.ServiceOptions{})
			natsrpc.HandleUnary(s, kubemedicv1connect.DiagnosisServiceDiagnoseProcedure,
				func(context.Context, *kubemedicv1.DiagnoseRequest) (*kubemedicv1.DiagnoseResponse, error) {
					return nil, nil
				})
			return s
		}, "register it with HandleServerStream"},
		{"unary as stream", func() *natsrpc.Service {
			s := natsrpc.NewService(knowledgeDesc, natsrpc.ServiceOptions{})
			natsrpc.HandleServerStream(s, askProcedure,
				func(context.Context, *kubemedicv1.AskRequest, func(*kubemedicv1.AskResponse) error) error { return nil })
			return s
		}, "register it with HandleUnary"},
		{"two handlers", func() *natsrpc.Service {
			s := natsrpc.NewService(knowledgeDesc, natsrpc.ServiceOptions{})
			natsrpc.HandleUnary(s, askProcedure, askFn)
			natsrpc.HandleUnary(s, askProcedure, askFn)
			return s
		}, "two handlers"},
		{"handled and elsewhere", func() *natsrpc.Service {
			s := natsrpc.NewService(knowledgeDesc, natsrpc.ServiceOptions{ServedElsewhere: []string{askProcedure}})
			natsrpc.HandleUnary(s, askProcedure, askFn)
			return s
		}, "ServedElsewhere"},
		{"nil descriptor", func() *natsrpc.Service {
			return natsrpc.NewService(nil, natsrpc.ServiceOptions{})
		}, "descriptor"},
	}
	for _, tt := range tests {
		_, err := natsrpc.Serve(conn.Conn, natsrpc.ServerConfig{Name: "x", Version: "0.0.1", Logger: quiet}, tt.build())
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Serve error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}
func contains(s, sub string) bool { return strings.Contains(s, sub) }
