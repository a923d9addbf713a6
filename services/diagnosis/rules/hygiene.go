package rules

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

// hygiene reports, at info severity, ConfigMaps that no pod or pod template
// uses and ConfigMaps with no data. System namespaces, ConfigMaps that
// Kubernetes publishes into every namespace (kube-root-ca.crt), ConfigMaps
// owned by another object and leader-election locks are never reported:
// they are used by components that are not pods.
var hygiene = Rule{
	Name:  "hygiene",
	Codes: []string{"ConfigMapUnused", "ConfigMapEmpty"},
	Reads: []string{cluster.KindConfigMap, cluster.KindPod, cluster.KindDeployment, cluster.KindStatefulSet,
		cluster.KindDaemonSet, cluster.KindJob, cluster.KindCronJob, cluster.KindReplicaSet},
	About: []string{cluster.KindConfigMap},
	Check: checkHygiene,
}

var systemNamespaces = map[string]bool{"kube-system": true, "kube-public": true, "kube-node-lease": true}

// publishedConfigMaps are created in every namespace by cluster components.
var publishedConfigMaps = map[string]bool{"kube-root-ca.crt": true, "openshift-service-ca.crt": true, "istio-ca-root-cert": true}

func checkHygiene(in *Input) []*kubemedicv1.Finding {
	if !in.State.Collected(cluster.KindConfigMap) || !in.State.Collected(cluster.KindPod) {
		return nil
	}
	var out []*kubemedicv1.Finding
	for _, ns := range in.scan() {
		if len(in.State.ConfigMaps(ns)) == 0 {
			continue
		}
		used := map[string]bool{} // namespace/name
		mark := func(namespace string, spec *corev1.PodSpec) {
			for _, name := range configMapRefs(spec) {
				used[namespace+"/"+name] = true
			}
		}
		for _, p := range in.State.Pods(ns) {
			mark(p.Namespace, &p.Spec)
		}
		for _, d := range in.State.Deployments(ns) {
			mark(d.Namespace, &d.Spec.Template.Spec)
		}
		for _, s := range in.State.StatefulSets(ns) {
			mark(s.Namespace, &s.Spec.Template.Spec)
		}
		for _, s := range in.State.DaemonSets(ns) {
			mark(s.Namespace, &s.Spec.Template.Spec)
		}
		for _, s := range in.State.ReplicaSets(ns) {
			mark(s.Namespace, &s.Spec.Template.Spec)
		}
		for _, j := range in.State.Jobs(ns) {
			mark(j.Namespace, &j.Spec.Template.Spec)
		}
		for _, c := range in.State.CronJobs(ns) {
			mark(c.Namespace, &c.Spec.JobTemplate.Spec.Template.Spec)
		}
		for _, cm := range in.State.ConfigMaps(ns) {
			if systemNamespaces[cm.Namespace] || publishedConfigMaps[cm.Name] || len(cm.OwnerReferences) > 0 ||
				cm.Annotations["control-plane.alpha.kubernetes.io/leader"] != "" || strings.HasPrefix(cm.Namespace, "kube-") {
				continue
			}
			o := obj("v1", "ConfigMap", cm)
			switch {
			case len(cm.Data) == 0 && len(cm.BinaryData) == 0:
				f := newFinding(in, o, "ConfigMapEmpty", "", info)
				say(f,
					fmt.Sprintf("ConfigMap %s: 데이터 없음", cm.Name),
					fmt.Sprintf("ConfigMap %s: empty", cm.Name),
					"data와 binaryData가 모두 비어 있습니다. 쓰는 곳이 없다면 지워도 됩니다.",
					"Both data and binaryData are empty. Delete it if nothing needs it.")
				f.Evidence = []*kubemedicv1.Evidence{fieldEvidence("data", "Empty", "0 keys")}
				out = append(out, f)
			case !used[cm.Namespace+"/"+cm.Name]:
				f := newFinding(in, o, "ConfigMapUnused", "", info)
				say(f,
					fmt.Sprintf("ConfigMap %s: 사용하는 파드 없음", cm.Name),
					fmt.Sprintf("ConfigMap %s: not used by any pod", cm.Name),
					fmt.Sprintf("키 %d개를 가진 ConfigMap을 네임스페이스 %s의 어떤 파드·파드 템플릿도 볼륨이나 환경 변수로 쓰지 않습니다. 파드가 아닌 컴포넌트가 API로 읽는 것이 아니라면 정리하세요.", len(cm.Data)+len(cm.BinaryData), cm.Namespace),
					fmt.Sprintf("No pod or pod template in namespace %s uses this %d-key ConfigMap as a volume or environment. Unless something reads it through the API, clean it up.", cm.Namespace, len(cm.Data)+len(cm.BinaryData)))
				f.Evidence = []*kubemedicv1.Evidence{fieldEvidence("references", "Unreferenced", "no volume, projected volume, env or envFrom reference")}
				out = append(out, f)
			}
		}
	}
	return out
}

// configMapRefs lists the ConfigMaps a pod spec references.
func configMapRefs(spec *corev1.PodSpec) []string {
	var out []string
	for _, v := range spec.Volumes {
		if v.ConfigMap != nil {
			out = append(out, v.ConfigMap.Name)
		}
		if v.Projected != nil {
			for _, s := range v.Projected.Sources {
				if s.ConfigMap != nil {
					out = append(out, s.ConfigMap.Name)
				}
			}
		}
	}
	for _, cs := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for _, c := range cs {
			for _, e := range c.EnvFrom {
				if e.ConfigMapRef != nil {
					out = append(out, e.ConfigMapRef.Name)
				}
			}
			for _, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil {
					out = append(out, e.ValueFrom.ConfigMapKeyRef.Name)
				}
			}
		}
	}
	for _, c := range spec.EphemeralContainers {
		for _, e := range c.EnvFrom {
			if e.ConfigMapRef != nil {
				out = append(out, e.ConfigMapRef.Name)
			}
		}
	}
	return out
}
