// Package findings keeps the lifecycle of diagnosed problems.
//
// The model: a finding is identified by its fingerprint (see
// diagnosis.Fingerprint: cluster, code, sub-reason and object). A Ledger holds
// the open findings of every cluster. Each analysis is applied to it together
// with the part of the ledger that analysis speaks for (its cover: the rule
// families, namespaces and kinds it ran): a finding seen for the first time is
// OPENED (first_seen = now), a known one whose content changed is UPDATED
// (first_seen kept), one the analysis no longer produces is RESOLVED and
// leaves the ledger; last_seen moves to the analysis time for every finding
// still present.
//
// Open findings live in the JetStream key-value bucket kubemedic-findings
// (key <cluster>.<fingerprint>, value the protobuf Finding), so they survive
// a restart with their first_seen; each change is published as a
// WatchFindingsResponse on kubemedic.findings.v1.<cluster> in the
// KUBEMEDIC_FINDINGS stream, which WatchFindings and notifiers follow.
package findings

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// Bucket is the KV bucket of open findings.
const Bucket = "kubemedic-findings"

// Stream is the stream of finding changes.
const Stream = "KUBEMEDIC_FINDINGS"

// SubjectPrefix starts every finding-change subject.
const SubjectPrefix = "kubemedic.findings.v1"

// Subject is the subject of one cluster's finding changes; "" means every
// cluster (a wildcard, for subscribing).
func Subject(cluster string) string {
	if cluster == "" {
		return SubjectPrefix + ".*"
	}
	return SubjectPrefix + "." + cluster
}

// Event is one change of one finding.
type Event = kubemedicv1.WatchFindingsResponse

// Options configures Open.
type Options struct {
	// JetStream holds the bucket and the stream. Required.
	JetStream jetstream.JetStream
	// TouchInterval is how stale the stored last_seen of an unchanged
	// finding may get before it is written again. Default 1 minute (an
	// unchanged finding costs no write per analysis).
	TouchInterval time.Duration
	// Logger is required.
	Logger *slog.Logger
}

// Ledger is the set of open findings. Safe for concurrent use.
type Ledger struct {
	opts Options
	kv   jetstream.KeyValue
	js   jetstream.JetStream

	mu   sync.RWMutex
	open map[string]*entry // by key (cluster.fingerprint)
}

type entry struct {
	finding *kubemedicv1.Finding
	stored  time.Time // last_seen as stored in the bucket
}

// Open creates the bucket and the stream if needed and loads the open
// findings from the bucket.
func Open(ctx context.Context, o Options) (*Ledger, error) {
	if o.JetStream == nil || o.Logger == nil {
		return nil, errors.New("findings: Options.JetStream and Logger are required")
	}
	if o.TouchInterval <= 0 {
		o.TouchInterval = time.Minute
	}
	kv, err := o.JetStream.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      Bucket,
		Description: "kubemedic open findings by cluster and fingerprint",
		History:     1,
		Storage:     jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("findings: opening bucket %s: %w", Bucket, err)
	}
	if _, err := o.JetStream.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        Stream,
		Description: "kubemedic finding changes (opened, updated, resolved)",
		Subjects:    []string{SubjectPrefix + ".*"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxAge:      7 * 24 * time.Hour,
		MaxBytes:    256 << 20,
	}); err != nil {
		return nil, fmt.Errorf("findings: creating stream %s: %w", Stream, err)
	}
	l := &Ledger{opts: o, kv: kv, js: o.JetStream, open: map[string]*entry{}}
	if err := l.load(ctx); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *Ledger) load(ctx context.Context) error {
	keys, err := l.kv.ListKeys(ctx)
	if err != nil {
		return fmt.Errorf("findings: listing %s: %w", Bucket, err)
	}
	for k := range keys.Keys() {
		e, err := l.kv.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("findings: reading %s/%s: %w", Bucket, k, err)
		}
		f := &kubemedicv1.Finding{}
		if err := proto.Unmarshal(e.Value(), f); err != nil {
			l.opts.Logger.Warn("unreadable stored finding dropped", "key", k, "error", err)
			_ = l.kv.Delete(ctx, k)
			continue
		}
		l.open[k] = &entry{finding: f, stored: f.GetLastSeen().AsTime()}
	}
	return nil
}

// key is a finding's bucket key.
func key(f *kubemedicv1.Finding) string {
	return f.GetObject().GetCluster() + "." + f.GetFingerprint()
}

// storeConcurrency bounds the KV writes of one Apply in flight at once.
const storeConcurrency = 8

// Apply records one analysis of cluster made at now: found are its findings
// (each with a fingerprint), covers tells which open findings it speaks for.
// It returns the changes, in the order opened, updated, resolved, after
// storing and publishing them. A storage error is returned after every
// change has been attempted; the in-memory ledger is updated regardless, so
// the next analysis retries the write.
func (l *Ledger) Apply(ctx context.Context, cluster string, found []*kubemedicv1.Finding, covers func(*kubemedicv1.Finding) bool, now time.Time) ([]*Event, error) {
	ts := timestamppb.New(now)
	var opened, updated, resolved []*Event
	var toPut []*entry
	var toDelete []string

	l.mu.Lock()
	seen := make(map[string]bool, len(found))
	for _, f := range found {
		if f.GetObject().GetCluster() != cluster || f.GetFingerprint() == "" {
			continue
		}
		k := key(f)
		if seen[k] {
			continue
		}
		seen[k] = true
		prev, ok := l.open[k]
		if !ok {
			f = proto.CloneOf(f)
			f.FirstSeen, f.LastSeen = ts, ts
			e := &entry{finding: f, stored: now}
			l.open[k] = e
			toPut = append(toPut, e)
			opened = append(opened, &Event{Change: kubemedicv1.FindingChange_FINDING_CHANGE_OPENED, Finding: f})
			continue
		}
		if sameContent(prev.finding, f) {
			prev.finding.LastSeen = ts
			if now.Sub(prev.stored) >= l.opts.TouchInterval {
				prev.stored = now
				toPut = append(toPut, prev)
			}
			continue
		}
		f = proto.CloneOf(f)
		f.FirstSeen, f.LastSeen = prev.finding.GetFirstSeen(), ts
		prev.finding, prev.stored = f, now
		toPut = append(toPut, prev)
		updated = append(updated, &Event{Change: kubemedicv1.FindingChange_FINDING_CHANGE_UPDATED, Finding: f})
	}
	for k, e := range l.open {
		if seen[k] || e.finding.GetObject().GetCluster() != cluster || !covers(e.finding) {
			continue
		}
		delete(l.open, k)
		toDelete = append(toDelete, k)
		resolved = append(resolved, &Event{Change: kubemedicv1.FindingChange_FINDING_CHANGE_RESOLVED, Finding: e.finding})
	}
	// Values to store are encoded under the lock: entries change later.
	puts := make(map[string][]byte, len(toPut))
	var errs []error
	for _, e := range toPut {
		b, err := proto.Marshal(e.finding)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		puts[key(e.finding)] = b
	}
	l.mu.Unlock()

	events := slices.Concat(opened, updated, resolved)
	// The stores and the change events go out together: the events, in
	// order, as asynchronous publishes, the KV writes side by side, so a
	// change costs one round trip to the server rather than one per write.
	var (
		wg    sync.WaitGroup
		errMu sync.Mutex
		sem   = make(chan struct{}, storeConcurrency)
	)
	fail := func(err error) {
		errMu.Lock()
		errs = append(errs, err)
		errMu.Unlock()
	}
	for k, b := range puts {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if _, err := l.kv.Put(ctx, k, b); err != nil {
				fail(fmt.Errorf("storing finding %s: %w", k, err))
			}
		}()
	}
	for _, k := range toDelete {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := l.kv.Delete(ctx, k); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
				fail(fmt.Errorf("deleting finding %s: %w", k, err))
			}
		}()
	}
	acks := make([]jetstream.PubAckFuture, 0, len(events))
	for _, ev := range events {
		b, err := proto.Marshal(ev)
		if err != nil {
			fail(err)
			continue
		}
		f, err := l.js.PublishAsync(Subject(cluster), b)
		if err != nil {
			fail(fmt.Errorf("publishing %s of %s: %w", ev.GetChange(), ev.GetFinding().GetFingerprint(), err))
			continue
		}
		acks = append(acks, f)
	}
	for _, f := range acks {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			fail(fmt.Errorf("publishing a finding change: %w", err))
		case <-ctx.Done():
			fail(fmt.Errorf("publishing a finding change: %w", ctx.Err()))
		}
	}
	wg.Wait()
	if len(errs) > 0 {
		return events, fmt.Errorf("findings: %w", errors.Join(errs...))
	}
	return events, nil
}

// sameContent compares two findings ignoring first/last seen.
func sameContent(a, b *kubemedicv1.Finding) bool {
	a, b = proto.CloneOf(a), proto.CloneOf(b)
	a.FirstSeen, a.LastSeen, b.FirstSeen, b.LastSeen = nil, nil, nil, nil
	return proto.Equal(a, b)
}

// Filter selects open findings. Zero fields select everything.
type Filter struct {
	// Cluster keeps one cluster's findings.
	Cluster string
	// Namespaces keeps findings in these namespaces.
	Namespaces []string
	// Kinds keeps findings about these kinds.
	Kinds []string
	// Codes keeps findings with these codes.
	Codes []string
	// MinSeverity drops findings below it.
	MinSeverity kubemedicv1.Severity
	// Objects keeps findings about these objects (kind, namespace, name;
	// the cluster is Cluster).
	Objects []*kubemedicv1.ObjectRef
}

// Match reports whether f passes the filter.
func (fl Filter) Match(f *kubemedicv1.Finding) bool {
	o := f.GetObject()
	switch {
	case fl.Cluster != "" && o.GetCluster() != fl.Cluster,
		len(fl.Namespaces) > 0 && !slices.Contains(fl.Namespaces, o.GetNamespace()),
		len(fl.Kinds) > 0 && !slices.Contains(fl.Kinds, o.GetKind()),
		len(fl.Codes) > 0 && !slices.Contains(fl.Codes, f.GetCode()),
		f.GetSeverity() < fl.MinSeverity:
		return false
	}
	if len(fl.Objects) == 0 {
		return true
	}
	return slices.ContainsFunc(fl.Objects, func(r *kubemedicv1.ObjectRef) bool {
		return r.GetKind() == o.GetKind() && r.GetNamespace() == o.GetNamespace() && r.GetName() == o.GetName()
	})
}

// List returns copies of the open findings that pass fl, most severe first,
// then by cluster, namespace, kind, name, code and fingerprint.
func (l *Ledger) List(fl Filter) []*kubemedicv1.Finding {
	l.mu.RLock()
	out := make([]*kubemedicv1.Finding, 0, len(l.open))
	for _, e := range l.open {
		if fl.Match(e.finding) {
			out = append(out, proto.CloneOf(e.finding))
		}
	}
	l.mu.RUnlock()
	slices.SortFunc(out, Compare)
	return out
}

// Len is the number of open findings.
func (l *Ledger) Len() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.open)
}

// Compare orders findings most severe first, then by cluster, namespace,
// kind, name, code and fingerprint.
func Compare(a, b *kubemedicv1.Finding) int {
	ao, bo := a.GetObject(), b.GetObject()
	return cmp.Or(
		cmp.Compare(b.GetSeverity(), a.GetSeverity()),
		cmp.Compare(ao.GetCluster(), bo.GetCluster()),
		cmp.Compare(ao.GetNamespace(), bo.GetNamespace()),
		cmp.Compare(ao.GetKind(), bo.GetKind()),
		cmp.Compare(ao.GetName(), bo.GetName()),
		cmp.Compare(a.GetCode(), b.GetCode()),
		cmp.Compare(a.GetFingerprint(), b.GetFingerprint()),
	)
}

// Watch calls fn, in order, with every finding change of cluster ("" =
// every cluster) published after the call, until stop is called.
func Watch(ctx context.Context, js jetstream.JetStream, cluster string, log *slog.Logger, fn func(*Event)) (stop func(), err error) {
	cons, err := js.OrderedConsumer(ctx, Stream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{Subject(cluster)},
		DeliverPolicy:  jetstream.DeliverNewPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("findings: watching %s: %w", Subject(cluster), err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		ev := &Event{}
		if err := proto.Unmarshal(m.Data(), ev); err != nil {
			log.Warn("malformed finding change skipped", "subject", m.Subject(), "error", err)
			return
		}
		fn(ev)
	})
	if err != nil {
		return nil, fmt.Errorf("findings: consuming %s: %w", Subject(cluster), err)
	}
	return cc.Stop, nil
}
