package knowledge

import "testing"

func TestPreferTies(t *testing.T) {
	pref := func(id string) bool { return id == "team" }
	tests := []struct {
		name string
		in   []Answer
		want string
	}{
		{"tie won by the team entry", []Answer{{ID: "builtin", Confidence: 0.90}, {ID: "other", Confidence: 0.89}, {ID: "team", Confidence: 0.885}}, "team"},
		{"clearly better built-in stays on top", []Answer{{ID: "builtin", Confidence: 0.90}, {ID: "team", Confidence: 0.80}}, "builtin"},
		{"team already first", []Answer{{ID: "team", Confidence: 0.7}, {ID: "builtin", Confidence: 0.7}}, "team"},
		{"single answer", []Answer{{ID: "builtin", Confidence: 0.5}}, "builtin"},
	}
	for _, tt := range tests {
		preferTies(tt.in, pref)
		if tt.in[0].ID != tt.want {
			t.Errorf("%s: top = %s, want %s", tt.name, tt.in[0].ID, tt.want)
		}
		if len(tt.in) == 3 && (tt.in[1].ID != "builtin" || tt.in[2].ID != "other") {
			t.Errorf("%s: order of the rest changed: %+v", tt.name, tt.in)
		}
	}
}
