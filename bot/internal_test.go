package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

func TestExcerpt(t *testing.T) {
	code := "```\n" + strings.Repeat("kubectl get pods -A\n", 50) + "```"
	tests := []struct {
		name      string
		in        string
		limit     int
		truncated bool
		check     func(out string) error
	}{
		{"short", "짧은 본문", 100, false, nil},
		{"cut inside fence closes it", "## 확인\n" + code, 200, true, func(out string) error {
			if !strings.HasSuffix(out, "kubectl get pods -A\n```\n…") {
				return fmt.Errorf("fence not closed before the ellipsis")
			}
			return nil
		}},
		{"does not end on an empty fence", strings.Repeat("설명 문장입니다.\n", 10) + code, 120, true, func(out string) error {
			if strings.Contains(out, "```") {
				return fmt.Errorf("kept an opening fence with nothing in it")
			}
			return nil
		}},
		{"one huge line", strings.Repeat("가", 500), 100, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, truncated := excerpt(tt.in, tt.limit)
			if truncated != tt.truncated {
				t.Errorf("truncated = %v", truncated)
			}
			if n := utf8.RuneCountInString(out); n > tt.limit {
				t.Errorf("excerpt has %d characters, limit %d", n, tt.limit)
			}
			if strings.Count(out, "```")%2 != 0 {
				t.Errorf("unbalanced code fences:\n%s", out)
			}
			if tt.check != nil {
				if err := tt.check(out); err != nil {
					t.Errorf("%v:\n%s", err, out)
				}
			}
		})
	}
}

func TestSeenCache(t *testing.T) {
	now := time.Unix(1767225600, 0)
	c := newSeenCache(time.Minute, 3, func() time.Time { return now })
	steps := []struct {
		advance time.Duration
		key     string
		first   bool
	}{
		{0, "a", true},
		{0, "a", false},
		{30 * time.Second, "b", true},
		{29 * time.Second, "a", false},
		{time.Second, "a", true}, // a expired after one minute
		{0, "c", true},
		{0, "d", true}, // full (a, b, c): the oldest, b, goes
		{0, "b", true},
		{0, "d", false},
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		if got := c.firstTime(s.key); got != s.first {
			t.Fatalf("step %d: firstTime(%q) = %v, want %v", i, s.key, got, s.first)
		}
		if n := c.len(); n > 3 {
			t.Fatalf("step %d: %d keys, bound is 3", i, n)
		}
	}
	c.forget("d")
	if !c.firstTime("d") {
		t.Error("forgotten key still seen")
	}
	// The re-recorded d outlives the queue entry of its first recording.
	now = now.Add(59 * time.Second)
	if c.firstTime("d") {
		t.Error("re-recorded key forgotten early")
	}
}

func TestSeenCacheBounded(t *testing.T) {
	now := time.Unix(0, 0)
	c := newSeenCache(time.Hour, 100, func() time.Time { return now })
	for i := 0; i < 10000; i++ {
		c.firstTime(fmt.Sprint(i))
	}
	if n := c.len(); n != 100 {
		t.Fatalf("%d keys remembered, want 100", n)
	}
	if len(c.queue)-c.head != 100 || cap(c.queue) > 1000 {
		t.Fatalf("queue holds %d live of %d (cap %d)", len(c.queue)-c.head, len(c.queue), cap(c.queue))
	}
}

func TestPlainText(t *testing.T) {
	self := []string{"UBOT"}
	tests := []struct{ in, want string }{
		{"<@UBOT> 파드가 Pending이에요", "파드가 Pending이에요"},
		{"<@UBOT|kubemedic>   ask  why", "ask why"},
		{"<@U1|minji> 님 파드가 <#C1|ops> 에서", "@minji 님 파드가 #ops 에서"},
		{"<@U2> 확인", "@U2 확인"},
		{"<!here> 노드 다운 <https://grafana.example.com/d/1|대시보드>", "노드 다운 대시보드"},
		{"see <https://example.com/x>", "see https://example.com/x"},
		{"<mailto:a@example.com|a@example.com>", "a@example.com"},
		{"scale shop/web 3 &amp; more", "scale shop/web 3 &amp; more"}, // unescaped later by the parser
	}
	for _, tt := range tests {
		if got := plainText(tt.in, self); got != tt.want {
			t.Errorf("plainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCheckResponseURL(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://hooks.slack.com/commands/T1/2/3", true},
		{"http://127.0.0.1:3000/x", true},
		{"http://localhost/x", true},
		{"http://[::1]:80/x", true},
		{"http://10.0.0.5/x", false},
		{"ftp://example.com/x", false},
		{"/relative", false},
		{"", false},
	}
	for _, tt := range tests {
		if err := checkResponseURL(tt.url); (err == nil) != tt.ok {
			t.Errorf("checkResponseURL(%q) = %v, want ok=%v", tt.url, err, tt.ok)
		}
	}
}

func TestBusyEventIsRedelivered(t *testing.T) {
	posted := make(chan string, 4)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.URL.Path != "/chat.postMessage" { // users.info: no locale
			_, _ = io.WriteString(w, `{"ok":true,"user":{"id":"U1"}}`)
			return
		}
		posted <- r.Form.Get("channel")
		_, _ = io.WriteString(w, `{"ok":true,"channel":"D1","ts":"1.2"}`)
	}))
	defer api.Close()
	k := kubemedicv1connect.NewKnowledgeServiceClient(http.DefaultClient, "http://127.0.0.1:1")
	f := kubemedicv1connect.NewFleetServiceClient(http.DefaultClient, "http://127.0.0.1:1")
	b, err := New(Options{SigningSecret: "s3cret", BotToken: "xoxb-1", Knowledge: k, Fleet: f, SlackAPIURL: api.URL,
		Diagnosis:   kubemedicv1connect.NewDiagnosisServiceClient(http.DefaultClient, "http://127.0.0.1:1"),
		Remediation: kubemedicv1connect.NewRemediationServiceClient(http.DefaultClient, "http://127.0.0.1:1"),
		Logger:      slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	body := `{"type":"event_callback","event_id":"Ev1","event":{"type":"message","channel_type":"im","channel":"D1","user":"U1","text":"help","ts":"1.1"}}`
	deliver := func() *httptest.ResponseRecorder {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		mac := hmac.New(sha256.New, []byte("s3cret"))
		mac.Write([]byte("v0:" + ts + ":" + body))
		req := httptest.NewRequest(http.MethodPost, "/slack/events", strings.NewReader(body))
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
		rec := httptest.NewRecorder()
		b.Handler().ServeHTTP(rec, req)
		return rec
	}
	b.jobsMu.Lock()
	b.inFlight = maxInFlight
	b.jobsMu.Unlock()
	if rec := deliver(); rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("busy: status %d, Retry-After %q; want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	b.jobsMu.Lock()
	b.inFlight = 0
	b.jobsMu.Unlock()
	if rec := deliver(); rec.Code != http.StatusOK {
		t.Fatalf("redelivery: status %d", rec.Code)
	}
	select {
	case ch := <-posted:
		if ch != "D1" {
			t.Errorf("posted to %q", ch)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("redelivered event not answered")
	}
	if err := b.drain(5 * time.Second); err != nil {
		t.Fatal(err)
	}
}
