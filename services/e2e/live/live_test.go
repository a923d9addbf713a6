// Package live tests kubemedic's live diagnosis against the real control
// plane of test/clustertest: informers sync, a pod change reaches
// WatchFindings, Ask is grounded in live objects, and findings stay correct
// across an API server restart.
package live

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/embeddednats"
	"github.com/kubemedic/kubemedic/platform/launch"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
	"github.com/kubemedic/kubemedic/platform/probe"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
	"github.com/kubemedic/kubemedic/services/analyzer"
	"github.com/kubemedic/kubemedic/services/diagnosis"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
	"github.com/kubemedic/kubemedic/services/knowledge"
	"github.com/kubemedic/kubemedic/services/snapshotstore"
	"github.com/kubemedic/kubemedic/test/clustertest"
)

func TestMain(m *testing.M) { clustertest.Main(m) }

const clusterName = "harness"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// server is live diagnosis of the harness cluster served on an embedded
// NATS server, and a client calling it over NATS as the gateway does.
type server struct {
	*analyzer.Live
	client *natsrpc.Client
	nc     *nats.Conn
}

var (
	kbOnce sync.Once
	kb     *knowledge.Base
	kbErr  error
)

// startLive starts an embedded NATS server, live diagnosis of the harness
// cluster, and the collector and analyzer services on NATS.
func startLive(t *testing.T, env *clustertest.Env) *server {
	t.Helper()
	ns, err := embeddednats.Start(embeddednats.Options{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Stop)
	return serve(t, env, ns)
}

// serve runs live diagnosis and the services on a running NATS server.
func serve(t *testing.T, env *clustertest.Env, ns *embeddednats.Server) *server {
	t.Helper()
	conn, err := natsrpc.Connect(ns.URL(), natsrpc.ConnectOptions{Name: "live-test", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	clusters := []config.Cluster{{Name: clusterName, Provider: "generic", Kubeconfig: env.Cluster.AdminKubeconfig}}
	live, err := analyzer.StartLive(t.Context(), conn.Conn, clusters, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(live.Close)
	kbOnce.Do(func() { kb, kbErr = knowledge.Open(context.Background(), knowledge.Options{Logger: quiet}) })
	if kbErr != nil {
		t.Fatal(kbErr)
	}
	an, err := analyzer.New(analyzer.Options{Knowledge: kb, Clusters: clusters, Diagnosis: live.Diagnosis, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	for _, svc := range []launch.RPCService{an, live.Collector} {
		srv, err := svc.Serve(conn, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = srv.Stop(context.Background()) })
	}
	return &server{Live: live, client: natsrpc.NewClient(conn, 30*time.Second), nc: conn.Conn}
}

// hungryPod asks for more CPU than any node has: the real scheduler marks it
// Unschedulable.
func hungryPod(ns, name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "app", Image: "nginx:1.27",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500")}},
		}}},
	}
}

// watch collects WatchFindings events of one namespace in the background.
type watch struct {
	mu     sync.Mutex
	events []*kubemedicv1.WatchFindingsResponse
	done   chan error
}

// startWatch opens a WatchFindings stream over NATS.
func startWatch(t *testing.T, s *server, ns string) *watch {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &watch{done: make(chan error, 1)}
	go func() {
		w.done <- natsrpc.ServerStream(ctx, s.client, kubemedicv1connect.DiagnosisServiceWatchFindingsProcedure,
			&kubemedicv1.WatchFindingsRequest{Cluster: clusterName, Namespaces: []string{ns}},
			func(e *kubemedicv1.WatchFindingsResponse) error {
				w.mu.Lock()
				w.events = append(w.events, e)
				w.mu.Unlock()
				return nil
			})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-w.done; err != nil && ctx.Err() == nil {
			t.Errorf("WatchFindings ended with %v", err)
		}
	})
	return w
}

// await waits for an event of change about the named object and code.
func (w *watch) await(t *testing.T, change kubemedicv1.FindingChange, kind, name, code string, within time.Duration) *kubemedicv1.Finding {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		w.mu.Lock()
		for _, e := range w.events {
			f := e.GetFinding()
			if e.GetChange() == change && f.GetObject().GetKind() == kind && f.GetObject().GetName() == name && f.GetCode() == code {
				w.mu.Unlock()
				return f
			}
		}
		w.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var seen []string
	for _, e := range w.events {
		seen = append(seen, e.GetChange().String()+" "+e.GetFinding().GetObject().GetName()+" "+e.GetFinding().GetCode())
	}
	t.Fatalf("no %s of %s %s %s within %s; saw %v", change, kind, name, code, within, seen)
	return nil
}

// diagnose runs Diagnose over NATS and returns the findings and the summary.
func diagnose(t *testing.T, s *server, req *kubemedicv1.DiagnoseRequest) ([]*kubemedicv1.Finding, *kubemedicv1.DiagnoseSummary) {
	t.Helper()
	var fs []*kubemedicv1.Finding
	var sum *kubemedicv1.DiagnoseSummary
	err := natsrpc.ServerStream(t.Context(), s.client, kubemedicv1connect.DiagnosisServiceDiagnoseProcedure, req, func(r *kubemedicv1.DiagnoseResponse) error {
		if sum != nil {
			t.Error("a message after the summary")
		}
		if f := r.GetFinding(); f != nil {
			fs = append(fs, f)
		}
		if s := r.GetSummary(); s != nil {
			sum = s
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Diagnose: %v", err)
	}
	if sum == nil {
		t.Fatal("Diagnose sent no summary")
	}
	return fs, sum
}

func listFindings(t *testing.T, s *server, ns string) []*kubemedicv1.Finding {
	t.Helper()
	resp := &kubemedicv1.ListFindingsResponse{}
	if err := s.client.Call(t.Context(), kubemedicv1connect.DiagnosisServiceListFindingsProcedure, &kubemedicv1.ListFindingsRequest{Cluster: clusterName, Namespaces: []string{ns}}, resp); err != nil {
		t.Fatalf("ListFindings: %v", err)
	}
	return resp.GetFindings()
}

func ask(t *testing.T, s *server, q string) *kubemedicv1.AskResponse {
	t.Helper()
	resp := &kubemedicv1.AskResponse{}
	if err := s.client.Call(t.Context(), kubemedicv1connect.KnowledgeServiceAskProcedure, &kubemedicv1.AskRequest{Question: q}, resp); err != nil {
		t.Fatalf("Ask %q: %v", q, err)
	}
	return resp
}

func codesOf(fs []*kubemedicv1.Finding) map[string]string {
	out := map[string]string{}
	for _, f := range fs {
		out[f.GetObject().GetKind()+"/"+f.GetObject().GetName()] = f.GetCode()
	}
	return out
}

// TestInformersSync starts the live view lazily, checks it syncs, that its
// state holds the cluster's objects slimmed (no managed fields), that the
// sync state shows in ListClusters and /readyz?verbose, and that Diagnose
// sees a broken pod.
func TestInformersSync(t *testing.T) {
	env := clustertest.Namespace(t)
	ctx := t.Context()
	live := startLive(t, env)
	l, err := live.Collector.Live(clusterName)
	if err != nil {
		t.Fatal(err)
	}
	if st := l.Status(); st.GetState() != kubemedicv1.WatchState_WATCH_STATE_IDLE {
		t.Fatalf("before first use the live view is %s, want IDLE (lazy start)", st.GetState())
	}
	if _, err := env.Client.CoreV1().Pods(env.Namespace).Create(ctx, hungryPod(env.Namespace, "web-1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p := probe.New()
	live.Collector.AddReadiness(p)

	// The first Diagnose starts the informers and waits for the analysis.
	var fs []*kubemedicv1.Finding
	deadline := time.Now().Add(30 * time.Second)
	for {
		fs, _ = diagnose(t, live, &kubemedicv1.DiagnoseRequest{Cluster: clusterName, Namespaces: []string{env.Namespace}})
		if codesOf(fs)["Pod/web-1"] == "PodUnschedulable" || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got := codesOf(fs)["Pod/web-1"]; got != "PodUnschedulable" {
		t.Fatalf("Diagnose of %s: %v, want Pod/web-1 PodUnschedulable", env.Namespace, codesOf(fs))
	}
	if fs[0].GetSubReason() != "InsufficientCPU" || fs[0].GetFirstSeen() == nil || fs[0].GetFingerprint() == "" {
		t.Errorf("finding %s/%s first_seen %v fingerprint %q", fs[0].GetCode(), fs[0].GetSubReason(), fs[0].GetFirstSeen(), fs[0].GetFingerprint())
	}

	st := l.Status()
	if st.GetState() != kubemedicv1.WatchState_WATCH_STATE_SYNCED || st.GetSyncedKinds() != st.GetTotalKinds() || st.GetObjects() == 0 || st.GetSyncedAt() == nil {
		t.Fatalf("status after Diagnose: %v", st)
	}
	pod := l.State().Pods(env.Namespace)
	if len(pod) != 1 || pod[0].Name != "web-1" {
		t.Fatalf("state pods of %s: %v", env.Namespace, pod)
	}
	if len(pod[0].ManagedFields) != 0 {
		t.Errorf("cached pod keeps %d managed fields entries; the transform should drop them", len(pod[0].ManagedFields))
	}
	if n := len(l.State().Nodes()); n < len(env.Cluster.Nodes) {
		t.Errorf("state has %d nodes, want at least %d", n, len(env.Cluster.Nodes))
	}

	// Fleet and readiness report the sync state.
	clusters := &kubemedicv1.ListClustersResponse{}
	if err := live.client.Call(ctx, kubemedicv1connect.FleetServiceListClustersProcedure, &kubemedicv1.ListClustersRequest{}, clusters); err != nil {
		t.Fatal(err)
	}
	if cs := clusters.GetClusters(); len(cs) != 1 || !cs[0].GetReachable() || cs[0].GetWatch().GetState() != kubemedicv1.WatchState_WATCH_STATE_SYNCED || cs[0].GetWatch().GetObjects() == 0 {
		t.Errorf("ListClusters: %v", cs)
	}
	// A snapshot through the object store gives the same diagnosis.
	js, err := jetstream.New(live.nc)
	if err != nil {
		t.Fatal(err)
	}
	store, err := snapshotstore.Open(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := live.Collector.PutSnapshot(ctx, store, clusterName); err != nil {
		t.Fatal(err)
	}
	objs, err := snapshotstore.Get(ctx, store, clusterName)
	if err != nil {
		t.Fatal(err)
	}
	offline, err := diagnosis.Analyze(ctx, cluster.New(objs...), diagnosis.Options{Cluster: clusterName, Namespaces: []string{env.Namespace}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := codesOf(offline), codesOf(fs); len(got) != len(want) || got["Pod/web-1"] != want["Pod/web-1"] {
		t.Errorf("diagnosis of the stored snapshot %v, live %v", got, want)
	}

	rec := httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz?verbose", nil))
	if body := rec.Body.String(); rec.Code != 200 || !strings.Contains(body, "[+] cluster/"+clusterName+": synced:") {
		t.Errorf("/readyz?verbose = %d\n%s", rec.Code, body)
	}
}

// TestPodChangeReachesWatchFindings opens a finding by creating a broken
// pod, grounds an Ask in it, and resolves the finding by deleting the pod.
func TestPodChangeReachesWatchFindings(t *testing.T) {
	env := clustertest.Namespace(t)
	ctx := t.Context()
	live := startLive(t, env)
	// Sync first, so the watch below sees the change, not the first sweep.
	diagnose(t, live, &kubemedicv1.DiagnoseRequest{Cluster: clusterName, Namespaces: []string{env.Namespace}})
	w := startWatch(t, live, env.Namespace)

	if _, err := env.Client.CoreV1().Pods(env.Namespace).Create(ctx, hungryPod(env.Namespace, "web-1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	f := w.await(t, kubemedicv1.FindingChange_FINDING_CHANGE_OPENED, "Pod", "web-1", "PodUnschedulable", 30*time.Second)
	if f.GetObject().GetNamespace() != env.Namespace || f.GetObject().GetCluster() != clusterName {
		t.Errorf("opened finding about %v", f.GetObject())
	}

	// Ask: an existing object brings its findings next to the runbook
	// answer, an unknown one just the runbook answer.
	a := ask(t, live, "web-1 파드가 왜 Pending이죠?")
	objs, fs := a.GetObjects(), a.GetFindings()
	if len(objs) != 1 || objs[0].GetKind() != "Pod" || objs[0].GetName() != "web-1" || objs[0].GetNamespace() != env.Namespace {
		t.Errorf("grounded objects: %v, want Pod %s/web-1", objs, env.Namespace)
	}
	if len(fs) != 1 || fs[0].GetCode() != "PodUnschedulable" {
		t.Errorf("grounded findings: %v, want PodUnschedulable", codesOf(fs))
	}
	// The object's name is left out of retrieval: the runbooks answer
	// "why is a pod Pending".
	plain := kb.Ask(ctx, "파드가 왜 Pending이죠?", knowledge.AskOptions{})
	if len(a.GetAnswers()) == 0 || len(plain.Answers) == 0 || a.GetAnswers()[0].GetEntryId() != plain.Answers[0].ID {
		t.Errorf("grounded Ask answers %v, want the runbooks of the question without the name (%v)", a.GetAnswers(), plain.Answers)
	}
	// An unknown object: just what the knowledge base says.
	const unknown = "web-9 파드가 왜 Pending이죠?"
	u := ask(t, live, unknown)
	want := kb.Ask(ctx, unknown, knowledge.AskOptions{})
	if len(u.GetObjects())+len(u.GetFindings()) != 0 || len(u.GetAnswers()) != len(want.Answers) || u.GetNoAnswer() != want.NoAnswer {
		t.Errorf("unknown object: objects %v findings %v, %d answers (no_answer %v); want none and the knowledge base's %d (no_answer %v)",
			u.GetObjects(), codesOf(u.GetFindings()), len(u.GetAnswers()), u.GetNoAnswer(), len(want.Answers), want.NoAnswer)
	}

	zero := int64(0)
	if err := env.Client.CoreV1().Pods(env.Namespace).Delete(ctx, "web-1", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	w.await(t, kubemedicv1.FindingChange_FINDING_CHANGE_RESOLVED, "Pod", "web-1", "PodUnschedulable", 30*time.Second)
	if fs, _ := diagnose(t, live, &kubemedicv1.DiagnoseRequest{Cluster: clusterName, Namespaces: []string{env.Namespace}}); len(fs) != 0 {
		t.Errorf("after delete Diagnose still reports %v", codesOf(fs))
	}
}

// TestAPIServerRestart restarts the kube-apiserver while informers and a
// WatchFindings stream are open. Afterwards the live view reports the outage
// and recovers; changes made after the restart reach the watch; Diagnose
// reports exactly the current problems.
func TestAPIServerRestart(t *testing.T) {
	env := clustertest.Namespace(t)
	ctx := t.Context()
	live := startLive(t, env)
	if _, err := env.Client.CoreV1().Pods(env.Namespace).Create(ctx, hungryPod(env.Namespace, "before"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	w := startWatch(t, live, env.Namespace)
	diagnose(t, live, &kubemedicv1.DiagnoseRequest{Cluster: clusterName})
	l, _ := live.Collector.Live(clusterName)
	deadline := time.Now().Add(30 * time.Second)
	for codesOf(listFindings(t, live, env.Namespace))["Pod/before"] != "PodUnschedulable" {
		if time.Now().After(deadline) {
			t.Fatal("pod 'before' never became PodUnschedulable")
		}
		time.Sleep(100 * time.Millisecond)
	}

	outages := l.Outages()
	// Watch the reported state while the API server is away.
	states := make(chan map[kubemedicv1.WatchState]bool, 1)
	stopPoll := make(chan struct{})
	go func() {
		seen := map[kubemedicv1.WatchState]bool{}
		for {
			seen[l.Status().GetState()] = true
			select {
			case <-stopPoll:
				states <- seen
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	begin := time.Now()
	if err := env.Cluster.RestartAPIServer(ctx, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	t.Logf("API server restarted in %s", time.Since(begin).Round(time.Millisecond))
	close(stopPoll)
	if seen := <-states; !seen[kubemedicv1.WatchState_WATCH_STATE_DEGRADED] {
		t.Errorf("states seen while the API server was away: %v; want DEGRADED among them", seen)
	}
	if l.Outages() <= outages {
		t.Errorf("outages %d after the restart, %d before: the broken watches went unnoticed", l.Outages(), outages)
	}

	zero := int64(0)
	if err := env.Client.CoreV1().Pods(env.Namespace).Delete(ctx, "before", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.CoreV1().Pods(env.Namespace).Create(ctx, hungryPod(env.Namespace, "after"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	begin = time.Now()
	w.await(t, kubemedicv1.FindingChange_FINDING_CHANGE_RESOLVED, "Pod", "before", "PodUnschedulable", 90*time.Second)
	w.await(t, kubemedicv1.FindingChange_FINDING_CHANGE_OPENED, "Pod", "after", "PodUnschedulable", 90*time.Second)
	t.Logf("changes after the restart reached WatchFindings within %s", time.Since(begin).Round(time.Millisecond))

	deadline = time.Now().Add(30 * time.Second)
	for l.Status().GetState() != kubemedicv1.WatchState_WATCH_STATE_SYNCED {
		if time.Now().After(deadline) {
			t.Fatalf("live view did not recover: %v", l.Status())
		}
		time.Sleep(100 * time.Millisecond)
	}
	fs, _ := diagnose(t, live, &kubemedicv1.DiagnoseRequest{Cluster: clusterName, Namespaces: []string{env.Namespace}})
	if got := codesOf(fs); len(got) != 1 || got["Pod/after"] != "PodUnschedulable" {
		t.Errorf("after the restart Diagnose reports %v, want only Pod/after PodUnschedulable", got)
	}
}

// TestFindingsSurviveRestart stops the whole server (NATS included) with a
// finding open and starts it again on the same store: the finding is listed
// at once with its first_seen, the cluster is watched again without anyone
// asking, and the finding resolves when the pod goes.
func TestFindingsSurviveRestart(t *testing.T) {
	env := clustertest.Namespace(t)
	ctx := t.Context()
	store := t.TempDir()
	ns, err := embeddednats.Start(embeddednats.Options{StoreDir: store})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.CoreV1().Pods(env.Namespace).Create(ctx, hungryPod(env.Namespace, "web-1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	first := serve(t, env, ns)
	var before *kubemedicv1.Finding
	deadline := time.Now().Add(30 * time.Second)
	for before == nil {
		if fs := listFindings(t, first, env.Namespace); len(fs) == 1 {
			before = fs[0]
		} else if time.Now().After(deadline) {
			t.Fatalf("no finding for web-1: %v", codesOf(fs))
		} else {
			diagnose(t, first, &kubemedicv1.DiagnoseRequest{Cluster: clusterName, Namespaces: []string{env.Namespace}})
			time.Sleep(100 * time.Millisecond)
		}
	}
	first.Close()
	ns.Stop()

	ns2, err := ns.Restart()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns2.Stop)
	second := serve(t, env, ns2)
	fs := listFindings(t, second, env.Namespace)
	if len(fs) != 1 || fs[0].GetFingerprint() != before.GetFingerprint() || !fs[0].GetFirstSeen().AsTime().Equal(before.GetFirstSeen().AsTime()) {
		t.Fatalf("after restart: %v, want %s first seen %v", fs, before.GetFingerprint(), before.GetFirstSeen().AsTime())
	}
	l, err := second.Collector.Live(clusterName)
	if err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(30 * time.Second)
	for l.Status().GetState() != kubemedicv1.WatchState_WATCH_STATE_SYNCED {
		if time.Now().After(deadline) {
			t.Fatalf("a cluster with stored findings is not watched after restart: %v", l.Status())
		}
		time.Sleep(50 * time.Millisecond)
	}
	w := startWatch(t, second, env.Namespace)
	zero := int64(0)
	if err := env.Client.CoreV1().Pods(env.Namespace).Delete(ctx, "web-1", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	resolved := w.await(t, kubemedicv1.FindingChange_FINDING_CHANGE_RESOLVED, "Pod", "web-1", "PodUnschedulable", 30*time.Second)
	if !resolved.GetFirstSeen().AsTime().Equal(before.GetFirstSeen().AsTime()) {
		t.Errorf("resolved finding first seen %v, want %v", resolved.GetFirstSeen().AsTime(), before.GetFirstSeen().AsTime())
	}
}
