package e2e_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
)

// writeDump writes the cluster the way `kubectl cluster-info dump
// --output-directory DIR --all-namespaces` lays it out: nodes.json at the top,
// then per namespace events, replication controllers, services, daemonsets,
// deployments, replicasets and pods as typed lists whose items carry no kind.
// (The harness has no kubectl; the files are what its JSON printer writes.)
func writeDump(t *testing.T, cs kubernetes.Interface, dir string) {
	t.Helper()
	ctx := context.Background()
	write := func(path, kind string, list runtime.Object) {
		t.Helper()
		gv := corev1.SchemeGroupVersion
		switch kind {
		case "DaemonSetList", "DeploymentList", "ReplicaSetList":
			gv = appsv1.SchemeGroupVersion
		}
		list.GetObjectKind().SetGroupVersionKind(gv.WithKind(kind))
		data, err := json.MarshalIndent(list, "", "    ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	must(err)
	write(filepath.Join(dir, "nodes.json"), "NodeList", nodes)
	nss, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	must(err)
	for _, ns := range nss.Items {
		base := filepath.Join(dir, ns.Name)
		o := metav1.ListOptions{}
		ev, err := cs.CoreV1().Events(ns.Name).List(ctx, o)
		must(err)
		write(filepath.Join(base, "events.json"), "EventList", ev)
		rc, err := cs.CoreV1().ReplicationControllers(ns.Name).List(ctx, o)
		must(err)
		write(filepath.Join(base, "replication-controllers.json"), "ReplicationControllerList", rc)
		svc, err := cs.CoreV1().Services(ns.Name).List(ctx, o)
		must(err)
		write(filepath.Join(base, "services.json"), "ServiceList", svc)
		ds, err := cs.AppsV1().DaemonSets(ns.Name).List(ctx, o)
		must(err)
		write(filepath.Join(base, "daemonsets.json"), "DaemonSetList", ds)
		dep, err := cs.AppsV1().Deployments(ns.Name).List(ctx, o)
		must(err)
		write(filepath.Join(base, "deployments.json"), "DeploymentList", dep)
		rs, err := cs.AppsV1().ReplicaSets(ns.Name).List(ctx, o)
		must(err)
		write(filepath.Join(base, "replicasets.json"), "ReplicaSetList", rs)
		pods, err := cs.CoreV1().Pods(ns.Name).List(ctx, o)
		must(err)
		write(filepath.Join(base, "pods.json"), "PodList", pods)
		// The dump also writes container logs next to the lists.
		for _, p := range pods.Items {
			must(os.MkdirAll(filepath.Join(base, p.Name), 0o755))
			must(os.WriteFile(filepath.Join(base, p.Name, "logs.txt"), []byte("==== START logs ====\n"), 0o644))
		}
	}
}
