package knowledge

import (
	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
	"github.com/kubemedic/kubemedic/services/knowledge/korean"
)

// MachineNodes reads an English machine word (machine, server, host, VM,
// instance, CVM) as a node when the question names something only a
// Kubernetes cluster has (clusterPart: a pod, cordon, NotReady,
// MemoryPressure, the kubelet…; not a managed service's name, which a
// question may deny: "scale a VM scale set, we don't use AKS"): "cordon and
// drain a vm", "the machine reports MemoryPressure". Engineers call a node by
// the machine under it. Without such a word the machine stays a machine:
// "port 8080 in use on my machine" or "VM disk encryption" are no node
// questions (DomainGate refuses those about a machine alone), which is why
// machine is no variant of the node concept in the glossary. Korean
// questions write 노드 (서버 and 인스턴스 are as often the app's server: "api
// 서버 파드").
type MachineNodes struct{}

func (MachineNodes) Name() string     { return "machine-nodes" }
func (MachineNodes) Describe() string { return "a machine next to a cluster word is a node" }

// machineNodeWords are the analysed forms of the machine words that are no
// glossary variant of vm (those come by their concept).
var machineNodeWords = map[string]bool{"machine": true, "server": true, "host": true}

// nodeConcept is the Concept term of the node concept.
const nodeConcept = analysis.ConceptPrefix + "node"

func (MachineNodes) rewrite(e *engine, q *query) {
	var machineBuf [4]*unit
	machines := machineBuf[:0]
	for _, u := range q.units {
		machine := false
		for _, t := range u.terms {
			if t.Text == nodeConcept {
				machine = false
				break
			}
			if t.Kind == analysis.Word && machineNodeWords[t.Text] || t.Kind == analysis.Concept && t.Text == vmConcept {
				machine = true
			}
		}
		if machine && !korean.HasHangul(u.surface) && !inMultiWordTerm(q, u) {
			// Not Korean, and no word of a longer name: the server of "API server".
			machines = append(machines, u)
		}
	}
	if len(machines) == 0 || !clusterPart(e, q) {
		return
	}
	for _, u := range machines {
		q.addTerm(u, analysis.Term{Text: nodeConcept, Kind: analysis.Concept, Unit: u.id, Span: 1, Surface: u.surface})
	}
}

// managedServices are the cluster concepts that name a provider's managed
// Kubernetes service rather than a part of a cluster: a question may name
// them only to deny them.
var managedServices = map[string]bool{"aks": true, "tke": true, "nks": true, "serverless": true, "supernode": true}

// clusterPart reports whether q names something only a Kubernetes cluster
// has: a cluster concept other systems do not share and that is no managed
// service's name, a Kubernetes probe kind, or a word carrying the name of
// Kubernetes (kubelet, kube-proxy, k8s).
func clusterPart(e *engine, q *query) bool {
	for _, t := range q.all {
		if kubernetesProbeKinds[t.Text] {
			return true
		}
		switch t.Kind {
		case analysis.Concept:
			if c, ok := clusterConcept(e, t.Text); ok && !sharedConcepts[c] && !managedServices[c] {
				return true
			}
		case analysis.Word:
			if kubeWord(t.Text) {
				return true
			}
		}
	}
	return false
}

// inMultiWordTerm reports whether u is a word of a phrase or a multi-word
// concept of q ("api server", "virtual machine" is itself the vm concept).
func inMultiWordTerm(q *query, u *unit) bool {
	for _, t := range q.all {
		if t.Span > 1 && u.id >= t.Unit && u.id < t.Unit+t.Span && (t.Kind == analysis.Phrase || t.Kind == analysis.Concept && t.Text != vmConcept) {
			return true
		}
	}
	return false
}
