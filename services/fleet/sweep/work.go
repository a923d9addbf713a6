package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/jsretry"
)

// Work takes jobs from the queue until ctx ends, diagnosing at most
// Concurrency clusters at once. Jobs running when ctx ends are abandoned
// without a result (JetStream redelivers them to another replica), exactly
// as if the replica had died. It returns nil when ctx ends, even while it
// is still looking up the consumer: a replica stopped that early has simply
// taken no job.
func (m *Manager) Work(ctx context.Context) error {
	if m.o.Diagnoser == nil {
		return errors.New("sweep: Options.Diagnoser is required to work")
	}
	cons, err := m.stream.Consumer(ctx, Consumer)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("sweep: consumer %s: %w", Consumer, err)
	}
	stopAdvisories := m.watchExhausted(ctx)
	defer stopAdvisories()
	reconciled := make(chan struct{})
	go func() {
		defer close(reconciled)
		m.reconcileRunning(ctx)
	}()
	defer func() { <-reconciled }()

	slots := make(chan struct{}, m.o.Concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	for ctx.Err() == nil {
		// Wait for a free slot, then ask for as many jobs as slots are free.
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		free := 1
		for len(slots) < cap(slots) {
			slots <- struct{}{}
			free++
		}
		fctx, cancelFetch := context.WithTimeout(ctx, 2*time.Second)
		batch, err := cons.Fetch(free, jetstream.FetchContext(fctx))
		if err != nil {
			cancelFetch()
			for range free {
				<-slots
			}
			m.log.Debug("fetching sweep jobs failed; retrying", "error", err)
			if !sleep(ctx, 500*time.Millisecond) {
				return nil
			}
			// The consumer may have been lost with a NATS node; look it up again.
			if c, err := m.stream.Consumer(ctx, Consumer); err == nil {
				cons = c
			}
			continue
		}
		got := 0
		for msg := range batch.Messages() {
			got++
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				m.handle(ctx, msg)
			}()
		}
		cancelFetch()
		for range free - got {
			<-slots
		}
	}
	return nil
}

// markRunning lists a started sweep among the running ones, which every
// worker replica reconciles (reconcileRunning) until it is finalized.
func (m *Manager) markRunning(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if _, err := m.kv.Put(ctx, runningKey(id), []byte(id)); err != nil {
		return fmt.Errorf("listing sweep %s as running: %w", id, err)
	}
	return nil
}

// unmarkRunning removes a finalized sweep from the running ones; a failure
// only costs a later reconcile round, which removes it then.
func (m *Manager) unmarkRunning(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if err := m.kv.Delete(ctx, runningKey(id)); err != nil {
		m.log.Debug("unlisting a finished sweep failed", "sweep", id, "error", err)
	}
}

// workerReconcileEvery is how often each worker replica reconciles every
// running sweep.
const workerReconcileEvery = 10 * time.Second

// reconcileRunning finalizes, every workerReconcileEvery until ctx ends,
// each running sweep that is complete or can no longer complete (see
// complete), from the stored state. Without it a sweep nobody watches would
// only be finalized by the worker storing its last result; a job closed out
// (its deliveries exhausted) stores no result of its own.
func (m *Manager) reconcileRunning(ctx context.Context) {
	t := time.NewTicker(workerReconcileEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		lctx, cancel := context.WithTimeout(ctx, opTimeout)
		lister, err := m.kv.ListKeysFiltered(lctx, runningKey("*"))
		var ids []string
		if err == nil {
			for k := range lister.Keys() {
				ids = append(ids, strings.TrimPrefix(k, runningKey("")))
			}
		}
		cancel()
		if err != nil && !errors.Is(err, jetstream.ErrNoKeysFound) {
			m.log.Debug("listing running sweeps failed; retrying", "error", err)
			continue
		}
		for _, id := range ids {
			rec, err := m.finalize(ctx, id)
			switch {
			case errors.Is(err, ErrNotFound):
				m.unmarkRunning(ctx, id) // expired
			case err != nil:
				m.log.Debug("reconciling a running sweep failed; retrying", "sweep", id, "error", err)
			case rec != nil:
				m.unmarkRunning(ctx, id) // finalized, maybe by a replica that died before unlisting it
			}
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// handle runs one job: result stored first, then acked.
func (m *Manager) handle(ctx context.Context, msg jetstream.Msg) {
	var j job
	if err := json.Unmarshal(msg.Data(), &j); err != nil || j.SweepID == "" || j.Cluster == "" {
		m.log.Error("dropping a malformed sweep job", "error", err, "data", string(msg.Data()))
		_ = msg.TermWithReason("malformed job")
		return
	}
	attempt, seq := 1, uint64(0)
	if md, err := msg.Metadata(); err == nil {
		attempt, seq = int(md.NumDelivered), md.Sequence.Stream
	}
	log := m.log.With("sweep", j.SweepID, "cluster", j.Cluster, "attempt", attempt)

	if _, err := m.kv.Get(ctx, resultKey(j.SweepID, j.Cluster)); err == nil {
		// Stored by an earlier attempt that died before acking.
		m.ack(ctx, msg, log)
		m.afterResult(ctx, j.SweepID, log)
		return
	}
	m.noteAttempt(ctx, j, attempt, seq, log)

	// Keep the job ours while it runs.
	hbCtx, stopHB := context.WithCancel(ctx)
	defer stopHB()
	go func() {
		t := time.NewTicker(m.o.AckWait / 3)
		defer t.Stop()
		for {
			select {
			case <-hbCtx.Done():
				return
			case <-t.C:
				_ = msg.InProgress()
			}
		}
	}()

	result := m.diagnose(ctx, j, attempt)
	if ctx.Err() != nil {
		log.Info("replica stopping; leaving the job for another replica")
		return // not acked: redelivered after AckWait
	}
	stopHB()
	if err := m.store(ctx, result); err != nil {
		log.Warn("storing the result failed; the job will be retried", "error", err)
		_ = msg.NakWithDelay(time.Second)
		return
	}
	m.ack(ctx, msg, log)
	m.afterResult(ctx, j.SweepID, log)
}

func (m *Manager) ack(ctx context.Context, msg jetstream.Msg, log interface{ Warn(string, ...any) }) {
	actx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := msg.DoubleAck(actx); err != nil {
		// The result is stored; a redelivery finds it and acks.
		log.Warn("acking a sweep job failed", "error", err)
	}
}

func (m *Manager) afterResult(ctx context.Context, id string, log interface{ Warn(string, ...any) }) {
	if _, err := m.finalize(ctx, id); err != nil {
		log.Warn("finalizing the sweep failed; a watcher or the next result retries", "error", err)
	}
}

// diagnose runs the Diagnoser with the per-cluster timeout.
func (m *Manager) diagnose(ctx context.Context, j job, attempt int) *kubemedicv1.SweepClusterResult {
	start := time.Now()
	r := &kubemedicv1.SweepClusterResult{
		SweepId:  j.SweepID,
		Progress: &kubemedicv1.SweepProgress{Cluster: j.Cluster, Done: true},
		Worker:   m.o.Worker,
		Attempt:  int32(attempt),
	}
	defer func() { r.Progress.DurationMs = time.Since(start).Milliseconds() }()
	cctx, cancel := context.WithTimeout(ctx, m.o.ClusterTimeout)
	defer cancel()
	cluster, err := m.o.Clusters.Get(cctx, j.Cluster)
	if err != nil {
		r.Progress.Error = fmt.Sprintf("cluster is no longer registered: %v", err)
		return r
	}
	type outcome struct {
		findings []*kubemedicv1.Finding
		err      error
	}
	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- outcome{err: fmt.Errorf("diagnosis panicked: %v", p)}
			}
		}()
		fs, err := m.o.Diagnoser.Diagnose(cctx, cluster)
		done <- outcome{fs, err}
	}()
	var out outcome
	select {
	case out = <-done:
	case <-cctx.Done():
		// A Diagnoser that ignores ctx must not hold the sweep.
		out = outcome{err: cctx.Err()}
	}
	switch {
	case ctx.Err() != nil:
		return r // replica stopping; the caller drops the result
	case errors.Is(out.err, context.DeadlineExceeded) || cctx.Err() != nil:
		r.Progress.Error = fmt.Sprintf("timed out after %s (클러스터가 제한 시간 안에 응답하지 않았습니다)", m.o.ClusterTimeout)
	case out.err != nil:
		r.Progress.Error = out.err.Error()
	default:
		var kept []*kubemedicv1.Finding
		for _, f := range out.findings {
			if j.MinSeverity == kubemedicv1.Severity_SEVERITY_UNSPECIFIED || f.GetSeverity() >= j.MinSeverity {
				kept = append(kept, f)
			}
		}
		r.Findings = kept
		r.Progress.Findings = int32(len(kept))
		r.Progress.Counts = Count(kept)
	}
	return r
}

// attemptNote is the durable note a worker leaves when it takes a job, so
// that a job whose every delivery went to a replica that stopped is closed
// out from stored state (closeOut) rather than only by the max-deliveries
// advisory, which JetStream sends once.
type attemptNote struct {
	// N is the delivery, 1 for the first.
	N int `json:"n"`
	// Worker took it.
	Worker string `json:"worker"`
	// StreamSeq is the job's sequence in the queue.
	StreamSeq uint64 `json:"stream_seq"`
	// Started is when the worker took it.
	Started time.Time `json:"started"`
}

// noteAttempt records this delivery of j. It is best effort (bounded by
// opTimeout): without the note, a job that runs out of deliveries is closed
// out by the advisory or when the sweep is overdue.
func (m *Manager) noteAttempt(ctx context.Context, j job, n int, seq uint64, log interface{ Warn(string, ...any) }) {
	b, err := json.Marshal(attemptNote{N: n, Worker: m.o.Worker, StreamSeq: seq, Started: m.o.Now()})
	if err != nil {
		return
	}
	nctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if _, err := m.kv.Put(nctx, attemptKey(j.SweepID, j.Cluster), b); err != nil {
		log.Warn("noting the sweep job's attempt failed", "error", err)
	}
}

// lastAttempt reads the note of the latest delivery of a cluster's job, nil
// when none was noted.
func (m *Manager) lastAttempt(ctx context.Context, id, cluster string) (*attemptNote, error) {
	gctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	e, err := m.kv.Get(gctx, attemptKey(id, cluster))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the attempts of %s in sweep %s: %w", cluster, id, err)
	}
	var a attemptNote
	if err := json.Unmarshal(e.Value(), &a); err != nil {
		return nil, fmt.Errorf("attempt of %s in sweep %s: %w: %w", cluster, id, errCorrupt, err)
	}
	return &a, nil
}

// storeBudget bounds storing one result, retries included.
const storeBudget = 30 * time.Second

// store writes a result unless one is there already (idempotent): the
// findings as an object named after the attempt, then the small progress
// record with create-if-absent. The first record wins; it names the attempt
// whose findings belong to it.
func (m *Manager) store(ctx context.Context, r *kubemedicv1.SweepClusterResult) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeBudget)
	defer cancel()
	cluster := r.GetProgress().GetCluster()
	// A NATS node failing over makes these calls time out or answer "not
	// ready" for a few seconds: retry them, so the job does not burn a
	// delivery (MaxDeliver) on a failover.
	if len(r.GetFindings()) > 0 {
		name := findingsObject(r.GetSweepId(), cluster, r.GetAttempt())
		if _, err := jsretry.Do(sctx, "object "+name, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, m.putObject(ctx, name, &kubemedicv1.SweepClusterResult{Findings: r.GetFindings()})
		}); err != nil {
			return err
		}
	}
	small := proto.Clone(r).(*kubemedicv1.SweepClusterResult)
	small.Findings = nil
	b, err := proto.Marshal(small)
	if err != nil {
		return err
	}
	key := resultKey(r.GetSweepId(), cluster)
	_, err = jsretry.Do(sctx, "result "+key, func(ctx context.Context) (uint64, error) {
		return m.kv.Create(ctx, key, b)
	})
	if errors.Is(err, jetstream.ErrKeyExists) {
		return nil // stored before, maybe by an attempt whose answer was lost
	}
	return err
}

// exhausted is the JetStream advisory for a job that reached MaxDeliver.
type exhausted struct {
	StreamSeq  uint64 `json:"stream_seq"`
	Deliveries uint64 `json:"deliveries"`
}

// watchExhausted hears the advisory for jobs that ran out of deliveries and
// makes sure the job's attempt note says so, then reconciles its sweep. It
// does not write the result itself: the advisory only says JetStream heard
// no progress for AckWait, and the last attempt may still be running on a
// replica cut off from the consumer's leader by a failover; closeOut waits
// until that attempt cannot be running any more. The advisory is sent once
// and is lost when no worker is subscribed at that moment; the note each
// worker leaves when it takes a job (noteAttempt) covers that.
func (m *Manager) watchExhausted(ctx context.Context) func() {
	nc := m.o.JetStream.Conn()
	subject := fmt.Sprintf("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.%s.%s", Stream, Consumer)
	sub, err := nc.QueueSubscribe(subject, "kubemedic-sweep-exhausted", func(msg *nats.Msg) {
		// Independent of the worker's life, and long enough to ride out a
		// NATS failover (a raft election takes up to about 9 s).
		ctx, cancel := context.WithTimeout(context.Background(), storeBudget)
		defer cancel()
		var a exhausted
		if err := json.Unmarshal(msg.Data, &a); err != nil {
			return
		}
		raw, err := m.stream.GetMsg(ctx, a.StreamSeq)
		if err != nil {
			m.log.Warn("reading an exhausted sweep job failed", "seq", a.StreamSeq, "error", err)
			return
		}
		var j job
		if err := json.Unmarshal(raw.Data, &j); err != nil {
			return
		}
		log := m.log.With("sweep", j.SweepID, "cluster", j.Cluster)
		note, err := m.lastAttempt(ctx, j.SweepID, j.Cluster)
		if err != nil {
			log.Warn("reading an exhausted sweep job's attempts failed", "error", err)
		}
		if err != nil || note == nil || note.N < int(a.Deliveries) {
			// The last delivery was not noted: note it now, conservatively
			// as if it had just started.
			m.noteAttempt(ctx, j, int(a.Deliveries), a.StreamSeq, log)
		}
		m.afterResult(ctx, j.SweepID, log)
	})
	if err != nil {
		m.log.Warn("watching exhausted sweep jobs failed", "error", err)
		return func() {}
	}
	return func() { _ = sub.Unsubscribe() }
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "kubemedic"
	}
	return h
}
