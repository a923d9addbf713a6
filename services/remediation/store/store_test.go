package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/platform/embeddednats"
	"github.com/kubemedic/kubemedic/services/remediation/store"
)

func open(t *testing.T, lockTTL time.Duration) *store.Store {
	t.Helper()
	ns, err := embeddednats.Start(embeddednats.Options{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Stop)
	nc, err := nats.Connect(ns.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(t.Context(), store.Options{JetStream: js, PlanRetention: time.Hour, LockTTL: lockTTL, Cooldown: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type counter struct{ N int }

// Concurrent compare-and-set updates never lose one.
func TestUpdateSerializesWriters(t *testing.T) {
	s := open(t, time.Minute)
	ctx := t.Context()
	if err := store.PutPlan(ctx, s, "p-1", counter{}); err != nil {
		t.Fatal(err)
	}
	if err := store.PutPlan(ctx, s, "p-1", counter{}); err == nil {
		t.Fatal("a second create of the same plan succeeded")
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := store.UpdatePlan(ctx, s, "p-1", func(c *counter) error { c.N++; return nil }); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, err := store.GetPlan[counter](ctx, s, "p-1")
	if err != nil || got.N != 20 {
		t.Fatalf("counter = %+v (%v), want 20", got, err)
	}
	if _, err := store.GetPlan[counter](ctx, s, "p-none"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing plan: %v, want ErrNotFound", err)
	}
}

func TestLocks(t *testing.T) {
	s := open(t, 2*time.Second)
	ctx := t.Context()
	if err := s.TryLock(ctx, "target.a", store.Holder{What: "drain", ExecutionID: "x-1", Since: time.Now()}); err != nil {
		t.Fatal(err)
	}
	// The same execution may take it again (resume); another may not.
	if err := s.TryLock(ctx, "target.a", store.Holder{ExecutionID: "x-1"}); err != nil {
		t.Errorf("re-lock by the holder: %v", err)
	}
	err := s.TryLock(ctx, "target.a", store.Holder{ExecutionID: "x-2"})
	var locked *store.ErrLocked
	if !errors.As(err, &locked) || locked.Holder.ExecutionID != "x-1" {
		t.Fatalf("second holder: %v, want ErrLocked naming x-1", err)
	}
	// Only the holder unlocks.
	if err := s.Unlock(ctx, "target.a", "x-2"); err != nil {
		t.Fatal(err)
	}
	if h, _ := s.Holder(ctx, "target.a"); h == nil || h.ExecutionID != "x-1" {
		t.Fatalf("holder after a stranger's unlock = %+v", h)
	}
	if err := s.Unlock(ctx, "target.a", "x-1"); err != nil {
		t.Fatal(err)
	}
	if err := s.TryLock(ctx, "target.a", store.Holder{ExecutionID: "x-2"}); err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	// A holder that stops refreshing loses the lock to the TTL.
	deadline := time.Now().Add(10 * time.Second)
	for {
		h, err := s.Holder(ctx, "target.a")
		if err != nil {
			t.Fatal(err)
		}
		if h == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("lock never expired")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := s.TryLock(ctx, "target.a", store.Holder{ExecutionID: "x-3"}); err != nil {
		t.Fatalf("lock after expiry: %v", err)
	}
}

func TestPauseAndCooldown(t *testing.T) {
	s := open(t, time.Minute)
	ctx := context.Background()
	if p, err := s.Paused(ctx); err != nil || p {
		t.Fatalf("paused = %v, %v; want false", p, err)
	}
	if err := s.SetPaused(ctx, true); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Paused(ctx); !p {
		t.Fatal("pause switch did not stick")
	}
	if id, _, _ := s.Cooldown(ctx, "t"); id != "" {
		t.Fatalf("cooldown before any execution: %q", id)
	}
	if err := s.StartCooldown(ctx, "t", "x-9"); err != nil {
		t.Fatal(err)
	}
	if id, at, _ := s.Cooldown(ctx, "t"); id != "x-9" || at.IsZero() {
		t.Fatalf("cooldown = %q at %v", id, at)
	}
}
