package live

import (
	"bufio"
	"bytes"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/client-go/kubernetes/scheme"
)

// TestDecodePods decodes what the API server's protobuf serializer writes
// and refuses what is not a PodList envelope.
func TestDecodePods(t *testing.T) {
	list := &corev1.PodList{ListMeta: metav1.ListMeta{ResourceVersion: "42", Continue: "x"}}
	for i := range 300 {
		list.Items = append(list.Items, corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("web-%d", i), Namespace: "shop", UID: "u",
				ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubelet"}}},
			Spec:   corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, Message: string(bytes.Repeat([]byte("m"), i*7))},
		})
	}
	var b bytes.Buffer
	if err := protobuf.NewSerializer(scheme.Scheme, scheme.Scheme).Encode(list, &b); err != nil {
		t.Fatal(err)
	}
	encoded := b.Bytes()
	got, err := decodePods(bufio.NewReaderSize(bytes.NewReader(encoded), 16))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(list.Items) {
		t.Fatalf("decoded %d pods, want %d", len(got), len(list.Items))
	}
	for i, o := range got {
		p := o.(*corev1.Pod)
		want := list.Items[i]
		if p.Name != want.Name || p.Spec.NodeName != "n1" || p.Status.Message != want.Status.Message || p.Spec.Containers[0].Image != "nginx" {
			t.Fatalf("pod %d = %s %s %q", i, p.Name, p.Spec.NodeName, p.Status.Message)
		}
		if p.ManagedFields != nil {
			t.Fatalf("pod %d keeps managed fields", i)
		}
	}

	empty := &corev1.PodList{}
	b.Reset()
	if err := protobuf.NewSerializer(scheme.Scheme, scheme.Scheme).Encode(empty, &b); err != nil {
		t.Fatal(err)
	}
	if got, err := decodePods(bufio.NewReader(bytes.NewReader(b.Bytes()))); err != nil || len(got) != 0 {
		t.Errorf("empty list: %v %v", got, err)
	}

	for name, in := range map[string][]byte{
		"json":       []byte(`{"kind":"PodList"}`),
		"truncated":  encoded[:len(encoded)/2],
		"no magic":   encoded[4:],
		"only magic": encoded[:4],
	} {
		if _, err := decodePods(bufio.NewReader(bytes.NewReader(in))); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}
