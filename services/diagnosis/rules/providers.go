package rules

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

// eklet is the NetworkUnavailable reason TKE Serverless super nodes report
// when their container subnet has run out of IPs.
const eklet = "EKLetHasInsufficientSubnetIP"

// providerRules hold checks that apply to one managed offering only; each
// looks at Input.Provider first. (The NKS ncloud-config subnet check lives
// with LoadBalancerPending in services.go, where the symptom is.) Known
// benign provider facts need no rule: NKS clusters on Cilium run without
// kube-proxy, and no rule here expects kube-proxy.
var providerRules = Rule{
	Name:  "providers",
	Codes: []string{eklet},
	Reads: []string{cluster.KindNode, cluster.KindPod},
	About: []string{cluster.KindNode},
	Check: checkProviders,
}

func checkProviders(in *Input) []*kubemedicv1.Finding {
	if !in.allNamespaces() {
		return nil
	}
	pending := -1 // counted once, when a node needs it
	var out []*kubemedicv1.Finding
	for _, n := range in.State.Nodes() {
		if !tkeNode(in, n) {
			continue
		}
		for _, c := range n.Status.Conditions {
			if c.Type != corev1.NodeNetworkUnavailable || c.Status != corev1.ConditionTrue || c.Reason != eklet {
				continue
			}
			if pending < 0 {
				pending = 0
				for _, p := range in.State.Pods("") {
					if p.Status.Phase == corev1.PodPending && p.Spec.NodeName == "" {
						pending++
					}
				}
			}
			f := newFinding(in, obj("v1", "Node", n), eklet, "", critical)
			say(f,
				fmt.Sprintf("슈퍼 노드 %s: 컨테이너 서브넷 IP 부족", n.Name),
				fmt.Sprintf("Super node %s: container subnet out of IPs", n.Name),
				fmt.Sprintf("TKE Serverless 슈퍼 노드 %s의 컨테이너 서브넷에 남은 IP가 없어 NetworkUnavailable(%s)이고 network-unavailable taint가 붙었습니다: %s. 지금 스케줄되지 않은 Pending 파드는 %d개입니다. IP가 충분한 서브넷으로 슈퍼 노드를 새로 만드세요.", n.Name, eklet, orDash(c.Message), pending),
				fmt.Sprintf("The container subnet of TKE Serverless super node %s has no IPs left, so it is NetworkUnavailable (%s) and tainted network-unavailable: %s. %d pods are Pending unscheduled now. Create a super node in a subnet with enough IPs.", n.Name, eklet, orDash(c.Message), pending))
			f.Evidence = []*kubemedicv1.Evidence{conditionEvidence("status.conditions", string(c.Type), string(c.Status), c.Reason, c.Message, c.LastTransitionTime.Time)}
			out = append(out, f)
		}
	}
	return out
}

// tkeNode reports whether TKE rules apply to n: the cluster is TKE, or the
// node itself is a TKE (Serverless super) node.
func tkeNode(in *Input, n *corev1.Node) bool {
	return in.Provider == ProviderTKE || nodeProvider(n) == ProviderTKE
}
