package rules

import (
	"fmt"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

// disruption finds PodDisruptionBudgets that allow no disruption although
// they select pods: a drain or eviction would wait forever. Reason
// "Configuration" when even all-healthy pods leave no budget (minAvailable
// equals the replicas, maxUnavailable 0), "UnhealthyPods" when unhealthy
// pods used the budget up.
var disruption = Rule{
	Name:  "disruption",
	Codes: []string{"PDBBlocksDisruption"},
	Reads: []string{cluster.KindPodDisruptionBudget},
	About: []string{cluster.KindPodDisruptionBudget},
	Check: checkDisruption,
}

func checkDisruption(in *Input) []*kubemedicv1.Finding {
	var out []*kubemedicv1.Finding
	for _, ns := range in.scan() {
		for _, pdb := range in.State.PodDisruptionBudgets(ns) {
			st := pdb.Status
			if st.DisruptionsAllowed > 0 || st.ExpectedPods == 0 || st.ObservedGeneration < pdb.Generation {
				continue
			}
			spec := "?"
			if pdb.Spec.MinAvailable != nil {
				spec = "minAvailable " + pdb.Spec.MinAvailable.String()
			} else if pdb.Spec.MaxUnavailable != nil {
				spec = "maxUnavailable " + pdb.Spec.MaxUnavailable.String()
			}
			reason, whyKo, whyEn := "Configuration", "모든 파드가 정상이어도 여유가 0입니다: 설정 자체가 축출을 막습니다. minAvailable을 낮추거나 maxUnavailable을 1 이상으로, 또는 레플리카를 늘리세요.", "Even with every pod healthy there is no budget: the setting itself blocks eviction. Lower minAvailable, set maxUnavailable ≥ 1, or add replicas."
			if st.CurrentHealthy < st.ExpectedPods {
				reason, whyKo, whyEn = "UnhealthyPods", fmt.Sprintf("정상 파드가 %d/%d개뿐이라 예산을 다 썼습니다: 비정상 파드를 먼저 고치세요.", st.CurrentHealthy, st.ExpectedPods), fmt.Sprintf("Only %d/%d pods are healthy, which used the budget up: fix the unhealthy pods first.", st.CurrentHealthy, st.ExpectedPods)
			}
			f := newFinding(in, obj("policy/v1", "PodDisruptionBudget", pdb), "PDBBlocksDisruption", reason, warning)
			say(f,
				fmt.Sprintf("PDB %s: 허용 중단 0 (%s, 정상 %d/%d)", pdb.Name, spec, st.CurrentHealthy, st.ExpectedPods),
				fmt.Sprintf("PDB %s: 0 disruptions allowed (%s, %d/%d healthy)", pdb.Name, spec, st.CurrentHealthy, st.ExpectedPods),
				fmt.Sprintf("PDB %s(%s)이(가) 파드 %d개를 선택하고 최소 %d개 정상을 요구하는데 지금 정상은 %d개입니다. 이 상태로는 노드 drain·축출이 끝나지 않습니다. %s", pdb.Name, spec, st.ExpectedPods, st.DesiredHealthy, st.CurrentHealthy, whyKo),
				fmt.Sprintf("PDB %s (%s) selects %d pods and requires %d healthy; %d are. Node drains and evictions cannot finish like this. %s", pdb.Name, spec, st.ExpectedPods, st.DesiredHealthy, st.CurrentHealthy, whyEn))
			f.Evidence = []*kubemedicv1.Evidence{fieldEvidence("status", "DisruptionsAllowed",
				fmt.Sprintf("disruptionsAllowed 0, currentHealthy %d, desiredHealthy %d, expectedPods %d", st.CurrentHealthy, st.DesiredHealthy, st.ExpectedPods))}
			out = append(out, f)
		}
	}
	return out
}
