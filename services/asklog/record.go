package asklog

import (
	"context"
	"github.com/kubemedic/kubemedic/platform/slackid"
	"time"
)

// Source says where a question was asked.
type Source string

// Sources.
const (
	SourceAPI   Source = "api"   // a gRPC/Connect client of the gateway
	SourceSlack Source = "slack" // the Slack bot
	SourceCLI   Source = "cli"   // the kubemedic command line
)

// Record is one asked question and what the knowledge base answered. It is
// stored as one JSON line of a message on AskSubject (see the package doc).
type Record struct {
	// ID identifies the record; Feedback.AskID refers to it.
	ID string `json:"id"`
	// Time is when the question was answered (UTC).
	Time time.Time `json:"time"`
	// Question is the question as asked.
	Question string `json:"question"`
	// Language is the answer language: ko or en.
	Language string `json:"language"`
	// Cluster is the cluster the question named, if any.
	Cluster string `json:"cluster,omitempty"`
	// Source is where the question came from.
	Source Source `json:"source"`
	// SlackUser is the Slack user id of the asker (only for SourceSlack).
	SlackUser string `json:"slack_user,omitempty"`
	// NoAnswer is true when the knowledge base refused the question.
	NoAnswer bool `json:"no_answer,omitempty"`
	// Reason says why it refused.
	Reason string `json:"reason,omitempty"`
	// Confidence is the best answer's confidence, 0..1.
	Confidence float64 `json:"confidence"`
	// Answers are the entries offered, best first.
	Answers []Answer `json:"answers,omitempty"`
}

// Answer is one entry offered for a question.
type Answer struct {
	ID         string  `json:"id"`
	Confidence float64 `json:"confidence"`
}

// Feedback is a person's rating of an answer. It is stored as JSON on
// FeedbackSubject.
type Feedback struct {
	// AskID is the Record.ID of the question. Required.
	AskID string `json:"ask_id"`
	// EntryID is the rated answer entry. Required.
	EntryID string `json:"entry_id"`
	// Helpful is the rating.
	Helpful bool `json:"helpful"`
	// SlackUser is the Slack user id of the person rating, if any.
	SlackUser string `json:"slack_user,omitempty"`
	// Time is when the rating was given. Default: now.
	Time time.Time `json:"time"`
}

// Caller says who asks; the layer that knows it (gateway, bot) puts it in the
// request context with WithCaller and RecordAsk reads it.
type Caller struct {
	// Source is where the question came from. Default: SourceAPI.
	Source Source
	// SlackUser is the Slack user id, for SourceSlack.
	SlackUser string
}

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller in ctx; without one it is an API caller.
func CallerFrom(ctx context.Context) Caller {
	c, _ := ctx.Value(callerKey{}).(Caller)
	switch c.Source {
	case SourceAPI, SourceSlack, SourceCLI:
	default:
		c.Source = SourceAPI
	}
	if c.Source != SourceSlack || !slackid.Valid(c.SlackUser) {
		c.SlackUser = ""
	}
	return c
}
