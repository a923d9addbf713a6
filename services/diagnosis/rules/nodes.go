package rules

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

// nodes finds nodes that are NotReady, under memory/disk/PID pressure,
// without network, or cordoned. Only the condition types Kubernetes defines
// are read; condition types added by node-problem-detector or vendors are
// ignored, since their meaning (and which status is bad) is unknown.
var nodes = Rule{
	Name:  "nodes",
	Codes: []string{"NodeNotReady", "NodePressure", "NodeNetworkUnavailable", "NodeCordoned"},
	Reads: []string{cluster.KindNode, cluster.KindPod},
	About: []string{cluster.KindNode},
	Check: checkNodes,
}

var pressures = []corev1.NodeConditionType{corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure}

func checkNodes(in *Input) []*kubemedicv1.Finding {
	if !in.allNamespaces() {
		return nil
	}
	podsOn := map[string]int{}
	for _, p := range in.State.Pods("") {
		if p.Spec.NodeName != "" && !terminated(p) {
			podsOn[p.Spec.NodeName]++
		}
	}
	var out []*kubemedicv1.Finding
	for _, n := range in.State.Nodes() {
		o := obj("v1", "Node", n)
		pods := podsOn[n.Name]
		nodeActions := func() []*kubemedicv1.Action {
			var a []*kubemedicv1.Action
			if !n.Spec.Unschedulable {
				a = append(a, cordonAction(in, n.Name))
			}
			return append(a, drainAction(in, n.Name))
		}
		for _, c := range n.Status.Conditions {
			ev := []*kubemedicv1.Evidence{conditionEvidence("status.conditions", string(c.Type), string(c.Status), c.Reason, c.Message, c.LastTransitionTime.Time)}
			since := in.Now.Sub(c.LastTransitionTime.Time).Round(1e9)
			switch {
			case c.Type == corev1.NodeReady && c.Status != corev1.ConditionTrue:
				f := newFinding(in, o, "NodeNotReady", c.Reason, critical)
				say(f,
					fmt.Sprintf("노드 %s: NotReady (%s, %s째)", n.Name, c.Status, since),
					fmt.Sprintf("Node %s: NotReady (%s for %s)", n.Name, c.Status, since),
					fmt.Sprintf("노드 %s의 Ready 조건이 %s입니다(%s): %s. 이 노드의 파드 %d개가 영향을 받습니다. kubelet·컨테이너 런타임·네트워크를 확인하고, 회복되지 않으면 cordon 후 drain하세요.", n.Name, c.Status, orDash(c.Reason), orDash(c.Message), pods),
					fmt.Sprintf("Node %s has Ready=%s (%s): %s. %d pods on it are affected. Check the kubelet, container runtime and network; if it does not recover, cordon and drain it.", n.Name, c.Status, orDash(c.Reason), orDash(c.Message), pods))
				f.Evidence = ev
				f.SuggestedActions = nodeActions()
				out = append(out, f)
			case isPressure(c.Type) && c.Status == corev1.ConditionTrue:
				f := newFinding(in, o, "NodePressure", string(c.Type), errorSev)
				what := map[corev1.NodeConditionType][2]string{
					corev1.NodeMemoryPressure: {"메모리", "memory"},
					corev1.NodeDiskPressure:   {"디스크", "disk"},
					corev1.NodePIDPressure:    {"PID", "PID"},
				}[c.Type]
				say(f,
					fmt.Sprintf("노드 %s: %s 압박(%s)", n.Name, what[0], c.Type),
					fmt.Sprintf("Node %s: %s pressure (%s)", n.Name, what[1], c.Type),
					fmt.Sprintf("노드 %s이(가) %s째 %s 부족 상태입니다: %s. kubelet이 파드 %d개 중 일부를 축출하고 새 파드를 받지 않습니다. 큰 사용처를 정리하거나 cordon 후 drain하세요.", n.Name, since, what[0], orDash(c.Message), pods),
					fmt.Sprintf("Node %s has been low on %s for %s: %s. The kubelet evicts some of its %d pods and admits no new ones. Free the big consumers or cordon and drain it.", n.Name, what[1], since, orDash(c.Message), pods))
				f.Evidence = ev
				f.SuggestedActions = nodeActions()
				out = append(out, f)
			case c.Type == corev1.NodeNetworkUnavailable && c.Status == corev1.ConditionTrue:
				if c.Reason == eklet && tkeNode(in, n) {
					continue // the provider rule says more
				}
				f := newFinding(in, o, "NodeNetworkUnavailable", c.Reason, critical)
				say(f,
					fmt.Sprintf("노드 %s: 네트워크 사용 불가", n.Name),
					fmt.Sprintf("Node %s: network unavailable", n.Name),
					fmt.Sprintf("노드 %s의 NetworkUnavailable 조건이 True입니다(%s): %s. CNI가 노드 네트워크를 구성하지 못해 새 파드가 이 노드에 배치되지 않습니다. CNI 데몬셋 파드와 로그를 확인하세요.", n.Name, orDash(c.Reason), orDash(c.Message)),
					fmt.Sprintf("Node %s has NetworkUnavailable=True (%s): %s. The CNI has not set up the node's network, so no new pods land there. Check the CNI DaemonSet pods and logs.", n.Name, orDash(c.Reason), orDash(c.Message)))
				f.Evidence = ev
				f.SuggestedActions = []*kubemedicv1.Action{cordonAction(in, n.Name)}
				if n.Spec.Unschedulable {
					f.SuggestedActions = nil
				}
				out = append(out, f)
			}
		}
		if n.Spec.Unschedulable {
			f := newFinding(in, o, "NodeCordoned", "", info)
			say(f,
				fmt.Sprintf("노드 %s: cordon됨 (스케줄 불가)", n.Name),
				fmt.Sprintf("Node %s: cordoned (unschedulable)", n.Name),
				fmt.Sprintf("노드 %s이(가) cordon되어 새 파드를 받지 않습니다(기존 파드 %d개는 계속 실행). 점검이 끝났다면 uncordon하세요.", n.Name, pods),
				fmt.Sprintf("Node %s is cordoned and takes no new pods (its %d pods keep running). Uncordon it when the maintenance is done.", n.Name, pods))
			f.Evidence = []*kubemedicv1.Evidence{fieldEvidence("spec.unschedulable", "Unschedulable", "true")}
			f.SuggestedActions = []*kubemedicv1.Action{uncordonAction(in, n.Name)}
			out = append(out, f)
		}
	}
	return out
}

func isPressure(t corev1.NodeConditionType) bool {
	for _, p := range pressures {
		if t == p {
			return true
		}
	}
	return false
}
