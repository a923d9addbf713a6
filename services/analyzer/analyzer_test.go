package analyzer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/platform/embeddednats"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
	"github.com/kubemedic/kubemedic/services/analyzer"
	"github.com/kubemedic/kubemedic/services/asklog"
	"github.com/kubemedic/kubemedic/services/knowledge"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// env is an analyzer served on a real nats-server with JetStream.
type env struct {
	client *natsrpc.Client
	js     jetstream.JetStream
	rec    *asklog.Recorder
}

func start(t *testing.T, withLog bool) *env {
	t.Helper()
	ns, err := embeddednats.Start(embeddednats.Options{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Stop)
	conn, err := natsrpc.Connect(ns.URL(), natsrpc.ConnectOptions{Name: t.Name(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	e := &env{client: natsrpc.NewClient(conn, 5*time.Second)}
	if e.js, err = jetstream.New(conn.Conn); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	kb, err := knowledge.Open(ctx, knowledge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	o := analyzer.Options{Knowledge: kb, Logger: quiet}
	if withLog {
		if e.rec, err = asklog.New(ctx, asklog.Options{JetStream: e.js, Logger: quiet}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = e.rec.Close(context.Background()) })
		o.AskLog = e.rec
	}
	an, err := analyzer.New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := an.Serve(conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop(context.Background()) })
	return e
}

// stored reads the stream's ask records and ratings.
func (e *env) stored(t *testing.T) (asks []asklog.Record, ratings []asklog.Feedback) {
	t.Helper()
	ctx := context.Background()
	s, err := e.js.Stream(ctx, asklog.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		switch m.Subject {
		case asklog.AskSubject: // JSON Lines: one record a line
			dec := json.NewDecoder(bytes.NewReader(m.Data))
			for dec.More() {
				var r asklog.Record
				if err := dec.Decode(&r); err != nil {
					t.Fatal(err)
				}
				asks = append(asks, r)
			}
		case asklog.FeedbackSubject:
			var f asklog.Feedback
			if err := json.Unmarshal(m.Data, &f); err != nil {
				t.Fatal(err)
			}
			ratings = append(ratings, f)
		}
	}
	return asks, ratings
}

func slackCaller(ctx context.Context, user string) context.Context {
	ctx = natsrpc.WithOutgoingHeader(ctx, natsrpc.HeaderCallerSource, "slack")
	if user != "" {
		ctx = natsrpc.WithOutgoingHeader(ctx, natsrpc.HeaderSlackUser, user)
	}
	return ctx
}

// TestAskIDAndFeedback: Ask returns the ask log's record id and records who
// asked from the gateway's headers; RecordFeedback stores the rating with the
// rater's Slack user id only when the caller is the Slack bot.
func TestAskIDAndFeedback(t *testing.T) {
	e := start(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ask := func(ctx context.Context, q string) *kubemedicv1.AskResponse {
		t.Helper()
		resp := &kubemedicv1.AskResponse{}
		if err := e.client.Call(ctx, kubemedicv1connect.KnowledgeServiceAskProcedure, &kubemedicv1.AskRequest{Question: q}, resp); err != nil {
			t.Fatal(err)
		}
		if resp.GetAskId() == "" || len(resp.GetAnswers()) == 0 {
			t.Fatalf("Ask(%q) = %v: want an ask id and answers", q, resp)
		}
		return resp
	}
	fromSlack := ask(slackCaller(ctx, "U0123ABCD"), "파드가 계속 Pending이에요")
	fromAPI := ask(ctx, "how do I drain a node safely")
	if fromSlack.GetAskId() == fromAPI.GetAskId() {
		t.Fatalf("two asks share the id %q", fromAPI.GetAskId())
	}
	entry := fromSlack.GetAnswers()[0].GetEntryId()

	feedback := func(ctx context.Context, req *kubemedicv1.RecordFeedbackRequest) error {
		return e.client.Call(ctx, kubemedicv1connect.KnowledgeServiceRecordFeedbackProcedure, req, &kubemedicv1.RecordFeedbackResponse{})
	}
	tests := []struct {
		name     string
		ctx      context.Context
		req      *kubemedicv1.RecordFeedbackRequest
		wantCode connect.Code // 0: stored
		wantUser string
	}{
		{"Slack user from the header", slackCaller(ctx, "U0123ABCD"),
			&kubemedicv1.RecordFeedbackRequest{AskId: fromSlack.GetAskId(), EntryId: entry, SlackUserId: "UOTHER"}, 0, "U0123ABCD"},
		{"Slack bot naming the user in the request", slackCaller(ctx, ""),
			&kubemedicv1.RecordFeedbackRequest{AskId: fromSlack.GetAskId(), EntryId: entry, Helpful: true, SlackUserId: "U0999"}, 0, "U0999"},
		{"API caller cannot name a Slack user", ctx,
			&kubemedicv1.RecordFeedbackRequest{AskId: fromAPI.GetAskId(), EntryId: fromAPI.GetAnswers()[0].GetEntryId(), SlackUserId: "U0123ABCD"}, 0, ""},
		{"unknown entry", ctx, &kubemedicv1.RecordFeedbackRequest{AskId: fromAPI.GetAskId(), EntryId: "no-such-runbook"}, connect.CodeNotFound, ""},
		{"malformed ask id", ctx, &kubemedicv1.RecordFeedbackRequest{AskId: "../x", EntryId: entry}, connect.CodeInvalidArgument, ""},
	}
	var wantUsers []string
	for _, tt := range tests {
		err := feedback(tt.ctx, tt.req)
		if tt.wantCode == 0 {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			wantUsers = append(wantUsers, tt.wantUser)
			continue
		}
		var ce *connect.Error
		if !errors.As(err, &ce) || ce.Code() != tt.wantCode {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.wantCode)
		}
	}

	if err := e.rec.Close(ctx); err != nil { // flush the ask records
		t.Fatal(err)
	}
	asks, ratings := e.stored(t)
	if len(asks) != 2 || asks[0].ID != fromSlack.GetAskId() || asks[0].Source != asklog.SourceSlack || asks[0].SlackUser != "U0123ABCD" ||
		asks[1].ID != fromAPI.GetAskId() || asks[1].Source != asklog.SourceAPI || asks[1].SlackUser != "" {
		t.Errorf("ask records = %+v", asks)
	}
	if len(ratings) != len(wantUsers) {
		t.Fatalf("stored %d ratings, want %d: %+v", len(ratings), len(wantUsers), ratings)
	}
	for i, f := range ratings {
		if f.SlackUser != wantUsers[i] {
			t.Errorf("rating %d by %q, want %q", i, f.SlackUser, wantUsers[i])
		}
	}
	if ratings[0].Helpful || !ratings[1].Helpful || ratings[0].AskID != fromSlack.GetAskId() || ratings[0].EntryID != entry {
		t.Errorf("ratings = %+v", ratings)
	}
}

// TestFeedbackWithoutAskLog: with the ask log off Ask still answers (no id)
// and RecordFeedback says why it cannot store the rating.
func TestFeedbackWithoutAskLog(t *testing.T) {
	e := start(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp := &kubemedicv1.AskResponse{}
	if err := e.client.Call(ctx, kubemedicv1connect.KnowledgeServiceAskProcedure, &kubemedicv1.AskRequest{Question: "파드가 계속 Pending이에요"}, resp); err != nil {
		t.Fatal(err)
	}
	if resp.GetAskId() != "" || len(resp.GetAnswers()) == 0 {
		t.Errorf("Ask without a log = %v", resp)
	}
	err := e.client.Call(ctx, kubemedicv1connect.KnowledgeServiceRecordFeedbackProcedure,
		&kubemedicv1.RecordFeedbackRequest{AskId: "A1", EntryId: resp.GetAnswers()[0].GetEntryId()}, &kubemedicv1.RecordFeedbackResponse{})
	var ce *connect.Error
	if !errors.As(err, &ce) || ce.Code() != connect.CodeFailedPrecondition {
		t.Errorf("RecordFeedback without a log = %v, want FailedPrecondition", err)
	}
}

// TestAskBodies: by default only the best answer carries its body; ALL and
// NONE give every body or none, and the other fields stay either way. An
// undefined choice is rejected before the handler runs.
func TestAskBodies(t *testing.T) {
	e := start(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ask := func(b kubemedicv1.AnswerBodies) (*kubemedicv1.AskResponse, error) {
		resp := &kubemedicv1.AskResponse{}
		err := e.client.Call(ctx, kubemedicv1connect.KnowledgeServiceAskProcedure, &kubemedicv1.AskRequest{Question: "파드가 계속 Pending이에요", Bodies: b}, resp)
		return resp, err
	}
	tests := []struct {
		bodies kubemedicv1.AnswerBodies
		want   []bool // which of the three answers carry a body
	}{
		{kubemedicv1.AnswerBodies_ANSWER_BODIES_UNSPECIFIED, []bool{true, false, false}},
		{kubemedicv1.AnswerBodies_ANSWER_BODIES_BEST, []bool{true, false, false}},
		{kubemedicv1.AnswerBodies_ANSWER_BODIES_ALL, []bool{true, true, true}},
		{kubemedicv1.AnswerBodies_ANSWER_BODIES_NONE, []bool{false, false, false}},
	}
	for _, tt := range tests {
		resp, err := ask(tt.bodies)
		if err != nil {
			t.Fatalf("%v: %v", tt.bodies, err)
		}
		if len(resp.GetAnswers()) != len(tt.want) {
			t.Fatalf("%v: %d answers, want %d", tt.bodies, len(resp.GetAnswers()), len(tt.want))
		}
		for i, a := range resp.GetAnswers() {
			if got := a.GetBody() != ""; got != tt.want[i] {
				t.Errorf("%v: answer %d (%s) has body %v, want %v", tt.bodies, i, a.GetEntryId(), got, tt.want[i])
			}
			if a.GetTitle() == "" || a.GetSource() == "" || a.GetConfidence() <= 0 {
				t.Errorf("%v: answer %d lost its title, source or confidence: %v", tt.bodies, i, a)
			}
		}
	}
	var ce *connect.Error
	if _, err := ask(kubemedicv1.AnswerBodies(42)); !errors.As(err, &ce) || ce.Code() != connect.CodeInvalidArgument {
		t.Errorf("bodies 42: %v, want InvalidArgument", err)
	}
}
