package cluster

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// EventIndex is the name of the informer index over events' involved
// objects; an informer-backed State registers EventIndexFunc under it and
// looks events up with EventKey.
const EventIndex = "involvedObject"

// EventKey is the index key of the events involving one object.
func EventKey(kind, namespace, name string) string {
	return kind + "/" + namespace + "/" + name
}

// EventIndexFunc indexes a *corev1.Event by EventKey of its involved object.
// It has the signature of client-go's cache.IndexFunc.
func EventIndexFunc(obj any) ([]string, error) {
	e, ok := obj.(*corev1.Event)
	if !ok {
		return nil, fmt.Errorf("cluster: event index got %T, want *v1.Event", obj)
	}
	io := e.InvolvedObject
	return []string{EventKey(io.Kind, io.Namespace, io.Name)}, nil
}
