package diagnosis

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
	"github.com/kubemedic/kubemedic/services/diagnosis/rules"
)

// Options scopes one analysis.
type Options struct {
	// Cluster is the kubemedic cluster name findings carry. Required.
	Cluster string
	// Namespaces limits namespaced objects; empty means every namespace.
	// Findings about cluster-scoped objects (nodes, classes) appear only
	// when it is empty.
	Namespaces []string
	// Kinds keeps findings about objects of these kinds ("Pod", "Node",
	// "Deployment", …); empty means all.
	Kinds []string
	// MinSeverity drops findings below it. Default SEVERITY_UNSPECIFIED
	// (keep all).
	MinSeverity kubemedicv1.Severity
	// Provider is "nks", "tke", "aks" or "generic". Default: detected from
	// the nodes (rules.DetectProvider).
	Provider string
	// Rules limits the rule families run, by rules.Rule.Name; empty means
	// all. Rescope sets it for incremental re-analysis.
	Rules []string
	// Now is the analysis time stamped as first/last seen. Default
	// time.Now().
	Now time.Time
}

// EngineOptions configures an Engine.
type EngineOptions struct {
	// Rules are the rule families. Default rules.All().
	Rules []rules.Rule
	// Runbooks links codes to runbook ids. Default: none linked; use
	// EmbeddedRunbooks for the built-in knowledge base.
	Runbooks *Runbooks
}

// Engine runs rule families over cluster states. Safe for concurrent use.
type Engine struct {
	rules    []rules.Rule
	runbooks *Runbooks
	codes    map[string]string // code → rule family
}

// NewEngine validates the rules: names and codes must be unique.
func NewEngine(o EngineOptions) (*Engine, error) {
	if o.Rules == nil {
		o.Rules = rules.All()
	}
	e := &Engine{rules: o.Rules, runbooks: o.Runbooks, codes: map[string]string{}}
	names := map[string]bool{}
	for _, r := range o.Rules {
		if r.Name == "" || r.Check == nil {
			return nil, fmt.Errorf("diagnosis: a rule needs a Name and a Check (got %q)", r.Name)
		}
		if names[r.Name] {
			return nil, fmt.Errorf("diagnosis: duplicate rule family %q", r.Name)
		}
		names[r.Name] = true
		for _, c := range r.Codes {
			if prev, ok := e.codes[c]; ok {
				return nil, fmt.Errorf("diagnosis: code %q is emitted by both %q and %q", c, prev, r.Name)
			}
			e.codes[c] = r.Name
		}
	}
	return e, nil
}

// engineCache builds the default engine on first use and keeps it. A
// failed build (a caller's context cancelled while the runbooks load) is not
// kept: the next call builds again.
type engineCache struct {
	mu     sync.Mutex
	engine *Engine
}

func (c *engineCache) get(ctx context.Context) (*Engine, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.engine != nil {
		return c.engine, nil
	}
	rb, err := EmbeddedRunbooks(ctx)
	if err != nil {
		return nil, err
	}
	e, err := NewEngine(EngineOptions{Runbooks: rb})
	if err != nil {
		return nil, err
	}
	c.engine = e
	return e, nil
}

var defaultEngine engineCache

// Default returns the engine with every rule and the embedded runbooks,
// built on the first call that succeeds and shared from then on; ctx bounds
// that build only.
func Default(ctx context.Context) (*Engine, error) {
	return defaultEngine.get(ctx)
}

// Analyze runs the default engine (see Default).
func Analyze(ctx context.Context, st cluster.State, o Options) ([]*kubemedicv1.Finding, error) {
	e, err := Default(ctx)
	if err != nil {
		return nil, err
	}
	return e.Analyze(ctx, st, o)
}

// Codes returns every finding code the engine can emit, sorted.
func (e *Engine) Codes() []string {
	out := make([]string, 0, len(e.codes))
	for c := range e.codes {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// Analyze runs the rule families in scope over st and returns the findings
// at or above o.MinSeverity, each with fingerprint, runbooks and first/last
// seen set to o.Now, ordered by severity (worst first), namespace, kind,
// name and code. It stops early when ctx is done.
func (e *Engine) Analyze(ctx context.Context, st cluster.State, o Options) ([]*kubemedicv1.Finding, error) {
	if o.Cluster == "" {
		return nil, fmt.Errorf("diagnosis: Options.Cluster is required")
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Provider == "" {
		o.Provider = rules.DetectProvider(st.Nodes())
	}
	in := &rules.Input{State: st, Cluster: o.Cluster, Namespaces: o.Namespaces, Provider: o.Provider, Now: o.Now}
	var out []*kubemedicv1.Finding
	for _, r := range e.rules {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("diagnosis: %w", err)
		}
		if !e.selected(r, o) {
			continue
		}
		for _, f := range r.Check(in) {
			if !keep(f, o) {
				continue
			}
			e.complete(f, o)
			out = append(out, f)
		}
	}
	out = supersede(out)
	slices.SortFunc(out, compareFindings)
	return out, nil
}

func (e *Engine) selected(r rules.Rule, o Options) bool {
	if len(o.Rules) > 0 && !slices.Contains(o.Rules, r.Name) {
		return false
	}
	if len(o.Kinds) > 0 && !overlaps(r.About, o.Kinds) {
		return false
	}
	return true
}

func keep(f *kubemedicv1.Finding, o Options) bool {
	if f.GetSeverity() < o.MinSeverity {
		return false
	}
	if len(o.Kinds) > 0 && !slices.Contains(o.Kinds, f.GetObject().GetKind()) {
		return false
	}
	if len(o.Namespaces) > 0 && !slices.Contains(o.Namespaces, f.GetObject().GetNamespace()) {
		return false
	}
	return true
}

func (e *Engine) complete(f *kubemedicv1.Finding, o Options) {
	f.Fingerprint = FingerprintOf(f)
	f.RunbookIds = e.runbooks.For(f.Code, f.SubReason, o.Provider)
	now := timestamppb.New(o.Now)
	f.FirstSeen, f.LastSeen = now, now
}

// general codes say "this workload is not available"; when a pod-level
// finding on the same object already says why, the general one is noise.
var general = map[string]bool{
	"DeploymentUnavailable": true,
	"StatefulSetPodsStuck":  true,
	"DaemonSetUnavailable":  true,
}

func supersede(fs []*kubemedicv1.Finding) []*kubemedicv1.Finding {
	explained := map[string]bool{}
	for _, f := range fs {
		if !general[f.Code] {
			explained[objectKey(f.GetObject())] = true
		}
	}
	return slices.DeleteFunc(fs, func(f *kubemedicv1.Finding) bool {
		return general[f.Code] && explained[objectKey(f.GetObject())]
	})
}

func objectKey(o *kubemedicv1.ObjectRef) string {
	return o.GetKind() + "/" + o.GetNamespace() + "/" + o.GetName()
}

func compareFindings(a, b *kubemedicv1.Finding) int {
	ao, bo := a.GetObject(), b.GetObject()
	return cmp.Or(
		cmp.Compare(b.Severity, a.Severity),
		cmp.Compare(ao.GetNamespace(), bo.GetNamespace()),
		cmp.Compare(ao.GetKind(), bo.GetKind()),
		cmp.Compare(ao.GetName(), bo.GetName()),
		cmp.Compare(a.Code, b.Code),
		cmp.Compare(a.SubReason, b.SubReason),
	)
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}
