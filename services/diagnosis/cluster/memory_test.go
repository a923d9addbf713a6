package cluster

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func ev(name, kind, ns, obj string, uid types.UID) *corev1.Event {
	return &corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		InvolvedObject: corev1.ObjectReference{Kind: kind, Namespace: ns, Name: obj, UID: uid}}
}

func TestEventsMatchKindNamespaceNameAndUID(t *testing.T) {
	m := New(
		ev("e1", "Pod", "a", "web", "u1"),
		ev("e2", "Pod", "a", "web", "old-uid"), // the previous pod named web
		ev("e3", "Service", "a", "web", "u9"),  // same name, other kind
		ev("e4", "Pod", "b", "web", "u1"),      // same name, other namespace
		ev("e5", "Pod", "a", "web", ""),        // no uid recorded
	)
	tests := []struct {
		kind, ns, name string
		uid            types.UID
		want           []string
	}{
		{"Pod", "a", "web", "u1", []string{"e1", "e5"}},
		{"Pod", "a", "web", "", []string{"e1", "e2", "e5"}},
		{"Service", "a", "web", "", []string{"e3"}},
		{"Deployment", "a", "web", "", nil},
	}
	for _, tc := range tests {
		var got []string
		for _, e := range m.Events(tc.kind, tc.ns, tc.name, tc.uid) {
			got = append(got, e.Name)
		}
		if len(got) != len(tc.want) {
			t.Errorf("Events(%s %s/%s %s) = %v, want %v", tc.kind, tc.ns, tc.name, tc.uid, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("Events(%s %s/%s %s) = %v, want %v", tc.kind, tc.ns, tc.name, tc.uid, got, tc.want)
			}
		}
	}
}

func TestMemoryListsGetsAndLastWins(t *testing.T) {
	p1 := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "b", Name: "x"}}
	p2 := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "y"}}
	p3 := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "y", UID: "new"}}
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "s"}, Data: map[string][]byte{"k": []byte("v")}}
	slice := &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "web-abc",
		Labels: map[string]string{discoveryv1.LabelServiceName: "web"}}}
	m := New(p1, p2, p3, sec, slice, &corev1.ServiceAccount{})
	all := m.Pods("")
	if len(all) != 2 || all[0].Namespace != "a" || all[0].UID != "new" {
		t.Fatalf("Pods(\"\") = %v", all)
	}
	if len(m.Pods("b")) != 1 || len(m.Pods("zz")) != 0 {
		t.Error("per-namespace lists wrong")
	}
	if m.Secret("a", "s") == nil || m.Secret("a", "nope") != nil {
		t.Error("secret lookup wrong")
	}
	if len(m.EndpointSlices("a", "web")) != 1 {
		t.Error("endpoint slice not indexed by service")
	}
	if m.Len() != 4 {
		t.Errorf("Len = %d, want 4 (unsupported kinds ignored)", m.Len())
	}
}
