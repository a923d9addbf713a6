package action

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

func TestFromValidates(t *testing.T) {
	act := func(k any) *kubemedicv1.Action {
		a := &kubemedicv1.Action{Cluster: "prod"}
		switch v := k.(type) {
		case *kubemedicv1.CordonAction:
			a.Kind = &kubemedicv1.Action_Cordon{Cordon: v}
		case *kubemedicv1.DrainAction:
			a.Kind = &kubemedicv1.Action_Drain{Drain: v}
		case *kubemedicv1.ScaleAction:
			a.Kind = &kubemedicv1.Action_Scale{Scale: v}
		case *kubemedicv1.PatchConfigMapAction:
			a.Kind = &kubemedicv1.Action_PatchConfigMap{PatchConfigMap: v}
		case *kubemedicv1.RolloutRestartAction:
			a.Kind = &kubemedicv1.Action_RolloutRestart{RolloutRestart: v}
		case *kubemedicv1.DeletePodAction:
			a.Kind = &kubemedicv1.Action_DeletePod{DeletePod: v}
		}
		return a
	}
	neg := int32(-1)
	tests := []struct {
		name    string
		a       *kubemedicv1.Action
		wantErr string
		typ     string
	}{
		{"no cluster", &kubemedicv1.Action{Kind: &kubemedicv1.Action_Cordon{Cordon: &kubemedicv1.CordonAction{Node: "n"}}}, "action.cluster", ""},
		{"no kind", &kubemedicv1.Action{Cluster: "prod"}, "no action kind", ""},
		{"cordon", act(&kubemedicv1.CordonAction{Node: "node-1"}), "", "cordon"},
		{"cordon bad name", act(&kubemedicv1.CordonAction{Node: "Node_1"}), "not a valid Kubernetes name", ""},
		{"drain", act(&kubemedicv1.DrainAction{Node: "node-1", Timeout: durationpb.New(time.Minute)}), "", "drain"},
		{"drain negative grace", act(&kubemedicv1.DrainAction{Node: "node-1", GracePeriodSeconds: &neg}), "grace_period_seconds", ""},
		{"drain endless", act(&kubemedicv1.DrainAction{Node: "node-1", Timeout: durationpb.New(3 * time.Hour)}), "drain.timeout", ""},
		{"scale", act(&kubemedicv1.ScaleAction{Namespace: "shop", Name: "web", Replicas: 3}), "", "scale"},
		{"scale kind", act(&kubemedicv1.ScaleAction{Namespace: "shop", Name: "web", Kind: "DaemonSet"}), "scale.kind", ""},
		{"scale negative", act(&kubemedicv1.ScaleAction{Namespace: "shop", Name: "web", Replicas: -2}), "scale.replicas", ""},
		{"scale no namespace", act(&kubemedicv1.ScaleAction{Name: "web"}), "namespace", ""},
		{"patch set", act(&kubemedicv1.PatchConfigMapAction{Namespace: "kube-system", Name: "ncloud-config", Set: map[string]string{"lbSubnetNo": "1"}}), "", "patch-configmap"},
		{"patch nothing", act(&kubemedicv1.PatchConfigMapAction{Namespace: "a", Name: "b"}), "nothing to change", ""},
		{"patch both", act(&kubemedicv1.PatchConfigMapAction{Namespace: "a", Name: "b", Set: map[string]string{"k": "v"}, JsonPatch: `[]`}), "not both", ""},
		{"patch bad key", act(&kubemedicv1.PatchConfigMapAction{Namespace: "a", Name: "b", Set: map[string]string{"a/b": "v"}}), "ConfigMap key", ""},
		{"patch set and remove", act(&kubemedicv1.PatchConfigMapAction{Namespace: "a", Name: "b", Set: map[string]string{"k": "v"}, Remove: []string{"k"}}), "both set and removed", ""},
		{"json patch data", act(&kubemedicv1.PatchConfigMapAction{Namespace: "a", Name: "b", JsonPatch: `[{"op":"test","path":"/data/k","value":"1"},{"op":"replace","path":"/data/k","value":"2"}]`}), "", "patch-configmap"},
		{"json patch metadata", act(&kubemedicv1.PatchConfigMapAction{Namespace: "a", Name: "b", JsonPatch: `[{"op":"replace","path":"/metadata/labels/x","value":"y"}]`}), "only /data/<key>", ""},
		{"json patch move", act(&kubemedicv1.PatchConfigMapAction{Namespace: "a", Name: "b", JsonPatch: `[{"op":"move","from":"/data/a","path":"/data/b"}]`}), "not allowed", ""},
		{"json patch number", act(&kubemedicv1.PatchConfigMapAction{Namespace: "a", Name: "b", JsonPatch: `[{"op":"add","path":"/data/k","value":3}]`}), "must be a string", ""},
		{"json patch not json", act(&kubemedicv1.PatchConfigMapAction{Namespace: "a", Name: "b", JsonPatch: `{`}), "RFC 6902", ""},
		{"restart", act(&kubemedicv1.RolloutRestartAction{Namespace: "a", Name: "b", Kind: "DaemonSet"}), "", "rollout-restart"},
		{"restart job", act(&kubemedicv1.RolloutRestartAction{Namespace: "a", Name: "b", Kind: "Job"}), "rollout_restart.kind", ""},
		{"delete pod", act(&kubemedicv1.DeletePodAction{Namespace: "a", Name: "b-1"}), "", "delete-pod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := From(tt.a)
			if tt.wantErr != "" {
				var inv *InvalidError
				if !errors.As(err, &inv) || !strings.Contains(err.Error(), tt.wantErr) || inv.Ko == "" {
					t.Fatalf("err = %v, want InvalidError with %q and Korean text", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Type() != tt.typ || len(got.Permissions()) == 0 || got.Target().Name == "" {
				t.Errorf("action %T type %q perms %v target %v", got, got.Type(), got.Permissions(), got.Target())
			}
		})
	}
}

// The undo patch of a ConfigMap change restores every key and tests the
// value it overwrites.
func TestInverse(t *testing.T) {
	before := map[string]string{"keep": "1", "change": "old", "drop": "x"}
	after := map[string]string{"keep": "1", "change": "new", "add/ed": "y"}
	got, _ := json.Marshal(inverse(before, after))
	want := `[{"op":"test","path":"/data/change","value":"new"},{"op":"replace","path":"/data/change","value":"old"},` +
		`{"op":"add","path":"/data/drop","value":"x"},` +
		`{"op":"test","path":"/data/add~1ed","value":"y"},{"op":"remove","path":"/data/add~1ed"}]`
	if string(got) != want {
		t.Errorf("inverse =\n%s\nwant\n%s", got, want)
	}
}

func TestUnifiedDiff(t *testing.T) {
	d := unifiedDiff("configmap/a/b", map[string]any{"data": map[string]string{"k": "1"}, "status": "x"}, map[string]any{"data": map[string]string{"k": "2"}})
	for _, want := range []string{"--- configmap/a/b (before)", "+++ configmap/a/b (after)", "-  k: \"1\"", "+  k: \"2\""} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
	if strings.Contains(d, "status") {
		t.Errorf("diff shows status:\n%s", d)
	}
}
