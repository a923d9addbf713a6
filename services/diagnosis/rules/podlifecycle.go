package rules

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

// notReadyGrace is how long a running pod may stay unready before it is a
// finding: rollouts and slow starts pass through short unready spells.
const notReadyGrace = 2 * time.Minute

// podLifecycle finds running pods that never become ready (probe
// failures), evicted pods and failed pods. Pods of Jobs are left to the jobs
// family (a failed Job pod is how a Job retries) and succeeded pods are
// never findings.
var podLifecycle = Rule{
	Name:  "pod-lifecycle",
	Codes: []string{"PodNotReady", "EvictedPods", "PodFailed"},
	Reads: []string{cluster.KindPod, cluster.KindEvent, cluster.KindNode, cluster.KindReplicaSet, cluster.KindDeployment,
		cluster.KindStatefulSet, cluster.KindDaemonSet, cluster.KindJob},
	About: podOwnerKinds,
	Check: checkPodLifecycle,
}

func checkPodLifecycle(in *Input) []*kubemedicv1.Finding {
	var issues []podIssue
	for _, ns := range in.scan() {
		for _, p := range in.State.Pods(ns) {
			if p.DeletionTimestamp != nil {
				continue
			}
			switch {
			case p.Status.Phase == corev1.PodFailed && p.Status.Reason == "Evicted":
				issues = append(issues, evictedIssue(p))
			case p.Status.Phase == corev1.PodFailed && !ownedByJob(p):
				issues = append(issues, failedIssue(p))
			case p.Status.Phase == corev1.PodRunning:
				if is, ok := notReadyIssue(in, p); ok {
					issues = append(issues, is)
				}
			}
		}
	}
	return rollup(in, issues)
}

func ownedByJob(p *corev1.Pod) bool {
	ref := metav1.GetControllerOf(p)
	return ref != nil && ref.Kind == "Job"
}

func evictedIssue(p *corev1.Pod) podIssue {
	return podIssue{pod: p, code: "EvictedPods", sev: warning,
		whatKo: "축출됨(Evicted)", whatEn: "evicted",
		causeKo:  fmt.Sprintf("노드 %s이(가) 파드를 축출했습니다: %s 노드의 메모리/디스크 압박을 확인하고, 남은 Failed 파드는 정리해도 됩니다.", orDash(p.Spec.NodeName), p.Status.Message),
		causeEn:  fmt.Sprintf("Node %s evicted the pod: %s Check the node's memory/disk pressure; the leftover Failed pods can be deleted.", orDash(p.Spec.NodeName), p.Status.Message),
		evidence: []*kubemedicv1.Evidence{fieldEvidence("status", "Evicted", p.Status.Message)}}
}

func failedIssue(p *corev1.Pod) podIssue {
	msg := p.Status.Message
	var ev []*kubemedicv1.Evidence
	for _, s := range p.Status.ContainerStatuses {
		if t := s.State.Terminated; t != nil && t.ExitCode != 0 {
			ev = append(ev, containerEvidence(fmt.Sprintf("status.containerStatuses[%s]", s.Name), t.Reason,
				fmt.Sprintf("exited with code %d (%s) %s", t.ExitCode, orDash(t.Reason), t.Message), t.FinishedAt.Time))
			if msg == "" {
				msg = fmt.Sprintf("container %s exited with code %d (%s)", s.Name, t.ExitCode, orDash(t.Reason))
			}
		}
	}
	if msg == "" {
		msg = "phase Failed"
	}
	ev = append([]*kubemedicv1.Evidence{fieldEvidence("status.phase", "Failed", fmt.Sprintf("reason %s: %s", orDash(p.Status.Reason), p.Status.Message))}, ev...)
	return podIssue{pod: p, code: "PodFailed", reason: p.Status.Reason, sev: warning,
		whatKo: "실패(Failed) 상태", whatEn: "failed",
		causeKo:  fmt.Sprintf("파드가 Failed로 끝났습니다: %s. 컨트롤러가 없는 파드는 다시 만들어지지 않습니다.", msg),
		causeEn:  fmt.Sprintf("The pod ended Failed: %s. A pod without a controller is not re-created.", msg),
		evidence: ev}
}

// notReadyIssue reports a running pod whose containers are all running
// (crash loops are the containers family's) but not ready for longer than
// notReadyGrace, with the readiness probe failures as evidence.
func notReadyIssue(in *Input, p *corev1.Pod) (podIssue, bool) {
	c := podCondition(p, corev1.PodReady)
	if c == nil || c.Status == corev1.ConditionTrue {
		return podIssue{}, false
	}
	if !c.LastTransitionTime.IsZero() && in.Now.Sub(c.LastTransitionTime.Time) < notReadyGrace {
		return podIssue{}, false
	}
	if n := in.State.Node(p.Spec.NodeName); n != nil && !nodeReady(n) {
		return podIssue{}, false // the node's finding explains it
	}
	var notReady []string
	for _, s := range p.Status.ContainerStatuses {
		if s.State.Running == nil {
			return podIssue{}, false
		}
		if !s.Ready {
			notReady = append(notReady, s.Name)
		}
	}
	if len(notReady) == 0 {
		return podIssue{}, false
	}
	probes := eventEvidence(in.State.Events(cluster.KindPod, p.Namespace, p.Name, p.UID), 2, warningEvents("Unhealthy"))
	since := in.Now.Sub(c.LastTransitionTime.Time).Round(time.Minute)
	ev := append([]*kubemedicv1.Evidence{conditionEvidence("status.conditions", "Ready", string(c.Status), c.Reason, c.Message, c.LastTransitionTime.Time)}, probes...)
	probeKo, probeEn := "readiness probe가 실패하고 있습니다", "the readiness probe keeps failing"
	if len(probes) > 0 {
		probeKo = fmt.Sprintf("readiness probe 실패: %s (%d회)", probes[0].Message, probes[0].Count)
		probeEn = fmt.Sprintf("readiness probe failed: %s (%d times)", probes[0].Message, probes[0].Count)
	}
	return podIssue{pod: p, code: "PodNotReady", reason: "ReadinessProbe", sev: warning,
		whatKo: "Ready가 아님", whatEn: "not ready",
		causeKo:  fmt.Sprintf("컨테이너 %v이(가) 실행 중이지만 %s 동안 Ready가 아닙니다: %s. 서비스 트래픽을 받지 못합니다.", notReady, since, probeKo),
		causeEn:  fmt.Sprintf("Containers %v are running but not ready for %s: %s. The pod gets no Service traffic.", notReady, since, probeEn),
		evidence: ev}, true
}
