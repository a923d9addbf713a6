package rules

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

// containers finds containers that cannot start or keep running, from the
// container statuses the kubelet writes and the pod's own Warning events.
var containers = Rule{
	Name:  "containers",
	Codes: []string{"ImagePullBackOff", "CrashLoopBackOff", "OOMKilled", "ContainerCreateError", "InitContainerFailed"},
	Reads: []string{cluster.KindPod, cluster.KindEvent, cluster.KindReplicaSet, cluster.KindDeployment,
		cluster.KindStatefulSet, cluster.KindDaemonSet, cluster.KindJob},
	About: podOwnerKinds,
	Check: checkContainers,
}

// podOwnerKinds are the kinds pod-level findings roll up to.
var podOwnerKinds = []string{cluster.KindPod, cluster.KindDeployment, cluster.KindReplicaSet,
	cluster.KindStatefulSet, cluster.KindDaemonSet, cluster.KindJob}

var imagePullReasons = map[string]bool{"ImagePullBackOff": true, "ErrImagePull": true, "InvalidImageName": true, "ErrImageNeverPull": true}

var createReasons = map[string]bool{"CreateContainerConfigError": true, "CreateContainerError": true,
	"RunContainerError": true, "ContainerCannotRun": true, "PreStartHookError": true}

func checkContainers(in *Input) []*kubemedicv1.Finding {
	var issues []podIssue
	for _, ns := range in.scan() {
		for _, p := range in.State.Pods(ns) {
			if terminated(p) || p.DeletionTimestamp != nil || p.Spec.NodeName == "" {
				continue
			}
			if is, ok := containerIssue(in, p); ok {
				issues = append(issues, is)
			}
		}
	}
	return rollup(in, issues)
}

// containerIssue reports the first problem of a pod: init containers first
// (nothing else starts before them), then app containers, then sandbox and
// volume problems while the pod is still ContainerCreating.
func containerIssue(in *Input, p *corev1.Pod) (podIssue, bool) {
	events := func(reasons ...string) []*kubemedicv1.Evidence {
		return eventEvidence(in.State.Events(cluster.KindPod, p.Namespace, p.Name, p.UID), 2, warningEvents(reasons...))
	}
	for _, s := range p.Status.InitContainerStatuses {
		src := fmt.Sprintf("status.initContainerStatuses[%s]", s.Name)
		w, t := s.State.Waiting, s.State.Terminated
		last := s.LastTerminationState.Terminated
		switch {
		case w != nil && imagePullReasons[w.Reason]:
			return imagePullIssue(p, s, src, w, events("Failed", "BackOff")), true
		case w != nil && w.Reason == "CrashLoopBackOff", t != nil && t.ExitCode != 0:
			exit, reason := int32(0), ""
			if t != nil {
				exit, reason = t.ExitCode, t.Reason
			} else if last != nil {
				exit, reason = last.ExitCode, last.Reason
			}
			ev := []*kubemedicv1.Evidence{containerEvidence(src, "InitFailed", fmt.Sprintf("init container %s exited with code %d (%s), restarts %d", s.Name, exit, reason, s.RestartCount), at(last))}
			return podIssue{pod: p, code: "InitContainerFailed", reason: reason, sev: errorSev,
				whatKo: fmt.Sprintf("init 컨테이너 %s 실패", s.Name), whatEn: fmt.Sprintf("init container %s fails", s.Name),
				causeKo:  fmt.Sprintf("init 컨테이너 %s이(가) 종료 코드 %d(%s)(으)로 실패해 앱 컨테이너가 시작되지 않습니다 (재시작 %d회). `kubectl logs %s -c %s -n %s`(으)로 원인을 확인하세요.", s.Name, exit, orDash(reason), s.RestartCount, p.Name, s.Name, p.Namespace),
				causeEn:  fmt.Sprintf("Init container %s exits with code %d (%s), so the app containers never start (%d restarts). Check `kubectl logs %s -c %s -n %s`.", s.Name, exit, orDash(reason), s.RestartCount, p.Name, s.Name, p.Namespace),
				evidence: append(ev, events("BackOff", "Failed")...)}, true
		case w != nil && createReasons[w.Reason]:
			return createIssue(p, s.Name, src, w, events("Failed", "FailedMount")), true
		}
	}
	for _, s := range p.Status.ContainerStatuses {
		src := fmt.Sprintf("status.containerStatuses[%s]", s.Name)
		w := s.State.Waiting
		last := s.LastTerminationState.Terminated
		switch {
		case w != nil && imagePullReasons[w.Reason]:
			return imagePullIssue(p, s, src, w, events("Failed", "BackOff")), true
		case w != nil && createReasons[w.Reason]:
			return createIssue(p, s.Name, src, w, events("Failed", "FailedMount")), true
		case last != nil && last.Reason == "OOMKilled" && (w != nil && w.Reason == "CrashLoopBackOff" || s.RestartCount > 0):
			limit := containerLimit(p, s.Name)
			ev := []*kubemedicv1.Evidence{containerEvidence(src, "OOMKilled", fmt.Sprintf("last terminated: OOMKilled, exit code %d, restarts %d, memory limit %s", last.ExitCode, s.RestartCount, limit), last.FinishedAt.Time)}
			return podIssue{pod: p, code: "OOMKilled", reason: "", sev: errorSev,
				whatKo: fmt.Sprintf("컨테이너 %s 메모리 초과(OOMKilled)", s.Name), whatEn: fmt.Sprintf("container %s is OOMKilled", s.Name),
				causeKo:  fmt.Sprintf("컨테이너 %s이(가) 메모리 limit %s을(를) 넘어 OOMKilled로 종료되었습니다 (재시작 %d회). limit을 올리거나 메모리 사용을 줄이세요.", s.Name, limit, s.RestartCount),
				causeEn:  fmt.Sprintf("Container %s exceeded its memory limit %s and was OOMKilled (%d restarts). Raise the limit or reduce memory use.", s.Name, limit, s.RestartCount),
				evidence: append(ev, events("BackOff")...)}, true
		case w != nil && w.Reason == "CrashLoopBackOff":
			exit, reason := int32(0), ""
			if last != nil {
				exit, reason = last.ExitCode, last.Reason
			}
			ev := []*kubemedicv1.Evidence{containerEvidence(src, "CrashLoopBackOff", fmt.Sprintf("%s; last exit code %d (%s), restarts %d", w.Message, exit, orDash(reason), s.RestartCount), at(last))}
			return podIssue{pod: p, code: "CrashLoopBackOff", sev: errorSev,
				whatKo: fmt.Sprintf("컨테이너 %s 반복 재시작(CrashLoopBackOff)", s.Name), whatEn: fmt.Sprintf("container %s is in CrashLoopBackOff", s.Name),
				causeKo:  fmt.Sprintf("컨테이너 %s이(가) 종료 코드 %d(%s)(으)로 계속 종료되어 %d회 재시작했습니다. `kubectl logs %s -c %s -n %s --previous`로 마지막 로그를 확인하세요.", s.Name, exit, orDash(reason), s.RestartCount, p.Name, s.Name, p.Namespace),
				causeEn:  fmt.Sprintf("Container %s keeps exiting with code %d (%s) and has restarted %d times. Check `kubectl logs %s -c %s -n %s --previous`.", s.Name, exit, orDash(reason), s.RestartCount, p.Name, s.Name, p.Namespace),
				evidence: append(ev, events("BackOff")...)}, true
		}
	}
	// Still creating: the sandbox or a volume is failing.
	if ev := events("FailedMount", "FailedCreatePodSandBox", "FailedAttachVolume"); len(ev) > 0 && creating(p) {
		reason := ev[0].Reason
		return podIssue{pod: p, code: "ContainerCreateError", reason: reason, sev: errorSev,
			whatKo: fmt.Sprintf("컨테이너 생성 실패 (%s)", reason), whatEn: fmt.Sprintf("containers cannot be created (%s)", reason),
			causeKo:  fmt.Sprintf("파드가 ContainerCreating에서 멈췄습니다: %s (%d회).", ev[0].Message, ev[0].Count),
			causeEn:  fmt.Sprintf("The pod is stuck in ContainerCreating: %s (%d times).", ev[0].Message, ev[0].Count),
			evidence: ev}, true
	}
	return podIssue{}, false
}

// creating reports whether no container of the pod has started yet.
func creating(p *corev1.Pod) bool {
	if p.Status.Phase != corev1.PodPending {
		return false
	}
	for _, s := range p.Status.ContainerStatuses {
		if s.State.Running != nil || s.State.Terminated != nil {
			return false
		}
	}
	return true
}

func imagePullIssue(p *corev1.Pod, s corev1.ContainerStatus, src string, w *corev1.ContainerStateWaiting, events []*kubemedicv1.Evidence) podIssue {
	image := s.Image
	if image == "" {
		image = containerImage(p, s.Name)
	}
	hint, hintEn := "이미지 이름·태그가 맞는지, 레지스트리에 접근할 수 있는지, imagePullSecrets가 맞는지 확인하세요.", "Check the image name and tag, registry reachability and imagePullSecrets."
	if strings.Contains(w.Message, "not found") || strings.Contains(w.Message, "manifest unknown") {
		hint, hintEn = "레지스트리에 그 이미지나 태그가 없습니다: 이름과 태그를 고치세요.", "The registry has no such image or tag: fix the name or tag."
	} else if strings.Contains(w.Message, "unauthorized") || strings.Contains(w.Message, "denied") {
		hint, hintEn = "레지스트리 인증에 실패했습니다: imagePullSecrets를 확인하세요.", "The registry refused the credentials: check imagePullSecrets."
	}
	ev := []*kubemedicv1.Evidence{containerEvidence(src, w.Reason, w.Message, p.CreationTimestamp.Time)}
	return podIssue{pod: p, code: "ImagePullBackOff", reason: w.Reason, sev: errorSev,
		whatKo: fmt.Sprintf("이미지 %s을(를) 받지 못함", image), whatEn: fmt.Sprintf("cannot pull image %s", image),
		causeKo:  fmt.Sprintf("컨테이너 %s의 이미지 %s을(를) 받지 못했습니다(%s). %s", s.Name, image, w.Reason, hint),
		causeEn:  fmt.Sprintf("Container %s cannot pull image %s (%s). %s", s.Name, image, w.Reason, hintEn),
		evidence: append(ev, events...)}
}

func createIssue(p *corev1.Pod, name, src string, w *corev1.ContainerStateWaiting, events []*kubemedicv1.Evidence) podIssue {
	return podIssue{pod: p, code: "ContainerCreateError", reason: w.Reason, sev: errorSev,
		whatKo: fmt.Sprintf("컨테이너 %s 생성 실패 (%s)", name, w.Reason), whatEn: fmt.Sprintf("container %s cannot be created (%s)", name, w.Reason),
		causeKo:  fmt.Sprintf("컨테이너 %s을(를) 만들 수 없습니다: %s. 참조한 ConfigMap/Secret 키, 명령어, 볼륨을 확인하세요.", name, w.Message),
		causeEn:  fmt.Sprintf("Container %s cannot be created: %s. Check the referenced ConfigMap/Secret keys, the command and volumes.", name, w.Message),
		evidence: append([]*kubemedicv1.Evidence{containerEvidence(src, w.Reason, w.Message, p.CreationTimestamp.Time)}, events...)}
}

func containerImage(p *corev1.Pod, name string) string {
	for _, c := range append(p.Spec.InitContainers, p.Spec.Containers...) {
		if c.Name == name {
			return c.Image
		}
	}
	return "?"
}

func containerLimit(p *corev1.Pod, name string) string {
	for _, c := range p.Spec.Containers {
		if c.Name == name {
			if q, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
				return bytesHuman(q.Value())
			}
		}
	}
	return "(없음/none)"
}

// at is when a terminated state finished (zero when there is none).
func at(t *corev1.ContainerStateTerminated) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.FinishedAt.Time
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
