package e2e

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/drain"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/test/controlplane"
)

// BenchmarkDrain50Pods drains a node running 50 pods, once through
// kubemedic and once with kubectl drain's own library and flags
// (--ignore-daemonsets, eviction, grace period of the pods, no
// emptyDir/unreplicated pods), on the same cluster. "s/drain" is cordon
// plus eviction until every pod is gone: for kubemedic from Execute until
// the execution ends. "s/plan" is kubemedic's plan (SubjectAccessReviews,
// dry-run cordon and 50 dry-run evictions) and approval, which a person
// waits for before the drain.
//
//	go test ./remediation/e2e -run '^$' -bench Drain50 -benchtime 3x
func BenchmarkDrain50Pods(b *testing.B) {
	const pods = 50
	for _, mode := range []string{"kubectl", "kubemedic"} {
		b.Run(mode, func(b *testing.B) {
			var drains, plans time.Duration
			// Setup (a node with 50 running pods) takes longer than the
			// drain, so ns/op is not the figure: s/drain is.
			for i := 0; b.Loop(); i++ {
				d, p := drainOnce(b, mode, i, pods)
				drains += d
				plans += p
			}
			b.ReportMetric(drains.Seconds()/float64(b.N), "s/drain")
			if mode == "kubemedic" {
				b.ReportMetric(plans.Seconds()/float64(b.N), "s/plan")
			}
		})
	}
}

// drainOnce sets up a node with n pods and returns how long draining and
// (for kubemedic) planning took.
func drainOnce(b *testing.B, mode string, i, n int) (time.Duration, time.Duration) {
	b.Helper()
	h := newHarness(b, nil)
	node := h.addNode(b, fmt.Sprintf("%s-%d", mode[:4], i), controlplane.NodeOptions{Pods: "200"})
	ns := h.env.Namespace
	ctx := context.Background()
	if _, err := h.env.Client.AppsV1().Deployments(ns).Create(ctx, deployment(ns, "bulk", int32(n), map[string]string{"kubernetes.io/hostname": node.Name}), metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	runningPods(b, h.env, "bulk", n)

	start := time.Now()
	var planned time.Duration
	switch mode {
	case "kubectl":
		var out, errOut bytes.Buffer
		helper := &drain.Helper{
			Ctx: ctx, Client: h.env.Client, Force: false, GracePeriodSeconds: -1, IgnoreAllDaemonSets: true,
			Timeout: 5 * time.Minute, DeleteEmptyDirData: false, ChunkSize: cmdutil.DefaultChunkSize,
			DisableEviction: false, Out: &out, ErrOut: &errOut, DryRunStrategy: cmdutil.DryRunNone,
		}
		if err := drain.RunCordonOrUncordon(helper, node, true); err != nil {
			b.Fatal(err)
		}
		if err := drain.RunNodeDrain(helper, node.Name); err != nil {
			b.Fatalf("kubectl drain: %v\n%s", err, errOut.String())
		}
	case "kubemedic":
		a := drainAction(node.Name, 5*time.Minute)
		a.Cluster = clusterName
		resp, err := h.svc.Plan(ctx, &kubemedicv1.PlanRequest{Action: a, Requester: alice})
		if err != nil || resp.GetPlan().GetState() != kubemedicv1.PlanState_PLAN_STATE_PENDING_APPROVAL {
			b.Fatalf("plan: %v %v", err, resp.GetPlan().GetGuards())
		}
		p := resp.GetPlan()
		if _, err := h.svc.Approve(ctx, &kubemedicv1.ApproveRequest{PlanId: p.GetId(), PlanHash: p.GetHash(), Approver: bob}); err != nil {
			b.Fatal(err)
		}
		planned = time.Since(start)
		start = time.Now()
		er, err := h.svc.Execute(ctx, &kubemedicv1.ExecuteRequest{PlanId: p.GetId(), Executor: alice})
		if err != nil {
			b.Fatal(err)
		}
		var last *kubemedicv1.Execution
		err = h.svc.GetExecution(ctx, &kubemedicv1.GetExecutionRequest{ExecutionId: er.GetExecution().GetId(), Follow: true}, func(r *kubemedicv1.GetExecutionResponse) error {
			last = r.GetExecution()
			return nil
		})
		if err != nil || last.GetState() != kubemedicv1.ExecutionState_EXECUTION_STATE_SUCCEEDED {
			b.Fatalf("execution: %v %v", err, last)
		}
	}
	took := time.Since(start)
	list, err := h.env.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + node.Name})
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil && p.Status.Phase != corev1.PodSucceeded {
			b.Fatalf("pod %s still on %s after the drain", p.Name, node.Name)
		}
	}
	return took, planned
}
