package wordlist

import (
	"slices"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"comments only", "# why\n  # more\n", nil},
		{"words and comments", "# group\na b  c # trailing\n\nd\n", []string{"a", "b", "c", "d"}},
		{"hangul", "파드 노드\t서비스", []string{"파드", "노드", "서비스"}},
	}
	for _, tt := range tests {
		if got := Parse(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("%s: Parse = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSetAndLines(t *testing.T) {
	s := Set("a b\n# c\na")
	if len(s) != 2 || !s["a"] || !s["b"] || s["c"] {
		t.Errorf("Set = %v, want {a, b}", s)
	}
	if got, want := Lines("x: 1, 2 # note\n\n# only a comment\n  y: 3  \n"), []string{"x: 1, 2", "y: 3"}; !slices.Equal(got, want) {
		t.Errorf("Lines = %q, want %q", got, want)
	}
}
