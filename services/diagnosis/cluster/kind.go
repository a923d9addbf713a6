package cluster

// Kinds of objects a State holds, as Kubernetes spells them. Rules declare
// the kinds they read with these names, and Options.Kinds filters findings by
// the kind of the object they are about.
const (
	KindNamespace               = "Namespace"
	KindNode                    = "Node"
	KindPod                     = "Pod"
	KindEvent                   = "Event"
	KindService                 = "Service"
	KindEndpointSlice           = "EndpointSlice"
	KindDeployment              = "Deployment"
	KindReplicaSet              = "ReplicaSet"
	KindStatefulSet             = "StatefulSet"
	KindDaemonSet               = "DaemonSet"
	KindJob                     = "Job"
	KindCronJob                 = "CronJob"
	KindPersistentVolumeClaim   = "PersistentVolumeClaim"
	KindStorageClass            = "StorageClass"
	KindIngress                 = "Ingress"
	KindIngressClass            = "IngressClass"
	KindNetworkPolicy           = "NetworkPolicy"
	KindPodDisruptionBudget     = "PodDisruptionBudget"
	KindHorizontalPodAutoscaler = "HorizontalPodAutoscaler"
	KindSecret                  = "Secret"
	KindConfigMap               = "ConfigMap"
)

// Kinds lists every kind a State holds.
var Kinds = []string{
	KindNamespace, KindNode, KindPod, KindEvent, KindService, KindEndpointSlice,
	KindDeployment, KindReplicaSet, KindStatefulSet, KindDaemonSet, KindJob, KindCronJob,
	KindPersistentVolumeClaim, KindStorageClass, KindIngress, KindIngressClass,
	KindNetworkPolicy, KindPodDisruptionBudget, KindHorizontalPodAutoscaler,
	KindSecret, KindConfigMap,
}

// ClusterScoped reports whether objects of kind have no namespace.
func ClusterScoped(kind string) bool {
	switch kind {
	case KindNamespace, KindNode, KindStorageClass, KindIngressClass:
		return true
	}
	return false
}
