package analysis

import "testing"

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
