package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/kubemedic/kubemedic/bot"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

func TestNew(t *testing.T) {
	k := kubemedicv1connect.NewKnowledgeServiceClient(http.DefaultClient, "http://127.0.0.1:1")
	f := kubemedicv1connect.NewFleetServiceClient(http.DefaultClient, "http://127.0.0.1:1")
	d := kubemedicv1connect.NewDiagnosisServiceClient(http.DefaultClient, "http://127.0.0.1:1")
	r := kubemedicv1connect.NewRemediationServiceClient(http.DefaultClient, "http://127.0.0.1:1")
	valid := bot.Options{SigningSecret: testSecret, BotToken: testToken, Knowledge: k, Fleet: f, Diagnosis: d, Remediation: r}
	tests := []struct {
		name    string
		edit    func(o *bot.Options)
		wantErr string
	}{
		{"valid", func(*bot.Options) {}, ""},
		{"english", func(o *bot.Options) { o.Language = "en" }, ""},
		{"api url without slash", func(o *bot.Options) { o.SlackAPIURL = "http://127.0.0.1:9/api" }, ""},
		{"no signing secret", func(o *bot.Options) { o.SigningSecret = "" }, "signing secret not set"},
		{"no bot token", func(o *bot.Options) { o.BotToken = "" }, "bot token is required"},
		{"no knowledge", func(o *bot.Options) { o.Knowledge = nil }, "knowledge client is required"},
		{"no fleet", func(o *bot.Options) { o.Fleet = nil }, "fleet client is required"},
		{"no diagnosis", func(o *bot.Options) { o.Diagnosis = nil }, "diagnosis client is required"},
		{"no remediation", func(o *bot.Options) { o.Remediation = nil }, "remediation client is required"},
		{"identity without a user", func(o *bot.Options) { o.Identities = map[string]bot.Identity{"U1": {}} }, `identity of Slack user "U1"`},
		{"bad language", func(o *bot.Options) { o.Language = "ja" }, `language "ja": want ko or en`},
		{"bad api url", func(o *bot.Options) { o.SlackAPIURL = "slack/api" }, "want an absolute http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := valid
			tt.edit(&o)
			b, err := bot.New(o)
			if tt.wantErr == "" {
				if err != nil || b == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
	if _, err := bot.New(bot.Options{}); !errors.Is(err, bot.ErrNotConfigured) {
		t.Errorf("New without a secret = %v, want ErrNotConfigured", err)
	}
}

// TestVerification sends requests that are not signed correctly; each must
// be refused with 401 and a reason, and nothing may reach the gateway or
// Slack.
func TestVerification(t *testing.T) {
	e := newEnv(t)
	body := e.slashForm("파드가 계속 Pending이에요")
	now := e.clock.Now().Unix()
	ts := strconv.FormatInt(now, 10)
	stale := strconv.FormatInt(now-6*60, 10)
	future := strconv.FormatInt(now+6*60, 10)
	tests := []struct {
		name       string
		header     map[string]string
		wantStatus int
		wantBody   string
	}{
		{"missing headers", nil, 401, "missing X-Slack-Signature or X-Slack-Request-Timestamp"},
		{"missing timestamp", map[string]string{"X-Slack-Signature": sign(testSecret, ts, body)}, 401, "missing"},
		{"forged with another secret", map[string]string{"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sign("not-the-secret", ts, body)}, 401, "signature does not match"},
		{"signature of another body", map[string]string{"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sign(testSecret, ts, body+"&x=1")}, 401, "signature does not match"},
		{"timestamp swapped after signing", map[string]string{"X-Slack-Request-Timestamp": strconv.FormatInt(now-1, 10), "X-Slack-Signature": sign(testSecret, ts, body)}, 401, "signature does not match"},
		{"stale timestamp", map[string]string{"X-Slack-Request-Timestamp": stale, "X-Slack-Signature": sign(testSecret, stale, body)}, 401, "possible replay"},
		{"future timestamp", map[string]string{"X-Slack-Request-Timestamp": future, "X-Slack-Signature": sign(testSecret, future, body)}, 401, "possible replay"},
		{"timestamp not a number", map[string]string{"X-Slack-Request-Timestamp": "yesterday", "X-Slack-Signature": sign(testSecret, "yesterday", body)}, 401, "not a Unix time"},
		{"unknown version", map[string]string{"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v1=" + strings.TrimPrefix(sign(testSecret, ts, body), "v0=")}, 401, "unsupported version"},
		{"not hex", map[string]string{"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=zz"}, 401, "not hex"},
	}
	for _, path := range []string{"/slack/commands", "/slack/events", "/slack/interactivity"} {
		for _, tt := range tests {
			t.Run(path+"/"+tt.name, func(t *testing.T) {
				h := http.Header{}
				for k, v := range tt.header {
					h.Set(k, v)
				}
				resp, got := e.raw(path, "application/x-www-form-urlencoded", body, h)
				if resp.StatusCode != tt.wantStatus || !strings.Contains(got, tt.wantBody) {
					t.Fatalf("status %d body %q, want %d containing %q", resp.StatusCode, got, tt.wantStatus, tt.wantBody)
				}
			})
		}
	}
	t.Run("body too large", func(t *testing.T) {
		big := body + "&pad=" + strings.Repeat("x", 2<<20)
		resp, got := e.send("/slack/commands", "application/x-www-form-urlencoded", big)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(got, "larger than") {
			t.Fatalf("status %d body %q, want 413", resp.StatusCode, got)
		}
	})
	t.Run("wrong method", func(t *testing.T) {
		resp, err := http.Get(e.url + "/slack/commands")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("GET status %d, want 405", resp.StatusCode)
		}
	})
	if n := len(e.knowledge.requests()); n != 0 {
		t.Errorf("gateway got %d questions from unverified requests", n)
	}
	e.responses.none(t, 200*time.Millisecond)
	e.slackAPI.none(t, 0)
	// The same body, signed correctly, goes through.
	resp, _ := e.send("/slack/commands", "application/x-www-form-urlencoded", body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("signed request: status %d", resp.StatusCode)
	}
	e.responses.next(t)
}

func TestSlashAskKorean(t *testing.T) {
	e := newEnv(t)
	resp, ack := e.slash("파드가 계속 Pending이에요")
	if resp.StatusCode != http.StatusOK || ack.Type != "ephemeral" || !strings.Contains(ack.Text, "찾는 중") {
		t.Fatalf("ack = %d %q, want 200 ephemeral 찾는 중…", resp.StatusCode, ack.raw)
	}
	p := e.responses.next(t)
	if p.Type != "in_channel" {
		t.Errorf("answer response_type %q, want in_channel", p.Type)
	}
	reqs := e.knowledge.requests()
	if len(reqs) != 1 || reqs[0].GetLanguage() != kubemedicv1.Language_LANGUAGE_KOREAN || reqs[0].GetQuestion() != "파드가 계속 Pending이에요" || reqs[0].GetTop() != 4 {
		t.Fatalf("gateway got %v", reqs)
	}
	if got := e.knowledge.protocol[0]; got != connect.ProtocolGRPC {
		t.Errorf("gateway called over %q, want grpc", got)
	}
	if got, want := strings.Join(p.blockTypes(), ","), "context,header,markdown,context,context,divider,section,actions"; got != want {
		t.Errorf("block types %s, want %s", got, want)
	}
	header := p.Blocks[1]["text"].(map[string]any)["text"].(string)
	if header != "📘 파드가 Pending 상태일 때 (리소스 부족)" {
		t.Errorf("header %q", header)
	}
	// The runbook goes to Slack as Markdown, rendered by the markdown block.
	body, _ := p.Blocks[2]["text"].(string)
	if n := len([]rune(body)); n == 0 || n > 2900 {
		t.Errorf("markdown block has %d characters, want 1..2900 (an excerpt)", n)
	}
	if strings.Count(body, "```")%2 != 0 {
		t.Errorf("body excerpt leaves a code fence open:\n%s", body)
	}
	for _, want := range []string{"## 증상", "**스케줄러**", "kubectl describe pod <pod> -n <ns>", "[쿠버네티스 문서](https://kubernetes.io/docs/concepts/scheduling-eviction/)", "…"} {
		if !strings.Contains(body, want) {
			t.Errorf("body excerpt lacks %q:\n%s", want, body)
		}
	}
	all := p.texts()
	for _, want := range []string{"*출처*: seeds/troubleshooting.md#pending", "*신뢰도*: 87%", "`k8s-pod-pending-insufficient-resources`", "더 보기", "노드 셀렉터가 맞지 않아 Pending", "41%", "테인트 때문에 Pending", "PVC가 Pending", "앞부분만"} {
		if !strings.Contains(all, want) {
			t.Errorf("answer lacks %q:\n%s", want, all)
		}
	}
	if p.Text != "📘 파드가 Pending 상태일 때 (리소스 부족)" {
		t.Errorf("fallback text %q", p.Text)
	}
	yes := p.button(t, "answer.helpful")
	if no := p.button(t, "answer.unhelpful"); yes.Value != "ask0001 k8s-pod-pending-insufficient-resources ko" || no.Value != yes.Value {
		t.Errorf("feedback buttons carry %q / %q, want the ask ID, the runbook ID and the language", yes.Value, no.Value)
	}
	if got := e.knowledge.askedFor; len(got) != 1 || got[0] != userA {
		t.Errorf("Ask made for Slack users %q, want the asker %s", got, userA)
	}
	e.click(userB, yes, channelOps, "1767225601.000009", "1767225602.000009")
	if r := e.responses.next(t); r.Type != "ephemeral" || !strings.Contains(r.Text, "의견 고마워요") {
		t.Errorf("feedback answer %+v", r)
	}
	rated, by := e.knowledge.ratings()
	if len(rated) != 1 || rated[0].GetAskId() != "ask0001" || rated[0].GetEntryId() != "k8s-pod-pending-insufficient-resources" ||
		!rated[0].GetHelpful() || rated[0].GetSlackUserId() != userB || by[0] != userB {
		t.Errorf("RecordFeedback got %v for %q, want ask0001 helpful by %s", rated, by, userB)
	}
}

func TestSlashAskEnglish(t *testing.T) {
	e := newEnv(t)
	e.slash("ask why is my pod stuck in Pending?")
	p := e.responses.next(t)
	reqs := e.knowledge.requests()
	if len(reqs) != 1 || reqs[0].GetLanguage() != kubemedicv1.Language_LANGUAGE_ENGLISH {
		t.Fatalf("gateway got %v, want an English question", reqs)
	}
	all := p.texts()
	for _, want := range []string{"Pod stuck in Pending (insufficient resources)", "*Source*:", "*Confidence*: 87%", "*Other answers*"} {
		if !strings.Contains(all, want) {
			t.Errorf("English answer lacks %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "출처") {
		t.Errorf("English answer has Korean labels:\n%s", all)
	}
}

// TestReplyLanguage checks the precedence: --lang, then Hangul in the
// question, then the Slack locale (users.info), then the question's own
// language.
func TestReplyLanguage(t *testing.T) {
	tests := []struct {
		name, user, text string
		want             kubemedicv1.Language
	}{
		{"korean text, no locale", "U2147483697", "파드가 계속 Pending이에요", kubemedicv1.Language_LANGUAGE_KOREAN},
		{"korean text beats Slack's default en-US locale", englishUser, "파드가 계속 Pending이에요", kubemedicv1.Language_LANGUAGE_KOREAN},
		{"english locale beats english text", englishUser, "why is my pod Pending", kubemedicv1.Language_LANGUAGE_ENGLISH},
		{"--lang beats korean text", englishUser, "--lang en 파드가 계속 Pending이에요", kubemedicv1.Language_LANGUAGE_ENGLISH},
		{"korean locale beats english text", koreanUser, "why is my pod Pending", kubemedicv1.Language_LANGUAGE_KOREAN},
		{"--lang beats the locale", englishUser, "--lang ko why is my pod Pending", kubemedicv1.Language_LANGUAGE_KOREAN},
		{"--lang at the end", koreanUser, "pod Pending again --lang=en", kubemedicv1.Language_LANGUAGE_ENGLISH},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			resp, _ := e.send("/slack/commands", "application/x-www-form-urlencoded", e.slashFormAs(tt.user, tt.text))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			p := e.responses.next(t)
			reqs := e.knowledge.requests()
			if len(reqs) != 1 || reqs[0].GetLanguage() != tt.want {
				t.Fatalf("gateway got %v, want language %v", reqs, tt.want)
			}
			if strings.Contains(reqs[0].GetQuestion(), "--lang") {
				t.Errorf("question %q still carries the option", reqs[0].GetQuestion())
			}
			english := strings.Contains(p.texts(), "*Source*")
			if english != (tt.want == kubemedicv1.Language_LANGUAGE_ENGLISH) {
				t.Errorf("reply labels in the wrong language:\n%s", p.texts())
			}
		})
	}
}

// TestUserRateLimit: one user's burst is served, the next request is
// refused with a reason, and other users are not affected.
func TestUserRateLimit(t *testing.T) {
	e := newEnv(t)
	for i := range 10 {
		if _, r := e.slash("clusters"); !strings.Contains(r.Text, "찾는 중") {
			t.Fatalf("request %d refused: %s", i+1, r.raw)
		}
	}
	// One token comes back every 3 s: on a slow machine the 11th may still
	// pass, but not five more in a row.
	accepted, refused := 10, false
	for range 5 {
		_, r := e.slash("clusters")
		if strings.Contains(r.texts(), "요청이 너무 잦아요") {
			refused = true
			break
		}
		accepted++
	}
	if !refused {
		t.Fatal("15 requests in a burst were all served")
	}
	if _, r := e.send("/slack/commands", "application/x-www-form-urlencoded", e.slashFormAs(userB, "clusters")); !strings.Contains(r, "찾는 중") {
		t.Fatalf("another user refused: %s", r)
	}
	for range accepted + 1 {
		e.responses.next(t)
	}
}

func TestSlashNoAnswer(t *testing.T) {
	e := newEnv(t)
	e.slash("오늘 점심 메뉴 추천해줘")
	p := e.responses.next(t)
	if p.Type != "ephemeral" {
		t.Errorf("no-answer response_type %q, want ephemeral", p.Type)
	}
	all := p.texts()
	for _, want := range []string{"죄송해요", "다르게 물어봐", "혹시 이 내용일까요?", "리소스 쿼터 초과", "12%", "제가 할 수 있는 일", "`/k8s clusters`", "`/k8s help`"} {
		if !strings.Contains(all, want) {
			t.Errorf("no-answer reply lacks %q:\n%s", want, all)
		}
	}
}

func TestSlashClusters(t *testing.T) {
	e := newEnv(t)
	_, ack := e.slash("clusters")
	if !strings.Contains(ack.Text, "찾는 중") {
		t.Fatalf("ack %q", ack.raw)
	}
	all := e.responses.next(t).texts()
	for _, want := range []string{"클러스터 2개", "*prod-kr1* (nks) — ✅ 연결됨 · v1.33.4 · 노드 12 · 마지막 점검 <!date^1767225600^", "*staging* (generic) — ⚠️ 연결 안 됨 · 점검 기록 없음"} {
		if !strings.Contains(all, want) {
			t.Errorf("clusters reply lacks %q:\n%s", want, all)
		}
	}
}

// TestSlashImmediate covers commands answered in the HTTP response itself:
// help, usage errors and commands not available yet.
func TestSlashImmediate(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		text string
		want []string
	}{
		{"", []string{"kubemedic 도움말", "지금 쓸 수 있는 명령", "`/k8s scale &lt;namespace&gt;/&lt;deployment&gt; &lt;replicas&gt;`", "`/k8s audit [plan-id]`", "계획 → 승인 → 실행"}},
		{"help", []string{"kubemedic 도움말", "`/k8s clusters`"}},
		{"help scale", []string{"*scale*", "사용법: `/k8s scale &lt;namespace&gt;/&lt;deployment&gt; &lt;replicas&gt;`", "예: `/k8s scale shop/web 3`"}},
		{"help sweep", []string{"*sweep*", "`/k8s sweep [cluster ...]`"}},
		{"scale web 3", []string{"*scale* 명령 형식이 잘못됐어요", `"web" 에 네임스페이스가 없어요`, "사용법: `/k8s scale &lt;namespace&gt;/&lt;deployment&gt; &lt;replicas&gt;`", "예: `/k8s scale shop/web 3`"}},
		{"scale shop/web many", []string{`"many" 는 숫자가 아니에요`}},
		{"patch-cm shop/cfg LOG_LEVEL", []string{"'=' 가 없어요", "key=value"}},
		{"drain", []string{"*drain* 명령 형식이 잘못됐어요", "노드 이름"}},
		{"help nope", []string{"명령은 없어요"}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			resp, r := e.slash(tt.text)
			if resp.StatusCode != http.StatusOK || r.Type != "ephemeral" {
				t.Fatalf("status %d type %q: %s", resp.StatusCode, r.Type, r.raw)
			}
			all := r.texts()
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("reply lacks %q:\n%s", w, all)
				}
			}
		})
	}
	if n := len(e.knowledge.requests()); n != 0 {
		t.Errorf("immediate commands made %d gateway calls", n)
	}
	e.responses.none(t, 100*time.Millisecond)
}

func TestSlashBadRequests(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, body string
		wantStatus int
		wantBody   string
	}{
		{"no command field", "text=hello", 400, "no command field"},
		{"bad form", "text=%zz", 400, "not a URL-encoded form"},
		{"no response_url", url.Values{"command": {"/k8s"}, "text": {"파드가 Pending"}}.Encode(), 400, "missing response_url"},
		{"plain http response_url", url.Values{"command": {"/k8s"}, "text": {"파드가 Pending"}, "response_url": {"http://hooks.example.com/x"}}.Encode(), 400, "must be https"},
		{"ssl check", "ssl_check=1&token=x", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, got := e.send("/slack/commands", "application/x-www-form-urlencoded", tt.body)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(got, tt.wantBody) {
				t.Fatalf("status %d body %q, want %d with %q", resp.StatusCode, got, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

// TestSlashAckDoesNotWaitForGateway holds the gateway's answer until the
// acknowledgement has arrived, so the ack is independent of the gateway.
func TestSlashAckDoesNotWaitForGateway(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	e.knowledge.mu.Lock()
	e.knowledge.block = release
	e.knowledge.started = make(chan struct{}, 1)
	e.knowledge.mu.Unlock()
	resp, ack := e.slash("노드가 NotReady예요 Pending")
	if resp.StatusCode != http.StatusOK || !strings.Contains(ack.Text, "찾는 중") {
		t.Fatalf("ack %d %q", resp.StatusCode, ack.raw)
	}
	<-e.knowledge.started // the gateway call is in flight, not answered
	e.responses.none(t, 50*time.Millisecond)
	close(release)
	if p := e.responses.next(t); !strings.Contains(p.texts(), "Pending") {
		t.Fatalf("answer %q", p.texts())
	}
}

func TestGatewayErrors(t *testing.T) {
	t.Run("unavailable", func(t *testing.T) {
		e := newEnv(t)
		// A bot whose gateway is down.
		dead := kubemedicv1connect.NewKnowledgeServiceClient(h2cClient(), "http://127.0.0.1:1", connect.WithGRPC())
		b, err := bot.New(bot.Options{SigningSecret: testSecret, BotToken: testToken, Knowledge: dead,
			Fleet:       kubemedicv1connect.NewFleetServiceClient(h2cClient(), "http://127.0.0.1:1", connect.WithGRPC()),
			Diagnosis:   kubemedicv1connect.NewDiagnosisServiceClient(h2cClient(), "http://127.0.0.1:1", connect.WithGRPC()),
			Remediation: kubemedicv1connect.NewRemediationServiceClient(h2cClient(), "http://127.0.0.1:1", connect.WithGRPC()),
			Now:         e.clock.Now,
			Logger:      slog.New(slog.NewTextHandler(testWriter{t}, nil))})
		if err != nil {
			t.Fatal(err)
		}
		e2 := *e
		e2.url = serveHandler(t, b.Handler())
		e2.slash("파드가 Pending이에요")
		all := e.responses.next(t).texts()
		if !strings.Contains(all, "게이트웨이에 연결하지 못했어요") {
			t.Errorf("reply %q", all)
		}
	})
	t.Run("invalid argument", func(t *testing.T) {
		e := newEnv(t)
		e.slash("이 질문은 invalid 해요")
		all := e.responses.next(t).texts()
		if !strings.Contains(all, "요청을 처리할 수 없어요: question is longer than 2000 characters") {
			t.Errorf("reply %q", all)
		}
	})
}

func serveHandler(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := &http.Server{Handler: h}
	l := listen(t)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + l.Addr().String()
}

func TestRetryAfterOn429(t *testing.T) {
	t.Run("response_url", func(t *testing.T) {
		e := newEnv(t)
		e.responses.limited.Store(1)
		e.slash("파드가 계속 Pending이에요")
		p := e.responses.next(t)
		if !strings.Contains(p.Text, "Pending") {
			t.Fatalf("answer %q", p.Text)
		}
		if got := e.responses.calls.Load(); got != 2 {
			t.Errorf("response_url called %d times, want 2 (429, then the retry)", got)
		}
	})
	t.Run("chat.postMessage", func(t *testing.T) {
		e := newEnv(t)
		e.slackAPI.limited.Store(1)
		resp, _ := e.send("/slack/events", "application/json", mentionEvent("Ev1", "<@"+botUserID+"> 파드가 Pending이에요", ""))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		p := e.slackAPI.next(t)
		if p.ThreadTS != "1767225600.000100" {
			t.Errorf("thread_ts %q", p.ThreadTS)
		}
		if got := e.slackAPI.calls.Load(); got != 2 {
			t.Errorf("chat.postMessage called %d times, want 2", got)
		}
	})
}

func TestGracefulShutdownWaitsForReplies(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	e.knowledge.mu.Lock()
	e.knowledge.block = release
	e.knowledge.started = make(chan struct{}, 1)
	e.knowledge.mu.Unlock()
	e.slash("파드가 계속 Pending이에요")
	<-e.knowledge.started
	stopped := make(chan error, 1)
	go func() { stopped <- e.stop() }()
	select {
	case err := <-stopped:
		t.Fatalf("Serve returned (%v) with a reply still in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	p := e.responses.next(t)
	if !strings.Contains(p.Text, "Pending") {
		t.Errorf("answer %q", p.Text)
	}
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the last reply")
	}
}

func mentionEvent(eventID, text, threadTS string) string {
	ev := map[string]any{
		"type": "app_mention", "user": "U2147483697", "text": text, "ts": "1767225600.000100",
		"channel": "C2147483705", "event_ts": "1767225600.000100",
	}
	if threadTS != "" {
		ev["thread_ts"] = threadTS
	}
	return envelopeJSON(eventID, ev)
}

func envelopeJSON(eventID string, ev map[string]any) string {
	b, _ := json.Marshal(map[string]any{
		"token": "XXYYZZ", "team_id": "T0001", "api_app_id": "A123456", "type": "event_callback",
		"event": ev, "event_id": eventID, "event_time": 1767225600,
		"authorizations": []map[string]any{{"team_id": "T0001", "user_id": botUserID, "is_bot": true}},
	})
	return string(b)
}

func dmEvent(eventID string, extra map[string]any) string {
	ev := map[string]any{
		"type": "message", "channel": "D024BE91L", "user": "U2147483697", "text": "ask how do I fix a Pending pod",
		"ts": "1767225700.000200", "event_ts": "1767225700.000200", "channel_type": "im",
	}
	for k, v := range extra {
		ev[k] = v
	}
	return envelopeJSON(eventID, ev)
}

func TestEvents(t *testing.T) {
	e := newEnv(t)
	t.Run("url verification", func(t *testing.T) {
		resp, body := e.send("/slack/events", "application/json", `{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)
		if resp.StatusCode != 200 || !strings.Contains(body, `"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"`) {
			t.Fatalf("status %d body %q", resp.StatusCode, body)
		}
	})
	t.Run("mention answered in thread, retries dropped", func(t *testing.T) {
		body := mentionEvent("Ev0MENTION", "<@"+botUserID+"> 파드가 계속 Pending이에요 <@U999|minji> 도와주세요", "1767225000.000050")
		resp, _ := e.send("/slack/events", "application/json", body)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		// Slack retries the same event; both retries are acknowledged and dropped.
		for _, n := range []string{"1", "2"} {
			resp, _ := e.send("/slack/events", "application/json", body, "X-Slack-Retry-Num", n, "X-Slack-Retry-Reason", "http_timeout")
			if resp.StatusCode != 200 {
				t.Fatalf("retry %s: status %d", n, resp.StatusCode)
			}
		}
		p := e.slackAPI.next(t)
		if p.Channel != "C2147483705" || p.ThreadTS != "1767225000.000050" {
			t.Errorf("posted to %s thread %s, want C2147483705 thread 1767225000.000050", p.Channel, p.ThreadTS)
		}
		if !strings.Contains(p.texts(), "파드가 Pending 상태일 때") {
			t.Errorf("reply %q", p.texts())
		}
		e.slackAPI.none(t, 200*time.Millisecond)
		reqs := e.knowledge.requests()
		if len(reqs) != 1 || reqs[0].GetQuestion() != "파드가 계속 Pending이에요 @minji 도와주세요" {
			t.Fatalf("gateway questions %v, want one without the bot mention", reqs)
		}
	})
	t.Run("mention with a command", func(t *testing.T) {
		e.send("/slack/events", "application/json", mentionEvent("Ev0SCALE", "<@"+botUserID+"> scale web 3", ""))
		p := e.slackAPI.next(t)
		all := p.texts()
		if p.ThreadTS != "1767225600.000100" || !strings.Contains(all, "<@"+botUserID+"> `scale &lt;namespace&gt;/&lt;deployment&gt; &lt;replicas&gt;`") {
			t.Errorf("thread %q reply %q", p.ThreadTS, all)
		}
	})
	t.Run("DM in English", func(t *testing.T) {
		e.send("/slack/events", "application/json", dmEvent("Ev0DM", nil))
		p := e.slackAPI.next(t)
		if p.Channel != "D024BE91L" || !strings.Contains(p.texts(), "Pod stuck in Pending") {
			t.Errorf("channel %s reply %q", p.Channel, p.texts())
		}
	})
	ignored := []struct{ name, body string }{
		{"own message", dmEvent("Ev0OWN", map[string]any{"user": botUserID, "bot_id": "B0KUBEMED"})},
		{"other bot", dmEvent("Ev0BOT", map[string]any{"subtype": "bot_message", "bot_id": "B0OTHER"})},
		{"edited message", dmEvent("Ev0EDIT", map[string]any{"subtype": "message_changed"})},
		{"channel message", dmEvent("Ev0CHAN", map[string]any{"channel_type": "channel"})},
		{"mention by a bot", mentionEvent("Ev0BOTMENTION", "<@"+botUserID+"> hi", "")},
		{"other event", envelopeJSON("Ev0REACT", map[string]any{"type": "reaction_added", "user": "U1"})},
		{"rate limited notice", `{"token":"x","type":"app_rate_limited","team_id":"T0001","minute_rate_limited":1518467820,"api_app_id":"A123456"}`},
	}
	for _, tt := range ignored {
		t.Run("ignores "+tt.name, func(t *testing.T) {
			body := tt.body
			if tt.name == "mention by a bot" {
				var m map[string]any
				_ = json.Unmarshal([]byte(body), &m)
				m["event"].(map[string]any)["bot_id"] = "B0OTHER"
				b, _ := json.Marshal(m)
				body = string(b)
			}
			resp, _ := e.send("/slack/events", "application/json", body)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			e.slackAPI.none(t, 100*time.Millisecond)
		})
	}
	t.Run("not JSON", func(t *testing.T) {
		resp, body := e.send("/slack/events", "application/json", "{")
		if resp.StatusCode != 400 || !strings.Contains(body, "not JSON") {
			t.Fatalf("status %d body %q", resp.StatusCode, body)
		}
	})
}

// TestEventDedupeExpires shows a redelivered event ID is dropped only
// within the de-duplication window.
func TestEventDedupeExpires(t *testing.T) {
	e := newEnv(t)
	body := dmEvent("Ev0TTL", nil)
	e.send("/slack/events", "application/json", body)
	e.slackAPI.next(t)
	e.clock.Add(4 * time.Minute)
	e.send("/slack/events", "application/json", body, "X-Slack-Retry-Num", "3")
	e.slackAPI.none(t, 200*time.Millisecond)
	e.clock.Add(20 * time.Minute)
	e.send("/slack/events", "application/json", body)
	e.slackAPI.next(t)
}

func TestInteractivity(t *testing.T) {
	e := newEnv(t)
	payload := `{"type":"block_actions","user":{"id":"U2147483697","name":"jiyoung"},"channel":{"id":"C2147483705"},"response_url":"` + e.responseURL + `","trigger_id":"123.456","actions":[{"action_id":"plan.reject","block_id":"plan","type":"button","value":"pl-7f3a9c hpl-7f3a9c"}]}`
	unknown := strings.Replace(payload, "plan.reject", "frobnicate", 1)
	forged := strings.Replace(payload, "pl-7f3a9c hpl-7f3a9c", "pl-7f3a9c <script>", 1)
	tests := []struct {
		name, body string
		wantStatus int
		wantBody   string
	}{
		{"block actions", url.Values{"payload": {payload}}.Encode(), 200, ""},
		{"unknown action", url.Values{"payload": {unknown}}.Encode(), 400, `unknown action "frobnicate"`},
		{"value that is not IDs", url.Values{"payload": {forged}}.Encode(), 400, "plan hash"},
		{"no payload", "foo=bar", 400, "no payload field"},
		{"payload not JSON", url.Values{"payload": {"{"}}.Encode(), 400, "not valid JSON"},
		{"payload without type", url.Values{"payload": {"{}"}}.Encode(), 400, "has no type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, got := e.send("/slack/interactivity", "application/x-www-form-urlencoded", tt.body)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(got, tt.wantBody) {
				t.Fatalf("status %d body %q, want %d with %q", resp.StatusCode, got, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

func TestServeTwice(t *testing.T) {
	k := kubemedicv1connect.NewKnowledgeServiceClient(http.DefaultClient, "http://127.0.0.1:1")
	f := kubemedicv1connect.NewFleetServiceClient(http.DefaultClient, "http://127.0.0.1:1")
	b, err := bot.New(bot.Options{SigningSecret: testSecret, BotToken: testToken, Knowledge: k, Fleet: f,
		Diagnosis:   kubemedicv1connect.NewDiagnosisServiceClient(http.DefaultClient, "http://127.0.0.1:1"),
		Remediation: kubemedicv1connect.NewRemediationServiceClient(http.DefaultClient, "http://127.0.0.1:1"),
		Logger:      slog.New(slog.NewTextHandler(testWriter{t}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Serve(ctx, listen(t)); err != nil {
		t.Fatalf("first Serve: %v", err)
	}
	if err := b.Serve(context.Background(), listen(t)); err == nil {
		t.Fatal("second Serve succeeded")
	}
}

// BenchmarkSlashAck measures how fast a signed slash command is
// acknowledged over HTTP (Slack allows 3 s). "ask" acknowledges and answers
// in the background; "help" answers in the response itself. busy/op is the
// share of asks shed because too many answers were in flight: the loop sends
// faster than the answers complete.
func BenchmarkSlashAck(b *testing.B) {
	for _, text := range []string{"파드가 계속 Pending이에요", "help"} {
		b.Run(strings.Fields(text)[0], func(b *testing.B) {
			e := newEnv(b)
			done := make(chan struct{})
			defer func() {
				if err := e.stop(); err != nil { // waits for the background answers
					b.Error(err)
				}
				close(done)
			}()
			go func() {
				for {
					select {
					case <-e.responses.posts:
					case <-done:
						return
					}
				}
			}()
			busy, i := 0, 0
			for b.Loop() {
				i++ // one user per request: the per-user rate limit is not what is measured
				resp, got := e.send("/slack/commands", "application/x-www-form-urlencoded", e.slashFormAs(fmt.Sprintf("U%09d", i), text))
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d: %s", resp.StatusCode, got)
				}
				if strings.Contains(got, "요청이 많아서") {
					busy++ // shed: more than maxInFlight answers were being worked on
				}
			}
			b.ReportMetric(float64(busy)/float64(b.N), "busy/op")
		})
	}
}
