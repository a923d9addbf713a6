package cluster

import (
	"cmp"
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
)

// Memory is an immutable in-memory State built from object lists: LIST
// results, a snapshot directory, or test fixtures. Safe for concurrent reads.
type Memory struct {
	namespaces      store[*corev1.Namespace]
	nodes           store[*corev1.Node]
	pods            store[*corev1.Pod]
	events          map[string][]*corev1.Event // by kind/namespace/name
	services        store[*corev1.Service]
	endpointSlices  map[string][]*discoveryv1.EndpointSlice // by namespace/service
	deployments     store[*appsv1.Deployment]
	replicaSets     store[*appsv1.ReplicaSet]
	statefulSets    store[*appsv1.StatefulSet]
	daemonSets      store[*appsv1.DaemonSet]
	jobs            store[*batchv1.Job]
	cronJobs        store[*batchv1.CronJob]
	pvcs            store[*corev1.PersistentVolumeClaim]
	storageClasses  store[*storagev1.StorageClass]
	ingresses       store[*networkingv1.Ingress]
	ingressClasses  store[*networkingv1.IngressClass]
	networkPolicies store[*networkingv1.NetworkPolicy]
	pdbs            store[*policyv1.PodDisruptionBudget]
	hpas            store[*autoscalingv2.HorizontalPodAutoscaler]
	secrets         store[*metav1.PartialObjectMetadata]
	configMaps      store[*corev1.ConfigMap]
	collected       map[string]bool
}

var _ State = (*Memory)(nil)

// Supported reports whether New keeps obj (typed objects of the kinds in
// Kinds; a Secret may also be a PartialObjectMetadata of kind Secret).
func Supported(obj runtime.Object) bool {
	switch o := obj.(type) {
	case *corev1.Namespace, *corev1.Node, *corev1.Pod, *corev1.Event, *corev1.Service,
		*discoveryv1.EndpointSlice, *appsv1.Deployment, *appsv1.ReplicaSet, *appsv1.StatefulSet,
		*appsv1.DaemonSet, *batchv1.Job, *batchv1.CronJob, *corev1.PersistentVolumeClaim,
		*storagev1.StorageClass, *networkingv1.Ingress, *networkingv1.IngressClass,
		*networkingv1.NetworkPolicy, *policyv1.PodDisruptionBudget,
		*autoscalingv2.HorizontalPodAutoscaler, *corev1.Secret, *corev1.ConfigMap:
		return true
	case *metav1.PartialObjectMetadata:
		return o.Kind == KindSecret
	}
	return false
}

// New builds a Memory from objs, with every kind in Kinds counted as
// collected (the caller listed everything; an empty kind is truly empty).
// Objects of unsupported types are ignored (see Supported); when two objects
// share kind, namespace and name the later one wins. Secrets are reduced to
// their metadata.
func New(objs ...runtime.Object) *Memory {
	return NewPartial(Kinds, objs...)
}

// NewPartial is New for a partial collection: only the kinds in collected,
// plus the kinds of objs, count as collected.
func NewPartial(collected []string, objs ...runtime.Object) *Memory {
	b := newBuilder()
	for _, k := range collected {
		b.m.collected[k] = true
	}
	for _, obj := range objs {
		if k := b.add(obj); k != "" {
			b.m.collected[k] = true
		}
	}
	return b.build()
}

// Collected implements State.
func (m *Memory) Collected(kind string) bool { return m.collected[kind] }

type builder struct {
	m              Memory
	events         map[string]*corev1.Event
	endpointSlices map[string]*discoveryv1.EndpointSlice
}

func newBuilder() *builder {
	return &builder{
		m:              Memory{collected: map[string]bool{}},
		events:         map[string]*corev1.Event{},
		endpointSlices: map[string]*discoveryv1.EndpointSlice{},
	}
}

func (b *builder) add(obj runtime.Object) string {
	m := &b.m
	switch o := obj.(type) {
	case *corev1.Namespace:
		m.namespaces.put(o)
		return KindNamespace
	case *corev1.Node:
		m.nodes.put(o)
		return KindNode
	case *corev1.Pod:
		m.pods.put(o)
		return KindPod
	case *corev1.Event:
		b.events[o.Namespace+"/"+o.Name] = o
		return KindEvent
	case *corev1.Service:
		m.services.put(o)
		return KindService
	case *discoveryv1.EndpointSlice:
		b.endpointSlices[o.Namespace+"/"+o.Name] = o
		return KindEndpointSlice
	case *appsv1.Deployment:
		m.deployments.put(o)
		return KindDeployment
	case *appsv1.ReplicaSet:
		m.replicaSets.put(o)
		return KindReplicaSet
	case *appsv1.StatefulSet:
		m.statefulSets.put(o)
		return KindStatefulSet
	case *appsv1.DaemonSet:
		m.daemonSets.put(o)
		return KindDaemonSet
	case *batchv1.Job:
		m.jobs.put(o)
		return KindJob
	case *batchv1.CronJob:
		m.cronJobs.put(o)
		return KindCronJob
	case *corev1.PersistentVolumeClaim:
		m.pvcs.put(o)
		return KindPersistentVolumeClaim
	case *storagev1.StorageClass:
		m.storageClasses.put(o)
		return KindStorageClass
	case *networkingv1.Ingress:
		m.ingresses.put(o)
		return KindIngress
	case *networkingv1.IngressClass:
		m.ingressClasses.put(o)
		return KindIngressClass
	case *networkingv1.NetworkPolicy:
		m.networkPolicies.put(o)
		return KindNetworkPolicy
	case *policyv1.PodDisruptionBudget:
		m.pdbs.put(o)
		return KindPodDisruptionBudget
	case *autoscalingv2.HorizontalPodAutoscaler:
		m.hpas.put(o)
		return KindHorizontalPodAutoscaler
	case *corev1.Secret:
		m.secrets.put(&metav1.PartialObjectMetadata{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: KindSecret},
			ObjectMeta: o.ObjectMeta,
		})
		return KindSecret
	case *metav1.PartialObjectMetadata:
		if o.Kind == KindSecret {
			m.secrets.put(o)
			return KindSecret
		}
	case *corev1.ConfigMap:
		m.configMaps.put(o)
		return KindConfigMap
	}
	return ""
}

func (b *builder) build() *Memory {
	m := &b.m
	m.events = map[string][]*corev1.Event{}
	for _, e := range b.events {
		io := e.InvolvedObject
		k := EventKey(io.Kind, io.Namespace, io.Name)
		m.events[k] = append(m.events[k], e)
	}
	for _, list := range m.events {
		slices.SortFunc(list, func(a, b *corev1.Event) int { return cmp.Compare(a.Name, b.Name) })
	}
	m.endpointSlices = map[string][]*discoveryv1.EndpointSlice{}
	for _, s := range b.endpointSlices {
		svc := s.Labels[discoveryv1.LabelServiceName]
		if svc == "" {
			continue
		}
		k := s.Namespace + "/" + svc
		m.endpointSlices[k] = append(m.endpointSlices[k], s)
	}
	m.namespaces.seal()
	m.nodes.seal()
	m.pods.seal()
	m.services.seal()
	m.deployments.seal()
	m.replicaSets.seal()
	m.statefulSets.seal()
	m.daemonSets.seal()
	m.jobs.seal()
	m.cronJobs.seal()
	m.pvcs.seal()
	m.storageClasses.seal()
	m.ingresses.seal()
	m.ingressClasses.seal()
	m.networkPolicies.seal()
	m.pdbs.seal()
	m.hpas.seal()
	m.secrets.seal()
	m.configMaps.seal()
	return m
}

// Len is the number of objects held, events included.
func (m *Memory) Len() int {
	n := len(m.namespaces.all) + len(m.nodes.all) + len(m.pods.all) + len(m.services.all) +
		len(m.deployments.all) + len(m.replicaSets.all) + len(m.statefulSets.all) +
		len(m.daemonSets.all) + len(m.jobs.all) + len(m.cronJobs.all) + len(m.pvcs.all) +
		len(m.storageClasses.all) + len(m.ingresses.all) + len(m.ingressClasses.all) +
		len(m.networkPolicies.all) + len(m.pdbs.all) + len(m.hpas.all) + len(m.secrets.all) +
		len(m.configMaps.all)
	for _, l := range m.events {
		n += len(l)
	}
	for _, l := range m.endpointSlices {
		n += len(l)
	}
	return n
}

func (m *Memory) Namespaces() []*corev1.Namespace { return m.namespaces.list("") }
func (m *Memory) Nodes() []*corev1.Node           { return m.nodes.list("") }
func (m *Memory) Node(name string) *corev1.Node   { return m.nodes.get("", name) }
func (m *Memory) Pods(ns string) []*corev1.Pod    { return m.pods.list(ns) }

func (m *Memory) Events(kind, ns, name string, uid types.UID) []*corev1.Event {
	list := m.events[EventKey(kind, ns, name)]
	if uid == "" {
		return list
	}
	var out []*corev1.Event
	for _, e := range list {
		if e.InvolvedObject.UID == "" || e.InvolvedObject.UID == uid {
			out = append(out, e)
		}
	}
	return out
}

func (m *Memory) Services(ns string) []*corev1.Service    { return m.services.list(ns) }
func (m *Memory) Service(ns, name string) *corev1.Service { return m.services.get(ns, name) }
func (m *Memory) EndpointSlices(ns, svc string) []*discoveryv1.EndpointSlice {
	return m.endpointSlices[ns+"/"+svc]
}
func (m *Memory) Deployments(ns string) []*appsv1.Deployment    { return m.deployments.list(ns) }
func (m *Memory) Deployment(ns, name string) *appsv1.Deployment { return m.deployments.get(ns, name) }
func (m *Memory) ReplicaSets(ns string) []*appsv1.ReplicaSet    { return m.replicaSets.list(ns) }
func (m *Memory) ReplicaSet(ns, name string) *appsv1.ReplicaSet { return m.replicaSets.get(ns, name) }
func (m *Memory) StatefulSets(ns string) []*appsv1.StatefulSet  { return m.statefulSets.list(ns) }
func (m *Memory) StatefulSet(ns, name string) *appsv1.StatefulSet {
	return m.statefulSets.get(ns, name)
}
func (m *Memory) DaemonSets(ns string) []*appsv1.DaemonSet    { return m.daemonSets.list(ns) }
func (m *Memory) DaemonSet(ns, name string) *appsv1.DaemonSet { return m.daemonSets.get(ns, name) }
func (m *Memory) Jobs(ns string) []*batchv1.Job               { return m.jobs.list(ns) }
func (m *Memory) Job(ns, name string) *batchv1.Job            { return m.jobs.get(ns, name) }
func (m *Memory) CronJobs(ns string) []*batchv1.CronJob       { return m.cronJobs.list(ns) }
func (m *Memory) PersistentVolumeClaims(ns string) []*corev1.PersistentVolumeClaim {
	return m.pvcs.list(ns)
}
func (m *Memory) PersistentVolumeClaim(ns, name string) *corev1.PersistentVolumeClaim {
	return m.pvcs.get(ns, name)
}
func (m *Memory) StorageClasses() []*storagev1.StorageClass { return m.storageClasses.list("") }
func (m *Memory) StorageClass(name string) *storagev1.StorageClass {
	return m.storageClasses.get("", name)
}
func (m *Memory) Ingresses(ns string) []*networkingv1.Ingress { return m.ingresses.list(ns) }
func (m *Memory) IngressClasses() []*networkingv1.IngressClass {
	return m.ingressClasses.list("")
}
func (m *Memory) IngressClass(name string) *networkingv1.IngressClass {
	return m.ingressClasses.get("", name)
}
func (m *Memory) NetworkPolicies(ns string) []*networkingv1.NetworkPolicy {
	return m.networkPolicies.list(ns)
}
func (m *Memory) PodDisruptionBudgets(ns string) []*policyv1.PodDisruptionBudget {
	return m.pdbs.list(ns)
}
func (m *Memory) HorizontalPodAutoscalers(ns string) []*autoscalingv2.HorizontalPodAutoscaler {
	return m.hpas.list(ns)
}
func (m *Memory) Secret(ns, name string) *metav1.PartialObjectMetadata {
	return m.secrets.get(ns, name)
}
func (m *Memory) ConfigMaps(ns string) []*corev1.ConfigMap    { return m.configMaps.list(ns) }
func (m *Memory) ConfigMap(ns, name string) *corev1.ConfigMap { return m.configMaps.get(ns, name) }

// store indexes one kind by namespace/name and by namespace; lists are
// sorted by namespace then name so analysis output is deterministic.
type store[T metav1.Object] struct {
	byKey map[string]T
	all   []T
	byNS  map[string][]T
}

func (s *store[T]) put(o T) {
	if s.byKey == nil {
		s.byKey = map[string]T{}
	}
	s.byKey[o.GetNamespace()+"/"+o.GetName()] = o
}

func (s *store[T]) seal() {
	s.all = make([]T, 0, len(s.byKey))
	for _, o := range s.byKey {
		s.all = append(s.all, o)
	}
	slices.SortFunc(s.all, func(a, b T) int {
		return cmp.Or(cmp.Compare(a.GetNamespace(), b.GetNamespace()), cmp.Compare(a.GetName(), b.GetName()))
	})
	s.byNS = map[string][]T{}
	for _, o := range s.all {
		s.byNS[o.GetNamespace()] = append(s.byNS[o.GetNamespace()], o)
	}
}

func (s *store[T]) list(ns string) []T {
	if ns == "" {
		return s.all
	}
	return s.byNS[ns]
}

func (s *store[T]) get(ns, name string) T {
	return s.byKey[ns+"/"+name]
}
