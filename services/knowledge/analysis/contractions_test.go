package analysis

import (
	"slices"
	"testing"

	"github.com/kubemedic/kubemedic/services/knowledge/glossary"
)

func TestExpandContractions(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"negation", "pod doesn't start", "pod does not start"},
		{"won't", "it won't start", "it will not start"},
		{"can't", "i can't pull", "i can not pull"},
		{"typographic apostrophe", "node isn’t ready", "node is not ready"},
		{"at the end", "it just doesn't", "it just does not"},
		{"several", "aren't and haven't", "are not and have not"},
		{"possessive dropped", "the pod's logs", "the pod logs"},
		{"clitics dropped", "i'm sure it's what we've seen, they're gone", "i sure it what we seen, they gone"},
		{"quoted value left alone", "jsonpath='{.items}' --from-literal=key='value'", "jsonpath='{.items}' --from-literal=key='value'"},
		{"quote after a space left alone", "echo 'done'", "echo 'done'"},
		{"longer word after the apostrophe left alone", "o'clock and rock'n'roll", "o'clock and rock'n'roll"},
		{"hangul after it", "pod's가 안 떠요", "pod가 안 떠요"},
		{"no apostrophe", "파드가 Pending", "파드가 Pending"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := expandContractions(tt.text); got != tt.want {
				t.Errorf("expandContractions(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

// A contraction is the words it stands for: the fragments a split at the
// apostrophe leaves ("won", "isn", a bare "t") are no words of the question,
// and a negation reaches the glossary's phrases with "not".
func TestTermsOfContractions(t *testing.T) {
	a := New(Full(), glossary.Default(), nil)
	tests := []struct {
		name string
		text string
		kind Kind
		want []string // must all be present
		not  []string // must be absent
	}{
		{"won't", "pod won't start", Word, []string{"pod", "start"}, []string{"won", "t", "will", "not"}},
		{"doesn't", "the job doesn't finish", Word, []string{"job", "finish"}, []string{"doesn", "t", "does"}},
		{"typographic", "service isn’t reachable", Word, []string{"service", "reachable"}, []string{"isn", "t"}},
		{"i'm", "I'm stuck", Word, []string{"stuck"}, []string{"m"}},
		{"possessive", "the pod's events", Word, []string{"pod", "event"}, []string{"s"}},
		{"negation reaches a glossary phrase", "node isn't ready", Concept, []string{"@notready"}, nil},
		{"does not exist", "configmap doesn't exist", Concept, []string{"@absent"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := texts(a.Terms(tt.text), tt.kind)
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("%s terms of %q = %v, missing %q", tt.kind, tt.text, got, w)
				}
			}
			for _, w := range tt.not {
				if slices.Contains(got, w) {
					t.Errorf("%s terms of %q = %v, unexpected %q", tt.kind, tt.text, got, w)
				}
			}
		})
	}
}
