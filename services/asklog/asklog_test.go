package asklog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/platform/embeddednats"
	"github.com/kubemedic/kubemedic/services/asklog"
	"github.com/kubemedic/kubemedic/services/knowledge"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// startJetStream starts a real nats-server with JetStream on a temp dir.
func startJetStream(t testing.TB) (*embeddednats.Server, jetstream.JetStream) {
	t.Helper()
	ns, err := embeddednats.Start(embeddednats.Options{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Stop)
	nc, err := nats.Connect(ns.URL(), nats.MaxReconnects(-1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return ns, js
}

func newRecorder(t testing.TB, js jetstream.JetStream, o asklog.Options) *asklog.Recorder {
	t.Helper()
	o.JetStream = js
	o.Logger = discard
	r, err := asklog.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close(context.Background()) })
	return r
}

// askMessages returns the data of every ask message in the stream.
func askMessages(t testing.TB, js jetstream.JetStream) [][]byte {
	t.Helper()
	ctx := context.Background()
	s, err := js.Stream(ctx, asklog.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject == asklog.AskSubject {
			out = append(out, m.Data)
		}
	}
	return out
}

// storedAsks reads every ask record in the stream, decoding each message
// as a sequence of JSON values (one record, or JSON Lines).
func storedAsks(t testing.TB, js jetstream.JetStream) []asklog.Record {
	t.Helper()
	var out []asklog.Record
	for _, data := range askMessages(t, js) {
		dec := json.NewDecoder(bytes.NewReader(data))
		for {
			var r asklog.Record
			if err := dec.Decode(&r); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("ask message %q: %v", data, err)
			}
			out = append(out, r)
		}
	}
	return out
}

func result(question, lang string, noAnswer bool, conf float64, ids ...string) knowledge.Result {
	res := knowledge.Result{Question: question, Language: lang, NoAnswer: noAnswer, Confidence: conf}
	if noAnswer {
		res.Reason = "no entry matches the question"
	}
	for i, id := range ids {
		res.Answers = append(res.Answers, knowledge.Answer{ID: id, Confidence: conf - 0.1*float64(i)})
	}
	return res
}

func TestRecorderRecords(t *testing.T) {
	_, js := startJetStream(t)
	r := newRecorder(t, js, asklog.Options{})
	ctx := context.Background()
	slack := asklog.WithCaller(ctx, asklog.Caller{Source: asklog.SourceSlack, SlackUser: "U024BE7LH"})
	id1 := r.RecordAsk(slack, "prod", result("파드가 계속 Pending이에요", "ko", false, 0.84, "pod-pending", "pod-unschedulable"))
	id2 := r.RecordAsk(ctx, "", result("VPN 접속이 안 돼요", "ko", true, 0.2))
	// A caller that puts something other than a Slack id in the field:
	// nothing of it is stored.
	bad := asklog.WithCaller(ctx, asklog.Caller{Source: asklog.SourceSlack, SlackUser: "kim@example.com"})
	r.RecordAsk(bad, "", result("where are kube-proxy logs", "en", false, 0.5, "node-logs"))
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	got := storedAsks(t, js)
	if len(got) != 3 {
		t.Fatalf("stored %d records, want 3: %+v", len(got), got)
	}
	a := got[0]
	if a.ID != id1 || a.Question != "파드가 계속 Pending이에요" || a.Language != "ko" || a.Cluster != "prod" ||
		a.Source != asklog.SourceSlack || a.SlackUser != "U024BE7LH" || a.NoAnswer || a.Confidence != 0.84 ||
		len(a.Answers) != 2 || a.Answers[0].ID != "pod-pending" || a.Answers[1].ID != "pod-unschedulable" || time.Since(a.Time) > time.Minute {
		t.Errorf("first record = %+v", a)
	}
	if b := got[1]; b.ID != id2 || !b.NoAnswer || b.Reason == "" || b.Source != asklog.SourceAPI || b.SlackUser != "" || len(b.Answers) != 0 {
		t.Errorf("refused record = %+v", b)
	}
	if c := got[2]; c.SlackUser != "" || c.Source != asklog.SourceSlack || c.Language != "en" {
		t.Errorf("record with an invalid Slack id = %+v", c)
	}
	if r.Dropped() != 0 || r.Failed() != 0 {
		t.Errorf("dropped %d, failed %d, want 0", r.Dropped(), r.Failed())
	}
	// Recording after Close drops and counts; it does not panic.
	r.RecordAsk(ctx, "", result("late", "ko", true, 0))
	if r.Dropped() != 1 {
		t.Errorf("after close: dropped %d, want 1", r.Dropped())
	}
}

func TestRecorderOverflowDropsWithoutBlocking(t *testing.T) {
	ns, js := startJetStream(t)
	r := newRecorder(t, js, asklog.Options{Buffer: 1, PublishTimeout: time.Second})
	ns.Stop() // every publish now waits for its timeout
	const n, maxBatch = 1000, 256
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range n {
			r.RecordAsk(context.Background(), "", result("VPN 접속이 안 돼요", "ko", true, 0))
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second): // a hang guard, not a speed target
		t.Fatal("RecordAsk blocked while the server was down")
	}
	// At most one batch is being published and one record waits in the
	// buffer; everything else is dropped.
	if d := r.Dropped(); d < n-maxBatch-1 || d > n {
		t.Errorf("dropped %d of %d with a buffer of 1, want at least %d", d, n, n-maxBatch-1)
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f := r.Failed(); f < 1 || f > maxBatch+1 || f+r.Dropped() != n {
		t.Errorf("failed %d, dropped %d: want every one of %d records failed or dropped", f, r.Dropped(), n)
	}
}

func TestStreamLimits(t *testing.T) {
	_, js := startJetStream(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		limits asklog.Limits
		want   asklog.Limits
	}{
		{"defaults", asklog.Limits{}, asklog.Limits{MaxAge: 720 * time.Hour, MaxBytes: 256 << 20, MaxMsgs: 1_000_000, Replicas: 1}},
		{"configured", asklog.Limits{MaxAge: 48 * time.Hour, MaxBytes: 1 << 20, MaxMsgs: 50, Replicas: 1}, asklog.Limits{MaxAge: 48 * time.Hour, MaxBytes: 1 << 20, MaxMsgs: 50, Replicas: 1}},
		{"same again", asklog.Limits{MaxAge: 48 * time.Hour, MaxBytes: 1 << 20, MaxMsgs: 50}, asklog.Limits{MaxAge: 48 * time.Hour, MaxBytes: 1 << 20, MaxMsgs: 50, Replicas: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := asklog.EnsureStream(ctx, js, tt.limits)
			if err != nil {
				t.Fatal(err)
			}
			info, err := s.Info(ctx)
			if err != nil {
				t.Fatal(err)
			}
			c := info.Config
			if c.MaxAge != tt.want.MaxAge || c.MaxBytes != tt.want.MaxBytes || c.MaxMsgs != tt.want.MaxMsgs || c.Replicas != tt.want.Replicas ||
				c.Storage != jetstream.FileStorage || c.Discard != jetstream.DiscardOld || c.Retention != jetstream.LimitsPolicy ||
				len(c.Subjects) != 2 {
				t.Errorf("stream config = %+v, want limits %+v, file storage, discard old", c, tt.want)
			}
		})
	}
	if _, err := asklog.EnsureStream(ctx, js, asklog.Limits{MaxMsgs: -1}); err == nil {
		t.Error("negative MaxMsgs accepted")
	}
	// A single server cannot keep three replicas: the error says so rather
	// than the stream silently keeping one.
	if _, err := asklog.EnsureStream(ctx, js, asklog.Limits{Replicas: 3}); err == nil {
		t.Error("3 replicas on a single server accepted")
	}

	// The limit is enforced, on messages: the oldest go. Each record is
	// stored before the next is recorded, so each is a message of its own.
	r := newRecorder(t, js, asklog.Options{Limits: asklog.Limits{MaxAge: 48 * time.Hour, MaxBytes: 1 << 20, MaxMsgs: 50}})
	s, err := js.Stream(ctx, asklog.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	var last string
	for i := range 80 {
		last = r.RecordAsk(ctx, "", result("q"+string(rune('a'+i%26)), "ko", true, 0))
		waitLastSeq(t, s, uint64(i+1))
	}
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	got := storedAsks(t, js)
	if len(got) != 50 || got[len(got)-1].ID != last {
		t.Errorf("stream holds %d records (last %v), want the newest 50 ending in %s", len(got), got[len(got)-1].ID, last)
	}
}

// waitLastSeq waits until the stream's last sequence reaches seq.
func waitLastSeq(t *testing.T, s jetstream.Stream, seq uint64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second) // a hang guard, not a speed target
	for {
		info, err := s.Info(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if info.State.LastSeq >= seq {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream's last sequence %d, want %d", info.State.LastSeq, seq)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestFeedbackValidation(t *testing.T) {
	_, js := startJetStream(t)
	r := newRecorder(t, js, asklog.Options{})
	ctx := context.Background()
	for _, f := range []asklog.Feedback{
		{EntryID: "node-logs"},
		{AskID: "abc"},
		{AskID: "abc", EntryID: "node-logs", SlackUser: "kim@example.com"},
	} {
		if err := r.Feedback(ctx, f); err == nil {
			t.Errorf("Feedback(%+v) accepted", f)
		}
	}
	if err := r.Feedback(ctx, asklog.Feedback{AskID: "abc", EntryID: "node-logs", SlackUser: "U024BE7LH"}); err != nil {
		t.Fatal(err)
	}
}

// TestFeedbackDeduplicated: a double click (the same rating by the same
// person again) is stored once; a changed rating or another person's is
// stored.
func TestFeedbackDeduplicated(t *testing.T) {
	_, js := startJetStream(t)
	r := newRecorder(t, js, asklog.Options{})
	ctx := context.Background()
	for _, f := range []asklog.Feedback{
		{AskID: "abc", EntryID: "node-logs", SlackUser: "U024BE7LH"},
		{AskID: "abc", EntryID: "node-logs", SlackUser: "U024BE7LH"},                // double click
		{AskID: "abc", EntryID: "node-logs", SlackUser: "U024BE7LH", Helpful: true}, // changed mind
		{AskID: "abc", EntryID: "node-logs", SlackUser: "U999"},                     // someone else
	} {
		if err := r.Feedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	s, err := js.Stream(ctx, asklog.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(asklog.FeedbackSubject))
	if err != nil {
		t.Fatal(err)
	}
	if n := info.State.Subjects[asklog.FeedbackSubject]; n != 3 {
		t.Errorf("stored %d ratings, want 3", n)
	}
}

func TestCallerFrom(t *testing.T) {
	tests := []struct {
		name string
		ctx  context.Context
		want asklog.Caller
	}{
		{"none", context.Background(), asklog.Caller{Source: asklog.SourceAPI}},
		{"cli", asklog.WithCaller(context.Background(), asklog.Caller{Source: asklog.SourceCLI}), asklog.Caller{Source: asklog.SourceCLI}},
		{"slack", asklog.WithCaller(context.Background(), asklog.Caller{Source: asklog.SourceSlack, SlackUser: "W012A3CDE"}), asklog.Caller{Source: asklog.SourceSlack, SlackUser: "W012A3CDE"}},
		{"slack id on api", asklog.WithCaller(context.Background(), asklog.Caller{Source: asklog.SourceAPI, SlackUser: "W012A3CDE"}), asklog.Caller{Source: asklog.SourceAPI}},
		{"unknown source", asklog.WithCaller(context.Background(), asklog.Caller{Source: "email"}), asklog.Caller{Source: asklog.SourceAPI}},
		{"not a slack id", asklog.WithCaller(context.Background(), asklog.Caller{Source: asklog.SourceSlack, SlackUser: "홍길동"}), asklog.Caller{Source: asklog.SourceSlack}},
	}
	for _, tt := range tests {
		if got := asklog.CallerFrom(tt.ctx); got != tt.want {
			t.Errorf("%s: CallerFrom = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
