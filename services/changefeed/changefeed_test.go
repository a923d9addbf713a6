package changefeed_test

import (
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/platform/embeddednats"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/changefeed"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func jetStream(t *testing.T) jetstream.JetStream {
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
	return js
}

func change(kind, ns, name, rv string, typ kubemedicv1.ChangeType) *kubemedicv1.ObjectChange {
	return &kubemedicv1.ObjectChange{Kind: kind, Namespace: ns, Name: name, Uid: "uid-" + name, ResourceVersion: rv, Type: typ}
}

// TestCoalesce: a lone change after a quiet window goes out on its own at
// once; a burst right after it (50 updates of one pod, one of a node, one of
// a pod in another cluster) is one batch per cluster, one entry per object,
// the latest change winning; LastSequence then names that batch.
func TestCoalesce(t *testing.T) {
	js := jetStream(t)
	ctx := t.Context()
	// A window far longer than the test's own steps, so the burst surely
	// falls inside it.
	p, err := changefeed.NewPublisher(ctx, changefeed.PublisherOptions{JetStream: js, Window: time.Second, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan changefeed.Batch, 10)
	stop, err := changefeed.Subscribe(ctx, js, "prod", quiet, func(b changefeed.Batch) { got <- b })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	p.Change("prod", change("Pod", "shop", "lone", "1", kubemedicv1.ChangeType_CHANGE_TYPE_ADDED))
	select {
	case b := <-got:
		if len(b.GetChanges()) != 1 || b.GetChanges()[0].GetName() != "lone" {
			t.Fatalf("first batch = %v, want the lone change alone", b.GetChanges())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the lone change was not published")
	}
	for i := range 50 {
		p.Change("prod", change("Pod", "shop", "web-1", fmt.Sprint(100+i), kubemedicv1.ChangeType_CHANGE_TYPE_UPDATED))
	}
	p.Change("prod", change("Node", "", "node-1", "7", kubemedicv1.ChangeType_CHANGE_TYPE_UPDATED))
	p.Change("prod", change("Pod", "shop", "web-1", "200", kubemedicv1.ChangeType_CHANGE_TYPE_DELETED))
	p.Change("staging", change("Pod", "shop", "web-1", "5", kubemedicv1.ChangeType_CHANGE_TYPE_ADDED))
	p.Close()

	var b changefeed.Batch
	select {
	case b = <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("no batch within 5s")
	}
	if b.GetCluster() != "prod" || len(b.GetChanges()) != 2 {
		t.Fatalf("batch of %s with %d changes, want prod with 2: %v", b.GetCluster(), len(b.GetChanges()), b.GetChanges())
	}
	web := b.GetChanges()[0]
	if web.GetName() != "web-1" || web.GetResourceVersion() != "200" || web.GetType() != kubemedicv1.ChangeType_CHANGE_TYPE_DELETED {
		t.Errorf("coalesced web-1 change = %v, want the latest (deleted at 200)", web)
	}
	if n := b.GetChanges()[1]; n.GetKind() != "Node" || n.GetName() != "node-1" {
		t.Errorf("second change = %v, want node-1", n)
	}
	select {
	case extra := <-got:
		t.Fatalf("subscriber of prod got another batch: %v", extra)
	case <-time.After(200 * time.Millisecond):
	}
	seq, err := changefeed.LastSequence(ctx, js, "prod")
	if err != nil || seq != b.Sequence {
		t.Errorf("LastSequence(prod) = %d, %v; want %d", seq, err, b.Sequence)
	}
	if seq, err := changefeed.LastSequence(ctx, js, "dev"); err != nil || seq != 0 {
		t.Errorf("LastSequence(dev) = %d, %v; want 0", seq, err)
	}
}

// TestSplit checks that a batch bigger than MaxBatch goes out in pieces.
func TestSplit(t *testing.T) {
	js := jetStream(t)
	ctx := t.Context()
	p, err := changefeed.NewPublisher(ctx, changefeed.PublisherOptions{JetStream: js, MaxBatch: 100, Window: time.Second, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan changefeed.Batch, 10)
	stop, err := changefeed.Subscribe(ctx, js, "", quiet, func(b changefeed.Batch) { got <- b })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	// A lone change goes out at once; the 250 after it, inside the window,
	// are one batch sent in pieces.
	p.Change("prod", change("Pod", "shop", "lone", "1", kubemedicv1.ChangeType_CHANGE_TYPE_ADDED))
	select {
	case b := <-got:
		if len(b.GetChanges()) != 1 {
			t.Fatalf("first batch has %d changes, want the lone one", len(b.GetChanges()))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the lone change was not published")
	}
	for i := range 250 {
		p.Change("prod", change("Pod", "shop", fmt.Sprintf("web-%d", i), "1", kubemedicv1.ChangeType_CHANGE_TYPE_ADDED))
	}
	p.Close()
	var sizes []int
	for len(sizes) < 3 {
		select {
		case b := <-got:
			sizes = append(sizes, len(b.GetChanges()))
		case <-time.After(5 * time.Second):
			t.Fatalf("got batches of %v, want 100, 100, 50", sizes)
		}
	}
	if sizes[0] != 100 || sizes[1] != 100 || sizes[2] != 50 {
		t.Errorf("batches of %v, want 100, 100, 50", sizes)
	}
}
