package gateway_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/kubemedic/kubemedic/gateway"
	"github.com/kubemedic/kubemedic/platform/embeddednats"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

const (
	aliceToken = "alice-token-0123456789"
	botToken   = "slackbot-token-0123456789"
	readToken  = "readonly-token-0123456789"
	teamAToken = "team-a-token-0123456789"
	slowToken  = "rate-limited-token-0123456789"
)

// fixture is a gateway in front of real NATS and natsrpc services.
type fixture struct {
	gw       *gateway.Server
	addr     string
	asks     atomic.Int64 // Ask calls that reached the service
	acting   chan *kubemedicv1.Identity
	messages int
	// watchStopped gets why the WatchFindings handler stopped.
	watchStopped chan error
	// deadlines gets the time left on ListEntries' context in the service.
	deadlines chan time.Duration
	// traces gets the trace id of each Ask's context in the service.
	traces chan trace.TraceID
	// tls, cors and maxBytes configure the gateway (before newFixture
	// returns; set through fixtureOption).
	opts gateway.Options
}

type fixtureOption func(*gateway.Options)

func newFixture(t *testing.T, options ...fixtureOption) *fixture {
	t.Helper()
	f := &fixture{acting: make(chan *kubemedicv1.Identity, 1), messages: 300, watchStopped: make(chan error, 1), deadlines: make(chan time.Duration, 1), traces: make(chan trace.TraceID, 16)}
	ns, err := embeddednats.Start(embeddednats.Options{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Stop)
	conn := func() *natsrpc.Conn {
		c, err := natsrpc.Connect(ns.URL(), natsrpc.ConnectOptions{Name: t.Name(), Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return c
	}

	kn := natsrpc.NewService(kubemedicv1.File_kubemedic_v1_knowledge_proto.Services().ByName("KnowledgeService"), natsrpc.ServiceOptions{})
	natsrpc.HandleUnary(kn, kubemedicv1connect.KnowledgeServiceAskProcedure, func(ctx context.Context, req *kubemedicv1.AskRequest) (*kubemedicv1.AskResponse, error) {
		f.asks.Add(1)
		select {
		case f.traces <- trace.SpanContextFromContext(ctx).TraceID():
		default:
		}
		return &kubemedicv1.AskResponse{Language: kubemedicv1.Language_LANGUAGE_ENGLISH, Answers: []*kubemedicv1.Answer{{EntryId: "echo:" + req.GetQuestion(), Score: 1.5}}}, nil
	})
	natsrpc.HandleUnary(kn, kubemedicv1connect.KnowledgeServiceListEntriesProcedure, func(ctx context.Context, _ *kubemedicv1.ListEntriesRequest) (*kubemedicv1.ListEntriesResponse, error) {
		d, ok := ctx.Deadline()
		if !ok {
			d = time.Now()
		}
		f.deadlines <- time.Until(d)
		return &kubemedicv1.ListEntriesResponse{}, nil
	})
	diag := natsrpc.NewService(kubemedicv1.File_kubemedic_v1_diagnosis_proto.Services().ByName("DiagnosisService"), natsrpc.ServiceOptions{})
	natsrpc.HandleServerStream(diag, kubemedicv1connect.DiagnosisServiceDiagnoseProcedure, func(_ context.Context, req *kubemedicv1.DiagnoseRequest, send func(*kubemedicv1.DiagnoseResponse) error) error {
		for i := range f.messages {
			if err := send(&kubemedicv1.DiagnoseResponse{Event: &kubemedicv1.DiagnoseResponse_Finding{Finding: &kubemedicv1.Finding{Fingerprint: req.GetCluster() + "/" + strconv.Itoa(i)}}}); err != nil {
				return err
			}
		}
		return connect.NewError(connect.CodeFailedPrecondition, errors.New("stopped on purpose"))
	})
	natsrpc.HandleServerStream(diag, kubemedicv1connect.DiagnosisServiceWatchFindingsProcedure, func(ctx context.Context, _ *kubemedicv1.WatchFindingsRequest, send func(*kubemedicv1.WatchFindingsResponse) error) error {
		for {
			if err := send(&kubemedicv1.WatchFindingsResponse{}); err != nil {
				<-ctx.Done()
				f.watchStopped <- context.Cause(ctx)
				return err
			}
		}
	})
	rem := natsrpc.NewService(kubemedicv1.File_kubemedic_v1_remediation_proto.Services().ByName("RemediationService"), natsrpc.ServiceOptions{})
	natsrpc.HandleUnary(rem, kubemedicv1connect.RemediationServicePlanProcedure, func(_ context.Context, req *kubemedicv1.PlanRequest) (*kubemedicv1.PlanResponse, error) {
		f.acting <- req.GetRequester()
		return &kubemedicv1.PlanResponse{Plan: &kubemedicv1.Plan{Requester: req.GetRequester()}}, nil
	})
	natsrpc.HandleUnary(diag, kubemedicv1connect.DiagnosisServiceListFindingsProcedure, func(_ context.Context, req *kubemedicv1.ListFindingsRequest) (*kubemedicv1.ListFindingsResponse, error) {
		var out []*kubemedicv1.Finding
		for _, cl := range []string{"a", "b", "a", "c"} {
			if req.GetCluster() == "" || req.GetCluster() == cl {
				out = append(out, &kubemedicv1.Finding{Fingerprint: cl, Object: &kubemedicv1.ObjectRef{Cluster: cl, Kind: "Pod", Name: "p"}})
			}
		}
		return &kubemedicv1.ListFindingsResponse{Findings: out}, nil
	})
	fleet := natsrpc.NewService(kubemedicv1.File_kubemedic_v1_fleet_proto.Services().ByName("FleetService"), natsrpc.ServiceOptions{})
	natsrpc.HandleUnary(fleet, kubemedicv1connect.FleetServiceListClustersProcedure, func(context.Context, *kubemedicv1.ListClustersRequest) (*kubemedicv1.ListClustersResponse, error) {
		return &kubemedicv1.ListClustersResponse{Clusters: []*kubemedicv1.Cluster{{Name: "a"}, {Name: "b"}, {Name: "c"}}}, nil
	})
	natsrpc.HandleServerStream(fleet, kubemedicv1connect.FleetServiceRunSweepProcedure, func(_ context.Context, req *kubemedicv1.RunSweepRequest, send func(*kubemedicv1.RunSweepResponse) error) error {
		// Echo the clusters asked for, then one the caller did not ask for.
		for _, cl := range append(req.GetClusters(), "c") {
			if err := send(&kubemedicv1.RunSweepResponse{Event: &kubemedicv1.RunSweepResponse_Progress{Progress: &kubemedicv1.SweepProgress{Cluster: cl, Done: true}}}); err != nil {
				return err
			}
		}
		return nil
	})
	natsrpc.HandleUnary(rem, kubemedicv1connect.RemediationServiceApproveProcedure, func(_ context.Context, req *kubemedicv1.ApproveRequest) (*kubemedicv1.ApproveResponse, error) {
		// Plan ids name their cluster here: "<cluster>/<n>".
		cl, _, _ := strings.Cut(req.GetPlanId(), "/")
		return &kubemedicv1.ApproveResponse{Plan: &kubemedicv1.Plan{Id: req.GetPlanId(), Action: &kubemedicv1.Action{Cluster: cl}}}, nil
	})
	srv, err := natsrpc.Serve(conn().Conn, natsrpc.ServerConfig{Name: "fixture", Version: "0.0.1", Logger: quiet}, kn, diag, rem, fleet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop(context.Background()) })

	client := conn()
	all := []string{"*"}
	f.opts = gateway.Options{
		Bus:   natsrpc.NewClient(client, 5*time.Second),
		Ready: client.IsConnected,
		Credentials: []gateway.Credential{
			{Name: "alice", Hash: gateway.HashToken(aliceToken), Scopes: gateway.AllScopes, Clusters: all, Identity: &kubemedicv1.Identity{KubernetesUser: "alice", KubernetesGroups: []string{"sre"}}},
			{Name: "slack-bot", Token: botToken, Scopes: gateway.AllScopes, Clusters: all, Trusted: true},
			{Name: "readonly", Hash: gateway.HashToken(readToken), Scopes: []gateway.Scope{gateway.ScopeRead, gateway.ScopeAsk, gateway.ScopePlan}, Clusters: all},
			{Name: "team-a", Hash: gateway.HashToken(teamAToken), Scopes: []gateway.Scope{gateway.ScopeRead, gateway.ScopePlan, gateway.ScopeApprove}, Clusters: []string{"a"}, Identity: &kubemedicv1.Identity{KubernetesUser: "team-a"}},
			{Name: "slow", Hash: gateway.HashToken(slowToken), Scopes: []gateway.Scope{gateway.ScopeAsk}, Clusters: all, Rate: 0.5, Burst: 3},
		},
		Logger: quiet,
	}
	for _, o := range options {
		o(&f.opts)
	}
	f.gw, err = gateway.New(f.opts)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = l.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- f.gw.Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("gateway Serve: %v", err)
		}
	})
	return f
}

func (f *fixture) grpcConn(t *testing.T) *grpc.ClientConn {
	t.Helper()
	cc, err := grpc.NewClient(f.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return cc
}

func bearer(ctx context.Context, token string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}

// TestForwardsEveryKind calls through the generic forwarder with a plain
// grpc-go client (binary protobuf) and a Connect client speaking JSON.
func TestForwardsEveryKind(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cc := f.grpcConn(t)

	resp, err := kubemedicv1.NewKnowledgeServiceClient(cc).Ask(bearer(ctx, aliceToken), &kubemedicv1.AskRequest{Question: "파드가 Pending"})
	if err != nil || resp.GetAnswers()[0].GetEntryId() != "echo:파드가 Pending" || resp.GetLanguage() != kubemedicv1.Language_LANGUAGE_ENGLISH {
		t.Fatalf("grpc Ask: %v %v", resp, err)
	}

	stream, err := kubemedicv1.NewDiagnosisServiceClient(cc).Diagnose(bearer(ctx, aliceToken), &kubemedicv1.DiagnoseRequest{Cluster: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	var got int
	for {
		m, err := stream.Recv()
		if err != nil {
			if status.Code(err) != codes.FailedPrecondition || status.Convert(err).Message() != "stopped on purpose" {
				t.Errorf("end of stream: %v, want the handler's FailedPrecondition", err)
			}
			break
		}
		if want := "dev/" + strconv.Itoa(got); m.GetFinding().GetFingerprint() != want {
			t.Fatalf("message %d = %q, want %q", got, m.GetFinding().GetFingerprint(), want)
		}
		got++
	}
	if got != f.messages {
		t.Errorf("grpc stream: %d messages, want %d", got, f.messages)
	}

	// Connect with JSON: the dynamic messages transcode both ways.
	hc := withToken(aliceToken)
	kc := kubemedicv1connect.NewKnowledgeServiceClient(hc, "http://"+f.addr, connect.WithProtoJSON())
	jresp, err := kc.Ask(ctx, connect.NewRequest(&kubemedicv1.AskRequest{Question: "json"}))
	if err != nil || jresp.Msg.GetAnswers()[0].GetEntryId() != "echo:json" || jresp.Msg.GetAnswers()[0].GetScore() != 1.5 {
		t.Fatalf("connect JSON Ask: %v %v", jresp, err)
	}
	dc := kubemedicv1connect.NewDiagnosisServiceClient(hc, "http://"+f.addr, connect.WithProtoJSON())
	js, err := dc.Diagnose(ctx, connect.NewRequest(&kubemedicv1.DiagnoseRequest{Cluster: "prod"}))
	if err != nil {
		t.Fatal(err)
	}
	got = 0
	for js.Receive() {
		got++
	}
	if got != f.messages || connect.CodeOf(js.Err()) != connect.CodeFailedPrecondition {
		t.Errorf("connect JSON stream: %d messages, err %v", got, js.Err())
	}

	// A method nobody built answers Unimplemented from the service.
	_, err = kubemedicv1.NewKnowledgeServiceClient(cc).GetEntry(bearer(ctx, aliceToken), &kubemedicv1.GetEntryRequest{Id: "x"})
	if status.Code(err) != codes.Unimplemented {
		t.Errorf("GetEntry: %v, want Unimplemented", err)
	}
}

// TestEveryEncodingGetsTheWholeReply checks the reply in every protocol and
// codec: binary replies to callers who see every cluster go out as the
// service encoded them (passthroughCodec), the rest are decoded, filtered
// and encoded again, and all of them must carry the same message.
func TestEveryEncodingGetsTheWholeReply(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	finding := func(cl string) *kubemedicv1.Finding {
		return &kubemedicv1.Finding{Fingerprint: cl, Object: &kubemedicv1.ObjectRef{Cluster: cl, Kind: "Pod", Name: "p"}}
	}
	every := &kubemedicv1.ListFindingsResponse{Findings: []*kubemedicv1.Finding{finding("a"), finding("b"), finding("a"), finding("c")}}
	onlyA := &kubemedicv1.ListFindingsResponse{Findings: []*kubemedicv1.Finding{finding("a"), finding("a")}}
	grpcGo := func(token string) (*kubemedicv1.ListFindingsResponse, error) {
		return kubemedicv1.NewDiagnosisServiceClient(f.grpcConn(t)).ListFindings(bearer(ctx, token), &kubemedicv1.ListFindingsRequest{})
	}
	viaConnect := func(opts ...connect.ClientOption) func(string) (*kubemedicv1.ListFindingsResponse, error) {
		return func(token string) (*kubemedicv1.ListFindingsResponse, error) {
			c := kubemedicv1connect.NewDiagnosisServiceClient(withToken(token), "http://"+f.addr, opts...)
			resp, err := c.ListFindings(ctx, connect.NewRequest(&kubemedicv1.ListFindingsRequest{}))
			if err != nil {
				return nil, err
			}
			return resp.Msg, nil
		}
	}
	for _, tt := range []struct {
		name string
		call func(token string) (*kubemedicv1.ListFindingsResponse, error)
	}{
		{"grpc-go", grpcGo},
		{"connect proto", viaConnect()},
		{"connect JSON", viaConnect(connect.WithProtoJSON())},
		{"connect-go gRPC", viaConnect(connect.WithGRPC())},
		{"gRPC-Web proto", viaConnect(connect.WithGRPCWeb())},
		{"gRPC-Web JSON", viaConnect(connect.WithGRPCWeb(), connect.WithProtoJSON())},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				token string
				want  *kubemedicv1.ListFindingsResponse
			}{{aliceToken, every}, {teamAToken, onlyA}} {
				got, err := tt.call(c.token)
				if err != nil {
					t.Fatal(err)
				}
				if !proto.Equal(got, c.want) {
					t.Errorf("token %.6s: got %v, want %v", c.token, got, c.want)
				}
			}
		})
	}
}

// withToken is an HTTP client that sends a bearer token.
func withToken(token string) *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+token)
		return http.DefaultTransport.RoundTrip(r)
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestValidationBeforeForwarding checks that the proto's buf.validate rules
// refuse bad requests in the gateway: nothing reaches the service.
func TestValidationBeforeForwarding(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kc := kubemedicv1.NewKnowledgeServiceClient(f.grpcConn(t))
	long := bytes.Repeat([]byte("파"), 2001)
	for _, req := range []*kubemedicv1.AskRequest{
		{},
		{Question: "q", Top: 21},
		{Question: "q", Top: -1},
		{Question: string(long)},
	} {
		_, err := kc.Ask(bearer(ctx, aliceToken), req)
		if status.Code(err) != codes.InvalidArgument {
			t.Errorf("Ask(%.20v): %v, want InvalidArgument", req, err)
		}
	}
	if _, err := kc.Ask(bearer(ctx, aliceToken), &kubemedicv1.AskRequest{Question: string(long[:len(long)-len("파")]), Top: 20}); err != nil {
		t.Errorf("2000 characters and top 20 are allowed: %v", err)
	}
	if n := f.asks.Load(); n != 1 {
		t.Errorf("%d requests reached the service, want only the valid one", n)
	}
}

// TestActingIdentity checks that the gateway, not the caller, decides who a
// write acts as.
func TestActingIdentity(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rc := kubemedicv1.NewRemediationServiceClient(f.grpcConn(t))
	plan := func(token string, requester *kubemedicv1.Identity) (*kubemedicv1.Identity, error) {
		_, err := rc.Plan(bearer(ctx, token), &kubemedicv1.PlanRequest{
			Action:    &kubemedicv1.Action{Cluster: "dev", Kind: &kubemedicv1.Action_Cordon{Cordon: &kubemedicv1.CordonAction{Node: "n1"}}},
			Requester: requester,
		})
		if err != nil {
			return nil, err
		}
		return <-f.acting, nil
	}
	mallory := &kubemedicv1.Identity{KubernetesUser: "mallory", KubernetesGroups: []string{"system:masters"}}
	tests := []struct {
		name     string
		token    string
		named    *kubemedicv1.Identity
		wantUser string
		wantCode codes.Code
	}{
		{"own identity replaces a named one", aliceToken, mallory, "alice", codes.OK},
		{"own identity when none is named", aliceToken, nil, "alice", codes.OK},
		{"trusted caller acts for the named person", botToken, &kubemedicv1.Identity{KubernetesUser: "bob"}, "bob", codes.OK},
		{"trusted caller without a named person", botToken, nil, "", codes.PermissionDenied},
		{"token without a Kubernetes identity", readToken, mallory, "", codes.PermissionDenied},
	}
	for _, tt := range tests {
		id, err := plan(tt.token, tt.named)
		if status.Code(err) != tt.wantCode {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.wantCode)
			continue
		}
		if err == nil && id.GetKubernetesUser() != tt.wantUser {
			t.Errorf("%s: acted as %q, want %q", tt.name, id.GetKubernetesUser(), tt.wantUser)
		}
	}
	if id, _ := plan(aliceToken, mallory); len(id.GetKubernetesGroups()) != 1 || id.GetKubernetesGroups()[0] != "sre" || id.GetTokenName() != "alice" {
		t.Errorf("alice's groups and token name: %v", id)
	}
}

// readSpy records whether a request body was read.
type readSpy struct{ read atomic.Bool }

func (r *readSpy) Read([]byte) (int, error) { r.read.Store(true); return 0, io.EOF }
func (r *readSpy) Close() error             { return nil }

// TestAuthenticatesBeforeReadingTheBody checks that a request without a
// valid token is refused, in the caller's protocol, before its body is read.
func TestAuthenticatesBeforeReadingTheBody(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct {
		name, contentType, token string
	}{
		{"connect, no token", "application/proto", ""},
		{"connect, wrong token", "application/json", "wrong-token-0123456789"},
		{"grpc, no token", "application/grpc", ""},
	} {
		spy := &readSpy{}
		req := httptest.NewRequest(http.MethodPost, kubemedicv1connect.KnowledgeServiceAskProcedure, nil)
		req.Body = spy
		req.Header.Set("Content-Type", tt.contentType)
		if tt.token != "" {
			req.Header.Set("Authorization", "Bearer "+tt.token)
		}
		if tt.contentType == "application/grpc" {
			req.ProtoMajor, req.ProtoMinor = 2, 0
			req.Header.Set("Te", "trailers")
		}
		rec := httptest.NewRecorder()
		f.gw.Handler().ServeHTTP(rec, req)
		if spy.read.Load() {
			t.Errorf("%s: the body was read before authentication", tt.name)
		}
		code := rec.Header().Get("Grpc-Status") // gRPC: trailers-only response
		if tt.contentType != "application/grpc" {
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("%s: HTTP %d, want 401", tt.name, rec.Code)
			}
		} else if code != strconv.Itoa(int(codes.Unauthenticated)) {
			t.Errorf("%s: grpc-status %q, want Unauthenticated", tt.name, code)
		}
	}
	if n := f.asks.Load(); n != 0 {
		t.Errorf("%d unauthenticated requests reached the service", n)
	}
}

// TestClientCancelStopsTheService checks that a caller hanging up on a
// stream stops the handler in the service, through the gateway and NATS.
func TestClientCancelStopsTheService(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(bearer(context.Background(), aliceToken))
	defer cancel()
	stream, err := kubemedicv1.NewDiagnosisServiceClient(f.grpcConn(t)).WatchFindings(ctx, &kubemedicv1.WatchFindingsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if _, err := stream.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	select {
	case cause := <-f.watchStopped:
		if cause == nil || !strings.Contains(cause.Error(), "cancelled") {
			t.Errorf("handler stopped because %v, want the caller's cancel", cause)
		}
	case <-time.After(3 * time.Second):
		// The cancel message is immediate; the heartbeat fallback would
		// take 15 s with the default 5 s interval.
		t.Fatal("service handler still running 3s after the caller hung up")
	}
}

// TestTraceContextReachesServices sends a W3C traceparent with an Ask: with
// the gateway's own spans off (the default) and on, the service's handler
// runs in the caller's trace.
func TestTraceContextReachesServices(t *testing.T) {
	otel.SetTextMapPropagator(propagation.TraceContext{}) // as telemetry.SetupTracing does
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	for _, tracing := range []bool{false, true} {
		t.Run(fmt.Sprintf("tracing=%v", tracing), func(t *testing.T) {
			f := newFixture(t, func(o *gateway.Options) { o.Tracing = tracing })
			ctx := metadata.AppendToOutgoingContext(bearer(t.Context(), aliceToken), "traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
			if _, err := kubemedicv1.NewKnowledgeServiceClient(f.grpcConn(t)).Ask(ctx, &kubemedicv1.AskRequest{Question: "pending pod"}); err != nil {
				t.Fatal(err)
			}
			if got := (<-f.traces).String(); got != traceID {
				t.Errorf("service saw trace %s, want the caller's %s", got, traceID)
			}
			// Without a traceparent the service runs in no trace.
			if _, err := kubemedicv1.NewKnowledgeServiceClient(f.grpcConn(t)).Ask(bearer(t.Context(), aliceToken), &kubemedicv1.AskRequest{Question: "pending pod"}); err != nil {
				t.Fatal(err)
			}
			if got := <-f.traces; got.IsValid() {
				t.Errorf("service saw trace %s without a traceparent", got)
			}
		})
	}
}
