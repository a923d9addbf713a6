package asklog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// contents is what was read from the stream.
type contents struct {
	asks      []Record
	feedback  []Feedback
	malformed int
	truncated bool // older asks were left out to stay within the limit
}

// read returns every record stored at or after since, up to the last
// message present when it started, at most limit asks (the newest kept).
func read(ctx context.Context, js jetstream.JetStream, since time.Time, limit int) (contents, error) {
	var out contents
	s, err := js.Stream(ctx, StreamName)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return out, nil // nothing asked yet
	}
	if err != nil {
		return out, fmt.Errorf("asklog: opening stream %s: %w", StreamName, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return out, fmt.Errorf("asklog: stream %s info: %w", StreamName, err)
	}
	last := info.State.LastSeq
	if info.State.Msgs == 0 || info.State.LastTime.Before(since) {
		return out, nil
	}
	start := since.UTC()
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartTimePolicy,
		OptStartTime:  &start,
	})
	if err != nil {
		return out, fmt.Errorf("asklog: reading stream %s: %w", StreamName, err)
	}
	for {
		batch, err := cons.FetchNoWait(512)
		if err != nil {
			return out, fmt.Errorf("asklog: reading stream %s: %w", StreamName, err)
		}
		n := 0
		var seq uint64
		for m := range batch.Messages() {
			n++
			if md, err := m.Metadata(); err == nil {
				seq = md.Sequence.Stream
			}
			out.add(m.Subject(), m.Data())
		}
		if err := batch.Error(); err != nil {
			return out, fmt.Errorf("asklog: reading stream %s: %w", StreamName, err)
		}
		if len(out.asks) > limit {
			out.truncated = true
			out.asks = append(out.asks[:0:0], out.asks[len(out.asks)-limit:]...)
		}
		if n == 0 || seq >= last {
			return out, ctx.Err()
		}
	}
}

// add decodes one stream message. An ask message is JSON Lines, one Record
// a line; a message from before batching is a single record, which reads
// the same. A line that does not decode, or has no id, counts as malformed
// without losing the other lines; so does an ask message with no line.
func (l *contents) add(subject string, data []byte) {
	switch subject {
	case AskSubject:
		n := 0
		for line := range bytes.Lines(data) {
			line = bytes.TrimSpace(line)
			if len(line) == 0 {
				continue
			}
			n++
			var r Record
			if err := json.Unmarshal(line, &r); err != nil || r.ID == "" {
				l.malformed++
				continue
			}
			l.asks = append(l.asks, r)
		}
		if n == 0 {
			l.malformed++
		}
	case FeedbackSubject:
		var f Feedback
		if err := json.Unmarshal(data, &f); err != nil || f.AskID == "" {
			l.malformed++
			return
		}
		l.feedback = append(l.feedback, f)
	}
}
