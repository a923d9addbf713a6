package snapshot

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

func write(t *testing.T, dir, name, text string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadDumpTreeAndGetFiles(t *testing.T) {
	dir := t.TempDir()
	// cluster-info dump layout: typed lists whose items have no kind.
	write(t, dir, "nodes.json", `{"kind":"NodeList","apiVersion":"v1","metadata":{},"items":[
	  {"metadata":{"name":"n1"},"status":{"conditions":[{"type":"Ready","status":"True"}]}}]}`)
	write(t, dir, "shop/pods.json", `{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[
	  {"metadata":{"name":"web-1","namespace":"shop"},"spec":{"containers":[{"name":"app","image":"nginx"}]},"status":{"phase":"Running"}}]}`)
	write(t, dir, "shop/events.json", `{"kind":"EventList","apiVersion":"v1","metadata":{},"items":[]}`)
	write(t, dir, "shop/web-1/logs.txt", "not yaml at all {")
	// kubectl get -o yaml: a List and a multi-document file with a CRD.
	write(t, dir, "get/services.yaml", `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: web, namespace: shop}
  spec: {selector: {app: web}, ports: [{port: 80}]}
`)
	write(t, dir, "get/multi.yml", `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: nginx}]}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
---
`)
	write(t, dir, "broken.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: [unclosed\n")
	write(t, dir, "nokind.json", `{"metadata":{"name":"x"}}`)

	res, err := Read(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Files != 7 {
		t.Errorf("Files = %d, want 7 (logs.txt skipped)", res.Files)
	}
	if res.Objects != 4 {
		t.Errorf("Objects = %d, want 4 (node, pod, service, deployment)", res.Objects)
	}
	st := res.State
	if st.Node("n1") == nil || len(st.Pods("shop")) != 1 || st.Service("shop", "web") == nil || st.Deployment("shop", "web") == nil {
		t.Error("an object was not read")
	}
	var probs []string
	for _, p := range res.Problems {
		probs = append(probs, p.Error())
	}
	if len(probs) != 2 || !strings.HasPrefix(probs[0], "broken.yaml: document 1") || !strings.HasPrefix(probs[1], "nokind.json: document 1: no kind") {
		t.Errorf("problems = %q", probs)
	}
	for kind, want := range map[string]bool{
		cluster.KindPod: true, cluster.KindEvent: true, cluster.KindNode: true, cluster.KindService: true,
		cluster.KindSecret: false, cluster.KindConfigMap: false, cluster.KindStorageClass: false,
	} {
		if st.Collected(kind) != want {
			t.Errorf("Collected(%s) = %v, want %v", kind, !want, want)
		}
	}
}

func TestReadRefusesEmptyOrMissing(t *testing.T) {
	if _, err := Read(context.Background(), filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Error("missing directory: want error")
	}
	dir := t.TempDir()
	write(t, dir, "README.txt", "hello")
	if _, err := Read(context.Background(), dir); err == nil || !strings.Contains(err.Error(), "no .json") {
		t.Errorf("directory without manifests: err = %v", err)
	}
}
