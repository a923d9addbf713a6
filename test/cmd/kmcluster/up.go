package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/kubemedic/kubemedic/test/controlplane"
	"github.com/kubemedic/kubemedic/test/scenario"
)

type upOptions struct {
	dir, cacheDir string
	nodes, pods   int
	demo          bool
	// pin places the load pods with spec.nodeName (one Deployment per node)
	// so kube-scheduler is skipped; the default schedules them.
	pin bool
}

func up(ctx context.Context, o upOptions, stdout, stderr io.Writer) error {
	if server, ok := controlplane.Running(o.dir); ok {
		return fmt.Errorf("a cluster already runs in %s (%s); run `make cluster-down` first", o.dir, server)
	}
	nodes := o.nodes
	if nodes == 0 {
		nodes = controlplane.NoNodes
	}
	qps := 200
	if o.nodes > 100 || o.pods > 1000 {
		qps = 1000
	}
	start := time.Now()
	c, err := controlplane.Start(ctx, controlplane.Config{
		Dir:          o.dir,
		Nodes:        nodes,
		CacheDir:     o.cacheDir,
		Detached:     true,
		APIQPS:       qps,
		StartTimeout: 10 * time.Minute,
		Log:          stderr,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "cluster started in %s\n", time.Since(start).Round(10*time.Millisecond))
	ok := false
	defer func() {
		if !ok {
			fmt.Fprintln(stderr, "stopping the cluster after the error above")
			_ = c.Stop()
		}
	}()
	cfg, err := c.AdminConfig()
	if err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	if o.pods > 0 {
		if err := populate(ctx, cs, c, o.pods, o.pin, stderr); err != nil {
			return err
		}
	}
	if o.demo {
		for _, ns := range []string{"shop", "demo"} {
			if err := ensureNamespace(ctx, cs, ns); err != nil {
				return err
			}
		}
		shop, err := scenario.NewTarget(cfg, "shop")
		if err != nil {
			return err
		}
		healthy, err := scenario.Get("healthy")
		if err != nil {
			return err
		}
		if err := healthy.Apply(ctx, shop); err != nil {
			return err
		}
		demo, err := scenario.NewTarget(cfg, "demo")
		if err != nil {
			return err
		}
		for _, s := range scenario.All() {
			if s.Name == "healthy" {
				continue
			}
			sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			err := s.Apply(sctx, demo)
			cancel()
			if err != nil {
				return err
			}
			fmt.Fprintf(stderr, "  demo: %-30s %s\n", s.Name, s.Summary)
		}
		fmt.Fprintln(stderr, "demo workloads: namespace shop is healthy; namespace demo holds one broken case per scenario")
	}
	ok = true
	fmt.Fprintf(stderr, "kubeconfig (admin):   %s\nkubeconfig (limited): %s\nstop with: make cluster-down\n", c.AdminKubeconfig, c.LimitedKubeconfig)
	fmt.Fprintln(stdout, c.AdminKubeconfig)
	return nil
}

func ensureNamespace(ctx context.Context, cs kubernetes.Interface, name string) error {
	_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	return wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().ServiceAccounts(name).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
}

// populate creates Deployments with pods replicas in all in namespace
// "scale", waits until every pod is Running, and reports time and memory.
//
// Scheduled (the default): Deployments of at most 500 replicas each, placed
// by kube-scheduler, which on a small machine places 8–50 pods/s. Pinned:
// one Deployment per node whose pod template sets spec.nodeName, so the
// scheduler is skipped and the controllers and kwok set the pace; the
// objects stay the usual Deployment → ReplicaSet → Running pods.
func populate(ctx context.Context, cs kubernetes.Interface, c *controlplane.Cluster, pods int, pin bool, log io.Writer) error {
	const ns, perDeployment = "scale", 500
	if err := ensureNamespace(ctx, cs, ns); err != nil {
		return err
	}
	type load struct {
		name, node string
		replicas   int32
	}
	var loads []load
	switch {
	case pin && len(c.Nodes) == 0:
		return fmt.Errorf("-pin needs nodes to pin pods to")
	case pin:
		per, extra := pods/len(c.Nodes), pods%len(c.Nodes)
		for i, n := range c.Nodes {
			r := per
			if i < extra {
				r++
			}
			if r > 0 {
				loads = append(loads, load{name: fmt.Sprintf("load-%03d", i), node: n, replicas: int32(r)})
			}
		}
	default:
		for i := 0; i*perDeployment < pods; i++ {
			loads = append(loads, load{name: fmt.Sprintf("load-%03d", i), replicas: int32(min(perDeployment, pods-i*perDeployment))})
		}
	}
	start := time.Now()
	sem := make(chan struct{}, 16)
	errs := make(chan error, len(loads))
	for _, l := range loads {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			labels := map[string]string{"app": l.name}
			d := &appsv1.Deployment{
				ObjectMeta: metav1.ObjectMeta{Name: l.name},
				Spec: appsv1.DeploymentSpec{
					Replicas: &l.replicas,
					Selector: &metav1.LabelSelector{MatchLabels: labels},
					Template: corev1.PodTemplateSpec{
						ObjectMeta: metav1.ObjectMeta{Labels: labels},
						Spec: corev1.PodSpec{NodeName: l.node, Containers: []corev1.Container{{
							Name: "app", Image: "registry.k8s.io/pause:3.10",
							Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{}},
						}}},
					},
				},
			}
			if _, err := cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
				errs <- fmt.Errorf("create Deployment %s: %w", l.name, err)
			}
		}()
	}
	for range cap(sem) {
		sem <- struct{}{}
	}
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	fmt.Fprintf(log, "created Deployments for %d pods; waiting for them to run\n", pods)
	var lastRunning int
	lastReport := time.Now()
	err := wait.PollUntilContextTimeout(ctx, time.Second, 30*time.Minute, true, func(ctx context.Context) (bool, error) {
		running, err := countRunning(ctx, cs, ns)
		if err != nil {
			return false, nil
		}
		lastRunning = running
		if time.Since(lastReport) > 10*time.Second {
			fmt.Fprintf(log, "  %d/%d pods Running after %s\n", running, pods, time.Since(start).Round(time.Second))
			lastReport = time.Now()
		}
		return running >= pods, nil
	})
	if err != nil {
		return fmt.Errorf("wait for %d pods to run (got %d): %w", pods, lastRunning, err)
	}
	elapsed := time.Since(start)
	report := memoryReport(c)
	fmt.Fprintf(log, "%d pods Running on %d nodes %s after creating them (%.0f pods/s)\n%s",
		pods, len(c.Nodes), elapsed.Round(100*time.Millisecond), float64(pods)/elapsed.Seconds(), report)
	return os.WriteFile(filepath.Join(c.Dir, "scale-report.txt"), []byte(fmt.Sprintf("nodes=%d pods=%d time_to_running=%s\n%s",
		len(c.Nodes), pods, elapsed.Round(100*time.Millisecond), report)), 0o644)
}

func countRunning(ctx context.Context, cs kubernetes.Interface, ns string) (int, error) {
	n := 0
	opts := metav1.ListOptions{Limit: 2000, FieldSelector: "status.phase=Running"}
	for {
		list, err := cs.CoreV1().Pods(ns).List(ctx, opts)
		if err != nil {
			return 0, err
		}
		n += len(list.Items)
		if list.Continue == "" {
			return n, nil
		}
		opts.Continue = list.Continue
	}
}

func memoryReport(c *controlplane.Cluster) string {
	mem := c.Memory()
	names := make([]string, 0, len(mem))
	var total int64
	for name, rss := range mem {
		names = append(names, name)
		total += rss
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		fmt.Fprintf(&b, "  %-24s %6d MiB RSS\n", name, mem[name]>>20)
	}
	fmt.Fprintf(&b, "  %-24s %6d MiB RSS\n", "total", total>>20)
	if st, err := os.Stat(filepath.Join(c.Dir, "etcd", "member", "snap", "db")); err == nil {
		fmt.Fprintf(&b, "  %-24s %6d MiB\n", "etcd database file", st.Size()>>20)
	}
	return b.String()
}
