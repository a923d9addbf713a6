package schedule_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/services/fleet/natstest"
	"github.com/kubemedic/kubemedic/services/fleet/schedule"
	"github.com/kubemedic/kubemedic/services/fleet/sweep"
)

// Two schedulers (two replicas) on one NATS: every slot starts one sweep.
func TestTwoSchedulersOneSweepPerSlot(t *testing.T) {
	_, _, js := natstest.Single(t)
	var (
		mu      sync.Mutex
		started = map[int64][]string{} // slot second → replicas that started
	)
	newScheduler := func(replica string) *schedule.Scheduler {
		s, err := schedule.New(t.Context(), schedule.Options{
			Sweeps:    []config.Sweep{{Name: "prod", Schedule: "@every 1s", Selector: "env=prod"}},
			JetStream: js,
			Replica:   replica,
			Logger:    slog.New(slog.DiscardHandler),
			Start: func(_ context.Context, r sweep.Request) error {
				if r.Selector != "env=prod" || r.Schedule != "prod" {
					t.Errorf("request = %+v", r)
				}
				mu.Lock()
				defer mu.Unlock()
				sec := time.Now().Unix()
				started[sec] = append(started[sec], replica)
				return nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := newScheduler("a"), newScheduler("b")
	ctx, cancel := context.WithTimeout(t.Context(), 4500*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	for _, s := range []*schedule.Scheduler{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); _ = s.Run(ctx) }()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(started) < 3 {
		t.Fatalf("%d slots fired in 4.5s of @every 1s, want at least 3: %v", len(started), started)
	}
	for sec, replicas := range started {
		if len(replicas) != 1 {
			t.Errorf("slot %d started by %v, want exactly one replica", sec, replicas)
		}
	}
}

func TestClaimIsExclusivePerSlot(t *testing.T) {
	_, _, js := natstest.Single(t)
	mk := func(replica string) *schedule.Scheduler {
		s, err := schedule.New(t.Context(), schedule.Options{JetStream: js, Replica: replica, Logger: slog.New(slog.DiscardHandler),
			Start: func(context.Context, sweep.Request) error { return nil }})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := mk("a"), mk("b")
	slot := time.Date(2026, 11, 27, 13, 0, 0, 0, time.UTC)
	tests := []struct {
		s        *schedule.Scheduler
		schedule string
		slot     time.Time
		want     bool
	}{
		{a, "prod", slot, true},
		{b, "prod", slot, false},
		{a, "prod", slot, false},
		{b, "prod", slot.Add(15 * time.Minute), true},
		{a, "dev", slot, true},
	}
	for i, tt := range tests {
		got, err := tt.s.Claim(t.Context(), tt.schedule, tt.slot)
		if err != nil || got != tt.want {
			t.Errorf("%d: Claim(%s, %s) = %v, %v; want %v", i, tt.schedule, tt.slot, got, err, tt.want)
		}
	}
}

func TestInvalidSchedules(t *testing.T) {
	_, _, js := natstest.Single(t)
	_, err := schedule.New(t.Context(), schedule.Options{
		Sweeps: []config.Sweep{
			{Name: "a", Schedule: "every minute"},
			{Name: "b", Schedule: "*/15 * * * *", Selector: "env in prod"},
			{Name: "c", Schedule: "@every 15m", Selector: "env=prod,team!=data"},
		},
		JetStream: js, Replica: "r", Logger: slog.New(slog.DiscardHandler),
		Start: func(context.Context, sweep.Request) error { return nil },
	})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`fleet.sweeps a: schedule "every minute"`, "fleet.sweeps b: 레이블 셀렉터"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "sweeps c") {
		t.Errorf("valid schedule c reported: %v", err)
	}
}

// Replicas started at different moments agree on the slots, also for @every.
func TestSlotsDoNotDependOnStartTime(t *testing.T) {
	for _, expr := range []string{"@every 15m", "*/15 * * * *", "@hourly"} {
		sched, err := cron.ParseStandard(expr)
		if err != nil {
			t.Fatal(err)
		}
		base := time.Date(2026, 11, 27, 13, 0, 0, 0, time.UTC)
		a := schedule.Next(sched, base.Add(3*time.Minute+17*time.Second))
		b := schedule.Next(sched, base.Add(9*time.Minute+2*time.Second))
		if !a.Equal(b) {
			t.Errorf("%s: replica started at :03:17 fires at %s, at :09:02 fires at %s", expr, a, b)
		}
	}
}
