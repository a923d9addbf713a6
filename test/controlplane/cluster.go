package controlplane

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Config describes a cluster to start. The zero value is a 3-node cluster in
// a fresh temporary directory, built into the default cache.
type Config struct {
	// Dir holds certificates, kubeconfigs, etcd data and component logs. Empty
	// means a new temporary directory that Stop removes. An existing Dir is
	// reused: its previous contents are removed first.
	Dir string
	// Nodes is the number of kwok fake nodes named kwok-node-0, kwok-node-1, ...
	// Zero means DefaultNodes; use NoNodes for a cluster without nodes.
	Nodes int
	// Node is the shape of every fake node.
	Node NodeOptions
	// Binaries to run; nil means Build into CacheDir.
	Binaries *Binaries
	// CacheDir is where Build keeps binaries; empty means DefaultCacheDir().
	CacheDir string
	// Detached makes components outlive the calling process (for
	// `make cluster-up`); stop them with StopDir. Otherwise components die with
	// the caller, even on SIGKILL.
	Detached bool
	// APIQPS is the client rate limit of the controller-manager, scheduler and
	// the harness's own clients; large clusters need more. Zero means 200.
	APIQPS int
	// StartTimeout bounds Start after the binaries exist. Zero means 3 minutes.
	StartTimeout time.Duration
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

// DefaultNodes is the node count when Config.Nodes is zero.
const DefaultNodes = 3

// NoNodes asks for a cluster without fake nodes.
const NoNodes = -1

// Cluster is a running control plane.
type Cluster struct {
	// Dir is the cluster directory (see Config.Dir).
	Dir string
	// Server is the kube-apiserver URL, https://127.0.0.1:<port>.
	Server string
	// AdminKubeconfig is <Dir>/kubeconfig, for a system:masters user.
	AdminKubeconfig string
	// LimitedKubeconfig is <Dir>/limited.kubeconfig, for LimitedUser.
	LimitedKubeconfig string
	// Nodes are the names of the fake nodes Start created.
	Nodes []string

	procs     []*process
	removeDir bool
	qps       int
	stopOnce  sync.Once
	stopErr   error
}

// Start builds the binaries if needed and starts a cluster. It returns once
// nodes are Ready and a probe pod has been scheduled and run, so the cluster
// really schedules work. On error, everything started is stopped again and the
// error carries the tail of the failing component's log.
func Start(ctx context.Context, cfg Config) (*Cluster, error) {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.Nodes == 0 {
		cfg.Nodes = DefaultNodes
	}
	if cfg.Nodes < 0 {
		cfg.Nodes = 0
	}
	if cfg.APIQPS <= 0 {
		cfg.APIQPS = 200
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 3 * time.Minute
	}
	cfg.Node = cfg.Node.withDefaults()
	if cfg.Binaries == nil {
		cacheDir := cfg.CacheDir
		if cacheDir == "" {
			var err error
			if cacheDir, err = DefaultCacheDir(); err != nil {
				return nil, err
			}
		}
		bins, err := Build(ctx, cacheDir, cfg.Log)
		if err != nil {
			return nil, err
		}
		cfg.Binaries = &bins
	}

	c := &Cluster{qps: cfg.APIQPS}
	if cfg.Dir == "" {
		removeStaleTempDirs()
		dir, err := os.MkdirTemp("", tempDirPrefix)
		if err != nil {
			return nil, fmt.Errorf("create cluster directory: %w", err)
		}
		c.Dir, c.removeDir = dir, true
	} else {
		dir, err := filepath.Abs(cfg.Dir)
		if err != nil {
			return nil, fmt.Errorf("cluster directory %q: %w", cfg.Dir, err)
		}
		if st, err := readState(dir); err == nil && st.anyAlive() {
			return nil, fmt.Errorf("a cluster is already running in %s (server %s); stop it first (make cluster-down)", dir, st.Server)
		}
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("clean cluster directory %s: %w", dir, err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create cluster directory %s: %w", dir, err)
		}
		c.Dir = dir
	}

	startCtx, cancel := context.WithTimeout(ctx, cfg.StartTimeout)
	defer cancel()
	for attempt := 1; ; attempt++ {
		err := c.start(startCtx, cfg)
		if err == nil {
			return c, nil
		}
		// Ports are picked free but released before the components bind
		// them; another process may take one in between. Start again.
		if attempt < 3 && strings.Contains(err.Error(), "address already in use") {
			fmt.Fprintf(cfg.Log, "a loopback port was taken by someone else; starting again\n")
			_ = stopAll(c.procs)
			c.procs, c.Nodes = nil, nil
			if rerr := emptyDir(c.Dir); rerr == nil {
				continue
			}
		}
		_ = c.Stop()
		return nil, err
	}
}

// emptyDir removes everything inside dir.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

const tempDirPrefix = "kubemedic-cluster-"

func (c *Cluster) start(ctx context.Context, cfg Config) error {
	begin := time.Now()
	bins := cfg.Binaries
	pkiDir := filepath.Join(c.Dir, "pki")
	if err := os.MkdirAll(pkiDir, 0o700); err != nil {
		return fmt.Errorf("create pki directory: %w", err)
	}
	p, err := newPKI(pkiDir)
	if err != nil {
		return err
	}
	if err := p.serving("apiserver", []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		[]net.IP{net.ParseIP("127.0.0.1"), net.ParseIP(serviceIP)}); err != nil {
		return err
	}
	if err := p.serviceAccountKey(); err != nil {
		return err
	}
	ids := []identity{
		{file: "admin", user: "kubemedic-admin", groups: []string{"system:masters"}},
		{file: "controller-manager", user: "system:kube-controller-manager"},
		{file: "scheduler", user: "system:kube-scheduler"},
		{file: "kwok", user: "kwok-controller", groups: []string{"system:masters"}},
		{file: "limited", user: LimitedUser, groups: []string{LimitedGroup}},
	}
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	etcdClient, etcdPeer, apiPort := ports[0], ports[1], ports[2]
	c.Server = "https://127.0.0.1:" + strconv.Itoa(apiPort)
	kubeconfigs := map[string]string{}
	for _, id := range ids {
		if err := p.client(id); err != nil {
			return err
		}
		path := filepath.Join(c.Dir, id.file+".kubeconfig")
		if id.file == "admin" {
			path = filepath.Join(c.Dir, "kubeconfig")
		}
		if err := writeKubeconfig(path, c.Server, p, id); err != nil {
			return err
		}
		kubeconfigs[id.file] = path
	}
	c.AdminKubeconfig = kubeconfigs["admin"]
	c.LimitedKubeconfig = kubeconfigs["limited"]
	if err := c.saveState(cfg.Detached); err != nil {
		return err
	}

	// etcd
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(etcdClient)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(etcdPeer)
	if err := c.run(bins.Etcd, "etcd", cfg.Detached,
		"--name=default",
		"--data-dir="+filepath.Join(c.Dir, "etcd"),
		"--listen-client-urls="+etcdURL,
		"--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL,
		"--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=default="+peerURL,
		"--unsafe-no-fsync=true",
		"--quota-backend-bytes=8589934592",
		"--log-level=warn",
	); err != nil {
		return err
	}
	if err := c.waitFor(ctx, "etcd", func(ctx context.Context) (bool, error) {
		return httpOK(ctx, nil, etcdURL+"/health")
	}); err != nil {
		return err
	}

	// kube-apiserver
	qps := strconv.Itoa(cfg.APIQPS)
	burst := strconv.Itoa(cfg.APIQPS * 2)
	if err := c.run(bins.APIServer, "kube-apiserver", cfg.Detached,
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(apiPort),
		"--cert-dir="+filepath.Join(c.Dir, "apiserver"),
		"--tls-cert-file="+p.path("apiserver.crt"),
		"--tls-private-key-file="+p.path("apiserver.key"),
		"--client-ca-file="+p.caFile(),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+p.path("sa.pub"),
		"--service-account-signing-key-file="+p.path("sa.key"),
		"--service-cluster-ip-range="+serviceCIDR,
		"--authorization-mode=Node,RBAC",
		"--allow-privileged=true",
		"--endpoint-reconciler-type=none",
		"--enable-priority-and-fairness=false",
		"--max-requests-inflight=2000",
		"--max-mutating-requests-inflight=1000",
		"--profiling=false",
		"--v=1",
	); err != nil {
		return err
	}
	admin, err := c.clientset(c.AdminKubeconfig)
	if err != nil {
		return err
	}
	if err := c.waitFor(ctx, "kube-apiserver", func(ctx context.Context) (bool, error) {
		body, err := admin.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err == nil && strings.TrimSpace(string(body)) == "ok", nil
	}); err != nil {
		return err
	}
	fmt.Fprintf(cfg.Log, "kube-apiserver ready at %s after %s\n", c.Server, time.Since(begin).Round(10*time.Millisecond))

	if err := grantLimitedUser(ctx, admin); err != nil {
		return err
	}

	// controller-manager and scheduler
	if err := c.run(bins.ControllerManager, "kube-controller-manager", cfg.Detached,
		"--kubeconfig="+kubeconfigs["controller-manager"],
		"--secure-port=0",
		"--leader-elect=false",
		"--use-service-account-credentials=true",
		"--controllers=*",
		"--service-account-private-key-file="+p.path("sa.key"),
		"--root-ca-file="+p.caFile(),
		"--cluster-signing-cert-file="+p.caFile(),
		"--cluster-signing-key-file="+p.caKeyFile(),
		"--kube-api-qps="+qps,
		"--kube-api-burst="+burst,
		"--concurrent-deployment-syncs=10",
		"--concurrent-replicaset-syncs=10",
		"--v=1",
	); err != nil {
		return err
	}
	if err := c.run(bins.Scheduler, "kube-scheduler", cfg.Detached,
		"--kubeconfig="+kubeconfigs["scheduler"],
		"--secure-port=0",
		"--leader-elect=false",
		"--kube-api-qps="+qps,
		"--kube-api-burst="+burst,
		"--v=1",
	); err != nil {
		return err
	}

	// kwok: Stage CRD and stages first, then the controller.
	adminCfg, err := c.restConfig(c.AdminKubeconfig)
	if err != nil {
		return err
	}
	if err := applyKwokStages(ctx, adminCfg, bins.KwokManifests); err != nil {
		return err
	}
	if err := c.run(bins.Kwok, "kwok", cfg.Detached,
		"--kubeconfig="+kubeconfigs["kwok"],
		"--manage-all-nodes=true",
		"--disregard-status-with-label-selector="+ManualStatusLabel+"=true",
		"--enable-crds=Stage",
		"--cidr="+podCIDR,
		"--node-ip=127.0.0.1",
		"--node-port=0",
		"--node-lease-duration-seconds=40",
	); err != nil {
		return err
	}

	// Fake nodes.
	for i := range cfg.Nodes {
		c.Nodes = append(c.Nodes, fmt.Sprintf("kwok-node-%d", i))
	}
	if err := CreateNodes(ctx, admin, c.Nodes, cfg.Node); err != nil {
		return err
	}
	if err := c.waitFor(ctx, "nodes Ready", func(ctx context.Context) (bool, error) {
		return nodesReady(ctx, admin, c.Nodes)
	}); err != nil {
		return err
	}
	if len(c.Nodes) > 0 {
		fmt.Fprintf(cfg.Log, "%d nodes Ready after %s\n", len(c.Nodes), time.Since(begin).Round(10*time.Millisecond))
	}

	// The controller-manager creates the default service account; pods
	// cannot be created before it exists.
	if err := c.waitFor(ctx, "default service account", func(ctx context.Context) (bool, error) {
		_, err := admin.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	}); err != nil {
		return err
	}
	if len(c.Nodes) > 0 {
		if err := c.probePod(ctx, admin); err != nil {
			return err
		}
	}
	fmt.Fprintf(cfg.Log, "cluster ready in %s (dir %s)\n", time.Since(begin).Round(10*time.Millisecond), c.Dir)
	return nil
}

const (
	serviceCIDR = "10.96.0.0/16"
	serviceIP   = "10.96.0.1"
	podCIDR     = "10.244.0.0/16"
)

// run starts one component and records it in the state file.
func (c *Cluster) run(bin, name string, detached bool, args ...string) error {
	p, err := startProcess(c.Dir, name, bin, args, detached)
	if err != nil {
		return err
	}
	c.procs = append(c.procs, p)
	return c.saveState(detached)
}

// waitFor polls cond until it holds, a component dies or ctx ends.
func (c *Cluster) waitFor(ctx context.Context, what string, cond func(context.Context) (bool, error)) error {
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		for _, p := range c.procs {
			if done, werr := p.exited(); done {
				return false, fmt.Errorf("%s exited (%v) while waiting for %s; last log lines of %s:\n%s", p.Name, werr, what, p.Log, p.logTail(30))
			}
		}
		return cond(ctx)
	})
	if err == nil {
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("timed out waiting for %s: %w%s", what, err, c.logTails(10))
	}
	return err
}

// logTails is the last lines of every component log, for timeouts.
func (c *Cluster) logTails(n int) string {
	var b strings.Builder
	for _, p := range c.procs {
		fmt.Fprintf(&b, "\n--- %s (%s) ---\n%s", p.Name, p.Log, p.logTail(n))
	}
	return b.String()
}

// probePod runs one pod through scheduler and kwok.
func (c *Cluster) probePod(ctx context.Context, cs kubernetes.Interface) error {
	pods := cs.CoreV1().Pods(metav1.NamespaceDefault)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "kubemedic-probe"},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "probe", Image: "registry.k8s.io/pause:3.10"}},
		},
	}
	if _, err := pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create probe pod: %w", err)
	}
	if err := c.waitFor(ctx, "probe pod Running", func(ctx context.Context) (bool, error) {
		got, err := pods.Get(ctx, pod.Name, metav1.GetOptions{})
		return err == nil && got.Status.Phase == corev1.PodRunning, nil
	}); err != nil {
		return err
	}
	zero := int64(0)
	if err := pods.Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete probe pod: %w", err)
	}
	return nil
}

// AdminConfig is a rest.Config for the admin user, rate limits raised to the
// cluster's APIQPS.
func (c *Cluster) AdminConfig() (*rest.Config, error) { return c.restConfig(c.AdminKubeconfig) }

// LimitedConfig is a rest.Config for LimitedUser.
func (c *Cluster) LimitedConfig() (*rest.Config, error) { return c.restConfig(c.LimitedKubeconfig) }

func (c *Cluster) restConfig(kubeconfig string) (*rest.Config, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig %s: %w", kubeconfig, err)
	}
	qps := c.qps
	if qps <= 0 {
		qps = 200
	}
	cfg.QPS = float32(qps)
	cfg.Burst = qps * 2
	return cfg, nil
}

func (c *Cluster) clientset(kubeconfig string) (*kubernetes.Clientset, error) {
	cfg, err := c.restConfig(kubeconfig)
	if err != nil {
		return nil, err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("create client: %w", err)
	}
	return cs, nil
}

// Stop ends every component (kwok first, etcd last) and removes the cluster
// directory if Start created it. It is safe to call more than once.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() {
		c.stopErr = stopAll(c.procs)
		if c.stopErr == nil {
			_ = os.Remove(filepath.Join(c.Dir, stateFile))
		}
		if c.removeDir && c.stopErr == nil {
			if err := os.RemoveAll(c.Dir); err != nil {
				c.stopErr = fmt.Errorf("remove cluster directory: %w", err)
			}
		}
	})
	return c.stopErr
}

// RestartAPIServer stops the kube-apiserver (SIGTERM as a rolling upgrade
// would, SIGKILL after 5 s: its graceful drain of long requests would take
// over half a minute), keeps it down for down, starts it again with the same flags and port
// and waits until it is ready. Clients with open watches see them break and
// must relist; etcd keeps the data. Other components keep running and
// reconnect on their own.
func (c *Cluster) RestartAPIServer(ctx context.Context, down time.Duration) error {
	i := slices.IndexFunc(c.procs, func(p *process) bool { return p.Name == "kube-apiserver" })
	if i < 0 {
		return errors.New("restart kube-apiserver: not running in this cluster")
	}
	old := c.procs[i]
	if old.cmd == nil {
		return errors.New("restart kube-apiserver: the cluster was not started by this process")
	}
	if err := old.stop(5 * time.Second); err != nil {
		return fmt.Errorf("restart kube-apiserver: stop: %w", err)
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(down):
	}
	p, err := startProcess(c.Dir, old.Name, old.Bin, old.args, old.detached)
	if err != nil {
		return fmt.Errorf("restart kube-apiserver: %w", err)
	}
	c.procs[i] = p
	if err := c.saveState(old.detached); err != nil {
		return err
	}
	admin, err := c.clientset(c.AdminKubeconfig)
	if err != nil {
		return err
	}
	return c.waitFor(ctx, "kube-apiserver after restart", func(ctx context.Context) (bool, error) {
		body, err := admin.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err == nil && strings.TrimSpace(string(body)) == "ok", nil
	})
}

// Memory reports the resident memory of each component in bytes.
func (c *Cluster) Memory() map[string]int64 {
	out := map[string]int64{}
	for _, p := range c.procs {
		if rss, err := p.rssBytes(); err == nil {
			out[p.Name] = rss
		}
	}
	return out
}

// PIDs are the process IDs of the components by name.
func (c *Cluster) PIDs() map[string]int {
	out := map[string]int{}
	for _, p := range c.procs {
		out[p.Name] = p.PID
	}
	return out
}

func stopAll(procs []*process) error {
	var errs []error
	for i := len(procs) - 1; i >= 0; i-- {
		if err := procs[i].stop(10 * time.Second); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// freePorts reserves n distinct loopback ports by binding port 0; they are
// released just before the components bind them.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free loopback port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func httpOK(ctx context.Context, client *http.Client, url string) (bool, error) {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, nil
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == http.StatusOK, nil
}

// state is what a cluster directory records about its processes, so that
// StopDir can end a detached cluster from another process.
type state struct {
	Owner     int        `json:"owner"` // PID of the starting process; 0 when detached
	Server    string     `json:"server"`
	Processes []*process `json:"processes"`
}

const stateFile = "state.json"

func (c *Cluster) saveState(detached bool) error {
	st := state{Server: c.Server, Processes: c.procs}
	if !detached {
		st.Owner = os.Getpid()
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode cluster state: %w", err)
	}
	tmp := filepath.Join(c.Dir, stateFile+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("write cluster state: %w", err)
	}
	return os.Rename(tmp, filepath.Join(c.Dir, stateFile))
}

func readState(dir string) (*state, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return nil, err
	}
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("decode %s: %w", filepath.Join(dir, stateFile), err)
	}
	return &st, nil
}

func (st *state) anyAlive() bool {
	for _, p := range st.Processes {
		if p.alive() {
			return true
		}
	}
	return false
}

// StopDir stops a cluster started in dir by another process (a detached
// cluster from `make cluster-down`, or leftovers of a crashed test binary).
// It only signals processes that still run the binary recorded for them. It
// reports whether a cluster state was found.
func StopDir(dir string) (bool, error) {
	st, err := readState(dir)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := stopAll(st.Processes); err != nil {
		return true, err
	}
	if err := os.Remove(filepath.Join(dir, stateFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return true, fmt.Errorf("remove cluster state: %w", err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "etcd")); err != nil {
		return true, fmt.Errorf("remove etcd data: %w", err)
	}
	return true, nil
}

// Running reports the server URL of a cluster whose components run in dir.
func Running(dir string) (string, bool) {
	st, err := readState(dir)
	if err != nil || !st.anyAlive() {
		return "", false
	}
	return st.Server, true
}

// removeStaleTempDirs cleans temporary cluster directories whose owning
// process is gone (a test binary killed before it could clean up).
func removeStaleTempDirs() {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), tempDirPrefix+"*"))
	for _, dir := range matches {
		st, err := readState(dir)
		if err != nil {
			// No state: a directory from a start that failed very early,
			// or one being set up right now. Only remove old ones.
			if info, serr := os.Stat(dir); serr == nil && time.Since(info.ModTime()) > time.Hour {
				_ = os.RemoveAll(dir)
			}
			continue
		}
		if st.Owner == 0 || pidAlive(st.Owner) {
			continue
		}
		if _, err := StopDir(dir); err == nil {
			_ = os.RemoveAll(dir)
		}
	}
}

func pidAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
