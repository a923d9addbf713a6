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
	"time"

	"github.com/nats-io/nats.go/jetstream"
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
	for _, c := range selected {
		if err := m.publish(ctx, job{SweepID: rec.Id, Cluster: c.Name, MinSeverity: r.MinSeverity}); err != nil {
			return nil, err
		}
	}
	m.log.Info("sweep started", "sweep", rec.Id, "selector", rec.Selector, "schedule", r.Schedule, "clusters", len(selected))
	return rec, nil
}

func (m *Manager) publish(ctx context.Context, j job) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	b, err := jsonMarshal(j)
	if err != nil {
		return err
	}
	if _, err := m.o.JetStream.Publish(ctx, JobSubject, b, jetstream.WithMsgID(j.SweepID+"/"+j.Cluster)); err != nil {
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
	results, err := m.results(ctx, id)
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

// Watch calls progress with each cluster's result as it is stored (results
// stored before the call included) and returns the finished sweep. It
// finalizes the sweep itself when every result is in, so a sweep finishes
// even when the replica that stored the last result died before finalizing.
func (m *Manager) Watch(ctx context.Context, id string, progress func(*kubemedicv1.SweepProgress) error) (*kubemedicv1.Sweep, error) {
	watch := func() (jetstream.KeyWatcher, error) {
		return m.kv.WatchFiltered(ctx, []string{recordKey(id), "result." + id + ".>"}, jetstream.IgnoreDeletes())
	}
	w, err := watch()
	if err != nil {
		return nil, fmt.Errorf("watching sweep %s: %w", id, err)
	}
	defer func() {
		if w != nil {
			_ = w.Stop()
		}
	}()
	updates := w.Updates()
	reported := map[string]bool{}
	report := func(p *kubemedicv1.SweepProgress) error {
		if reported[p.GetCluster()] || !p.GetDone() {
			return nil
		}
		reported[p.GetCluster()] = true
		if progress == nil {
			return nil
		}
		return progress(p)
	}
	// finish reports the clusters the watcher missed, then the sweep.
	finish := func(rec *kubemedicv1.Sweep) (*kubemedicv1.Sweep, error) {
		for _, p := range rec.GetClusters() {
			if err := report(p); err != nil {
				return nil, err
			}
		}
		return rec, nil
	}
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
			if w == nil {
				// The watcher died with a NATS server; start another.
				if w, err = watch(); err == nil {
					updates = w.Updates()
				} else {
					w = nil
				}
			}
			// The watcher may have missed updates while NATS failed over:
			// catch up from the stored results, then try to finish.
			if results, err := m.results(ctx, id); err == nil {
				for _, r := range results {
					if err := report(r.GetProgress()); err != nil {
						return nil, err
					}
				}
			}
			if rec, err := m.finalize(ctx, id); err == nil && rec != nil {
				return finish(rec)
			}
		case e, ok := <-updates:
			if !ok {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				w, updates = nil, nil // restarted on the next tick
				continue
			}
			if e == nil {
				continue // initial values delivered
			}
			if e.Key() == recordKey(id) {
				rec := &kubemedicv1.Sweep{}
				if err := proto.Unmarshal(e.Value(), rec); err != nil {
					return nil, fmt.Errorf("sweep %s is stored corrupt: %w", id, err)
				}
				if rec.GetState() != kubemedicv1.SweepState_SWEEP_STATE_RUNNING {
					full, err := m.report(ctx, rec)
					if err != nil {
						return nil, err
					}
					return finish(full)
				}
				continue
			}
			r := &kubemedicv1.SweepClusterResult{}
			if err := proto.Unmarshal(e.Value(), r); err != nil {
				return nil, fmt.Errorf("sweep %s result %s is stored corrupt: %w", id, e.Key(), err)
			}
			if err := report(r.GetProgress()); err != nil {
				return nil, err
			}
			if rec, err := m.finalize(ctx, id); err != nil {
				m.log.Warn("finalizing sweep failed; retrying", "sweep", id, "error", err)
			} else if rec != nil {
				return finish(rec)
			}
		}
	}
}

func recordKey(id string) string { return "sweep." + id }

func resultKey(id, cluster string) string { return "result." + id + "." + cluster }

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
		return nil, 0, fmt.Errorf("sweep %s is stored corrupt: %w", id, err)
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

func (m *Manager) results(ctx context.Context, id string) (map[string]*kubemedicv1.SweepClusterResult, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	out := map[string]*kubemedicv1.SweepClusterResult{}
	w, err := m.kv.Watch(ctx, "result."+id+".>", jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("reading results of sweep %s: %w", id, err)
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case e, ok := <-w.Updates():
			if !ok {
				return nil, fmt.Errorf("reading results of sweep %s: watcher closed", id)
			}
			if e == nil {
				return out, nil
			}
			r := &kubemedicv1.SweepClusterResult{}
			if err := proto.Unmarshal(e.Value(), r); err != nil {
				return nil, fmt.Errorf("sweep %s result %s is stored corrupt: %w", id, e.Key(), err)
			}
			out[r.GetProgress().GetCluster()] = r
		}
	}
}

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
	results, err := m.results(ctx, id)
	if err != nil {
		return nil, err
	}
	overdue := m.o.Now().After(rec.GetStartedAt().AsTime().Add(m.deadline(len(rec.GetClusters()))))
	for _, p := range rec.GetClusters() {
		if results[p.GetCluster()] != nil {
			continue
		}
		if !overdue {
			return nil, nil
		}
		// Every delivery of the job went to a replica that stopped, and the
		// max-deliveries advisory was missed: close the cluster out.
		r := &kubemedicv1.SweepClusterResult{SweepId: id, Worker: m.o.Worker, Progress: &kubemedicv1.SweepProgress{
			Cluster: p.GetCluster(), Done: true,
			Error: fmt.Sprintf("not swept: no replica finished it within %s (제한 시간 안에 점검을 끝낸 레플리카가 없습니다)", m.deadline(len(rec.GetClusters()))),
		}}
		if err := m.store(ctx, r); err != nil {
			return nil, err
		}
		results[p.GetCluster()] = r
	}
	full, err := m.compose(ctx, rec)
	if err != nil {
		return nil, err
	}
	full.FinishedAt = timestamppb.New(m.o.Now())
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
	m.setLatest(ctx, rec)
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
