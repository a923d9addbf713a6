package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/kubemedic/kubemedic/gateway"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

// TestEveryProcedureHasAScope walks the service descriptors: an RPC added
// to the proto without a scope decision fails here (and gateway.New).
func TestEveryProcedureHasAScope(t *testing.T) {
	n := 0
	for _, sd := range gateway.Services {
		for i := range sd.Methods().Len() {
			procedure := "/" + string(sd.FullName()) + "/" + string(sd.Methods().Get(i).Name())
			s, ok := gateway.ScopeOf(procedure)
			if !ok {
				t.Errorf("%s has no scope in gateway/scope.go", procedure)
				continue
			}
			if !slices.Contains(gateway.AllScopes, s) {
				t.Errorf("%s requires unknown scope %q", procedure, s)
			}
			n++
		}
	}
	if n < 17 {
		t.Errorf("only %d procedures found in %d services", n, len(gateway.Services))
	}
}

func cordonIn(cluster string) *kubemedicv1.PlanRequest {
	return &kubemedicv1.PlanRequest{Action: &kubemedicv1.Action{Cluster: cluster, Kind: &kubemedicv1.Action_Cordon{Cordon: &kubemedicv1.CordonAction{Node: "n1"}}}}
}

// TestAuthorization runs each refusal (and its allowed twin) through the
// generated grpc-go client.
func TestAuthorization(t *testing.T) {
	f := newFixture(t)
	cc := f.grpcConn(t)
	kc := kubemedicv1.NewKnowledgeServiceClient(cc)
	dc := kubemedicv1.NewDiagnosisServiceClient(cc)
	rc := kubemedicv1.NewRemediationServiceClient(cc)
	diagnose := func(ctx context.Context, cluster string) error {
		s, err := dc.Diagnose(ctx, &kubemedicv1.DiagnoseRequest{Cluster: cluster})
		if err != nil {
			return err
		}
		for {
			if _, err := s.Recv(); err != nil {
				if status.Code(err) == codes.FailedPrecondition { // the fixture's normal end
					return nil
				}
				return err
			}
		}
	}
	tests := []struct {
		name  string
		token string
		call  func(context.Context) error
		code  codes.Code
		scope string   // the missing scope the error must name
		in    []string // words the message must contain
	}{
		{name: "no token", call: func(ctx context.Context) error {
			_, err := kc.Ask(ctx, &kubemedicv1.AskRequest{Question: "q"})
			return err
		}, code: codes.Unauthenticated, in: []string{"인증 토큰이 없습니다", "missing bearer token"}},
		{name: "unknown token", token: "not-a-token-0123456789", call: func(ctx context.Context) error {
			_, err := kc.Ask(ctx, &kubemedicv1.AskRequest{Question: "q"})
			return err
		}, code: codes.Unauthenticated, in: []string{"unknown bearer token"}},
		{name: "ask without ask scope", token: teamAToken, call: func(ctx context.Context) error {
			_, err := kc.Ask(ctx, &kubemedicv1.AskRequest{Question: "q"})
			return err
		}, code: codes.PermissionDenied, scope: "ask", in: []string{"권한", "lacks scope \"ask\""}},
		{name: "approve without approve scope", token: readToken, call: func(ctx context.Context) error {
			_, err := rc.Approve(ctx, &kubemedicv1.ApproveRequest{PlanId: "a/1", PlanHash: "h"})
			return err
		}, code: codes.PermissionDenied, scope: "approve", in: []string{"lacks scope \"approve\"", "RemediationService/Approve"}},
		{name: "ask with ask scope", token: readToken, call: func(ctx context.Context) error {
			_, err := kc.Ask(ctx, &kubemedicv1.AskRequest{Question: "q"})
			return err
		}, code: codes.OK},
		{name: "cluster A token diagnoses B", token: teamAToken, call: func(ctx context.Context) error { return diagnose(ctx, "b") }, code: codes.PermissionDenied, in: []string{"클러스터 b", "may not use cluster b"}},
		{name: "cluster A token diagnoses A", token: teamAToken, call: func(ctx context.Context) error { return diagnose(ctx, "a") }, code: codes.OK},
		{name: "cluster A token lists B's findings", token: teamAToken, call: func(ctx context.Context) error {
			_, err := dc.ListFindings(ctx, &kubemedicv1.ListFindingsRequest{Cluster: "b"})
			return err
		}, code: codes.PermissionDenied, in: []string{"cluster b"}},
		{name: "cluster A token plans in B", token: teamAToken, call: func(ctx context.Context) error { _, err := rc.Plan(ctx, cordonIn("b")); return err }, code: codes.PermissionDenied, in: []string{"cluster b"}},
		{name: "cluster A token plans in A", token: teamAToken, call: func(ctx context.Context) error {
			_, err := rc.Plan(ctx, cordonIn("a"))
			if err == nil {
				if id := <-f.acting; id.GetKubernetesUser() != "team-a" || strings.Join(id.GetClusters(), ",") != "a" {
					return errors.New("acting identity " + id.String() + ", want team-a limited to cluster a")
				}
			}
			return err
		}, code: codes.OK},
		{name: "cluster A token approves a plan of B", token: teamAToken, call: func(ctx context.Context) error {
			_, err := rc.Approve(ctx, &kubemedicv1.ApproveRequest{PlanId: "b/1", PlanHash: "h"})
			return err
		}, code: codes.PermissionDenied, in: []string{"cluster b"}},
		{name: "cluster A token approves a plan of A", token: teamAToken, call: func(ctx context.Context) error {
			_, err := rc.Approve(ctx, &kubemedicv1.ApproveRequest{PlanId: "a/1", PlanHash: "h"})
			return err
		}, code: codes.OK},
		{name: "every-cluster token plans in B", token: aliceToken, call: func(ctx context.Context) error {
			_, err := rc.Plan(ctx, cordonIn("b"))
			if err == nil {
				if id := <-f.acting; len(id.GetClusters()) != 0 {
					return errors.New("an every-cluster token must not list clusters: " + id.String())
				}
			}
			return err
		}, code: codes.OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if tt.token != "" {
				ctx = bearer(ctx, tt.token)
			}
			err := tt.call(ctx)
			st := status.Convert(err)
			if st.Code() != tt.code {
				t.Fatalf("%v, want %v", err, tt.code)
			}
			for _, w := range tt.in {
				if !strings.Contains(st.Message(), w) {
					t.Errorf("message %q does not contain %q", st.Message(), w)
				}
			}
			if tt.scope != "" {
				var found bool
				for _, d := range st.Details() {
					if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetReason() == "MISSING_SCOPE" && info.GetMetadata()["scope"] == tt.scope {
						found = true
					}
				}
				if !found {
					t.Errorf("no ErrorInfo naming scope %q in %v", tt.scope, st.Details())
				}
			}
		})
	}
	if n := f.asks.Load(); n != 1 {
		t.Errorf("%d Ask calls reached the service, want only the allowed one", n)
	}
}

// TestClusterScopedResponses checks that lists and streams only show a
// cluster-scoped token its own clusters.
func TestClusterScopedResponses(t *testing.T) {
	f := newFixture(t)
	cc := f.grpcConn(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fc := kubemedicv1.NewFleetServiceClient(cc)
	dc := kubemedicv1.NewDiagnosisServiceClient(cc)
	names := func(token string) string {
		resp, err := fc.ListClusters(bearer(ctx, token), &kubemedicv1.ListClustersRequest{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range resp.GetClusters() {
			out = append(out, c.GetName())
		}
		return strings.Join(out, ",")
	}
	if got := names(teamAToken); got != "a" {
		t.Errorf("team-a ListClusters = %q, want a", got)
	}
	if got := names(aliceToken); got != "a,b,c" {
		t.Errorf("alice ListClusters = %q, want a,b,c", got)
	}
	lf, err := dc.ListFindings(bearer(ctx, teamAToken), &kubemedicv1.ListFindingsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(lf.GetFindings()) != 2 || lf.GetFindings()[0].GetObject().GetCluster() != "a" || lf.GetFindings()[1].GetObject().GetCluster() != "a" {
		t.Errorf("team-a ListFindings over every cluster = %v, want a's two", lf.GetFindings())
	}
	// RunSweep over "every cluster" is narrowed to the token's clusters, and
	// progress of a cluster the token may not see never reaches it.
	s, err := fc.RunSweep(bearer(ctx, teamAToken), &kubemedicv1.RunSweepRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		m, err := s.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m.GetProgress().GetCluster())
	}
	if strings.Join(got, ",") != "a" {
		t.Errorf("team-a RunSweep progress for %v, want a only", got)
	}
}

// TestRateLimit spends a token's burst and checks the next call is refused
// with ResourceExhausted and a Retry-After hint, over gRPC and Connect.
func TestRateLimit(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kc := kubemedicv1.NewKnowledgeServiceClient(f.grpcConn(t))
	for i := range 3 { // burst 3
		if _, err := kc.Ask(bearer(ctx, slowToken), &kubemedicv1.AskRequest{Question: "q"}); err != nil {
			t.Fatalf("call %d within the burst: %v", i, err)
		}
	}
	var trailer metadata.MD
	_, err := kc.Ask(bearer(ctx, slowToken), &kubemedicv1.AskRequest{Question: "q"}, grpcTrailer(&trailer))
	if status.Code(err) != codes.ResourceExhausted || !strings.Contains(status.Convert(err).Message(), "rate limit") {
		t.Fatalf("call past the burst: %v, want ResourceExhausted", err)
	}
	if ra := trailer.Get("retry-after"); len(ra) != 1 || ra[0] != "2" { // 0.5/s: one call every 2 s
		t.Errorf("retry-after trailer %v, want 2", ra)
	}
	var retry *errdetails.RetryInfo
	for _, d := range status.Convert(err).Details() {
		if r, ok := d.(*errdetails.RetryInfo); ok {
			retry = r
		}
	}
	if retry == nil || retry.GetRetryDelay().AsDuration() <= 0 || retry.GetRetryDelay().AsDuration() > 2*time.Second {
		t.Errorf("RetryInfo %v, want a delay up to 2s", retry)
	}
	// Plain Connect/JSON: HTTP 429 and the Retry-After header.
	code, hdr, body := postJSON(t, f.addr, kubemedicv1connect.KnowledgeServiceAskProcedure, slowToken, `{"question":"q"}`)
	if code != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" || body["code"] != "resource_exhausted" {
		t.Errorf("Connect JSON past the limit: HTTP %d, Retry-After %q, %v", code, hdr.Get("Retry-After"), body)
	}
	// Other tokens are not affected.
	if _, err := kc.Ask(bearer(ctx, aliceToken), &kubemedicv1.AskRequest{Question: "q"}); err != nil {
		t.Errorf("another token: %v", err)
	}
	if n := f.asks.Load(); n != 4 {
		t.Errorf("%d calls reached the service, want 4", n)
	}
}

// postJSON is what `curl -H 'content-type: application/json' -H
// 'authorization: Bearer …' -d '…' http://addr/procedure` does.
func postJSON(t *testing.T, addr, procedure, token, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+procedure, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s: HTTP %d, body is not JSON: %v", procedure, resp.StatusCode, err)
	}
	return resp.StatusCode, resp.Header, out
}

// TestConnectJSON is the plain curl-style Connect call: JSON over HTTP/1.1
// with no generated code at all.
func TestConnectJSON(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, procedure, token, body string
		status                       int
		code, in                     string
	}{
		{"no token", kubemedicv1connect.KnowledgeServiceAskProcedure, "", `{"question":"q"}`, 401, "unauthenticated", "missing bearer token"},
		{"wrong scope", kubemedicv1connect.KnowledgeServiceAskProcedure, teamAToken, `{"question":"q"}`, 403, "permission_denied", `lacks scope "ask"`},
		{"other cluster", kubemedicv1connect.DiagnosisServiceListFindingsProcedure, teamAToken, `{"cluster":"b"}`, 403, "permission_denied", "may not use cluster b"},
		{"other cluster in an action", kubemedicv1connect.RemediationServicePlanProcedure, teamAToken, `{"action":{"cluster":"c","cordon":{"node":"n1"}}}`, 403, "permission_denied", "may not use cluster c"},
		{"allowed", kubemedicv1connect.KnowledgeServiceAskProcedure, aliceToken, `{"question":"curl"}`, 200, "", "echo:curl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := postJSON(t, f.addr, tt.procedure, tt.token, tt.body)
			raw := fmt.Sprint(body)
			if status != tt.status || (tt.code != "" && body["code"] != tt.code) || !strings.Contains(string(raw), tt.in) {
				t.Errorf("HTTP %d %s, want %d %s containing %q", status, raw, tt.status, tt.code, tt.in)
			}
		})
	}
}

// TestGrpcurl proves the same refusals with the pinned grpcurl, which
// learns the API from the gateway's reflection service.
func TestGrpcurl(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	bin := filepath.Join(filepath.Dir(file), "..", ".cache", "tools", "bin", "grpcurl")
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("KUBEMEDIC_REQUIRE_TOOLS") != "" {
			t.Fatalf("grpcurl not built at %s: run make tools", bin)
		}
		t.Skipf("grpcurl not built at %s (run `make tools`; make test always does)", bin)
	}
	f := newFixture(t)
	run := func(token, data, method string) (string, error) {
		args := []string{"-plaintext", "-max-time", "10", "-d", data}
		if token != "" {
			args = append(args, "-H", "authorization: Bearer "+token)
		}
		out, err := exec.Command(bin, append(args, f.addr, method)...).CombinedOutput()
		return string(out), err
	}
	tests := []struct {
		name, token, data, method string
		ok                        bool
		in                        []string
	}{
		{"no token", "", `{"question":"q"}`, "kubemedic.v1.KnowledgeService/Ask", false, []string{"Code: Unauthenticated"}},
		{"wrong scope", teamAToken, `{"question":"q"}`, "kubemedic.v1.KnowledgeService/Ask", false, []string{"Code: PermissionDenied", `lacks scope "ask"`}},
		{"other cluster", teamAToken, `{"cluster":"b"}`, "kubemedic.v1.DiagnosisService/ListFindings", false, []string{"Code: PermissionDenied", "may not use cluster b"}},
		{"own cluster", teamAToken, `{"cluster":"a"}`, "kubemedic.v1.DiagnosisService/ListFindings", true, []string{`"cluster": "a"`}},
		{"burst 1", slowToken, `{"question":"q"}`, "kubemedic.v1.KnowledgeService/Ask", true, []string{"echo:q"}},
		{"burst 2", slowToken, `{"question":"q"}`, "kubemedic.v1.KnowledgeService/Ask", true, []string{"echo:q"}},
		{"burst 3", slowToken, `{"question":"q"}`, "kubemedic.v1.KnowledgeService/Ask", true, []string{"echo:q"}},
		{"rate limited", slowToken, `{"question":"q"}`, "kubemedic.v1.KnowledgeService/Ask", false, []string{"Code: ResourceExhausted", "rate limit"}},
	}
	for _, tt := range tests {
		out, err := run(tt.token, tt.data, tt.method)
		if (err == nil) != tt.ok {
			t.Errorf("%s: grpcurl error %v, want success %v:\n%s", tt.name, err, tt.ok, out)
		}
		for _, w := range tt.in {
			if !strings.Contains(out, w) {
				t.Errorf("%s: grpcurl output lacks %q:\n%s", tt.name, w, out)
			}
		}
	}
}

// TestRequestSizeLimit checks the configured request size bound.
func TestRequestSizeLimit(t *testing.T) {
	f := newFixture(t, func(o *gateway.Options) { o.MaxRequestBytes = 1024 })
	ctx, cancel := context.WithTimeout(bearer(context.Background(), aliceToken), 10*time.Second)
	defer cancel()
	kc := kubemedicv1.NewKnowledgeServiceClient(f.grpcConn(t))
	if _, err := kc.Ask(ctx, &kubemedicv1.AskRequest{Question: strings.Repeat("파", 500)}); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("1.5 KB request with a 1 KiB limit: %v, want ResourceExhausted", err)
	}
	if _, err := kc.Ask(ctx, &kubemedicv1.AskRequest{Question: strings.Repeat("파", 300)}); err != nil {
		t.Errorf("900 B request: %v", err)
	}
	if n := f.asks.Load(); n != 1 {
		t.Errorf("%d calls reached the service, want 1", n)
	}
}

// TestDeadlineReachesTheService checks that the caller's grpc-timeout
// becomes the service handler's deadline across NATS.
func TestDeadlineReachesTheService(t *testing.T) {
	f := newFixture(t)
	kc := kubemedicv1.NewKnowledgeServiceClient(f.grpcConn(t))
	for _, timeout := range []time.Duration{1500 * time.Millisecond, 3 * time.Second} {
		ctx, cancel := context.WithTimeout(bearer(context.Background(), aliceToken), timeout)
		_, err := kc.ListEntries(ctx, &kubemedicv1.ListEntriesRequest{})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		// The bus's own bound is 5 s; the service must see the caller's.
		if left := <-f.deadlines; left > timeout || left < timeout-time.Second {
			t.Errorf("caller timeout %v: the service had %v left", timeout, left)
		}
	}
}

func grpcTrailer(md *metadata.MD) grpc.CallOption { return grpc.Trailer(md) }

// TestSmallResponsesUncompressed checks the compression threshold: a
// caller accepting gzip gets a small answer as is (gzip of a few KiB cost
// more CPU than the call), a large one compressed.
func TestSmallResponsesUncompressed(t *testing.T) {
	for _, tt := range []struct {
		min      int
		encoding string
	}{{0, ""}, {1, "gzip"}} {
		f := newFixture(t, func(o *gateway.Options) { o.CompressMinBytes = tt.min })
		req, err := http.NewRequest(http.MethodPost, "http://"+f.addr+kubemedicv1connect.KnowledgeServiceAskProcedure, strings.NewReader(`{"question":"q"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Encoding", "gzip")
		req.Header.Set("Authorization", "Bearer "+aliceToken)
		resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != tt.encoding {
			t.Errorf("CompressMinBytes %d: HTTP %d, Content-Encoding %q, want %q", tt.min, resp.StatusCode, resp.Header.Get("Content-Encoding"), tt.encoding)
		}
	}
}
