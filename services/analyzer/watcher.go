package analyzer

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/changefeed"
	"github.com/kubemedic/kubemedic/services/collector"
	"github.com/kubemedic/kubemedic/services/diagnosis"
	"github.com/kubemedic/kubemedic/services/findings"
)

// watcher keeps one cluster's open findings current: after the live view has
// synced it analyzes the whole cluster once, then re-analyzes what each
// change batch names (diagnosis.Rescope) and, every resync interval, the
// whole cluster again (time-based rules such as "Pending for 10 minutes"
// change without any object changing). Every result goes to the ledger.
type watcher struct {
	cluster string
	live    *collector.Live
	engine  *diagnosis.Engine
	ledger  *findings.Ledger
	js      jetstream.JetStream
	base    diagnosis.Options
	resync  time.Duration
	log     *slog.Logger

	ready chan struct{} // closed after the first whole-cluster analysis
	done  chan struct{} // closed when run returns (the lease is gone)

	mu        sync.Mutex
	queue     []changefeed.Batch
	wake      chan struct{}
	processed uint64        // highest change-batch sequence applied
	advanced  chan struct{} // closed and replaced when processed grows
}

func newWatcher(cluster string, live *collector.Live, d *DiagnosisService) *watcher {
	return &watcher{
		cluster:  cluster,
		live:     live,
		engine:   d.engine,
		ledger:   d.ledger,
		js:       d.js,
		base:     diagnosis.Options{Cluster: cluster, Provider: d.providers[cluster]},
		resync:   d.resync,
		log:      d.log.With("cluster", cluster),
		ready:    make(chan struct{}),
		done:     make(chan struct{}),
		wake:     make(chan struct{}, 1),
		advanced: make(chan struct{}),
	}
}

// run follows the cluster until ctx ends.
func (w *watcher) run(ctx context.Context) {
	defer close(w.done)
	// Subscribe first: changes made while the first analysis runs are
	// applied after it.
	var stop func()
	for {
		var err error
		stop, err = changefeed.Subscribe(ctx, w.js, w.cluster, w.log, w.enqueue)
		if err == nil {
			break
		}
		w.log.Warn("subscribing to changes failed; retrying", "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Second):
		}
	}
	defer stop()
	// This replica writes the cluster's findings from now on, starting
	// from the previous writer's last state.
	for {
		err := w.ledger.Adopt(ctx, w.cluster)
		if err == nil {
			break
		}
		w.log.Warn("catching up with the findings ledger failed; retrying", "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
	// Batches published before the subscription are covered by the
	// whole-cluster analysis below (the informers already hold them).
	if seq, err := changefeed.LastSequence(ctx, w.js, w.cluster); err == nil {
		w.advance(seq)
	}
	if err := w.live.WaitSynced(ctx); err != nil {
		return
	}
	w.analyzeAll(ctx)
	close(w.ready)

	tick := time.NewTicker(w.resync)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			w.analyzeAll(ctx)
		case <-w.wake:
			w.drain(ctx)
		}
	}
}

func (w *watcher) enqueue(b changefeed.Batch) {
	w.mu.Lock()
	w.queue = append(w.queue, b)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// drain applies every queued batch in one re-analysis.
func (w *watcher) drain(ctx context.Context) {
	w.mu.Lock()
	q := w.queue
	w.queue = nil
	w.mu.Unlock()
	if len(q) == 0 {
		return
	}
	var changes []diagnosis.Change
	var last uint64
	for _, b := range q {
		last = max(last, b.Sequence)
		for _, c := range b.GetChanges() {
			changes = append(changes, diagnosis.Change{Kind: c.GetKind(), Namespace: c.GetNamespace(), Name: c.GetName()})
		}
	}
	if o, ok := w.engine.Rescope(w.base, changes); ok {
		w.analyze(ctx, o, func(f *kubemedicv1.Finding) bool { return w.engine.Covers(o, f) })
	}
	w.advance(last)
}

func (w *watcher) analyzeAll(ctx context.Context) {
	w.analyze(ctx, w.base, func(f *kubemedicv1.Finding) bool { return f.GetObject().GetCluster() == w.cluster })
}

func (w *watcher) analyze(ctx context.Context, o diagnosis.Options, covers func(*kubemedicv1.Finding) bool) {
	now := time.Now()
	o.Now = now
	found, err := w.engine.Analyze(ctx, w.live.State(), o)
	if err != nil {
		w.log.Warn("analysis failed", "error", err)
		return
	}
	evs, err := w.ledger.Apply(ctx, w.cluster, found, covers, now)
	if err != nil {
		w.log.Warn("recording findings failed", "error", err)
	}
	if len(evs) > 0 {
		w.log.Debug("findings changed", "changes", len(evs), "namespaces", o.Namespaces, "rules", len(o.Rules), "took", time.Since(now))
	}
}

func (w *watcher) advance(seq uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if seq > w.processed {
		w.processed = seq
		close(w.advanced)
		w.advanced = make(chan struct{})
	}
}

// current waits until the first analysis is done and every change batch
// published so far has been applied, so an answer from the ledger reflects
// the cluster as the informers saw it when the call began.
func (w *watcher) current(ctx context.Context) error {
	select {
	case <-w.ready:
	case <-w.done:
		return errMoved
	case <-ctx.Done():
		st := w.live.Status()
		return fmt.Errorf("클러스터 %s를 아직 분석하지 못했습니다; 잠시 후 다시 시도하세요 (cluster %s is not analyzed yet; %s: %s)", w.cluster, w.cluster, st.GetState(), st.GetMessage())
	}
	seq, err := changefeed.LastSequence(ctx, w.js, w.cluster)
	if err != nil {
		return err
	}
	for {
		w.mu.Lock()
		done, next := w.processed >= seq, w.advanced
		w.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-next:
		case <-w.done:
			return errMoved
		case <-ctx.Done():
			return fmt.Errorf("클러스터 %s의 최근 변경을 아직 분석 중입니다 (cluster %s: changes not yet analyzed): %w", w.cluster, w.cluster, ctx.Err())
		}
	}
}
