package sweep

import (
	"cmp"
	"slices"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// Compare fills the report of a finished sweep: rec is the sweep record
// (clusters listed), results its per-cluster results (by cluster name) and
// previous the previous finished sweep of the same selector (nil for the
// first). It sets clusters, counts, totals, new/resolved/still-open findings
// and the final state.
func Compare(rec *kubemedicv1.Sweep, results map[string]*kubemedicv1.SweepClusterResult, previous *kubemedicv1.Sweep) {
	prevOpen := map[string]*kubemedicv1.Finding{}
	if previous != nil {
		for _, f := range previous.GetNewFindings() {
			prevOpen[f.GetFingerprint()] = f
		}
		for _, f := range previous.GetStillOpenFindings() {
			prevOpen[f.GetFingerprint()] = f
		}
	}
	unreachable := map[string]bool{}
	totals := &kubemedicv1.SeverityCounts{}
	var newF, openF []*kubemedicv1.Finding
	seen := map[string]bool{}
	swept := 0
	for i, p := range rec.GetClusters() {
		r := results[p.GetCluster()]
		if r == nil {
			r = &kubemedicv1.SweepClusterResult{Progress: &kubemedicv1.SweepProgress{Cluster: p.GetCluster(), Done: true, Error: "no result stored"}}
		}
		rec.Clusters[i] = r.GetProgress()
		if r.GetProgress().GetError() != "" {
			unreachable[p.GetCluster()] = true
			continue
		}
		swept++
		add(totals, r.GetProgress().GetCounts())
		for _, f := range r.GetFindings() {
			fp := f.GetFingerprint()
			if seen[fp] {
				continue
			}
			seen[fp] = true
			if _, ok := prevOpen[fp]; ok {
				openF = append(openF, f)
			} else {
				newF = append(newF, f)
			}
		}
	}
	var resolved []*kubemedicv1.Finding
	for fp, f := range prevOpen {
		if seen[fp] {
			continue
		}
		cluster := f.GetObject().GetCluster()
		if unreachable[cluster] {
			openF = append(openF, f) // not seen this time, not known resolved
			continue
		}
		if !slices.ContainsFunc(rec.GetClusters(), func(p *kubemedicv1.SweepProgress) bool { return p.GetCluster() == cluster }) {
			continue // the cluster is no longer part of the selection
		}
		resolved = append(resolved, f)
	}
	for _, l := range [][]*kubemedicv1.Finding{newF, openF, resolved} {
		slices.SortFunc(l, byImportance)
	}
	rec.NewFindings, rec.StillOpenFindings, rec.ResolvedFindings = newF, openF, resolved
	rec.Totals = totals
	rec.UnreachableClusters = int32(len(unreachable))
	if previous != nil {
		rec.PreviousSweepId = previous.GetId()
	}
	switch {
	case len(rec.GetClusters()) == 0 || swept == len(rec.GetClusters()):
		rec.State = kubemedicv1.SweepState_SWEEP_STATE_SUCCEEDED
	case swept == 0:
		rec.State = kubemedicv1.SweepState_SWEEP_STATE_FAILED
	default:
		rec.State = kubemedicv1.SweepState_SWEEP_STATE_PARTIAL
	}
}

// byImportance orders findings most severe first, then by cluster, object
// and code, so reports read the same every time.
func byImportance(a, b *kubemedicv1.Finding) int {
	return cmp.Or(
		cmp.Compare(b.GetSeverity(), a.GetSeverity()),
		cmp.Compare(a.GetObject().GetCluster(), b.GetObject().GetCluster()),
		cmp.Compare(a.GetObject().GetNamespace(), b.GetObject().GetNamespace()),
		cmp.Compare(a.GetObject().GetKind(), b.GetObject().GetKind()),
		cmp.Compare(a.GetObject().GetName(), b.GetObject().GetName()),
		cmp.Compare(a.GetCode(), b.GetCode()),
		cmp.Compare(a.GetFingerprint(), b.GetFingerprint()),
	)
}

// Count counts findings by severity (unspecified counts as info).
func Count(fs []*kubemedicv1.Finding) *kubemedicv1.SeverityCounts {
	c := &kubemedicv1.SeverityCounts{}
	for _, f := range fs {
		switch f.GetSeverity() {
		case kubemedicv1.Severity_SEVERITY_CRITICAL:
			c.Critical++
		case kubemedicv1.Severity_SEVERITY_ERROR:
			c.Error++
		case kubemedicv1.Severity_SEVERITY_WARNING:
			c.Warning++
		default:
			c.Info++
		}
	}
	return c
}

func add(to, c *kubemedicv1.SeverityCounts) {
	to.Info += c.GetInfo()
	to.Warning += c.GetWarning()
	to.Error += c.GetError()
	to.Critical += c.GetCritical()
}
