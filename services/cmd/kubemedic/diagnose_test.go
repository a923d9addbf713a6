package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const brokenSnapshot = `apiVersion: v1
kind: Node
metadata: {name: n1, providerID: "navercloudplatform://1"}
spec: {providerID: "navercloudplatform://1"}
status:
  allocatable: {cpu: "2", memory: 4Gi}
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ncloud-config, namespace: kube-system}
data: {lbSubnetNo: ""}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop, creationTimestamp: "2026-01-01T00:00:00Z"}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec: {nodeName: n1, containers: [{name: app, image: nginx, ports: [{containerPort: 8080}]}]}
status: {phase: Running, conditions: [{type: Ready, status: "True"}]}
`

const healthySnapshot = `apiVersion: v1
kind: NodeList
items:
- metadata: {name: n1}
  status:
    allocatable: {cpu: "2", memory: 4Gi}
    conditions: [{type: Ready, status: "True"}]
`

func snapshotDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ec, ok := errors.AsType[*exitCodeError](err); ok {
		return ec.code
	}
	return -1
}

func TestDiagnoseJSONShapeAndExitCode(t *testing.T) {
	dir := snapshotDir(t, map[string]string{"all.yaml": brokenSnapshot, "bad.json": "{not json"})
	out, errOut, err := run(t, newDiagnoseCommand, "", "--snapshot", dir, "--json", "--lang", "en")
	if code := exitCode(err); code != exitFindings {
		t.Fatalf("exit %d (%v), want %d; stderr %s", code, err, exitFindings, errOut)
	}
	if !strings.Contains(errOut, "bad.json: document 1") {
		t.Errorf("broken file not reported as file: reason on stderr: %q", errOut)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if keys := sortedKeys(doc); !slices.Equal(keys, []string{"findings", "summary"}) {
		t.Fatalf("top-level keys %v", keys)
	}
	var findings []map[string]json.RawMessage
	if err := json.Unmarshal(doc["findings"], &findings); err != nil || len(findings) == 0 {
		t.Fatalf("findings: %v (%d)", err, len(findings))
	}
	want := []string{"actions", "cluster", "code", "evidence", "kind", "name", "namespace", "reason", "runbooks", "severity", "summary", "title"}
	for _, f := range findings {
		if keys := sortedKeys(f); !slices.Equal(keys, want) {
			t.Errorf("finding keys %v, want exactly %v", keys, want)
		}
	}
	var lb struct {
		Code, Reason, Severity, Title string
		Runbooks                      []string
		Actions                       []map[string]any
	}
	for _, f := range findings {
		if string(f["code"]) == `"LoadBalancerPending"` {
			raw, _ := json.Marshal(f)
			_ = json.Unmarshal(raw, &lb)
		}
	}
	if lb.Reason != "LBSubnetInvalid" || lb.Severity != "error" || !strings.HasPrefix(lb.Title, "Service web: LoadBalancer address") {
		t.Errorf("LoadBalancerPending = %+v", lb)
	}
	if len(lb.Runbooks) == 0 || lb.Runbooks[0] != "nks-loadbalancer-pending-lb-subnet" {
		t.Errorf("runbooks %v, want the NKS LB subnet runbook first", lb.Runbooks)
	}
	if len(lb.Actions) != 1 || lb.Actions[0]["patch_config_map"] == nil {
		t.Errorf("actions %v, want one patch_config_map", lb.Actions)
	} else if in, _ := json.Marshal(lb.Actions[0]["inputs"]); !strings.Contains(string(in), `"field":"patch_config_map.set.lbSubnetNo"`) {
		// No LoadBalancer Service in the snapshot shows a subnet: the
		// operator must supply it.
		t.Errorf("action inputs %s, want patch_config_map.set.lbSubnetNo", in)
	}
	var sum struct {
		Findings, Error int
		Problems        []string
	}
	if err := json.Unmarshal(doc["summary"], &sum); err != nil || sum.Findings != len(findings) || len(sum.Problems) != 1 {
		t.Errorf("summary %s", doc["summary"])
	}
}

func TestDiagnoseTableKoreanAndQuietExit(t *testing.T) {
	dir := snapshotDir(t, map[string]string{"all.yaml": brokenSnapshot})
	out, _, err := run(t, newDiagnoseCommand, "", "--snapshot", dir)
	if exitCode(err) != exitFindings {
		t.Fatalf("exit %d, want 1", exitCode(err))
	}
	for _, s := range []string{"심각도", "LoadBalancerPending/LBSubnetInvalid", "런북:", "제안 조치: patch-cm kube-system/ncloud-config lbSubnetNo=<^[0-9]+$>", "합계:"} {
		if !strings.Contains(out, s) {
			t.Errorf("table lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour codes written to a non-terminal")
	}

	dir = snapshotDir(t, map[string]string{"nodes.yaml": healthySnapshot})
	out, _, err = run(t, newDiagnoseCommand, "", "--snapshot", dir)
	if err != nil || !strings.Contains(out, "발견된 문제가 없습니다") {
		t.Errorf("healthy snapshot: err %v, out %q", err, out)
	}
	// Findings below warning do not fail the run.
	dir = snapshotDir(t, map[string]string{"all.yaml": healthySnapshot + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: orphan, namespace: shop}\ndata: {a: b}\n---\napiVersion: v1\nkind: PodList\nitems: []\n"})
	out, _, err = run(t, newDiagnoseCommand, "", "--snapshot", dir, "--lang", "en")
	if err != nil || !strings.Contains(out, "ConfigMapUnused") {
		t.Errorf("info-only snapshot: err %v, out %q", err, out)
	}
}

func TestDiagnoseBadInputExitsTwo(t *testing.T) {
	dir := snapshotDir(t, map[string]string{"nodes.yaml": healthySnapshot})
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"--snapshot", dir, "--lang", "fr"}, "--lang must be ko or en"},
		{[]string{"--snapshot", dir, "--min-severity", "loud"}, "--min-severity"},
		{[]string{"--snapshot", dir, "--kind", "Widget"}, "--kind \"Widget\""},
		{[]string{"--snapshot", filepath.Join(dir, "missing")}, "no such file"},
		{[]string{"--snapshot", dir, "--context", "prod"}, "--snapshot reads files only"},
		{[]string{"--kubeconfig", filepath.Join(dir, "nope.yaml")}, "kubeconfig"},
		{[]string{"extra"}, "takes no arguments"},
	}
	for _, tc := range tests {
		_, _, err := run(t, newDiagnoseCommand, "", tc.args...)
		if exitCode(err) != exitError || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%v: exit %d, err %v; want 2 and %q", tc.args, exitCode(err), err, tc.msg)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
