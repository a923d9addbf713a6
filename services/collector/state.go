package collector

import (
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/cache"

	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

// State returns the live view as a cluster.State: every call reads the
// informer caches as they are at that moment (no copy, no API call). Call it
// after WaitSynced; before, lists are incomplete.
func (l *Live) State() cluster.State {
	s := &state{}
	for _, w := range l.kinds {
		switch w.kind {
		case cluster.KindNamespace:
			s.namespaces = w.informer
		case cluster.KindNode:
			s.nodes = w.informer
		case cluster.KindPod:
			s.pods = w.informer
		case cluster.KindEvent:
			s.events = w.informer
		case cluster.KindService:
			s.services = w.informer
		case cluster.KindEndpointSlice:
			s.endpointSlices = w.informer
		case cluster.KindDeployment:
			s.deployments = w.informer
		case cluster.KindReplicaSet:
			s.replicaSets = w.informer
		case cluster.KindStatefulSet:
			s.statefulSets = w.informer
		case cluster.KindDaemonSet:
			s.daemonSets = w.informer
		case cluster.KindJob:
			s.jobs = w.informer
		case cluster.KindCronJob:
			s.cronJobs = w.informer
		case cluster.KindPersistentVolumeClaim:
			s.pvcs = w.informer
		case cluster.KindStorageClass:
			s.storageClasses = w.informer
		case cluster.KindIngress:
			s.ingresses = w.informer
		case cluster.KindIngressClass:
			s.ingressClasses = w.informer
		case cluster.KindNetworkPolicy:
			s.networkPolicies = w.informer
		case cluster.KindPodDisruptionBudget:
			s.pdbs = w.informer
		case cluster.KindHorizontalPodAutoscaler:
			s.hpas = w.informer
		case cluster.KindSecret:
			s.secrets = w.informer
		case cluster.KindConfigMap:
			s.configMaps = w.informer
		}
	}
	return s
}

// state is a cluster.State over informer caches.
type state struct {
	namespaces, nodes, pods, events, services, endpointSlices              cache.SharedIndexInformer
	deployments, replicaSets, statefulSets, daemonSets, jobs, cronJobs     cache.SharedIndexInformer
	pvcs, storageClasses, ingresses, ingressClasses, networkPolicies, pdbs cache.SharedIndexInformer
	hpas, secrets, configMaps                                              cache.SharedIndexInformer
}

var _ cluster.State = (*state)(nil)

// list returns the objects of one namespace ("" = all) as T.
func list[T any](inf cache.SharedIndexInformer, ns string) []T {
	var objs []any
	if ns == "" {
		objs = inf.GetStore().List()
	} else {
		objs, _ = inf.GetIndexer().ByIndex(cache.NamespaceIndex, ns)
	}
	return typed[T](objs)
}

func typed[T any](objs []any) []T {
	out := make([]T, 0, len(objs))
	for _, o := range objs {
		if t, ok := o.(T); ok {
			out = append(out, t)
		}
	}
	return out
}

// get returns one object or the zero T (a nil pointer).
func get[T any](inf cache.SharedIndexInformer, ns, name string) T {
	key := name
	if ns != "" {
		key = ns + "/" + name
	}
	var zero T
	obj, ok, err := inf.GetStore().GetByKey(key)
	if err != nil || !ok {
		return zero
	}
	t, ok := obj.(T)
	if !ok {
		return zero
	}
	return t
}

// Collected implements cluster.State: the live view watches every kind in
// cluster.Kinds.
func (s *state) Collected(kind string) bool { return slices.Contains(cluster.Kinds, kind) }

func (s *state) Namespaces() []*corev1.Namespace { return list[*corev1.Namespace](s.namespaces, "") }
func (s *state) Nodes() []*corev1.Node           { return list[*corev1.Node](s.nodes, "") }
func (s *state) Node(name string) *corev1.Node   { return get[*corev1.Node](s.nodes, "", name) }
func (s *state) Pods(ns string) []*corev1.Pod    { return list[*corev1.Pod](s.pods, ns) }

func (s *state) Events(kind, ns, name string, uid types.UID) []*corev1.Event {
	objs, _ := s.events.GetIndexer().ByIndex(cluster.EventIndex, cluster.EventKey(kind, ns, name))
	all := typed[*corev1.Event](objs)
	if uid == "" {
		return all
	}
	out := all[:0]
	for _, e := range all {
		if e.InvolvedObject.UID == "" || e.InvolvedObject.UID == uid {
			out = append(out, e)
		}
	}
	return out
}

func (s *state) Services(ns string) []*corev1.Service { return list[*corev1.Service](s.services, ns) }
func (s *state) Service(ns, name string) *corev1.Service {
	return get[*corev1.Service](s.services, ns, name)
}
func (s *state) EndpointSlices(ns, svc string) []*discoveryv1.EndpointSlice {
	objs, _ := s.endpointSlices.GetIndexer().ByIndex(serviceIndex, ns+"/"+svc)
	return typed[*discoveryv1.EndpointSlice](objs)
}

func (s *state) Deployments(ns string) []*appsv1.Deployment {
	return list[*appsv1.Deployment](s.deployments, ns)
}
func (s *state) Deployment(ns, name string) *appsv1.Deployment {
	return get[*appsv1.Deployment](s.deployments, ns, name)
}
func (s *state) ReplicaSets(ns string) []*appsv1.ReplicaSet {
	return list[*appsv1.ReplicaSet](s.replicaSets, ns)
}
func (s *state) ReplicaSet(ns, name string) *appsv1.ReplicaSet {
	return get[*appsv1.ReplicaSet](s.replicaSets, ns, name)
}
func (s *state) StatefulSets(ns string) []*appsv1.StatefulSet {
	return list[*appsv1.StatefulSet](s.statefulSets, ns)
}
func (s *state) StatefulSet(ns, name string) *appsv1.StatefulSet {
	return get[*appsv1.StatefulSet](s.statefulSets, ns, name)
}
func (s *state) DaemonSets(ns string) []*appsv1.DaemonSet {
	return list[*appsv1.DaemonSet](s.daemonSets, ns)
}
func (s *state) DaemonSet(ns, name string) *appsv1.DaemonSet {
	return get[*appsv1.DaemonSet](s.daemonSets, ns, name)
}
func (s *state) Jobs(ns string) []*batchv1.Job         { return list[*batchv1.Job](s.jobs, ns) }
func (s *state) Job(ns, name string) *batchv1.Job      { return get[*batchv1.Job](s.jobs, ns, name) }
func (s *state) CronJobs(ns string) []*batchv1.CronJob { return list[*batchv1.CronJob](s.cronJobs, ns) }

func (s *state) PersistentVolumeClaims(ns string) []*corev1.PersistentVolumeClaim {
	return list[*corev1.PersistentVolumeClaim](s.pvcs, ns)
}
func (s *state) PersistentVolumeClaim(ns, name string) *corev1.PersistentVolumeClaim {
	return get[*corev1.PersistentVolumeClaim](s.pvcs, ns, name)
}
func (s *state) StorageClasses() []*storagev1.StorageClass {
	return list[*storagev1.StorageClass](s.storageClasses, "")
}
func (s *state) StorageClass(name string) *storagev1.StorageClass {
	return get[*storagev1.StorageClass](s.storageClasses, "", name)
}

func (s *state) Ingresses(ns string) []*networkingv1.Ingress {
	return list[*networkingv1.Ingress](s.ingresses, ns)
}
func (s *state) IngressClasses() []*networkingv1.IngressClass {
	return list[*networkingv1.IngressClass](s.ingressClasses, "")
}
func (s *state) IngressClass(name string) *networkingv1.IngressClass {
	return get[*networkingv1.IngressClass](s.ingressClasses, "", name)
}
func (s *state) NetworkPolicies(ns string) []*networkingv1.NetworkPolicy {
	return list[*networkingv1.NetworkPolicy](s.networkPolicies, ns)
}
func (s *state) PodDisruptionBudgets(ns string) []*policyv1.PodDisruptionBudget {
	return list[*policyv1.PodDisruptionBudget](s.pdbs, ns)
}
func (s *state) HorizontalPodAutoscalers(ns string) []*autoscalingv2.HorizontalPodAutoscaler {
	return list[*autoscalingv2.HorizontalPodAutoscaler](s.hpas, ns)
}

func (s *state) Secret(ns, name string) *metav1.PartialObjectMetadata {
	return get[*metav1.PartialObjectMetadata](s.secrets, ns, name)
}
func (s *state) ConfigMaps(ns string) []*corev1.ConfigMap {
	return list[*corev1.ConfigMap](s.configMaps, ns)
}
func (s *state) ConfigMap(ns, name string) *corev1.ConfigMap {
	return get[*corev1.ConfigMap](s.configMaps, ns, name)
}

// Snapshot copies every object of the live view, with apiVersion and kind
// set, for serialization (see package snapshotstore). Secret metadata becomes
// a Secret without data.
func (l *Live) Snapshot() ([]runtime.Object, error) {
	var out []runtime.Object
	for _, w := range l.kinds {
		for _, o := range w.informer.GetStore().List() {
			if pm, ok := o.(*metav1.PartialObjectMetadata); ok {
				out = append(out, &corev1.Secret{
					TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: cluster.KindSecret},
					ObjectMeta: *pm.ObjectMeta.DeepCopy(),
				})
				continue
			}
			ro, ok := o.(runtime.Object)
			if !ok {
				continue
			}
			gvks, _, err := scheme.Scheme.ObjectKinds(ro)
			if err != nil || len(gvks) == 0 {
				return nil, fmt.Errorf("collector: snapshot of %s: kind of %T: %w", l.cluster, o, err)
			}
			c := ro.DeepCopyObject()
			c.GetObjectKind().SetGroupVersionKind(gvks[0])
			out = append(out, c)
		}
	}
	return out, nil
}
