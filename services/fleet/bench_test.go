package fleet_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"

	"github.com/kubemedic/kubemedic/platform/config"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/fleet/natstest"
	"github.com/kubemedic/kubemedic/services/fleet/sweep"
)

// Benchmark shape: two analyzer replicas, four clusters at once each.
const (
	benchClusters    = 50
	benchReplicas    = 2
	benchConcurrency = 4
)

// instant is a diagnoser that does no work: sweeping with it measures the
// sweep's own per-cluster cost (job queue, result write, ack, report).
var instant = sweep.DiagnoserFunc(func(context.Context, config.Cluster) ([]*kubemedicv1.Finding, error) {
	return nil, nil
})

// BenchmarkSweep sweeps 50 clusters with two replicas. Sub-benchmarks:
//
//   - machinery/nats1 and machinery/nats3-R3: a diagnoser that does nothing,
//     on one NATS server and on a 3-node cluster with replicas 3, so the
//     time per cluster is the sweep's own overhead;
//   - harness: 50 registrations over two real control planes (25 each, every
//     one a separate one-shot LIST of every kind and a full analysis of 10
//     nodes and 150 pods).
//
// Metrics: wall time of one sweep, overhead per cluster (machinery) or mean
// diagnosis per cluster (harness), and the wall time extrapolated to 100
// clusters with the same replicas (sweeps are concurrency-bound, so linear in
// the number of clusters).
func BenchmarkSweep(b *testing.B) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	fake := make([]config.Cluster, benchClusters)
	for i := range fake {
		fake[i] = config.Cluster{Name: fmt.Sprintf("sim-%02d", i), Kubeconfig: "/unused", Labels: map[string]string{"env": "bench"}}
	}
	b.Run("machinery/nats1", func(b *testing.B) {
		s, _, _ := natstest.Single(b)
		benchSweep(b, []string{s.ClientURL()}, fake, replicaOptions{diagnoser: instant, replicas: 1, concurrency: benchConcurrency}, log)
	})
	b.Run("machinery/nats3-R3", func(b *testing.B) {
		nc := natstest.StartCluster(b, 3)
		benchSweep(b, nc.URLs(), fake, replicaOptions{diagnoser: instant, replicas: 3, concurrency: benchConcurrency}, log)
	})
	b.Run("harness", func(b *testing.B) {
		if testing.Short() {
			b.Skip("starts two real control planes")
		}
		real := harness(b, 2, 10)
		for _, c := range real {
			populate(b, c.AdminKubeconfig, 150)
		}
		clusters := make([]config.Cluster, benchClusters)
		for i := range clusters {
			clusters[i] = config.Cluster{Name: fmt.Sprintf("real-%02d", i), Kubeconfig: real[i%2].AdminKubeconfig, Labels: map[string]string{"env": "bench"}}
		}
		s, _, _ := natstest.Single(b)
		benchSweep(b, []string{s.ClientURL()}, clusters, replicaOptions{replicas: 1, concurrency: benchConcurrency}, log)
	})
}

func benchSweep(b *testing.B, urls []string, clusters []config.Cluster, ro replicaOptions, log *slog.Logger) {
	var reps []*replica
	for i := range benchReplicas {
		reps = append(reps, startReplica(b, fmt.Sprintf("analyzer-%d", i), urls, clusters, log, ro))
	}
	ctx := context.Background()
	var wall, diag time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		rec, err := reps[0].svc.Sweeps.Start(ctx, sweep.Request{Selector: "env=bench"})
		if err != nil {
			b.Fatal(err)
		}
		done, err := reps[0].svc.Sweeps.Watch(ctx, rec.GetId(), nil)
		if err != nil {
			b.Fatal(err)
		}
		wall += time.Since(start)
		if len(done.GetClusters()) != len(clusters) || done.GetState() != kubemedicv1.SweepState_SWEEP_STATE_SUCCEEDED {
			var errs []string
			for _, c := range done.GetClusters() {
				if c.GetError() != "" {
					errs = append(errs, c.GetCluster()+": "+c.GetError())
				}
			}
			b.Fatalf("sweep %s: %d clusters, %s: %s", done.GetId(), len(done.GetClusters()), done.GetState(), strings.Join(errs, "; "))
		}
		for _, c := range done.GetClusters() {
			diag += time.Duration(c.GetDurationMs()) * time.Millisecond
		}
	}
	b.StopTimer()
	n := float64(b.N)
	perSweep := wall.Seconds() / n
	b.ReportMetric(perSweep, "s/sweep")
	b.ReportMetric(perSweep*1000/float64(len(clusters)), "ms-wall/cluster")
	b.ReportMetric(diag.Seconds()*1000/n/float64(len(clusters)), "ms-diagnose/cluster")
	b.ReportMetric(perSweep*100/float64(len(clusters)), "s/sweep-of-100")
}

// populate gives a harness cluster a namespace with a Deployment of n pods
// (kwok runs them) and waits until they are available.
func populate(b testing.TB, kubeconfig string, n int32) {
	b.Helper()
	rc, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		b.Fatal(err)
	}
	cs := kubernetes.NewForConfigOrDie(rc)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	labels := map[string]string{"app": "web"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(n),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "web", Image: "registry.example/web:1",
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{}},
				}}},
			},
		},
	}
	if _, err := cs.AppsV1().Deployments("shop").Create(ctx, d, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	for {
		got, err := cs.AppsV1().Deployments("shop").Get(ctx, "web", metav1.GetOptions{})
		if err == nil && got.Status.AvailableReplicas == n {
			return
		}
		if ctx.Err() != nil {
			b.Fatalf("deployment web: %d of %d available after 5m", got.Status.AvailableReplicas, n)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
