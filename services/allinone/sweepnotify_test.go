package allinone_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/proto/client"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/allinone"
)

// slackPost is one Web API call the stand-in recorded.
type slackPost struct {
	Method, Channel, ThreadTS, Text, TS string
}

// slackWebAPI is a local stand-in for the Slack Web API: chat.postMessage
// and the three steps of a files upload (v2), each recorded in order.
type slackWebAPI struct {
	mu     sync.Mutex
	posts  []slackPost
	upload string
	n      int
	token  string
}

func (s *slackWebAPI) handler(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	ok := func(w http.ResponseWriter, v map[string]any) {
		v["ok"] = true
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	authed := func(w http.ResponseWriter, r *http.Request) bool {
		// slack-go sends the token as a header or as a form field.
		if r.ParseForm() != nil || (r.Header.Get("Authorization") != "Bearer "+s.token && r.Form.Get("token") != s.token) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"ok":false,"error":"invalid_auth"}`)
			return false
		}
		return true
	}
	mux.HandleFunc("/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
		if !authed(w, r) {
			return
		}
		s.mu.Lock()
		s.n++
		ts := fmt.Sprintf("1700000000.%06d", s.n)
		s.posts = append(s.posts, slackPost{Method: "chat.postMessage", Channel: r.Form.Get("channel"), ThreadTS: r.Form.Get("thread_ts"), Text: r.Form.Get("text"), TS: ts})
		s.mu.Unlock()
		ok(w, map[string]any{"channel": r.Form.Get("channel"), "ts": ts})
	})
	mux.HandleFunc("/files.getUploadURLExternal", func(w http.ResponseWriter, r *http.Request) {
		if !authed(w, r) {
			return
		}
		ok(w, map[string]any{"file_id": "F0SWEEP", "upload_url": "http://" + r.Host + "/upload/F0SWEEP"})
	})
	mux.HandleFunc("/upload/F0SWEEP", func(w http.ResponseWriter, r *http.Request) {
		f, _, err := r.FormFile("file")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		b, _ := io.ReadAll(f)
		s.mu.Lock()
		s.upload = string(b)
		s.mu.Unlock()
		_, _ = io.WriteString(w, "OK")
	})
	mux.HandleFunc("/files.completeUploadExternal", func(w http.ResponseWriter, r *http.Request) {
		if !authed(w, r) {
			return
		}
		s.mu.Lock()
		s.posts = append(s.posts, slackPost{Method: "files.upload", Channel: r.Form.Get("channel_id"), ThreadTS: r.Form.Get("thread_ts"), Text: s.upload})
		s.mu.Unlock()
		ok(w, map[string]any{"files": []map[string]any{{"id": "F0SWEEP"}}})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected Slack Web API call %s", r.URL.Path)
		http.NotFound(w, r)
	})
	return mux
}

// wait returns the recorded posts once there are at least n.
func (s *slackWebAPI) wait(t *testing.T, n int) []slackPost {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s.mu.Lock()
		got := append([]slackPost(nil), s.posts...)
		s.mu.Unlock()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("Slack got %d posts, want %d: %+v", len(got), n, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSweepPostedToSlack runs real sweeps in `kubemedic serve` (embedded
// NATS, fleet service, gateway) over clusters that refuse connections and
// checks what the configured fleet channel gets: a short Korean summary,
// the unreachable clusters in its thread, and a file when the details are
// too long for one reply.
func TestSweepPostedToSlack(t *testing.T) {
	const channel = "C0FLEET"
	api := &slackWebAPI{token: "xoxb-sweep-test"}
	srv := httptest.NewServer(api.handler(t))
	defer srv.Close()

	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "refused.kubeconfig")
	kc := "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:1\", insecure-skip-tls-verify: true}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user: {token: abc}\n"
	if err := os.WriteFile(kubeconfig, []byte(kc), 0o600); err != nil {
		t.Fatal(err)
	}
	var clusters strings.Builder
	for i := range 16 {
		set := "big"
		if i < 2 {
			set = "small"
		}
		fmt.Fprintf(&clusters, "- name: refused-%02d\n  kubeconfig: %s\n  labels: {set: %s}\n", i, kubeconfig, set)
	}
	cfgFile := filepath.Join(dir, "kubemedic.yaml")
	cfgText := "fleet:\n  slack_channel: " + channel + "\n  cluster_timeout: 10s\nclusters:\n" + clusters.String()
	if err := os.WriteFile(cfgFile, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"KUBEMEDIC_DATA_DIR":             t.TempDir(),
		"KUBEMEDIC_GATEWAY_ADDR":         "127.0.0.1:0",
		"KUBEMEDIC_ADMIN_ADDR":           "127.0.0.1:0",
		"KUBEMEDIC_NATS_LISTEN":          "127.0.0.1:0",
		"KUBEMEDIC_NATS_REQUEST_TIMEOUT": "3s",
		"KUBEMEDIC_LOG_LEVEL":            "warn",
		"KUBEMEDIC_SLACK_API_URL":        srv.URL + "/",
	}
	// Only the bot token: the notifier needs no signing secret (the
	// chat-ops bot itself stays off).
	t.Setenv("KUBEMEDIC_SLACK_BOT_TOKEN", api.token)
	cfg, err := config.LoadWithEnv(cfgFile, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := allinone.New(ctx, cfg, os.Stderr)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("server did not stop within 30s")
		}
	}()
	gw, err := client.New("http://"+s.GatewayAddr, s.Token)
	if err != nil {
		t.Fatal(err)
	}
	sweep := func(selector string) *kubemedicv1.Sweep {
		t.Helper()
		sctx, scancel := context.WithTimeout(ctx, 60*time.Second)
		defer scancel()
		stream, err := gw.Fleet.RunSweep(sctx, connect.NewRequest(&kubemedicv1.RunSweepRequest{Selector: selector}))
		if err != nil {
			t.Fatal(err)
		}
		defer stream.Close()
		var last *kubemedicv1.Sweep
		for stream.Receive() {
			if sw := stream.Msg().GetSweep(); sw != nil {
				last = sw
			}
		}
		if err := stream.Err(); err != nil {
			t.Fatalf("sweep %q: %v", selector, err)
		}
		// Every cluster refuses connections, so the sweep fails as a whole.
		if last.GetState() != kubemedicv1.SweepState_SWEEP_STATE_FAILED {
			t.Errorf("sweep %q ended %s, want failed (every cluster unreachable)", selector, last.GetState())
		}
		return last
	}

	// Two unreachable clusters: the summary, then one reply naming both.
	small := sweep("set=small")
	posts := api.wait(t, 2)
	sum, reply := posts[0], posts[1]
	if sum.Channel != channel || sum.ThreadTS != "" || !strings.Contains(sum.Text, small.GetId()) || !strings.Contains(sum.Text, "연결 실패 2") {
		t.Errorf("summary = %+v, want a Korean top-level message in %s naming sweep %s and 2 unreachable clusters", sum, channel, small.GetId())
	}
	if reply.ThreadTS != sum.TS || !strings.Contains(reply.Text, "연결 실패 refused-00") || !strings.Contains(reply.Text, "연결 실패 refused-01") {
		t.Errorf("thread reply = %+v, want both unreachable clusters in the summary's thread (%s)", reply, sum.TS)
	}

	// Sixteen: too many lines for one reply, so the thread gets the first
	// lines and a file with all of them.
	all := sweep("")
	posts = api.wait(t, 5)[2:]
	sum, reply, file := posts[0], posts[1], posts[2]
	if sum.ThreadTS != "" || !strings.Contains(sum.Text, all.GetId()) || !strings.Contains(sum.Text, "16개") || !strings.Contains(sum.Text, "연결 실패 16") {
		t.Errorf("summary = %+v, want sweep %s of 16 clusters, 16 unreachable", sum, all.GetId())
	}
	if reply.ThreadTS != sum.TS || !strings.Contains(reply.Text, "첨부 파일") || strings.Contains(reply.Text, "refused-15") {
		t.Errorf("thread reply = %+v, want the first lines and a pointer to the file", reply)
	}
	if file.Method != "files.upload" || file.Channel != channel || file.ThreadTS != sum.TS ||
		strings.Count(file.Text, "연결 실패 refused-") != 16 || !strings.Contains(file.Text, "refused-15") {
		t.Errorf("file = %+v, want all 16 unreachable clusters uploaded in the thread", file)
	}
}
