package bot

import (
	"encoding/json"
	"strings"
	"testing"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// TestFindingActionNeedingInput checks that a suggested fix that still needs
// an operator value (Action.inputs, e.g. NKS lbSubnetNo) gets no Fix button,
// which the plan step would refuse, but a line naming the value and the
// command to run, while a complete fix next to it keeps its button at its own
// index.
func TestFindingActionNeedingInput(t *testing.T) {
	f := &kubemedicv1.Finding{
		Code:        "LoadBalancerPending",
		Fingerprint: "fp1",
		Object:      &kubemedicv1.ObjectRef{Cluster: "nks", Kind: "Service", Namespace: "shop", Name: "web"},
		Title:       &kubemedicv1.LocalizedText{Ko: "LB 대기", En: "LB pending"},
		SuggestedActions: []*kubemedicv1.Action{
			{Cluster: "nks", Kind: &kubemedicv1.Action_PatchConfigMap{PatchConfigMap: &kubemedicv1.PatchConfigMapAction{
				Namespace: "kube-system", Name: "ncloud-config", Set: map[string]string{"lbSubnetNo": "", "regionCode": "KR"}}},
				Inputs: []*kubemedicv1.ActionInput{{Field: "patch_config_map.set.lbSubnetNo", Pattern: "^[0-9]+$",
					Hint: &kubemedicv1.LocalizedText{Ko: "NCP 콘솔의 LB 전용 서브넷 번호", En: "the load-balancer subnet number in the NCP console"}}}},
			{Cluster: "nks", Kind: &kubemedicv1.Action_RolloutRestart{RolloutRestart: &kubemedicv1.RolloutRestartAction{Namespace: "shop", Name: "web"}}},
		},
	}
	tests := []struct {
		lang string
		want []string
	}{
		{"ko", []string{"실행하려면 `lbSubnetNo` 값이 필요해요", "NCP 콘솔의 LB 전용 서브넷 번호", "`/k8s patch-cm kube-system/ncloud-config regionCode=KR lbSubnetNo=&lt;값&gt;`"}},
		{"en", []string{"needs a value for `lbSubnetNo`", "load-balancer subnet number", "`/k8s patch-cm kube-system/ncloud-config regionCode=KR lbSubnetNo=&lt;value&gt;`"}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			blocks := findingBlocks(origin{lang: tt.lang, invoke: "/k8s"}, f)
			var raw strings.Builder
			enc := json.NewEncoder(&raw)
			enc.SetEscapeHTML(false) // compare the mrkdwn Slack receives
			if err := enc.Encode(blocks); err != nil {
				t.Fatal(err)
			}
			s := raw.String()
			for _, w := range tt.want {
				if !strings.Contains(s, w) {
					t.Errorf("blocks lack %q:\n%s", w, s)
				}
			}
			if n := strings.Count(s, `"action_id":"`+actionFix+`.`); n != 1 {
				t.Errorf("%d Fix buttons, want 1 (the restart only):\n%s", n, s)
			}
			if !strings.Contains(s, `"action_id":"`+actionFix+`.1"`) || !strings.Contains(s, `"value":"nks fp1 1"`) {
				t.Errorf("the restart's button lost its index 1:\n%s", s)
			}
		})
	}
}
