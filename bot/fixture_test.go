package bot_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/slack-go/slack/slacktest"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/kubemedic/kubemedic/bot"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

const (
	testSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	testToken  = "xoxb-test-token"
	// testAppToken is the app-level token Socket Mode connects with.
	testAppToken = "xapp-1-test-token"
	botUserID    = "U0KUBEMED"
)

// clock is a settable time source.
type clock struct{ unix atomic.Int64 }

func (c *clock) Now() time.Time      { return time.Unix(c.unix.Load(), 0) }
func (c *clock) Add(d time.Duration) { c.unix.Add(int64(d / time.Second)) }

// knowledgeDouble is an in-process gateway KnowledgeService with canned
// answers, served over real gRPC.
type knowledgeDouble struct {
	kubemedicv1connect.UnimplementedKnowledgeServiceHandler
	mu       sync.Mutex
	asked    []*kubemedicv1.AskRequest
	protocol []string
	block    chan struct{} // when set, Ask waits for it to close
	started  chan struct{} // receives when an Ask starts
	// askedFor and ratedBy are the Slack user headers of Ask and
	// RecordFeedback calls; rated are the ratings.
	askedFor, ratedBy []string
	rated             []*kubemedicv1.RecordFeedbackRequest
}

func (k *knowledgeDouble) RecordFeedback(_ context.Context, req *connect.Request[kubemedicv1.RecordFeedbackRequest]) (*connect.Response[kubemedicv1.RecordFeedbackResponse], error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.rated = append(k.rated, req.Msg)
	k.ratedBy = append(k.ratedBy, req.Header().Get("Kubemedic-Slack-User"))
	if req.Msg.GetAskId() != "ask0001" {
		return nil, connect.NewError(connect.CodeFailedPrecondition, errors.New("the ask log is off"))
	}
	return connect.NewResponse(&kubemedicv1.RecordFeedbackResponse{}), nil
}

// ratings returns the RecordFeedback requests and their Slack user headers.
func (k *knowledgeDouble) ratings() ([]*kubemedicv1.RecordFeedbackRequest, []string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]*kubemedicv1.RecordFeedbackRequest(nil), k.rated...), append([]string(nil), k.ratedBy...)
}

const longBody = "## 증상\n\n파드가 `Pending` 상태에서 멈춰 있습니다. **스케줄러**가 노드를 찾지 못했습니다.\n\n" +
	"## 확인 방법\n\n```bash\nkubectl describe pod <pod> -n <ns>\nkubectl get events --field-selector reason=FailedScheduling\n```\n\n" +
	"자세한 내용은 [쿠버네티스 문서](https://kubernetes.io/docs/concepts/scheduling-eviction/) 참고.\n\n" +
	"## 해결 방법\n\n"

func pendingBody() string {
	var b strings.Builder
	b.WriteString(longBody)
	b.WriteString("```yaml\n")
	for i := 0; b.Len() < 9000; i++ {
		fmt.Fprintf(&b, "resources:\n  requests:\n    cpu: %dm # 요청량을 노드 여유보다 작게\n", 100+i)
	}
	b.WriteString("```\n")
	return b.String()
}

func (k *knowledgeDouble) Ask(ctx context.Context, req *connect.Request[kubemedicv1.AskRequest]) (*connect.Response[kubemedicv1.AskResponse], error) {
	k.mu.Lock()
	k.asked = append(k.asked, req.Msg)
	k.protocol = append(k.protocol, req.Peer().Protocol)
	k.askedFor = append(k.askedFor, req.Header().Get("Kubemedic-Slack-User"))
	block, started := k.block, k.started
	k.mu.Unlock()
	if started != nil {
		started <- struct{}{}
	}
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if got := req.Header().Get("Authorization"); got != "Bearer gateway-token-0123456789" {
		return nil, connect.NewError(connect.CodeUnauthenticated, errors.New("unknown bearer token"))
	}
	q := req.Msg.GetQuestion()
	en := req.Msg.GetLanguage() == kubemedicv1.Language_LANGUAGE_ENGLISH
	switch {
	case strings.Contains(q, "점심"), strings.Contains(q, "lunch"):
		return connect.NewResponse(&kubemedicv1.AskResponse{NoAnswer: true, Answers: []*kubemedicv1.Answer{
			{EntryId: "k8s-resource-quota", Title: "리소스 쿼터 초과", Confidence: 0.12, Body: "…"},
		}}), nil
	case strings.Contains(strings.ToLower(q), "pending"):
		title := "파드가 Pending 상태일 때 (리소스 부족)"
		if en {
			title = "Pod stuck in Pending (insufficient resources)"
		}
		return connect.NewResponse(&kubemedicv1.AskResponse{AskId: "ask0001", Language: req.Msg.GetLanguage(), Answers: []*kubemedicv1.Answer{
			{EntryId: "k8s-pod-pending-insufficient-resources", Title: title, Body: pendingBody(), Source: "seeds/troubleshooting.md#pending", Confidence: 0.87, Provider: "generic"},
			{EntryId: "k8s-pod-pending-node-selector", Title: "노드 셀렉터가 맞지 않아 Pending", Confidence: 0.41},
			{EntryId: "k8s-pod-pending-taint", Title: "테인트 때문에 Pending", Confidence: 0.33},
			{EntryId: "k8s-pvc-pending", Title: "PVC가 Pending", Confidence: 0.2},
		}}), nil
	case strings.Contains(q, "invalid"):
		return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("question is longer than 2000 characters"))
	}
	return connect.NewResponse(&kubemedicv1.AskResponse{NoAnswer: true}), nil
}

func (k *knowledgeDouble) requests() []*kubemedicv1.AskRequest {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]*kubemedicv1.AskRequest(nil), k.asked...)
}

type fleetDouble struct {
	kubemedicv1connect.UnimplementedFleetServiceHandler
}

// RunSweep stands in for the fleet sweep (issue 11, not built yet): one
// progress message per cluster, then the sweep.
func (fleetDouble) RunSweep(_ context.Context, req *connect.Request[kubemedicv1.RunSweepRequest], stream *connect.ServerStream[kubemedicv1.RunSweepResponse]) error {
	if err := stream.Send(&kubemedicv1.RunSweepResponse{Event: &kubemedicv1.RunSweepResponse_Progress{Progress: &kubemedicv1.SweepProgress{Cluster: "prod", Done: true, Findings: 2}}}); err != nil {
		return err
	}
	fs := shopFindings()
	return stream.Send(&kubemedicv1.RunSweepResponse{Event: &kubemedicv1.RunSweepResponse_Sweep{Sweep: &kubemedicv1.Sweep{
		Id:          "sw-42",
		Clusters:    []*kubemedicv1.SweepProgress{{Cluster: "prod", Done: true, Findings: 2}, {Cluster: "staging", Done: true, Error: "cluster unreachable: connection refused"}},
		NewFindings: fs[:1], ResolvedFindings: fs[1:], StillOpenFindings: manyFindings(3),
	}}})
}

func (fleetDouble) ListClusters(context.Context, *connect.Request[kubemedicv1.ListClustersRequest]) (*connect.Response[kubemedicv1.ListClustersResponse], error) {
	return connect.NewResponse(&kubemedicv1.ListClustersResponse{Clusters: []*kubemedicv1.Cluster{
		{Name: "prod-kr1", Provider: "nks", Reachable: true, Version: "v1.33.4", NodeCount: 12, LastSweepTime: timestamppb.New(time.Unix(1767225600, 0))},
		{Name: "staging", Provider: "generic", Reachable: false},
	}}), nil
}

// h2cClient speaks gRPC over cleartext HTTP/2, as the bot does with the
// gateway.
func h2cClient() *http.Client {
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: p}}
}

// gatewayClients are the bot's clients of the test gateway.
type gatewayClients struct {
	knowledge   kubemedicv1connect.KnowledgeServiceClient
	fleet       kubemedicv1connect.FleetServiceClient
	diagnosis   kubemedicv1connect.DiagnosisServiceClient
	remediation kubemedicv1connect.RemediationServiceClient
}

func startGateway(t testing.TB, k *knowledgeDouble, d *diagnosisStandIn, r *remediationStandIn) gatewayClients {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(kubemedicv1connect.NewKnowledgeServiceHandler(k))
	mux.Handle(kubemedicv1connect.NewFleetServiceHandler(fleetDouble{}))
	mux.Handle(kubemedicv1connect.NewDiagnosisServiceHandler(d))
	mux.Handle(kubemedicv1connect.NewRemediationServiceHandler(r))
	srv := httptest.NewUnstartedServer(mux)
	p := new(http.Protocols)
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	srv.Config.Protocols = p
	srv.Start()
	t.Cleanup(srv.Close)
	auth := connect.WithInterceptors(connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			req.Header().Set("Authorization", "Bearer gateway-token-0123456789")
			return next(ctx, req)
		}
	}))
	hc := h2cClient()
	return gatewayClients{
		knowledge:   kubemedicv1connect.NewKnowledgeServiceClient(hc, srv.URL, connect.WithGRPC(), auth),
		fleet:       kubemedicv1connect.NewFleetServiceClient(hc, srv.URL, connect.WithGRPC(), auth),
		diagnosis:   kubemedicv1connect.NewDiagnosisServiceClient(hc, srv.URL, connect.WithGRPC(), auth),
		remediation: kubemedicv1connect.NewRemediationServiceClient(hc, srv.URL, connect.WithGRPC(), auth),
	}
}

// post is one message the bot sent to Slack.
type post struct {
	Method   string // chat.postMessage, chat.update or response_url
	Channel  string
	TS       string // the message chat.update replaced
	ThreadTS string
	Text     string
	Type     string // response_type for response_url posts
	Replace  bool   // replace_original for response_url posts
	Blocks   []map[string]any
	Invalid  string // why the message breaks Block Kit limits, if it does
}

// texts returns every text in the blocks, joined by newlines.
func (p post) texts() string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok {
				out = append(out, s)
			}
			for k, c := range x {
				if k != "text" {
					walk(c)
				} else if _, ok := c.(string); !ok {
					walk(c)
				}
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	for _, b := range p.Blocks {
		walk(b)
	}
	return strings.Join(out, "\n")
}

func (p post) blockTypes() []string {
	var ts []string
	for _, b := range p.Blocks {
		ts = append(ts, fmt.Sprint(b["type"]))
	}
	return ts
}

// sink records posts; the first limited ones are answered 429.
type sink struct {
	posts   chan post
	limited atomic.Int32
	calls   atomic.Int32
	invalid atomic.Int32 // messages that broke Block Kit limits
	ts      atomic.Int32 // last message number handed out
	// upload is the content of the last file uploaded.
	upload atomic.Value
	// socketURL is what apps.connections.open hands out ("" refuses).
	socketURL string
}

func newSink() *sink { return &sink{posts: make(chan post, 64)} }

func (s *sink) rateLimit(w http.ResponseWriter) bool {
	s.calls.Add(1)
	if s.limited.Add(-1) >= 0 {
		w.Header().Set("Retry-After", "1")
		http.Error(w, `{"ok":false,"error":"ratelimited"}`, http.StatusTooManyRequests)
		return true
	}
	return false
}

// record queues p for the test, giving up when the request ends so a
// test that stopped reading cannot wedge the server.
func (s *sink) record(r *http.Request, p post) bool {
	blocks, _ := json.Marshal(p.Blocks)
	if p.Blocks == nil {
		blocks = nil
	}
	if err := bot.ValidateMessage(p.Text, blocks); err != nil {
		s.invalid.Add(1)
		p.Invalid = err.Error()
	}
	select {
	case s.posts <- p:
		return true
	case <-r.Context().Done():
		return false
	}
}

func (s *sink) next(t testing.TB) post {
	t.Helper()
	select {
	case p := <-s.posts:
		if p.Invalid != "" {
			t.Errorf("message breaks Block Kit limits: %s", p.Invalid)
		}
		return p
	case <-time.After(10 * time.Second):
		t.Fatal("no message reached Slack within 10s")
	}
	return post{}
}

func (s *sink) none(t testing.TB, wait time.Duration) {
	t.Helper()
	select {
	case p := <-s.posts:
		t.Fatalf("unexpected message to Slack: %+v", p)
	case <-time.After(wait):
	}
}

// userLocales are the Slack locales users.info reports; other users have
// none, so their reply language follows their text.
var userLocales = map[string]string{
	englishUser: "en-US",
	koreanUser:  "ko-KR",
}

// Users mapped to Kubernetes identities, one who is not, and the channel
// whose default cluster is prod.
const (
	userA      = "U2147483697" // jiyoung
	userB      = "U0MINHO"
	unmapped   = "U0NOBODY"
	emailUser  = "U0HANEUL" // mapped by the e-mail address Slack has for them
	channelOps = "C2147483705"
	// channelAlerts receives prod's finding notifications.
	channelAlerts = "C0ALERTS"
)

// Users with a Slack locale.
const (
	englishUser = "U0ENGLISH"
	koreanUser  = "U0KOREAN"
)

// startSlackAPI runs slacktest's Web API server with chat.postMessage
// recorded into s.
func startSlackAPI(t testing.TB, s *sink) string {
	t.Helper()
	srv := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/users.info", func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			id := r.Form.Get("user")
			user := map[string]any{"id": id, "name": strings.ToLower(id)}
			if loc, ok := userLocales[id]; ok && r.Form.Get("include_locale") == "true" {
				user["locale"] = loc
			}
			if id == emailUser {
				user["profile"] = map[string]any{"email": "haneul@example.com"}
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "user": user})
		})
		c.Handle("/apps.connections.open", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			if r.Header.Get("Authorization") != "Bearer "+testAppToken {
				_, _ = io.WriteString(w, `{"ok":false,"error":"invalid_auth"}`)
				return
			}
			if s.socketURL == "" {
				_, _ = io.WriteString(w, `{"ok":false,"error":"socket_mode_not_enabled"}`)
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "url": s.socketURL})
		})
		// files.upload v2: get an upload URL (on this server), upload,
		// complete; the completed upload is recorded as one post.
		c.Handle("/files.getUploadURLExternal", func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "file_id": "F0DIFF", "upload_url": "http://" + r.Host + "/upload/F0DIFF?name=" + url.QueryEscape(r.Form.Get("filename"))})
		})
		c.Handle("/upload/F0DIFF", func(w http.ResponseWriter, r *http.Request) {
			f, _, err := r.FormFile("file")
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			b, _ := io.ReadAll(f)
			s.upload.Store(string(b))
			_, _ = io.WriteString(w, "OK")
		})
		c.Handle("/files.completeUploadExternal", func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			content, _ := s.upload.Load().(string)
			if !s.record(r, post{Method: "files.upload", Channel: r.Form.Get("channel_id"), ThreadTS: r.Form.Get("thread_ts"), Text: content}) {
				http.Error(w, "test sink full", http.StatusServiceUnavailable)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"ok":true,"files":[{"id":"F0DIFF","title":"diff"}]}`)
		})
		c.Handle("/chat.update", s.webAPI("chat.update"))
		c.Handle("/chat.postMessage", s.webAPI("chat.postMessage"))
	})
	srv.Start()
	t.Cleanup(srv.Stop)
	return srv.GetAPIURL()
}

// webAPI records chat.postMessage and chat.update calls; each new message
// gets its own ts.
func (s *sink) webAPI(method string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if r.Form.Get("token") != testToken && r.Header.Get("Authorization") != "Bearer "+testToken {
			_, _ = io.WriteString(w, `{"ok":false,"error":"invalid_auth"}`)
			return
		}
		if s.rateLimit(w) {
			return
		}
		p := post{Method: method, Channel: r.Form.Get("channel"), TS: r.Form.Get("ts"), ThreadTS: r.Form.Get("thread_ts"), Text: r.Form.Get("text")}
		if b := r.Form.Get("blocks"); b != "" {
			if err := json.Unmarshal([]byte(b), &p.Blocks); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
		}
		if !s.record(r, p) {
			http.Error(w, "test sink full", http.StatusServiceUnavailable)
			return
		}
		ts := p.TS
		if ts == "" {
			ts = fmt.Sprintf("1767225601.%06d", s.ts.Add(1))
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q}`, p.Channel, ts)
	}
}

// startResponseURL runs an httptest server standing in for Slack's
// response_url endpoint.
func startResponseURL(t testing.TB, s *sink) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); r.Method != http.MethodPost || ct != "application/json" {
			http.Error(w, "want a JSON POST", http.StatusBadRequest)
			return
		}
		if s.rateLimit(w) {
			return
		}
		var m struct {
			Text            string           `json:"text"`
			ResponseType    string           `json:"response_type"`
			ReplaceOriginal bool             `json:"replace_original"`
			Blocks          []map[string]any `json:"blocks"`
		}
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if !s.record(r, post{Method: "response_url", Text: m.Text, Type: m.ResponseType, Replace: m.ReplaceOriginal, Blocks: m.Blocks}) {
			http.Error(w, "test sink full", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/commands/T0001/1234/abcd"
}

// env is a running bot with its Slack and gateway doubles.
type env struct {
	t           testing.TB
	url         string // the bot's base URL
	clock       *clock
	knowledge   *knowledgeDouble
	diagnosis   *diagnosisStandIn
	remediation *remediationStandIn
	slackAPI    *sink
	responses   *sink
	responseURL string
	stop        func() error // cancels Serve and returns its error
	bot         *bot.Bot
}

func newEnv(t testing.TB) *env { return newEnvWith(t, "") }

// newEnvWith starts the bot over Socket Mode, against socketURL (a
// websocket stand-in for Slack's), when socketURL is set, and over HTTP
// otherwise.
func newEnvWith(t testing.TB, socketURL string) *env {
	t.Helper()
	e := &env{t: t, clock: &clock{}, knowledge: &knowledgeDouble{}, diagnosis: newDiagnosisStandIn(), remediation: newRemediationStandIn(),
		slackAPI: newSink(), responses: newSink()}
	e.clock.unix.Store(time.Now().Unix())
	gw := startGateway(t, e.knowledge, e.diagnosis, e.remediation)
	e.slackAPI.socketURL = socketURL
	apiURL := startSlackAPI(t, e.slackAPI)
	e.responseURL = startResponseURL(t, e.responses)
	b, err := bot.New(bot.Options{
		SigningSecret: testSecret,
		BotToken:      testToken,
		Knowledge:     gw.knowledge,
		Fleet:         gw.fleet,
		Diagnosis:     gw.diagnosis,
		Remediation:   gw.remediation,
		Identities: map[string]bot.Identity{
			userA: {User: "jiyoung@example.com", Groups: []string{"sre"}},
			userB: {User: "minho@example.com", Groups: []string{"sre"}},
		},
		IdentitiesByEmail: map[string]bot.Identity{"Haneul@Example.com": {User: "haneul@example.com", Groups: []string{"sre"}}},
		ChannelClusters:   map[string]string{channelOps: "prod"},
		NotifyChannels:    map[string]string{"prod": channelAlerts},
		NotifyGroupWait:   200 * time.Millisecond,
		SlackAPIURL:       apiURL,
		AppToken:          testAppToken,
		Logger:            testLogger(t),
		Now:               e.clock.Now,
	})
	e.bot = b
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		if socketURL != "" {
			l.Close()
			done <- b.ServeSocketMode(ctx)
			return
		}
		done <- b.Serve(ctx, l)
	}()
	var once sync.Once
	var serveErr error
	e.stop = func() error {
		once.Do(func() { cancel(); serveErr = <-done })
		return serveErr
	}
	t.Cleanup(func() {
		if err := e.stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	e.url = "http://" + l.Addr().String()
	return e
}

// testLogger logs through t, except in benchmarks.
func testLogger(t testing.TB) *slog.Logger {
	if _, bench := t.(*testing.B); bench {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// sign computes Slack's v0 signature independently of the bot:
// "v0=" + hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)).
func sign(secret, timestamp, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + timestamp + ":" + body))
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// send posts body to path signed as Slack signs it at the env's clock time.
func (e *env) send(path, contentType, body string, header ...string) (*http.Response, string) {
	e.t.Helper()
	ts := strconv.FormatInt(e.clock.Now().Unix(), 10)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", sign(testSecret, ts, body))
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return e.raw(path, contentType, body, h)
}

func (e *env) raw(path, contentType, body string, h http.Header) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header = h.Clone()
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// slashForm is a slash command request body as Slack sends it.
func (e *env) slashForm(text string) string { return e.slashFormAs("U2147483697", text) }

// slashFormAs is slashForm sent by user.
func (e *env) slashFormAs(user, text string) string {
	return url.Values{
		"token":        {"gIkuvaNzQIHg97ATvDxqgjtO"},
		"team_id":      {"T0001"},
		"team_domain":  {"example"},
		"channel_id":   {"C2147483705"},
		"channel_name": {"platform"},
		"user_id":      {user},
		"user_name":    {"jiyoung"},
		"command":      {"/k8s"},
		"text":         {text},
		"api_app_id":   {"A123456"},
		"response_url": {e.responseURL},
		"trigger_id":   {"13345224609.738474920.8088930838d88f008e0"},
	}.Encode()
}

func (e *env) slash(text string) (*http.Response, slashReply) {
	e.t.Helper()
	resp, body := e.send("/slack/commands", "application/x-www-form-urlencoded", e.slashForm(text))
	var r slashReply
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal([]byte(body), &r.post); err != nil {
			e.t.Fatalf("slash command response is not JSON: %v: %s", err, body)
		}
		var m struct {
			ResponseType string `json:"response_type"`
		}
		_ = json.Unmarshal([]byte(body), &m)
		r.Type = m.ResponseType
	}
	r.raw = body
	return resp, r
}

type slashReply struct {
	post
	raw string
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}
