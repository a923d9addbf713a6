package collector

import (
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

// lastApplied is kubectl's copy of the whole applied object: often the
// biggest field of an object, and never read by a rule.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// slim is the transform every informer runs before an object enters its
// cache. It drops what no rule reads and what makes caches big: managed
// fields, kubectl's last-applied copy, node image lists, environment values
// (names and references are kept: rules follow ConfigMap and Secret
// references), ConfigMap values (keys are kept; provider ConfigMaps in
// kube-system keep their data, see cluster.ProviderConfigMaps) and, for
// Secrets (metadata only), every annotation. Objects are
// modified in place: the informer owns them and nothing else has seen them.
func slim(obj any) (any, error) {
	if _, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		return obj, nil
	}
	if m, err := meta.Accessor(obj); err == nil {
		m.SetManagedFields(nil)
		if a := m.GetAnnotations(); a != nil {
			if _, ok := a[lastApplied]; ok {
				delete(a, lastApplied)
				m.SetAnnotations(a)
			}
		}
	}
	switch o := obj.(type) {
	case *corev1.Node:
		o.Status.Images = nil
	case *corev1.Pod:
		slimPodSpec(&o.Spec)
	case *appsv1.Deployment:
		slimPodSpec(&o.Spec.Template.Spec)
	case *appsv1.ReplicaSet:
		slimPodSpec(&o.Spec.Template.Spec)
	case *appsv1.StatefulSet:
		slimPodSpec(&o.Spec.Template.Spec)
	case *appsv1.DaemonSet:
		slimPodSpec(&o.Spec.Template.Spec)
	case *batchv1.Job:
		slimPodSpec(&o.Spec.Template.Spec)
	case *batchv1.CronJob:
		slimPodSpec(&o.Spec.JobTemplate.Spec.Template.Spec)
	case *corev1.ConfigMap:
		if !providerConfigMap(o) {
			// Keys only: "empty" and "unused" stay decidable.
			for k := range o.Data {
				o.Data[k] = ""
			}
			for k := range o.BinaryData {
				o.BinaryData[k] = nil
			}
		}
	case *metav1.PartialObjectMetadata:
		// Secrets are watched as metadata only; their annotations can still
		// carry data (e.g. a service-account token's or an old last-applied
		// copy), so keep none.
		o.Annotations = nil
	}
	return obj, nil
}

func slimPodSpec(s *corev1.PodSpec) {
	for _, cs := range [][]corev1.Container{s.InitContainers, s.Containers} {
		for i := range cs {
			for j := range cs[i].Env {
				cs[i].Env[j].Value = ""
			}
		}
	}
	for i := range s.EphemeralContainers {
		s.EphemeralContainers[i].Env = nil
	}
}

func providerConfigMap(cm *corev1.ConfigMap) bool {
	return cm.Namespace == metav1.NamespaceSystem && slices.Contains(cluster.ProviderConfigMaps, cm.Name)
}
