package rules

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

// references finds objects that name other objects which do not exist:
// pods whose imagePullSecrets are missing (rolled up to the owner) and
// StatefulSets whose governing Service is missing. It reports only kinds
// that were collected, so a snapshot without Secrets says nothing.
var references = Rule{
	Name:  "references",
	Codes: []string{"ImagePullSecretMissing", "StatefulSetServiceMissing"},
	Reads: []string{cluster.KindPod, cluster.KindSecret, cluster.KindStatefulSet, cluster.KindService,
		cluster.KindReplicaSet, cluster.KindDeployment, cluster.KindDaemonSet, cluster.KindJob},
	About: append([]string{cluster.KindStatefulSet}, podOwnerKinds...),
	Check: checkReferences,
}

func checkReferences(in *Input) []*kubemedicv1.Finding {
	var out []*kubemedicv1.Finding
	if in.State.Collected(cluster.KindSecret) {
		var issues []podIssue
		for _, ns := range in.scan() {
			for _, p := range in.State.Pods(ns) {
				if terminated(p) {
					continue
				}
				for _, s := range p.Spec.ImagePullSecrets {
					if s.Name == "" || in.State.Secret(p.Namespace, s.Name) != nil {
						continue
					}
					issues = append(issues, podIssue{pod: p, code: "ImagePullSecretMissing", sev: warning,
						whatKo: fmt.Sprintf("imagePullSecret %s이(가) 없음", s.Name), whatEn: fmt.Sprintf("reference missing imagePullSecret %s", s.Name),
						causeKo:  fmt.Sprintf("imagePullSecrets의 시크릿 %s/%s이(가) 없습니다. 비공개 레지스트리 이미지라면 받지 못합니다: 시크릿을 만들거나 이름을 고치세요.", p.Namespace, s.Name),
						causeEn:  fmt.Sprintf("imagePullSecrets names %s/%s, which does not exist. Private images cannot be pulled: create the secret or fix the name.", p.Namespace, s.Name),
						evidence: []*kubemedicv1.Evidence{fieldEvidence("spec.imagePullSecrets", "SecretNotFound", s.Name)}})
					break
				}
			}
		}
		out = append(out, rollup(in, issues)...)
	}
	if in.State.Collected(cluster.KindService) {
		for _, ns := range in.scan() {
			for _, s := range in.State.StatefulSets(ns) {
				name := s.Spec.ServiceName
				if name == "" {
					continue
				}
				svc := in.State.Service(s.Namespace, name)
				switch {
				case svc == nil:
					f := newFinding(in, obj("apps/v1", "StatefulSet", s), "StatefulSetServiceMissing", "NotFound", warning)
					say(f,
						fmt.Sprintf("StatefulSet %s: 거버닝 Service %s이(가) 없음", s.Name, name),
						fmt.Sprintf("StatefulSet %s: governing Service %s does not exist", s.Name, name),
						fmt.Sprintf("spec.serviceName %s인 headless Service가 없어 파드의 고정 DNS 이름(%s-0.%s.%s.svc)이 만들어지지 않습니다. clusterIP: None인 Service를 만드세요.", name, s.Name, name, s.Namespace),
						fmt.Sprintf("There is no headless Service %s (spec.serviceName), so the pods' stable DNS names (%s-0.%s.%s.svc) do not exist. Create a Service with clusterIP: None.", name, s.Name, name, s.Namespace))
					f.Evidence = []*kubemedicv1.Evidence{fieldEvidence("spec.serviceName", "ServiceNotFound", name)}
					out = append(out, f)
				case svc.Spec.ClusterIP != corev1.ClusterIPNone:
					f := newFinding(in, obj("apps/v1", "StatefulSet", s), "StatefulSetServiceMissing", "NotHeadless", warning)
					say(f,
						fmt.Sprintf("StatefulSet %s: Service %s이(가) headless가 아님", s.Name, name),
						fmt.Sprintf("StatefulSet %s: Service %s is not headless", s.Name, name),
						fmt.Sprintf("spec.serviceName %s은(는) clusterIP %s인 일반 Service라 파드별 DNS 이름이 생기지 않습니다. clusterIP: None인 headless Service가 필요합니다.", name, svc.Spec.ClusterIP),
						fmt.Sprintf("spec.serviceName %s is a normal Service (clusterIP %s), so per-pod DNS names do not exist. A headless Service (clusterIP: None) is needed.", name, svc.Spec.ClusterIP))
					f.Evidence = []*kubemedicv1.Evidence{fieldEvidence("spec.serviceName", "NotHeadless", name+" clusterIP "+svc.Spec.ClusterIP)}
					out = append(out, f)
				}
			}
		}
	}
	return out
}
