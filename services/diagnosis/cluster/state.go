// Package cluster is the read-only view of one Kubernetes cluster that the
// diagnosis rules consume.
//
// The model: a State answers list and get questions about the objects of one
// cluster at one moment, the way client-go listers do. Lists take a namespace;
// the empty namespace means every namespace. Returned objects are shared and
// must not be modified. A State never calls the API server: it is either an
// in-memory set of objects (Objects, built from LIST results, a snapshot
// directory or test fixtures) or a view over synced informer caches (the
// collector's adapter), so analysis is a pure function of what was collected.
//
// Events are looked up by the object they involve — kind, namespace, name and,
// when both sides know it, uid — never by name alone, so an event about
// Service "web" is not attributed to Deployment "web".
//
// An informer-backed State maps each list method to a lister (List with
// labels.Everything(), or the namespace lister when namespace is set), each
// get to the lister's Get (NotFound → nil), Events to an indexer with
// EventIndexFunc registered under EventIndex, EndpointSlices to a lister
// filtered by the kubernetes.io/service-name label, Secret to a metadata-only
// informer, and Collected to "an informer for this kind was started and has
// synced".
//
// Secrets are metadata only (rules check existence, never read values).
// ConfigMaps may carry data only for the provider ConfigMaps rules read (see
// ProviderConfigMaps); elsewhere an implementation may blank values but must
// keep keys, so "empty ConfigMap" stays decidable.
package cluster

import (
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// State is a read-only view of one cluster. Every list method takes a
// namespace ("" = all namespaces) and returns objects in no particular order;
// every get method returns nil when the object does not exist.
type State interface {
	// Collected reports whether objects of kind were collected at all. A
	// snapshot may lack whole kinds (cluster-info dump has no Secrets or
	// ConfigMaps); rules that report a missing referenced object check it
	// first, so "not collected" is never mistaken for "does not exist".
	Collected(kind string) bool

	Namespaces() []*corev1.Namespace
	Nodes() []*corev1.Node
	Node(name string) *corev1.Node

	Pods(namespace string) []*corev1.Pod
	// Events returns events whose involvedObject has this kind, namespace
	// and name; when uid and the event's involvedObject.uid are both set
	// they must match too.
	Events(kind, namespace, name string, uid types.UID) []*corev1.Event

	Services(namespace string) []*corev1.Service
	Service(namespace, name string) *corev1.Service
	// EndpointSlices returns the slices labelled
	// kubernetes.io/service-name=service in namespace.
	EndpointSlices(namespace, service string) []*discoveryv1.EndpointSlice

	Deployments(namespace string) []*appsv1.Deployment
	Deployment(namespace, name string) *appsv1.Deployment
	ReplicaSets(namespace string) []*appsv1.ReplicaSet
	ReplicaSet(namespace, name string) *appsv1.ReplicaSet
	StatefulSets(namespace string) []*appsv1.StatefulSet
	StatefulSet(namespace, name string) *appsv1.StatefulSet
	DaemonSets(namespace string) []*appsv1.DaemonSet
	DaemonSet(namespace, name string) *appsv1.DaemonSet
	Jobs(namespace string) []*batchv1.Job
	Job(namespace, name string) *batchv1.Job
	CronJobs(namespace string) []*batchv1.CronJob

	PersistentVolumeClaims(namespace string) []*corev1.PersistentVolumeClaim
	PersistentVolumeClaim(namespace, name string) *corev1.PersistentVolumeClaim
	StorageClasses() []*storagev1.StorageClass
	StorageClass(name string) *storagev1.StorageClass

	Ingresses(namespace string) []*networkingv1.Ingress
	IngressClasses() []*networkingv1.IngressClass
	IngressClass(name string) *networkingv1.IngressClass
	NetworkPolicies(namespace string) []*networkingv1.NetworkPolicy

	PodDisruptionBudgets(namespace string) []*policyv1.PodDisruptionBudget
	HorizontalPodAutoscalers(namespace string) []*autoscalingv2.HorizontalPodAutoscaler

	// Secret returns a secret's metadata (never its data).
	Secret(namespace, name string) *metav1.PartialObjectMetadata
	ConfigMaps(namespace string) []*corev1.ConfigMap
	ConfigMap(namespace, name string) *corev1.ConfigMap
}

// ProviderConfigMaps are the kube-system ConfigMaps whose data provider rules
// read; a collector keeps their values, other ConfigMaps may be key-only.
var ProviderConfigMaps = []string{"ncloud-config"}
