package audit

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// EventSource is the reporting component of kubemedic's Kubernetes Events.
const EventSource = "kubemedic"

// Event records a Kubernetes Event on obj (Normal or Warning) with the
// service's own client. Events of cluster-scoped objects go to "default",
// where kubectl looks for them.
func Event(ctx context.Context, client kubernetes.Interface, obj *kubemedicv1.ObjectRef, eventType, reason, message string) error {
	ns := obj.GetNamespace()
	if ns == "" {
		ns = metav1.NamespaceDefault
	}
	now := metav1.NewTime(time.Now())
	ev := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{GenerateName: obj.GetName() + ".kubemedic-", Namespace: ns},
		InvolvedObject: corev1.ObjectReference{
			APIVersion: obj.GetApiVersion(),
			Kind:       obj.GetKind(),
			Namespace:  obj.GetNamespace(),
			Name:       obj.GetName(),
			UID:        types.UID(obj.GetUid()),
		},
		Reason:              reason,
		Message:             truncate(message, 1024),
		Type:                eventType,
		Source:              corev1.EventSource{Component: EventSource},
		ReportingController: "kubemedic.io/remediation",
		ReportingInstance:   EventSource,
		FirstTimestamp:      now,
		LastTimestamp:       now,
		Count:               1,
	}
	if _, err := client.CoreV1().Events(ns).Create(ctx, ev, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("recording event %s on %s %s: %w", reason, obj.GetKind(), obj.GetName(), err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary.
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
