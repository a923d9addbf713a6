// Package rules holds the diagnosis rules: each rule family is a pure
// function from a cluster.State to findings, in its own file.
//
// The model: a Rule declares the finding codes it can emit, the object kinds
// it reads (so a change to a Pod re-runs only the rules that read pods) and
// the kinds of objects its findings are about. Check walks the State for the
// namespaces in Input and returns kubemedic Findings with code, sub-reason,
// severity, object, Korean and English title and summary naming the cause
// with numbers, evidence and suggested typed actions. Rules never call the API
// server, never link runbooks and never fingerprint: the engine in package
// diagnosis does that once for all rules.
//
// Pod-level problems are rolled up to the workload that owns the pods (see
// rollup.go): 30 Pending pods of one Deployment are one finding on the
// Deployment with the pod count.
package rules

import (
	"time"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

// Rule is one family of checks.
type Rule struct {
	// Name identifies the family, e.g. "scheduling".
	Name string
	// Codes are the finding codes the family emits.
	Codes []string
	// Reads are the kinds whose changes can change the family's findings.
	Reads []string
	// About are the kinds of objects the family's findings are about.
	About []string
	// Check returns the family's findings. It must not modify the State.
	Check func(in *Input) []*kubemedicv1.Finding
}

// Input is what every Check gets.
type Input struct {
	// State is the cluster. Required.
	State cluster.State
	// Cluster is the kubemedic cluster name findings carry. Required.
	Cluster string
	// Namespaces limits namespaced objects; empty means all. Rules about
	// cluster-scoped objects (nodes, classes) run only when it is empty.
	Namespaces []string
	// Provider is "nks", "tke", "aks" or "generic" (see DetectProvider).
	Provider string
	// Now is the analysis time, for ages and grace periods.
	Now time.Time
}

// scan returns the namespaces to list: [""] (all) when Namespaces is empty.
func (in *Input) scan() []string {
	if len(in.Namespaces) == 0 {
		return []string{""}
	}
	return in.Namespaces
}

// allNamespaces reports whether cluster-scoped objects are in scope.
func (in *Input) allNamespaces() bool { return len(in.Namespaces) == 0 }

// All returns every rule family, in a fixed order.
func All() []Rule {
	return []Rule{
		scheduling,
		containers,
		podLifecycle,
		workloads,
		services,
		ingresses,
		storage,
		nodes,
		disruption,
		autoscaling,
		jobs,
		references,
		networkPolicies,
		hygiene,
		providerRules,
	}
}
