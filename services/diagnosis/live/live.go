// Package live collects a cluster.Memory from a running API server for a
// one-shot diagnosis: one LIST per resource kind (per namespace when the
// caller limits namespaces), all kinds concurrently, protobuf on the wire,
// Secrets as metadata only, Warning events only, managedFields dropped. Nothing is watched and no per-object request is
// made, so the cost is one round of LISTs however many objects fail.
//
// A kind the caller may not list (RBAC Forbidden) or the server does not
// serve (NotFound) is skipped and reported, and counts as not collected, so
// rules never mistake "could not see" for "does not exist". Any other error
// fails the collection.
package live

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

// Options configures Collect.
type Options struct {
	// Config is the client configuration. Required. Collect copies it and
	// sets the protobuf content type, QPS and Burst.
	Config *rest.Config
	// Namespaces limits namespaced kinds; empty lists every namespace.
	Namespaces []string
	// Concurrency bounds parallel LISTs. Default 8.
	Concurrency int
}

// Skipped is a kind that could not be listed.
type Skipped struct {
	Kind string
	Err  error
}

// Result is one collection.
type Result struct {
	// State holds what was listed.
	State *cluster.Memory
	// Skipped lists kinds that were forbidden or not served.
	Skipped []Skipped
}

// listFunc lists one kind in one namespace ("" = all).
type listFunc func(ctx context.Context, c clients, ns string) ([]runtime.Object, error)

type clients struct {
	cs kubernetes.Interface
	md metadata.Interface
}

// opts reads from the API server's watch cache (resourceVersion 0): a
// diagnosis wants a recent consistent view, not a quorum read of etcd.
var opts = metav1.ListOptions{ResourceVersion: "0"}

// objects returns pointers into list, with managedFields dropped: rules never
// read them and on pods they are a good part of the bytes.
func objects[T any, PT interface {
	*T
	runtime.Object
	SetManagedFields([]metav1.ManagedFieldsEntry)
}](list []T) []runtime.Object {
	out := make([]runtime.Object, len(list))
	for i := range list {
		p := PT(&list[i])
		p.SetManagedFields(nil)
		out[i] = p
	}
	return out
}

// kinds maps each cluster kind to its LIST; clusterScoped kinds ignore ns.
var kinds = map[string]listFunc{
	cluster.KindNamespace: func(ctx context.Context, c clients, _ string) ([]runtime.Object, error) {
		l, err := c.cs.CoreV1().Namespaces().List(ctx, opts)
		if err != nil {
			return nil, err
		}
		return objects(l.Items), nil
	},
	cluster.KindNode: func(ctx context.Context, c clients, _ string) ([]runtime.Object, error) {
		l, err := c.cs.CoreV1().Nodes().List(ctx, opts)
		if err != nil {
			return nil, err
		}
		return objects(l.Items), nil
	},
	cluster.KindPod: listPods, // streamed: see podstream.go
	cluster.KindEvent: func(ctx context.Context, c clients, ns string) ([]runtime.Object, error) {
		// Rules read Warning events only; Normal ones (Scheduled, Pulled,
		// SuccessfulCreate…) are most of a cluster's events.
		o := opts
		o.FieldSelector = "type=" + corev1.EventTypeWarning
		l, err := c.cs.CoreV1().Events(ns).List(ctx, o)
		if err != nil {
			return nil, err
		}
		return objects(l.Items), nil
	},
	cluster.KindService: func(ctx context.Context, c clients, ns string) ([]runtime.Object, error) {
		l, err := c.cs.CoreV1().Services(ns).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		return objects(l.Items), nil
	},
	cluster.KindEndpointSlice: func(ctx context.Context, c clients, ns string) ([]runtime.Object, error) {
		l, err := c.cs.DiscoveryV1().EndpointSlices(ns).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		return objects(l.Items), nil
	},
	cluster.KindDeployment: func(ctx context.Context, c clients, ns string) ([]runtime.Object, error) {
		l, err := c.cs.AppsV1().Deployments(ns).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		return objects(l.Items), nil
	},
	cluster.KindReplicaSet: func(ctx context.Context, c clients, ns string) ([]runtime.Object, error) {
		l, err := c.cs.AppsV1().ReplicaSets(ns).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		return objects(l.Items), nil
	},
	cluster.KindStatefulSet: func(ctx context.Context, c clients, ns string) ([]runtime.Object, error) {
		l, err := c.cs.AppsV1().StatefulSets(ns).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		return objects(l.Items), nil
	},
	cluster.KindDaemonSet: func(ctx context.Context, c clients, ns string) ([]runtime.Object, error) {
		l, err := c.cs.AppsV1().DaemonSets(ns).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		return objects(l.Items), nil
	},
	cluster.KindJob: func(ctx context.Context, c clients, ns string) ([]runtime.Object, error) {
		l, err := c.cs.BatchV1().Jobs(ns).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		return objects(l.Items), nil
	},
	cluster.KindCronJob: func(ctx context.Context, c clients, ns string) ([]runtime.Object, error) {
		l, err := c.cs.BatchV1().CronJobs(ns).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		return objects(l.Items), nil
	},
	cluster.KindPersistentVolumeClaim: func(ctx context.Context, c clients, ns string) ([]runtime.Object, error) {
		l, err := c.cs.CoreV1().PersistentVolumeClaims(ns).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		return objects(l.Items), nil
	},
	cluster.KindStorageClass: func(ctx context.Context, c clients, _ string) ([]runtime.Object, error) {
		l, err := c.cs.StorageV1().StorageClasses().List(ctx, opts)
		if err != nil {
			return nil, err
		}
		return objects(l.Items), nil
	},
	cluster.KindIngress: func(ctx context.Context, c clients, ns string) ([]runtime.Object, error) {
		l, err := c.cs.NetworkingV1().Ingresses(ns).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		return objects(l.Items), nil
	},
	cluster.KindIngressClass: func(ctx context.Context, c clients, _ string) ([]runtime.Object, error) {
		l, err := c.cs.NetworkingV1().IngressClasses().List(ctx, opts)
		if err != nil {
			return nil, err
		}
		return objects(l.Items), nil
	},
	cluster.KindNetworkPolicy: func(ctx context.Context, c clients, ns string) ([]runtime.Object, error) {
		l, err := c.cs.NetworkingV1().NetworkPolicies(ns).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		return objects(l.Items), nil
	},
	cluster.KindPodDisruptionBudget: func(ctx context.Context, c clients, ns string) ([]runtime.Object, error) {
		l, err := c.cs.PolicyV1().PodDisruptionBudgets(ns).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		return objects(l.Items), nil
	},
	cluster.KindHorizontalPodAutoscaler: func(ctx context.Context, c clients, ns string) ([]runtime.Object, error) {
		l, err := c.cs.AutoscalingV2().HorizontalPodAutoscalers(ns).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		return objects(l.Items), nil
	},
	cluster.KindConfigMap: func(ctx context.Context, c clients, ns string) ([]runtime.Object, error) {
		l, err := c.cs.CoreV1().ConfigMaps(ns).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		return objects(l.Items), nil
	},
	cluster.KindSecret: func(ctx context.Context, c clients, ns string) ([]runtime.Object, error) {
		l, err := c.md.Resource(corev1.SchemeGroupVersion.WithResource("secrets")).Namespace(ns).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		out := make([]runtime.Object, len(l.Items))
		for i := range l.Items {
			l.Items[i].Kind = cluster.KindSecret
			l.Items[i].ManagedFields = nil
			out[i] = &l.Items[i]
		}
		return out, nil
	},
}

// Collect lists every kind in cluster.Kinds.
func Collect(ctx context.Context, o Options) (*Result, error) {
	if o.Config == nil {
		return nil, fmt.Errorf("live: Options.Config is required")
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	cfg := rest.CopyConfig(o.Config)
	cfg.QPS, cfg.Burst = 50, 100
	pb := rest.CopyConfig(cfg)
	pb.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	pb.ContentType = "application/vnd.kubernetes.protobuf"
	cs, err := kubernetes.NewForConfig(pb)
	if err != nil {
		return nil, fmt.Errorf("live: client: %w", err)
	}
	md, err := metadata.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("live: metadata client: %w", err)
	}
	c := clients{cs: cs, md: md}
	namespaces := o.Namespaces
	if len(namespaces) == 0 {
		namespaces = []string{""}
	}
	var (
		mu      sync.Mutex
		objs    []runtime.Object
		skipped = map[string]error{}
	)
	// One small request first opens the HTTP/2 connection every LIST then
	// shares; started together, the LISTs would each dial and handshake.
	if _, err := cs.Discovery().ServerVersion(); err != nil {
		return nil, fmt.Errorf("live: %w", err)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.Concurrency)
	for _, kind := range cluster.Kinds {
		list := kinds[kind]
		scopes := namespaces
		if cluster.ClusterScoped(kind) {
			scopes = []string{""}
		}
		for _, ns := range scopes {
			g.Go(func() error {
				got, err := list(gctx, c, ns)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case apierrors.IsForbidden(err) || apierrors.IsNotFound(err):
					skipped[kind] = err
					return nil
				case err != nil:
					where := "all namespaces"
					if ns != "" {
						where = "namespace " + ns
					}
					return fmt.Errorf("live: list %s in %s: %w", kind, where, err)
				}
				objs = append(objs, got...)
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var collected []string
	res := &Result{}
	for _, k := range cluster.Kinds {
		if err, ok := skipped[k]; ok {
			res.Skipped = append(res.Skipped, Skipped{Kind: k, Err: err})
			continue
		}
		collected = append(collected, k)
	}
	res.State = cluster.NewPartial(collected, objs...)
	return res, nil
}
