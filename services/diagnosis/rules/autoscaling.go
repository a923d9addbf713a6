package rules

import (
	"fmt"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

// autoscaling finds HorizontalPodAutoscalers that cannot scale: the scale
// target is missing, a resource metric targets containers without requests,
// or the controller reports AbleToScale/ScalingActive False. An HPA resting
// at its minimum (ScalingLimited, TooFewReplicas) is healthy and quiet, and
// so is ScalingDisabled (the target was scaled to zero on purpose).
var autoscaling = Rule{
	Name:  "autoscaling",
	Codes: []string{"HPAUnable"},
	Reads: []string{cluster.KindHorizontalPodAutoscaler, cluster.KindDeployment, cluster.KindStatefulSet},
	About: []string{cluster.KindHorizontalPodAutoscaler},
	Check: checkAutoscaling,
}

func checkAutoscaling(in *Input) []*kubemedicv1.Finding {
	var out []*kubemedicv1.Finding
	for _, ns := range in.scan() {
		for _, h := range in.State.HorizontalPodAutoscalers(ns) {
			if f := hpaProblem(in, h); f != nil {
				out = append(out, f)
			}
		}
	}
	return out
}

func hpaProblem(in *Input, h *autoscalingv2.HorizontalPodAutoscaler) *kubemedicv1.Finding {
	o := obj("autoscaling/v2", "HorizontalPodAutoscaler", h)
	ref := h.Spec.ScaleTargetRef
	minR := int32(1)
	if h.Spec.MinReplicas != nil {
		minR = *h.Spec.MinReplicas
	}
	title := func(ko, en string) (string, string) {
		return fmt.Sprintf("HPA %s: %s", h.Name, ko), fmt.Sprintf("HPA %s: %s", h.Name, en)
	}
	var template *corev1.PodTemplateSpec
	found, known := false, false
	switch ref.Kind {
	case "Deployment":
		known = in.State.Collected(cluster.KindDeployment)
		if d := in.State.Deployment(h.Namespace, ref.Name); d != nil {
			found, template = true, &d.Spec.Template
		}
	case "StatefulSet":
		known = in.State.Collected(cluster.KindStatefulSet)
		if s := in.State.StatefulSet(h.Namespace, ref.Name); s != nil {
			found, template = true, &s.Spec.Template
		}
	}
	if known && !found {
		f := newFinding(in, o, "HPAUnable", "ScaleTargetNotFound", errorSev)
		tk, te := title(fmt.Sprintf("대상 %s %s이(가) 없음", ref.Kind, ref.Name), fmt.Sprintf("target %s %s does not exist", ref.Kind, ref.Name))
		say(f, tk, te,
			fmt.Sprintf("scaleTargetRef가 가리키는 %s %s/%s이(가) 없어 HPA가 아무것도 스케일하지 않습니다. 대상 이름을 고치거나 HPA를 지우세요.", ref.Kind, h.Namespace, ref.Name),
			fmt.Sprintf("scaleTargetRef points at %s %s/%s, which does not exist, so the HPA scales nothing. Fix the target name or delete the HPA.", ref.Kind, h.Namespace, ref.Name))
		f.Evidence = []*kubemedicv1.Evidence{fieldEvidence("spec.scaleTargetRef", "ScaleTargetNotFound", ref.Kind+"/"+ref.Name)}
		return f
	}
	if template != nil {
		for _, m := range h.Spec.Metrics {
			if m.Type != autoscalingv2.ResourceMetricSourceType || m.Resource == nil || m.Resource.Target.Type != autoscalingv2.UtilizationMetricType {
				continue
			}
			for _, c := range template.Spec.Containers {
				if _, ok := c.Resources.Requests[m.Resource.Name]; !ok {
					f := newFinding(in, o, "HPAUnable", "MissingRequests", errorSev)
					tk, te := title(fmt.Sprintf("컨테이너 %s에 %s requests가 없음", c.Name, m.Resource.Name), fmt.Sprintf("container %s has no %s request", c.Name, m.Resource.Name))
					say(f, tk, te,
						fmt.Sprintf("%s 사용률(%%) 기준 스케일링은 requests 대비로 계산하는데 %s %s의 컨테이너 %s에 %s requests가 없어 HPA가 사용률을 계산하지 못합니다. requests를 설정하세요.", m.Resource.Name, ref.Kind, ref.Name, c.Name, m.Resource.Name),
						fmt.Sprintf("Utilization of %s is measured against requests, but container %s of %s %s requests no %s, so the HPA cannot compute it. Set requests.", m.Resource.Name, c.Name, ref.Kind, ref.Name, m.Resource.Name))
					f.Evidence = []*kubemedicv1.Evidence{fieldEvidence("spec.template.spec.containers["+c.Name+"].resources.requests", "MissingRequests", string(m.Resource.Name)+" unset")}
					return f
				}
			}
		}
	}
	for _, c := range h.Status.Conditions {
		bad := c.Status == corev1.ConditionFalse &&
			(c.Type == autoscalingv2.AbleToScale || c.Type == autoscalingv2.ScalingActive && c.Reason != "ScalingDisabled")
		if !bad {
			continue
		}
		f := newFinding(in, o, "HPAUnable", c.Reason, errorSev)
		tk, te := title(fmt.Sprintf("스케일 불가 (%s)", c.Reason), fmt.Sprintf("cannot scale (%s)", c.Reason))
		say(f, tk, te,
			fmt.Sprintf("HPA의 %s 조건이 False입니다(%s): %s. 현재 레플리카 %d개(최소 %d, 최대 %d)에서 움직이지 않습니다. 메트릭 소스(metrics-server 등)와 대상 리소스를 확인하세요.", c.Type, c.Reason, c.Message, h.Status.CurrentReplicas, minR, h.Spec.MaxReplicas),
			fmt.Sprintf("The HPA's %s condition is False (%s): %s. It stays at %d replicas (min %d, max %d). Check the metrics source (metrics-server etc.) and the target.", c.Type, c.Reason, c.Message, h.Status.CurrentReplicas, minR, h.Spec.MaxReplicas))
		f.Evidence = []*kubemedicv1.Evidence{conditionEvidence("status.conditions", string(c.Type), string(c.Status), c.Reason, c.Message, c.LastTransitionTime.Time)}
		return f
	}
	return nil
}
