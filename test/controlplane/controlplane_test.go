package controlplane

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

func TestMinorOf(t *testing.T) {
	tests := []struct{ in, want string }{
		{"v1.33.4", "33"},
		{"1.34.0", "34"},
		{"v1", ""},
	}
	for _, tc := range tests {
		if got := minorOf(tc.in); got != tc.want {
			t.Errorf("minorOf(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCacheKey(t *testing.T) {
	dir := t.TempDir()
	mod := filepath.Join(dir, "kube")
	if err := os.MkdirAll(filepath.Join(mod, "etcd"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(mod, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module x\n")
	write("go.sum", "a v1 h1:x\n")
	k1, err := cacheKey(mod)
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := cacheKey(mod)
	if k1 != k2 {
		t.Errorf("key not stable: %s vs %s", k1, k2)
	}
	if !strings.HasPrefix(k1, "k8s-"+KubernetesVersion+"_etcd-"+EtcdVersion+"_kwok-"+KwokVersion+"_") {
		t.Errorf("key %s does not name the versions", k1)
	}
	write("go.sum", "a v2 h1:y\n")
	if k3, _ := cacheKey(mod); k3 == k1 {
		t.Error("key did not change with go.sum")
	}
	if _, err := cacheKey(filepath.Join(dir, "missing")); err == nil {
		t.Error("no error for a module without go.mod")
	}
}

func TestKustomizeResources(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"set/kustomization.yaml":    "resources:\n- ../node\n- extra.yaml\n",
		"set/extra.yaml":            "kind: Stage\n",
		"node/kustomization.yaml":   "resources:\n- a.yaml\n- b.yaml\n",
		"node/a.yaml":               "kind: Stage\n",
		"node/b.yaml":               "kind: Stage\n",
		"broken/kustomization.yaml": "resources:\n- missing.yaml\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		dir     string
		want    []string
		wantErr bool
	}{
		{dir: "set", want: []string{"node/a.yaml", "node/b.yaml", "set/extra.yaml"}},
		{dir: "node", want: []string{"node/a.yaml", "node/b.yaml"}},
		{dir: "broken", wantErr: true},
		{dir: "nowhere", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.dir, func(t *testing.T) {
			got, err := kustomizeResources(filepath.Join(dir, tc.dir))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			var rel []string
			for _, g := range got {
				r, _ := filepath.Rel(dir, g)
				rel = append(rel, r)
			}
			if strings.Join(rel, ",") != strings.Join(tc.want, ",") {
				t.Errorf("got %v, want %v", rel, tc.want)
			}
		})
	}
}

func TestFakeNode(t *testing.T) {
	n, err := FakeNode("n1", NodeOptions{CPU: "2", Labels: map[string]string{"zone": "a"}, ManualStatus: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Status.Capacity.Cpu().String(); got != "2" {
		t.Errorf("cpu = %s, want 2", got)
	}
	if got := n.Status.Allocatable.Memory().String(); got != "32Gi" {
		t.Errorf("memory = %s, want the default 32Gi", got)
	}
	if n.Labels["zone"] != "a" || n.Labels[ManualStatusLabel] != "true" || n.Annotations["kwok.x-k8s.io/node"] != "fake" {
		t.Errorf("labels %v annotations %v", n.Labels, n.Annotations)
	}
	if _, err := FakeNode("n2", NodeOptions{Memory: "lots"}); err == nil {
		t.Error("no error for an invalid memory quantity")
	}
}

// startForTest starts a 2-node cluster, skipping in -short mode.
func startForTest(t *testing.T, cfg Config) *Cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a real cluster")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cfg.Nodes = 2
	start := time.Now()
	c, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cluster up in %s", time.Since(start).Round(10*time.Millisecond))
	return c
}

// TestStartStop starts a cluster, uses it, stops it, and checks that no
// process, port or directory is left.
func TestStartStop(t *testing.T) {
	c := startForTest(t, Config{})
	t.Cleanup(func() { _ = c.Stop() })
	cfg, err := c.AdminConfig()
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes.Items) != 2 {
		t.Errorf("nodes = %d, want 2", len(nodes.Items))
	}
	for _, n := range nodes.Items {
		if !NodeReady(&n) {
			t.Errorf("node %s not Ready", n.Name)
		}
	}
	info, err := cs.Discovery().ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	if info.GitVersion != KubernetesVersion {
		t.Errorf("server version %s, want %s", info.GitVersion, KubernetesVersion)
	}
	// kwok's stages are installed.
	stages, err := cs.Discovery().RESTClient().Get().AbsPath("/apis/kwok.x-k8s.io/v1alpha1/stages").DoRaw(ctx)
	if err != nil || !strings.Contains(string(stages), "pod-ready") || !strings.Contains(string(stages), "kubemedic-node-keep-conditions") {
		t.Errorf("kwok stages: %v %.200s", err, stages)
	}
	// The limited user may read but not write.
	lcfg, err := c.LimitedConfig()
	if err != nil {
		t.Fatal(err)
	}
	limited, err := kubernetes.NewForConfig(lcfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := limited.CoreV1().Pods("default").List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("limited user cannot list pods: %v", err)
	}
	_, err = limited.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x"}}, metav1.CreateOptions{})
	if !apierrors.IsForbidden(err) {
		t.Errorf("limited user create: want Forbidden, got %v", err)
	}
	// Only loopback listeners.
	pids := c.PIDs()
	listeners := listenersOf(t, pids)
	if len(listeners) == 0 {
		t.Error("found no listening sockets of the components")
	}
	for _, addr := range listeners {
		if !strings.HasPrefix(addr, "127.0.0.1:") {
			t.Errorf("component listens on %s, want 127.0.0.1 only", addr)
		}
	}

	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	for name, pid := range pids {
		if pidAlive(pid) {
			t.Errorf("%s (pid %d) still runs after Stop", name, pid)
		}
	}
	for _, addr := range listeners {
		if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			conn.Close()
			t.Errorf("%s still accepts connections after Stop", addr)
		}
	}
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		t.Errorf("cluster directory %s still exists: %v", c.Dir, err)
	}
}

// TestDetachedStopDir starts a detached cluster, as `make cluster-up` does,
// and stops it through its directory, as `make cluster-down` does.
func TestDetachedStopDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cluster")
	c := startForTest(t, Config{Dir: dir, Detached: true})
	pids := c.PIDs()
	t.Cleanup(func() { _, _ = StopDir(dir) })
	if server, ok := Running(dir); !ok || server != c.Server {
		t.Errorf("Running(%s) = %q, %v; want %q, true", dir, server, ok, c.Server)
	}
	if _, err := Start(t.Context(), Config{Dir: dir, Binaries: &Binaries{}}); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Errorf("second Start in the same dir: want 'already running', got %v", err)
	}
	for name, pid := range pids {
		if pgid, err := syscall.Getpgid(pid); err != nil || pgid != pid {
			t.Errorf("%s (pid %d) does not lead its own process group (pgid %d, %v)", name, pid, pgid, err)
		}
	}
	found, err := StopDir(dir)
	if err != nil || !found {
		t.Fatalf("StopDir = %v, %v", found, err)
	}
	for name, pid := range pids {
		if pidAlive(pid) {
			t.Errorf("%s (pid %d) still runs after StopDir", name, pid)
		}
	}
	if _, ok := Running(dir); ok {
		t.Error("Running still reports the cluster")
	}
	if found, err := StopDir(dir); found || err != nil {
		t.Errorf("second StopDir = %v, %v; want false, nil", found, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "kubeconfig")); err != nil {
		t.Errorf("kubeconfig gone after StopDir: %v", err)
	}
}

// TestComponentsDieWithParent starts a cluster in a child process, kills
// the child with SIGKILL (no cleanup code runs) and checks that every component
// dies with it.
func TestComponentsDieWithParent(t *testing.T) {
	if os.Getenv("KUBEMEDIC_HELPER_START") == "1" {
		c, err := Start(context.Background(), Config{Nodes: 1})
		if err != nil {
			fmt.Println("ERROR", err)
			os.Exit(1)
		}
		for name, pid := range c.PIDs() {
			fmt.Println("PID", name, pid)
		}
		fmt.Println("DIR", c.Dir)
		fmt.Println("READY")
		time.Sleep(10 * time.Minute)
		os.Exit(0)
	}
	if testing.Short() {
		t.Skip("starts a real cluster")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestComponentsDieWithParent$", "-test.v=false")
	cmd.Env = append(os.Environ(), "KUBEMEDIC_HELPER_START=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	pids := map[string]int{}
	var dir string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "PID":
			var pid int
			fmt.Sscan(f[2], &pid)
			pids[f[1]] = pid
		case "DIR":
			dir = f[1]
		case "ERROR":
			t.Fatal(sc.Text())
		}
		if f[0] == "READY" {
			break
		}
	}
	if len(pids) != 5 {
		t.Fatalf("child reported %d components, want 5: %v", len(pids), pids)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(15 * time.Second)
	for name, pid := range pids {
		for pidAlive(pid) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if pidAlive(pid) {
			t.Errorf("%s (pid %d) survived the SIGKILL of its parent", name, pid)
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
	}
	// The next start cleans the directory the killed process left behind.
	removeStaleTempDirs()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("stale directory %s not removed: %v", dir, err)
		_ = os.RemoveAll(dir)
	}
}

// listenersOf returns the TCP addresses the given processes listen on, from
// /proc/net/tcp and each process's socket inodes.
func listenersOf(t *testing.T, pids map[string]int) []string {
	t.Helper()
	inodes := map[string]bool{}
	for _, pid := range pids {
		fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		for _, fd := range fds {
			link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
			if err == nil && strings.HasPrefix(link, "socket:[") {
				inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
			}
		}
	}
	var out []string
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "0A" || !inodes[f[9]] { // 0A = LISTEN
				continue
			}
			out = append(out, decodeAddr(f[1]))
		}
	}
	return out
}

// decodeAddr turns /proc/net/tcp's "0100007F:1F90" into "127.0.0.1:8080".
func decodeAddr(s string) string {
	host, port, ok := strings.Cut(s, ":")
	if !ok || len(host) != 8 {
		return s // IPv6 listeners are reported raw and fail the loopback check
	}
	var b [4]byte
	for i := range 4 {
		fmt.Sscanf(host[2*i:2*i+2], "%02X", &b[3-i])
	}
	var p int
	fmt.Sscanf(port, "%X", &p)
	return fmt.Sprintf("%d.%d.%d.%d:%d", b[0], b[1], b[2], b[3], p)
}

// BenchmarkStartStop measures a warm start (binaries cached) of a 3-node
// cluster until a probe pod ran, plus its stop.
func BenchmarkStartStop(b *testing.B) {
	cacheDir, err := DefaultCacheDir()
	if err != nil {
		b.Fatal(err)
	}
	bins, err := Build(context.Background(), cacheDir, nil)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		c, err := Start(context.Background(), Config{Binaries: &bins})
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Stop(); err != nil {
			b.Fatal(err)
		}
	}
}
