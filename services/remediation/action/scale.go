package action

import (
	"context"
	"encoding/json"
	"fmt"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/remediation/access"
	"github.com/kubemedic/kubemedic/services/remediation/guard"
	"github.com/kubemedic/kubemedic/services/remediation/policy"
)

// Scale sets the replicas of a Deployment or StatefulSet through its scale
// subresource, only while the replica count (and UID) are those seen at
// plan time.
type Scale struct {
	// Namespace and Name locate the workload. Required.
	Namespace, Name string
	// Kind is Deployment or StatefulSet. Required.
	Kind string
	// Replicas is the desired count, 0 or more. Required.
	Replicas int32
}

func newScale(a *kubemedicv1.ScaleAction) (*Scale, error) {
	if err := checkNamespaced(a.GetNamespace(), a.GetName()); err != nil {
		return nil, err
	}
	kind := a.GetKind()
	if kind == "" {
		kind = "Deployment"
	}
	if kind != "Deployment" && kind != "StatefulSet" {
		return nil, invalid("scale.kind %q: Deployment 또는 StatefulSet만 가능합니다", "scale.kind %q: want Deployment or StatefulSet", kind)
	}
	if a.GetReplicas() < 0 {
		return nil, invalid("scale.replicas %d: 0 이상이어야 합니다", "scale.replicas %d: want 0 or more", a.GetReplicas())
	}
	return &Scale{Namespace: a.GetNamespace(), Name: a.GetName(), Kind: kind, Replicas: a.GetReplicas()}, nil
}

type scaleState struct {
	Replicas int32  `json:"replicas"`
	UID      string `json:"uid"`
}

// Type implements Action.
func (s *Scale) Type() string { return "scale" }

// Target implements Action.
func (s *Scale) Target() policy.Target {
	return policy.Target{Kind: s.Kind, Namespace: s.Namespace, Name: s.Name}
}

func (s *Scale) resource() string {
	if s.Kind == "StatefulSet" {
		return "statefulsets"
	}
	return "deployments"
}

// Permissions implements Action.
func (s *Scale) Permissions() []access.Permission {
	return []access.Permission{{Verb: "update", Group: "apps", Resource: s.resource(), Subresource: "scale", Namespace: s.Namespace, Name: s.Name}}
}

func (s *Scale) get(ctx context.Context, env Env) (*autoscalingv1.Scale, error) {
	if s.Kind == "StatefulSet" {
		return env.Reader.AppsV1().StatefulSets(s.Namespace).GetScale(ctx, s.Name, metav1.GetOptions{})
	}
	return env.Reader.AppsV1().Deployments(s.Namespace).GetScale(ctx, s.Name, metav1.GetOptions{})
}

// update writes the scale subresource as the person, under the
// resourceVersion of a fresh read, only while the replica count is still
// from; status updates in between are retried, a changed count is stale.
// (A JSON Patch test op cannot express "replicas is 0": the Scale object
// omits a zero count.)
func (s *Scale) update(ctx context.Context, env Env, from int32, uid string, dryRun []string) (*autoscalingv1.Scale, error) {
	var out *autoscalingv1.Scale
	err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		cur, err := s.get(ctx, env)
		if err != nil {
			return err
		}
		if uid != "" && string(cur.UID) != uid {
			return stale("%s %s/%s이(가) 계획 이후 다시 만들어졌습니다.", "%s %s/%s was re-created since the plan", s.Kind, s.Namespace, s.Name)
		}
		if cur.Spec.Replicas != from {
			return stale("%s %s/%s의 레플리카가 계획 이후 %d에서 %d(으)로 바뀌었습니다.", "%s %s/%s replicas changed since the plan (%d → %d)", s.Kind, s.Namespace, s.Name, from, cur.Spec.Replicas)
		}
		want := cur.DeepCopy()
		want.Spec.Replicas = s.Replicas
		opts := metav1.UpdateOptions{DryRun: dryRun, FieldManager: fieldManager}
		if s.Kind == "StatefulSet" {
			out, err = env.Writer.AppsV1().StatefulSets(s.Namespace).UpdateScale(ctx, s.Name, want, opts)
		} else {
			out, err = env.Writer.AppsV1().Deployments(s.Namespace).UpdateScale(ctx, s.Name, want, opts)
		}
		return err
	})
	return out, err
}

func scaleOf(r *int32, meta metav1.ObjectMeta) *autoscalingv1.Scale {
	sc := &autoscalingv1.Scale{TypeMeta: metav1.TypeMeta{APIVersion: "autoscaling/v1", Kind: "Scale"},
		ObjectMeta: metav1.ObjectMeta{Name: meta.Name, Namespace: meta.Namespace, UID: meta.UID, ResourceVersion: meta.ResourceVersion}}
	if r != nil {
		sc.Spec.Replicas = *r
	}
	return sc
}

// Plan implements Action.
func (s *Scale) Plan(ctx context.Context, env Env) (*Planned, error) {
	cur, err := s.get(ctx, env)
	if err != nil {
		return nil, fmt.Errorf("reading %s %s/%s: %w", s.Kind, s.Namespace, s.Name, err)
	}
	before := scaleOf(&cur.Spec.Replicas, cur.ObjectMeta)
	p := &Planned{
		Target:          Ref{APIVersion: "apps/v1", Kind: s.Kind, Namespace: s.Namespace, Name: s.Name, UID: string(cur.UID)},
		ResourceVersion: cur.ResourceVersion,
		DryRunOK:        true,
	}
	if cur.Spec.Replicas == s.Replicas {
		p.Verdicts = append(p.Verdicts, guard.Refuse("no-change",
			fmt.Sprintf("%s/%s는 이미 레플리카 %d개입니다", s.Namespace, s.Name, s.Replicas),
			fmt.Sprintf("%s/%s already has %d replicas", s.Namespace, s.Name, s.Replicas)))
	}
	after, err := s.update(ctx, env, cur.Spec.Replicas, "", dryRunAll)
	if err != nil {
		p.DryRunOK, p.DryRunMessage = false, dryRunNote(err)
		after = scaleOf(&s.Replicas, cur.ObjectMeta)
	}
	after.ResourceVersion = before.ResourceVersion
	p.Diff = unifiedDiff(fmt.Sprintf("%s/%s/%s scale", s.resource(), s.Namespace, s.Name), before, after)
	diff := s.Replicas - cur.Spec.Replicas
	if diff < 0 {
		diff = -diff
	}
	p.PodsAffected = int(diff)
	p.SummaryKo = fmt.Sprintf("%s %s/%s 레플리카 %d → %d", s.Kind, s.Namespace, s.Name, cur.Spec.Replicas, s.Replicas)
	p.SummaryEn = fmt.Sprintf("%s %s/%s replicas %d → %d", s.Kind, s.Namespace, s.Name, cur.Spec.Replicas, s.Replicas)
	if s.Replicas == 0 {
		p.SummaryKo += " (워크로드가 멈춥니다)"
		p.SummaryEn += " (the workload stops)"
	}
	if p.State, err = encodeState(scaleState{Replicas: cur.Spec.Replicas, UID: string(cur.UID)}); err != nil {
		return nil, err
	}
	return p, nil
}

// Execute implements Action.
func (s *Scale) Execute(ctx context.Context, env Env, raw json.RawMessage, progress Progress) (*Outcome, error) {
	var st scaleState
	if err := decodeState(raw, &st); err != nil {
		return nil, err
	}
	out, err := s.update(ctx, env, st.Replicas, st.UID, nil)
	if err != nil {
		return nil, err
	}
	ref := Ref{APIVersion: "apps/v1", Kind: s.Kind, Namespace: s.Namespace, Name: s.Name, UID: string(out.UID)}
	progress(Step{Object: &ref,
		Ko: fmt.Sprintf("%s/%s 레플리카 %d → %d", s.Namespace, s.Name, st.Replicas, s.Replicas),
		En: fmt.Sprintf("scaled %s/%s from %d to %d replicas", s.Namespace, s.Name, st.Replicas, s.Replicas)})
	return &Outcome{Undo: &kubemedicv1.Action{Cluster: env.Cluster, Kind: &kubemedicv1.Action_Scale{Scale: &kubemedicv1.ScaleAction{
		Namespace: s.Namespace, Kind: s.Kind, Name: s.Name, Replicas: st.Replicas}}}}, nil
}
