// Package clustertest gives Go tests a real Kubernetes control plane.
//
// A test binary starts one cluster in TestMain and every test gets its own
// namespace in it:
//
//	func TestMain(m *testing.M) { clustertest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		env := clustertest.Namespace(t)
//		pods, err := env.Client.CoreV1().Pods(env.Namespace).List(t.Context(), metav1.ListOptions{})
//		...
//	}
//
// Main builds the binaries if the cache is cold (the first build takes
// minutes, later ones reuse .cache/bin), starts the cluster, runs the tests,
// and stops the cluster whatever happened: normal exit, failure, SIGINT or
// SIGTERM. If the test binary dies (panic, SIGKILL), the components die with it
// and the next start removes the leftover directory.
//
// Set KUBEMEDIC_CLUSTER_NODES to change the node count (default 3). With
// `go test -short`, Main skips starting a cluster and Namespace skips the test.
//
// Nodes are shared by all tests of a binary; a test that changes nodes
// (cordon, taints, conditions) should create its own with AddNode.
package clustertest

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kubemedic/kubemedic/test/controlplane"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Env is one test's view of the cluster.
type Env struct {
	// Namespace is created for this test and deleted when it ends.
	Namespace string
	// Config and Client act as a cluster admin.
	Config *rest.Config
	Client kubernetes.Interface
	// LimitedConfig acts as controlplane.LimitedUser, which can read most
	// objects and impersonate, but not write. Use it for impersonation and
	// RBAC tests.
	LimitedConfig *rest.Config
	// Cluster is the shared cluster, for its kubeconfig paths and node names.
	Cluster *controlplane.Cluster
}

var (
	mu      sync.Mutex
	cluster *controlplane.Cluster
	skipMsg string
)

// Main starts the cluster, runs the tests and exits with their status. Call it
// from TestMain.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// Flags must be parsed before testing.Short can be read.
	if !flag.Parsed() {
		flag.Parse()
	}
	if testing.Short() {
		skipMsg = "real cluster tests are skipped in -short mode"
		return m.Run()
	}
	nodes := controlplane.DefaultNodes
	if v := os.Getenv("KUBEMEDIC_CLUSTER_NODES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			fmt.Fprintf(os.Stderr, "clustertest: KUBEMEDIC_CLUSTER_NODES=%q is not a node count\n", v)
			return 2
		}
		nodes = n
		if n == 0 {
			nodes = controlplane.NoNodes
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	start := time.Now()
	c, err := controlplane.Start(ctx, controlplane.Config{Nodes: nodes, Log: prefixWriter{}})
	if err != nil {
		fmt.Fprintf(os.Stderr, "clustertest: start cluster: %v\n", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "clustertest: cluster up in %s at %s\n", time.Since(start).Round(10*time.Millisecond), c.Server)
	mu.Lock()
	cluster = c
	mu.Unlock()

	// Stop on SIGINT/SIGTERM too. A -timeout panic or SIGKILL skips this;
	// then Pdeathsig ends the components.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		sig, ok := <-sigs
		if !ok {
			return
		}
		fmt.Fprintf(os.Stderr, "clustertest: %v: stopping cluster\n", sig)
		_ = c.Stop()
		os.Exit(1)
	}()
	defer func() {
		signal.Stop(sigs)
		close(sigs)
		if err := c.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "clustertest: stop cluster: %v\n", err)
		}
	}()
	return m.Run()
}

// Namespace creates a namespace for t (named after the test) and returns the
// test's Env. The namespace and everything in it is deleted when the test ends,
// also when it fails or panics. It skips t when the cluster is not running
// because of -short and fails it when Main was not called.
func Namespace(t testing.TB) *Env {
	t.Helper()
	mu.Lock()
	c := cluster
	mu.Unlock()
	if c == nil {
		if skipMsg != "" {
			t.Skip(skipMsg)
		}
		t.Fatal("clustertest: no cluster; call clustertest.Main(m) from TestMain")
	}
	cfg, err := c.AdminConfig()
	if err != nil {
		t.Fatal(err)
	}
	limited, err := c.LimitedConfig()
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := namespaceName(t.Name())
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubemedic.io/test": "true"}}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("clustertest: create namespace %s: %v", name, err)
	}
	t.Cleanup(func() { deleteNamespace(t, cs, name) })
	// Pods are refused until the controller-manager has created the
	// namespace's default service account.
	err = wait.PollUntilContextCancel(ctx, 50*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().ServiceAccounts(name).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("clustertest: default service account of %s never appeared: %v", name, err)
	}
	return &Env{Namespace: name, Config: cfg, Client: cs, LimitedConfig: limited, Cluster: c}
}

// AddNode creates a fake node for this test only (named <namespace>-<suffix>)
// and deletes it when the test ends. Use it for anything that changes nodes.
func (e *Env) AddNode(t testing.TB, suffix string, opts controlplane.NodeOptions) *corev1.Node {
	t.Helper()
	name := e.Namespace + "-" + suffix
	node, err := controlplane.FakeNode(name, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	created, err := e.Client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("clustertest: create node %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := e.Client.CoreV1().Nodes().Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("clustertest: delete node %s: %v", name, err)
		}
	})
	return created
}

// deleteNamespace removes the namespace. Pods are force-deleted first: pods
// whose status kwok disregards would otherwise wait forever for a kubelet.
func deleteNamespace(t testing.TB, cs kubernetes.Interface, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	zero := int64(0)
	if err := cs.CoreV1().Pods(name).DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: &zero}, metav1.ListOptions{}); err != nil && !apierrors.IsNotFound(err) {
		t.Errorf("clustertest: delete pods of %s: %v", name, err)
	}
	if err := cs.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		t.Errorf("clustertest: delete namespace %s: %v", name, err)
	}
}

var invalidNameChars = regexp.MustCompile(`[^a-z0-9-]+`)

// namespaceName turns a test name into a unique DNS label.
func namespaceName(testName string) string {
	base := invalidNameChars.ReplaceAllString(strings.ToLower(testName), "-")
	base = strings.Trim(base, "-")
	if len(base) > 40 {
		base = strings.Trim(base[:40], "-")
	}
	if base == "" {
		base = "test"
	}
	return fmt.Sprintf("%s-%04x", base, rand.IntN(1<<16))
}

// prefixWriter prefixes harness progress lines so they stand out in test logs.
type prefixWriter struct{}

func (prefixWriter) Write(p []byte) (int, error) {
	fmt.Fprintf(os.Stderr, "clustertest: %s", p)
	return len(p), nil
}
