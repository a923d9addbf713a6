package sweep_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/fleet/natstest"
	"github.com/kubemedic/kubemedic/services/fleet/sweep"
)

// A JetStream API request that nobody answers is what a client sees while
// the NATS node leading a stream has died and its raft group has not
// elected another: TestScaleOut once waited its whole 5 minutes in Watch
// for the key watcher ("watching sweep …: context deadline exceeded") while
// every result was stored. Here the watching replica may not create
// consumers on the sweeps bucket at all (its requests go unanswered, as in
// a failover), so it can never open a key watcher: Watch must still see the
// sweep to its end from the stored results, reporting each cluster once.
func TestWatchFinishesWithoutKeyWatcher(t *testing.T) {
	consumerCreate := "$JS.API.CONSUMER.CREATE.KV_" + sweep.Bucket
	s := natstest.Start(t, &server.Options{ServerName: "acl", Users: []*server.User{
		{Username: "worker", Password: "worker-pw"},
		{Username: "watcher", Password: "watcher-pw", Permissions: &server.Permissions{
			Publish: &server.SubjectPermission{Allow: []string{">"}, Deny: []string{consumerCreate, consumerCreate + ".>"}},
		}},
	}})
	url := func(user, pw string) string {
		return strings.Replace(s.ClientURL(), "nats://", fmt.Sprintf("nats://%s:%s@", user, pw), 1)
	}
	_, workerJS := natstest.Connect(t, url("worker", "worker-pw"))
	_, watcherJS := natstest.Connect(t, url("watcher", "watcher-pw"))

	f := &fleet{findings: map[string][]string{"prod-a": {"web"}}, hang: map[string]bool{"prod-c": true}}
	worker := newManager(t, workerJS, f, sweep.Options{Worker: "worker", ClusterTimeout: 500 * time.Millisecond})
	watcher := newManager(t, watcherJS, f, sweep.Options{Worker: "watcher"})
	work(t, worker)

	rec, err := watcher.Start(t.Context(), sweep.Request{Selector: "env=prod"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var progress []string
	done, err := watcher.Watch(ctx, rec.GetId(), func(p *kubemedicv1.SweepProgress) error {
		progress = append(progress, p.GetCluster())
		return nil
	})
	if err != nil {
		t.Fatalf("sweep %s did not finish: %v", rec.GetId(), err)
	}
	if done.GetState() != kubemedicv1.SweepState_SWEEP_STATE_PARTIAL {
		t.Errorf("state = %s, want PARTIAL (prod-c hangs)", done.GetState())
	}
	slices.Sort(progress)
	if got := strings.Join(progress, " "); got != "prod-a prod-b prod-c" {
		t.Errorf("progress reported for %q, want each of prod-a prod-b prod-c once", got)
	}
	if names(done.GetNewFindings()) != "prod-a/web" {
		t.Errorf("new findings %q, want prod-a/web", names(done.GetNewFindings()))
	}
	// Get needs no key watcher either.
	got, err := watcher.Get(ctx, rec.GetId())
	if err != nil || got.GetState() != done.GetState() {
		t.Errorf("Get: %v, %v", got.GetState(), err)
	}
}
