// Package changefeed carries the collector's change notices to analyzers over
// NATS JetStream.
//
// The collector's informers report every add, update and delete as an
// ObjectChange that names the object (kind, namespace, name, uid,
// resourceVersion) but does not carry it. A Publisher sends a change that
// follows a quiet window at once and coalesces the notices that arrive sooner
// (default window 10 ms: a rollout's burst becomes one message, one entry per
// object, the latest change winning, at most one message per window) and publishes
// the ChangeBatch as protobuf on kubemedic.changes.v1.<cluster>, in the
// KUBEMEDIC_CHANGES stream. Subscribers read the objects from their own live
// view and re-evaluate only what the batch names.
//
// The stream is kept in memory for a few minutes only: a notice is a hint to
// look again, not a record. A subscriber that starts late first analyzes the
// whole cluster, then follows new batches; LastSequence lets it wait until it
// has seen everything published so far.
package changefeed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/jsretry"
)

// Stream is the JetStream stream holding change batches.
const Stream = "KUBEMEDIC_CHANGES"

// SubjectPrefix starts every change subject.
const SubjectPrefix = "kubemedic.changes.v1"

// Subject is the subject of one cluster's change batches; "" means every
// cluster (a wildcard, for subscribing).
func Subject(cluster string) string {
	if cluster == "" {
		return SubjectPrefix + ".*"
	}
	return SubjectPrefix + "." + cluster
}

// EnsureStream creates or updates the change stream.
func EnsureStream(ctx context.Context, js jetstream.JetStream) (jetstream.Stream, error) {
	s, err := jsretry.Do(ctx, "stream "+Stream, func(ctx context.Context) (jetstream.Stream, error) {
		return js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
			Name:        Stream,
			Description: "kubemedic change notices from the collector's informers",
			Subjects:    []string{SubjectPrefix + ".*"},
			Storage:     jetstream.MemoryStorage,
			Retention:   jetstream.LimitsPolicy,
			Discard:     jetstream.DiscardOld,
			MaxAge:      10 * time.Minute,
			MaxBytes:    64 << 20,
		})
	})
	if err != nil {
		return nil, fmt.Errorf("changefeed: creating stream %s: %w", Stream, err)
	}
	return s, nil
}

// PublisherOptions configures NewPublisher.
type PublisherOptions struct {
	// JetStream publishes the batches. Required.
	JetStream jetstream.JetStream
	// Window is the least time between two batches of one cluster. A
	// change after a quiet Window is published at once (a lone change pays
	// no wait); changes arriving sooner are gathered and published together
	// Window after the previous batch. Default 10ms.
	Window time.Duration
	// MaxBatch is the most changes in one message; a bigger batch is split.
	// Default 2000 (about 200 KB, well under NATS's 1 MB max_payload).
	MaxBatch int
	// Logger is required.
	Logger *slog.Logger
}

// Publisher coalesces change notices per cluster and publishes them. It
// implements collector.Sink.
type Publisher struct {
	opts PublisherOptions

	mu      sync.Mutex
	pending map[string]*batch    // by cluster
	last    map[string]time.Time // when each cluster's last batch was taken
	closed  bool
	wg      sync.WaitGroup
}

type batch struct {
	index   map[objectKey]int
	changes []*kubemedicv1.ObjectChange
}

type objectKey struct{ kind, namespace, name string }

// NewPublisher creates the stream if needed and returns a Publisher.
func NewPublisher(ctx context.Context, o PublisherOptions) (*Publisher, error) {
	if o.JetStream == nil || o.Logger == nil {
		return nil, errors.New("changefeed: PublisherOptions.JetStream and Logger are required")
	}
	if o.Window <= 0 {
		o.Window = 10 * time.Millisecond
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 2000
	}
	if _, err := EnsureStream(ctx, o.JetStream); err != nil {
		return nil, err
	}
	return &Publisher{opts: o, pending: map[string]*batch{}, last: map[string]time.Time{}}, nil
}

// Change adds one notice; the batch it joins is published when its window
// ends. It never blocks on the network.
func (p *Publisher) Change(cluster string, c *kubemedicv1.ObjectChange) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	b, ok := p.pending[cluster]
	if !ok {
		b = &batch{index: map[objectKey]int{}}
		p.pending[cluster] = b
		p.wg.Add(1)
		// Leading edge: no wait after a quiet window; otherwise the batch
		// goes out Window after the previous one.
		wait := max(0, p.opts.Window-time.Since(p.last[cluster]))
		time.AfterFunc(wait, func() {
			defer p.wg.Done()
			p.flush(cluster)
		})
	}
	k := objectKey{c.GetKind(), c.GetNamespace(), c.GetName()}
	if i, seen := b.index[k]; seen {
		b.changes[i] = c
		return
	}
	b.index[k] = len(b.changes)
	b.changes = append(b.changes, c)
}

func (p *Publisher) flush(cluster string) {
	p.mu.Lock()
	b := p.pending[cluster]
	delete(p.pending, cluster)
	p.last[cluster] = time.Now()
	p.mu.Unlock()
	if b == nil {
		return
	}
	for start := 0; start < len(b.changes); start += p.opts.MaxBatch {
		end := min(start+p.opts.MaxBatch, len(b.changes))
		data, err := proto.Marshal(&kubemedicv1.ChangeBatch{Cluster: cluster, Changes: b.changes[start:end]})
		if err != nil {
			p.opts.Logger.Error("encoding change batch", "cluster", cluster, "error", err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err = p.opts.JetStream.Publish(ctx, Subject(cluster), data)
		cancel()
		if err != nil {
			// Subscribers miss these changes until the next change of the
			// same objects or their next full analysis.
			p.opts.Logger.Warn("publishing change batch failed", "cluster", cluster, "changes", end-start, "error", err)
		}
	}
}

// Close publishes what is pending and stops accepting changes.
func (p *Publisher) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.wg.Wait()
}

// Batch is one received change batch with its stream sequence.
type Batch struct {
	*kubemedicv1.ChangeBatch
	// Sequence is the batch's position in the stream (see LastSequence).
	Sequence uint64
}

// Subscribe calls fn, in order, with every batch of cluster ("" = every
// cluster) published after the call. Malformed messages are logged and
// skipped. Call the returned stop function to end the subscription.
func Subscribe(ctx context.Context, js jetstream.JetStream, cluster string, log *slog.Logger, fn func(Batch)) (stop func(), err error) {
	if _, err := EnsureStream(ctx, js); err != nil {
		return nil, err
	}
	cons, err := js.OrderedConsumer(ctx, Stream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{Subject(cluster)},
		DeliverPolicy:  jetstream.DeliverNewPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("changefeed: subscribing to %s: %w", Subject(cluster), err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		var b kubemedicv1.ChangeBatch
		if err := proto.Unmarshal(m.Data(), &b); err != nil {
			log.Warn("malformed change batch skipped", "subject", m.Subject(), "error", err)
			return
		}
		md, err := m.Metadata()
		if err != nil {
			log.Warn("change batch without metadata skipped", "subject", m.Subject(), "error", err)
			return
		}
		fn(Batch{ChangeBatch: &b, Sequence: md.Sequence.Stream})
	})
	if err != nil {
		return nil, fmt.Errorf("changefeed: consuming %s: %w", Subject(cluster), err)
	}
	return cc.Stop, nil
}

// LastSequence is the stream sequence of the newest batch of cluster, or 0
// when there is none. A subscriber that has handled that sequence has seen
// every change published so far.
func LastSequence(ctx context.Context, js jetstream.JetStream, cluster string) (uint64, error) {
	s, err := js.Stream(ctx, Stream)
	if err != nil {
		return 0, fmt.Errorf("changefeed: stream %s: %w", Stream, err)
	}
	m, err := s.GetLastMsgForSubject(ctx, Subject(cluster))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("changefeed: last batch of %s: %w", cluster, err)
	}
	return m.Sequence, nil
}
