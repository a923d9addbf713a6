package action

import (
	"errors"
	"strings"
	"testing"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

func TestCheckValues(t *testing.T) {
	patch := func(ns, name string, set map[string]string, jsonPatch string) *kubemedicv1.Action {
		return &kubemedicv1.Action{Cluster: "prod", Kind: &kubemedicv1.Action_PatchConfigMap{PatchConfigMap: &kubemedicv1.PatchConfigMapAction{
			Namespace: ns, Name: name, Set: set, JsonPatch: jsonPatch}}}
	}
	withInput := patch("kube-system", "ncloud-config", map[string]string{"lbSubnetNo": ""}, "")
	withInput.Inputs = []*kubemedicv1.ActionInput{{Field: "patch_config_map.set.lbSubnetNo", Pattern: "^[0-9]+$",
		Hint: &kubemedicv1.LocalizedText{Ko: "NCP 콘솔에서 확인하세요.", En: "See the NCP console."}}}
	tests := []struct {
		name           string
		a              *kubemedicv1.Action
		wantKo, wantEn string // empty: accepted
	}{
		{"subnet number", patch("kube-system", "ncloud-config", map[string]string{"lbSubnetNo": "94465"}, ""), "", ""},
		{"empty subnet", patch("kube-system", "ncloud-config", map[string]string{"lbSubnetNo": ""}, ""),
			"kube-system/ncloud-config의 lbSubnetNo에는 LB 전용 Private 서브넷 번호(숫자)가", "lbSubnetNo in kube-system/ncloud-config must be"},
		{"non-numeric subnet", patch("kube-system", "ncloud-config", map[string]string{"lbSubnetNo": "subnet-abc", "regionCode": "KR"}, ""),
			`"subnet-abc"`, "digits only"},
		{"other numeric key", patch("kube-system", "ncloud-config", map[string]string{"vpcNo": "12a"}, ""), "vpcNo", "the VPC number"},
		{"non-id key free", patch("kube-system", "ncloud-config", map[string]string{"regionCode": "KR"}, ""), "", ""},
		{"json patch empty subnet", patch("kube-system", "ncloud-config", nil, `[{"op":"replace","path":"/data/lbSubnetNo","value":""}]`),
			"lbSubnetNo", "lbSubnetNo"},
		{"json patch test of an empty value is fine", patch("kube-system", "ncloud-config", nil,
			`[{"op":"test","path":"/data/lbSubnetNo","value":""},{"op":"replace","path":"/data/lbSubnetNo","value":"7"}]`), "", ""},
		{"same key elsewhere", patch("shop", "ncloud-config", map[string]string{"lbSubnetNo": ""}, ""), "", ""},
		{"operator input left", withInput, "운영자가 채워야 할 값이 남아 있습니다: patch_config_map.set.lbSubnetNo. NCP 콘솔에서", "needs operator input: patch_config_map.set.lbSubnetNo"},
		{"other action", &kubemedicv1.Action{Cluster: "prod", Kind: &kubemedicv1.Action_Cordon{Cordon: &kubemedicv1.CordonAction{Node: "n"}}}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckValues(tt.a)
			if tt.wantKo == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var inv *InvalidError
			if !errors.As(err, &inv) || !strings.Contains(inv.Ko, tt.wantKo) || !strings.Contains(inv.En, tt.wantEn) {
				t.Fatalf("err = %v, want InvalidError with %q / %q", err, tt.wantKo, tt.wantEn)
			}
		})
	}
}

// TestFromRefusesInputs: an action that still names operator inputs is
// never even parsed into a plannable action.
func TestFromRefusesInputs(t *testing.T) {
	a := &kubemedicv1.Action{Cluster: "prod", Kind: &kubemedicv1.Action_PatchConfigMap{PatchConfigMap: &kubemedicv1.PatchConfigMapAction{
		Namespace: "kube-system", Name: "ncloud-config", Set: map[string]string{"lbSubnetNo": "1"}}},
		Inputs: []*kubemedicv1.ActionInput{{Field: "patch_config_map.set.lbSubnetNo"}}}
	var inv *InvalidError
	if _, err := From(a); !errors.As(err, &inv) || !strings.Contains(inv.En, "patch_config_map.set.lbSubnetNo") {
		t.Fatalf("From = %v, want the input named", err)
	}
}
