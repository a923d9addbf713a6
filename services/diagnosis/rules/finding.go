package rules

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis/josa"
)

// Severities, shortened for rule tables.
const (
	info     = kubemedicv1.Severity_SEVERITY_INFO
	warning  = kubemedicv1.Severity_SEVERITY_WARNING
	errorSev = kubemedicv1.Severity_SEVERITY_ERROR
	critical = kubemedicv1.Severity_SEVERITY_CRITICAL
)

// object names a Kubernetes object for a finding.
type object struct {
	apiVersion, kind string
	meta             metav1.Object
}

func obj(apiVersion, kind string, m metav1.Object) object {
	return object{apiVersion: apiVersion, kind: kind, meta: m}
}

// newFinding starts a finding about o.
func newFinding(in *Input, o object, code, reason string, sev kubemedicv1.Severity) *kubemedicv1.Finding {
	return &kubemedicv1.Finding{
		Object: &kubemedicv1.ObjectRef{
			Cluster:    in.Cluster,
			ApiVersion: o.apiVersion,
			Kind:       o.kind,
			Namespace:  o.meta.GetNamespace(),
			Name:       o.meta.GetName(),
			Uid:        string(o.meta.GetUID()),
		},
		Code:      code,
		SubReason: reason,
		Severity:  sev,
	}
}

// lt builds a LocalizedText. Korean text is written with paired particles
// after names ("노드 %s이(가)"); josa.Resolve picks the form that fits each
// name.
func lt(ko, en string) *kubemedicv1.LocalizedText {
	return &kubemedicv1.LocalizedText{Ko: josa.Resolve(ko), En: en}
}

// say sets a finding's title and summary.
func say(f *kubemedicv1.Finding, titleKo, titleEn, summaryKo, summaryEn string) *kubemedicv1.Finding {
	f.Title = lt(titleKo, titleEn)
	f.Summary = lt(summaryKo, summaryEn)
	return f
}

func ts(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// eventEvidence turns events into evidence, newest first by last timestamp
// order as given; at most max events.
func eventEvidence(events []*corev1.Event, max int, keep func(*corev1.Event) bool) []*kubemedicv1.Evidence {
	var out []*kubemedicv1.Evidence
	for _, e := range events {
		if keep != nil && !keep(e) {
			continue
		}
		count := e.Count
		if count == 0 {
			count = 1
		}
		at := e.LastTimestamp.Time
		if at.IsZero() {
			at = e.EventTime.Time
		}
		if at.IsZero() {
			at = e.CreationTimestamp.Time
		}
		out = append(out, &kubemedicv1.Evidence{
			Type:       kubemedicv1.EvidenceType_EVIDENCE_TYPE_EVENT,
			Reason:     e.Reason,
			Message:    e.Message,
			Source:     "event",
			Count:      count,
			ObservedAt: ts(at),
		})
		if len(out) == max {
			break
		}
	}
	return out
}

// warningEvents keeps Warning events with one of reasons (any when empty).
func warningEvents(reasons ...string) func(*corev1.Event) bool {
	return func(e *corev1.Event) bool {
		if e.Type != corev1.EventTypeWarning {
			return false
		}
		if len(reasons) == 0 {
			return true
		}
		for _, r := range reasons {
			if e.Reason == r {
				return true
			}
		}
		return false
	}
}

func conditionEvidence(source, condType, status, reason, message string, at time.Time) *kubemedicv1.Evidence {
	r := condType
	if reason != "" {
		r = condType + "/" + reason
	}
	msg := fmt.Sprintf("%s=%s", condType, status)
	if message != "" {
		msg += ": " + message
	}
	return &kubemedicv1.Evidence{
		Type:       kubemedicv1.EvidenceType_EVIDENCE_TYPE_CONDITION,
		Reason:     r,
		Message:    msg,
		Source:     source,
		Count:      1,
		ObservedAt: ts(at),
	}
}

func fieldEvidence(source, reason, message string) *kubemedicv1.Evidence {
	return &kubemedicv1.Evidence{
		Type:    kubemedicv1.EvidenceType_EVIDENCE_TYPE_FIELD,
		Reason:  reason,
		Message: message,
		Source:  source,
		Count:   1,
	}
}

func containerEvidence(source, reason, message string, at time.Time) *kubemedicv1.Evidence {
	return &kubemedicv1.Evidence{
		Type:       kubemedicv1.EvidenceType_EVIDENCE_TYPE_CONTAINER_STATE,
		Reason:     reason,
		Message:    message,
		Source:     source,
		Count:      1,
		ObservedAt: ts(at),
	}
}

// Typed actions.

func cordonAction(in *Input, node string) *kubemedicv1.Action {
	return &kubemedicv1.Action{Cluster: in.Cluster, Kind: &kubemedicv1.Action_Cordon{Cordon: &kubemedicv1.CordonAction{Node: node}}}
}

func drainAction(in *Input, node string) *kubemedicv1.Action {
	return &kubemedicv1.Action{Cluster: in.Cluster, Kind: &kubemedicv1.Action_Drain{Drain: &kubemedicv1.DrainAction{Node: node}}}
}

func uncordonAction(in *Input, node string) *kubemedicv1.Action {
	return &kubemedicv1.Action{Cluster: in.Cluster, Kind: &kubemedicv1.Action_Uncordon{Uncordon: &kubemedicv1.UncordonAction{Node: node}}}
}

func scaleAction(in *Input, ns, kind, name string, replicas int32) *kubemedicv1.Action {
	return &kubemedicv1.Action{Cluster: in.Cluster, Kind: &kubemedicv1.Action_Scale{Scale: &kubemedicv1.ScaleAction{
		Namespace: ns, Kind: kind, Name: name, Replicas: replicas,
	}}}
}

func restartAction(in *Input, ns, kind, name string) *kubemedicv1.Action {
	return &kubemedicv1.Action{Cluster: in.Cluster, Kind: &kubemedicv1.Action_RolloutRestart{RolloutRestart: &kubemedicv1.RolloutRestartAction{
		Namespace: ns, Kind: kind, Name: name,
	}}}
}

func patchConfigMapAction(in *Input, ns, name string, set map[string]string) *kubemedicv1.Action {
	return &kubemedicv1.Action{Cluster: in.Cluster, Kind: &kubemedicv1.Action_PatchConfigMap{PatchConfigMap: &kubemedicv1.PatchConfigMapAction{
		Namespace: ns, Name: name, Set: set,
	}}}
}
