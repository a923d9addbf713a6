package snapshotstore_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubemedic/kubemedic/platform/embeddednats"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
	"github.com/kubemedic/kubemedic/services/snapshotstore"
)

// TestLargerThanMaxPayload stores a snapshot several times larger than the
// server's max_payload (incompressible annotations, so gzip cannot shrink it
// below) and reads it back object for object.
func TestLargerThanMaxPayload(t *testing.T) {
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
	store, err := snapshotstore.Open(ctx, js)
	if err != nil {
		t.Fatal(err)
	}

	const pods = 3000
	objs := []runtime.Object{&corev1.Node{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: metav1.ObjectMeta{Name: "node-1"},
		Status:     corev1.NodeStatus{Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("8")}},
	}}
	for i := range pods {
		noise := make([]byte, 512)
		_, _ = rand.Read(noise)
		objs = append(objs, &corev1.Pod{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
			ObjectMeta: metav1.ObjectMeta{
				Name: fmt.Sprintf("web-%d", i), Namespace: "shop",
				Annotations: map[string]string{"noise": hex.EncodeToString(noise)},
			},
			Spec:   corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}}},
			Status: corev1.PodStatus{Phase: corev1.PodPending},
		})
	}
	info, err := snapshotstore.Put(ctx, store, "prod", objs)
	if err != nil {
		t.Fatal(err)
	}
	if max := nc.MaxPayload(); info.Size <= uint64(max) {
		t.Fatalf("snapshot is %d bytes, not larger than max_payload %d: the test proves nothing", info.Size, max)
	}
	t.Logf("snapshot of %d objects: %d bytes in %d chunks (max_payload %d)", len(objs), info.Size, info.Chunks, nc.MaxPayload())

	got, err := snapshotstore.Get(ctx, store, "prod")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(objs) {
		t.Fatalf("read %d objects, want %d", len(got), len(objs))
	}
	st := cluster.New(got...)
	if n := len(st.Pods("shop")); n != pods {
		t.Errorf("state from snapshot has %d pods in shop, want %d", n, pods)
	}
	p := st.Pods("shop")[0]
	want := objs[1].(*corev1.Pod)
	for _, q := range st.Pods("shop") {
		if q.Name == want.Name {
			p = q
		}
	}
	if p.Annotations["noise"] != want.Annotations["noise"] || p.Spec.NodeName != "node-1" || p.Status.Phase != corev1.PodPending {
		t.Errorf("pod %s did not survive the round trip: %+v", want.Name, p.ObjectMeta)
	}
	if n := st.Node("node-1"); n == nil || n.Status.Allocatable.Cpu().String() != "8" {
		t.Errorf("node-1 did not survive the round trip: %+v", n)
	}

	if _, err := snapshotstore.Get(ctx, store, "nope"); !errors.Is(err, snapshotstore.ErrNotFound) {
		t.Errorf("Get of a missing snapshot: %v, want ErrNotFound", err)
	}
	if _, err := snapshotstore.Put(ctx, store, "bad", []runtime.Object{&corev1.Pod{}}); err == nil {
		t.Error("Put of an object without kind succeeded")
	}
}
