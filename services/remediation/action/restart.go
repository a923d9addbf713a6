package action

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/remediation/access"
	"github.com/kubemedic/kubemedic/services/remediation/guard"
	"github.com/kubemedic/kubemedic/services/remediation/policy"
)

// RestartedAtAnnotation is the pod-template annotation `kubectl rollout
// restart` sets; kubemedic sets the same one.
const RestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"

// RolloutRestart restarts a workload's pods through its rollout strategy by
// changing a pod-template annotation. The patch tests the workload's
// generation, so a spec changed since the plan is not rolled out blindly.
// A restart cannot be undone.
type RolloutRestart struct {
	// Namespace and Name locate the workload. Required.
	Namespace, Name string
	// Kind is Deployment, StatefulSet or DaemonSet. Required.
	Kind string
}

func newRolloutRestart(a *kubemedicv1.RolloutRestartAction) (*RolloutRestart, error) {
	if err := checkNamespaced(a.GetNamespace(), a.GetName()); err != nil {
		return nil, err
	}
	kind := a.GetKind()
	if kind == "" {
		kind = "Deployment"
	}
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet":
	default:
		return nil, invalid("rollout_restart.kind %q: Deployment, StatefulSet, DaemonSet만 가능합니다", "rollout_restart.kind %q: want Deployment, StatefulSet or DaemonSet", kind)
	}
	return &RolloutRestart{Namespace: a.GetNamespace(), Name: a.GetName(), Kind: kind}, nil
}

type restartState struct {
	Generation int64 `json:"generation"`
	Patch      Patch `json:"patch"`
}

// Type implements Action.
func (r *RolloutRestart) Type() string { return "rollout-restart" }

// Target implements Action.
func (r *RolloutRestart) Target() policy.Target {
	return policy.Target{Kind: r.Kind, Namespace: r.Namespace, Name: r.Name}
}

func (r *RolloutRestart) resource() string {
	switch r.Kind {
	case "StatefulSet":
		return "statefulsets"
	case "DaemonSet":
		return "daemonsets"
	}
	return "deployments"
}

// Permissions implements Action.
func (r *RolloutRestart) Permissions() []access.Permission {
	return []access.Permission{{Verb: "patch", Group: "apps", Resource: r.resource(), Namespace: r.Namespace, Name: r.Name}}
}

// workload reads the object, its template and its current pod count.
func (r *RolloutRestart) workload(ctx context.Context, env Env) (runtime.Object, *metav1.ObjectMeta, *corev1.PodTemplateSpec, int32, error) {
	apps := env.Reader.AppsV1()
	switch r.Kind {
	case "StatefulSet":
		o, err := apps.StatefulSets(r.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
		if err != nil {
			return nil, nil, nil, 0, err
		}
		return o, &o.ObjectMeta, &o.Spec.Template, o.Status.Replicas, nil
	case "DaemonSet":
		o, err := apps.DaemonSets(r.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
		if err != nil {
			return nil, nil, nil, 0, err
		}
		return o, &o.ObjectMeta, &o.Spec.Template, o.Status.CurrentNumberScheduled, nil
	default:
		o, err := apps.Deployments(r.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
		if err != nil {
			return nil, nil, nil, 0, err
		}
		if o.Spec.Paused {
			return o, &o.ObjectMeta, &o.Spec.Template, o.Status.Replicas, errPaused
		}
		return o, &o.ObjectMeta, &o.Spec.Template, o.Status.Replicas, nil
	}
}

var errPaused = &InvalidError{Ko: "디플로이먼트가 일시 중지(paused) 상태라 재시작이 반영되지 않습니다", En: "the Deployment is paused, so a restart would not roll out"}

func (r *RolloutRestart) patch(ctx context.Context, env Env, body []byte, dryRun []string) (runtime.Object, error) {
	apps := env.Writer.AppsV1()
	opts := metav1.PatchOptions{DryRun: dryRun, FieldManager: fieldManager}
	switch r.Kind {
	case "StatefulSet":
		return apps.StatefulSets(r.Namespace).Patch(ctx, r.Name, types.JSONPatchType, body, opts)
	case "DaemonSet":
		return apps.DaemonSets(r.Namespace).Patch(ctx, r.Name, types.JSONPatchType, body, opts)
	default:
		return apps.Deployments(r.Namespace).Patch(ctx, r.Name, types.JSONPatchType, body, opts)
	}
}

// Plan implements Action.
func (r *RolloutRestart) Plan(ctx context.Context, env Env) (*Planned, error) {
	obj, meta, tmpl, pods, err := r.workload(ctx, env)
	p := &Planned{DryRunOK: true}
	switch {
	case err == errPaused:
		p.Verdicts = append(p.Verdicts, guard.Refuse("workload-state", errPaused.Ko, errPaused.En))
	case err != nil:
		return nil, fmt.Errorf("reading %s %s/%s: %w", r.Kind, r.Namespace, r.Name, err)
	}
	p.Target = Ref{APIVersion: "apps/v1", Kind: r.Kind, Namespace: r.Namespace, Name: r.Name, UID: string(meta.UID)}
	p.ResourceVersion = meta.ResourceVersion
	body := Patch{op("test", "/metadata/generation", meta.Generation)}
	if tmpl.Annotations == nil {
		body = append(body, op("add", "/spec/template/metadata/annotations", map[string]string{}))
	}
	body = append(body, op("add", "/spec/template/metadata/annotations/"+pointer(RestartedAtAnnotation), time.Now().UTC().Format(time.RFC3339)))
	after, err := r.patch(ctx, env, body.bytes(), dryRunAll)
	if err != nil {
		p.DryRunOK, p.DryRunMessage = false, dryRunNote(err)
		after = obj
	}
	p.Diff = unifiedDiff(r.resource()+"/"+r.Namespace+"/"+r.Name, withoutVersion(obj), withoutVersion(after))
	p.PodsAffected = int(pods)
	p.SummaryKo = fmt.Sprintf("%s %s/%s의 파드 %d개가 롤아웃 전략에 따라 차례로 다시 만들어집니다", r.Kind, r.Namespace, r.Name, pods)
	p.SummaryEn = fmt.Sprintf("the %d pods of %s %s/%s are replaced one by one following its rollout strategy", pods, r.Kind, r.Namespace, r.Name)
	if p.State, err = encodeState(restartState{Generation: meta.Generation, Patch: body}); err != nil {
		return nil, err
	}
	return p, nil
}

// withoutVersion hides the fields a dry-run bumps, so the diff shows only
// the change itself.
func withoutVersion(o runtime.Object) runtime.Object {
	switch v := o.(type) {
	case *appsv1.Deployment:
		c := v.DeepCopy()
		c.ResourceVersion, c.Generation = "", 0
		return c
	case *appsv1.StatefulSet:
		c := v.DeepCopy()
		c.ResourceVersion, c.Generation = "", 0
		return c
	case *appsv1.DaemonSet:
		c := v.DeepCopy()
		c.ResourceVersion, c.Generation = "", 0
		return c
	}
	return o
}

// Execute implements Action.
func (r *RolloutRestart) Execute(ctx context.Context, env Env, raw json.RawMessage, progress Progress) (*Outcome, error) {
	var st restartState
	if err := decodeState(raw, &st); err != nil {
		return nil, err
	}
	if _, err := r.patch(ctx, env, st.Patch.bytes(), nil); err != nil {
		if isConflict(err) && !errDenied(err) {
			return nil, stale("%s %s/%s의 spec이 계획 이후 바뀌었습니다 (generation %d).", "the spec of %s %s/%s changed since the plan (generation %d)", r.Kind, r.Namespace, r.Name, st.Generation)
		}
		return nil, err
	}
	ref := Ref{APIVersion: "apps/v1", Kind: r.Kind, Namespace: r.Namespace, Name: r.Name}
	progress(Step{Object: &ref, Ko: r.Kind + " " + r.Namespace + "/" + r.Name + " 재시작 시작", En: "restart of " + r.Kind + " " + r.Namespace + "/" + r.Name + " started"})
	return &Outcome{}, nil
}
