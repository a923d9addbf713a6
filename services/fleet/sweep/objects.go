package sweep

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// Findings are large (a broken fleet has thousands, each with evidence), so
// they live in a JetStream Object Store, not in KV values that must fit in
// one NATS message:
//
//	<id>/<cluster>/<attempt>  one cluster's findings from one job attempt
//	<id>/report               the finished sweep with every finding
//
// KV holds only small records (sweep summary, per-cluster progress), so
// progress watching and listing stay cheap whatever the fleet looks like.

// ObjectBucket holds findings and finished reports.
const ObjectBucket = "kubemedic-sweep-findings"

func findingsObject(id, cluster string, attempt int32) string {
	return fmt.Sprintf("%s/%s/%d", id, cluster, attempt)
}

func reportObject(id string) string { return id + "/report" }

func (m *Manager) putObject(ctx context.Context, name string, msg proto.Message) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	b, err := proto.Marshal(msg)
	if err != nil {
		return err
	}
	if _, err := m.obj.PutBytes(ctx, name, b); err != nil {
		return fmt.Errorf("storing %s: %w", name, err)
	}
	return nil
}

// objectAttempt bounds one read of an object. A read whose chunks stop
// coming (seen now and then with several readers of one store at once)
// waits for its whole deadline whatever its context says: a fresh read
// succeeds, so getObject gives each read objectAttempt and tries again
// within opTimeout.
const objectAttempt = 5 * time.Second

// getObject reads an object into msg; ok is false when it does not exist.
func (m *Manager) getObject(ctx context.Context, name string, msg proto.Message) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*opTimeout)
	defer cancel()
	var b []byte
	var err error
	for {
		actx, cancelAttempt := context.WithTimeout(ctx, objectAttempt)
		b, err = m.obj.GetBytes(actx, name)
		cancelAttempt()
		if !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			break
		}
		m.log.Debug("reading an object timed out; reading it again", "object", name, "error", err)
	}
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading %s: %w", name, err)
	}
	if err := proto.Unmarshal(b, msg); err != nil {
		return false, fmt.Errorf("%s is stored corrupt: %w", name, err)
	}
	return true, nil
}

// loadFindings fills each result's findings from the object store.
func (m *Manager) loadFindings(ctx context.Context, id string, results map[string]*kubemedicv1.SweepClusterResult) error {
	for cluster, r := range results {
		if r.GetProgress().GetFindings() == 0 || r.GetProgress().GetError() != "" {
			continue
		}
		var f kubemedicv1.SweepClusterResult
		ok, err := m.getObject(ctx, findingsObject(id, cluster, r.GetAttempt()), &f)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("sweep %s: the findings of %s (attempt %d) are missing", id, cluster, r.GetAttempt())
		}
		r.Findings = f.GetFindings()
	}
	return nil
}

// report returns the finished sweep with its findings. A report whose
// object is missing (still being stored, or the finalizing replica died
// right after recording the outcome) is rebuilt from the stored results,
// which give the same report.
func (m *Manager) report(ctx context.Context, rec *kubemedicv1.Sweep) (*kubemedicv1.Sweep, error) {
	full := &kubemedicv1.Sweep{}
	ok, err := m.getObject(ctx, reportObject(rec.GetId()), full)
	if err != nil || ok {
		return full, err
	}
	full, err = m.compose(ctx, rec, nil)
	if err != nil {
		return nil, err
	}
	full.FinishedAt = rec.GetFinishedAt()
	// Store it only when the finalizer has had time to store it itself: two
	// puts of one object at once purge each other's chunks under a reader,
	// which then waits for them until its timeout.
	if m.o.Now().Sub(rec.GetFinishedAt().AsTime()) < 2*opTimeout {
		return full, nil
	}
	if err := m.putObject(ctx, reportObject(rec.GetId()), full); err != nil {
		m.log.Warn("storing a rebuilt sweep report failed", "sweep", rec.GetId(), "error", err)
	}
	return full, nil
}

// compose builds the full report of a sweep whose results are all in:
// results, or when nil the stored ones.
func (m *Manager) compose(ctx context.Context, rec *kubemedicv1.Sweep, results map[string]*kubemedicv1.SweepClusterResult) (*kubemedicv1.Sweep, error) {
	full := proto.Clone(rec).(*kubemedicv1.Sweep)
	if results == nil {
		var err error
		if results, err = m.results(ctx, full); err != nil {
			return nil, err
		}
	}
	if err := m.loadFindings(ctx, full.GetId(), results); err != nil {
		return nil, err
	}
	var previous *kubemedicv1.Sweep
	if prevID := full.GetPreviousSweepId(); prevID != "" {
		prevRec, _, err := m.record(ctx, prevID)
		switch {
		case errors.Is(err, ErrNotFound):
			// Expired: compare with nothing.
		case err != nil:
			return nil, err
		case prevRec.GetState() != kubemedicv1.SweepState_SWEEP_STATE_RUNNING:
			if previous, err = m.report(ctx, prevRec); err != nil {
				return nil, err
			}
		}
	}
	Compare(full, results, previous)
	if previous == nil {
		full.PreviousSweepId = ""
	}
	return full, nil
}

// summary is a report without findings, as kept in KV and listed.
func summary(full *kubemedicv1.Sweep) *kubemedicv1.Sweep {
	s := proto.Clone(full).(*kubemedicv1.Sweep)
	s.NewFindings, s.ResolvedFindings, s.StillOpenFindings = nil, nil, nil
	return s
}
