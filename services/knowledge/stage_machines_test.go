package knowledge

import (
	"slices"
	"testing"

	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
)

// An English machine word is read as a node when the question names
// something only a Kubernetes cluster has, and stays a machine otherwise.
func TestMachineNodes(t *testing.T) {
	eng := embedded(t).cur.Load().engine
	tests := []struct {
		q, word string
		node    bool
	}{
		{"cordon the vm before the kernel patch", "vm", true},
		{"the machine shows DiskPressure and evicts pods", "machine", true},
		{"kubelet on that server keeps restarting", "server", true},
		{"which host runs the pod", "host", true},
		{"port 8080 already taken on my machine", "machine", false},
		{"encrypt the disk of an azure vm", "vm", false},
		{"resize a vm scale set at night, we do not use aks", "vm", false}, // a managed service's name is no cluster part
		{"api 서버 파드가 재시작돼요", "서버", false},                                  // Korean questions write 노드
		{"pods cannot reach the api server", "server", false},              // a word of a longer name
	}
	for _, tt := range tests {
		terms, found := termsOfWord(eng, tt.q, tt.word)
		node := slices.ContainsFunc(terms, func(x analysis.Term) bool { return x.Text == nodeConcept })
		if !found {
			t.Errorf("%q: no unit %q", tt.q, tt.word)
		} else if node != tt.node {
			t.Errorf("%q: %q is a node: %v, want %v", tt.q, tt.word, node, tt.node)
		}
	}
}
