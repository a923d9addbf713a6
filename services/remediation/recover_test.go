package remediation

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"

	"github.com/kubemedic/kubemedic/platform/embeddednats"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/remediation/store"
)

// An execution whose process died mid-way is never left running: a
// non-drain action (its single write may or may not have happened) is
// marked failed with a message to check the target, its locks are freed,
// and the audit trail records the end.
func TestDeadProcessExecutionIsClosed(t *testing.T) {
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
	ctx := t.Context()
	svc, err := New(ctx, Options{
		Clusters:  map[string]*rest.Config{},
		JetStream: js,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Heartbeat: 100 * time.Millisecond,
		Instance:  "replica-2",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	// The cluster is known by name; the Event goes to a fake clientset.
	svc.clusters["prod"] = &cluster{name: "prod", config: &rest.Config{}, client: fake.NewClientset()}

	a := &kubemedicv1.Action{Cluster: "prod", Kind: &kubemedicv1.Action_Scale{Scale: &kubemedicv1.ScaleAction{Namespace: "shop", Name: "web", Replicas: 3}}}
	ab, _ := proto.Marshal(a)
	ib, _ := proto.Marshal(&kubemedicv1.Identity{KubernetesUser: "alice"})
	lock := "target." + store.Key("prod", "Deployment", "shop", "web")
	if err := svc.store.TryLock(ctx, lock, store.Holder{ExecutionID: "x-dead", What: "scale"}); err != nil {
		t.Fatal(err)
	}
	rec := &executionRecord{Action: ab, Executor: ib, Locks: []string{lock}, Owner: "replica-1", Heartbeat: time.Now().Add(-time.Minute)}
	if err := rec.encode(&kubemedicv1.Execution{Id: "x-dead", PlanId: "p-1", State: kubemedicv1.ExecutionState_EXECUTION_STATE_RUNNING, StartedAt: timestamppb.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := store.PutExecution(ctx, svc.store, "x-dead", rec); err != nil {
		t.Fatal(err)
	}
	// A live execution of another replica is left alone.
	live := *rec
	live.Heartbeat = time.Now().Add(time.Hour)
	if err := store.PutExecution(ctx, svc.store, "x-live", &live); err != nil {
		t.Fatal(err)
	}

	deadline := time.Now().Add(10 * time.Second)
	for {
		_, e, err := svc.loadExecution(ctx, "x-dead")
		if err != nil {
			t.Fatal(err)
		}
		if e.GetState() == kubemedicv1.ExecutionState_EXECUTION_STATE_FAILED {
			if !strings.Contains(e.GetError(), "stopped mid-way") || !strings.Contains(e.GetError(), "프로세스가 멈췄습니다") {
				t.Errorf("error %q", e.GetError())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dead execution still %v", e.GetState())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if h, _ := svc.store.Holder(ctx, lock); h != nil {
		t.Errorf("lock still held by %+v", h)
	}
	if _, e, _ := svc.loadExecution(ctx, "x-live"); e.GetState() != kubemedicv1.ExecutionState_EXECUTION_STATE_RUNNING {
		t.Errorf("a live execution was taken over: %v", e.GetState())
	}
	resp, err := svc.ListAudit(ctx, &kubemedicv1.ListAuditRequest{PlanId: "p-1"})
	if err != nil || len(resp.GetRecords()) != 1 || resp.GetRecords()[0].GetType() != kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_EXECUTION_FINISHED {
		t.Errorf("audit %v (%v), want one EXECUTION_FINISHED", resp.GetRecords(), err)
	}
}
