package analyzer

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/collector"
	"github.com/kubemedic/kubemedic/services/diagnosis"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
	"github.com/kubemedic/kubemedic/services/findings"
)

// DiagnosisService serves DiagnosisService from the collector's live views.
// Each cluster is watched from its first use (Diagnose, ListFindings,
// WatchFindings, a grounded Ask) or, after a restart, from the start when
// the ledger holds open findings of it: a watcher keeps its findings in the
// ledger current from the change feed. Diagnose then answers from the ledger
// once every change published before the call has been applied, so a
// whole-cluster answer costs a filter over open findings, not an analysis.
type DiagnosisService struct {
	col       *collector.Collector
	engine    *diagnosis.Engine
	ledger    *findings.Ledger
	js        jetstream.JetStream
	providers map[string]string
	resync    time.Duration
	wait      time.Duration
	log       *slog.Logger

	ctx context.Context // ends the watchers

	mu       sync.Mutex
	watchers map[string]*watcher
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
	// Logger is required.
	Logger *slog.Logger
}

// NewDiagnosisService validates the options and starts watchers for the
// clusters the ledger has open findings of. They stop when ctx ends.
func NewDiagnosisService(ctx context.Context, o DiagnosisOptions) (*DiagnosisService, error) {
	if o.Collector == nil || o.Ledger == nil || o.JetStream == nil || o.Logger == nil {
		return nil, errors.New("analyzer: DiagnosisOptions.Collector, Ledger, JetStream and Logger are required")
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
	d := &DiagnosisService{
		col: o.Collector, engine: o.Engine, ledger: o.Ledger, js: o.JetStream,
		providers: providers, resync: o.Resync, wait: o.SyncWait, log: o.Logger,
		ctx: ctx, watchers: map[string]*watcher{},
	}
	for _, name := range o.Collector.Names() {
		if len(o.Ledger.List(findings.Filter{Cluster: name})) > 0 {
			if _, err := d.watch(name); err != nil {
				o.Logger.Warn("cluster with open findings cannot be watched", "cluster", name, "error", err)
			}
		}
	}
	return d, nil
}

// watch returns the cluster's watcher, starting it on first use. name ""
// means the default cluster.
func (d *DiagnosisService) watch(name string) (*watcher, error) {
	if name == "" && d.col.Default() == "" {
		return nil, connect.NewError(connect.CodeFailedPrecondition, errors.New(
			"진단할 클러스터가 없습니다: `kubemedic serve --kubeconfig FILE` 또는 설정의 clusters로 추가하세요 "+
				"(no cluster configured: start with --kubeconfig FILE or list clusters in the config)"))
	}
	live, err := d.col.Live(name)
	if err != nil {
		if errors.Is(err, collector.ErrUnknownCluster) {
			return nil, connect.NewError(connect.CodeNotFound, err)
		}
		return nil, connect.NewError(connect.CodeFailedPrecondition, err)
	}
	if name == "" {
		name = d.col.Default()
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	w, ok := d.watchers[name]
	if !ok {
		w = newWatcher(name, live, d)
		d.watchers[name] = w
		go w.run(d.ctx)
	}
	return w, nil
}

// current waits until the cluster's findings are current (see
// watcher.current), at most SyncWait.
func (d *DiagnosisService) current(ctx context.Context, w *watcher) error {
	ctx, cancel := context.WithTimeout(ctx, d.wait)
	defer cancel()
	if err := w.current(ctx); err != nil {
		return connect.NewError(connect.CodeUnavailable, err)
	}
	return nil
}

// Diagnose streams the open findings of one cluster that match the request,
// most severe first, then a summary. It waits for the cluster's first
// analysis and for every change published before the call.
func (d *DiagnosisService) Diagnose(ctx context.Context, req *kubemedicv1.DiagnoseRequest, send func(*kubemedicv1.DiagnoseResponse) error) error {
	begin := time.Now()
	if err := validScope(req.GetNamespaces(), req.GetKinds(), req.GetMinSeverity()); err != nil {
		return err
	}
	w, err := d.watch(req.GetCluster())
	if err != nil {
		return err
	}
	if err := d.current(ctx, w); err != nil {
		return err
	}
	list := d.ledger.List(findings.Filter{
		Cluster:     w.cluster,
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
		ObjectsExamined: int32(w.live.Objects()),
		Findings:        int32(len(list)),
		DurationMs:      time.Since(begin).Milliseconds(),
	}}})
}

// ListFindings pages the open findings kubemedic knows of. It does not wait
// for clusters to sync: it answers with what the ledger holds and starts
// watching the clusters asked about.
func (d *DiagnosisService) ListFindings(_ context.Context, req *kubemedicv1.ListFindingsRequest) (*kubemedicv1.ListFindingsResponse, error) {
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
	if c := req.GetCluster(); c != "" {
		if _, err := d.watch(c); err != nil {
			return nil, err
		}
	} else {
		for _, name := range d.col.Names() {
			_, _ = d.watch(name) // unusable clusters simply have no findings
		}
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
	if c := req.GetCluster(); c != "" {
		if _, err := d.watch(c); err != nil {
			return err
		}
	} else {
		for _, name := range d.col.Names() {
			_, _ = d.watch(name)
		}
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
