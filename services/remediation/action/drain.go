package action

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/drain"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/remediation/access"
	"github.com/kubemedic/kubemedic/services/remediation/guard"
	"github.com/kubemedic/kubemedic/services/remediation/policy"
)

// SafeToEvictAnnotation set to "false" on a pod means "never evict me"
// (cluster-autoscaler's convention); a drain of its node is refused.
const SafeToEvictAnnotation = "cluster-autoscaler.kubernetes.io/safe-to-evict"

// Drain cordons a node and evicts its pods through the Eviction API with
// k8s.io/kubectl/pkg/drain, so PodDisruptionBudgets are honoured: a 429 from
// a budget is retried (kubectl waits 5s between tries) until Timeout.
// DaemonSet and mirror pods are skipped; pods with emptyDir volumes or
// without a controller are evicted only when the plan says so; pods
// annotated safe-to-evict=false refuse the drain.
type Drain struct {
	// Node is the node name. Required.
	Node string
	// DeleteEmptyDirData allows evicting pods with emptyDir volumes (their
	// data is lost). Default: false.
	DeleteEmptyDirData bool
	// AllowUnreplicated allows evicting pods no controller re-creates.
	// Default: false.
	AllowUnreplicated bool
	// GracePeriodSeconds overrides the pods' termination grace period; -1
	// means each pod's own. Default: -1.
	GracePeriodSeconds int
	// Timeout bounds the eviction phase, PDB retries included; 0 means
	// Env.Config.DrainTimeout.
	Timeout time.Duration
}

func newDrain(a *kubemedicv1.DrainAction) (*Drain, error) {
	if err := checkName("drain.node", a.GetNode()); err != nil {
		return nil, err
	}
	d := &Drain{Node: a.GetNode(), DeleteEmptyDirData: a.GetDeleteEmptydirData(), AllowUnreplicated: a.GetAllowUnreplicated(), GracePeriodSeconds: -1}
	if a.GracePeriodSeconds != nil {
		if a.GetGracePeriodSeconds() < 0 {
			return nil, invalid("drain.grace_period_seconds %d: 0 이상이어야 합니다", "drain.grace_period_seconds %d: want 0 or more", a.GetGracePeriodSeconds())
		}
		d.GracePeriodSeconds = int(a.GetGracePeriodSeconds())
	}
	if a.GetTimeout() != nil {
		d.Timeout = a.GetTimeout().AsDuration()
		if d.Timeout < time.Second || d.Timeout > time.Hour {
			return nil, invalid("drain.timeout %s: 1초에서 1시간 사이여야 합니다", "drain.timeout %s: want 1s to 1h", d.Timeout)
		}
	}
	return d, nil
}

type drainState struct {
	Node nodeState `json:"node"`
	// Pods are namespace/name of the pods planned for eviction.
	Pods []string `json:"pods"`
}

// Type implements Action.
func (d *Drain) Type() string { return "drain" }

// Target implements Action.
func (d *Drain) Target() policy.Target { return policy.Target{Kind: "Node", Name: d.Node} }

// Permissions implements Action: updating the node (cordon), listing pods
// cluster-wide (what is on the node) and creating evictions.
func (d *Drain) Permissions() []access.Permission {
	return []access.Permission{
		{Verb: "update", Resource: "nodes", Name: d.Node},
		{Verb: "list", Resource: "pods"},
		{Verb: "create", Resource: "pods", Subresource: "eviction"},
	}
}

func (d *Drain) timeout(env Env) time.Duration {
	if d.Timeout > 0 {
		return d.Timeout
	}
	return env.Config.DrainTimeout.Duration
}

// helper returns a drain.Helper with every field set explicitly: a zero
// Helper would use grace period 0 and no global timeout.
func (d *Drain) helper(ctx context.Context, client kubernetes.Interface, timeout time.Duration, dryRun cmdutil.DryRunStrategy, errOut io.Writer,
	started func(*corev1.Pod, bool), finished func(*corev1.Pod, bool, error)) *drain.Helper {
	return &drain.Helper{
		Ctx:                             ctx,
		Client:                          client,
		Force:                           d.AllowUnreplicated, // evict pods without a controller only when planned so
		GracePeriodSeconds:              d.GracePeriodSeconds,
		IgnoreAllDaemonSets:             true, // the DaemonSet controller would re-create them at once
		Timeout:                         timeout,
		DeleteEmptyDirData:              d.DeleteEmptyDirData,
		Selector:                        "", // one node by name
		PodSelector:                     "", // every pod on it
		ChunkSize:                       cmdutil.DefaultChunkSize,
		DisableEviction:                 false, // eviction API only, so PDBs apply
		SkipWaitForDeleteTimeoutSeconds: 0,     // wait for every evicted pod to be gone
		AdditionalFilters:               []drain.PodFilter{safeToEvictFilter},
		Out:                             io.Discard, // progress comes through the callbacks
		ErrOut:                          errOut,
		DryRunStrategy:                  dryRun,
		OnPodDeletedOrEvicted:           nil, // deprecated; the two callbacks below replace it
		OnPodDeletionOrEvictionStarted:  started,
		OnPodDeletionOrEvictionFinished: finished,
	}
}

// safeToEvictFilter refuses pods the cluster autoscaler must not evict.
func safeToEvictFilter(pod corev1.Pod) drain.PodDeleteStatus {
	if pod.Annotations[SafeToEvictAnnotation] == "false" {
		return drain.MakePodDeleteStatusWithError(SafeToEvictAnnotation + "=false (this pod must not be evicted)")
	}
	return drain.MakePodDeleteStatusOkay()
}

// budget is one PDB covering pods on the node.
type budget struct {
	pdb     policyv1.PodDisruptionBudget
	covered int
}

func (b budget) String() string {
	return fmt.Sprintf("PDB %s/%s (disruptionsAllowed=%d, currentHealthy=%d, desiredHealthy=%d)",
		b.pdb.Namespace, b.pdb.Name, b.pdb.Status.DisruptionsAllowed, b.pdb.Status.CurrentHealthy, b.pdb.Status.DesiredHealthy)
}

// budgets returns the PDBs that select any of pods.
func budgets(ctx context.Context, client kubernetes.Interface, pods []corev1.Pod) ([]budget, error) {
	var out []budget
	seen := map[string]bool{}
	for _, p := range pods {
		if seen[p.Namespace] {
			continue
		}
		seen[p.Namespace] = true
		list, err := client.PolicyV1().PodDisruptionBudgets(p.Namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, fmt.Errorf("listing PodDisruptionBudgets in %s: %w", p.Namespace, err)
		}
		for _, pdb := range list.Items {
			sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
			if err != nil || sel.Empty() {
				continue
			}
			n := 0
			for _, q := range pods {
				if q.Namespace == pdb.Namespace && sel.Matches(labels.Set(q.Labels)) {
					n++
				}
			}
			if n > 0 {
				out = append(out, budget{pdb: pdb, covered: n})
			}
		}
	}
	return out, nil
}

// Plan implements Action.
func (d *Drain) Plan(ctx context.Context, env Env) (*Planned, error) {
	n, err := env.Reader.CoreV1().Nodes().Get(ctx, d.Node, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading node %s: %w", d.Node, err)
	}
	verdicts, nodes, err := nodeVerdicts(ctx, env, d.Node, true)
	if err != nil {
		return nil, err
	}
	p := &Planned{Target: nodeRef(n), ResourceVersion: n.ResourceVersion, DryRunOK: true}

	list, errs := d.helper(ctx, env.Reader, d.timeout(env), cmdutil.DryRunNone, io.Discard, nil, nil).GetPodsForDeletion(d.Node)
	if len(errs) > 0 {
		msgs := make([]string, 0, len(errs))
		for _, e := range errs {
			msgs = append(msgs, e.Error())
		}
		verdicts = append(verdicts, guard.Refuse("pods-blocking-drain",
			"이 파드들 때문에 드레인할 수 없습니다: "+strings.Join(msgs, "; ")+" (emptyDir는 delete_emptydir_data, 컨트롤러 없는 파드는 allow_unreplicated로 명시적으로 허용)",
			"these pods block the drain: "+strings.Join(msgs, "; ")+" (allow emptyDir pods with delete_emptydir_data and pods without a controller with allow_unreplicated)"))
	}
	var pods []corev1.Pod
	if list != nil {
		pods = list.Pods()
	}
	all, err := podsOn(ctx, env, d.Node)
	if err != nil {
		return nil, err
	}
	skipped := len(all) - len(pods)

	// Dry-run: the cordon and every eviction, as the person.
	before, after := n, n
	if !n.Spec.Unschedulable {
		var derr error
		before, after, derr = dryRunNode(ctx, env, d.Node, func(x *corev1.Node) *corev1.Node { return cordoned(x, env.Actor, time.Now()) })
		if before == nil {
			return nil, fmt.Errorf("reading node %s: %w", d.Node, derr)
		}
		if derr != nil {
			p.DryRunOK, p.DryRunMessage = false, dryRunNote(derr)
		}
	}
	dry := d.helper(ctx, env.Writer, d.timeout(env), cmdutil.DryRunServer, io.Discard, nil, nil)
	var blockedNow []string
	for _, pod := range pods {
		err := dry.EvictPod(pod, policyv1.SchemeGroupVersion)
		switch {
		case err == nil:
		case apierrors.IsTooManyRequests(err):
			blockedNow = append(blockedNow, pod.Namespace+"/"+pod.Name)
		case p.DryRunOK:
			p.DryRunOK, p.DryRunMessage = false, fmt.Sprintf("eviction of %s/%s: %v", pod.Namespace, pod.Name, err)
		}
	}
	bs, err := budgets(ctx, env.Reader, pods)
	if err != nil {
		return nil, err
	}
	var headroom []string
	for _, b := range bs {
		headroom = append(headroom, fmt.Sprintf("%s covers %d pods here", b, b.covered))
	}
	if len(blockedNow) > 0 && p.DryRunOK {
		p.DryRunMessage = fmt.Sprintf("PodDisruptionBudgets refuse evicting %s right now; the drain will retry until its %s timeout",
			strings.Join(blockedNow, ", "), d.timeout(env))
	}

	var diff strings.Builder
	diff.WriteString(unifiedDiff("node/"+d.Node, hideVersion(before), hideVersion(after)))
	fmt.Fprintf(&diff, "# pods to evict (%d):\n", len(pods))
	for _, pod := range pods {
		fmt.Fprintf(&diff, "#   %s/%s\n", pod.Namespace, pod.Name)
		p.Objects = append(p.Objects, Ref{APIVersion: "v1", Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: string(pod.UID)})
	}
	if list != nil && list.Warnings() != "" {
		fmt.Fprintf(&diff, "# warnings: %s\n", list.Warnings())
	}
	p.Diff = diff.String()
	p.PodsAffected = len(pods)
	p.Verdicts = verdicts

	cordonedAfter := 0
	for _, x := range nodes {
		if x.Spec.Unschedulable || x.Name == d.Node {
			cordonedAfter++
		}
	}
	pct := 0
	if len(nodes) > 0 {
		pct = cordonedAfter * 100 / len(nodes)
	}
	flagsKo, flagsEn := "", ""
	if d.DeleteEmptyDirData {
		flagsKo += "; emptyDir 데이터 삭제 허용"
		flagsEn += "; emptyDir data may be deleted"
	}
	if d.AllowUnreplicated {
		flagsKo += "; 컨트롤러 없는 파드 축출 허용"
		flagsEn += "; pods without a controller may be evicted"
	}
	p.SummaryKo = fmt.Sprintf("%s 격리 후 파드 %d개 축출 (DaemonSet/미러 등 %d개 제외); PDB %d개: %s; 드레인 후 노드 %d/%d개(%d%%) 격리; 제한 시간 %s%s",
		d.Node, len(pods), skipped, len(bs), strings.Join(headroom, "; "), cordonedAfter, len(nodes), pct, d.timeout(env), flagsKo)
	p.SummaryEn = fmt.Sprintf("cordon %s and evict %d pods (%d DaemonSet/mirror/finished pods skipped); %d PDBs: %s; %d/%d nodes (%d%%) cordoned afterwards; timeout %s%s",
		d.Node, len(pods), skipped, len(bs), strings.Join(headroom, "; "), cordonedAfter, len(nodes), pct, d.timeout(env), flagsEn)

	st := drainState{Node: stateOf(n)}
	for _, pod := range pods {
		st.Pods = append(st.Pods, pod.Namespace+"/"+pod.Name)
	}
	if p.State, err = encodeState(st); err != nil {
		return nil, err
	}
	return p, nil
}

// Execute implements Action. A drain that fails or times out leaves the
// node cordoned and still returns the Outcome (its undo uncordons).
func (d *Drain) Execute(ctx context.Context, env Env, raw json.RawMessage, progress Progress) (*Outcome, error) {
	var st drainState
	if err := decodeState(raw, &st); err != nil {
		return nil, err
	}
	var outcome *Outcome
	n, err := env.Reader.CoreV1().Nodes().Get(ctx, d.Node, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading node %s: %w", d.Node, err)
	}
	if err := sameNode(st.Node, n); err != nil {
		return nil, err
	}
	if !n.Spec.Unschedulable {
		n, err = updateNode(ctx, env, d.Node, func(x *corev1.Node) error { return sameNode(st.Node, x) },
			func(x *corev1.Node) *corev1.Node {
				if x.Spec.Unschedulable {
					return x
				}
				return cordoned(x, env.Actor, time.Now())
			})
		if err != nil {
			return nil, fmt.Errorf("cordoning %s: %w", d.Node, err)
		}
		ref := nodeRef(n)
		progress(Step{Object: &ref, Ko: d.Node + " 격리 완료", En: "cordoned " + d.Node})
	}
	if n.Annotations[CordonedByAnnotation] != "" {
		outcome = &Outcome{Undo: &kubemedicv1.Action{Cluster: env.Cluster, Kind: &kubemedicv1.Action_Uncordon{Uncordon: &kubemedicv1.UncordonAction{Node: d.Node}}}}
	} else {
		outcome = &Outcome{}
	}

	var mu sync.Mutex
	evicted := 0
	started := func(pod *corev1.Pod, usingEviction bool) {
		ref := Ref{APIVersion: "v1", Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: string(pod.UID)}
		progress(Step{Object: &ref, Ko: "파드 " + pod.Namespace + "/" + pod.Name + " 축출 중", En: "evicting pod " + pod.Namespace + "/" + pod.Name})
	}
	finished := func(pod *corev1.Pod, usingEviction bool, err error) {
		ref := Ref{APIVersion: "v1", Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: string(pod.UID)}
		if err != nil {
			progress(Step{Object: &ref, Ko: "파드 " + pod.Namespace + "/" + pod.Name + " 축출 실패", En: "eviction of pod " + pod.Namespace + "/" + pod.Name + " failed", Err: err.Error()})
			return
		}
		mu.Lock()
		evicted++
		k := evicted
		mu.Unlock()
		progress(Step{Object: &ref,
			Ko: fmt.Sprintf("파드 %s/%s 축출 완료 (%d/%d)", pod.Namespace, pod.Name, k, len(st.Pods)),
			En: fmt.Sprintf("evicted pod %s/%s (%d/%d)", pod.Namespace, pod.Name, k, len(st.Pods))})
	}
	retries := &retryReporter{ctx: ctx, client: env.Reader, progress: progress, seen: map[string]time.Time{}}
	h := d.helper(ctx, env.Writer, d.timeout(env), cmdutil.DryRunNone, retries, started, finished)
	if err := drain.RunNodeDrain(h, d.Node); err != nil {
		left, _ := podsOn(ctx, env, d.Node)
		var names []string
		for _, p := range left {
			if slices.Contains(st.Pods, p.Namespace+"/"+p.Name) {
				names = append(names, p.Namespace+"/"+p.Name)
			}
		}
		bs, _ := budgets(ctx, env.Reader, left)
		var pdbs []string
		for _, b := range bs {
			pdbs = append(pdbs, b.String())
		}
		return outcome, fmt.Errorf("노드 %s 드레인이 끝나지 않았습니다; 노드는 격리된 채로 남고 파드 %d개가 남아 있습니다 [%s]; %s (drain of %s did not finish: %v; the node stays cordoned, %d planned pods remain: %s)",
			d.Node, len(names), strings.Join(names, ", "), strings.Join(pdbs, "; "), d.Node, err, len(names), strings.Join(pdbs, "; "))
	}
	ref := nodeRef(n)
	progress(Step{Object: &ref, Ko: fmt.Sprintf("%s 드레인 완료: 파드 %d개 축출", d.Node, evicted), En: fmt.Sprintf("drained %s: %d pods evicted", d.Node, evicted)})
	return outcome, nil
}

// retryReporter turns kubectl drain's retry messages (its ErrOut) into
// progress steps that name the PodDisruptionBudget holding the pod back.
type retryReporter struct {
	ctx      context.Context
	client   kubernetes.Interface
	progress Progress
	mu       sync.Mutex
	buf      bytes.Buffer
	seen     map[string]time.Time
}

var evictRetry = regexp.MustCompile(`evicting pods/"([^"]+)" -n "([^"]+)"`)

func (r *retryReporter) Write(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf.Write(b)
	for {
		line, err := r.buf.ReadString('\n')
		if errors.Is(err, io.EOF) {
			r.buf.WriteString(line) // keep the partial line
			return len(b), nil
		}
		r.report(strings.TrimSpace(line))
	}
}

func (r *retryReporter) report(line string) {
	m := evictRetry.FindStringSubmatch(line)
	if m == nil || !strings.Contains(line, "disruption budget") {
		if line != "" {
			r.progress(Step{Ko: "드레인 경고: " + line, En: "drain warning: " + line})
		}
		return
	}
	name, ns := m[1], m[2]
	who := "PodDisruptionBudget"
	if pod, err := r.client.CoreV1().Pods(ns).Get(r.ctx, name, metav1.GetOptions{}); err == nil {
		if bs, err := budgets(r.ctx, r.client, []corev1.Pod{*pod}); err == nil && len(bs) > 0 {
			var parts []string
			for _, b := range bs {
				parts = append(parts, b.String())
			}
			who = strings.Join(parts, ", ")
		}
	}
	ref := Ref{APIVersion: "v1", Kind: "Pod", Namespace: ns, Name: name}
	r.progress(Step{Object: &ref,
		Ko: fmt.Sprintf("파드 %s/%s 축출을 %s가 막고 있어 5초 후 다시 시도합니다", ns, name, who),
		En: fmt.Sprintf("eviction of pod %s/%s refused by %s; retrying in 5s", ns, name, who)})
}
