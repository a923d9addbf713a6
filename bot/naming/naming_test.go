package naming

import (
	"strings"
	"testing"
)

func TestObject(t *testing.T) {
	tests := []struct {
		kind   Kind
		name   string
		wantEn string // "" means valid
	}{
		{Node, "worker-1", ""},
		{Node, "ip-10-0-1-23.ap-northeast-2.compute.internal", ""},
		{Namespace, "kube-system", ""},
		{Namespace, "a.b", "not a valid name"},
		{Node, "Worker-1", `did you mean "worker-1"`},
		{Node, "worker_1", "not a valid name"},
		{Node, "-worker", "not a valid name"},
		{Node, "worker-", "not a valid name"},
		{Node, "a..b", "not a valid name"},
		{Node, strings.Repeat("a", 254), "too long"},
		{Namespace, strings.Repeat("a", 64), "too long"},
		{Node, "", "node name is empty"},
	}
	for _, tt := range tests {
		err := Object(tt.kind, tt.name)
		if tt.wantEn == "" {
			if err != nil {
				t.Errorf("Object(%s, %q) = %v, want valid", tt.kind.En, tt.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.En, tt.wantEn) || err.Ko == "" {
			t.Errorf("Object(%s, %q) = %v, want an error containing %q", tt.kind.En, tt.name, err, tt.wantEn)
		}
	}
}

func TestRef(t *testing.T) {
	ns, name, err := Ref(Deployment, "shop/web", "shop/web")
	if err != nil || ns != "shop" || name != "web" {
		t.Fatalf("Ref = %q %q %v", ns, name, err)
	}
	for in, want := range map[string]string{
		"web":       "has no namespace",
		"shop/a/b":  "more than one '/'",
		"/web":      "namespace is empty",
		"shop/":     "deployment name is empty",
		"Shop/web":  `did you mean "shop"`,
		"shop/We_b": "not a valid name",
	} {
		if _, _, err := Ref(Deployment, in, "shop/web"); err == nil || !strings.Contains(err.En, want) {
			t.Errorf("Ref(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestIDsAndKeys(t *testing.T) {
	for _, ok := range []string{"pl-7f3a9c", "ex_1.2", strings.Repeat("a", MaxIDLength)} {
		if err := ID(PlanID, ok); err != nil {
			t.Errorf("ID(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "pl/1", "pl 1", "계획", strings.Repeat("a", MaxIDLength+1)} {
		if err := ID(ExecutionID, bad); err == nil || !strings.Contains(err.En, "execution ID") {
			t.Errorf("ID(%q) = %v, want an execution ID error", bad, err)
		}
	}
	if Cluster("prod-KR_1") != nil || Cluster("pr@d") == nil || Cluster("") == nil {
		t.Error("Cluster")
	}
	if ConfigMapKey("app.yaml") != nil || ConfigMapKey("LOG_LEVEL") != nil || ConfigMapKey("a/b") == nil || ConfigMapKey("..") == nil || ConfigMapKey("") == nil {
		t.Error("ConfigMapKey")
	}
}
