package allinone_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/kubemedic/kubemedic/gateway"
	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/localgateway"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/allinone"
)

// server starts a full all-in-one server on ephemeral loopback ports with a
// temporary data dir and stops it when the test ends.
func server(t *testing.T, extraEnv ...string) (*allinone.Server, *config.Config) {
	t.Helper()
	return serverWithConfig(t, "", extraEnv...)
}

// serverWithConfig is server with the config file at path ("" for none).
func serverWithConfig(t *testing.T, path string, extraEnv ...string) (*allinone.Server, *config.Config) {
	t.Helper()
	env := map[string]string{
		"KUBEMEDIC_DATA_DIR":             t.TempDir(),
		"KUBEMEDIC_GATEWAY_ADDR":         "127.0.0.1:0",
		"KUBEMEDIC_ADMIN_ADDR":           "127.0.0.1:0",
		"KUBEMEDIC_NATS_LISTEN":          "127.0.0.1:0",
		"KUBEMEDIC_NATS_REQUEST_TIMEOUT": "3s",
		"KUBEMEDIC_LOG_LEVEL":            "warn",
	}
	for i := 0; i+1 < len(extraEnv); i += 2 {
		env[extraEnv[i]] = extraEnv[i+1]
	}
	cfg, err := config.LoadWithEnv(path, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := allinone.New(ctx, cfg, io.Discard)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("server stopped with error: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("server did not stop within 30s")
		}
	})
	return s, cfg
}

func dial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func withToken(ctx context.Context, token string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}

// TestAskThroughGatewayAndNATS is the end-to-end thread: a grpc-go client
// generated from the protos calls KnowledgeService.Ask on the gateway, the
// gateway forwards it over NATS to the analyzer, and the answer comes from
// the embedded knowledge base.
func TestAskThroughGatewayAndNATS(t *testing.T) {
	s, _ := server(t)
	conn := dial(t, s.GatewayAddr)
	client := kubemedicv1.NewKnowledgeServiceClient(conn)
	ctx, cancel := context.WithTimeout(withToken(context.Background(), s.Token), 10*time.Second)
	defer cancel()

	resp, err := client.Ask(ctx, &kubemedicv1.AskRequest{Question: "kubectl top 치면 metrics not available 에러 나요", Top: 3})
	if err != nil {
		t.Fatalf("Ask: %v", err)
	}
	if resp.GetNoAnswer() || len(resp.GetAnswers()) == 0 {
		t.Fatalf("Ask gave no answer: %v", resp)
	}
	top := resp.GetAnswers()[0]
	if !strings.Contains(top.GetBody(), "metrics-server") {
		t.Errorf("top answer %s does not mention metrics-server:\n%s", top.GetEntryId(), top.GetBody())
	}
	if top.GetConfidence() <= 0 || top.GetConfidence() > 1 || top.GetTitle() == "" || top.GetSource() == "" {
		t.Errorf("top answer lacks title/source/confidence: %+v", top)
	}
	if resp.GetLanguage() != kubemedicv1.Language_LANGUAGE_KOREAN {
		t.Errorf("language = %v, want Korean", resp.GetLanguage())
	}

	// The request really went through NATS: the analyzer's micro service
	// counted it.
	nc, err := nats.Connect(s.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	msg, err := nc.Request("$SRV.STATS.kubemedic-analyzer", nil, 5*time.Second)
	if err != nil {
		t.Fatalf("analyzer stats: %v", err)
	}
	var stats struct {
		Endpoints []struct {
			Subject     string `json:"subject"`
			NumRequests int    `json:"num_requests"`
		} `json:"endpoints"`
	}
	if err := json.Unmarshal(msg.Data, &stats); err != nil {
		t.Fatal(err)
	}
	served := false
	for _, e := range stats.Endpoints {
		if e.Subject == "kubemedic.rpc.v1.KnowledgeService.Ask" && e.NumRequests >= 1 {
			served = true
		}
	}
	if !served {
		t.Errorf("analyzer did not serve the Ask over NATS: %s", msg.Data)
	}

	// An English question gets the English title.
	resp, err = client.Ask(ctx, &kubemedicv1.AskRequest{Question: "How do I change the number of replicas of a deployment from the command line?"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetLanguage() != kubemedicv1.Language_LANGUAGE_ENGLISH || len(resp.GetAnswers()) == 0 || !strings.Contains(resp.GetAnswers()[0].GetBody(), "kubectl scale") {
		t.Errorf("English question: %v", resp)
	}

	// The body follows the reply language where the runbook has an English
	// body; an explicit language wins over the question's.
	for _, tc := range []struct {
		lang     kubemedicv1.Language
		heading  string
		wantLang kubemedicv1.Language
	}{
		{kubemedicv1.Language_LANGUAGE_UNSPECIFIED, "## Answer", kubemedicv1.Language_LANGUAGE_ENGLISH},
		{kubemedicv1.Language_LANGUAGE_KOREAN, "## 답변", kubemedicv1.Language_LANGUAGE_KOREAN},
	} {
		resp, err = client.Ask(ctx, &kubemedicv1.AskRequest{Question: "NKS LoadBalancer service stuck in pending without External-IP", Language: tc.lang, Top: 1})
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetLanguage() != tc.wantLang || len(resp.GetAnswers()) != 1 || resp.GetAnswers()[0].GetEntryId() != "nks-loadbalancer-pending-lb-subnet" ||
			!strings.HasPrefix(resp.GetAnswers()[0].GetBody(), tc.heading) {
			t.Errorf("language %v: want %v and a body starting %q, got %v", tc.lang, tc.wantLang, tc.heading, resp)
		}
	}

	// Out-of-domain questions are refused.
	resp, err = client.Ask(ctx, &kubemedicv1.AskRequest{Question: "오늘 점심 메뉴 추천해줘"})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.GetNoAnswer() {
		t.Errorf("out-of-domain question answered: %v", resp)
	}
}

func TestGatewayErrors(t *testing.T) {
	s, _ := server(t)
	conn := dial(t, s.GatewayAddr)
	client := kubemedicv1.NewKnowledgeServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	tests := []struct {
		name string
		ctx  context.Context
		req  *kubemedicv1.AskRequest
		code codes.Code
	}{
		{"no token", ctx, &kubemedicv1.AskRequest{Question: "노드 NotReady"}, codes.Unauthenticated},
		{"wrong token", withToken(ctx, "not-the-token-at-all-0123456789"), &kubemedicv1.AskRequest{Question: "노드 NotReady"}, codes.Unauthenticated},
		{"empty question", withToken(ctx, s.Token), &kubemedicv1.AskRequest{}, codes.InvalidArgument},
		{"top too large", withToken(ctx, s.Token), &kubemedicv1.AskRequest{Question: "노드 NotReady", Top: 99}, codes.InvalidArgument},
		{"too long", withToken(ctx, s.Token), &kubemedicv1.AskRequest{Question: strings.Repeat("파드", 1001)}, codes.InvalidArgument},
		{"unknown cluster", withToken(ctx, s.Token), &kubemedicv1.AskRequest{Question: "노드 NotReady", Cluster: "nope"}, codes.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.Ask(tt.ctx, tt.req)
			if status.Code(err) != tt.code {
				t.Fatalf("code = %v (%v), want %v", status.Code(err), err, tt.code)
			}
			if msg := status.Convert(err).Message(); msg == "" {
				t.Error("error has no message")
			}
		})
	}

	_, err := kubemedicv1.NewKnowledgeServiceClient(conn).GetEntry(withToken(ctx, s.Token), &kubemedicv1.GetEntryRequest{Id: "no-such-entry"})
	if status.Code(err) != codes.NotFound {
		t.Errorf("GetEntry unknown id: %v", err)
	}
	// The proto's rules are checked before anything is forwarded.
	_, err = kubemedicv1.NewRemediationServiceClient(conn).Plan(withToken(ctx, s.Token), &kubemedicv1.PlanRequest{})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(status.Convert(err).Message(), "action") {
		t.Errorf("Plan without action: %v, want InvalidArgument naming action", err)
	}
	_, err = client.Ask(withToken(ctx, s.Token), &kubemedicv1.AskRequest{})
	if msg := status.Convert(err).Message(); !strings.Contains(msg, "질문이 비어 있습니다") || !strings.Contains(msg, "question is empty") {
		t.Errorf("empty question message %q should be Korean first, English too", msg)
	}
	// Remediation answers through the gateway and NATS: an unknown
	// cluster is NotFound, named.
	plan := &kubemedicv1.PlanRequest{Action: &kubemedicv1.Action{Cluster: "dev", Kind: &kubemedicv1.Action_Cordon{Cordon: &kubemedicv1.CordonAction{Node: "worker-1"}}}}
	_, err = kubemedicv1.NewRemediationServiceClient(conn).Plan(withToken(ctx, s.Token), plan)
	if status.Code(err) != codes.NotFound || !strings.Contains(status.Convert(err).Message(), `"dev"`) {
		t.Errorf("Plan: %v, want NotFound naming the cluster", err)
	}
	// Sweeps are served by the analyzer's fleet service.
	sweeps, err := kubemedicv1.NewFleetServiceClient(conn).ListSweeps(withToken(ctx, s.Token), &kubemedicv1.ListSweepsRequest{})
	if err != nil || len(sweeps.GetSweeps()) != 0 {
		t.Errorf("ListSweeps on a fresh server: %v, %v; want no sweeps", sweeps, err)
	}
	_, err = kubemedicv1.NewFleetServiceClient(conn).GetSweep(withToken(ctx, s.Token), &kubemedicv1.GetSweepRequest{Id: "20261127T000000000Z-abcdef"})
	if status.Code(err) != codes.NotFound {
		t.Errorf("GetSweep of an unknown id: %v, want NotFound", err)
	}
	stream, err := kubemedicv1.NewDiagnosisServiceClient(conn).Diagnose(withToken(ctx, s.Token), &kubemedicv1.DiagnoseRequest{})
	if err == nil {
		_, err = stream.Recv()
	}
	// Diagnose works end to end through the gateway's stream; with no
	// cluster configured it says so.
	if status.Code(err) != codes.FailedPrecondition || !strings.Contains(status.Convert(err).Message(), "클러스터가 없습니다") {
		t.Errorf("Diagnose without clusters: %v, want FailedPrecondition naming the missing cluster config", err)
	}
}

func TestListAndGetEntries(t *testing.T) {
	s, _ := server(t)
	client := kubemedicv1.NewKnowledgeServiceClient(dial(t, s.GatewayAddr))
	ctx, cancel := context.WithTimeout(withToken(context.Background(), s.Token), 10*time.Second)
	defer cancel()
	seen := map[string]bool{}
	token := ""
	for pages := 0; ; pages++ {
		resp, err := client.ListEntries(ctx, &kubemedicv1.ListEntriesRequest{Provider: "nks", PageSize: 5, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range resp.GetEntries() {
			if e.GetProvider() != "nks" || seen[e.GetId()] || e.GetBody() != "" {
				t.Fatalf("bad listing entry %v (dup=%v)", e.GetId(), seen[e.GetId()])
			}
			seen[e.GetId()] = true
		}
		token = resp.GetNextPageToken()
		if token == "" {
			break
		}
		if pages > 100 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) < 6 {
		t.Fatalf("only %d NKS entries listed", len(seen))
	}
	for id := range seen {
		resp, err := client.GetEntry(ctx, &kubemedicv1.GetEntryRequest{Id: id})
		if err != nil || resp.GetEntry().GetBody() == "" || resp.GetEntry().GetTitleKo() == "" {
			t.Fatalf("GetEntry(%s) = %v, %v", id, resp, err)
		}
		break
	}
	_, err := client.ListEntries(ctx, &kubemedicv1.ListEntriesRequest{PageToken: "%%%"})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("bad page token: %v", err)
	}
}

func TestHealthAndLocalDiscovery(t *testing.T) {
	s, cfg := server(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := healthpb.NewHealthClient(dial(t, s.GatewayAddr))
	for _, svc := range []string{"", "kubemedic.v1.KnowledgeService"} {
		resp, err := h.Check(ctx, &healthpb.HealthCheckRequest{Service: svc})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("health %q: %v %v", svc, resp, err)
		}
	}
	if _, err := h.Check(ctx, &healthpb.HealthCheckRequest{Service: "nope.Service"}); status.Code(err) != codes.NotFound {
		t.Errorf("health of unknown service: %v", err)
	}
	ep, err := localgateway.Read(cfg.LocalGatewayDir())
	if err != nil {
		t.Fatal(err)
	}
	if ep.URL != "http://"+s.GatewayAddr || ep.Token != s.Token {
		t.Errorf("local discovery = %+v, want gateway %s", ep, s.GatewayAddr)
	}
	fi, err := os.Stat(filepath.Join(cfg.LocalGatewayDir(), "token"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("token file mode: %v %v", fi, err)
	}
}

// TestNATSOutageAndReconnect kills the NATS server under the running
// services: calls in between fail fast with Unavailable, and once NATS is
// back the services reconnect and answer again.
func TestNATSOutageAndReconnect(t *testing.T) {
	s, _ := server(t)
	client := kubemedicv1.NewKnowledgeServiceClient(dial(t, s.GatewayAddr))
	ask := func(timeout time.Duration) error {
		ctx, cancel := context.WithTimeout(withToken(context.Background(), s.Token), timeout)
		defer cancel()
		_, err := client.Ask(ctx, &kubemedicv1.AskRequest{Question: "노드가 NotReady 상태예요"})
		return err
	}
	if err := ask(10 * time.Second); err != nil {
		t.Fatalf("before outage: %v", err)
	}

	s.NATS.Stop()
	start := time.Now()
	err := ask(20 * time.Second)
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("during outage: %v, want Unavailable", err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("during outage the call took %s; it must fail fast, not hang", waited)
	}

	restarted, err := s.NATS.Restart()
	if err != nil {
		t.Fatalf("restarting NATS: %v", err)
	}
	t.Cleanup(restarted.Stop)
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := ask(5 * time.Second)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("services did not recover after NATS came back: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestGrpcurlReflection lists the services with the pinned grpcurl through
// server reflection, as an operator would.
func TestGrpcurlReflection(t *testing.T) {
	bin := grpcurlBinary(t)
	s, _ := server(t)
	out, err := exec.Command(bin, "-plaintext", s.GatewayAddr, "list").CombinedOutput()
	if err != nil {
		t.Fatalf("grpcurl list: %v\n%s", err, out)
	}
	for _, want := range []string{"kubemedic.v1.KnowledgeService", "kubemedic.v1.DiagnosisService", "kubemedic.v1.RemediationService", "kubemedic.v1.FleetService", "grpc.health.v1.Health"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("grpcurl list misses %s:\n%s", want, out)
		}
	}
	out, err = exec.Command(bin, "-plaintext", "-H", "authorization: Bearer "+s.Token,
		"-d", `{"question":"서비스 엔드포인트가 <none>으로 나와요"}`,
		s.GatewayAddr, "kubemedic.v1.KnowledgeService/Ask").CombinedOutput()
	if err != nil {
		t.Fatalf("grpcurl Ask: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), `"entryId"`) {
		t.Errorf("grpcurl Ask output has no answer:\n%s", out)
	}
}

func grpcurlBinary(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	bin := filepath.Join(filepath.Dir(file), "..", "..", ".cache", "tools", "bin", "grpcurl")
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("KUBEMEDIC_REQUIRE_TOOLS") != "" {
			t.Fatalf("grpcurl not built at %s: run make tools", bin)
		}
		t.Skipf("grpcurl not built at %s (run `make tools`; make test always does)", bin)
	}
	return bin
}

// TestConnectJSON calls the gateway with plain HTTP + JSON (Connect
// protocol), as a browser or curl would.
func TestConnectJSON(t *testing.T) {
	s, _ := server(t)
	req, _ := http.NewRequest(http.MethodPost, "http://"+s.GatewayAddr+"/kubemedic.v1.KnowledgeService/Ask",
		strings.NewReader(`{"question":"파드가 계속 Pending이에요"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Pending") {
		t.Fatalf("Connect JSON: %d %s", resp.StatusCode, body)
	}
}

// TestBrokenKnowledgeFileDoesNotStopTheServer loads an extra knowledge
// directory with one good and one broken runbook: the server starts, reports
// the broken file with file:line, and answers from the good one.
func TestBrokenKnowledgeFileDoesNotStopTheServer(t *testing.T) {
	dir := t.TempDir()
	good := "---\nid: acme-batch-queue-stuck\ntitle_ko: ACME 배치 큐가 멈춤\ntitle_en: ACME batch queue stuck\nprovider: generic\ntags: [acme]\n" +
		"questions:\n  - ACME 배치 큐가 멈췄어요\n  - acme batch queue is stuck\n  - 배치 큐 처리가 안 돼요\nsource: ACME 사내 FAQ\n---\n## 답변\nacme-queue-controller 파드를 재시작하세요.\n"
	bad := "---\nid: acme-broken\ntitle_ko: [unclosed\n---\nbody\n"
	if err := os.WriteFile(filepath.Join(dir, "acme-batch-queue-stuck.md"), []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "acme-broken.md"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	s, _ := server(t, "KUBEMEDIC_KB_DIRS", dir)
	probs := s.Knowledge.Problems()
	if len(probs) != 1 || !strings.Contains(probs[0].Error(), "acme-broken.md:") {
		t.Fatalf("problems = %v, want one naming acme-broken.md:<line>", probs)
	}
	rec := httptest.NewRecorder()
	s.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz?verbose", nil))
	if body := rec.Body.String(); rec.Code != 200 || !strings.Contains(body, "[+] knowledge") || !strings.Contains(body, "1 problem(s): "+probs[0].Error()) {
		t.Errorf("/readyz?verbose does not show the broken file (status %d):\n%s", rec.Code, body)
	}
	client := kubemedicv1.NewKnowledgeServiceClient(dial(t, s.GatewayAddr))
	ctx, cancel := context.WithTimeout(withToken(context.Background(), s.Token), 10*time.Second)
	defer cancel()
	resp, err := client.Ask(ctx, &kubemedicv1.AskRequest{Question: "ACME 배치 큐가 멈췄는데 어떻게 해요?"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetNoAnswer() || resp.GetAnswers()[0].GetEntryId() != "acme-batch-queue-stuck" {
		t.Fatalf("answer from the extra directory expected, got %v", resp)
	}
}

// slackStandIn starts local stand-ins for Slack and points the bot at them:
// a response_url sink whose posts arrive on posted, and a Slack Web API
// answering every call with apiReply (nothing may reach the real Slack). It
// sets the signing secret and bot token in the environment, where secrets
// come from.
func slackStandIn(t *testing.T, secret, apiReply string) (posted chan string, sinkURL string) {
	t.Helper()
	posted = make(chan string, 8)
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		posted <- string(b)
	}))
	t.Cleanup(sink.Close)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, apiReply)
	}))
	t.Cleanup(api.Close)
	t.Setenv("KUBEMEDIC_SLACK_API_URL", api.URL+"/")
	t.Setenv("KUBEMEDIC_SLACK_SIGNING_SECRET", secret)
	t.Setenv("KUBEMEDIC_SLACK_BOT_TOKEN", "xoxb-test-only")
	return posted, sink.URL
}

// TestSlackSlashCommandEndToEnd sends a slash command signed exactly as
// Slack signs it to the in-process bot; the bot acknowledges at once, asks
// the gateway (and so the analyzer over NATS), and posts the answer to the
// command's response_url.
func TestSlackSlashCommandEndToEnd(t *testing.T) {
	const secret = "8f742231b10e8888abcd99yyyzzz85a5"
	// Local stand-ins: users.info (no locale) and chat.postMessage.
	posted, sinkURL := slackStandIn(t, secret, `{"ok":true,"user":{"id":"U024BE7LH"},"channel":"C1234","ts":"1.2"}`)
	s, _ := server(t, "KUBEMEDIC_BOT_ADDR", "127.0.0.1:0")
	if s.BotAddr == "" {
		t.Fatal("bot did not start although a signing secret is set")
	}
	form := url.Values{
		"command": {"/k8s"}, "text": {"ask 노드가 NotReady 상태예요"}, "user_id": {"U024BE7LH"},
		"channel_id": {"C1234"}, "team_id": {"T1"}, "response_url": {sinkURL + "/hooks/1"}, "trigger_id": {"1.2.3"},
	}
	body := form.Encode()
	send := func(signature string) *http.Response {
		t.Helper()
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		if signature == "" {
			mac := hmac.New(sha256.New, []byte(secret))
			mac.Write([]byte("v0:" + ts + ":" + body))
			signature = "v0=" + hex.EncodeToString(mac.Sum(nil))
		}
		req, _ := http.NewRequest(http.MethodPost, "http://"+s.BotAddr+"/slack/commands", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", signature)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}

	if resp := send("v0=" + strings.Repeat("0", 64)); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("forged signature: status %d, want 401", resp.StatusCode)
	}
	select {
	case p := <-posted:
		t.Fatalf("a forged request was processed: %s", p)
	case <-time.After(300 * time.Millisecond):
	}

	start := time.Now()
	if resp := send(""); resp.StatusCode != http.StatusOK {
		t.Fatalf("signed command: status %d", resp.StatusCode)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("acknowledged after %s; Slack needs an answer within 3s", d)
	}
	select {
	case p := <-posted:
		if !strings.Contains(p, "kubelet") {
			t.Errorf("answer posted to response_url does not mention kubelet: %s", p)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no answer posted to response_url")
	}

	// An English question is answered in English, from the real knowledge
	// base.
	form.Set("text", "why is my pod stuck in Pending")
	body = form.Encode()
	if resp := send(""); resp.StatusCode != http.StatusOK {
		t.Fatalf("signed English question: status %d", resp.StatusCode)
	}
	select {
	case p := <-posted:
		if !strings.Contains(p, "*Source*") || strings.Contains(p, "*출처*") {
			t.Errorf("English question not answered in English: %.500s", p)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no answer to the English question")
	}

	// diagnose goes through the same gateway to the diagnosis service. This
	// server watches no cluster, so asking for "prod" must come back as a
	// clear, specific error naming the cluster (findings on a real cluster
	// are tested in services/e2e/live).
	form.Set("text", "diagnose prod shop")
	body = form.Encode()
	if resp := send(""); resp.StatusCode != http.StatusOK {
		t.Fatalf("signed diagnose: status %d", resp.StatusCode)
	}
	select {
	case p := <-posted:
		t.Logf("diagnose answer: %.300s", p)
		if !strings.Contains(p, `알 수 없는 클러스터 \"prod\"`) || !strings.Contains(p, `unknown cluster \"prod\"`) {
			t.Errorf("diagnose of an unknown cluster is not refused by name: %s", p)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no diagnose answer posted to response_url")
	}
}

// TestEveryProcedureHasOneOwner asks every micro service on the bus
// ($SRV.INFO) what it serves and checks that each method of each public
// service is subscribed by exactly one of them: none would answer "no
// responders" (retried as Unavailable), two would split calls between a
// handler and an Unimplemented fallback.
func TestEveryProcedureHasOneOwner(t *testing.T) {
	s, _ := server(t)
	nc, err := nats.Connect(s.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	inbox := nc.NewInbox()
	sub, err := nc.SubscribeSync(inbox)
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.PublishRequest("$SRV.INFO", inbox, nil); err != nil {
		t.Fatal(err)
	}
	owners := map[string][]string{} // procedure -> micro services
	for {
		msg, err := sub.NextMsg(500 * time.Millisecond)
		if err != nil {
			break
		}
		var info micro.Info
		if err := json.Unmarshal(msg.Data, &info); err != nil {
			t.Fatal(err)
		}
		for _, ep := range info.Endpoints {
			if p := ep.Metadata["procedure"]; p != "" {
				owners[p] = append(owners[p], info.Name)
			}
		}
	}
	want := 0
	for _, sd := range gateway.Services {
		for i := range sd.Methods().Len() {
			want++
			procedure := "/" + string(sd.FullName()) + "/" + string(sd.Methods().Get(i).Name())
			if got := owners[procedure]; len(got) != 1 {
				t.Errorf("%s is served by %v, want exactly one service", procedure, got)
			}
		}
	}
	if len(owners) != want {
		t.Errorf("%d procedures served, want %d: %v", len(owners), want, owners)
	}
	if got := owners["/kubemedic.v1.FleetService/ListClusters"]; len(got) != 1 || got[0] != "kubemedic-collector" {
		t.Errorf("ListClusters served by %v, want the collector", got)
	}
}

// TestTeamDocumentsLoadAndReloadWhileServing drops a team's wiki page (plain
// Markdown, no runbook front matter) into a knowledge directory of a running
// server: it is imported section by section and answered through the
// gateway without a restart.
func TestTeamDocumentsLoadAndReloadWhileServing(t *testing.T) {
	dir := t.TempDir()
	first := "# 팀 위키\n\n## 사내 레지스트리 이미지 pull 실패\n\n### 증상\n`unauthorized: authentication required` 로 pull 이 거부됩니다.\n\n" +
		"### 해결 방법\nharbor robot 계정 토큰을 재발급하고 regcred 시크릿을 다시 만드세요.\n"
	if err := os.WriteFile(filepath.Join(dir, "wiki.md"), []byte(first), 0o644); err != nil {
		t.Fatal(err)
	}
	s, _ := server(t, "KUBEMEDIC_KB_DIRS", dir)
	client := kubemedicv1.NewKnowledgeServiceClient(dial(t, s.GatewayAddr))
	ask := func(q string) *kubemedicv1.AskResponse {
		t.Helper()
		ctx, cancel := context.WithTimeout(withToken(context.Background(), s.Token), 10*time.Second)
		defer cancel()
		resp, err := client.Ask(ctx, &kubemedicv1.AskRequest{Question: q})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if resp := ask("사내 레지스트리에서 이미지 pull 이 unauthorized 로 실패해요"); resp.GetNoAnswer() || resp.GetAnswers()[0].GetEntryId() != "faq-wiki-001" {
		t.Fatalf("team document not answered from: %v", resp)
	}
	second := first + "\n## 야간 배치 노드풀 사용하기\n\n야간 배치 잡은 `pool=batch` 노드풀에서만 돌리고 `dedicated=batch:NoSchedule` 테인트를 견디도록 toleration 을 넣습니다.\n"
	if err := os.WriteFile(filepath.Join(dir, "wiki.md"), []byte(second), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp := ask("야간 배치 노드풀에 잡 올리려면 뭘 넣어야 해요")
		if !resp.GetNoAnswer() && resp.GetAnswers()[0].GetEntryId() == "faq-wiki-002" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the edited document was not reloaded within 15s: %v", resp)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
