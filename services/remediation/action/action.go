// Package action holds kubemedic's typed remediation actions, one small type
// per file, in the manner of k8s.io/kubectl/pkg/drain.
//
// Every action has two steps. Plan reads the target with the service's own
// credentials, runs the change as a server-side dry-run (dryRun=All) as the
// person asking, and returns a unified diff of the object, the blast radius,
// guard verdicts and an opaque State. Execute takes that State back and
// applies the change only if the object is still as planned: a JSON Patch
// `test` op on resourceVersion, generation or replicas, a read-check-update
// under the resourceVersion just read, or a UID precondition. Otherwise it
// returns a *StaleError and writes nothing. Execute's Outcome names the
// inverse action (the Undo), built from the recorded pre-image; undo is
// planned and approved like any other action.
package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/kubemedic/kubemedic/platform/config"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/remediation/access"
	"github.com/kubemedic/kubemedic/services/remediation/guard"
	"github.com/kubemedic/kubemedic/services/remediation/policy"
)

// Env is what an action needs to work on one cluster.
type Env struct {
	// Cluster is the kubemedic cluster name. Required.
	Cluster string
	// Reader reads with the service's own credentials. Required.
	Reader kubernetes.Interface
	// Writer writes as the person (an impersonating client). Required.
	Writer kubernetes.Interface
	// Actor is the impersonated Kubernetes user, written into the
	// cordoned-by annotation. Required.
	Actor string
	// Config holds the limits node guards and drains use. Required (use
	// config.Remediation.Defaulted).
	Config config.Remediation
}

// Ref points at one object.
type Ref struct {
	APIVersion, Kind, Namespace, Name, UID string
}

// Proto returns r as an ObjectRef of cluster.
func (r Ref) Proto(cluster string) *kubemedicv1.ObjectRef {
	return &kubemedicv1.ObjectRef{Cluster: cluster, ApiVersion: r.APIVersion, Kind: r.Kind, Namespace: r.Namespace, Name: r.Name, Uid: r.UID}
}

// Planned is the outcome of Plan.
type Planned struct {
	// Target is the object acted on, with its UID.
	Target Ref
	// ResourceVersion is the target's resourceVersion when planned.
	ResourceVersion string
	// Diff is a unified diff of the target, before -> after (YAML).
	Diff string
	// DryRunOK is false when the API server refused the dry-run;
	// DryRunMessage says why (or notes, e.g. a PDB that blocks now).
	DryRunOK      bool
	DryRunMessage string
	// PodsAffected counts pods evicted, deleted, started or restarted.
	PodsAffected int
	// Objects are the objects touched besides the target (e.g. pods).
	Objects []Ref
	// SummaryKo and SummaryEn describe the blast radius in one sentence.
	SummaryKo, SummaryEn string
	// Verdicts are the action's own guard verdicts.
	Verdicts []guard.Verdict
	// State is what Execute needs; opaque JSON stored with the plan.
	State json.RawMessage
}

// Step is one progress report of an execution.
type Step struct {
	// Object is what the step acted on, when any.
	Object *Ref
	// Ko and En describe the step.
	Ko, En string
	// Err is set when the step failed.
	Err string
}

// Progress receives steps as they happen. It must not block for long.
type Progress func(Step)

// Outcome is what Execute did.
type Outcome struct {
	// Undo is the inverse action; nil when the action cannot be undone.
	Undo *kubemedicv1.Action
}

// Action is one typed remediation action.
type Action interface {
	// Type is the action name used in policy, e.g. "drain".
	Type() string
	// Target is the object acted on, for protection checks and locks.
	Target() policy.Target
	// Permissions are the Kubernetes permissions the person needs.
	Permissions() []access.Permission
	// Plan reads, dry-runs and describes the change.
	Plan(ctx context.Context, env Env) (*Planned, error)
	// Execute applies the change if the target is still as planned.
	Execute(ctx context.Context, env Env, state json.RawMessage, progress Progress) (*Outcome, error)
}

// StaleError reports that the target changed since the plan; nothing was
// written. The plan has to be made again.
type StaleError struct {
	// Ko and En say what changed.
	Ko, En string
}

func (e *StaleError) Error() string {
	return e.Ko + " 계획을 다시 만드세요. (" + e.En + "; plan again.)"
}

// InvalidError reports an action that is malformed.
type InvalidError struct{ Ko, En string }

func (e *InvalidError) Error() string { return e.Ko + " (" + e.En + ")" }

func invalid(ko, en string, args ...any) error {
	return &InvalidError{Ko: fmt.Sprintf(ko, args...), En: fmt.Sprintf(en, args...)}
}

func stale(ko, en string, args ...any) error {
	return &StaleError{Ko: fmt.Sprintf(ko, args...), En: fmt.Sprintf(en, args...)}
}

// From turns a proto Action into its typed action, validating every field.
func From(a *kubemedicv1.Action) (Action, error) {
	if a.GetCluster() == "" {
		return nil, invalid("action.cluster가 비어 있습니다", "action.cluster is required")
	}
	if err := checkInputs(a); err != nil {
		return nil, err
	}
	switch k := a.GetKind().(type) {
	case *kubemedicv1.Action_Cordon:
		return newCordon(k.Cordon)
	case *kubemedicv1.Action_Uncordon:
		return newUncordon(k.Uncordon)
	case *kubemedicv1.Action_Drain:
		return newDrain(k.Drain)
	case *kubemedicv1.Action_Scale:
		return newScale(k.Scale)
	case *kubemedicv1.Action_PatchConfigMap:
		return newPatchConfigMap(k.PatchConfigMap)
	case *kubemedicv1.Action_RolloutRestart:
		return newRolloutRestart(k.RolloutRestart)
	case *kubemedicv1.Action_DeletePod:
		return newDeletePod(k.DeletePod)
	default:
		return nil, invalid("조치 종류가 없습니다: cordon, uncordon, drain, scale, patch_config_map, rollout_restart, delete_pod 중 하나를 지정하세요",
			"no action kind set: set one of cordon, uncordon, drain, scale, patch_config_map, rollout_restart, delete_pod")
	}
}

func checkName(field, v string) error {
	if v == "" {
		return invalid("%s이(가) 비어 있습니다", "%s is required", field)
	}
	if errs := validation.IsDNS1123Subdomain(v); len(errs) > 0 {
		return invalid("%s %q은(는) 올바른 쿠버네티스 이름이 아닙니다: %s", "%s %q is not a valid Kubernetes name: %s", field, v, strings.Join(errs, "; "))
	}
	return nil
}

func checkNamespaced(ns, name string) error {
	if err := checkName("namespace", ns); err != nil {
		return err
	}
	return checkName("name", name)
}

// dryRunAll is the dry-run option of every Plan write.
var dryRunAll = []string{metav1.DryRunAll}

// toYAML renders obj for diffs, without managedFields and status noise.
func toYAML(obj any) string {
	if obj == nil {
		return ""
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return fmt.Sprintf("# cannot render: %v\n", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Sprintf("# cannot render: %v\n", err)
	}
	delete(m, "status")
	if md, ok := m["metadata"].(map[string]any); ok {
		delete(md, "managedFields")
	}
	y, err := yaml.Marshal(m)
	if err != nil {
		return fmt.Sprintf("# cannot render: %v\n", err)
	}
	return string(y)
}

// unifiedDiff returns a unified diff of two objects' YAML.
func unifiedDiff(name string, before, after any) string {
	d, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        difflib.SplitLines(toYAML(before)),
		B:        difflib.SplitLines(toYAML(after)),
		FromFile: name + " (before)",
		ToFile:   name + " (after)",
		Context:  3,
	})
	if err != nil {
		return fmt.Sprintf("# diff failed: %v\n", err)
	}
	return d
}

// dryRunNote describes a dry-run error for the plan.
func dryRunNote(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// isConflict reports errors meaning "the object is not as the request
// assumed": a failed JSON Patch test (422), a resourceVersion or UID
// precondition (409), or the object gone (404).
func isConflict(err error) bool {
	var status apierrors.APIStatus
	return apierrors.IsConflict(err) || apierrors.IsInvalid(err) || apierrors.IsNotFound(err) ||
		(errors.As(err, &status) && status.Status().Code == http.StatusUnprocessableEntity)
}

// errDenied reports whether err is an RBAC refusal from the API server.
func errDenied(err error) bool { return apierrors.IsForbidden(err) }

var errNoState = errors.New("plan state is missing or corrupt; plan again")

func decodeState(raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		return errNoState
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%w: %v", errNoState, err)
	}
	return nil
}

func encodeState(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding plan state: %w", err)
	}
	return b, nil
}
