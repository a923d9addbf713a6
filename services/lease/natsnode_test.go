package lease_test

import (
	"context"
	"testing"
	"time"

	"github.com/kubemedic/kubemedic/services/fleet/natstest"
	"github.com/kubemedic/kubemedic/services/lease"
)

// TestNATSNodeDies kills the NATS node leading the lease bucket of a 3-node
// cluster (replicas 3): the owner's renewals ride out the leader election
// and it keeps the lease; nobody else ever starts the work.
func TestNATSNodeDies(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-node NATS cluster")
	}
	c := natstest.StartCluster(t, 3)
	urls := c.URLs()
	terms := map[string]int{}
	lost := map[string]int{}
	type ev struct {
		holder string
		start  bool
	}
	evs := make(chan ev, 16)
	mk := func(h string) *lease.Set {
		_, js := natstest.Connect(t, urls...)
		s, err := lease.Open(t.Context(), lease.Options{JetStream: js, Holder: h, Replicas: 3, Logger: quiet,
			Own: func(ctx context.Context, name string) <-chan struct{} {
				evs <- ev{h, true}
				ch := make(chan struct{})
				go func() { <-ctx.Done(); evs <- ev{h, false}; close(ch) }()
				return ch
			}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	a, b := mk("a"), mk("b")
	if ok, err := a.Claim(t.Context(), "c1"); !ok || err != nil {
		t.Fatalf("a.Claim = %v, %v", ok, err)
	}
	if ok, _ := b.Claim(t.Context(), "c1"); ok {
		t.Fatal("b took a held lease")
	}
	_, js := natstest.Connect(t, urls...)
	st, err := js.Stream(t.Context(), "KV_"+lease.Bucket)
	if err != nil {
		t.Fatal(err)
	}
	leader := st.CachedInfo().Cluster.Leader
	for _, s := range c.Servers {
		if s.Name() == leader {
			s.Shutdown()
		}
	}
	deadline := time.After(2 * a.TTL())
	for {
		select {
		case e := <-evs:
			if e.start {
				terms[e.holder]++
			} else {
				lost[e.holder]++
			}
			continue
		case <-deadline:
		}
		break
	}
	t.Logf("killed %s; terms %v, losses %v", leader, terms, lost)
	if terms["a"] != 1 || terms["b"] != 0 || lost["a"] != 0 || !a.Holds("c1") {
		t.Errorf("after the NATS node died: terms %v, losses %v, a holds %v; want a's one term uninterrupted", terms, lost, a.Holds("c1"))
	}
}
