// Package command parses the text of kubemedic's Slack slash command (for
// example "/k8s scale shop/web 3") into typed command values.
//
// Every subcommand is one entry of the table in spec.go: its words, usage,
// help text and the function that parses its arguments. Parse never guesses a write: every action command (cordon, drain, scale,
// patch-cm, ...) must name its target explicitly and validly, or Parse returns
// a *UsageError that says, in Korean and English, what was wrong and how the
// command is written. Text that does not start with a known subcommand is a
// question (Ask), so "/k8s 파드가 계속 Pending이에요" just works.
package command

import (
	"fmt"
	"strings"

	"github.com/kubemedic/kubemedic/bot/language"
)

// Command is one parsed slash command. The concrete types are Ask, Help,
// Clusters, Diagnose, Cordon, Uncordon, Drain, Scale, PatchConfigMap,
// Restart, Approve, Reject, Undo, Sweep and Audit.
type Command interface {
	// Name is the canonical subcommand name, e.g. "patch-cm".
	Name() string
	// Describe summarises what the command asks for, in Korean ("ko") or
	// English ("en").
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

// Keys returns the keys set, in order.
func (c PatchConfigMap) Keys() []string {
	keys := make([]string, 0, len(c.Data))
	for _, kv := range c.Data {
		keys = append(keys, kv.Key)
	}
	return keys
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

// Audit lists the audit log, optionally of one plan.
type Audit struct {
	PlanID string
}

// Name implements Command.
func (Audit) Name() string { return "audit" }

// Describe implements Command.
func (c Audit) Describe(lang string) string {
	if c.PlanID == "" {
		return language.Pick(lang, "감사 기록", "audit log")
	}
	return language.Pick(lang, "계획 감사 기록: ", "audit log of plan ") + c.PlanID
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

// Describe implements Command.
func (c Ask) Describe(lang string) string {
	return language.Pick(lang, "질문: ", "question: ") + c.Question
}

// Describe implements Command.
func (c Help) Describe(lang string) string {
	if c.Topic != "" {
		return language.Pick(lang, "도움말: ", "help: ") + c.Topic
	}
	return language.Pick(lang, "도움말", "help")
}

// Describe implements Command.
func (Clusters) Describe(lang string) string {
	return language.Pick(lang, "클러스터 목록", "list clusters")
}

// Describe implements Command.
func (c Diagnose) Describe(lang string) string {
	cluster := c.Cluster
	if cluster == "" {
		cluster = language.Pick(lang, "(채널 기본 클러스터)", "(channel default cluster)")
	}
	if c.Namespace == "" {
		return language.Pick(lang, fmt.Sprintf("클러스터 %s 진단", cluster), fmt.Sprintf("diagnose cluster %s", cluster))
	}
	return language.Pick(lang,
		fmt.Sprintf("클러스터 %s 의 네임스페이스 %s 진단", cluster, c.Namespace),
		fmt.Sprintf("diagnose namespace %s in cluster %s", c.Namespace, cluster))
}

// Describe implements Command.
func (c Cordon) Describe(lang string) string {
	return language.Pick(lang, fmt.Sprintf("노드 %s cordon (스케줄링 중지)", c.Node), fmt.Sprintf("cordon node %s", c.Node))
}

// Describe implements Command.
func (c Uncordon) Describe(lang string) string {
	return language.Pick(lang, fmt.Sprintf("노드 %s uncordon (스케줄링 재개)", c.Node), fmt.Sprintf("uncordon node %s", c.Node))
}

// Describe implements Command.
func (c Drain) Describe(lang string) string {
	return language.Pick(lang, fmt.Sprintf("노드 %s drain (파드 축출)", c.Node), fmt.Sprintf("drain node %s", c.Node))
}

// Describe implements Command.
func (c Scale) Describe(lang string) string {
	return language.Pick(lang,
		fmt.Sprintf("디플로이먼트 %s/%s 를 레플리카 %d 개로 조정", c.Namespace, c.Deployment, c.Replicas),
		fmt.Sprintf("scale deployment %s/%s to %d replicas", c.Namespace, c.Deployment, c.Replicas))
}

// Describe implements Command.
func (c PatchConfigMap) Describe(lang string) string {
	keys := c.Keys()
	return language.Pick(lang,
		fmt.Sprintf("컨피그맵 %s/%s 의 키 %s 변경", c.Namespace, c.ConfigMap, strings.Join(keys, ", ")),
		fmt.Sprintf("set keys %s of configmap %s/%s", strings.Join(keys, ", "), c.Namespace, c.ConfigMap))
}

// Describe implements Command.
func (c Restart) Describe(lang string) string {
	return language.Pick(lang,
		fmt.Sprintf("디플로이먼트 %s/%s 재시작 (rollout restart)", c.Namespace, c.Deployment),
		fmt.Sprintf("rollout restart deployment %s/%s", c.Namespace, c.Deployment))
}

// Describe implements Command.
func (c Approve) Describe(lang string) string {
	return language.Pick(lang, "계획 승인: ", "approve plan ") + c.PlanID
}

// Describe implements Command.
func (c Reject) Describe(lang string) string {
	s := language.Pick(lang, "계획 거절: ", "reject plan ") + c.PlanID
	if c.Reason != "" {
		s += language.Pick(lang, " (사유: ", " (reason: ") + c.Reason + ")"
	}
	return s
}

// Describe implements Command.
func (c Undo) Describe(lang string) string {
	return language.Pick(lang, "실행 되돌리기: ", "undo execution ") + c.ExecutionID
}

// Describe implements Command.
func (c Sweep) Describe(lang string) string {
	if len(c.Clusters) == 0 {
		return language.Pick(lang, "전체 클러스터 점검", "sweep every cluster")
	}
	return language.Pick(lang, "클러스터 점검: ", "sweep clusters ") + strings.Join(c.Clusters, ", ")
}
