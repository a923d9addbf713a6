package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
	"github.com/kubemedic/kubemedic/services/fleet"
	"github.com/kubemedic/kubemedic/services/fleet/natstest"
	"github.com/kubemedic/kubemedic/services/fleet/oneshot"
	"github.com/kubemedic/kubemedic/services/fleet/sweep"
	"github.com/kubemedic/kubemedic/services/remediation"
	"github.com/kubemedic/kubemedic/services/remediation/audit"
	"github.com/kubemedic/kubemedic/services/remediation/store"
	"github.com/kubemedic/kubemedic/test/controlplane"
	"github.com/kubemedic/kubemedic/test/scenario"
)

// tracking wraps the real one-shot diagnoser and counts the jobs this
// replica holds, so the test can kill it while it holds one.
type tracking struct {
	d        sweep.Diagnoser
	started  atomic.Int32
	inFlight atomic.Int32
}

func (t *tracking) Diagnose(ctx context.Context, c config.Cluster) ([]*kubemedicv1.Finding, error) {
	t.started.Add(1)
	t.inFlight.Add(1)
	defer t.inFlight.Add(-1)
	return t.d.Diagnose(ctx, c)
}

// replica is one analyzer process: its own NATS connection, fleet service
// (worker + scheduler) and FleetService RPCs.
type replica struct {
	name   string
	conn   *natsrpc.Conn
	svc    *fleet.Service
	diag   *tracking
	cancel context.CancelFunc
	done   chan struct{}
	srv    *natsrpc.Server
}

func (r *replica) kill() {
	r.cancel()
	<-r.done
	_ = r.srv.Stop(context.Background())
	r.conn.Close()
}

// replicaOptions shapes one replica; zero values are the scale-out test's.
type replicaOptions struct {
	diagnoser   sweep.Diagnoser // default: one-shot LIST + analysis
	concurrency int             // default 2
	replicas    int             // JetStream replicas, default 3
}

// clusterAPITimeout bounds the replicas' JetStream API calls. They create
// the same replicated file streams at once on a cluster that has just
// formed, while other test packages load the machine: a call may take longer
// than the 5 s default there (seen once in CI as "opening stream
// KUBEMEDIC_SWEEP_JOBS: context deadline exceeded").
const clusterAPITimeout = 30 * time.Second

func startReplica(t testing.TB, name string, urls []string, clusters []config.Cluster, log *slog.Logger, ro replicaOptions) *replica {
	t.Helper()
	if ro.diagnoser == nil {
		ro.diagnoser = &oneshot.Diagnoser{RequestTimeout: 5 * time.Second}
	}
	if ro.concurrency == 0 {
		ro.concurrency = 2
	}
	if ro.replicas == 0 {
		ro.replicas = 3
	}
	conn, err := natsrpc.Connect(strings.Join(urls, ","), natsrpc.ConnectOptions{Name: name, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(conn.Conn, jetstream.WithDefaultTimeout(clusterAPITimeout))
	if err != nil {
		t.Fatal(err)
	}
	diag := &tracking{d: ro.diagnoser}
	svc, err := fleet.New(t.Context(), fleet.Options{
		Clusters: clusters,
		Fleet: config.Fleet{
			Concurrency:    ro.concurrency,
			ClusterTimeout: config.Duration{Duration: 8 * time.Second},
			MaxDeliver:     3,
			Replicas:       ro.replicas,
		},
		JetStream: js,
		Diagnoser: diag,
		Replica:   name,
		AckWait:   3 * time.Second,
		Logger:    log.With("replica", name),
	})
	if err != nil {
		t.Fatal(err)
	}
	fl := natsrpc.NewService(kubemedicv1.File_kubemedic_v1_fleet_proto.Services().ByName("FleetService"), natsrpc.ServiceOptions{HandledOnly: true})
	svc.Handle(fl)
	srv, err := natsrpc.Serve(conn.Conn, natsrpc.ServerConfig{Name: "kubemedic-analyzer", Version: "0.0.0", Logger: log}, fl)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &replica{name: name, conn: conn, svc: svc, diag: diag, cancel: cancel, done: make(chan struct{}), srv: srv}
	go func() {
		defer close(r.done)
		_ = svc.Run(ctx)
	}()
	t.Cleanup(func() {
		select {
		case <-r.done:
		default:
			r.kill()
		}
	})
	return r
}

// hangingServer accepts connections and never answers: an API server that
// is up at the TCP level but dead.
func hangingServer(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "https://" + l.Addr().String()
}

func kubeconfigFor(t testing.TB, server string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "kubeconfig")
	kc := fmt.Sprintf("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: %q, insecure-skip-tls-verify: true}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user: {token: abc}\n", server)
	if err := os.WriteFile(f, []byte(kc), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// harness starts n real control planes one after another: started in
// parallel on a busy 2-core CI machine (other test packages run their own
// clusters at the same time), kwok's nodes could miss the start timeout.
func harness(t testing.TB, n int, nodes int) []*controlplane.Cluster {
	t.Helper()
	out := make([]*controlplane.Cluster, n)
	errs := make([]error, n)
	for i := range n {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		out[i], errs[i] = controlplane.Start(ctx, controlplane.Config{Nodes: nodes, StartTimeout: 6 * time.Minute})
		cancel()
		if errs[i] != nil {
			break
		}
	}
	for i, c := range out {
		if c != nil {
			t.Cleanup(func() { _ = c.Stop() })
		}
		if errs[i] != nil {
			t.Fatalf("harness cluster %d: %v", i, errs[i])
		}
	}
	return out
}

// TestScaleOut runs a sweep on a 3-node NATS cluster (JetStream replicas 3)
// with two analyzer replicas and two remediation replicas, kills the NATS
// node leading the job stream and one analyzer replica while it holds a job,
// and checks the sweep completes with every cluster reported exactly once.
func TestScaleOut(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two real control planes and a NATS cluster")
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("KUBEMEDIC_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()

	// Two real clusters; the first has a pod no node can fit.
	real := harness(t, 2, 2)
	rc, err := real[0].AdminConfig()
	if err != nil {
		t.Fatal(err)
	}
	cs := kubernetes.NewForConfigOrDie(rc)
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	target, err := scenario.NewTarget(rc, "shop")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scenario.Get("insufficient-cpu")
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Apply(ctx, target); err != nil {
		t.Fatal(err)
	}

	clusters := []config.Cluster{
		{Name: "real-a", Kubeconfig: real[0].AdminKubeconfig, Labels: map[string]string{"env": "prod"}},
		{Name: "real-b", Kubeconfig: real[1].AdminKubeconfig, Labels: map[string]string{"env": "prod"}},
		{Name: "hung-a", Kubeconfig: kubeconfigFor(t, hangingServer(t)), Labels: map[string]string{"env": "prod"}},
		{Name: "hung-b", Kubeconfig: kubeconfigFor(t, hangingServer(t)), Labels: map[string]string{"env": "prod"}},
		{Name: "refused-a", Kubeconfig: kubeconfigFor(t, "https://127.0.0.1:1"), Labels: map[string]string{"env": "prod"}},
		{Name: "refused-b", Kubeconfig: kubeconfigFor(t, "https://127.0.0.1:1"), Labels: map[string]string{"env": "prod"}},
		{Name: "dev", Kubeconfig: real[1].AdminKubeconfig, Labels: map[string]string{"env": "dev"}},
	}

	nc := natstest.StartCluster(t, 3)
	urls := nc.URLs()
	a := startReplica(t, "analyzer-a", urls, clusters, log, replicaOptions{})
	b := startReplica(t, "analyzer-b", urls, clusters, log, replicaOptions{})
	for i := range 2 {
		conn, err := natsrpc.Connect(strings.Join(urls, ","), natsrpc.ConnectOptions{Name: fmt.Sprintf("remediation-%d", i), Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(conn.Close)
		js, err := jetstream.New(conn.Conn, jetstream.WithDefaultTimeout(clusterAPITimeout))
		if err != nil {
			t.Fatal(err)
		}
		rem, err := remediation.New(context.Background(), remediation.Options{JetStream: js, Logger: log, Instance: fmt.Sprintf("remediation-%d", i), Replicas: 3})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(rem.Close)
		srv, err := rem.Serve(conn, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = srv.Stop(context.Background()) })
	}

	// The caller (the gateway's side) streams RunSweep over NATS.
	callerConn, err := natsrpc.Connect(strings.Join(urls, ","), natsrpc.ConnectOptions{Name: "gateway", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer callerConn.Close()
	caller := natsrpc.NewClient(callerConn, 30*time.Second)
	var (
		mu       sync.Mutex
		id       string
		streamed []*kubemedicv1.RunSweepResponse
	)
	streamErr := make(chan error, 1)
	go func() {
		streamErr <- natsrpc.ServerStream(ctx, caller, kubemedicv1connect.FleetServiceRunSweepProcedure,
			&kubemedicv1.RunSweepRequest{Selector: "env=prod"}, func(m *kubemedicv1.RunSweepResponse) error {
				mu.Lock()
				defer mu.Unlock()
				if id == "" {
					id = m.GetSweep().GetId()
				}
				streamed = append(streamed, m)
				return nil
			})
	}()

	// Mid-sweep: once analyzer-b holds a job, kill the NATS node leading the
	// job stream, then analyzer-b.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		mu.Lock()
		started := id != ""
		mu.Unlock()
		if started {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("RunSweep sent no sweep id within 2m")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for b.diag.inFlight.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("analyzer-b never took a job (a took %d)", a.diag.started.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	js, err := jetstream.New(callerConn.Conn)
	if err != nil {
		t.Fatal(err)
	}
	st, err := js.Stream(ctx, sweep.Stream)
	if err != nil {
		t.Fatal(err)
	}
	leader := st.CachedInfo().Cluster.Leader
	killed := false
	for _, s := range nc.Servers {
		if s.Name() == leader {
			s.Shutdown()
			s.WaitForShutdown()
			killed = true
		}
	}
	if !killed {
		t.Fatalf("job stream leader %q is not one of the NATS nodes", leader)
	}
	heldByB := b.diag.inFlight.Load()
	b.kill()
	t.Logf("killed NATS node %s (job stream leader) and analyzer-b holding %d job(s); a started %d, b started %d",
		leader, heldByB, a.diag.started.Load(), b.diag.started.Load())

	mu.Lock()
	sweepID := id
	mu.Unlock()
	// The surviving replica sees the sweep to its end.
	done, err := a.svc.Sweeps.Watch(ctx, sweepID, nil)
	if err != nil {
		t.Fatalf("sweep %s did not finish: %v", sweepID, err)
	}

	if done.GetState() != kubemedicv1.SweepState_SWEEP_STATE_PARTIAL {
		t.Errorf("state = %s, want PARTIAL (4 clusters are dead)", done.GetState())
	}
	want := map[string]string{
		"real-a": "", "real-b": "",
		"hung-a": "timed out after 8s", "hung-b": "timed out after 8s",
		"refused-a": "connection refused", "refused-b": "connection refused",
	}
	seen := map[string]int{}
	for _, c := range done.GetClusters() {
		seen[c.GetCluster()]++
		w, ok := want[c.GetCluster()]
		switch {
		case !ok:
			t.Errorf("cluster %s is not selected by env=prod", c.GetCluster())
		case !c.GetDone():
			t.Errorf("cluster %s not done", c.GetCluster())
		case w == "" && c.GetError() != "":
			t.Errorf("cluster %s: %s", c.GetCluster(), c.GetError())
		case w != "" && !strings.Contains(c.GetError(), w):
			t.Errorf("cluster %s error %q, want %q", c.GetCluster(), c.GetError(), w)
		}
	}
	for c := range want {
		if seen[c] != 1 {
			t.Errorf("cluster %s reported %d times, want exactly once", c, seen[c])
		}
	}
	var unschedulable bool
	for _, f := range done.GetNewFindings() {
		if f.GetObject().GetCluster() == "real-a" && f.GetCode() == "PodUnschedulable" && f.GetObject().GetNamespace() == "shop" {
			unschedulable = true
		}
	}
	if !unschedulable {
		t.Errorf("the real PodUnschedulable in real-a/shop is not among the new findings: %v", done.GetNewFindings())
	}
	if done.GetUnreachableClusters() != 4 {
		t.Errorf("unreachable = %d, want 4", done.GetUnreachableClusters())
	}
	// The jobs analyzer-b held when it died were finished by analyzer-a on a
	// later delivery.
	kv, err := js.KeyValue(ctx, sweep.Bucket)
	if err != nil {
		t.Fatal(err)
	}
	redelivered := 0
	for c := range want {
		e, err := kv.Get(ctx, "result."+sweepID+"."+c)
		if err != nil {
			t.Fatalf("result of %s: %v", c, err)
		}
		var r kubemedicv1.SweepClusterResult
		if err := proto.Unmarshal(e.Value(), &r); err != nil {
			t.Fatal(err)
		}
		if r.GetAttempt() > 1 {
			redelivered++
			if r.GetWorker() != "analyzer-a" {
				t.Errorf("redelivered job of %s finished by %s", c, r.GetWorker())
			}
		}
	}
	if redelivered < int(heldByB) {
		t.Errorf("%d results from a later delivery, want at least the %d jobs analyzer-b held", redelivered, heldByB)
	}

	// The stream either delivered the same finished sweep or failed because
	// it ran on analyzer-b or through the killed node; never a wrong result.
	select {
	case err := <-streamErr:
		mu.Lock()
		last := streamed[len(streamed)-1].GetSweep()
		mu.Unlock()
		if err == nil && last.GetState() != done.GetState() {
			t.Errorf("stream ended with state %s, sweep is %s", last.GetState(), done.GetState())
		}
		if err == nil {
			progressed := map[string]int{}
			mu.Lock()
			for _, m := range streamed {
				if p := m.GetProgress(); p != nil {
					progressed[p.GetCluster()]++
				}
			}
			mu.Unlock()
			for c := range want {
				if progressed[c] != 1 {
					t.Errorf("stream reported progress of %s %d times, want once", c, progressed[c])
				}
			}
		}
		var ce *connect.Error
		if err != nil && !(errors.As(err, &ce) && (ce.Code() == connect.CodeUnavailable || ce.Code() == connect.CodeDeadlineExceeded)) {
			t.Errorf("stream failed with %v, want Unavailable when its replica or node died", err)
		}
		t.Logf("RunSweep stream: %d messages, err %v", len(streamed), err)
	case <-time.After(30 * time.Second):
		t.Error("RunSweep stream neither finished nor failed within 30s of the sweep's end")
	}

	// What is left keeps serving: ListSweeps over NATS and a remediation
	// replica answering (Unimplemented is an answer, not Unavailable).
	var list kubemedicv1.ListSweepsResponse
	if err := caller.Call(ctx, kubemedicv1connect.FleetServiceListSweepsProcedure, &kubemedicv1.ListSweepsRequest{}, &list); err != nil || len(list.GetSweeps()) != 1 {
		t.Errorf("ListSweeps after the failures: %v, %v", list.GetSweeps(), err)
	}
	// Remediation's plans, executions, locks and audit are replicated like
	// the fleet's: each still has a leader after the node's death.
	for _, name := range []string{"KV_" + store.PlansBucket, "KV_" + store.ExecutionsBucket, "KV_" + store.LocksBucket,
		"KV_" + store.CooldownsBucket, "KV_" + store.ControlBucket, audit.StreamName} {
		var info *jetstream.StreamInfo
		for wait := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			st, err := js.Stream(ctx, name)
			if err == nil {
				info = st.CachedInfo()
				if info.Cluster != nil && info.Cluster.Leader != "" {
					break
				}
			}
			if time.Now().After(wait) {
				t.Fatalf("%s has no leader 30s after the NATS node died: %v", name, err)
			}
		}
		if info.Config.Replicas != 3 {
			t.Errorf("%s has %d replicas, want 3", name, info.Config.Replicas)
		}
	}
	var plan kubemedicv1.PlanResponse
	err = caller.Call(ctx, kubemedicv1connect.RemediationServicePlanProcedure, &kubemedicv1.PlanRequest{Action: &kubemedicv1.Action{Cluster: "real-a", Kind: &kubemedicv1.Action_Cordon{Cordon: &kubemedicv1.CordonAction{Node: "kwok-node-0"}}}}, &plan)
	var ce *connect.Error
	if errors.As(err, &ce) && ce.Code() == connect.CodeUnavailable {
		t.Errorf("remediation replicas unreachable after the NATS node died: %v", err)
	}
}
