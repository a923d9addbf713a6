package analyzer

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
	"google.golang.org/protobuf/proto"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/collector"
	"github.com/kubemedic/kubemedic/services/diagnosis"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
	"github.com/kubemedic/kubemedic/services/findings"
	"github.com/kubemedic/kubemedic/services/lease"
)

// DiagnosisService serves DiagnosisService from the collector's live views.
// Each cluster is watched from its first use (Diagnose, ListFindings,
// WatchFindings, a grounded Ask) or, after a restart, from the start when
// the ledger holds open findings of it: a watcher keeps its findings in the
// ledger current from the change feed. Diagnose then answers from the ledger
// once every change published before the call has been applied, so a
// whole-cluster answer costs a filter over open findings, not an analysis.
//
// With several replicas on one NATS system exactly one of them watches each
// cluster (the holder of its lease) and every replica answers; see owner.go.
// A single process holds every lease and answers from its own watchers.
type DiagnosisService struct {
	col       *collector.Collector
	engine    *diagnosis.Engine
	ledger    *findings.Ledger
	js        jetstream.JetStream
	nc        *nats.Conn
	leases    *lease.Set
	providers map[string]string
	resync    time.Duration
	wait      time.Duration
	log       *slog.Logger

	mu       sync.Mutex
	watchers map[string]*watcher // the clusters this replica watches
}

// DiagnosisOptions configures NewDiagnosisService.
type DiagnosisOptions struct {
	// Collector holds the clusters' live views. Required.
	Collector *collector.Collector
	// Engine runs the rules. Default diagnosis.Default.
	Engine *diagnosis.Engine
	// Ledger keeps the open findings. Required.
	Ledger *findings.Ledger
	// JetStream carries the change feed and finding changes. Required.
	JetStream jetstream.JetStream
	// Providers maps cluster names to their configured provider ("nks",
	// "tke", "aks"); a cluster not listed, or "generic", is detected from
	// its nodes.
	Providers map[string]string
	// Resync is how often a watched cluster is analyzed whole. Default 1m.
	Resync time.Duration
	// SyncWait bounds how long a call waits for a cluster's first analysis
	// (informers listing a big cluster). Default 2m; the call's own
	// deadline may be shorter.
	SyncWait time.Duration
	// Replica names this replica in cluster leases; unique among running
	// replicas. Default: the host name and a random suffix.
	Replica string
	// LeaseTTL is how long a dead replica keeps its clusters before another
	// replica watches them (lease.Options.TTL). Default 6s.
	LeaseTTL time.Duration
	// Replicas of the lease bucket (3 on a NATS cluster). Default 1.
	Replicas int
	// Logger is required.
	Logger *slog.Logger
}

// NewDiagnosisService validates the options and takes the leases of the
// clusters the ledger has open findings of, watching those it gets. Close
// stops the watchers and hands their clusters to other replicas.
func NewDiagnosisService(ctx context.Context, o DiagnosisOptions) (*DiagnosisService, error) {
	if o.Collector == nil || o.Ledger == nil || o.JetStream == nil || o.Logger == nil {
		return nil, errors.New("analyzer: DiagnosisOptions.Collector, Ledger, JetStream and Logger are required")
	}
	if o.Replica == "" {
		host, _ := os.Hostname()
		o.Replica = strings.Trim(host+"-"+strings.ToLower(nuid.Next()[:8]), "-")
	}
	if o.Engine == nil {
		e, err := diagnosis.Default(ctx)
		if err != nil {
			return nil, err
		}
		o.Engine = e
	}
	if o.Resync <= 0 {
		o.Resync = time.Minute
	}
	if o.SyncWait <= 0 {
		o.SyncWait = 2 * time.Minute
	}
	providers := map[string]string{}
	for k, v := range o.Providers {
		if v != "generic" {
			providers[k] = v
		}
	}
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	d := &DiagnosisService{
		col: o.Collector, engine: o.Engine, ledger: o.Ledger, js: o.JetStream, nc: o.JetStream.Conn(),
		providers: providers, resync: o.Resync, wait: o.SyncWait, log: o.Logger,
		watchers: map[string]*watcher{},
	}
	leases, err := lease.Open(ctx, lease.Options{
		JetStream: o.JetStream, Holder: o.Replica, TTL: o.LeaseTTL, Replicas: o.Replicas,
		Own: d.own, Known: d.known, Logger: o.Logger.With("component", "lease"),
	})
	if err != nil {
		return nil, err
	}
	d.leases = leases
	for _, name := range o.Collector.Names() {
		if len(o.Ledger.List(findings.Filter{Cluster: name})) > 0 {
			if _, _, err := d.resolve(ctx, name); err != nil {
				o.Logger.Warn("cluster with open findings cannot be watched", "cluster", name, "error", err)
			}
		}
	}
	return d, nil
}

// Close stops this replica's watchers and informers and releases their
// leases, so other replicas take the clusters over at once.
func (d *DiagnosisService) Close() { d.leases.Close() }

// Replica is this replica's id in cluster leases.
func (d *DiagnosisService) Replica() string { return d.leases.Holder() }

// WatchedBy is the replica that holds the named cluster's lease as last
// seen, or "" when nobody does.
func (d *DiagnosisService) WatchedBy(name string) string { return d.leases.Owner(name) }

// Watches reports whether this replica watches the named cluster now.
func (d *DiagnosisService) Watches(name string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.watchers[name] != nil
}

// current makes the named cluster's findings in this replica's ledger
// current, at most SyncWait: through its own watcher (see watcher.current)
// or through the replica that watches it (ownerCurrent). It returns the
// cluster's name and the objects its live view holds.
func (d *DiagnosisService) current(ctx context.Context, name string) (string, int64, error) {
	ctx, cancel := context.WithTimeout(ctx, d.wait)
	defer cancel()
	for {
		w, cluster, err := d.resolve(ctx, name)
		if err != nil {
			return "", 0, err
		}
		if w == nil {
			objects, taken, err := d.ownerCurrent(ctx, cluster)
			if err != nil {
				return "", 0, err
			}
			if taken == nil {
				return cluster, objects, nil
			}
			w = taken
		}
		err = w.current(ctx)
		switch {
		case err == nil:
			return cluster, w.live.Objects(), nil
		case errors.Is(err, errMoved) && ctx.Err() == nil:
			continue // lost the lease meanwhile: ask the new owner
		default:
			return "", 0, connect.NewError(connect.CodeUnavailable, err)
		}
	}
}

// Diagnose streams the open findings of one cluster that match the request,
// most severe first, then a summary. It waits for the cluster's first
// analysis and for every change published before the call.
func (d *DiagnosisService) Diagnose(ctx context.Context, req *kubemedicv1.DiagnoseRequest, send func(*kubemedicv1.DiagnoseResponse) error) error {
	begin := time.Now()
	if err := validScope(req.GetNamespaces(), req.GetKinds(), req.GetMinSeverity()); err != nil {
		return err
	}
	cluster, objects, err := d.current(ctx, req.GetCluster())
	if err != nil {
		return err
	}
	list := d.ledger.List(findings.Filter{
		Cluster:     cluster,
		Namespaces:  req.GetNamespaces(),
		Kinds:       req.GetKinds(),
		MinSeverity: req.GetMinSeverity(),
	})
	for _, f := range list {
		if err := send(&kubemedicv1.DiagnoseResponse{Event: &kubemedicv1.DiagnoseResponse_Finding{Finding: f}}); err != nil {
			return err
		}
	}
	return send(&kubemedicv1.DiagnoseResponse{Event: &kubemedicv1.DiagnoseResponse_Summary{Summary: &kubemedicv1.DiagnoseSummary{
		ObjectsExamined: int32(objects),
		Findings:        int32(len(list)),
		DurationMs:      time.Since(begin).Milliseconds(),
	}}})
}

// ListFindings pages the open findings kubemedic knows of. It does not wait
// for clusters to sync: it answers with what the ledger holds (on a replica
// that does not watch a cluster, after its mirror has caught up with every
// finding stored before the call) and starts watching the clusters asked
// about.
func (d *DiagnosisService) ListFindings(ctx context.Context, req *kubemedicv1.ListFindingsRequest) (*kubemedicv1.ListFindingsResponse, error) {
	if err := validScope(req.GetNamespaces(), nil, req.GetMinSeverity()); err != nil {
		return nil, err
	}
	codes := d.engine.Codes()
	for _, c := range req.GetCodes() {
		if !slices.Contains(codes, c) {
			return nil, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("알 수 없는 진단 코드 %q입니다 (unknown finding code %q); 코드 목록 (known codes): %v", c, c, codes))
		}
	}
	size := int(req.GetPageSize())
	switch {
	case size < 0 || size > 1000:
		return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("page_size는 0~1000이어야 합니다 (page_size must be between 0 and 1000)"))
	case size == 0:
		size = 100
	}
	var after *kubemedicv1.Finding
	if t := req.GetPageToken(); t != "" {
		b, err := base64.RawURLEncoding.DecodeString(t)
		after = &kubemedicv1.Finding{}
		if err != nil || proto.Unmarshal(b, after) != nil || after.GetFingerprint() == "" {
			return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("page_token이 이 서버가 준 토큰이 아닙니다; 첫 페이지부터 다시 조회하세요 (page_token is not a token this server issued; list again from the first page)"))
		}
	}
	if err := d.follow(ctx, req.GetCluster()); err != nil {
		return nil, err
	}
	list := d.ledger.List(findings.Filter{
		Cluster:     req.GetCluster(),
		Namespaces:  req.GetNamespaces(),
		Codes:       req.GetCodes(),
		MinSeverity: req.GetMinSeverity(),
	})
	start := 0
	if after != nil {
		start, _ = slices.BinarySearchFunc(list, after, findings.Compare)
		if start < len(list) && findings.Compare(list[start], after) == 0 {
			start++
		}
	}
	end := min(start+size, len(list))
	out := &kubemedicv1.ListFindingsResponse{Findings: list[start:end]}
	if end < len(list) {
		last := list[end-1]
		// The token is the last finding's sort key, so paging survives
		// findings opening and resolving between pages.
		key := &kubemedicv1.Finding{Fingerprint: last.GetFingerprint(), Object: last.GetObject(), Code: last.GetCode(), Severity: last.GetSeverity()}
		b, err := proto.Marshal(key)
		if err != nil {
			return nil, connect.NewError(connect.CodeInternal, err)
		}
		out.NextPageToken = base64.RawURLEncoding.EncodeToString(b)
	}
	return out, nil
}

// WatchFindings streams finding changes (opened, updated, resolved) that
// match the request until ctx ends. It starts watching the clusters asked
// about.
func (d *DiagnosisService) WatchFindings(ctx context.Context, req *kubemedicv1.WatchFindingsRequest, send func(*kubemedicv1.WatchFindingsResponse) error) error {
	if err := validScope(req.GetNamespaces(), nil, req.GetMinSeverity()); err != nil {
		return err
	}
	if err := d.follow(ctx, req.GetCluster()); err != nil {
		return err
	}
	filter := findings.Filter{Cluster: req.GetCluster(), Namespaces: req.GetNamespaces(), MinSeverity: req.GetMinSeverity()}
	events := make(chan *findings.Event, 256)
	overflow := make(chan struct{})
	var once sync.Once
	stop, err := findings.Watch(ctx, d.js, req.GetCluster(), d.log, func(e *findings.Event) {
		if !filter.Match(e.GetFinding()) {
			return
		}
		select {
		case events <- e:
		default:
			once.Do(func() { close(overflow) })
		}
	})
	if err != nil {
		return connect.NewError(connect.CodeUnavailable, err)
	}
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-overflow:
			return connect.NewError(connect.CodeResourceExhausted, errors.New("감시 스트림이 너무 뒤처졌습니다; 다시 감시하고 ListFindings로 현재 상태를 받으세요 (the watcher fell too far behind; watch again and list open findings to catch up)"))
		case e := <-events:
			if err := send(e); err != nil {
				return err
			}
		}
	}
}

// follow makes sure the named cluster ("" = every configured cluster) is
// watched by some replica, taking its lease when nobody watches it, and
// brings the ledger mirror up to date when another replica does.
func (d *DiagnosisService) follow(ctx context.Context, name string) error {
	names := []string{name}
	if name == "" {
		names = d.col.Names()
	}
	elsewhere := false
	for _, n := range names {
		w, _, err := d.resolve(ctx, n)
		switch {
		case err != nil && name != "":
			return err
		case err == nil && w == nil:
			elsewhere = true
		}
		// With every cluster asked for, unusable ones simply have no
		// findings.
	}
	if elsewhere {
		sctx, cancel := context.WithTimeout(ctx, syncWait)
		defer cancel()
		if err := d.ledger.Sync(sctx); err != nil {
			d.log.Debug("answering from the ledger mirror as it is", "error", err)
		}
	}
	return nil
}

// syncWait bounds how long a read waits for the ledger mirror to catch up.
const syncWait = 2 * time.Second

// validScope checks the filters requests share.
func validScope(namespaces, kinds []string, sev kubemedicv1.Severity) error {
	if _, ok := kubemedicv1.Severity_name[int32(sev)]; !ok {
		return connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("min_severity %d는 심각도가 아닙니다 (min_severity %d is not a severity; use SEVERITY_INFO .. SEVERITY_CRITICAL)", sev, sev))
	}
	for _, k := range kinds {
		if !slices.Contains(cluster.Kinds, k) {
			return connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("알 수 없는 종류 %q입니다 (unknown kind %q); 종류 목록 (known kinds): %v", k, k, cluster.Kinds))
		}
	}
	for _, ns := range namespaces {
		if ns == "" || len(ns) > 63 {
			return connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("%q는 네임스페이스 이름이 아닙니다 (namespace %q is not a namespace name)", ns, ns))
		}
	}
	return nil
}
