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
//
// Several replicas share the bucket, one writer per cluster (the replica
// holding the cluster's lease, see services/lease). Every Ledger mirrors the
// whole bucket through a KV watch, so any replica answers from memory; the
// clusters a Ledger writes itself (Adopt, or its first Apply) are kept from
// its own memory and their echoes from the watch are ignored. Sync waits
// until the mirror holds every change made before the call, so a reader that
// knows the writer is done can answer as fresh as the writer.
package findings

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/jsretry"
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
	// Replicas of the bucket and the stream (3 on a NATS cluster).
	// Default 1.
	Replicas int
	// Logger is required.
	Logger *slog.Logger
}

// Ledger is the set of open findings. Safe for concurrent use.
type Ledger struct {
	opts Options
	kv   jetstream.KeyValue
	js   jetstream.JetStream

	stop func() // ends the mirror

	mu     sync.RWMutex
	open   map[string]*entry // by key (cluster.fingerprint)
	writes map[string]bool   // clusters this Ledger writes
	rev    uint64            // highest bucket revision mirrored
	moved  chan struct{}     // closed and replaced when rev grows
}

type entry struct {
	finding *kubemedicv1.Finding
	stored  time.Time // last_seen as stored in the bucket
	rev     uint64    // bucket revision of the value; 0 = not stored yet
}

// Open creates the bucket and the stream if needed, loads the open findings
// from the bucket and keeps following it until Close.
func Open(ctx context.Context, o Options) (*Ledger, error) {
	if o.JetStream == nil || o.Logger == nil {
		return nil, errors.New("findings: Options.JetStream and Logger are required")
	}
	if o.TouchInterval <= 0 {
		o.TouchInterval = time.Minute
	}
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	kv, err := jsretry.Do(ctx, "bucket "+Bucket, func(ctx context.Context) (jetstream.KeyValue, error) {
		return o.JetStream.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:      Bucket,
			Description: "kubemedic open findings by cluster and fingerprint",
			History:     1,
			Storage:     jetstream.FileStorage,
			Replicas:    o.Replicas,
		})
	})
	if err != nil {
		return nil, fmt.Errorf("findings: opening bucket %s: %w", Bucket, err)
	}
	if _, err := jsretry.Do(ctx, "stream "+Stream, func(ctx context.Context) (jetstream.Stream, error) {
		return o.JetStream.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
			Name:        Stream,
			Description: "kubemedic finding changes (opened, updated, resolved)",
			Subjects:    []string{SubjectPrefix + ".*"},
			Storage:     jetstream.FileStorage,
			Retention:   jetstream.LimitsPolicy,
			Discard:     jetstream.DiscardOld,
			MaxAge:      7 * 24 * time.Hour,
			MaxBytes:    256 << 20,
			Replicas:    o.Replicas,
		})
	}); err != nil {
		return nil, fmt.Errorf("findings: creating stream %s: %w", Stream, err)
	}
	l := &Ledger{opts: o, kv: kv, js: o.JetStream, open: map[string]*entry{}, writes: map[string]bool{}, moved: make(chan struct{})}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	// The watcher lives as long as the Ledger (wctx), not one attempt: a
	// bucket just made on a NATS cluster may not have elected its leader
	// yet, and the watch's consumer request then times out (seen in
	// TestReplicasShareOneWatcher on a loaded machine).
	w, err := jsretry.Do(ctx, "watching bucket "+Bucket, func(context.Context) (jetstream.KeyWatcher, error) {
		return kv.WatchAll(wctx)
	})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("findings: watching %s: %w", Bucket, err)
	}
	loaded := make(chan struct{})
	done := make(chan struct{})
	l.stop = func() {
		cancel()
		_ = w.Stop()
		<-done
	}
	go func() {
		defer close(done)
		l.follow(wctx, w, loaded)
	}()
	select {
	case <-loaded:
		return l, nil
	case <-done:
		return nil, fmt.Errorf("findings: loading %s: the watch ended", Bucket)
	case <-ctx.Done():
		l.stop()
		return nil, fmt.Errorf("findings: loading %s: %w", Bucket, ctx.Err())
	}
}

// Close stops following the bucket.
func (l *Ledger) Close() { l.stop() }

// follow mirrors the bucket; loaded is closed once the initial values are in.
func (l *Ledger) follow(ctx context.Context, w jetstream.KeyWatcher, loaded chan struct{}) {
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-w.Updates():
			if !ok {
				return
			}
			if e == nil {
				close(loaded)
				continue
			}
			l.mirror(e)
		}
	}
}

// mirror applies one bucket change unless this Ledger writes its cluster
// (then the change is its own write coming back and is not even decoded).
func (l *Ledger) mirror(e jetstream.KeyValueEntry) {
	k := e.Key()
	cluster, _, _ := strings.Cut(k, ".")
	put := e.Operation() == jetstream.KeyValuePut
	l.mu.RLock()
	echo := l.writes[cluster]
	l.mu.RUnlock()
	var f *kubemedicv1.Finding
	if put && !echo {
		f = l.decode(k, e.Value()) // outside the lock: readers go on
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.writes[cluster] {
		if put && f == nil && echo {
			f = l.decode(k, e.Value()) // released meanwhile
		}
		if f != nil {
			l.open[k] = &entry{finding: f, stored: f.GetLastSeen().AsTime(), rev: e.Revision()}
		} else {
			delete(l.open, k)
		}
	}
	if e.Revision() > l.rev {
		l.rev = e.Revision()
		close(l.moved)
		l.moved = make(chan struct{})
	}
}

// decode reads a stored finding; nil when it is unreadable.
func (l *Ledger) decode(k string, b []byte) *kubemedicv1.Finding {
	f := &kubemedicv1.Finding{}
	if err := proto.Unmarshal(b, f); err != nil {
		l.opts.Logger.Warn("unreadable stored finding skipped", "key", k, "error", err)
		return nil
	}
	return f
}

// Sync waits until the mirror holds every change made to the bucket before
// the call.
func (l *Ledger) Sync(ctx context.Context) error {
	last, err := l.lastRevision(ctx)
	if err != nil {
		return err
	}
	for {
		l.mu.RLock()
		done, moved := l.rev >= last, l.moved
		l.mu.RUnlock()
		if done {
			return nil
		}
		select {
		case <-moved:
		case <-ctx.Done():
			return fmt.Errorf("findings: waiting for %s to reach revision %d: %w", Bucket, last, ctx.Err())
		}
	}
}

// lastRevision is the bucket's latest revision: every change made before
// the call is at or below it.
func (l *Ledger) lastRevision(ctx context.Context) (uint64, error) {
	st, err := l.kv.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("findings: reading %s: %w", Bucket, err)
	}
	bs, ok := st.(*jetstream.KeyValueBucketStatus)
	if !ok {
		return 0, fmt.Errorf("findings: unexpected status %T of %s", st, Bucket)
	}
	return bs.StreamInfo().State.LastSeq, nil
}

// Adopt makes this Ledger the writer of cluster: it waits until the mirror
// holds the previous writer's last changes (Sync), then keeps the cluster's
// findings from its own applications.
func (l *Ledger) Adopt(ctx context.Context, cluster string) error {
	if err := l.Sync(ctx); err != nil {
		return err
	}
	l.mu.Lock()
	l.writes[cluster] = true
	l.mu.Unlock()
	return nil
}

// Release hands the writing of cluster to another Ledger: from now on its
// findings follow the bucket again. Writes of the last application may have
// been cut short (a lost lease ends their context), so the cluster's
// findings are read from the bucket once more; on failure the mirror simply
// converges as the next writer changes them.
func (l *Ledger) Release(ctx context.Context, cluster string) error {
	l.mu.Lock()
	delete(l.writes, cluster)
	l.mu.Unlock()
	// Everything up to last is in the snapshot below: a finding of the
	// cluster held in memory at or below it but not in the snapshot is gone.
	last, err := l.lastRevision(ctx)
	if err != nil {
		return err
	}
	w, err := l.kv.Watch(ctx, cluster+".>", jetstream.IgnoreDeletes())
	if err != nil {
		return fmt.Errorf("findings: reading %s of %s: %w", Bucket, cluster, err)
	}
	defer func() { _ = w.Stop() }()
	stored := map[string]*entry{}
	for done := false; !done; {
		select {
		case <-ctx.Done():
			return fmt.Errorf("findings: reading %s of %s: %w", Bucket, cluster, ctx.Err())
		case e, ok := <-w.Updates():
			switch {
			case !ok:
				return fmt.Errorf("findings: reading %s of %s: the watch ended", Bucket, cluster)
			case e == nil:
				done = true
			default:
				if f := l.decode(e.Key(), e.Value()); f != nil {
					stored[e.Key()] = &entry{finding: f, stored: f.GetLastSeen().AsTime(), rev: e.Revision()}
				}
			}
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.writes[cluster] {
		return nil // adopted again meanwhile
	}
	for k, e := range l.open {
		if c, _, _ := strings.Cut(k, "."); c == cluster && stored[k] == nil && e.rev <= last {
			delete(l.open, k)
		}
	}
	// A finding the next writer deleted in the moment between the
	// snapshot and here comes back until its next change: the next writer
	// starts only after this one lost the lease, so the window is rare.
	for k, e := range stored {
		if cur, ok := l.open[k]; !ok || cur.rev < e.rev {
			l.open[k] = e
		}
	}
	return nil
}

// key is a finding's bucket key.
func key(f *kubemedicv1.Finding) string {
	return f.GetObject().GetCluster() + "." + f.GetFingerprint()
}

// storeConcurrency bounds the KV writes of one Apply in flight at once.
const storeConcurrency = 8

// Apply records one analysis of cluster made at now and makes this Ledger
// its writer (see Adopt): found are its findings
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
	l.writes[cluster] = true
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
			rev, err := l.kv.Put(ctx, k, b)
			if err != nil {
				fail(fmt.Errorf("storing finding %s: %w", k, err))
				return
			}
			l.mu.Lock()
			if e, ok := l.open[k]; ok {
				e.rev = max(e.rev, rev)
			}
			l.mu.Unlock()
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
