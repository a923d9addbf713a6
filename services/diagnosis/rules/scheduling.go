package rules

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

// Scheduling sub-reasons of PodUnschedulable.
const (
	ReasonInsufficientCPU      = "InsufficientCPU"
	ReasonInsufficientMemory   = "InsufficientMemory"
	ReasonHostPortConflict     = "HostPortConflict"
	ReasonNodeSelectorMismatch = "NodeSelectorMismatch"
	ReasonTaint                = "Taint"
	ReasonPVC                  = "PVC"
	ReasonOther                = "Other"
)

// scheduling finds pods the scheduler cannot place (PodUnschedulable, from
// the PodScheduled=False/Unschedulable condition the scheduler writes) and
// pods held by scheduling gates (PodSchedulingGated).
var scheduling = Rule{
	Name:  "scheduling",
	Codes: []string{"PodUnschedulable", "PodSchedulingGated"},
	Reads: []string{cluster.KindPod, cluster.KindNode, cluster.KindPersistentVolumeClaim,
		cluster.KindReplicaSet, cluster.KindDeployment, cluster.KindStatefulSet, cluster.KindDaemonSet, cluster.KindJob},
	About: []string{cluster.KindPod, cluster.KindDeployment, cluster.KindReplicaSet, cluster.KindStatefulSet,
		cluster.KindDaemonSet, cluster.KindJob},
	Check: checkScheduling,
}

func checkScheduling(in *Input) []*kubemedicv1.Finding {
	var issues []podIssue
	var usage map[string]nodeUsage
	seen := map[string]podIssue{}
	for _, ns := range in.scan() {
		for _, p := range in.State.Pods(ns) {
			if p.Spec.NodeName != "" || p.Status.Phase != corev1.PodPending || p.DeletionTimestamp != nil {
				continue
			}
			if len(p.Spec.SchedulingGates) > 0 {
				issues = append(issues, gatedIssue(p))
				continue
			}
			cond := podCondition(p, corev1.PodScheduled)
			if cond == nil || cond.Status != corev1.ConditionFalse || cond.Reason != corev1.PodReasonUnschedulable {
				continue
			}
			// Replicas of one controller with the same scheduler message
			// share the cause; work it out once (nodes × pods otherwise).
			key := ""
			if ref := metav1.GetControllerOf(p); ref != nil {
				key = string(ref.UID) + "\x00" + cond.Message
				if is, ok := seen[key]; ok {
					is.pod = p
					is.evidence = schedulingEvidence(in, p, cond)
					issues = append(issues, is)
					continue
				}
			}
			if usage == nil {
				usage = usageByNode(in.State.Pods(""))
			}
			is := unschedulableIssue(in, p, cond, usage)
			if key != "" {
				seen[key] = is
			}
			issues = append(issues, is)
		}
	}
	return rollup(in, issues)
}

func podCondition(p *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == t {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

func gatedIssue(p *corev1.Pod) podIssue {
	gates := make([]string, len(p.Spec.SchedulingGates))
	for i, g := range p.Spec.SchedulingGates {
		gates[i] = g.Name
	}
	list := strings.Join(gates, ", ")
	return podIssue{
		pod: p, code: "PodSchedulingGated", sev: warning,
		whatKo: "스케줄링 게이트에 막혀 대기 중", whatEn: "held by scheduling gates",
		causeKo:  fmt.Sprintf("schedulingGates %d개(%s)이(가) 제거되지 않아 스케줄러가 파드를 배치하지 않습니다. 게이트를 건 컨트롤러가 동작하는지 확인하세요.", len(gates), list),
		causeEn:  fmt.Sprintf("%d scheduling gate(s) (%s) are still set, so the scheduler will not place the pod. Check the controller that owns the gate.", len(gates), list),
		evidence: []*kubemedicv1.Evidence{fieldEvidence("spec.schedulingGates", "SchedulingGated", list)},
	}
}

// schedulerReason maps one clause of a FailedScheduling message to a
// sub-reason.
var schedulerReasons = []struct {
	pattern *regexp.Regexp
	reason  string
}{
	{regexp.MustCompile(`(?i)insufficient cpu`), ReasonInsufficientCPU},
	{regexp.MustCompile(`(?i)insufficient memory`), ReasonInsufficientMemory},
	{regexp.MustCompile(`(?i)free ports`), ReasonHostPortConflict},
	{regexp.MustCompile(`(?i)node affinity/selector|node\(s\) didn't match node selector`), ReasonNodeSelectorMismatch},
	{regexp.MustCompile(`(?i)taint|were unschedulable`), ReasonTaint},
	{regexp.MustCompile(`(?i)persistentvolumeclaim|volume node affinity|bind volumes|volume binding`), ReasonPVC},
}

var clauseCount = regexp.MustCompile(`^(\d+)\s+(.*)$`)

// parseScheduler reads a message such as "0/3 nodes are available: 1
// node(s) had untolerated taint {x: }, 2 Insufficient cpu. preemption: ..."
// into node counts per sub-reason. Selector mismatches and taints (including
// cordons) only narrow the candidates — a node the pod was never meant for,
// or one excluded for its own state — and are counted in filters; resources,
// ports and volumes are counted in causes. Clauses without counts (unbound
// PVCs) count once.
func parseScheduler(msg string) (causes, filters map[string]int) {
	body := msg
	if i := strings.Index(body, "are available: "); i >= 0 {
		body = body[i+len("are available: "):]
	}
	if i := strings.Index(body, " preemption:"); i >= 0 {
		body = body[:i]
	}
	body = strings.TrimSuffix(strings.TrimSpace(body), ".")
	causes, filters = map[string]int{}, map[string]int{}
	for _, clause := range splitClauses(body) {
		n := 1
		text := clause
		if m := clauseCount.FindStringSubmatch(strings.TrimSpace(clause)); m != nil {
			n, _ = strconv.Atoi(m[1])
			text = m[2]
		}
		for _, r := range schedulerReasons {
			if !r.pattern.MatchString(text) {
				continue
			}
			if r.reason == ReasonNodeSelectorMismatch || r.reason == ReasonTaint {
				filters[r.reason] += n
			} else {
				causes[r.reason] += n
			}
			break
		}
	}
	return causes, filters
}

// pickReason returns the cause excluding the most nodes, ties broken by the
// order of schedulerReasons; without causes, the largest filter.
func pickReason(causes, filters map[string]int) (reason string, nodes int) {
	if len(causes) == 0 {
		causes = filters
	}
	reason = ReasonOther
	for _, r := range schedulerReasons {
		if causes[r.reason] > nodes {
			reason, nodes = r.reason, causes[r.reason]
		}
	}
	return reason, nodes
}

// schedulerCause picks the sub-reason for pod p. When some nodes lack
// resources, free ports or volumes, that is the cause: the tainted and
// unselected nodes were never candidates. Otherwise the pod was excluded
// everywhere by selectors and taints; the scheduler reports taints before
// selectors, so with a nodeSelector the nodes that match it decide: none
// match → NodeSelectorMismatch, they are tainted → Taint.
func schedulerCause(p *corev1.Pod, nodes []*corev1.Node, msg string) (string, int) {
	causes, filters := parseScheduler(msg)
	if len(causes) == 0 && len(p.Spec.NodeSelector) > 0 && len(nodes) > 0 {
		sel := labels.SelectorFromSet(p.Spec.NodeSelector)
		eligible, tainted := 0, 0
		for _, n := range nodes {
			if !sel.Matches(labels.Set(n.Labels)) {
				continue
			}
			eligible++
			if n.Spec.Unschedulable || untolerated(p, n, true) {
				tainted++
			}
		}
		switch {
		case eligible == 0:
			return ReasonNodeSelectorMismatch, len(nodes)
		case tainted > 0:
			return ReasonTaint, tainted
		}
	}
	return pickReason(causes, filters)
}

// untolerated reports whether n has a NoSchedule/NoExecute taint p does not
// tolerate; system says whether taints nodes get for their own state count.
func untolerated(p *corev1.Pod, n *corev1.Node, system bool) bool {
	for _, t := range n.Spec.Taints {
		if t.Effect == corev1.TaintEffectPreferNoSchedule || !system && systemTaint.MatchString(t.Key) {
			continue
		}
		tolerated := false
		for _, tol := range p.Spec.Tolerations {
			if tol.ToleratesTaint(&t) {
				tolerated = true
				break
			}
		}
		if !tolerated {
			return true
		}
	}
	return false
}

// systemTaint matches taints nodes carry for their own state, not to keep
// particular pods away.
var systemTaint = regexp.MustCompile(`node\.kubernetes\.io/|node\.cloudprovider\.kubernetes\.io/|node-role\.kubernetes\.io/control-plane|were unschedulable`)

// splitClauses splits on ", " outside taint braces ("{a: b, c: d}").
func splitClauses(body string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '{':
			depth++
		case '}':
			depth--
		case ',':
			if depth == 0 && i+1 < len(body) && body[i+1] == ' ' {
				out = append(out, body[start:i])
				start = i + 2
			}
		}
	}
	return append(out, body[start:])
}

// messageTaints lists the taints a scheduler message names.
var messageTaints = regexp.MustCompile(`untolerated taint\(?s?\)? (\{[^}]*\})`)

func unschedulableIssue(in *Input, p *corev1.Pod, cond *corev1.PodCondition, usage map[string]nodeUsage) podIssue {
	nodes := in.State.Nodes()
	reason, excluded := schedulerCause(p, nodes, cond.Message)
	is := podIssue{pod: p, code: "PodUnschedulable", reason: reason, sev: errorSev}
	is.evidence = schedulingEvidence(in, p, cond)
	total := len(nodes)
	reqCPU, reqMem := podRequests(p)
	switch reason {
	case ReasonInsufficientCPU, ReasonInsufficientMemory:
		var bestFree, bestAlloc int64 = -1, 0
		for _, n := range candidates(p, nodes) {
			var alloc, used int64
			if reason == ReasonInsufficientCPU {
				alloc, used = milli(n.Status.Allocatable[corev1.ResourceCPU]), usage[n.Name].cpu
			} else {
				alloc, used = n.Status.Allocatable.Memory().Value(), usage[n.Name].mem
			}
			if free := max(alloc-used, 0); free > bestFree {
				bestFree, bestAlloc = free, alloc
			}
		}
		bestFree = max(bestFree, 0)
		var resKo, resEn, req, free, alloc string
		if reason == ReasonInsufficientCPU {
			resKo, resEn = "CPU", "CPU"
			req, free, alloc = cores(reqCPU), cores(bestFree), cores(bestAlloc)
		} else {
			resKo, resEn = "메모리", "memory"
			req, free, alloc = bytesHuman(reqMem), bytesHuman(bestFree), bytesHuman(bestAlloc)
		}
		is.whatKo = fmt.Sprintf("스케줄 불가 (%s 부족)", resKo)
		is.whatEn = fmt.Sprintf("cannot be scheduled (insufficient %s)", resEn)
		scope := fmt.Sprintf("노드 %d개 중 %d개", total, excluded)
		scopeEn := fmt.Sprintf("%d of %d nodes", excluded, total)
		if excluded >= total {
			scope, scopeEn = fmt.Sprintf("노드 %d개 모두", total), fmt.Sprintf("all %d nodes", total)
		}
		is.causeKo = fmt.Sprintf("%s %s 부족: 요청 %s, 노드당 여유 최대 %s (가장 여유 있는 노드의 allocatable %s).", scope, resKo, req, free, alloc)
		is.causeEn = fmt.Sprintf("%s lack %s: the pod requests %s, the most any node has free is %s (that node's allocatable %s).", scopeEn, resEn, req, free, alloc)
		var needBigger bool
		if reason == ReasonInsufficientCPU {
			needBigger = reqCPU > bestAlloc
		} else {
			needBigger = reqMem > bestAlloc
		}
		if needBigger {
			is.causeKo += " 요청이 어떤 노드의 allocatable보다도 커서 노드를 늘려도 배치될 수 없습니다: 요청을 줄이거나 더 큰 노드 풀을 추가하세요."
			is.causeEn += " The request exceeds every node's allocatable, so adding nodes of this size will not help: lower the request or add a larger node pool."
		} else {
			is.causeKo += " 요청을 줄이거나, 노드를 추가하거나, 레플리카 수를 줄이세요."
			is.causeEn += " Lower the request, add nodes, or run fewer replicas."
		}
		is.actions = scaleToScheduled(in)
	case ReasonHostPortConflict:
		ports := hostPorts(p)
		is.whatKo, is.whatEn = "스케줄 불가 (hostPort 충돌)", "cannot be scheduled (hostPort conflict)"
		is.causeKo = fmt.Sprintf("hostPort %s을(를) 쓸 수 있는 노드가 없습니다: 노드 %d개 중 %d개에서 이미 사용 중입니다. hostPort를 빼거나 노드를 늘리세요.", ports, total, excluded)
		is.causeEn = fmt.Sprintf("No node has hostPort %s free: it is taken on %d of %d nodes. Drop the hostPort or add nodes.", ports, excluded, total)
		is.actions = scaleToScheduled(in)
	case ReasonNodeSelectorMismatch:
		sel := selectorText(p.Spec.NodeSelector)
		is.whatKo, is.whatEn = "스케줄 불가 (nodeSelector/affinity 불일치)", "cannot be scheduled (node selector/affinity mismatch)"
		is.causeKo = fmt.Sprintf("노드 %d개 중 %d개가 파드의 nodeSelector/affinity(%s)과(와) 맞지 않습니다. 노드 레이블이나 파드의 선택 조건을 고치세요.", total, excluded, sel)
		is.causeEn = fmt.Sprintf("%d of %d nodes do not match the pod's node selector/affinity (%s). Fix the node labels or the pod's selector.", excluded, total, sel)
	case ReasonTaint:
		taints := untoleratedTaints(p, nodes)
		if len(p.Spec.NodeSelector) > 0 {
			// Only the nodes the pod selects matter.
			sel := labels.SelectorFromSet(p.Spec.NodeSelector)
			var selected []*corev1.Node
			for _, n := range nodes {
				if sel.Matches(labels.Set(n.Labels)) {
					selected = append(selected, n)
				}
			}
			taints = untoleratedTaints(p, selected)
		} else if m := messageTaints.FindAllStringSubmatch(cond.Message, -1); len(m) > 0 {
			var named []string
			for _, x := range m {
				if !systemTaint.MatchString(x[1]) {
					named = append(named, x[1])
				}
			}
			if len(named) > 0 {
				taints = strings.Join(named, ", ")
			}
		}
		is.whatKo, is.whatEn = "스케줄 불가 (허용하지 않는 taint)", "cannot be scheduled (untolerated taint)"
		is.causeKo = fmt.Sprintf("노드 %d개 중 %d개에 파드가 허용(toleration)하지 않는 taint가 있습니다: %s. toleration을 추가하거나 taint/cordon을 해제하세요.", total, excluded, taints)
		is.causeEn = fmt.Sprintf("%d of %d nodes have taints the pod does not tolerate: %s. Add a toleration or remove the taint/cordon.", excluded, total, taints)
	case ReasonPVC:
		detail, detailEn := pvcProblems(in, p)
		is.whatKo, is.whatEn = "스케줄 불가 (PVC 문제)", "cannot be scheduled (PersistentVolumeClaim problem)"
		is.causeKo = "파드가 쓰는 볼륨을 바인딩할 수 없습니다: " + detail
		is.causeEn = "The pod's volumes cannot be bound: " + detailEn
	default:
		is.whatKo, is.whatEn = "스케줄 불가", "cannot be scheduled"
		is.causeKo = fmt.Sprintf("스케줄러가 파드를 배치하지 못했습니다: %s", cond.Message)
		is.causeEn = fmt.Sprintf("The scheduler cannot place the pod: %s", cond.Message)
	}
	return is
}

// candidates are the nodes the scheduler could have used for p but for its
// resources: Ready, schedulable, matching the nodeSelector, no untolerated
// taint. Free capacity is reported over these only.
func candidates(p *corev1.Pod, nodes []*corev1.Node) []*corev1.Node {
	sel := labels.SelectorFromSet(p.Spec.NodeSelector)
	var out []*corev1.Node
	for _, n := range nodes {
		if n.Spec.Unschedulable || !nodeReady(n) || !sel.Matches(labels.Set(n.Labels)) || untolerated(p, n, true) {
			continue
		}
		out = append(out, n)
	}
	return out
}

// schedulingEvidence is the scheduler's condition and FailedScheduling events.
func schedulingEvidence(in *Input, p *corev1.Pod, cond *corev1.PodCondition) []*kubemedicv1.Evidence {
	ev := []*kubemedicv1.Evidence{conditionEvidence("status.conditions", string(cond.Type), string(cond.Status), cond.Reason, cond.Message, cond.LastTransitionTime.Time)}
	return append(ev, eventEvidence(in.State.Events(cluster.KindPod, p.Namespace, p.Name, p.UID), 2, warningEvents("FailedScheduling"))...)
}

// scaleToScheduled suggests scaling a Deployment/StatefulSet down to the
// number of its pods that did get a node, when that is at least one.
func scaleToScheduled(in *Input) func(owner object, pending int) []*kubemedicv1.Action {
	return func(owner object, pending int) []*kubemedicv1.Action {
		if owner.kind != "Deployment" && owner.kind != "StatefulSet" {
			return nil
		}
		scheduled := 0
		for _, p := range podsOf(in, owner.meta.GetNamespace(), owner.meta, owner.kind) {
			if p.Spec.NodeName != "" && !terminated(p) {
				scheduled++
			}
		}
		if scheduled == 0 {
			return nil
		}
		return []*kubemedicv1.Action{scaleAction(in, owner.meta.GetNamespace(), owner.kind, owner.meta.GetName(), int32(scheduled))}
	}
}

func hostPorts(p *corev1.Pod) string {
	var ports []string
	for _, c := range p.Spec.Containers {
		for _, port := range c.Ports {
			if port.HostPort != 0 {
				ports = append(ports, fmt.Sprintf("%d/%s", port.HostPort, protocolOr(port.Protocol)))
			}
		}
	}
	if len(ports) == 0 {
		return "?"
	}
	return strings.Join(ports, ", ")
}

func protocolOr(p corev1.Protocol) string {
	if p == "" {
		return "TCP"
	}
	return string(p)
}

func selectorText(sel map[string]string) string {
	if len(sel) == 0 {
		return "affinity"
	}
	parts := make([]string, 0, len(sel))
	for k, v := range sel {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// untoleratedTaints lists distinct NoSchedule/NoExecute taints on nodes the
// pod does not tolerate, with how many nodes carry each.
func untoleratedTaints(p *corev1.Pod, nodes []*corev1.Node) string {
	count := map[string]int{}
	for _, n := range nodes {
		for _, t := range n.Spec.Taints {
			if t.Effect == corev1.TaintEffectPreferNoSchedule {
				continue
			}
			tolerated := false
			for _, tol := range p.Spec.Tolerations {
				if tol.ToleratesTaint(&t) {
					tolerated = true
					break
				}
			}
			if !tolerated {
				count[t.Key+"="+t.Value+":"+string(t.Effect)]++
			}
		}
	}
	if len(count) == 0 {
		return "?"
	}
	keys := make([]string, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		keys[i] = fmt.Sprintf("%s (%d)", k, count[k])
	}
	return strings.Join(keys, ", ")
}

// pvcProblems names each claim the pod uses that is missing or not bound.
func pvcProblems(in *Input, p *corev1.Pod) (ko, en string) {
	var kos, ens []string
	for _, v := range p.Spec.Volumes {
		if v.PersistentVolumeClaim == nil {
			continue
		}
		name := v.PersistentVolumeClaim.ClaimName
		c := in.State.PersistentVolumeClaim(p.Namespace, name)
		switch {
		case c == nil && !in.State.Collected(cluster.KindPersistentVolumeClaim):
			continue
		case c == nil:
			kos = append(kos, fmt.Sprintf("PVC %s이(가) 없습니다", name))
			ens = append(ens, fmt.Sprintf("PVC %s does not exist", name))
		case c.Status.Phase != corev1.ClaimBound:
			sc := "(기본)"
			if c.Spec.StorageClassName != nil {
				sc = *c.Spec.StorageClassName
			}
			kos = append(kos, fmt.Sprintf("PVC %s이(가) %s 상태입니다 (StorageClass %s)", name, c.Status.Phase, sc))
			ens = append(ens, fmt.Sprintf("PVC %s is %s (StorageClass %s)", name, c.Status.Phase, sc))
		}
	}
	if len(kos) == 0 {
		return "PVC가 바인딩되지 않았거나 볼륨의 노드 affinity가 맞지 않습니다.", "a claim is unbound or the volume's node affinity does not match."
	}
	return strings.Join(kos, "; ") + ".", strings.Join(ens, "; ") + "."
}
