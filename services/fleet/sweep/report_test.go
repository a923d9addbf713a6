package sweep

import (
	"slices"
	"strings"
	"testing"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

func finding(cluster, name string, sev kubemedicv1.Severity) *kubemedicv1.Finding {
	return &kubemedicv1.Finding{
		Fingerprint: cluster + "/" + name,
		Object:      &kubemedicv1.ObjectRef{Cluster: cluster, Kind: "Pod", Namespace: "default", Name: name},
		Code:        "CrashLoopBackOff",
		Severity:    sev,
	}
}

func fps(fs []*kubemedicv1.Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.GetFingerprint())
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

func ok(cluster string, fs ...*kubemedicv1.Finding) *kubemedicv1.SweepClusterResult {
	return &kubemedicv1.SweepClusterResult{Progress: &kubemedicv1.SweepProgress{Cluster: cluster, Done: true, Findings: int32(len(fs)), Counts: Count(fs)}, Findings: fs}
}

func failed(cluster, reason string) *kubemedicv1.SweepClusterResult {
	return &kubemedicv1.SweepClusterResult{Progress: &kubemedicv1.SweepProgress{Cluster: cluster, Done: true, Error: reason}}
}

func TestCompare(t *testing.T) {
	const (
		crit = kubemedicv1.Severity_SEVERITY_CRITICAL
		errS = kubemedicv1.Severity_SEVERITY_ERROR
		warn = kubemedicv1.Severity_SEVERITY_WARNING
		info = kubemedicv1.Severity_SEVERITY_INFO
	)
	prev := &kubemedicv1.Sweep{
		Id:                "p",
		NewFindings:       []*kubemedicv1.Finding{finding("a", "x", errS), finding("b", "y", warn)},
		StillOpenFindings: []*kubemedicv1.Finding{finding("c", "z", crit), finding("gone", "w", warn)},
	}
	tests := []struct {
		name                     string
		clusters                 []string
		results                  map[string]*kubemedicv1.SweepClusterResult
		previous                 *kubemedicv1.Sweep
		wantNew, wantRes, wantSt string
		wantState                kubemedicv1.SweepState
		wantTotals               [4]int32 // info warning error critical
		wantUnreachable          int32
	}{
		{
			name:     "first sweep: everything is new",
			clusters: []string{"a", "b"},
			results:  map[string]*kubemedicv1.SweepClusterResult{"a": ok("a", finding("a", "x", errS)), "b": ok("b", finding("b", "y", info))},
			wantNew:  "a/x b/y", wantState: kubemedicv1.SweepState_SWEEP_STATE_SUCCEEDED, wantTotals: [4]int32{1, 0, 1, 0},
		},
		{
			name:     "new, resolved and still open by fingerprint",
			clusters: []string{"a", "b", "c"},
			results: map[string]*kubemedicv1.SweepClusterResult{
				"a": ok("a", finding("a", "x", errS), finding("a", "n", warn)),
				"b": ok("b"),
				"c": ok("c", finding("c", "z", crit)),
			},
			previous: prev,
			wantNew:  "a/n", wantRes: "b/y", wantSt: "a/x c/z", wantState: kubemedicv1.SweepState_SWEEP_STATE_SUCCEEDED, wantTotals: [4]int32{0, 1, 1, 1},
		},
		{
			name:     "unreachable cluster keeps its findings open, not resolved",
			clusters: []string{"a", "b", "c"},
			results: map[string]*kubemedicv1.SweepClusterResult{
				"a": ok("a"),
				"b": ok("b", finding("b", "y", warn)),
				"c": failed("c", "timed out after 1s"),
			},
			previous: prev,
			wantRes:  "a/x", wantSt: "b/y c/z", wantState: kubemedicv1.SweepState_SWEEP_STATE_PARTIAL, wantTotals: [4]int32{0, 1, 0, 0}, wantUnreachable: 1,
		},
		{
			name:     "every cluster unreachable",
			clusters: []string{"a"},
			results:  map[string]*kubemedicv1.SweepClusterResult{"a": failed("a", "connection refused")},
			previous: prev,
			wantSt:   "a/x", wantState: kubemedicv1.SweepState_SWEEP_STATE_FAILED, wantUnreachable: 1,
		},
		{
			name:      "missing result counts as unreachable",
			clusters:  []string{"a", "b"},
			results:   map[string]*kubemedicv1.SweepClusterResult{"a": ok("a")},
			wantState: kubemedicv1.SweepState_SWEEP_STATE_PARTIAL, wantUnreachable: 1,
		},
		{
			name:     "same finding reported twice counts once",
			clusters: []string{"a"},
			results:  map[string]*kubemedicv1.SweepClusterResult{"a": ok("a", finding("a", "x", errS), finding("a", "x", errS))},
			wantNew:  "a/x", wantState: kubemedicv1.SweepState_SWEEP_STATE_SUCCEEDED, wantTotals: [4]int32{0, 0, 2, 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &kubemedicv1.Sweep{Id: "s"}
			for _, c := range tt.clusters {
				rec.Clusters = append(rec.Clusters, &kubemedicv1.SweepProgress{Cluster: c})
			}
			Compare(rec, tt.results, tt.previous)
			if got := fps(rec.GetNewFindings()); got != tt.wantNew {
				t.Errorf("new = %q, want %q", got, tt.wantNew)
			}
			if got := fps(rec.GetResolvedFindings()); got != tt.wantRes {
				t.Errorf("resolved = %q, want %q", got, tt.wantRes)
			}
			if got := fps(rec.GetStillOpenFindings()); got != tt.wantSt {
				t.Errorf("still open = %q, want %q", got, tt.wantSt)
			}
			if rec.GetState() != tt.wantState {
				t.Errorf("state = %s, want %s", rec.GetState(), tt.wantState)
			}
			tot := rec.GetTotals()
			if got := [4]int32{tot.GetInfo(), tot.GetWarning(), tot.GetError(), tot.GetCritical()}; got != tt.wantTotals {
				t.Errorf("totals = %v, want %v", got, tt.wantTotals)
			}
			if rec.GetUnreachableClusters() != tt.wantUnreachable {
				t.Errorf("unreachable = %d, want %d", rec.GetUnreachableClusters(), tt.wantUnreachable)
			}
			for _, p := range rec.GetClusters() {
				if !p.GetDone() {
					t.Errorf("cluster %s not done in the report", p.GetCluster())
				}
			}
			if tt.previous != nil && rec.GetPreviousSweepId() != "p" {
				t.Errorf("previous = %q", rec.GetPreviousSweepId())
			}
		})
	}
}

func TestCompareOrdersBySeverity(t *testing.T) {
	rec := &kubemedicv1.Sweep{Clusters: []*kubemedicv1.SweepProgress{{Cluster: "a"}}}
	Compare(rec, map[string]*kubemedicv1.SweepClusterResult{"a": ok("a",
		finding("a", "i", kubemedicv1.Severity_SEVERITY_INFO),
		finding("a", "c", kubemedicv1.Severity_SEVERITY_CRITICAL),
		finding("a", "w", kubemedicv1.Severity_SEVERITY_WARNING))}, nil)
	var got []string
	for _, f := range rec.GetNewFindings() {
		got = append(got, f.GetObject().GetName())
	}
	if strings.Join(got, "") != "cwi" {
		t.Errorf("order = %v, want critical, warning, info", got)
	}
}
