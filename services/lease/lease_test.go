package lease_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/kubemedic/kubemedic/services/fleet/natstest"
	"github.com/kubemedic/kubemedic/services/lease"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// replica is one Set with a record of its work's terms.
type replica struct {
	set *lease.Set
	nc  *nats.Conn
	mu  sync.Mutex
	// terms are [start, stop) of every term of work per name; stop is zero
	// while running.
	terms map[string][][2]time.Time
}

func (r *replica) running(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.terms[name]
	return len(t) > 0 && t[len(t)-1][1].IsZero()
}

func (r *replica) termsOf(name string) [][2]time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][2]time.Time(nil), r.terms[name]...)
}

func start(t *testing.T, s *server.Server, holder string, ttl time.Duration) *replica {
	t.Helper()
	nc, js := natstest.Connect(t, s.ClientURL())
	r := &replica{nc: nc, terms: map[string][][2]time.Time{}}
	set, err := lease.Open(t.Context(), lease.Options{
		JetStream: js, Holder: holder, TTL: ttl, Logger: quiet,
		Own: func(ctx context.Context, name string) <-chan struct{} {
			r.mu.Lock()
			r.terms[name] = append(r.terms[name], [2]time.Time{time.Now()})
			i := len(r.terms[name]) - 1
			r.mu.Unlock()
			stopped := make(chan struct{})
			go func() {
				<-ctx.Done()
				time.Sleep(50 * time.Millisecond) // stopping takes a moment
				r.mu.Lock()
				r.terms[name][i][1] = time.Now()
				r.mu.Unlock()
				close(stopped)
			}()
			return stopped
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(set.Close)
	r.set = set
	return r
}

func waitUntil(t *testing.T, within time.Duration, what string, cond func() bool) time.Time {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Now()
}

func TestOneOwnerAndHandover(t *testing.T) {
	tests := []struct {
		name string
		ttl  time.Duration
		// end stops replica a: gracefully or as a crash.
		end func(a *replica)
		// within is how soon b must take over after a ends.
		within time.Duration
		// bClaims: b asked for the lease itself; otherwise it learns of it
		// from the bucket.
		bClaims bool
	}{
		// Released at once: well before the lease could expire (a renews
		// every TTL/3, so expiry comes at least 2/3 TTL after the close).
		// A long TTL leaves a loaded machine time for the release's round
		// trips without blurring the two.
		{"graceful close releases at once", 6 * time.Second, func(a *replica) { a.set.Close() }, 3 * time.Second, true},
		// Closing a's connection leaves its Set running with every renewal
		// failing, as in a partition; a crashed process behaves the same
		// from the server's side.
		{"cut-off owner stops and is replaced after the TTL", 2 * time.Second, func(a *replica) { a.nc.Close() }, 3 * time.Second, true},
		{"a lease seen in the bucket is taken over unasked", 2 * time.Second, func(a *replica) { a.nc.Close() }, 3 * time.Second, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ttl := tc.ttl
			s, _, _ := natstest.Single(t)
			a := start(t, s, "a", ttl)
			b := start(t, s, "b", ttl)
			ctx := t.Context()

			mine, err := a.set.Claim(ctx, "c1")
			if err != nil || !mine {
				t.Fatalf("a.Claim(c1) = %v, %v; want held", mine, err)
			}
			if tc.bClaims {
				mine, err = b.set.Claim(ctx, "c1")
				if err != nil || mine {
					t.Fatalf("b.Claim(c1) = %v, %v; want held by a", mine, err)
				}
			}
			waitUntil(t, time.Second, "b sees a as owner", func() bool { return b.set.Owner("c1") == "a" })
			// Several renewals later a still holds it and b never ran.
			time.Sleep(ttl + ttl/2)
			if !a.set.Holds("c1") || b.set.Holds("c1") || len(b.termsOf("c1")) != 0 {
				t.Fatalf("after renewals: a holds %v, b holds %v, b terms %v", a.set.Holds("c1"), b.set.Holds("c1"), b.termsOf("c1"))
			}

			ended := time.Now()
			tc.end(a)
			took := waitUntil(t, tc.within, "b takes over", func() bool { return b.running("c1") }).Sub(ended)
			t.Logf("handover took %s", took.Round(time.Millisecond))
			at := b.termsOf("c1")[0][0]
			waitUntil(t, time.Second, "a stops", func() bool { return !a.running("c1") })
			aStop := a.termsOf("c1")[0][1]
			if !aStop.Before(at) {
				t.Errorf("a's work stopped at %s, after b's began at %s: two owners at once", aStop.Format(time.StampMilli), at.Format(time.StampMilli))
			}
		})
	}
}

func TestLookup(t *testing.T) {
	s, _, js := natstest.Single(t)
	ctx := t.Context()
	if h, err := lease.Lookup(ctx, js, "c1"); h != "" || err != nil {
		t.Fatalf("before any replica: %q, %v; want none", h, err)
	}
	a := start(t, s, "a", 2*time.Second)
	if mine, err := a.set.Claim(ctx, "c1"); !mine || err != nil {
		t.Fatalf("Claim: %v, %v", mine, err)
	}
	for name, want := range map[string]string{"c1": "a", "c2": ""} {
		if h, err := lease.Lookup(ctx, js, name); h != want || err != nil {
			t.Errorf("Lookup(%s) = %q, %v; want %q", name, h, err, want)
		}
	}
	a.set.Close()
	if h, err := lease.Lookup(ctx, js, "c1"); h != "" || err != nil {
		t.Errorf("after release: %q, %v; want none", h, err)
	}
}

// A renewal can land in the bucket without the Set learning its revision
// (Close cancelled it after the server stored it, or its reply came after
// Close took the lease from the held set): Close still releases the lease
// instead of leaving it to expire.
func TestCloseReleasesAfterUnseenRenewal(t *testing.T) {
	s, _, js := natstest.Single(t)
	ctx := t.Context()
	for i := range 5 {
		name := fmt.Sprintf("c%d", i) // a round's own lease: earlier rounds' watchers see none of it
		a := start(t, s, "a", time.Minute)
		if mine, err := a.set.Claim(ctx, name); !mine || err != nil {
			t.Fatalf("Claim: %v, %v", mine, err)
		}
		kv, err := js.KeyValue(ctx, lease.Bucket)
		if err != nil {
			t.Fatal(err)
		}
		e, err := kv.Get(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		// The renewal a's Set has not heard of, then Close at once.
		if _, err := kv.Update(ctx, name, []byte("a"), e.Revision()); err != nil {
			t.Fatal(err)
		}
		a.set.Close()
		if h, err := lease.Lookup(ctx, js, name); h != "" || err != nil {
			t.Fatalf("round %d, after Close: lease held by %q (%v), want released", i, h, err)
		}
	}
}
