package action

import (
	"context"
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/remediation/access"
	"github.com/kubemedic/kubemedic/services/remediation/guard"
	"github.com/kubemedic/kubemedic/services/remediation/policy"
)

// DeletePod deletes one pod, with its own grace period, so its controller
// re-creates it. The delete carries a UID precondition: a pod re-created
// under the same name since the plan is left alone. A pod no controller owns
// is refused (it would not come back). A delete cannot be undone.
type DeletePod struct {
	// Namespace and Name locate the pod. Required.
	Namespace, Name string
}

func newDeletePod(a *kubemedicv1.DeletePodAction) (*DeletePod, error) {
	if err := checkNamespaced(a.GetNamespace(), a.GetName()); err != nil {
		return nil, err
	}
	return &DeletePod{Namespace: a.GetNamespace(), Name: a.GetName()}, nil
}

type podState struct {
	UID string `json:"uid"`
}

// Type implements Action.
func (d *DeletePod) Type() string { return "delete-pod" }

// Target implements Action.
func (d *DeletePod) Target() policy.Target {
	return policy.Target{Kind: "Pod", Namespace: d.Namespace, Name: d.Name}
}

// Permissions implements Action.
func (d *DeletePod) Permissions() []access.Permission {
	return []access.Permission{{Verb: "delete", Resource: "pods", Namespace: d.Namespace, Name: d.Name}}
}

// Plan implements Action.
func (d *DeletePod) Plan(ctx context.Context, env Env) (*Planned, error) {
	pod, err := env.Reader.CoreV1().Pods(d.Namespace).Get(ctx, d.Name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading pod %s/%s: %w", d.Namespace, d.Name, err)
	}
	p := &Planned{
		Target:          Ref{APIVersion: "v1", Kind: "Pod", Namespace: d.Namespace, Name: d.Name, UID: string(pod.UID)},
		ResourceVersion: pod.ResourceVersion,
		PodsAffected:    1,
		DryRunOK:        true,
	}
	owner := metav1.GetControllerOf(pod)
	if owner == nil {
		p.Verdicts = append(p.Verdicts, guard.Refuse("unreplicated-pod",
			"파드 "+d.Namespace+"/"+d.Name+"를 관리하는 컨트롤러가 없어 삭제하면 다시 만들어지지 않습니다",
			"pod "+d.Namespace+"/"+d.Name+" has no controller; deleting it would lose it for good"))
		p.SummaryKo, p.SummaryEn = "파드 1개 삭제 (다시 만들어지지 않음)", "1 pod deleted (not re-created)"
	} else {
		p.Verdicts = append(p.Verdicts, guard.Allow("unreplicated-pod",
			owner.Kind+" "+owner.Name+"이(가) 파드를 다시 만듭니다", owner.Kind+" "+owner.Name+" re-creates the pod"))
		p.SummaryKo = fmt.Sprintf("파드 %s/%s 삭제; %s %s이(가) 새 파드를 만듭니다", d.Namespace, d.Name, owner.Kind, owner.Name)
		p.SummaryEn = fmt.Sprintf("pod %s/%s deleted; %s %s creates a replacement", d.Namespace, d.Name, owner.Kind, owner.Name)
	}
	if err := d.delete(ctx, env, pod.UID, dryRunAll); err != nil {
		p.DryRunOK, p.DryRunMessage = false, dryRunNote(err)
	}
	p.Diff = unifiedDiff("pod/"+d.Namespace+"/"+d.Name, pod, nil)
	if p.State, err = encodeState(podState{UID: string(pod.UID)}); err != nil {
		return nil, err
	}
	return p, nil
}

func (d *DeletePod) delete(ctx context.Context, env Env, uid types.UID, dryRun []string) error {
	return env.Writer.CoreV1().Pods(d.Namespace).Delete(ctx, d.Name, metav1.DeleteOptions{
		DryRun:        dryRun,
		Preconditions: &metav1.Preconditions{UID: &uid},
	})
}

// Execute implements Action.
func (d *DeletePod) Execute(ctx context.Context, env Env, raw json.RawMessage, progress Progress) (*Outcome, error) {
	var st podState
	if err := decodeState(raw, &st); err != nil {
		return nil, err
	}
	if err := d.delete(ctx, env, types.UID(st.UID), nil); err != nil {
		if isConflict(err) && !errDenied(err) {
			return nil, stale("파드 %s/%s가 계획 이후 다시 만들어졌거나 사라졌습니다 (UID %s).", "pod %s/%s was re-created or removed since the plan (UID %s)", d.Namespace, d.Name, st.UID)
		}
		return nil, err
	}
	ref := Ref{APIVersion: "v1", Kind: "Pod", Namespace: d.Namespace, Name: d.Name, UID: st.UID}
	progress(Step{Object: &ref, Ko: "파드 " + d.Namespace + "/" + d.Name + " 삭제 요청 완료", En: "deleted pod " + d.Namespace + "/" + d.Name})
	return &Outcome{}, nil
}
