// Package livebench measures live diagnosis against a running cluster
// (`make bench-diagnose-server` starts one with 500 nodes and 10,000 pods):
// the time from start to the first complete diagnosis, a whole-cluster
// Diagnose with informers synced, how long a change takes to reach
// WatchFindings, and the process's peak RSS. Every call goes over NATS as the
// gateway makes it. The benchmarks skip unless KUBEMEDIC_BENCH_KUBECONFIG
// names the cluster's kubeconfig.
package livebench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/embeddednats"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
	"github.com/kubemedic/kubemedic/services/analyzer"
)

const clusterName = "bench"

// env is one live-diagnosis server shared by the benchmarks of a run.
type env struct {
	client  *natsrpc.Client
	kube    kubernetes.Interface
	live    *analyzer.Live
	first   time.Duration // start to first complete diagnosis
	objects int32
	found   int32
}

var (
	once   sync.Once
	shared *env
	setErr error
)

func setup(b *testing.B) *env {
	b.Helper()
	kubeconfig := os.Getenv("KUBEMEDIC_BENCH_KUBECONFIG")
	if kubeconfig == "" {
		b.Skip("set KUBEMEDIC_BENCH_KUBECONFIG (make bench-diagnose-server does)")
	}
	once.Do(func() { shared, setErr = start(kubeconfig) })
	if setErr != nil {
		b.Fatal(setErr)
	}
	return shared
}

// start runs NATS, live diagnosis and the analyzer in this process, then
// times the first Diagnose (lazy informer start, full listing, first
// analysis). Nothing is stopped: the process ends with the benchmark run.
func start(kubeconfig string) (*env, error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir, err := os.MkdirTemp("", "livebench-nats-")
	if err != nil {
		return nil, err
	}
	ns, err := embeddednats.Start(embeddednats.Options{StoreDir: dir})
	if err != nil {
		return nil, err
	}
	conn, err := natsrpc.Connect(ns.URL(), natsrpc.ConnectOptions{Name: "livebench", Logger: quiet})
	if err != nil {
		return nil, err
	}
	rc, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	rc.QPS, rc.Burst = 100, 200
	kube, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	begin := time.Now()
	live, err := analyzer.StartLive(ctx, conn.Conn, []config.Cluster{{Name: clusterName, Provider: "generic", Kubeconfig: kubeconfig}}, quiet)
	if err != nil {
		return nil, err
	}
	// DiagnosisService alone on NATS (no knowledge base: the RSS is the live
	// diagnosis's own).
	svc := natsrpc.NewService(kubemedicv1.File_kubemedic_v1_diagnosis_proto.Services().ByName("DiagnosisService"), natsrpc.ServiceOptions{})
	natsrpc.HandleServerStream(svc, kubemedicv1connect.DiagnosisServiceDiagnoseProcedure, live.Diagnosis.Diagnose)
	natsrpc.HandleServerStream(svc, kubemedicv1connect.DiagnosisServiceWatchFindingsProcedure, live.Diagnosis.WatchFindings)
	if _, err := natsrpc.Serve(conn.Conn, natsrpc.ServerConfig{Name: "livebench", Version: "0.0.0", Logger: quiet}, svc); err != nil {
		return nil, err
	}
	e := &env{client: natsrpc.NewClient(conn, 5*time.Minute), kube: kube, live: live}
	n, objects, err := e.diagnose(ctx)
	if err != nil {
		return nil, err
	}
	e.first, e.found, e.objects = time.Since(begin), n, objects
	return e, nil
}

// diagnose runs one whole-cluster Diagnose and returns the finding count and
// the objects examined.
func (e *env) diagnose(ctx context.Context) (int32, int32, error) {
	var sum *kubemedicv1.DiagnoseSummary
	err := natsrpc.ServerStream(ctx, e.client, kubemedicv1connect.DiagnosisServiceDiagnoseProcedure, &kubemedicv1.DiagnoseRequest{Cluster: clusterName},
		func(r *kubemedicv1.DiagnoseResponse) error {
			if s := r.GetSummary(); s != nil {
				sum = s
			}
			return nil
		})
	if err != nil {
		return 0, 0, err
	}
	if sum == nil {
		return 0, 0, fmt.Errorf("Diagnose sent no summary")
	}
	return sum.GetFindings(), sum.GetObjectsExamined(), nil
}

// peakRSS is this process's peak resident set (VmHWM) in MB: informer
// caches, analysis, findings ledger and the embedded NATS server together
// (the collector alone is less).
func peakRSS(b *testing.B) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Logf("peak RSS unavailable: %v", err)
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkDiagnose is a whole-cluster Diagnose with informers synced
// (target < 50 ms at 500 nodes / 10,000 pods). It also reports the time from
// start to the first complete diagnosis and the peak RSS.
func BenchmarkDiagnose(b *testing.B) {
	e := setup(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := e.diagnose(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(e.first.Milliseconds()), "first-diagnosis-ms")
	b.ReportMetric(float64(e.objects), "objects")
	b.ReportMetric(float64(e.found), "findings")
	b.ReportMetric(peakRSS(b), "peak-RSS-MB")
}

// watchFor opens WatchFindings and returns a function waiting for the next
// event of one object and change.
func (e *env) watchFor(b *testing.B) (wait func(kind, name string, change kubemedicv1.FindingChange) time.Time, stop func()) {
	type ev struct {
		at time.Time
		r  *kubemedicv1.WatchFindingsResponse
	}
	events := make(chan ev, 1024)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = natsrpc.ServerStream(ctx, e.client, kubemedicv1connect.DiagnosisServiceWatchFindingsProcedure, &kubemedicv1.WatchFindingsRequest{Cluster: clusterName},
			func(r *kubemedicv1.WatchFindingsResponse) error {
				events <- ev{time.Now(), r}
				return nil
			})
	}()
	// Let the stream open before the first change.
	time.Sleep(200 * time.Millisecond)
	wait = func(kind, name string, change kubemedicv1.FindingChange) time.Time {
		timeout := time.After(30 * time.Second)
		for {
			select {
			case x := <-events:
				o := x.r.GetFinding().GetObject()
				if o.GetKind() == kind && o.GetName() == name && x.r.GetChange() == change {
					return x.at
				}
			case <-timeout:
				b.Fatalf("no %s of %s %s within 30s", change, kind, name)
			}
		}
	}
	return wait, func() { cancel(); <-done }
}

func report(b *testing.B, name string, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	b.ReportMetric(float64(sum.Microseconds())/float64(len(d))/1000, name+"-mean-ms")
	b.ReportMetric(float64(d[len(d)*99/100].Microseconds())/1000, name+"-p99-ms")
}

// BenchmarkChangeToWatch measures a namespaced change (a PVC naming a
// StorageClass that does not exist: PVCPending opened, then resolved by the
// delete) from the API server's answer to the WatchFindings event (target <
// 100 ms).
func BenchmarkChangeToWatch(b *testing.B) {
	e := setup(b)
	ctx := context.Background()
	wait, stop := e.watchFor(b)
	defer stop()
	var opened, resolved []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		name := fmt.Sprintf("bench-claim-%d", i)
		sc := "bench-missing"
		pvc := &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault},
			Spec: corev1.PersistentVolumeClaimSpec{
				StorageClassName: &sc,
				AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
			},
		}
		t0 := time.Now() // the change starts with the write: its latency counts
		if _, err := e.kube.CoreV1().PersistentVolumeClaims(pvc.Namespace).Create(ctx, pvc, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		opened = append(opened, wait("PersistentVolumeClaim", name, kubemedicv1.FindingChange_FINDING_CHANGE_OPENED).Sub(t0))
		t0 = time.Now()
		if err := e.kube.CoreV1().PersistentVolumeClaims(pvc.Namespace).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			b.Fatal(err)
		}
		resolved = append(resolved, wait("PersistentVolumeClaim", name, kubemedicv1.FindingChange_FINDING_CHANGE_RESOLVED).Sub(t0))
	}
	b.StopTimer()
	report(b, "opened", opened)
	report(b, "resolved", resolved)
	b.ReportMetric(peakRSS(b), "peak-RSS-MB")
}

// BenchmarkNodeChangeToWatch measures a cluster-scoped change, the worst
// case: cordoning a node re-runs every rule family that reads nodes over all
// namespaces (scheduling reads every pod).
func BenchmarkNodeChangeToWatch(b *testing.B) {
	e := setup(b)
	ctx := context.Background()
	nodes, err := e.kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil || len(nodes.Items) == 0 {
		b.Fatalf("no node to cordon: %v", err)
	}
	node := nodes.Items[0].Name
	wait, stop := e.watchFor(b)
	defer stop()
	patch := func(unschedulable bool) {
		p := fmt.Sprintf(`{"spec":{"unschedulable":%t}}`, unschedulable)
		if _, err := e.kube.CoreV1().Nodes().Patch(ctx, node, types.MergePatchType, []byte(p), metav1.PatchOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	defer patch(false)
	var opened, resolved []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		patch(true)
		opened = append(opened, wait("Node", node, kubemedicv1.FindingChange_FINDING_CHANGE_OPENED).Sub(t0))
		t0 = time.Now()
		patch(false)
		resolved = append(resolved, wait("Node", node, kubemedicv1.FindingChange_FINDING_CHANGE_RESOLVED).Sub(t0))
	}
	b.StopTimer()
	report(b, "opened", opened)
	report(b, "resolved", resolved)
	b.ReportMetric(peakRSS(b), "peak-RSS-MB")
}
