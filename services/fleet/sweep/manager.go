package sweep

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/sweepnotice"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/fleet/registry"
	"github.com/kubemedic/kubemedic/services/jsretry"
)

// Bounds on JetStream work, so a NATS server failing over delays a sweep
// (the caller retries) but never holds it for the caller's whole deadline.
const (
	opTimeout       = 15 * time.Second
	finalizeTimeout = 2 * time.Minute
)

// JetStream names.
const (
	// Bucket holds sweep records, per-cluster results and the latest sweep
	// of each selector.
	Bucket = "kubemedic-sweeps"
	// Stream is the work queue of cluster jobs.
	Stream = "KUBEMEDIC_SWEEP_JOBS"
	// JobSubject is the subject jobs are published on.
	JobSubject = "kubemedic.sweep.jobs"
	// Consumer is the durable consumer every worker replica pulls from.
	Consumer = "sweep-workers"
)

// Diagnoser diagnoses one cluster once. It returns the open findings, or an
// error saying why the cluster could not be diagnosed (reported as the
// cluster's error). It must honour ctx: the sweep's per-cluster timeout
// cancels it.
type Diagnoser interface {
	Diagnose(ctx context.Context, cluster config.Cluster) ([]*kubemedicv1.Finding, error)
}

// DiagnoserFunc adapts a function to Diagnoser.
type DiagnoserFunc func(ctx context.Context, cluster config.Cluster) ([]*kubemedicv1.Finding, error)

// Diagnose calls f.
func (f DiagnoserFunc) Diagnose(ctx context.Context, c config.Cluster) ([]*kubemedicv1.Finding, error) {
	return f(ctx, c)
}

// Clusters is the cluster registry as the sweeps see it.
type Clusters interface {
	Select(ctx context.Context, selector string) ([]config.Cluster, error)
	Get(ctx context.Context, name string) (config.Cluster, error)
}

// Options configures New.
type Options struct {
	// JetStream holds the bucket and the job stream. Required.
	JetStream jetstream.JetStream
	// Clusters resolves selectors and names. Required.
	Clusters Clusters
	// Diagnoser diagnoses one cluster. Required for Work; Start, Get, List
	// and Watch do not need it.
	Diagnoser Diagnoser
	// Logger is required.
	Logger *slog.Logger
	// Worker names this replica in results. Default: the host name.
	Worker string
	// Concurrency bounds the clusters this replica diagnoses at once.
	// Default 4.
	Concurrency int
	// ClusterTimeout bounds one cluster's diagnosis. Default 2m.
	ClusterTimeout time.Duration
	// AckWait is how long a job may go without a progress signal before
	// JetStream gives it to another replica (a replica that died). Running
	// jobs signal progress every AckWait/3. Default 30s.
	AckWait time.Duration
	// MaxDeliver bounds the attempts of one job. Default 3.
	MaxDeliver int
	// Replicas of the bucket and the stream (3 on a NATS cluster). Default 1.
	Replicas int
	// Retention is how long sweeps are kept. Default 30 days.
	Retention time.Duration
	// Notifier receives each finished sweep once. Default none.
	Notifier sweepnotice.Notifier
	// Channel is passed to the Notifier (fleet.slack_channel).
	Channel string
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Manager starts, runs, finalizes and serves sweeps. Safe for concurrent use.
type Manager struct {
	o      Options
	kv     jetstream.KeyValue
	obj    jetstream.ObjectStore
	stream jetstream.Stream
	log    *slog.Logger
}

// New opens (creating when missing) the bucket, the stream and the consumer.
func New(ctx context.Context, o Options) (*Manager, error) {
	switch {
	case o.JetStream == nil:
		return nil, errors.New("sweep: Options.JetStream is required")
	case o.Clusters == nil:
		return nil, errors.New("sweep: Options.Clusters is required")
	case o.Logger == nil:
		return nil, errors.New("sweep: Options.Logger is required")
	}
	if o.Worker == "" {
		o.Worker = hostname()
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.ClusterTimeout <= 0 {
		o.ClusterTimeout = 2 * time.Minute
	}
	if o.AckWait <= 0 {
		o.AckWait = 30 * time.Second
	}
	if o.MaxDeliver <= 0 {
		o.MaxDeliver = 3
	}
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	if o.Retention <= 0 {
		o.Retention = 30 * 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	kv, err := jsretry.Do(ctx, "bucket "+Bucket, func(ctx context.Context) (jetstream.KeyValue, error) {
		return o.JetStream.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:      Bucket,
			Description: "kubemedic sweeps: records, per-cluster results, latest sweep per selector",
			History:     1,
			TTL:         o.Retention,
			Replicas:    o.Replicas,
			Storage:     jetstream.FileStorage,
		})
	})
	if err != nil {
		return nil, fmt.Errorf("sweep: opening bucket %s: %w", Bucket, err)
	}
	obj, err := jsretry.Do(ctx, "object store "+ObjectBucket, func(ctx context.Context) (jetstream.ObjectStore, error) {
		return o.JetStream.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
			Bucket:      ObjectBucket,
			Description: "kubemedic sweeps: findings per cluster and finished reports",
			TTL:         o.Retention,
			Replicas:    o.Replicas,
			Storage:     jetstream.FileStorage,
		})
	})
	if err != nil {
		return nil, fmt.Errorf("sweep: opening object store %s: %w", ObjectBucket, err)
	}
	stream, err := jsretry.Do(ctx, "stream "+Stream, func(ctx context.Context) (jetstream.Stream, error) {
		return o.JetStream.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
			Name:        Stream,
			Description: "kubemedic sweep jobs, one per cluster; any worker replica takes them",
			Subjects:    []string{JobSubject},
			Retention:   jetstream.WorkQueuePolicy,
			Storage:     jetstream.FileStorage,
			Replicas:    o.Replicas,
			MaxAge:      24 * time.Hour,
			Duplicates:  10 * time.Minute,
		})
	})
	if err != nil {
		return nil, fmt.Errorf("sweep: opening stream %s: %w", Stream, err)
	}
	if _, err := jsretry.Do(ctx, "consumer "+Consumer, func(ctx context.Context) (jetstream.Consumer, error) {
		return stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
			Durable:       Consumer,
			Description:   "sweep worker replicas",
			AckPolicy:     jetstream.AckExplicitPolicy,
			AckWait:       o.AckWait,
			MaxDeliver:    o.MaxDeliver,
			MaxAckPending: 10000,
			Replicas:      o.Replicas,
		})
	}); err != nil {
		return nil, fmt.Errorf("sweep: opening consumer %s: %w", Consumer, err)
	}
	return &Manager{o: o, kv: kv, obj: obj, stream: stream, log: o.Logger}, nil
}

// Request describes a sweep to start.
type Request struct {
	// Selector is a label selector; "" selects every cluster.
	Selector string
	// Clusters limits the sweep to these names (and the selector, when
	// both are set). Default: all selected clusters.
	Clusters []string
	// MinSeverity drops findings below it. Default: keep all.
	MinSeverity kubemedicv1.Severity
	// Schedule names the schedule that started the sweep; empty for the API.
	Schedule string
}

// ErrNoClusters is returned by Start when nothing matches.
var ErrNoClusters = errors.New("no cluster matches")

// ErrNotFound is returned for an unknown sweep.
var ErrNotFound = errors.New("sweep not found")

// job is one cluster of one sweep on the work queue.
type job struct {
	SweepID     string               `json:"sweep_id"`
	Cluster     string               `json:"cluster"`
	MinSeverity kubemedicv1.Severity `json:"min_severity,omitempty"`
}

// Start records a sweep and queues one job per cluster. It returns the
// RUNNING record.
func (m *Manager) Start(ctx context.Context, r Request) (*kubemedicv1.Sweep, error) {
	selected, err := m.o.Clusters.Select(ctx, r.Selector)
	if err != nil {
		return nil, err
	}
	if len(r.Clusters) > 0 {
		var missing []string
		for _, name := range r.Clusters {
			if !slices.ContainsFunc(selected, func(c config.Cluster) bool { return c.Name == name }) {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("%w: %s (selector %q)", ErrNoClusters, strings.Join(missing, ", "), r.Selector)
		}
		selected = slices.DeleteFunc(selected, func(c config.Cluster) bool { return !slices.Contains(r.Clusters, c.Name) })
	}
	if len(selected) == 0 {
		return nil, fmt.Errorf("%w the selector %q", ErrNoClusters, r.Selector)
	}
	sel, err := registry.ParseSelector(r.Selector)
	if err != nil {
		return nil, err
	}
	now := m.o.Now()
	rec := &kubemedicv1.Sweep{
		Id:        newID(now),
		State:     kubemedicv1.SweepState_SWEEP_STATE_RUNNING,
		StartedAt: timestamppb.New(now),
		Selector:  sel.String(),
		Schedule:  r.Schedule,
	}
	if len(r.Clusters) > 0 {
		rec.Selector = strings.TrimPrefix(rec.Selector+",name in ("+strings.Join(r.Clusters, ",")+")", ",")
	}
	for _, c := range selected {
		rec.Clusters = append(rec.Clusters, &kubemedicv1.SweepProgress{Cluster: c.Name})
	}
	if prev, err := m.latestID(ctx, rec.Selector); err == nil {
		rec.PreviousSweepId = prev
	}
	if err := m.put(ctx, recordKey(rec.Id), rec); err != nil {
		return nil, err
	}
	if err := m.markRunning(ctx, rec.Id); err != nil {
		return nil, err
	}
	for _, c := range selected {
		if err := m.publish(ctx, job{SweepID: rec.Id, Cluster: c.Name, MinSeverity: r.MinSeverity}); err != nil {
			return nil, err
		}
	}
	m.log.Info("sweep started", "sweep", rec.Id, "selector", rec.Selector, "schedule", r.Schedule, "clusters", len(selected))
	return rec, nil
}

// publish queues j, retried through a NATS failover (a stream without a
// leader has no responder, or the answer times out): the message id makes a
// retry of a publish that landed a no-op, so no cluster is left without a
// job and none gets two.
func (m *Manager) publish(ctx context.Context, j job) error {
	ctx, cancel := context.WithTimeout(ctx, storeBudget)
	defer cancel()
	b, err := jsonMarshal(j)
	if err != nil {
		return err
	}
	_, err = jsretry.Do(ctx, "job "+j.SweepID+"/"+j.Cluster, func(ctx context.Context) (*jetstream.PubAck, error) {
		ack, err := m.o.JetStream.Publish(ctx, JobSubject, b, jetstream.WithMsgID(j.SweepID+"/"+j.Cluster))
		if errors.Is(err, jetstream.ErrNoStreamResponse) {
			// The stream exists (New made it): its leader is being elected.
			err = fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
		}
		return ack, err
	})
	if err != nil {
		return fmt.Errorf("sweep %s: queueing cluster %s: %w", j.SweepID, j.Cluster, err)
	}
	return nil
}

// Get returns one sweep; id "latest" is the newest.
func (m *Manager) Get(ctx context.Context, id string) (*kubemedicv1.Sweep, error) {
	if id == "latest" {
		l, _, err := m.List(ctx, 1, "")
		if err != nil {
			return nil, err
		}
		if len(l) == 0 {
			return nil, fmt.Errorf("%w: no sweep has run yet", ErrNotFound)
		}
		id = l[0].GetId()
	}
	rec, _, err := m.record(ctx, id)
	if err != nil {
		return nil, err
	}
	if rec.GetState() != kubemedicv1.SweepState_SWEEP_STATE_RUNNING {
		return m.report(ctx, rec)
	}
	// Running: show the progress made so far.
	results, err := m.results(ctx, rec)
	if err != nil {
		return nil, err
	}
	for i, p := range rec.GetClusters() {
		if r := results[p.GetCluster()]; r != nil {
			rec.Clusters[i] = r.GetProgress()
		}
	}
	return rec, nil
}

// List returns up to pageSize sweeps, newest first, without findings, after
// the sweep id pageToken (exclusive), and the next page token.
func (m *Manager) List(ctx context.Context, pageSize int, pageToken string) ([]*kubemedicv1.Sweep, string, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	lister, err := m.kv.ListKeysFiltered(ctx, "sweep.*")
	if err != nil {
		if errors.Is(err, jetstream.ErrNoKeysFound) {
			return nil, "", nil
		}
		return nil, "", fmt.Errorf("listing sweeps: %w", err)
	}
	var ids []string
	for k := range lister.Keys() {
		id := strings.TrimPrefix(k, "sweep.")
		if pageToken == "" || id < pageToken {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	slices.Reverse(ids)
	next := ""
	if len(ids) > pageSize {
		ids = ids[:pageSize]
		next = ids[len(ids)-1]
	}
	out := make([]*kubemedicv1.Sweep, 0, len(ids))
	for _, id := range ids {
		rec, _, err := m.record(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue // expired meanwhile
		}
		if err != nil {
			return nil, "", err
		}
		rec.NewFindings, rec.ResolvedFindings, rec.StillOpenFindings = nil, nil, nil
		out = append(out, rec)
	}
	return out, next, nil
}

// Watch calls progress with each cluster's result once (results stored
// before the call included) and returns the finished sweep.
//
// It decides from durable state, never from a message alone: at once and
// then every reconcileEvery it re-reads the record and each cluster's
// result, and finalizes the sweep itself when every result is in or the
// sweep is overdue, so a sweep finishes even when the replica that stored
// the last result died before finalizing. A key watcher on the record and
// the results only makes progress prompter. It is opened in the background,
// given up after opTimeout and reopened on a later round when it could not
// be opened or died with a NATS server: while a stream's raft group elects a
// new leader, the request that opens it can go unanswered for as long as the
// caller allows (TestScaleOut once spent its whole deadline there).
func (m *Manager) Watch(ctx context.Context, id string, progress func(*kubemedicv1.SweepProgress) error) (*kubemedicv1.Sweep, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	reported := map[string]bool{}
	report := func(p *kubemedicv1.SweepProgress) error {
		if reported[p.GetCluster()] || !p.GetDone() {
			return nil
		}
		reported[p.GetCluster()] = true
		if progress == nil {
			return nil
		}
		if err := progress(p); err != nil {
			return &progressError{err}
		}
		return nil
	}
	// finish reports the clusters not reported yet, then the sweep.
	finish := func(rec *kubemedicv1.Sweep) (*kubemedicv1.Sweep, error) {
		for _, p := range rec.GetClusters() {
			if err := report(p); err != nil {
				return nil, err
			}
		}
		return rec, nil
	}
	total := 0 // clusters in the sweep, once the record is read
	// check reads the stored state, reports what is new and finalizes when
	// the sweep is complete or overdue. A JetStream error (a NATS node
	// failing over) is retried on the next round; an unknown sweep, a
	// corrupt record and a failing progress callback end Watch.
	check := func() (*kubemedicv1.Sweep, error) {
		done, err := m.reconcile(ctx, id, func(rec *kubemedicv1.Sweep) { total = len(rec.GetClusters()) }, report)
		var pe *progressError
		switch {
		case err == nil && done != nil:
			return finish(done)
		case err == nil:
			return nil, nil
		case errors.As(err, &pe):
			return nil, pe.err
		case errors.Is(err, ErrNotFound), errors.Is(err, errCorrupt), ctx.Err() != nil:
			return nil, err
		}
		m.log.Warn("reading the sweep's state failed; retrying", "sweep", id, "error", err)
		return nil, nil
	}

	type opened struct {
		w   jetstream.KeyWatcher
		err error
	}
	var (
		updates     <-chan jetstream.KeyValueEntry // nil while no watcher is open
		opening     chan opened                    // non-nil while one is being opened
		openedAt    time.Time
		stopWatcher = func() {}
	)
	open := func() {
		wctx, stop := context.WithCancel(ctx) // also the watcher's life
		ch := make(chan opened, 1)
		go func() {
			w, err := m.kv.WatchFiltered(wctx, []string{recordKey(id), "result." + id + ".>"}, jetstream.IgnoreDeletes())
			ch <- opened{w, err}
		}()
		opening, openedAt, stopWatcher = ch, time.Now(), stop
	}
	open()
	if done, err := check(); done != nil || err != nil {
		return done, err
	}
	tick := time.NewTicker(reconcileEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case o := <-opening:
			opening = nil
			if o.err != nil {
				stopWatcher()
				m.log.Debug("opening the sweep watcher failed; following the stored state", "sweep", id, "error", o.err)
				continue
			}
			updates = o.w.Updates()
		case <-tick.C:
			switch {
			case opening != nil && time.Since(openedAt) > opTimeout:
				stopWatcher() // the pending open returns with an error
			case opening == nil && updates == nil:
				open()
			}
			if done, err := check(); done != nil || err != nil {
				return done, err
			}
		case e, ok := <-updates:
			if !ok {
				stopWatcher()
				updates = nil // reopened on the next round
				continue
			}
			if e == nil {
				continue // initial values delivered
			}
			if e.Key() == recordKey(id) {
				rec := &kubemedicv1.Sweep{}
				if err := proto.Unmarshal(e.Value(), rec); err != nil {
					return nil, fmt.Errorf("sweep %s: %w: %w", id, errCorrupt, err)
				}
				total = len(rec.GetClusters())
				if rec.GetState() == kubemedicv1.SweepState_SWEEP_STATE_RUNNING {
					continue
				}
			} else {
				r := &kubemedicv1.SweepClusterResult{}
				if err := proto.Unmarshal(e.Value(), r); err != nil {
					return nil, fmt.Errorf("sweep %s result %s: %w: %w", id, e.Key(), errCorrupt, err)
				}
				if err := report(r.GetProgress()); err != nil {
					return nil, err.(*progressError).err
				}
				if total > 0 && len(reported) < total {
					continue // the next result or round finishes it
				}
			}
			if done, err := check(); done != nil || err != nil {
				return done, err
			}
		}
	}
}

// reconcileEvery is how often Watch re-reads a running sweep's stored state.
const reconcileEvery = 5 * time.Second

// errCorrupt marks a stored record or result that does not decode.
var errCorrupt = errors.New("stored corrupt")

// progressError is the progress callback's error, which ends Watch.
type progressError struct{ err error }

func (e *progressError) Error() string { return e.err.Error() }

// reconcile reads a sweep's record and results from the bucket, passes the
// record to seen and each stored result's progress to report, and
// finalizes the sweep when every cluster has a result or can no longer get
// one (see complete). It returns the finished sweep, or nil while it runs.
func (m *Manager) reconcile(ctx context.Context, id string, seen func(*kubemedicv1.Sweep), report func(*kubemedicv1.SweepProgress) error) (*kubemedicv1.Sweep, error) {
	rec, rev, err := m.record(ctx, id)
	if err != nil {
		return nil, err
	}
	seen(rec)
	if rec.GetState() != kubemedicv1.SweepState_SWEEP_STATE_RUNNING {
		return m.report(ctx, rec)
	}
	results, err := m.results(ctx, rec)
	if err != nil {
		return nil, err
	}
	for _, p := range rec.GetClusters() {
		if r := results[p.GetCluster()]; r != nil {
			if err := report(r.GetProgress()); err != nil {
				return nil, err
			}
		}
	}
	return m.complete(ctx, rec, rev, results)
}

func recordKey(id string) string { return "sweep." + id }

func resultKey(id, cluster string) string { return "result." + id + "." + cluster }

func runningKey(id string) string { return "running." + id }

func attemptKey(id, cluster string) string { return "attempt." + id + "." + cluster }

func latestKey(selector string) string {
	h := sha256.Sum256([]byte(selector))
	return "latest." + hex.EncodeToString(h[:8])
}

// newID is sortable by start time (milliseconds): 20261127T125700123Z-1a2b3c.
func newID(t time.Time) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	t = t.UTC()
	return fmt.Sprintf("%s%03dZ-%s", t.Format("20060102T150405"), t.Nanosecond()/1e6, hex.EncodeToString(b))
}

func (m *Manager) put(ctx context.Context, key string, msg proto.Message) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	b, err := proto.Marshal(msg)
	if err != nil {
		return err
	}
	if _, err := m.kv.Put(ctx, key, b); err != nil {
		return fmt.Errorf("storing %s: %w", key, err)
	}
	return nil
}

func (m *Manager) record(ctx context.Context, id string) (*kubemedicv1.Sweep, uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if !validID(id) {
		return nil, 0, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	e, err := m.kv.Get(ctx, recordKey(id))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("reading sweep %s: %w", id, err)
	}
	rec := &kubemedicv1.Sweep{}
	if err := proto.Unmarshal(e.Value(), rec); err != nil {
		return nil, 0, fmt.Errorf("sweep %s: %w: %w", id, errCorrupt, err)
	}
	return rec, e.Revision(), nil
}

func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-') {
			return false
		}
	}
	return true
}

// results reads the stored result of each cluster of rec, one key at a
// time. Each read is a direct get, which any current replica of the bucket
// answers, so results stay readable while the bucket's stream elects a new
// leader; a key watcher or lister needs a consumer that only the leader
// creates. A cluster without a result is absent from the map.
func (m *Manager) results(ctx context.Context, rec *kubemedicv1.Sweep) (map[string]*kubemedicv1.SweepClusterResult, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	var mu sync.Mutex
	out := map[string]*kubemedicv1.SweepClusterResult{}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(resultReaders)
	for _, p := range rec.GetClusters() {
		g.Go(func() error {
			key := resultKey(rec.GetId(), p.GetCluster())
			e, err := m.kv.Get(gctx, key)
			if errors.Is(err, jetstream.ErrKeyNotFound) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("reading %s: %w", key, err)
			}
			r := &kubemedicv1.SweepClusterResult{}
			if err := proto.Unmarshal(e.Value(), r); err != nil {
				return fmt.Errorf("sweep %s result %s: %w: %w", rec.GetId(), key, errCorrupt, err)
			}
			mu.Lock()
			defer mu.Unlock()
			out[p.GetCluster()] = r
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// resultReaders bounds the result reads in flight for one sweep.
const resultReaders = 16

func (m *Manager) latestID(ctx context.Context, selector string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	e, err := m.kv.Get(ctx, latestKey(selector))
	if err != nil {
		return "", err
	}
	return string(e.Value()), nil
}

// finalize writes the report once every result is in. It returns the final
// record, or nil while results are missing. Exactly one caller wins the
// compare-and-set and notifies.
func (m *Manager) finalize(ctx context.Context, id string) (*kubemedicv1.Sweep, error) {
	ctx, cancel := context.WithTimeout(ctx, finalizeTimeout)
	defer cancel()
	rec, rev, err := m.record(ctx, id)
	if err != nil {
		return nil, err
	}
	if rec.GetState() != kubemedicv1.SweepState_SWEEP_STATE_RUNNING {
		return m.report(ctx, rec)
	}
	results, err := m.results(ctx, rec)
	if err != nil {
		return nil, err
	}
	return m.complete(ctx, rec, rev, results)
}

// complete finalizes the running sweep rec (at revision rev) with its
// stored results when every cluster has one, after closing out the clusters
// whose job can no longer produce one (see closeOut). It returns nil while a
// job may still report.
func (m *Manager) complete(ctx context.Context, rec *kubemedicv1.Sweep, rev uint64, results map[string]*kubemedicv1.SweepClusterResult) (*kubemedicv1.Sweep, error) {
	ctx, cancel := context.WithTimeout(ctx, finalizeTimeout)
	defer cancel()
	id := rec.GetId()
	for _, p := range rec.GetClusters() {
		if results[p.GetCluster()] != nil {
			continue
		}
		r, err := m.closeOut(ctx, rec, p.GetCluster())
		if err != nil || r == nil {
			return nil, err
		}
		results[p.GetCluster()] = r
	}
	full, err := m.compose(ctx, rec, results)
	if err != nil {
		return nil, err
	}
	full.FinishedAt = timestamppb.New(m.o.Now())
	// The selector's latest sweep first (every finalizer sets the same id):
	// whoever sees the finished record and starts the next sweep of the
	// selector must find this one as its previous.
	m.setLatest(ctx, full)
	// The outcome with compare-and-set: exactly one replica wins, stores the
	// report and notifies. A reader that comes before the report object
	// rebuilds the same report from the results (see report).
	b, err := proto.Marshal(summary(full))
	if err != nil {
		return nil, err
	}
	if _, err := m.kv.Update(ctx, recordKey(id), b, rev); err != nil {
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
			// Another replica finalized first.
			return m.Get(ctx, id)
		}
		return nil, fmt.Errorf("storing the outcome of sweep %s: %w", id, err)
	}
	if err := m.putObject(ctx, reportObject(id), full); err != nil {
		m.log.Warn("storing the sweep report failed; readers rebuild it", "sweep", id, "error", err)
	}
	rec = full
	m.unmarkRunning(ctx, id)
	m.log.Info("sweep finished", "sweep", id, "state", rec.GetState().String(), "clusters", len(rec.GetClusters()),
		"unreachable", rec.GetUnreachableClusters(), "new", len(rec.GetNewFindings()), "resolved", len(rec.GetResolvedFindings()))
	if m.o.Notifier != nil {
		nctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := m.o.Notifier.NotifySweep(nctx, sweepnotice.FromSweep(m.o.Channel, rec)); err != nil {
			m.log.Warn("posting the sweep failed", "sweep", id, "error", err)
		}
	}
	return rec, nil
}

// closeOut stores the result of a cluster whose job can no longer report
// and returns it, or returns nil while the job may still report. Decided
// from durable state, not from the max-deliveries advisory (sent once, lost
// when no worker is subscribed at that moment, e.g. while its NATS node
// fails over):
//
//   - the job's last attempt (its note, see noteAttempt) was its MaxDeliver-th
//     and started longer ago than a live replica needs to diagnose and store
//     (ClusterTimeout, the store budget and AckWait): every delivery went to
//     a replica that stopped;
//   - or the whole sweep is overdue (no attempt could even be noted).
//
// The job, when its note names it, is deleted from the queue: a work queue
// keeps a message that ran out of deliveries forever.
func (m *Manager) closeOut(ctx context.Context, rec *kubemedicv1.Sweep, cluster string) (*kubemedicv1.SweepClusterResult, error) {
	r := &kubemedicv1.SweepClusterResult{SweepId: rec.GetId(), Worker: m.o.Worker, Progress: &kubemedicv1.SweepProgress{Cluster: cluster, Done: true}}
	a, err := m.lastAttempt(ctx, rec.GetId(), cluster)
	if err != nil {
		return nil, err
	}
	switch {
	case a != nil && a.N >= m.o.MaxDeliver && m.o.Now().After(a.Started.Add(m.o.ClusterTimeout+storeBudget+m.o.AckWait)):
		r.Attempt = int32(a.N)
		r.Progress.Error = notSwept(a.N)
	case m.overdue(rec):
		r.Progress.Error = fmt.Sprintf("not swept: no replica finished it within %s (제한 시간 안에 점검을 끝낸 레플리카가 없습니다)", m.deadline(len(rec.GetClusters())))
	default:
		return nil, nil
	}
	if err := m.store(ctx, r); err != nil {
		return nil, err
	}
	if a != nil && a.StreamSeq > 0 {
		if err := m.stream.DeleteMsg(ctx, a.StreamSeq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
			m.log.Debug("deleting a closed-out sweep job failed", "sweep", rec.GetId(), "cluster", cluster, "error", err)
		}
	}
	// Another replica may have stored first (store keeps the first record):
	// report what is stored. A result is there now; a replica that lags
	// behind the bucket's leader may not show it for a moment.
	one := &kubemedicv1.Sweep{Id: rec.GetId(), Clusters: []*kubemedicv1.SweepProgress{{Cluster: cluster}}}
	for range 20 {
		stored, err := m.results(ctx, one)
		if err != nil {
			return nil, err
		}
		if s := stored[cluster]; s != nil {
			return s, nil
		}
		if !sleep(ctx, 100*time.Millisecond) {
			return nil, ctx.Err()
		}
	}
	return r, nil
}

// notSwept is the error of a job whose every delivery went to a replica
// that stopped before finishing it.
func notSwept(attempts int) string {
	return fmt.Sprintf("not swept: %d attempts, each on a replica that stopped before finishing (점검을 끝낸 레플리카가 없습니다)", attempts)
}

// overdue reports whether a running sweep has outlived its deadline.
func (m *Manager) overdue(rec *kubemedicv1.Sweep) bool {
	return m.o.Now().After(rec.GetStartedAt().AsTime().Add(m.deadline(len(rec.GetClusters()))))
}

// deadline is how long a sweep of n clusters can take on one replica when
// every cluster uses the full cluster timeout and one job also uses every
// delivery, plus the time JetStream needs to notice each dead replica.
func (m *Manager) deadline(n int) time.Duration {
	rounds := (n + m.o.Concurrency - 1) / m.o.Concurrency
	return time.Duration(rounds)*m.o.ClusterTimeout + time.Duration(m.o.MaxDeliver)*(m.o.ClusterTimeout+m.o.AckWait) + time.Minute
}

// setLatest points the selector at rec unless a newer sweep is there.
func (m *Manager) setLatest(ctx context.Context, rec *kubemedicv1.Sweep) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	key := latestKey(rec.GetSelector())
	for range 5 {
		e, err := m.kv.Get(ctx, key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			if _, err = m.kv.Create(ctx, key, []byte(rec.GetId())); err == nil {
				return
			}
		case err != nil:
			m.log.Warn("recording the latest sweep failed", "sweep", rec.GetId(), "error", err)
			return
		case string(e.Value()) >= rec.GetId():
			return
		default:
			if _, err = m.kv.Update(ctx, key, []byte(rec.GetId()), e.Revision()); err == nil {
				return
			}
		}
	}
}
