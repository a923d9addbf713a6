package rules

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	networkingv1 "k8s.io/api/networking/v1"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

// networkPolicies finds NetworkPolicies whose pod selector selects no pod
// (they protect nothing, usually a label typo) and, at info severity,
// policies with a rule that allows all traffic (an empty from/to).
var networkPolicies = Rule{
	Name:  "network-policies",
	Codes: []string{"NetworkPolicyNoPods", "NetworkPolicyAllowAll"},
	Reads: []string{cluster.KindNetworkPolicy, cluster.KindPod},
	About: []string{cluster.KindNetworkPolicy},
	Check: checkNetworkPolicies,
}

func checkNetworkPolicies(in *Input) []*kubemedicv1.Finding {
	var out []*kubemedicv1.Finding
	for _, ns := range in.scan() {
		for _, np := range in.State.NetworkPolicies(ns) {
			o := obj("networking.k8s.io/v1", "NetworkPolicy", np)
			if in.State.Collected(cluster.KindPod) && (len(np.Spec.PodSelector.MatchLabels) > 0 || len(np.Spec.PodSelector.MatchExpressions) > 0) {
				sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
				if err == nil && !selectsAny(in, np.Namespace, sel) {
					f := newFinding(in, o, "NetworkPolicyNoPods", "", warning)
					say(f,
						fmt.Sprintf("NetworkPolicy %s: 선택하는 파드 없음", np.Name),
						fmt.Sprintf("NetworkPolicy %s: selects no pods", np.Name),
						fmt.Sprintf("podSelector %s이(가) 네임스페이스 %s의 어떤 파드와도 맞지 않아 이 정책은 아무것도 보호하지 않습니다. 레이블 오타인지 확인하세요.", sel.String(), np.Namespace),
						fmt.Sprintf("podSelector %s matches no pod in namespace %s, so the policy protects nothing. Check for a label typo.", sel.String(), np.Namespace))
					f.Evidence = []*kubemedicv1.Evidence{fieldEvidence("spec.podSelector", "NoMatchingPods", sel.String())}
					out = append(out, f)
				}
			}
			if dir := allowsAll(np); dir != "" {
				f := newFinding(in, o, "NetworkPolicyAllowAll", dir, info)
				say(f,
					fmt.Sprintf("NetworkPolicy %s: 모든 %s 트래픽 허용", np.Name, dirKo(dir)),
					fmt.Sprintf("NetworkPolicy %s: allows all %s traffic", np.Name, dir),
					fmt.Sprintf("%s 규칙 중 출처/대상이 빈 규칙이 있어 선택된 파드로의 모든 %s 트래픽을 허용합니다. 의도한 것이 아니면 규칙을 좁히세요.", dir, dirKo(dir)),
					fmt.Sprintf("An %s rule with no peers allows all %s traffic for the selected pods. Narrow it if that is not intended.", dir, dir))
				f.Evidence = []*kubemedicv1.Evidence{fieldEvidence("spec."+dir, "AllowAll", "a rule with no from/to peers")}
				out = append(out, f)
			}
		}
	}
	return out
}

func dirKo(dir string) string {
	if dir == "ingress" {
		return "인바운드(ingress)"
	}
	return "아웃바운드(egress)"
}

func selectsAny(in *Input, ns string, sel labels.Selector) bool {
	for _, p := range in.State.Pods(ns) {
		if !terminated(p) && sel.Matches(labels.Set(p.Labels)) {
			return true
		}
	}
	return false
}

// allowsAll returns "ingress" or "egress" when the policy has a rule with
// neither peers nor ports for that direction.
func allowsAll(np *networkingv1.NetworkPolicy) string {
	for _, r := range np.Spec.Ingress {
		if len(r.From) == 0 && len(r.Ports) == 0 {
			return "ingress"
		}
	}
	for _, r := range np.Spec.Egress {
		if len(r.To) == 0 && len(r.Ports) == 0 {
			return "egress"
		}
	}
	return ""
}
