// Package command parses the text of kubemedic's Slack slash command (for
// example "/k8s scale shop/web 3") into typed command values.
//
// Parse never guesses a write: every action command (cordon, drain, scale,
// patch-cm, ...) must name its target explicitly and validly, or Parse returns
// a *UsageError that says, in Korean and English, what was wrong and how the
// command is written. Text that does not start with a known subcommand is a
// question (Ask), so "/k8s 파드가 계속 Pending이에요" just works.
package command

import (
	"fmt"
	"sort"
	"strings"
)

// Command is one parsed slash command. The concrete types are Ask, Help,
// Clusters, Diagnose, Cordon, Uncordon, Drain, Scale, PatchConfigMap,
// Restart, Approve, Reject, Undo and Sweep.
type Command interface {
	// Name is the canonical subcommand name, e.g. "patch-cm".
	Name() string
	// Describe summarises what the command asks for, in Korean ("ko") or
	// English (anything else).
	Describe(lang string) string
}

// Ask is a free-text question for the knowledge base.
type Ask struct {
	Question string
}

// Help asks for the command overview, or for one subcommand's usage when
// Topic names one.
type Help struct {
	Topic string
}

// Clusters lists the clusters kubemedic watches.
type Clusters struct{}

// Diagnose diagnoses a cluster, optionally one namespace of it. An empty
// Cluster means the channel's default cluster.
type Diagnose struct {
	Cluster   string
	Namespace string
}

// Cordon marks a node unschedulable.
type Cordon struct {
	Node string
}

// Uncordon marks a node schedulable again.
type Uncordon struct {
	Node string
}

// Drain cordons a node and evicts its pods.
type Drain struct {
	Node string
}

// Scale sets a Deployment's replica count.
type Scale struct {
	Namespace  string
	Deployment string
	Replicas   int32
}

// KeyValue is one ConfigMap entry to set.
type KeyValue struct {
	Key   string
	Value string
}

// PatchConfigMap sets entries of a ConfigMap, in the order given.
type PatchConfigMap struct {
	Namespace string
	ConfigMap string
	Data      []KeyValue
}

// Restart restarts a Deployment's pods with a rolling update.
type Restart struct {
	Namespace  string
	Deployment string
}

// Approve approves a remediation plan.
type Approve struct {
	PlanID string
}

// Reject rejects a remediation plan, optionally with a reason.
type Reject struct {
	PlanID string
	Reason string
}

// Undo reverts an execution.
type Undo struct {
	ExecutionID string
}

// Sweep diagnoses every cluster, or only the named ones, now.
type Sweep struct {
	Clusters []string
}

// Name implements Command.
func (Ask) Name() string { return "ask" }

// Name implements Command.
func (Help) Name() string { return "help" }

// Name implements Command.
func (Clusters) Name() string { return "clusters" }

// Name implements Command.
func (Diagnose) Name() string { return "diagnose" }

// Name implements Command.
func (Cordon) Name() string { return "cordon" }

// Name implements Command.
func (Uncordon) Name() string { return "uncordon" }

// Name implements Command.
func (Drain) Name() string { return "drain" }

// Name implements Command.
func (Scale) Name() string { return "scale" }

// Name implements Command.
func (PatchConfigMap) Name() string { return "patch-cm" }

// Name implements Command.
func (Restart) Name() string { return "restart" }

// Name implements Command.
func (Approve) Name() string { return "approve" }

// Name implements Command.
func (Reject) Name() string { return "reject" }

// Name implements Command.
func (Undo) Name() string { return "undo" }

// Name implements Command.
func (Sweep) Name() string { return "sweep" }

func pick(lang, ko, en string) string {
	if lang == "ko" {
		return ko
	}
	return en
}

// Describe implements Command.
func (c Ask) Describe(lang string) string {
	return pick(lang, "질문: ", "question: ") + c.Question
}

// Describe implements Command.
func (c Help) Describe(lang string) string {
	if c.Topic != "" {
		return pick(lang, "도움말: ", "help: ") + c.Topic
	}
	return pick(lang, "도움말", "help")
}

// Describe implements Command.
func (Clusters) Describe(lang string) string {
	return pick(lang, "클러스터 목록", "list clusters")
}

// Describe implements Command.
func (c Diagnose) Describe(lang string) string {
	cluster := c.Cluster
	if cluster == "" {
		cluster = pick(lang, "(채널 기본 클러스터)", "(channel default cluster)")
	}
	if c.Namespace == "" {
		return pick(lang, fmt.Sprintf("클러스터 %s 진단", cluster), fmt.Sprintf("diagnose cluster %s", cluster))
	}
	return pick(lang,
		fmt.Sprintf("클러스터 %s 의 네임스페이스 %s 진단", cluster, c.Namespace),
		fmt.Sprintf("diagnose namespace %s in cluster %s", c.Namespace, cluster))
}

// Describe implements Command.
func (c Cordon) Describe(lang string) string {
	return pick(lang, fmt.Sprintf("노드 %s cordon (스케줄링 중지)", c.Node), fmt.Sprintf("cordon node %s", c.Node))
}

// Describe implements Command.
func (c Uncordon) Describe(lang string) string {
	return pick(lang, fmt.Sprintf("노드 %s uncordon (스케줄링 재개)", c.Node), fmt.Sprintf("uncordon node %s", c.Node))
}

// Describe implements Command.
func (c Drain) Describe(lang string) string {
	return pick(lang, fmt.Sprintf("노드 %s drain (파드 축출)", c.Node), fmt.Sprintf("drain node %s", c.Node))
}

// Describe implements Command.
func (c Scale) Describe(lang string) string {
	return pick(lang,
		fmt.Sprintf("디플로이먼트 %s/%s 를 레플리카 %d 개로 조정", c.Namespace, c.Deployment, c.Replicas),
		fmt.Sprintf("scale deployment %s/%s to %d replicas", c.Namespace, c.Deployment, c.Replicas))
}

// Describe implements Command.
func (c PatchConfigMap) Describe(lang string) string {
	keys := make([]string, len(c.Data))
	for i, kv := range c.Data {
		keys[i] = kv.Key
	}
	return pick(lang,
		fmt.Sprintf("컨피그맵 %s/%s 의 키 %s 변경", c.Namespace, c.ConfigMap, strings.Join(keys, ", ")),
		fmt.Sprintf("set keys %s of configmap %s/%s", strings.Join(keys, ", "), c.Namespace, c.ConfigMap))
}

// Describe implements Command.
func (c Restart) Describe(lang string) string {
	return pick(lang,
		fmt.Sprintf("디플로이먼트 %s/%s 재시작 (rollout restart)", c.Namespace, c.Deployment),
		fmt.Sprintf("rollout restart deployment %s/%s", c.Namespace, c.Deployment))
}

// Describe implements Command.
func (c Approve) Describe(lang string) string {
	return pick(lang, "계획 승인: ", "approve plan ") + c.PlanID
}

// Describe implements Command.
func (c Reject) Describe(lang string) string {
	s := pick(lang, "계획 거절: ", "reject plan ") + c.PlanID
	if c.Reason != "" {
		s += pick(lang, " (사유: ", " (reason: ") + c.Reason + ")"
	}
	return s
}

// Describe implements Command.
func (c Undo) Describe(lang string) string {
	return pick(lang, "실행 되돌리기: ", "undo execution ") + c.ExecutionID
}

// Describe implements Command.
func (c Sweep) Describe(lang string) string {
	if len(c.Clusters) == 0 {
		return pick(lang, "전체 클러스터 점검", "sweep every cluster")
	}
	return pick(lang, "클러스터 점검: ", "sweep clusters ") + strings.Join(c.Clusters, ", ")
}

// Spec describes one subcommand for help texts and usage errors.
type Spec struct {
	// Name is the canonical subcommand name.
	Name string
	// Aliases are other words accepted for it (e.g. Korean ones).
	Aliases []string
	// Args is the argument synopsis, e.g. "<namespace>/<deployment> <replicas>".
	Args string
	// Ko and En are one-line explanations.
	Ko, En string
	// Example is a complete example of the arguments.
	Example string
	// Available is true when the command works at this stage; the others
	// are parsed and validated but answered with "not available yet".
	Available bool
}

// Usage returns "name args" for a slash command name such as "/k8s".
func (s Spec) Usage(slash string) string {
	u := strings.TrimSpace(slash + " " + s.Name)
	if s.Args != "" {
		u += " " + s.Args
	}
	return u
}

// Specs lists every subcommand in help order.
var Specs = []Spec{
	{Name: "ask", Aliases: []string{"질문"}, Args: "<질문 | question>", Ko: "지식 베이스에서 답을 찾습니다 (명령 없이 질문만 써도 됩니다)", En: "answers a question from the knowledge base (plain text works too)", Example: "파드가 계속 Pending이에요", Available: true},
	{Name: "clusters", Aliases: []string{"클러스터"}, Ko: "kubemedic이 관리하는 클러스터 목록", En: "lists the clusters kubemedic watches", Available: true},
	{Name: "help", Aliases: []string{"도움말", "?"}, Args: "[command]", Ko: "도움말", En: "shows this help", Example: "scale", Available: true},
	{Name: "diagnose", Aliases: []string{"진단"}, Args: "[cluster] [namespace]", Ko: "클러스터(또는 네임스페이스)를 진단합니다", En: "diagnoses a cluster or one namespace", Example: "prod shop"},
	{Name: "cordon", Args: "<node>", Ko: "노드에 새 파드가 스케줄되지 않게 합니다", En: "marks a node unschedulable", Example: "worker-1"},
	{Name: "uncordon", Args: "<node>", Ko: "노드 스케줄링을 재개합니다", En: "marks a node schedulable again", Example: "worker-1"},
	{Name: "drain", Args: "<node>", Ko: "노드를 cordon하고 파드를 축출합니다", En: "cordons a node and evicts its pods", Example: "worker-1"},
	{Name: "scale", Args: "<namespace>/<deployment> <replicas>", Ko: "디플로이먼트의 레플리카 수를 바꿉니다", En: "sets a deployment's replica count", Example: "shop/web 3"},
	{Name: "patch-cm", Args: "<namespace>/<configmap> key=value [key=value ...]", Ko: "컨피그맵의 키 값을 바꿉니다", En: "sets keys of a configmap", Example: `shop/web-config LOG_LEVEL=debug GREETING="hello world"`},
	{Name: "restart", Args: "<namespace>/<deployment>", Ko: "디플로이먼트를 롤링 재시작합니다", En: "rollout-restarts a deployment", Example: "shop/web"},
	{Name: "approve", Args: "<plan-id>", Ko: "조치 계획을 승인합니다", En: "approves a remediation plan", Example: "pl-7f3a9c"},
	{Name: "reject", Args: "<plan-id> [reason]", Ko: "조치 계획을 거절합니다", En: "rejects a remediation plan", Example: "pl-7f3a9c 점검 시간 아님"},
	{Name: "undo", Args: "<execution-id>", Ko: "실행한 조치를 되돌립니다", En: "reverts an execution", Example: "ex-41d2e0"},
	{Name: "sweep", Args: "[cluster ...]", Ko: "전체(또는 지정한) 클러스터를 지금 점검합니다", En: "sweeps every (or the named) cluster now", Example: "prod staging"},
}

// Lookup returns the Spec for a subcommand name or alias (case-insensitive).
func Lookup(word string) (Spec, bool) {
	w := strings.ToLower(word)
	for _, s := range Specs {
		if s.Name == w {
			return s, true
		}
		for _, a := range s.Aliases {
			if a == w {
				return s, true
			}
		}
	}
	return Spec{}, false
}

// Names returns the canonical subcommand names, sorted.
func Names() []string {
	n := make([]string, len(Specs))
	for i, s := range Specs {
		n[i] = s.Name
	}
	sort.Strings(n)
	return n
}
