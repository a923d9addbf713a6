package rules

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

// workloads finds controllers that do not deliver their replicas:
// Deployments that are unavailable or whose rollout passed its progress
// deadline, StatefulSets with pods that are not ready, DaemonSets with pods
// missing or unready on healthy nodes. When a pod-level finding on the same
// workload already names the cause, the engine drops the general one.
var workloads = Rule{
	Name:  "workloads",
	Codes: []string{"DeploymentUnavailable", "RolloutStuck", "StatefulSetPodsStuck", "DaemonSetUnavailable"},
	Reads: []string{cluster.KindDeployment, cluster.KindReplicaSet, cluster.KindStatefulSet, cluster.KindDaemonSet,
		cluster.KindPod, cluster.KindNode, cluster.KindEvent},
	About: []string{cluster.KindDeployment, cluster.KindStatefulSet, cluster.KindDaemonSet},
	Check: checkWorkloads,
}

func checkWorkloads(in *Input) []*kubemedicv1.Finding {
	var out []*kubemedicv1.Finding
	for _, ns := range in.scan() {
		for _, d := range in.State.Deployments(ns) {
			out = append(out, checkDeployment(in, d)...)
		}
		var owned map[string][]*corev1.Pod
		pods := func() map[string][]*corev1.Pod {
			if owned == nil {
				owned = podsByController(in.State.Pods(ns))
			}
			return owned
		}
		if !in.State.Collected(cluster.KindPod) {
			continue // which pod is stuck, and on which node, needs the pods
		}
		for _, s := range in.State.StatefulSets(ns) {
			if f := checkStatefulSet(in, s, pods()[string(s.UID)]); f != nil {
				out = append(out, f)
			}
		}
		for _, ds := range in.State.DaemonSets(ns) {
			if f := checkDaemonSet(in, ds, pods()[string(ds.UID)]); f != nil {
				out = append(out, f)
			}
		}
	}
	return out
}

// podsByController indexes pods by their controller's uid.
func podsByController(pods []*corev1.Pod) map[string][]*corev1.Pod {
	m := map[string][]*corev1.Pod{}
	for _, p := range pods {
		if ref := metav1.GetControllerOf(p); ref != nil {
			m[string(ref.UID)] = append(m[string(ref.UID)], p)
		}
	}
	return m
}

func deploymentCondition(d *appsv1.Deployment, t appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range d.Status.Conditions {
		if d.Status.Conditions[i].Type == t {
			return &d.Status.Conditions[i]
		}
	}
	return nil
}

func checkDeployment(in *Input, d *appsv1.Deployment) []*kubemedicv1.Finding {
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	if want == 0 || d.Spec.Paused {
		return nil
	}
	o := obj("apps/v1", "Deployment", d)
	st := d.Status
	var out []*kubemedicv1.Finding
	if c := deploymentCondition(d, appsv1.DeploymentProgressing); c != nil && c.Status == corev1.ConditionFalse && c.Reason == "ProgressDeadlineExceeded" {
		deadline := int32(600)
		if d.Spec.ProgressDeadlineSeconds != nil {
			deadline = *d.Spec.ProgressDeadlineSeconds
		}
		f := newFinding(in, o, "RolloutStuck", c.Reason, errorSev)
		say(f,
			fmt.Sprintf("Deployment %s: 롤아웃이 %d초 안에 끝나지 않음", d.Name, deadline),
			fmt.Sprintf("Deployment %s: rollout did not finish within %ds", d.Name, deadline),
			fmt.Sprintf("새 버전 파드가 %d/%d개만 업데이트되고 사용 가능 %d개입니다 (progressDeadlineSeconds %d 초과). 새 ReplicaSet의 파드 상태를 확인하고, 일시적 문제였다면 롤아웃을 재시작하세요.", st.UpdatedReplicas, want, st.AvailableReplicas, deadline),
			fmt.Sprintf("Only %d/%d pods are updated and %d available (progressDeadlineSeconds %d exceeded). Check the new ReplicaSet's pods; if the cause was transient, restart the rollout.", st.UpdatedReplicas, want, st.AvailableReplicas, deadline))
		f.Evidence = []*kubemedicv1.Evidence{conditionEvidence("status.conditions", string(c.Type), string(c.Status), c.Reason, c.Message, c.LastUpdateTime.Time)}
		f.SuggestedActions = []*kubemedicv1.Action{restartAction(in, d.Namespace, "Deployment", d.Name)}
		out = append(out, f)
	}
	c := deploymentCondition(d, appsv1.DeploymentAvailable)
	if c == nil || c.Status != corev1.ConditionFalse {
		return out
	}
	reason := c.Reason
	ev := []*kubemedicv1.Evidence{conditionEvidence("status.conditions", string(c.Type), string(c.Status), c.Reason, c.Message, c.LastUpdateTime.Time)}
	causeKo, causeEn := "", ""
	for _, rs := range in.State.ReplicaSets(d.Namespace) {
		if ref := metav1.GetControllerOf(rs); ref == nil || ref.UID != d.UID {
			continue
		}
		if fc := eventEvidence(in.State.Events(cluster.KindReplicaSet, rs.Namespace, rs.Name, rs.UID), 2, warningEvents("FailedCreate")); len(fc) > 0 {
			ev = append(ev, fc...)
			reason = "FailedCreate"
			causeKo = fmt.Sprintf(" ReplicaSet %s이(가) 파드를 만들지 못합니다: %s", rs.Name, fc[0].Message)
			causeEn = fmt.Sprintf(" ReplicaSet %s cannot create pods: %s", rs.Name, fc[0].Message)
		}
	}
	f := newFinding(in, o, "DeploymentUnavailable", reason, errorSev)
	say(f,
		fmt.Sprintf("Deployment %s: 사용 가능한 파드 %d/%d개", d.Name, st.AvailableReplicas, want),
		fmt.Sprintf("Deployment %s: %d/%d pods available", d.Name, st.AvailableReplicas, want),
		fmt.Sprintf("원하는 %d개 중 %d개만 사용 가능(Ready %d개)해 최소 가용 수를 채우지 못합니다.%s", want, st.AvailableReplicas, st.ReadyReplicas, causeKo),
		fmt.Sprintf("Only %d of %d desired pods are available (%d ready), below the minimum.%s", st.AvailableReplicas, want, st.ReadyReplicas, causeEn))
	f.Evidence = ev
	return append(out, f)
}

func checkStatefulSet(in *Input, s *appsv1.StatefulSet, pods []*corev1.Pod) *kubemedicv1.Finding {
	want := int32(1)
	if s.Spec.Replicas != nil {
		want = *s.Spec.Replicas
	}
	if want == 0 || s.Status.ReadyReplicas >= want {
		return nil
	}
	// The lowest ordinal that is missing or not ready holds the others back
	// under OrderedReady.
	ready := map[string]bool{}
	exists := map[string]*corev1.Pod{}
	for _, p := range pods {
		exists[p.Name] = p
		if c := podCondition(p, corev1.PodReady); c != nil && c.Status == corev1.ConditionTrue {
			ready[p.Name] = true
		}
	}
	stuck, state, stateEn := "", "", ""
	for i := range want {
		name := fmt.Sprintf("%s-%d", s.Name, i)
		if ready[name] {
			continue
		}
		stuck = name
		if p := exists[name]; p == nil {
			state, stateEn = "생성되지 않음", "not created"
		} else {
			state, stateEn = fmt.Sprintf("%s, Ready 아님", p.Status.Phase), fmt.Sprintf("%s, not ready", p.Status.Phase)
		}
		break
	}
	if stuck == "" {
		return nil // status lags the pods
	}
	f := newFinding(in, obj("apps/v1", "StatefulSet", s), "StatefulSetPodsStuck", "", errorSev)
	say(f,
		fmt.Sprintf("StatefulSet %s: Ready 파드 %d/%d개", s.Name, s.Status.ReadyReplicas, want),
		fmt.Sprintf("StatefulSet %s: %d/%d pods ready", s.Name, s.Status.ReadyReplicas, want),
		fmt.Sprintf("원하는 %d개 중 %d개만 Ready입니다. 파드 %s(%s)이(가) 진행을 막고 있습니다: 순서대로(OrderedReady) 만들어지므로 뒤 번호 파드는 기다립니다.", want, s.Status.ReadyReplicas, stuck, state),
		fmt.Sprintf("Only %d of %d pods are ready. Pod %s (%s) holds the rollout back: pods are created in order (OrderedReady), so higher ordinals wait.", s.Status.ReadyReplicas, want, stuck, stateEn))
	f.Evidence = []*kubemedicv1.Evidence{fieldEvidence("status.readyReplicas", "ReadyReplicas", fmt.Sprintf("readyReplicas %d, replicas %d, currentReplicas %d", s.Status.ReadyReplicas, want, s.Status.CurrentReplicas))}
	f.Evidence = append(f.Evidence, eventEvidence(in.State.Events(cluster.KindStatefulSet, s.Namespace, s.Name, s.UID), 2, warningEvents())...)
	return f
}

// checkDaemonSet counts DaemonSet pods that are missing or unready on
// nodes that are Ready and schedulable; pods on cordoned or NotReady nodes
// are the node's story, not the DaemonSet's.
func checkDaemonSet(in *Input, ds *appsv1.DaemonSet, pods []*corev1.Pod) *kubemedicv1.Finding {
	st := ds.Status
	missing := max(st.DesiredNumberScheduled-st.CurrentNumberScheduled, 0)
	var unready []string
	for _, p := range pods {
		if terminated(p) || p.Spec.NodeName == "" {
			continue
		}
		n := in.State.Node(p.Spec.NodeName)
		if n == nil || n.Spec.Unschedulable || !nodeReady(n) {
			continue
		}
		if c := podCondition(p, corev1.PodReady); c == nil || c.Status != corev1.ConditionTrue {
			unready = append(unready, p.Name+"@"+p.Spec.NodeName)
		}
	}
	if missing == 0 && len(unready) == 0 {
		return nil
	}
	f := newFinding(in, obj("apps/v1", "DaemonSet", ds), "DaemonSetUnavailable", "", warning)
	sample := unready
	if len(sample) > 3 {
		sample = sample[:3]
	}
	say(f,
		fmt.Sprintf("DaemonSet %s: 정상 노드에서 파드 %d개 미배치, %d개 Ready 아님", ds.Name, missing, len(unready)),
		fmt.Sprintf("DaemonSet %s: %d pods not scheduled and %d not ready on healthy nodes", ds.Name, missing, len(unready)),
		fmt.Sprintf("노드 %d개에 있어야 하는데 %d개에만 배치되었고, Ready가 아닌 파드 %d개(%s)이(가) 정상 노드에 있습니다. cordon/NotReady 노드의 파드는 세지 않았습니다.", st.DesiredNumberScheduled, st.CurrentNumberScheduled, len(unready), strings.Join(sample, ", ")),
		fmt.Sprintf("It should run on %d nodes but is scheduled on %d, and %d pods on healthy nodes are not ready (%s). Pods on cordoned or NotReady nodes are not counted.", st.DesiredNumberScheduled, st.CurrentNumberScheduled, len(unready), strings.Join(sample, ", ")))
	f.Evidence = []*kubemedicv1.Evidence{fieldEvidence("status", "NumberUnavailable", fmt.Sprintf("desired %d, current %d, ready %d, unavailable %d", st.DesiredNumberScheduled, st.CurrentNumberScheduled, st.NumberReady, st.NumberUnavailable))}
	f.Evidence = append(f.Evidence, eventEvidence(in.State.Events(cluster.KindDaemonSet, ds.Namespace, ds.Name, ds.UID), 2, warningEvents())...)
	return f
}
