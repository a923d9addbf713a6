package collector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

// Live is kubemedic's live view of one cluster: one shared informer per kind
// the diagnosis rules read (cluster.Kinds), all fed by one client. State
// returns it as a cluster.State for the diagnosis engine. Objects are slimmed before
// they are cached (see slim), so memory grows with the cluster's objects but
// not with their bulk. Informers start on the first call to Start, list every
// kind once, then follow watches; when a watch breaks or expires (API server
// restart, etcd compaction) the informer lists again and its cache converges
// to the cluster's state. Every add, update and delete after the initial
// listing is reported to the change sink.
type Live struct {
	cluster string
	log     *slog.Logger
	client  kubernetes.Interface
	probe   func(context.Context) error // is the API server answering?
	sink    Sink

	core, events informers.SharedInformerFactory
	secrets      metadatainformer.SharedInformerFactory

	// kinds are the watched kinds in a fixed order.
	kinds []watched

	startOnce sync.Once
	stopOnce  sync.Once
	stop      chan struct{}

	mu       sync.Mutex
	started  bool
	syncedAt time.Time
	watchErr error     // last watch error while degraded
	errSince time.Time // when watches began failing
	outages  int       // how many times watches began failing
}

// watched is one informer and the kind its objects have.
type watched struct {
	kind     string
	informer cache.SharedIndexInformer
}

// Sink receives change notices. Change must not block for long: it runs on
// the informers' delivery goroutines.
type Sink interface {
	Change(cluster string, c *kubemedicv1.ObjectChange)
}

// IndexName is the informer index of objects by name, in every namespace.
const IndexName = "name"

// LiveOptions configures NewLive.
type LiveOptions struct {
	// Cluster is the kubemedic cluster name. Required.
	Cluster string
	// Config is the REST config of the cluster. Required. Its Timeout must be
	// zero (watches are long requests); QPS and Burst are set from the fields
	// below.
	Config *rest.Config
	// QPS and Burst limit the client. Default 20 and 40: informers list
	// each kind once, then watch.
	QPS   float32
	Burst int
	// Sink receives change notices; nil means none.
	Sink Sink
	// Logger is required.
	Logger *slog.Logger
}

// NewLive prepares the informers of one cluster without contacting it.
func NewLive(o LiveOptions) (*Live, error) {
	if o.Cluster == "" || o.Config == nil || o.Logger == nil {
		return nil, errors.New("collector: LiveOptions.Cluster, Config and Logger are required")
	}
	if o.QPS <= 0 {
		o.QPS = 20
	}
	if o.Burst <= 0 {
		o.Burst = 40
	}
	rc := rest.CopyConfig(o.Config)
	rc.Timeout = 0
	rc.QPS, rc.Burst = o.QPS, o.Burst
	rc.UserAgent = "kubemedic-collector"
	typed := rest.CopyConfig(rc)
	// Protobuf lists of 10,000 pods decode faster and allocate less.
	typed.ContentType = "application/vnd.kubernetes.protobuf"
	typed.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	client, err := kubernetes.NewForConfig(typed)
	if err != nil {
		return nil, fmt.Errorf("collector: client for cluster %s: %w", o.Cluster, err)
	}
	mc, err := metadata.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("collector: metadata client for cluster %s: %w", o.Cluster, err)
	}
	l := &Live{
		cluster: o.Cluster,
		log:     o.Logger.With("cluster", o.Cluster),
		client:  client,
		sink:    o.Sink,
		stop:    make(chan struct{}),
	}
	l.probe = func(ctx context.Context) error {
		_, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err
	}
	transform := informers.WithTransform(slim)
	l.core = informers.NewSharedInformerFactoryWithOptions(client, 0, transform)
	// Only Warning events are evidence; Normal ones (Scheduled, Pulled,
	// Started...) are most of a big cluster's events.
	l.events = informers.NewSharedInformerFactoryWithOptions(client, 0, transform,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.FieldSelector = "type!=Normal" }))
	l.secrets = metadatainformer.NewSharedInformerFactoryWithOptions(mc, 0, metadatainformer.WithTransform(slim))

	f := l.core
	l.kinds = []watched{
		{"Node", f.Core().V1().Nodes().Informer()},
		{"Namespace", f.Core().V1().Namespaces().Informer()},
		{"Pod", f.Core().V1().Pods().Informer()},
		{"Service", f.Core().V1().Services().Informer()},
		{"EndpointSlice", f.Discovery().V1().EndpointSlices().Informer()},
		{"PersistentVolumeClaim", f.Core().V1().PersistentVolumeClaims().Informer()},
		{"Deployment", f.Apps().V1().Deployments().Informer()},
		{"ReplicaSet", f.Apps().V1().ReplicaSets().Informer()},
		{"StatefulSet", f.Apps().V1().StatefulSets().Informer()},
		{"DaemonSet", f.Apps().V1().DaemonSets().Informer()},
		{"Job", f.Batch().V1().Jobs().Informer()},
		{"CronJob", f.Batch().V1().CronJobs().Informer()},
		{"StorageClass", f.Storage().V1().StorageClasses().Informer()},
		{"Ingress", f.Networking().V1().Ingresses().Informer()},
		{"IngressClass", f.Networking().V1().IngressClasses().Informer()},
		{"NetworkPolicy", f.Networking().V1().NetworkPolicies().Informer()},
		{"PodDisruptionBudget", f.Policy().V1().PodDisruptionBudgets().Informer()},
		{"HorizontalPodAutoscaler", f.Autoscaling().V2().HorizontalPodAutoscalers().Informer()},
		{"Event", l.events.Core().V1().Events().Informer()},
		{"ConfigMap", f.Core().V1().ConfigMaps().Informer()},
		{"Secret", l.secrets.ForResource(schema.GroupVersionResource{Version: "v1", Resource: "secrets"}).Informer()},
	}
	for _, w := range l.kinds {
		if err := l.wire(w); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// wire adds the name index, the watch-error handler and the change handler
// to one informer.
func (l *Live) wire(w watched) error {
	idx := cache.Indexers{IndexName: byName}
	switch w.kind {
	case cluster.KindEvent:
		idx = cache.Indexers{cluster.EventIndex: cluster.EventIndexFunc}
	case cluster.KindEndpointSlice:
		idx[serviceIndex] = byService
	}
	if err := w.informer.AddIndexers(idx); err != nil {
		return fmt.Errorf("collector: %s indexes: %w", w.kind, err)
	}
	if err := w.informer.SetWatchErrorHandlerWithContext(func(ctx context.Context, r *cache.Reflector, err error) {
		l.watchFailed(w.kind, err)
		cache.DefaultWatchErrorHandler(ctx, r, err)
	}); err != nil {
		return fmt.Errorf("collector: %s watch error handler: %w", w.kind, err)
	}
	if l.sink == nil {
		return nil
	}
	_, err := w.informer.AddEventHandler(cache.ResourceEventHandlerDetailedFuncs{
		AddFunc: func(obj any, initial bool) {
			if !initial {
				l.notify(w.kind, kubemedicv1.ChangeType_CHANGE_TYPE_ADDED, obj)
			}
		},
		UpdateFunc: func(old, obj any) {
			if resourceVersion(old) != resourceVersion(obj) {
				l.notify(w.kind, kubemedicv1.ChangeType_CHANGE_TYPE_UPDATED, obj)
			}
		},
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			l.notify(w.kind, kubemedicv1.ChangeType_CHANGE_TYPE_DELETED, obj)
		},
	})
	return err
}

// serviceIndex indexes EndpointSlices by namespace/service.
const serviceIndex = "service"

func byService(obj any) ([]string, error) {
	s, ok := obj.(*discoveryv1.EndpointSlice)
	if !ok {
		return nil, fmt.Errorf("collector: service index got %T", obj)
	}
	svc := s.Labels[discoveryv1.LabelServiceName]
	if svc == "" {
		return nil, nil
	}
	return []string{s.Namespace + "/" + svc}, nil
}

func byName(obj any) ([]string, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	return []string{m.GetName()}, nil
}

func resourceVersion(obj any) string {
	if m, err := meta.Accessor(obj); err == nil {
		return m.GetResourceVersion()
	}
	return ""
}

func (l *Live) notify(kind string, typ kubemedicv1.ChangeType, obj any) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return
	}
	l.sink.Change(l.cluster, &kubemedicv1.ObjectChange{
		Kind:            kind,
		Namespace:       m.GetNamespace(),
		Name:            m.GetName(),
		Uid:             string(m.GetUID()),
		ResourceVersion: m.GetResourceVersion(),
		Type:            typ,
	})
}

// watchFailed marks the view degraded until the API server answers again;
// the informers relist on their own (with backoff) once it does.
func (l *Live) watchFailed(kind string, err error) {
	l.mu.Lock()
	first := l.watchErr == nil
	l.watchErr = fmt.Errorf("%s watch: %w", kind, err)
	if first {
		l.errSince = time.Now()
		l.outages++
	}
	l.mu.Unlock()
	if first {
		l.log.Warn("watch failed; informers will relist", "kind", kind, "error", err)
	}
}

// healthInterval is how often a started live view checks that its API
// server answers. Informers do not report a refused connection (they retry
// the watch quietly), so this is how an outage becomes visible.
const healthInterval = 2 * time.Second

// monitor checks the API server every healthInterval: a failure marks the
// view degraded, the next success clears it.
func (l *Live) monitor() {
	t := time.NewTicker(healthInterval)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), healthInterval)
		err := l.probe(ctx)
		cancel()
		if err != nil {
			l.watchFailed("health", err)
			continue
		}
		l.mu.Lock()
		recovered := l.watchErr != nil
		l.watchErr = nil
		l.mu.Unlock()
		if recovered {
			l.log.Info("API server answers again; informers relist and resume")
		}
	}
}

// Start starts the informers once; later calls do nothing. It does not wait
// for them to sync (see WaitSynced).
func (l *Live) Start() {
	l.startOnce.Do(func() {
		l.mu.Lock()
		l.started = true
		l.mu.Unlock()
		l.log.Info("starting informers", "kinds", len(l.kinds))
		for _, f := range []interface{ Start(<-chan struct{}) }{l.core, l.events, l.secrets} {
			f.Start(l.stop)
		}
		go l.monitor()
		go func() {
			begin := time.Now()
			if !cache.WaitForCacheSync(l.stop, l.hasSynced) {
				return
			}
			l.markSynced()
			l.log.Info("informers synced", "took", time.Since(begin).Round(time.Millisecond), "objects", l.Objects())
		}()
	})
}

func (l *Live) hasSynced() bool {
	for _, w := range l.kinds {
		if !w.informer.HasSynced() {
			return false
		}
	}
	return true
}

// WaitSynced starts the informers if needed and waits until every kind is
// listed, or ctx ends.
func (l *Live) WaitSynced(ctx context.Context) error {
	l.Start()
	if l.hasSynced() {
		l.markSynced()
		return nil
	}
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("cluster %s: live view not synced yet (%s): %w", l.cluster, l.Status().GetMessage(), ctx.Err())
		case <-l.stop:
			return fmt.Errorf("cluster %s: live view stopped", l.cluster)
		case <-t.C:
			if l.hasSynced() {
				l.markSynced()
				return nil
			}
		}
	}
}

// markSynced records when the initial listing finished (once).
func (l *Live) markSynced() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.syncedAt.IsZero() {
		l.syncedAt = time.Now()
	}
}

// Started reports whether the informers were started.
func (l *Live) Started() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.started
}

// Synced reports whether every kind has been listed.
func (l *Live) Synced() bool { return l.hasSynced() }

// Outages counts the times watches began failing (API server restarts,
// network trouble) since the informers started.
func (l *Live) Outages() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.outages
}

// Objects counts the objects held in the live view.
func (l *Live) Objects() int64 {
	var n int64
	for _, w := range l.kinds {
		n += int64(len(w.informer.GetStore().ListKeys()))
	}
	return n
}

// Status reports the state of the live view.
func (l *Live) Status() *kubemedicv1.WatchStatus {
	l.mu.Lock()
	started, syncedAt, werr, since := l.started, l.syncedAt, l.watchErr, l.errSince
	l.mu.Unlock()
	s := &kubemedicv1.WatchStatus{TotalKinds: int32(len(l.kinds))}
	if !started {
		s.State = kubemedicv1.WatchState_WATCH_STATE_IDLE
		s.Message = "not watching yet; starts with the first diagnosis"
		return s
	}
	var pending []string
	for _, w := range l.kinds {
		if w.informer.HasSynced() {
			s.SyncedKinds++
		} else {
			pending = append(pending, w.kind)
		}
	}
	s.Objects = l.Objects()
	switch {
	case werr != nil:
		s.State = kubemedicv1.WatchState_WATCH_STATE_DEGRADED
		s.Message = fmt.Sprintf("watches failing for %s, retrying: %v", time.Since(since).Round(time.Second), werr)
	case len(pending) > 0:
		s.State = kubemedicv1.WatchState_WATCH_STATE_SYNCING
		s.Message = fmt.Sprintf("listing %d of %d kinds still in progress: %v", len(pending), len(l.kinds), pending)
	default:
		l.markSynced()
		syncedAt = l.syncedAtTime()
		s.State = kubemedicv1.WatchState_WATCH_STATE_SYNCED
		s.Message = fmt.Sprintf("%d kinds watched, %d objects", len(l.kinds), s.Objects)
	}
	if !syncedAt.IsZero() {
		s.SyncedAt = timestampOf(syncedAt)
	}
	return s
}

func (l *Live) syncedAtTime() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.syncedAt
}

// Stop stops the informers.
func (l *Live) Stop() {
	l.stopOnce.Do(func() {
		close(l.stop)
		l.core.Shutdown()
		l.events.Shutdown()
		l.secrets.Shutdown()
	})
}

// Informer returns the informer of a kind ("Pod", "Node", ...) or nil.
func (l *Live) Informer(kind string) cache.SharedIndexInformer {
	for _, w := range l.kinds {
		if w.kind == kind {
			return w.informer
		}
	}
	return nil
}

// Kinds are the watched kinds.
func (l *Live) Kinds() []string {
	out := make([]string, len(l.kinds))
	for i, w := range l.kinds {
		out[i] = w.kind
	}
	return out
}

// ByName returns the objects of a kind with the given name, in any namespace.
func (l *Live) ByName(kind, name string) []metav1.Object {
	inf := l.Informer(kind)
	if inf == nil {
		return nil
	}
	objs, err := inf.GetIndexer().ByIndex(IndexName, name)
	if err != nil {
		return nil
	}
	out := make([]metav1.Object, 0, len(objs))
	for _, o := range objs {
		if m, err := meta.Accessor(o); err == nil {
			out = append(out, m)
		}
	}
	return out
}
