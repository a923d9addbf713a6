package glossary

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kubemedic/kubemedic/services/knowledge/korean"
)

func TestDefaultLookup(t *testing.T) {
	g := Default()
	tests := []struct {
		word string
		want string // one concept the word must map to
	}{
		{"파드가", "pod"},
		{"팟", "pod"},
		{"포드", "pod"},
		{"pods", "pod"},
		{"낫레디", "notready"},
		{"펜딩", "pending"},
		{"디플로이", "deployment"},
		{"디플로이먼트를", "deployment"},
		{"컨피그맵", "configmap"},
		{"인그레스는", "ingress"},
		{"서비스", "service"},
		{"축출", "evicted"},
		{"clb", "loadbalancer"},
		{"노드풀에서", "nodepool"},
		{"애저", "azure"},
		{"죽어요", "crash"},
		{"장애가", "outage"}, // the runbooks' Korean word for an outage or failure mode
		{"outage", "outage"},
		{"failure", "outage"},
		// kubectl api-resources short names, typed in chat as in commands.
		{"ing", "ingress"},
		{"sc", "storageclass"},
		{"cj", "job"},
		{"ev", "event"},
		{"rc", "replicationcontroller"},
		{"ctx", "kubeconfig"},
		// A box is a node in chat ("drain a box").
		{"box", "node"},
		// The run before this one: kubectl logs --previous.
		{"earlier", "previous"},
		{"prior", "previous"},
	}
	for _, tt := range tests {
		got := g.Lookup(Key(korean.Normalize(tt.word)))
		found := false
		for _, c := range got {
			found = found || c == tt.want
		}
		if !found {
			t.Errorf("Lookup(%q) = %v, want it to contain %q", tt.word, got, tt.want)
		}
	}
}

func TestDefaultPhrase(t *testing.T) {
	g := Default()
	tests := []struct {
		text string
		want []string
	}{
		{"node pool", []string{"nodepool"}},
		{"로드 밸런서가", []string{"loadbalancer"}},
		{"Not Ready", []string{"notready"}},
		{"노드 풀에", []string{"nodepool"}},
		{"kubectl get", nil},
		{"drop into", []string{"shell"}},
		{"Name or service not known", []string{"err-name-not-known"}},
		{"no space left on device", []string{"err-no-space"}},
		{"powered off", []string{"exit"}}, // a node that is powered off has shut down
		{"shuts down", []string{"exit"}},
	}
	for _, tt := range tests {
		var keys []string
		for _, w := range strings.Fields(korean.Normalize(tt.text)) {
			keys = append(keys, Key(w))
		}
		if got := g.Phrase(keys); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Phrase(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"no colon", "pod pods", "line 1"},
		{"duplicate", "pod: pods\npod: 파드", "defined twice"},
		{"empty variant", "pod: pods,,파드", "empty variant"},
		{"space in name", "two words: x", "want"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.text)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestDefaultHasNoEverydayWords(t *testing.T) {
	// Words that appear in almost every question must not be variants, or
	// every question would look like it is about that concept.
	g := Default()
	for _, w := range []string{"확인", "문제", "방법", "어떻게", "하다", "the", "how", "is"} {
		if c := g.Lookup(Key(w)); c != nil {
			t.Errorf("everyday word %q maps to %v", w, c)
		}
	}
}

func TestEveryday(t *testing.T) {
	g := Default()
	tests := []struct {
		concept  string
		everyday bool
	}{
		{"pod", false},
		{"loadbalancer", false},
		{"kubelet", false},
		{"error", true},
		{"log", true},
		{"password", true},
		{"linux", true},
		{"no-such-concept", false},
	}
	for _, tt := range tests {
		if got := g.Everyday(tt.concept); got != tt.everyday {
			t.Errorf("Everyday(%q) = %v, want %v", tt.concept, got, tt.everyday)
		}
	}
	if err := (&Glossary{}).markEveryday([]string{"pod"}); err == nil {
		t.Error("markEveryday accepted a concept that is not in the table")
	}
}

func TestCluster(t *testing.T) {
	g := Default()
	tests := []struct {
		concept string
		cluster bool
	}{
		{"pod", true},
		{"node", true},
		{"kubelet", true},
		{"aks", true},
		{"vm", false},
		{"service", false},
		{"job", false},
		{"loadbalancer", false},
		{"error", false},
		{"no-such-concept", false},
	}
	for _, tt := range tests {
		if got := g.Cluster(tt.concept); got != tt.cluster {
			t.Errorf("Cluster(%q) = %v, want %v", tt.concept, got, tt.cluster)
		}
	}
	table, err := Parse("pod: pods\nerror: errors")
	if err != nil {
		t.Fatal(err)
	}
	if err := table.markEveryday([]string{"error"}); err != nil {
		t.Fatal(err)
	}
	if err := table.markCluster([]string{"node"}); err == nil {
		t.Error("markCluster accepted a concept that is not in the table")
	}
	if err := table.markCluster([]string{"error"}); err == nil {
		t.Error("markCluster accepted an everyday concept")
	}
	if err := table.markCluster([]string{"pod"}); err != nil || !table.Cluster("pod") {
		t.Errorf("markCluster(pod) = %v, Cluster(pod) = %v", err, table.Cluster("pod"))
	}
}

func TestCoreWordsMapToOneConcept(t *testing.T) {
	// A compound variant whose stem is a core word ("파드수" → 파드) would
	// give every mention of that word a second concept.
	g := Default()
	for word, want := range map[string]string{"파드": "pod", "노드": "node", "컨테이너": "container", "서비스": "service", "이미지": "image"} {
		if got := g.Lookup(Key(word)); !reflect.DeepEqual(got, []string{want}) {
			t.Errorf("Lookup(%q) = %v, want [%s]", word, got, want)
		}
	}
}
