package allinone_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/services/asklog"
)

// TestSlackFeedbackClosesTheGapLoop is the gap loop end to end, with real
// parts only: a slash command signed as Slack signs it → bot → gateway (the
// bot's trusted token, naming the Slack user) → NATS → analyzer → answer
// with feedback buttons; a signed block_actions click on "not helpful" →
// bot → gateway → RecordFeedback → the KUBEMEDIC_ASKS stream; asklog.Gaps
// then lists the question as marked unhelpful. The stream holds the Slack
// user id and nothing else about the person (not the name, e-mail, team or
// channel Slack sent along). A Korean question from a user whose Slack
// locale is en-US is answered in Korean.
func TestSlackFeedbackClosesTheGapLoop(t *testing.T) {
	const (
		secret   = "8f742231b10e8888abcd99yyyzzz85a5"
		user     = "U024BE7LH"
		question = "파드가 계속 Pending이에요"
	)
	// The Slack Web API stand-in: users.info tells everything Slack knows
	// of the user, none of which but the id may be kept.
	posted, sinkURL := slackStandIn(t, secret, `{"ok":true,"user":{"id":"`+user+`","name":"kim.jiyoung","real_name":"김지영","locale":"en-US",`+
		`"profile":{"email":"jiyoung.kim@example.com","real_name":"김지영"}},"channel":"C1234","ts":"1.2"}`)
	s, _ := server(t, "KUBEMEDIC_BOT_ADDR", "127.0.0.1:0")
	if s.BotAddr == "" || s.AskLog == nil {
		t.Fatalf("bot address %q, ask log %v: want both", s.BotAddr, s.AskLog)
	}
	send := func(path, body string) int {
		t.Helper()
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte("v0:" + ts + ":" + body))
		req, _ := http.NewRequest(http.MethodPost, "http://"+s.BotAddr+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	next := func(what string) string {
		t.Helper()
		select {
		case p := <-posted:
			return p
		case <-time.After(15 * time.Second):
			t.Fatalf("nothing posted to response_url: %s", what)
			return ""
		}
	}

	// 1. Ask from Slack.
	since := time.Now().Add(-time.Second)
	if code := send("/slack/commands", url.Values{
		"command": {"/k8s"}, "text": {"ask " + question}, "user_id": {user}, "user_name": {"kim.jiyoung"},
		"channel_id": {"C1234"}, "channel_name": {"platform-oncall"}, "team_id": {"T0001"}, "team_domain": {"acme-corp"},
		"response_url": {sinkURL + "/hooks/ask"}, "trigger_id": {"1.2.3"},
	}.Encode()); code != http.StatusOK {
		t.Fatalf("signed slash command: status %d", code)
	}
	var answer struct {
		Blocks []struct {
			Type     string `json:"type"`
			Elements []struct {
				ActionID string `json:"action_id"`
				Value    string `json:"value"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	raw := next("the answer")
	if err := json.Unmarshal([]byte(raw), &answer); err != nil {
		t.Fatalf("answer is not JSON: %v: %.300s", err, raw)
	}
	if !strings.Contains(raw, "*출처*") {
		t.Errorf("a Korean question from an en-US Slack user was not answered in Korean: %.400s", raw)
	}
	var unhelpful string
	for _, b := range answer.Blocks {
		for _, e := range b.Elements {
			if e.ActionID == "answer.unhelpful" {
				unhelpful = e.Value
			}
		}
	}
	f := strings.Fields(unhelpful)
	if len(f) != 3 || f[2] != "ko" {
		t.Fatalf("\"not helpful\" button value %q, want \"<ask-id> <entry-id> ko\"", unhelpful)
	}
	askID, entryID := f[0], f[1]

	// 2. The click on "not helpful", delivered twice (a double click).
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "api_app_id": "A123456", "token": "XXYYZZ", "trigger_id": "123.456.789",
		"user":         map[string]any{"id": user, "username": "kim.jiyoung", "name": "kim.jiyoung", "team_id": "T0001"},
		"team":         map[string]any{"id": "T0001", "domain": "acme-corp"},
		"container":    map[string]any{"type": "message", "message_ts": "1767225601.000009", "channel_id": "C1234", "is_ephemeral": false},
		"channel":      map[string]any{"id": "C1234", "name": "platform-oncall"},
		"message":      map[string]any{"type": "message", "ts": "1767225601.000009", "text": "answer"},
		"response_url": sinkURL + "/hooks/click",
		"actions": []map[string]any{{
			"action_id": "answer.unhelpful", "block_id": "feedback", "type": "button", "value": unhelpful, "action_ts": "1767225602.000001",
			"text": map[string]any{"type": "plain_text", "text": "👎 아니요"},
		}},
		"state": map[string]any{"values": map[string]any{}},
	})
	click := url.Values{"payload": {string(payload)}}.Encode()
	for i := range 2 {
		if code := send("/slack/interactivity", click); code != http.StatusOK {
			t.Fatalf("signed click %d: status %d", i, code)
		}
	}
	if thanks := next("the thank-you"); !strings.Contains(thanks, "의견 고마워요") || !strings.Contains(thanks, "ephemeral") {
		t.Errorf("click answer %.300s, want an ephemeral Korean thank-you", thanks)
	}
	select {
	case p := <-posted:
		t.Errorf("the double click was answered twice: %.200s", p)
	case <-time.After(300 * time.Millisecond):
	}

	// 3. The stream and the gaps.
	nc, err := nats.Connect(s.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var rep *asklog.Report
	for ; ctx.Err() == nil; time.Sleep(50 * time.Millisecond) { // the ask record is published in the background
		if rep, err = asklog.Gaps(ctx, js, since, asklog.GapOptions{}); err != nil {
			t.Fatal(err)
		}
		if rep.Asks > 0 {
			break
		}
	}
	if rep.Asks != 1 || rep.Gaps != 1 || len(rep.Groups) != 1 {
		t.Fatalf("gaps = %+v, want the one question", rep)
	}
	g := rep.Groups[0]
	if g.Representative != question || g.Why[asklog.WhyUnhelpful] != 1 || len(g.Answers) == 0 || g.Answers[0].ID != entryID {
		t.Errorf("gap group = %+v, want %q marked unhelpful once with answer %s", g, question, entryID)
	}

	st, err := js.Stream(ctx, asklog.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var asks, ratings []map[string]any
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		for _, leak := range []string{"kim.jiyoung", "김지영", "example.com", "acme-corp", "T0001", "C1234", "platform-oncall", "hooks"} {
			if bytes.Contains(m.Data, []byte(leak)) {
				t.Errorf("stream message %d keeps %q: %s", seq, leak, m.Data)
			}
		}
		// An ask message is JSON Lines (one record a line); a rating is one
		// JSON object.
		dec := json.NewDecoder(bytes.NewReader(m.Data))
		for dec.More() {
			var v map[string]any
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			switch m.Subject {
			case asklog.AskSubject:
				asks = append(asks, v)
			case asklog.FeedbackSubject:
				ratings = append(ratings, v)
			}
		}
	}
	if len(asks) != 1 || asks[0]["id"] != askID || asks[0]["source"] != "slack" || asks[0]["slack_user"] != user || asks[0]["question"] != question {
		t.Errorf("ask records = %v, want one from Slack user %s with id %s", asks, user, askID)
	}
	if len(ratings) != 1 || ratings[0]["ask_id"] != askID || ratings[0]["entry_id"] != entryID || ratings[0]["helpful"] != false || ratings[0]["slack_user"] != user {
		t.Errorf("ratings = %v, want one unhelpful rating of %s by %s", ratings, askID, user)
	}
}
