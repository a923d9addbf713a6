package scenario

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// TestFixturesRender renders every fixture and checks that it decodes into
// named Kubernetes objects and that every fixture is used by a scenario.
func TestFixturesRender(t *testing.T) {
	used := map[string]bool{}
	for _, s := range All() {
		for _, f := range s.Fixtures {
			used[f] = true
		}
	}
	// Second steps applied from Go code.
	used["host-port-conflict-second.yaml"] = true
	used["rollout-stuck-update.yaml"] = true

	entries, err := fs.ReadDir(fixtures, "testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Run(e.Name(), func(t *testing.T) {
			if !used[e.Name()] {
				t.Errorf("fixture %s is used by no scenario", e.Name())
			}
			data, err := Fixture(e.Name(), "ns-under-test")
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(data, []byte("{{")) {
				t.Error("unrendered template left")
			}
			dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
			n := 0
			for {
				obj := &unstructured.Unstructured{}
				if err := dec.Decode(&obj.Object); err != nil {
					if errors.Is(err, io.EOF) {
						break
					}
					t.Fatal(err)
				}
				if len(obj.Object) == 0 {
					continue
				}
				n++
				if obj.GetKind() == "" || obj.GetAPIVersion() == "" || obj.GetName() == "" {
					t.Errorf("object without kind, apiVersion or name: %v", obj.Object)
				}
				if obj.GetKind() == "Node" && !strings.Contains(obj.GetName(), "ns-under-test") {
					t.Errorf("node %s is not named after the scenario namespace", obj.GetName())
				}
			}
			if n == 0 {
				t.Error("fixture has no objects")
			}
		})
	}
}

func TestGet(t *testing.T) {
	tests := []struct {
		name    string
		wantErr bool
	}{
		{"insufficient-cpu", false},
		{"healthy", false},
		{"no-such-scenario", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Get(tc.name)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Get(%q) error = %v, wantErr %v", tc.name, err, tc.wantErr)
			}
			if err == nil && s.Name != tc.name {
				t.Errorf("Get(%q) returned %q", tc.name, s.Name)
			}
		})
	}
}

func TestNamesAndCodesAreSet(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range All() {
		if seen[s.Name] {
			t.Errorf("duplicate scenario %s", s.Name)
		}
		seen[s.Name] = true
		if s.Summary == "" || len(s.Fixtures) == 0 {
			t.Errorf("scenario %s lacks a summary or fixtures", s.Name)
		}
		if s.Code == "" && !s.Quiet || s.Code != "" && s.Quiet {
			t.Errorf("scenario %s: a finding code, or Quiet for a healthy twin (code %q, quiet %v)", s.Name, s.Code, s.Quiet)
		}
	}
}
