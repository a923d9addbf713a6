package bot_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// socketStandIn stands in for Slack's Socket Mode endpoint: a websocket
// server that says hello, pings like Slack does, pushes envelopes and
// collects the bot's acknowledgements.
type socketStandIn struct {
	t     *testing.T
	srv   *httptest.Server
	conns chan *socketConn
}

type socketConn struct {
	ws   *websocket.Conn
	wmu  sync.Mutex
	acks chan map[string]any
	done chan struct{}
}

func startSocketStandIn(t *testing.T) *socketStandIn {
	s := &socketStandIn{t: t, conns: make(chan *socketConn, 4)}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }} // Slack's client sends its own Origin
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		c := &socketConn{ws: ws, acks: make(chan map[string]any, 16), done: make(chan struct{})}
		_ = c.send(map[string]any{"type": "hello", "num_connections": 1, "connection_info": map[string]any{"app_id": "A123456"}})
		go func() { // Slack pings; the client reconnects when pings stop
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-c.done:
					return
				case <-tick.C:
					_ = ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(time.Second))
				}
			}
		}()
		go func() {
			defer close(c.done)
			for {
				_, msg, err := ws.ReadMessage()
				if err != nil {
					return
				}
				var ack map[string]any
				if json.Unmarshal(msg, &ack) == nil {
					c.acks <- ack
				}
			}
		}()
		s.conns <- c
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *socketStandIn) url() string {
	return "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/link/?ticket=1"
}

func (s *socketStandIn) next() *socketConn {
	s.t.Helper()
	select {
	case c := <-s.conns:
		return c
	case <-time.After(10 * time.Second):
		s.t.Fatal("the bot did not connect over Socket Mode within 10s")
	}
	return nil
}

func (c *socketConn) send(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.ws.WriteJSON(v)
}

// request pushes an envelope and returns the bot's acknowledgement.
func (c *socketConn) request(t *testing.T, id, typ string, payload any) map[string]any {
	t.Helper()
	if err := c.send(map[string]any{"envelope_id": id, "type": typ, "payload": payload, "accepts_response_payload": typ == "slash_commands", "retry_attempt": 0}); err != nil {
		t.Fatalf("sending %s: %v", typ, err)
	}
	select {
	case ack := <-c.acks:
		if ack["envelope_id"] != id {
			t.Fatalf("ack %v, want envelope %s", ack, id)
		}
		return ack
	case <-time.After(10 * time.Second):
		t.Fatalf("no ack for %s within 10s", id)
	}
	return nil
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSocketMode runs the drain flow over Socket Mode: the slash command
// and its acknowledgement over the websocket, a mention, a dropped
// connection that the bot re-opens, and the approval click over the new
// connection, executing once.
func TestSocketMode(t *testing.T) {
	ws := startSocketStandIn(t)
	e := newEnvWith(t, ws.url())
	conn := ws.next()
	waitFor(t, "socket mode state connected", func() bool { return e.bot.SocketModeState() == nil })

	ack := conn.request(t, "env-help", "slash_commands", map[string]any{
		"command": "/k8s", "text": "help", "user_id": userA, "channel_id": channelOps, "response_url": e.responseURL, "team_id": "T0001",
	})
	if p, _ := ack["payload"].(map[string]any); p == nil || !strings.Contains(p["text"].(string), "kubemedic 도움말") {
		t.Fatalf("help ack %v", ack)
	}

	ack = conn.request(t, "env-drain", "slash_commands", map[string]any{
		"command": "/k8s", "text": "drain node-1", "user_id": userA, "channel_id": channelOps, "response_url": e.responseURL,
	})
	if p, _ := ack["payload"].(map[string]any); p == nil || !strings.Contains(p["text"].(string), "찾는 중") {
		t.Fatalf("drain ack %v", ack)
	}
	plan := e.slackAPI.next(t)
	e.responses.next(t)
	approve := plan.button(t, "plan.approve")

	conn.request(t, "env-mention", "events_api", json.RawMessage(mentionEvent("Ev0SOCKET", "<@"+botUserID+"> 파드가 계속 Pending이에요", "")))
	if p := e.slackAPI.next(t); !strings.Contains(p.texts(), "파드가 Pending 상태일 때") {
		t.Errorf("mention answer %s", p.texts())
	}

	// The connection drops; the bot reports it and connects again.
	_ = conn.ws.Close()
	conn = ws.next()
	waitFor(t, "reconnection", func() bool { return e.bot.SocketModeState() == nil && e.bot.SocketModeConnects() == 2 })

	var click map[string]any
	form := e.clickPayload(userB, approve, channelOps, "1767225601.000001", "1767225603.000001")
	raw := strings.TrimPrefix(form, "payload=")
	raw = mustUnescape(t, raw)
	if err := json.Unmarshal([]byte(raw), &click); err != nil {
		t.Fatal(err)
	}
	conn.request(t, "env-approve", "interactive", click)
	conn.request(t, "env-approve-again", "interactive", click) // a double click
	e.slackAPI.nextMatching(t, "finished execution", func(p post) bool { return strings.Contains(p.texts(), "✅ 완료") })
	if executed, calls := e.remediation.counts("pl-1"); executed != 1 || calls != 1 {
		t.Errorf("executed %d times with %d Execute calls, want once", executed, calls)
	}
	if !e.remediation.isCordoned("node-1") {
		t.Error("node-1 not drained")
	}
}

func mustUnescape(t *testing.T, s string) string {
	t.Helper()
	u, err := url.QueryUnescape(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestSocketModeStateWhenSlackIsUnreachable: /readyz reports why Socket
// Mode is down while the client keeps trying.
func TestSocketModeStateWhenSlackIsUnreachable(t *testing.T) {
	e := newEnvWith(t, "ws://127.0.0.1:1/link")
	waitFor(t, "a connection error in the state", func() bool {
		err := e.bot.SocketModeState()
		return err != nil && strings.Contains(err.Error(), "disconnected since") && strings.Contains(err.Error(), "connection refused")
	})
}
