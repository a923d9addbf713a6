package action

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/remediation/access"
	"github.com/kubemedic/kubemedic/services/remediation/guard"
	"github.com/kubemedic/kubemedic/services/remediation/policy"
)

// PatchConfigMap changes `data` keys of one ConfigMap with an RFC 6902 JSON
// Patch. Only add, remove, replace and test ops on /data/<key> are accepted.
// The patch sent at execution starts with a test op on the resourceVersion
// seen at plan time, so a ConfigMap changed since the plan is never
// overwritten; the undo patch tests every value it restores.
type PatchConfigMap struct {
	// Namespace and Name locate the ConfigMap. Required.
	Namespace, Name string
	// Set maps data keys to new values; Remove lists keys to delete. Used
	// when Ops is empty.
	Set    map[string]string
	Remove []string
	// Ops is a JSON Patch on data keys; exclusive with Set and Remove.
	Ops Patch
}

func newPatchConfigMap(a *kubemedicv1.PatchConfigMapAction) (*PatchConfigMap, error) {
	if err := checkNamespaced(a.GetNamespace(), a.GetName()); err != nil {
		return nil, err
	}
	p := &PatchConfigMap{Namespace: a.GetNamespace(), Name: a.GetName(), Set: a.GetSet(), Remove: a.GetRemove()}
	hasKeys := len(a.GetSet())+len(a.GetRemove()) > 0
	switch {
	case a.GetJsonPatch() != "" && hasKeys:
		return nil, invalid("set/remove와 json_patch를 함께 쓸 수 없습니다", "give set/remove or json_patch, not both")
	case a.GetJsonPatch() == "" && !hasKeys:
		return nil, invalid("바꿀 키가 없습니다: set, remove 또는 json_patch를 지정하세요", "nothing to change: give set, remove or json_patch")
	}
	for k := range a.GetSet() {
		if err := checkKey(k); err != nil {
			return nil, err
		}
		if slices.Contains(a.GetRemove(), k) {
			return nil, invalid("키 %q를 동시에 설정하고 삭제할 수 없습니다", "key %q is both set and removed", k)
		}
	}
	for _, k := range a.GetRemove() {
		if err := checkKey(k); err != nil {
			return nil, err
		}
	}
	if a.GetJsonPatch() != "" {
		if err := json.Unmarshal([]byte(a.GetJsonPatch()), &p.Ops); err != nil {
			return nil, invalid("json_patch가 RFC 6902 JSON Patch 배열이 아닙니다: %v", "json_patch is not an RFC 6902 JSON Patch array: %v", err)
		}
		if len(p.Ops) == 0 {
			return nil, invalid("json_patch가 비어 있습니다", "json_patch is empty")
		}
		for i, o := range p.Ops {
			if _, err := dataKey(o.Path); err != nil {
				return nil, invalid("json_patch[%d]: %v", "json_patch[%d]: %v", i, err)
			}
			switch o.Op {
			case "add", "replace", "test":
				var v string
				if err := json.Unmarshal(o.Value, &v); err != nil {
					return nil, invalid("json_patch[%d]: %s의 값은 문자열이어야 합니다", "json_patch[%d]: the value of %s must be a string", i, o.Path)
				}
			case "remove":
			default:
				return nil, invalid("json_patch[%d]: op %q는 허용되지 않습니다 (add, remove, replace, test만)", "json_patch[%d]: op %q is not allowed (only add, remove, replace, test)", i, o.Op)
			}
		}
	}
	return p, nil
}

func checkKey(k string) error {
	if errs := validation.IsConfigMapKey(k); len(errs) > 0 {
		return invalid("ConfigMap 키 %q가 올바르지 않습니다: %s", "ConfigMap key %q is invalid: %s", k, strings.Join(errs, "; "))
	}
	return nil
}

// dataKey returns the key of a /data/<key> path.
func dataKey(path string) (string, error) {
	rest, ok := strings.CutPrefix(path, "/data/")
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return "", fmt.Errorf("path %q: only /data/<key> may be patched", path)
	}
	k := unpointer(rest)
	if err := checkKey(k); err != nil {
		return "", err
	}
	return k, nil
}

type configMapState struct {
	ResourceVersion string `json:"resourceVersion"`
	Patch           Patch  `json:"patch"`
	Undo            Patch  `json:"undo"`
}

// Type implements Action.
func (c *PatchConfigMap) Type() string { return "patch-configmap" }

// Target implements Action.
func (c *PatchConfigMap) Target() policy.Target {
	return policy.Target{Kind: "ConfigMap", Namespace: c.Namespace, Name: c.Name}
}

// Permissions implements Action.
func (c *PatchConfigMap) Permissions() []access.Permission {
	return []access.Permission{{Verb: "patch", Resource: "configmaps", Namespace: c.Namespace, Name: c.Name}}
}

// ops builds the data ops against the current ConfigMap: values it replaces
// or removes are tested first.
func (c *PatchConfigMap) ops(cm *corev1.ConfigMap) (Patch, error) {
	if len(c.Ops) > 0 {
		return c.Ops, nil
	}
	var p Patch
	for _, k := range slices.Sorted(maps.Keys(c.Set)) {
		path := "/data/" + pointer(k)
		if old, ok := cm.Data[k]; ok {
			p = append(p, op("test", path, old), op("replace", path, c.Set[k]))
		} else {
			p = append(p, op("add", path, c.Set[k]))
		}
	}
	for _, k := range c.Remove {
		old, ok := cm.Data[k]
		if !ok {
			return nil, invalid("ConfigMap %s/%s에 키 %q가 없습니다", "ConfigMap %s/%s has no key %q", c.Namespace, c.Name, k)
		}
		path := "/data/" + pointer(k)
		p = append(p, op("test", path, old), op("remove", path, nil))
	}
	return p, nil
}

// inverse returns the patch that turns after back into before, testing
// every value it restores.
func inverse(before, after map[string]string) Patch {
	var p Patch
	keys := slices.Sorted(maps.Keys(before))
	for k := range after {
		if _, ok := before[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		path := "/data/" + pointer(k)
		b, inBefore := before[k]
		a, inAfter := after[k]
		switch {
		case inBefore && inAfter && a != b:
			p = append(p, op("test", path, a), op("replace", path, b))
		case inBefore && !inAfter:
			p = append(p, op("add", path, b))
		case !inBefore && inAfter:
			p = append(p, op("test", path, a), op("remove", path, nil))
		}
	}
	return p
}

// Plan implements Action.
func (c *PatchConfigMap) Plan(ctx context.Context, env Env) (*Planned, error) {
	cm, err := env.Reader.CoreV1().ConfigMaps(c.Namespace).Get(ctx, c.Name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading ConfigMap %s/%s: %w", c.Namespace, c.Name, err)
	}
	data, err := c.ops(cm)
	if err != nil {
		return nil, err
	}
	full := Patch{op("test", "/metadata/resourceVersion", cm.ResourceVersion)}
	if cm.Data == nil {
		full = append(full, op("add", "/data", map[string]string{}))
	}
	full = append(full, data...)
	p := &Planned{
		Target:          Ref{APIVersion: "v1", Kind: "ConfigMap", Namespace: c.Namespace, Name: c.Name, UID: string(cm.UID)},
		ResourceVersion: cm.ResourceVersion,
		DryRunOK:        true,
	}
	after, err := env.Writer.CoreV1().ConfigMaps(c.Namespace).Patch(ctx, c.Name, types.JSONPatchType, full.bytes(), metav1.PatchOptions{DryRun: dryRunAll, FieldManager: fieldManager})
	if err != nil {
		p.DryRunOK, p.DryRunMessage = false, dryRunNote(err)
		after = cm
	}
	afterView := after.DeepCopy()
	afterView.ResourceVersion = cm.ResourceVersion // the dry-run bumps it; hide that noise
	p.Diff = unifiedDiff("configmap/"+c.Namespace+"/"+c.Name, cm, afterView)
	var changed []string
	for _, o := range inverse(cm.Data, after.Data) {
		if o.Op != "test" {
			k, _ := dataKey(o.Path)
			changed = append(changed, k)
		}
	}
	if p.DryRunOK && len(changed) == 0 {
		p.Verdicts = append(p.Verdicts, guard.Refuse("no-change", "패치를 적용해도 바뀌는 키가 없습니다", "the patch changes no key"))
	}
	p.SummaryKo = fmt.Sprintf("ConfigMap %s/%s의 키 %d개 변경: %s; 이 ConfigMap을 읽는 파드는 다시 읽거나 재시작해야 반영됩니다", c.Namespace, c.Name, len(changed), strings.Join(changed, ", "))
	p.SummaryEn = fmt.Sprintf("ConfigMap %s/%s: %d keys change (%s); pods reading it pick the change up on reload or restart", c.Namespace, c.Name, len(changed), strings.Join(changed, ", "))
	if p.State, err = encodeState(configMapState{ResourceVersion: cm.ResourceVersion, Patch: full, Undo: inverse(cm.Data, after.Data)}); err != nil {
		return nil, err
	}
	return p, nil
}

// Execute implements Action.
func (c *PatchConfigMap) Execute(ctx context.Context, env Env, raw json.RawMessage, progress Progress) (*Outcome, error) {
	var st configMapState
	if err := decodeState(raw, &st); err != nil {
		return nil, err
	}
	out, err := env.Writer.CoreV1().ConfigMaps(c.Namespace).Patch(ctx, c.Name, types.JSONPatchType, st.Patch.bytes(), metav1.PatchOptions{FieldManager: fieldManager})
	if err != nil {
		if isConflict(err) && !errDenied(err) {
			now := "?"
			if cur, gerr := env.Reader.CoreV1().ConfigMaps(c.Namespace).Get(ctx, c.Name, metav1.GetOptions{}); gerr == nil {
				now = cur.ResourceVersion
			}
			return nil, stale("ConfigMap %s/%s이(가) 계획 이후 바뀌었습니다 (resourceVersion %s → %s); 덮어쓰지 않았습니다.",
				"ConfigMap %s/%s changed since the plan (resourceVersion %s → %s); nothing was overwritten", c.Namespace, c.Name, st.ResourceVersion, now)
		}
		return nil, err
	}
	ref := Ref{APIVersion: "v1", Kind: "ConfigMap", Namespace: c.Namespace, Name: c.Name, UID: string(out.UID)}
	progress(Step{Object: &ref, Ko: "ConfigMap " + c.Namespace + "/" + c.Name + " 패치 완료", En: "patched ConfigMap " + c.Namespace + "/" + c.Name})
	undo := &kubemedicv1.Action{Cluster: env.Cluster, Kind: &kubemedicv1.Action_PatchConfigMap{PatchConfigMap: &kubemedicv1.PatchConfigMapAction{
		Namespace: c.Namespace, Name: c.Name, JsonPatch: string(st.Undo.bytes())}}}
	return &Outcome{Undo: undo}, nil
}
