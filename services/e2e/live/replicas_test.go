package live

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
	"github.com/kubemedic/kubemedic/services/analyzer"
	"github.com/kubemedic/kubemedic/services/collector"
	"github.com/kubemedic/kubemedic/services/fleet/natstest"
	"github.com/kubemedic/kubemedic/test/clustertest"
)

// replicaTTL is the lease TTL of the replica test: short, so the handover is
// quick, and long enough for renewals on a busy machine.
const replicaTTL = 3 * time.Second

// analyzerReplica is one analyzer process's live diagnosis on a shared NATS
// cluster, serving DiagnosisService in the analyzer's queue group.
type analyzerReplica struct {
	name string
	live *analyzer.Live
	conn *natsrpc.Conn
	srv  *natsrpc.Server
	once sync.Once
}

func startReplica(t *testing.T, name, url string, clusters []config.Cluster) *analyzerReplica {
	t.Helper()
	conn, err := natsrpc.Connect(url, natsrpc.ConnectOptions{Name: name, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	live, err := analyzer.OpenLive(t.Context(), conn.Conn, analyzer.LiveOptions{
		Clusters: clusters, Replica: name, LeaseTTL: replicaTTL, Replicas: 3, Logger: quiet.With("replica", name),
	})
	if err != nil {
		t.Fatal(err)
	}
	svc := natsrpc.NewService(kubemedicv1.File_kubemedic_v1_diagnosis_proto.Services().ByName("DiagnosisService"), natsrpc.ServiceOptions{})
	natsrpc.HandleServerStream(svc, kubemedicv1connect.DiagnosisServiceDiagnoseProcedure, live.Diagnosis.Diagnose)
	natsrpc.HandleUnary(svc, kubemedicv1connect.DiagnosisServiceListFindingsProcedure, live.Diagnosis.ListFindings)
	natsrpc.HandleServerStream(svc, kubemedicv1connect.DiagnosisServiceWatchFindingsProcedure, live.Diagnosis.WatchFindings)
	srv, err := natsrpc.Serve(conn.Conn, natsrpc.ServerConfig{Name: analyzer.ServiceName, Version: "0.0.0", Logger: quiet}, svc)
	if err != nil {
		t.Fatal(err)
	}
	r := &analyzerReplica{name: name, live: live, conn: conn, srv: srv}
	t.Cleanup(r.kill)
	return r
}

// kill ends the replica as a crash does: its NATS connection goes first, so
// it cannot hand its leases over; then its watchers and informers stop.
func (r *analyzerReplica) kill() {
	r.once.Do(func() {
		r.conn.Close()
		_ = r.srv.Stop(context.Background())
		r.live.Close()
	})
}

func (r *analyzerReplica) view(t *testing.T) *collector.Live {
	t.Helper()
	l, err := r.live.Collector.Live(clusterName)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// directWatch collects WatchFindings events of one namespace from one
// replica's DiagnosisService, as a caller that reached that replica sees
// them.
type directWatch struct {
	mu     sync.Mutex
	events []*kubemedicv1.WatchFindingsResponse
}

func watchReplica(t *testing.T, r *analyzerReplica, ns string) *directWatch {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &directWatch{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.live.Diagnosis.WatchFindings(ctx, &kubemedicv1.WatchFindingsRequest{Cluster: clusterName, Namespaces: []string{ns}},
			func(e *kubemedicv1.WatchFindingsResponse) error {
				w.mu.Lock()
				w.events = append(w.events, e)
				w.mu.Unlock()
				return nil
			})
	}()
	t.Cleanup(func() { cancel(); <-done })
	return w
}

// count is how many events of change about the named pod the watch saw.
func (w *directWatch) count(change kubemedicv1.FindingChange, name string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, e := range w.events {
		if e.GetChange() == change && e.GetFinding().GetObject().GetName() == name && e.GetFinding().GetCode() == "PodUnschedulable" {
			n++
		}
	}
	return n
}

func (w *directWatch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, e := range w.events {
		out = append(out, e.GetChange().String()+" "+e.GetFinding().GetObject().GetName()+" "+e.GetFinding().GetCode())
	}
	return strings.Join(out, ", ")
}

func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	begin := time.Now()
	for !cond() {
		if time.Since(begin) > within {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(begin)
}

// diagnoseOn runs Diagnose on one replica directly and returns the findings
// of ns.
func diagnoseOn(t *testing.T, r *analyzerReplica, ns string) ([]*kubemedicv1.Finding, *kubemedicv1.DiagnoseSummary) {
	t.Helper()
	var fs []*kubemedicv1.Finding
	var sum *kubemedicv1.DiagnoseSummary
	err := r.live.Diagnosis.Diagnose(t.Context(), &kubemedicv1.DiagnoseRequest{Cluster: clusterName, Namespaces: []string{ns}}, func(m *kubemedicv1.DiagnoseResponse) error {
		if f := m.GetFinding(); f != nil {
			fs = append(fs, f)
		}
		if s := m.GetSummary(); s != nil {
			sum = s
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Diagnose on %s: %v", r.name, err)
	}
	return fs, sum
}

// TestReplicasShareOneWatcher runs two analyzer replicas on a 3-node NATS
// cluster (JetStream replicas 3) against the harness cluster: only the lease
// holder runs informers, a change reaches WatchFindings on both replicas
// exactly once, the other replica answers Diagnose and ListFindings as
// fresh as the owner, and when the owner dies the other replica takes over
// within the lease TTL and carries the findings on (no second OPENED; the
// pod's deletion RESOLVED once).
func TestReplicasShareOneWatcher(t *testing.T) {
	env := clustertest.Namespace(t)
	ctx := t.Context()
	nats := natstest.StartCluster(t, 3)
	urls := nats.URLs()
	clusters := []config.Cluster{{Name: clusterName, Provider: "generic", Kubeconfig: env.Cluster.AdminKubeconfig}}
	a := startReplica(t, "analyzer-a", urls[0], clusters)
	b := startReplica(t, "analyzer-b", urls[1], clusters)

	// First use on a: a takes the lease and watches; b, asked next, does not.
	if fs, _ := diagnoseOn(t, a, env.Namespace); len(fs) != 0 {
		t.Fatalf("empty namespace has findings: %v", codesOf(fs))
	}
	if fs, sum := diagnoseOn(t, b, env.Namespace); len(fs) != 0 || sum.GetObjectsExamined() == 0 {
		t.Fatalf("Diagnose on b: %v findings, %d objects examined; want none and the owner's object count", codesOf(fs), sum.GetObjectsExamined())
	}
	if !a.live.Diagnosis.Watches(clusterName) || b.live.Diagnosis.Watches(clusterName) {
		t.Fatalf("watchers: a %v, b %v; want only a", a.live.Diagnosis.Watches(clusterName), b.live.Diagnosis.Watches(clusterName))
	}
	if st := a.view(t).Status(); st.GetState() != kubemedicv1.WatchState_WATCH_STATE_SYNCED {
		t.Fatalf("owner's informers: %v", st)
	}
	if b.view(t).Started() {
		t.Fatal("the non-owner started informers")
	}
	// Its sync state names the owner once its lease watch has seen it.
	waitFor(t, 5*time.Second, "b's sync state names the owner", func() bool {
		st := b.live.Collector.Status(clusterName)
		return st.GetState() == kubemedicv1.WatchState_WATCH_STATE_IDLE && st.GetMessage() == "watched by replica analyzer-a"
	})

	wa := watchReplica(t, a, env.Namespace)
	wb := watchReplica(t, b, env.Namespace)
	time.Sleep(200 * time.Millisecond) // both streams subscribed
	if _, err := env.Client.CoreV1().Pods(env.Namespace).Create(ctx, hungryPod(env.Namespace, "web-1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, w := range []*directWatch{wa, wb} {
		waitFor(t, 30*time.Second, "OPENED web-1 on both replicas", func() bool { return w.count(kubemedicv1.FindingChange_FINDING_CHANGE_OPENED, "web-1") > 0 })
	}
	// Diagnose and ListFindings through NATS reach either replica: every
	// answer has the finding.
	client := natsrpc.NewClient(natsConn(t, urls[2]), 30*time.Second)
	for i := range 4 {
		var got []*kubemedicv1.Finding
		err := natsrpc.ServerStream(ctx, client, kubemedicv1connect.DiagnosisServiceDiagnoseProcedure,
			&kubemedicv1.DiagnoseRequest{Cluster: clusterName, Namespaces: []string{env.Namespace}}, func(m *kubemedicv1.DiagnoseResponse) error {
				if f := m.GetFinding(); f != nil {
					got = append(got, f)
				}
				return nil
			})
		if err != nil || codesOf(got)["Pod/web-1"] != "PodUnschedulable" {
			t.Fatalf("Diagnose %d over NATS: %v, %v", i, codesOf(got), err)
		}
		list := &kubemedicv1.ListFindingsResponse{}
		if err := client.Call(ctx, kubemedicv1connect.DiagnosisServiceListFindingsProcedure, &kubemedicv1.ListFindingsRequest{Cluster: clusterName, Namespaces: []string{env.Namespace}}, list); err != nil || len(list.GetFindings()) != 1 {
			t.Fatalf("ListFindings %d over NATS: %v, %v", i, codesOf(list.GetFindings()), err)
		}
	}
	if fs, _ := diagnoseOn(t, b, env.Namespace); codesOf(fs)["Pod/web-1"] != "PodUnschedulable" {
		t.Fatalf("Diagnose on the non-owner: %v", codesOf(fs))
	}
	// A question grounded on the non-owner: the owner finds the object in
	// its live view.
	// (Other tests' namespaces may still hold a web-1 of their own.)
	objs, found := b.live.Diagnosis.Ground(ctx, clusterName, "web-1 파드가 왜 Pending이죠?")
	grounded := slices.ContainsFunc(objs, func(o *kubemedicv1.ObjectRef) bool {
		return o.GetKind() == "Pod" && o.GetNamespace() == env.Namespace && o.GetName() == "web-1"
	})
	withFinding := slices.ContainsFunc(found, func(f *kubemedicv1.Finding) bool {
		return f.GetObject().GetNamespace() == env.Namespace && f.GetObject().GetName() == "web-1" && f.GetCode() == "PodUnschedulable"
	})
	if !grounded || !withFinding {
		t.Fatalf("Ground on the non-owner: objects %v, findings %v", objs, codesOf(found))
	}

	// The owner dies. b takes the lease within the TTL, runs its informers
	// and carries the findings on.
	a.kill()
	tookOver := waitFor(t, replicaTTL+2*time.Second, "b takes the lease", func() bool { return b.live.Diagnosis.Watches(clusterName) })
	t.Logf("b watches the cluster %s after a died (lease TTL %s)", tookOver.Round(time.Millisecond), replicaTTL)
	if fs, _ := diagnoseOn(t, b, env.Namespace); codesOf(fs)["Pod/web-1"] != "PodUnschedulable" {
		t.Fatalf("Diagnose after the handover: %v", codesOf(fs))
	}
	if st := b.view(t).Status(); st.GetState() != kubemedicv1.WatchState_WATCH_STATE_SYNCED {
		t.Fatalf("new owner's informers: %v", st)
	}
	if a.view(t).Started() {
		t.Error("the dead replica's informers are still running")
	}
	zero := int64(0)
	if err := env.Client.CoreV1().Pods(env.Namespace).Delete(ctx, "web-1", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "RESOLVED web-1 on b", func() bool { return wb.count(kubemedicv1.FindingChange_FINDING_CHANGE_RESOLVED, "web-1") > 0 })
	if fs, _ := diagnoseOn(t, b, env.Namespace); len(fs) != 0 {
		t.Errorf("after the pod went, Diagnose on b: %v", codesOf(fs))
	}
	time.Sleep(time.Second) // anything duplicated would have arrived by now
	if n := wb.count(kubemedicv1.FindingChange_FINDING_CHANGE_OPENED, "web-1"); n != 1 {
		t.Errorf("b's watch saw web-1 OPENED %d times, want once: %s", n, wb)
	}
	if n := wb.count(kubemedicv1.FindingChange_FINDING_CHANGE_RESOLVED, "web-1"); n != 1 {
		t.Errorf("b's watch saw web-1 RESOLVED %d times, want once: %s", n, wb)
	}
	if n := wa.count(kubemedicv1.FindingChange_FINDING_CHANGE_OPENED, "web-1"); n != 1 {
		t.Errorf("a's watch saw web-1 OPENED %d times, want once: %s", n, wa)
	}
}

func natsConn(t *testing.T, url string) *natsrpc.Conn {
	t.Helper()
	conn, err := natsrpc.Connect(url, natsrpc.ConnectOptions{Name: fmt.Sprintf("caller-%d", time.Now().UnixNano()), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	return conn
}
