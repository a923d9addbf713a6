package asklog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/services/jsretry"
)

// Stream and subjects.
const (
	StreamName      = "KUBEMEDIC_ASKS"
	AskSubject      = "kubemedic.asks.question"
	FeedbackSubject = "kubemedic.asks.feedback"
)

// Limits bound the stream (the oldest messages go first) and say how many
// NATS servers keep it.
type Limits struct {
	// MaxAge is how long a record is kept. Default: 720h (30 days).
	MaxAge time.Duration
	// MaxBytes bounds the stream's size. Default: 256 MiB.
	MaxBytes int64
	// MaxMsgs bounds the number of messages (ask messages and ratings).
	// An ask message holds one record, or under load a batch of up to 256,
	// so the stream keeps at least MaxMsgs records when MaxAge and MaxBytes
	// allow; MaxBytes is what bounds its size. Default: 1,000,000.
	MaxMsgs int64
	// Replicas is the stream's JetStream replica count: 3 on a 3-node NATS
	// cluster, so that the record survives a server's loss. Default: 1.
	Replicas int
}

// maxMsgSize is the stream's largest message, headers included.
const maxMsgSize = 64 << 10

// Default limits.
const (
	DefaultMaxAge   = 30 * 24 * time.Hour
	DefaultMaxBytes = 256 << 20
	DefaultMaxMsgs  = 1_000_000
)

// withDefaults fills unset limits and rejects negative ones.
func (l Limits) withDefaults() (Limits, error) {
	if l.MaxAge < 0 || l.MaxBytes < 0 || l.MaxMsgs < 0 || l.Replicas < 0 {
		return l, fmt.Errorf("asklog: limits must not be negative (max_age %s, max_bytes %d, max_msgs %d, replicas %d)", l.MaxAge, l.MaxBytes, l.MaxMsgs, l.Replicas)
	}
	if l.MaxAge == 0 {
		l.MaxAge = DefaultMaxAge
	}
	if l.MaxBytes == 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxMsgs == 0 {
		l.MaxMsgs = DefaultMaxMsgs
	}
	if l.Replicas == 0 {
		l.Replicas = 1
	}
	return l, nil
}

// StreamConfig is the stream's configuration for the given limits.
func StreamConfig(l Limits) (jetstream.StreamConfig, error) {
	l, err := l.withDefaults()
	if err != nil {
		return jetstream.StreamConfig{}, err
	}
	return jetstream.StreamConfig{
		Name:        StreamName,
		Description: "kubemedic: asked questions and answer feedback (see services/asklog)",
		Subjects:    []string{AskSubject, FeedbackSubject},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxAge:      l.MaxAge,
		MaxBytes:    l.MaxBytes,
		MaxMsgs:     l.MaxMsgs,
		MaxMsgSize:  maxMsgSize,
		Duplicates:  2 * time.Minute,
		Replicas:    l.Replicas,
	}, nil
}

// EnsureStream creates the stream or updates its limits; calling it again
// with the same limits changes nothing.
func EnsureStream(ctx context.Context, js jetstream.JetStream, l Limits) (jetstream.Stream, error) {
	if js == nil {
		return nil, errors.New("asklog: no JetStream")
	}
	cfg, err := StreamConfig(l)
	if err != nil {
		return nil, err
	}
	s, err := jsretry.Do(ctx, "stream "+StreamName, func(ctx context.Context) (jetstream.Stream, error) {
		return js.CreateOrUpdateStream(ctx, cfg)
	})
	if err != nil {
		return nil, fmt.Errorf("asklog: creating stream %s: %w", StreamName, err)
	}
	return s, nil
}
