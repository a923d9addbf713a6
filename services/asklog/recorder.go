package asklog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/kubemedic/kubemedic/platform/slackid"
	"log/slog"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/kubemedic/kubemedic/services/knowledge"
)

// Options configures a Recorder.
type Options struct {
	// JetStream is where the stream lives. Required.
	JetStream jetstream.JetStream
	// Limits bound the stream. Default: see Limits.
	Limits Limits
	// Buffer is how many records may wait to be published; more are
	// dropped. Default: 1024.
	Buffer int
	// PublishTimeout bounds one publish. Default: 5s.
	PublishTimeout time.Duration
	// Logger is required.
	Logger *slog.Logger
}

// Recorder appends ask records to the stream in the background.
type Recorder struct {
	opts    Options
	queue   chan Record
	dropped atomic.Uint64
	failed  atomic.Uint64
	done    chan struct{}

	mu     sync.RWMutex // guards closed against sends on queue
	closed bool
}

// New creates or updates the stream and starts the publishing goroutine.
// Call Close to flush and stop it.
func New(ctx context.Context, o Options) (*Recorder, error) {
	if o.JetStream == nil {
		return nil, errors.New("asklog: Options.JetStream is required")
	}
	if o.Logger == nil {
		return nil, errors.New("asklog: Options.Logger is required")
	}
	if o.Buffer < 0 {
		return nil, fmt.Errorf("asklog: Options.Buffer %d must not be negative", o.Buffer)
	}
	if o.Buffer == 0 {
		o.Buffer = 1024
	}
	if o.PublishTimeout <= 0 {
		o.PublishTimeout = 5 * time.Second
	}
	lim, err := o.Limits.withDefaults()
	if err != nil {
		return nil, err
	}
	o.Limits = lim
	if _, err := EnsureStream(ctx, o.JetStream, o.Limits); err != nil {
		return nil, err
	}
	r := &Recorder{opts: o, queue: make(chan Record, o.Buffer), done: make(chan struct{})}
	go r.run()
	return r, nil
}

// RecordAsk queues the record of one answered question and returns its id.
// It never blocks: with a full buffer (or after Close) the record is
// dropped and counted. The caller comes from ctx (see WithCaller). A
// question whose request was cancelled is not recorded (it says nothing
// about the knowledge base) and gives "".
func (r *Recorder) RecordAsk(ctx context.Context, cluster string, res knowledge.Result) string {
	if ctx.Err() != nil {
		return ""
	}
	c := CallerFrom(ctx)
	rec := Record{
		ID:         nuid.Next(),
		Time:       time.Now().UTC(),
		Question:   truncate(res.Question, knowledge.MaxQuestionLength),
		Language:   res.Language,
		Cluster:    cluster,
		Source:     c.Source,
		SlackUser:  c.SlackUser,
		NoAnswer:   res.NoAnswer,
		Reason:     res.Reason,
		Confidence: res.Confidence,
	}
	for _, a := range res.Answers {
		rec.Answers = append(rec.Answers, Answer{ID: a.ID, Confidence: a.Confidence})
	}
	r.enqueue(rec)
	return rec.ID
}

func (r *Recorder) enqueue(rec Record) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if !r.closed {
		select {
		case r.queue <- rec:
			return
		default:
		}
	}
	n := r.dropped.Add(1)
	if bits.OnesCount64(n) == 1 { // 1, 2, 4, 8...: visible without flooding the log
		r.opts.Logger.Warn("ask log buffer full or closed: record dropped", "dropped_total", n, "buffer", r.opts.Buffer)
	}
}

// Dropped is how many records were dropped because the buffer was full or
// the recorder closed.
func (r *Recorder) Dropped() uint64 { return r.dropped.Load() }

// Failed is how many records could not be stored: every record of a batch
// whose publish failed, and a record too large for a message.
func (r *Recorder) Failed() uint64 { return r.failed.Load() }

// run publishes what is queued until the queue is closed and empty. It
// batches only what is already waiting: it takes one record, adds every
// other record queued at that moment (up to the batch bounds) without
// waiting for more, and publishes them as one message. A lone record goes
// out at once; under load the records that arrive during one publish make
// the next batch.
func (r *Recorder) run() {
	defer close(r.done)
	b := newBatch()
	for rec := range r.queue {
		r.add(b, rec)
	drain:
		for b.n < maxBatchRecords {
			select {
			case rec, ok := <-r.queue:
				if !ok {
					break drain
				}
				r.add(b, rec)
			default:
				break drain
			}
		}
		r.publish(b)
	}
}

// add puts rec into b, first publishing b when rec does not fit. A record
// that cannot be encoded or is too large for a message alone is logged and
// counted as failed.
func (r *Recorder) add(b *batch, rec Record) {
	line, err := b.encode(rec)
	if err != nil {
		n := r.failed.Add(1)
		r.opts.Logger.Error("ask log: record not stored", "id", rec.ID, "error", err, "failed_total", n)
		return
	}
	if !b.fits(len(line)) {
		r.publish(b)
	}
	b.add(rec.ID, line)
}

// publish stores b as one message and empties it. The message id is the
// first record's, so JetStream discards a retried publish of the same
// batch; a failed publish counts every record of the batch.
func (r *Recorder) publish(b *batch) {
	if b.n == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.opts.PublishTimeout)
	_, err := r.opts.JetStream.Publish(ctx, AskSubject, b.buf.Bytes(), jetstream.WithMsgID(b.firstID), jetstream.WithExpectStream(StreamName))
	cancel()
	if err != nil {
		n := r.failed.Add(uint64(b.n))
		r.opts.Logger.Warn("ask log: publishing records failed", "records", b.n, "first_id", b.firstID, "error", err, "failed_total", n)
	}
	b.reset()
}

// Feedback records a person's rating of an answer. Unlike RecordAsk it
// waits for the stream to store it and reports failure, so a rating the
// user sees acknowledged is not lost. The same rating (ask, entry, person,
// helpful) given again within the stream's duplicate window (a double
// click, a retried request) is stored once.
func (r *Recorder) Feedback(ctx context.Context, f Feedback) error {
	if f.AskID == "" || f.EntryID == "" {
		return errors.New("asklog: feedback needs the ask id and the entry id")
	}
	if f.SlackUser != "" && !slackid.Valid(f.SlackUser) {
		return fmt.Errorf("asklog: %q is not a Slack user id", f.SlackUser)
	}
	if f.Time.IsZero() {
		f.Time = time.Now()
	}
	f.Time = f.Time.UTC()
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.PublishTimeout)
	defer cancel()
	if _, err := r.opts.JetStream.Publish(ctx, FeedbackSubject, b, jetstream.WithMsgID(feedbackID(f)), jetstream.WithExpectStream(StreamName)); err != nil {
		return fmt.Errorf("asklog: recording feedback: %w", err)
	}
	return nil
}

// feedbackID is the JetStream message id of a rating: equal for the same
// rating by the same person, whenever it was given.
func feedbackID(f Feedback) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%s\x00%t", f.AskID, f.EntryID, f.SlackUser, f.Helpful)))
	return "feedback-" + hex.EncodeToString(h[:16])
}

// Close stops accepting records and waits until the queued ones are
// published (each bounded by PublishTimeout) or ctx ends.
func (r *Recorder) Close(ctx context.Context) error {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.queue)
	}
	r.mu.Unlock()
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("asklog: records not flushed (%d still queued): %w", len(r.queue), ctx.Err())
	}
}

// truncate keeps at most n characters of s.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
