// Package schedule starts the configured sweeps on their cron schedules,
// exactly once per slot however many replicas run a Scheduler.
//
// The model: every replica computes the same slots from the same cron
// expression (robfig/cron's standard parser: five fields or descriptors such
// as @hourly and @every 15m). At each slot every replica tries to create the
// key claim.<schedule>.<slot unix time> in a JetStream KV bucket ("@every"
// slots are aligned to the Unix epoch so replicas agree on them);
// create-if-absent succeeds for exactly one of them, and only that replica
// starts the sweep, after a random jitter up to the schedule's Jitter so many
// schedules do not hit the clusters at the same second. Claims expire after
// a day. A replica that is down at a slot simply does not compete; if every
// replica is down the slot is skipped (the next one runs).
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/robfig/cron/v3"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/services/fleet/registry"
	"github.com/kubemedic/kubemedic/services/fleet/sweep"
	"github.com/kubemedic/kubemedic/services/jsretry"
)

// Bucket holds the slot claims.
const Bucket = "kubemedic-sweep-claims"

// Options configures New.
type Options struct {
	// Sweeps are the configured schedules. Default none (Run then waits).
	Sweeps []config.Sweep
	// JetStream holds the claim bucket. Required.
	JetStream jetstream.JetStream
	// Start starts one sweep. Required.
	Start func(ctx context.Context, r sweep.Request) error
	// Replica names this replica in its claims. Required.
	Replica string
	// Replicas of the claim bucket (3 on a NATS cluster). Default 1.
	Replicas int
	// Logger is required.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Scheduler fires the configured sweeps.
type Scheduler struct {
	o       Options
	kv      jetstream.KeyValue
	entries []entry
}

type entry struct {
	cfg   config.Sweep
	sched cron.Schedule
}

// New parses every schedule and selector (all errors at once) and opens the
// claim bucket.
func New(ctx context.Context, o Options) (*Scheduler, error) {
	switch {
	case o.JetStream == nil:
		return nil, errors.New("schedule: Options.JetStream is required")
	case o.Start == nil:
		return nil, errors.New("schedule: Options.Start is required")
	case o.Replica == "":
		return nil, errors.New("schedule: Options.Replica is required")
	case o.Logger == nil:
		return nil, errors.New("schedule: Options.Logger is required")
	}
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Scheduler{o: o}
	var errs []error
	for _, sw := range o.Sweeps {
		sched, err := cron.ParseStandard(sw.Schedule)
		if err != nil {
			errs = append(errs, fmt.Errorf("fleet.sweeps %s: schedule %q: %w (e.g. \"*/15 * * * *\" or \"@every 15m\")", sw.Name, sw.Schedule, err))
		}
		if _, err := registry.ParseSelector(sw.Selector); err != nil {
			errs = append(errs, fmt.Errorf("fleet.sweeps %s: %w", sw.Name, err))
		}
		s.entries = append(s.entries, entry{cfg: sw, sched: sched})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	kv, err := jsretry.Do(ctx, "bucket "+Bucket, func(ctx context.Context) (jetstream.KeyValue, error) {
		return o.JetStream.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:      Bucket,
			Description: "one claim per sweep schedule slot: the replica that creates it runs the slot",
			History:     1,
			TTL:         24 * time.Hour,
			Replicas:    o.Replicas,
			Storage:     jetstream.FileStorage,
		})
	})
	if err != nil {
		return nil, fmt.Errorf("schedule: opening bucket %s: %w", Bucket, err)
	}
	s.kv = kv
	return s, nil
}

// Run fires the schedules until ctx ends.
func (s *Scheduler) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, e := range s.entries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.loop(ctx, e)
		}()
	}
	wg.Wait()
	return nil
}

func (s *Scheduler) loop(ctx context.Context, e entry) {
	log := s.o.Logger.With("schedule", e.cfg.Name)
	for {
		slot := next(e.sched, s.o.Now())
		if slot.IsZero() {
			log.Warn("schedule has no next run")
			return
		}
		t := time.NewTimer(slot.Sub(s.o.Now()))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		won, err := s.Claim(ctx, e.cfg.Name, slot)
		if err != nil {
			log.Warn("claiming the slot failed; skipping it", "slot", slot, "error", err)
			continue
		}
		if !won {
			log.Debug("another replica runs this slot", "slot", slot)
			continue
		}
		go s.fire(ctx, e, slot, log)
	}
}

// next is the first slot after now. "@every d" counts from the Unix epoch,
// not from when the replica started, so every replica computes the same
// slots.
func next(sched cron.Schedule, now time.Time) time.Time {
	if every, ok := sched.(cron.ConstantDelaySchedule); ok {
		d := every.Delay
		return now.Truncate(d).Add(d)
	}
	return sched.Next(now)
}

// fire waits the jitter, then starts the sweep.
func (s *Scheduler) fire(ctx context.Context, e entry, slot time.Time, log *slog.Logger) {
	if j := e.cfg.Jitter.Duration; j > 0 {
		t := time.NewTimer(rand.N(j))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	if err := s.o.Start(ctx, sweep.Request{Selector: e.cfg.Selector, Schedule: e.cfg.Name}); err != nil {
		log.Warn("starting the scheduled sweep failed", "slot", slot, "error", err)
	}
}

// Claim tries to take one slot of a schedule for this replica. It reports
// whether this replica won.
func (s *Scheduler) Claim(ctx context.Context, schedule string, slot time.Time) (bool, error) {
	key := fmt.Sprintf("claim.%s.%d", schedule, slot.Unix())
	_, err := s.kv.Create(ctx, key, []byte(s.o.Replica))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, jetstream.ErrKeyExists):
		return false, nil
	default:
		return false, err
	}
}
