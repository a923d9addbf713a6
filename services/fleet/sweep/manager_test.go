package sweep_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/sweepnotice"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/fleet/natstest"
	"github.com/kubemedic/kubemedic/services/fleet/registry"
	"github.com/kubemedic/kubemedic/services/fleet/sweep"
)

// fleet is a set of clusters whose open findings the test changes between
// sweeps; diagnosing a cluster returns its current findings.
type fleet struct {
	mu       sync.Mutex
	findings map[string][]string // cluster → names of failing pods
	hang     map[string]bool     // cluster never answers (ignores ctx)
	block    chan struct{}       // when set, every diagnosis waits for it
	calls    atomic.Int32
}

func (f *fleet) Diagnose(ctx context.Context, c config.Cluster) ([]*kubemedicv1.Finding, error) {
	f.calls.Add(1)
	f.mu.Lock()
	hang, names, block := f.hang[c.Name], f.findings[c.Name], f.block
	f.mu.Unlock()
	if hang {
		select {} // a cluster that never answers and a diagnoser that ignores ctx
	}
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	var out []*kubemedicv1.Finding
	for _, n := range names {
		out = append(out, &kubemedicv1.Finding{
			Fingerprint: c.Name + "/" + n,
			Object:      &kubemedicv1.ObjectRef{Cluster: c.Name, Kind: "Pod", Namespace: "default", Name: n},
			Code:        "CrashLoopBackOff",
			Severity:    kubemedicv1.Severity_SEVERITY_ERROR,
		})
	}
	return out, nil
}

type notices struct {
	mu sync.Mutex
	n  []sweepnotice.Notice
}

func (n *notices) NotifySweep(_ context.Context, x sweepnotice.Notice) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.n = append(n.n, x)
	return nil
}

func clusters(names ...string) []config.Cluster {
	var out []config.Cluster
	for _, n := range names {
		env := "prod"
		if strings.HasPrefix(n, "dev") {
			env = "dev"
		}
		out = append(out, config.Cluster{Name: n, Kubeconfig: "/nonexistent/" + n, Labels: map[string]string{"env": env}})
	}
	return out
}

func newManager(t *testing.T, js jetstream.JetStream, d sweep.Diagnoser, o sweep.Options) *sweep.Manager {
	t.Helper()
	reg, err := registry.New(t.Context(), registry.Options{Configured: clusters("prod-a", "prod-b", "prod-c", "dev-a"), JetStream: js})
	if err != nil {
		t.Fatal(err)
	}
	o.JetStream, o.Clusters, o.Diagnoser = js, reg, d
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
		if os.Getenv("KUBEMEDIC_TEST_LOG") != "" {
			o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
	}
	m, err := sweep.New(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func work(t *testing.T, m *sweep.Manager) context.CancelFunc {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := m.Work(ctx); err != nil {
			t.Error(err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return cancel
}

func run(t *testing.T, m *sweep.Manager, r sweep.Request) (*kubemedicv1.Sweep, []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	rec, err := m.Start(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	var progress []string
	done, err := m.Watch(ctx, rec.GetId(), func(p *kubemedicv1.SweepProgress) error {
		progress = append(progress, p.GetCluster())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return done, progress
}

func names(fs []*kubemedicv1.Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.GetFingerprint())
	}
	return strings.Join(out, " ")
}

func TestSweepReportsChangesSincePreviousSweep(t *testing.T) {
	_, _, js := natstest.Single(t)
	f := &fleet{findings: map[string][]string{"prod-a": {"web"}, "prod-b": {"api", "db"}}, hang: map[string]bool{"prod-c": true}}
	var posted notices
	m := newManager(t, js, f, sweep.Options{ClusterTimeout: 500 * time.Millisecond, Concurrency: 2, Notifier: &posted, Channel: "C1"})
	work(t, m)

	first, progress := run(t, m, sweep.Request{Selector: "env=prod"})
	if first.GetState() != kubemedicv1.SweepState_SWEEP_STATE_PARTIAL {
		t.Fatalf("state = %s, want PARTIAL (prod-c hangs)", first.GetState())
	}
	if len(progress) != 3 {
		t.Errorf("progress for %v, want 3 clusters", progress)
	}
	var unreachable []string
	for _, c := range first.GetClusters() {
		if c.GetError() != "" {
			unreachable = append(unreachable, c.GetCluster()+": "+c.GetError())
		}
	}
	if len(unreachable) != 1 || !strings.Contains(unreachable[0], "prod-c: timed out after 500ms") {
		t.Errorf("unreachable = %v, want prod-c timed out", unreachable)
	}
	if got := names(first.GetNewFindings()); got != "prod-a/web prod-b/api prod-b/db" {
		t.Errorf("first sweep new = %q", got)
	}
	if first.GetTotals().GetError() != 3 || first.GetPreviousSweepId() != "" {
		t.Errorf("totals %v previous %q", first.GetTotals(), first.GetPreviousSweepId())
	}

	// Between sweeps: web fixed, db still broken, a new problem on prod-a.
	f.mu.Lock()
	f.findings = map[string][]string{"prod-a": {"cache"}, "prod-b": {"db"}}
	f.hang = nil
	f.mu.Unlock()
	second, _ := run(t, m, sweep.Request{Selector: "env=prod"})
	if second.GetState() != kubemedicv1.SweepState_SWEEP_STATE_SUCCEEDED || second.GetPreviousSweepId() != first.GetId() {
		t.Fatalf("second: state %s previous %q (want %q)", second.GetState(), second.GetPreviousSweepId(), first.GetId())
	}
	for _, c := range []struct{ what, got, want string }{
		{"new", names(second.GetNewFindings()), "prod-a/cache"},
		{"resolved", names(second.GetResolvedFindings()), "prod-a/web prod-b/api"},
		{"still open", names(second.GetStillOpenFindings()), "prod-b/db"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	// Another selector has its own history.
	dev, _ := run(t, m, sweep.Request{Selector: "env=dev"})
	if dev.GetPreviousSweepId() != "" || len(dev.GetClusters()) != 1 {
		t.Errorf("dev sweep: previous %q clusters %d", dev.GetPreviousSweepId(), len(dev.GetClusters()))
	}

	list, next, err := m.List(t.Context(), 2, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].GetId() != dev.GetId() || list[1].GetId() != second.GetId() || next != second.GetId() {
		t.Errorf("page 1: %d sweeps, next %q", len(list), next)
	}
	if len(list[1].GetNewFindings()) != 0 {
		t.Error("List must not carry findings")
	}
	list, next, _ = m.List(t.Context(), 2, next)
	if len(list) != 1 || list[0].GetId() != first.GetId() || next != "" {
		t.Errorf("page 2: %d sweeps, next %q", len(list), next)
	}
	latest, err := m.Get(t.Context(), "latest")
	if err != nil || latest.GetId() != dev.GetId() {
		t.Errorf("latest = %v, %v", latest.GetId(), err)
	}
	if _, err := m.Get(t.Context(), "nope"); !errors.Is(err, sweep.ErrNotFound) {
		t.Errorf("unknown sweep: %v", err)
	}
	if _, err := m.Start(t.Context(), sweep.Request{Selector: "env=staging"}); !errors.Is(err, sweep.ErrNoClusters) {
		t.Errorf("empty selection: %v", err)
	}
	if _, err := m.Start(t.Context(), sweep.Request{Selector: "env=dev", Clusters: []string{"prod-a"}}); !errors.Is(err, sweep.ErrNoClusters) {
		t.Errorf("name outside the selector: %v", err)
	}

	posted.mu.Lock()
	defer posted.mu.Unlock()
	if len(posted.n) != 3 {
		t.Fatalf("%d notices, want one per sweep (3)", len(posted.n))
	}
	n := posted.n[1]
	if n.Channel != "C1" || !n.Changed || !strings.Contains(n.Summary.En, "1 new, 2 resolved, 1 still open, 0 unreachable") || !strings.Contains(n.Summary.Ko, "새 문제 1") {
		t.Errorf("notice = %+v", n.Summary)
	}
	if len(n.Details) != 3 {
		t.Errorf("details = %v, want 1 new + 2 resolved", n.Details)
	}
}

// A replica that dies while holding jobs loses nothing: another replica gets
// them after AckWait and every cluster is reported exactly once.
func TestDeadReplicaJobsAreRedelivered(t *testing.T) {
	_, _, js := natstest.Single(t)
	f := &fleet{findings: map[string][]string{"prod-a": {"x"}}, block: make(chan struct{})}
	dying := newManager(t, js, f, sweep.Options{Worker: "dying", AckWait: time.Second, Concurrency: 4})
	survivor := newManager(t, js, f, sweep.Options{Worker: "survivor", AckWait: time.Second, Concurrency: 4})
	kill := work(t, dying)

	rec, err := dying.Start(t.Context(), sweep.Request{})
	if err != nil {
		t.Fatal(err)
	}
	// Wait until the dying replica holds every job, then kill it.
	deadline := time.Now().Add(10 * time.Second)
	for f.calls.Load() < 4 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if f.calls.Load() != 4 {
		t.Fatalf("dying replica took %d jobs, want 4", f.calls.Load())
	}
	kill()
	f.mu.Lock()
	close(f.block)
	f.block = nil
	f.mu.Unlock()
	work(t, survivor)

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	done, err := survivor.Watch(ctx, rec.GetId(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if done.GetState() != kubemedicv1.SweepState_SWEEP_STATE_SUCCEEDED || len(done.GetClusters()) != 4 {
		t.Fatalf("state %s, %d clusters", done.GetState(), len(done.GetClusters()))
	}
	seen := map[string]int{}
	for _, c := range done.GetClusters() {
		seen[c.GetCluster()]++
	}
	for _, c := range []string{"prod-a", "prod-b", "prod-c", "dev-a"} {
		if seen[c] != 1 {
			t.Errorf("cluster %s reported %d times", c, seen[c])
		}
	}
	if names(done.GetNewFindings()) != "prod-a/x" {
		t.Errorf("new = %q", names(done.GetNewFindings()))
	}
}

// A job whose every delivery went to a dying replica is reported as not
// swept once its last attempt cannot be running any more, so the sweep
// still finishes.
func TestExhaustedJobIsReported(t *testing.T) {
	_, _, js := natstest.Single(t)
	f := &fleet{block: make(chan struct{})}
	opts := sweep.Options{AckWait: 500 * time.Millisecond, ClusterTimeout: 500 * time.Millisecond, MaxDeliver: 1, Concurrency: 8}
	dying := newManager(t, js, f, opts)
	// The observer's clock is 40 s on: past the last attempt's cluster
	// timeout, store budget (30 s) and ack wait, before the sweep's deadline.
	opts.Now = func() time.Time { return time.Now().Add(40 * time.Second) }
	observer := newManager(t, js, f, opts)
	kill := work(t, dying)
	rec, err := dying.Start(t.Context(), sweep.Request{Selector: "env=dev"})
	if err != nil {
		t.Fatal(err)
	}
	for f.calls.Load() < 1 {
		time.Sleep(10 * time.Millisecond)
	}
	kill()
	// The observer replica works (and so hears the advisory) but has no job
	// left to take: MaxDeliver is 1.
	work(t, observer)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	done, err := observer.Watch(ctx, rec.GetId(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if done.GetState() != kubemedicv1.SweepState_SWEEP_STATE_FAILED || !strings.Contains(done.GetClusters()[0].GetError(), "not swept: 1 attempts") {
		t.Errorf("state %s clusters %v", done.GetState(), done.GetClusters())
	}
}

// startDyingSweep starts a sweep of env=dev whose only job is delivered at
// most once, to a worker that hangs in it and is then stopped: the job runs
// out of deliveries while the advisory may reach nobody.
func startDyingSweep(t *testing.T) (jetstream.JetStream, *fleet, sweep.Options, *kubemedicv1.Sweep) {
	t.Helper()
	_, _, js := natstest.Single(t)
	f := &fleet{block: make(chan struct{})}
	opts := sweep.Options{AckWait: 500 * time.Millisecond, ClusterTimeout: 500 * time.Millisecond, MaxDeliver: 1}
	dying := newManager(t, js, f, opts)
	kill := work(t, dying)
	rec, err := dying.Start(t.Context(), sweep.Request{Selector: "env=dev"})
	if err != nil {
		t.Fatal(err)
	}
	for f.calls.Load() < 1 {
		time.Sleep(10 * time.Millisecond)
	}
	kill()
	return js, f, opts, rec
}

// The max-deliveries advisory is sent once, and only to replicas subscribed
// at that moment (here: none works any more, as when the last worker's NATS
// node fails over): a watcher closes out the job from its stored attempt
// note once the last attempt cannot be running any more, long before the
// sweep is overdue, and removes the job from the queue.
func TestExhaustedJobIsClosedOutWithoutAdvisory(t *testing.T) {
	js, f, opts, rec := startDyingSweep(t)
	// 40 s on: past the last attempt's cluster timeout, store budget (30 s)
	// and ack wait, well before the sweep's deadline (over a minute).
	opts.Now = func() time.Time { return time.Now().Add(40 * time.Second) }
	watcher := newManager(t, js, f, opts)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	done, err := watcher.Watch(ctx, rec.GetId(), nil)
	if err != nil {
		t.Fatalf("sweep %s did not finish: %v", rec.GetId(), err)
	}
	if done.GetState() != kubemedicv1.SweepState_SWEEP_STATE_FAILED || !strings.Contains(done.GetClusters()[0].GetError(), "not swept: 1 attempts") {
		t.Errorf("state %s clusters %v, want FAILED with dev-a not swept after 1 attempt", done.GetState(), done.GetClusters())
	}
	st, err := js.Stream(ctx, sweep.Stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 0 {
		t.Errorf("%d jobs left in the queue after the sweep finished, want 0", info.State.Msgs)
	}
}

// A sweep nobody watches (its RunSweep caller left, the scheduling replica
// died) whose last job ran out of deliveries while no worker heard the
// advisory: no worker stores its result, so no worker's result finalizes
// it. The workers' periodic reconcile of the running sweeps does.
func TestUnwatchedSweepIsReconciledByWorkers(t *testing.T) {
	js, f, opts, rec := startDyingSweep(t)
	time.Sleep(2 * time.Second) // the advisory (after AckWait) reaches nobody
	opts.Now = func() time.Time { return time.Now().Add(40 * time.Second) }
	survivor := newManager(t, js, f, opts)
	work(t, survivor)
	deadline := time.Now().Add(30 * time.Second)
	var got *kubemedicv1.Sweep
	var err error
	for {
		if got, err = survivor.Get(t.Context(), rec.GetId()); err != nil {
			t.Fatal(err)
		}
		if got.GetState() != kubemedicv1.SweepState_SWEEP_STATE_RUNNING || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got.GetState() != kubemedicv1.SweepState_SWEEP_STATE_FAILED || !strings.Contains(got.GetClusters()[0].GetError(), "not swept: 1 attempts") {
		t.Fatalf("sweep %s: state %s clusters %v, want FAILED with dev-a not swept after 1 attempt", rec.GetId(), got.GetState(), got.GetClusters())
	}
	if f.calls.Load() != 1 {
		t.Errorf("%d diagnoses, want the dying replica's 1", f.calls.Load())
	}
	kv, err := js.KeyValue(t.Context(), sweep.Bucket)
	if err != nil {
		t.Fatal(err)
	}
	// The sweep is unlisted after it is finalized (a failure there only costs
	// a later reconcile round), so the key may outlive the state briefly.
	for unlistBy := time.Now().Add(2*10*time.Second + 5*time.Second); ; time.Sleep(200 * time.Millisecond) {
		_, err := kv.Get(t.Context(), "running."+rec.GetId())
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			break
		}
		if time.Now().After(unlistBy) {
			t.Fatalf("finished sweep still listed as running: %v", err)
		}
	}
}

// With no replica working at all, a watcher closes the sweep out once its
// deadline has passed instead of waiting forever.
func TestOverdueSweepIsClosedOut(t *testing.T) {
	_, _, js := natstest.Single(t)
	f := &fleet{}
	starter := newManager(t, js, f, sweep.Options{})
	rec, err := starter.Start(t.Context(), sweep.Request{Selector: "env=dev"})
	if err != nil {
		t.Fatal(err)
	}
	later := newManager(t, js, f, sweep.Options{Now: func() time.Time { return time.Now().Add(24 * time.Hour) }})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	done, err := later.Watch(ctx, rec.GetId(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if done.GetState() != kubemedicv1.SweepState_SWEEP_STATE_FAILED || !strings.Contains(done.GetClusters()[0].GetError(), "no replica finished it within") {
		t.Errorf("state %s clusters %v", done.GetState(), done.GetClusters())
	}
	if f.calls.Load() != 0 {
		t.Errorf("%d diagnoses without a worker", f.calls.Load())
	}
}

// A broken fleet's findings do not fit in one NATS message; the sweep still
// finishes and serves every finding, and a lost report object is rebuilt.
func TestLargeSweep(t *testing.T) {
	_, _, js := natstest.Single(t)
	big := strings.Repeat("x", 1024) // evidence of about 1 KB per finding
	d := sweep.DiagnoserFunc(func(_ context.Context, c config.Cluster) ([]*kubemedicv1.Finding, error) {
		var out []*kubemedicv1.Finding
		for i := range 800 {
			out = append(out, &kubemedicv1.Finding{
				Fingerprint: fmt.Sprintf("%s/%d", c.Name, i),
				Object:      &kubemedicv1.ObjectRef{Cluster: c.Name, Kind: "Pod", Namespace: "default", Name: fmt.Sprintf("p%d", i)},
				Code:        "CrashLoopBackOff",
				Severity:    kubemedicv1.Severity_SEVERITY_ERROR,
				Evidence:    []*kubemedicv1.Evidence{{Message: big}},
			})
		}
		return out, nil
	})
	m := newManager(t, js, d, sweep.Options{})
	work(t, m)
	done, _ := run(t, m, sweep.Request{})
	if done.GetState() != kubemedicv1.SweepState_SWEEP_STATE_SUCCEEDED || len(done.GetNewFindings()) != 4*800 {
		t.Fatalf("state %s, %d new findings, want 3200", done.GetState(), len(done.GetNewFindings()))
	}
	obj, err := js.ObjectStore(t.Context(), sweep.ObjectBucket)
	if err != nil {
		t.Fatal(err)
	}
	if err := obj.Delete(t.Context(), done.GetId()+"/report"); err != nil {
		t.Fatal(err)
	}
	again, err := m.Get(t.Context(), done.GetId())
	if err != nil {
		t.Fatal(err)
	}
	if len(again.GetNewFindings()) != 3200 || !again.GetFinishedAt().AsTime().Equal(done.GetFinishedAt().AsTime()) || again.GetTotals().GetError() != 3200 {
		t.Errorf("rebuilt report: %d new, finished %v (was %v)", len(again.GetNewFindings()), again.GetFinishedAt().AsTime(), done.GetFinishedAt().AsTime())
	}
	// The next sweep compares against it: everything still open.
	second, _ := run(t, m, sweep.Request{})
	if len(second.GetStillOpenFindings()) != 3200 || len(second.GetNewFindings()) != 0 {
		t.Errorf("second sweep: %d still open, %d new", len(second.GetStillOpenFindings()), len(second.GetNewFindings()))
	}
}

// A replica stopped before it has even found the job queue's consumer took
// no job: Work returns nil, as it does when stopped while waiting for jobs.
func TestWorkStoppedBeforeItStartsIsNoError(t *testing.T) {
	_, _, js := natstest.Single(t)
	m := newManager(t, js, &fleet{}, sweep.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := m.Work(ctx); err != nil {
		t.Fatalf("Work on a stopped context: %v", err)
	}
}
