package diagnosis

import (
	"slices"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

// Change names one object that was added, updated or deleted.
type Change struct {
	// Kind is the object's kind, one of cluster.Kinds. Required.
	Kind string
	// Namespace is empty for cluster-scoped objects.
	Namespace string
	// Name is the object's name.
	Name string
}

// Rescope returns the Options that re-evaluate everything changes can
// affect, starting from base (cluster, kinds, severity, provider): the rule
// families that read any changed kind, in the namespaces of the namespaced
// changes — or in every namespace base covers when a cluster-scoped object
// (a Node, a StorageClass) changed, since pods everywhere may depend on it.
// ok is false when no rule reads any changed kind (nothing to re-run).
func (e *Engine) Rescope(base Options, changes []Change) (o Options, ok bool) {
	kinds := map[string]bool{}
	var namespaces []string
	clusterWide := false
	for _, c := range changes {
		kinds[c.Kind] = true
		switch {
		case cluster.ClusterScoped(c.Kind) || c.Namespace == "":
			clusterWide = true
		case !slices.Contains(namespaces, c.Namespace):
			namespaces = append(namespaces, c.Namespace)
		}
	}
	o = base
	o.Rules = nil
	for _, r := range e.rules {
		if len(base.Rules) > 0 && !slices.Contains(base.Rules, r.Name) {
			continue
		}
		for _, k := range r.Reads {
			if kinds[k] {
				o.Rules = append(o.Rules, r.Name)
				break
			}
		}
	}
	if len(o.Rules) == 0 {
		return o, false
	}
	if !clusterWide {
		if len(base.Namespaces) > 0 {
			namespaces = slices.DeleteFunc(namespaces, func(ns string) bool { return !slices.Contains(base.Namespaces, ns) })
			if len(namespaces) == 0 {
				return o, false
			}
		}
		slices.Sort(namespaces)
		o.Namespaces = namespaces
	}
	return o, true
}

// Covers reports whether an analysis with o speaks for f: f's code belongs
// to a rule family o runs and f's object is in o's namespaces and kinds. An
// open finding that o covers but no longer produces is resolved.
func (e *Engine) Covers(o Options, f *kubemedicv1.Finding) bool {
	if f.GetObject().GetCluster() != o.Cluster {
		return false
	}
	family, ok := e.codes[f.GetCode()]
	if !ok {
		return false
	}
	if len(o.Rules) > 0 && !slices.Contains(o.Rules, family) {
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
