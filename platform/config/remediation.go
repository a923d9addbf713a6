package config

import (
	"fmt"
	"slices"
	"time"
)

// Remediation configures guarded remediation. The zero value is safe: only
// the local admin token may plan and approve, kube-system is protected,
// control-plane nodes are refused, and the limits below apply.
//
//	remediation:
//	  rules:
//	    - groups: [sre]
//	      verbs: [plan, approve]
//	      actions: ["*"]
//	    - users: [alice@example.com]
//	      verbs: [plan]
//	      actions: [scale, rollout-restart]
//	      clusters: [prod]
//	      namespaces: [shop]
//	  allowed_objects: ["ConfigMap kube-system/ncloud-config"]
//	  approvals: {high: 2}
type Remediation struct {
	// Paused refuses every new plan, approval and execution (a pause switch;
	// it can also be flipped at run time). Env: KUBEMEDIC_REMEDIATION_PAUSED.
	// Default: false.
	Paused bool `json:"paused,omitempty"`
	// Rules say who may plan and approve which actions where. A request is
	// allowed when any rule matches it. Default: one rule letting the token
	// "local-admin" (the all-in-one server's local token) plan and approve
	// everything; nobody else may do anything.
	Rules []RemediationRule `json:"rules,omitempty"`
	// ProtectedNamespaces are namespaces no action may touch, except the
	// objects listed in AllowedObjects. Default: [kube-system].
	ProtectedNamespaces []string `json:"protected_namespaces,omitempty"`
	// AllowedObjects are exceptions inside protected namespaces, written
	// "Kind namespace/name", e.g. "ConfigMap kube-system/ncloud-config".
	// Default: none.
	AllowedObjects []string `json:"allowed_objects,omitempty"`
	// ProtectedObjects are objects no action may touch, written "Kind
	// namespace/name" or "Node name". Default: none.
	ProtectedObjects []string `json:"protected_objects,omitempty"`
	// AllowControlPlaneNodes lets node actions target control-plane nodes.
	// Default: false (refused).
	AllowControlPlaneNodes bool `json:"allow_control_plane_nodes,omitempty"`
	// Approvals is how many distinct approvers each risk level needs.
	Approvals Approvals `json:"approvals,omitempty"`
	// Limits bound the blast radius.
	Limits RemediationLimits `json:"limits,omitempty"`
	// PlanTTL is how long a plan can be approved and executed. Default: 15m.
	PlanTTL Duration `json:"plan_ttl,omitempty"`
	// DrainTimeout bounds a drain (PDB retries included) when the action
	// gives none. Default: 5m.
	DrainTimeout Duration `json:"drain_timeout,omitempty"`
	// LocalAdmin is the Kubernetes identity the all-in-one server's local
	// admin token acts as (and impersonates). Default: user $USER, no groups.
	LocalAdmin LocalAdmin `json:"local_admin,omitempty"`
}

// LocalAdmin is the identity of the local admin token.
type LocalAdmin struct {
	// KubernetesUser is the user to impersonate. Default: $USER (or
	// "kubemedic-local-admin").
	KubernetesUser string `json:"kubernetes_user,omitempty"`
	// KubernetesGroups are the groups to impersonate. Default: none.
	KubernetesGroups []string `json:"kubernetes_groups,omitempty"`
}

// RemediationRule grants verbs on actions to identities. Empty Users,
// Groups and Tokens match nobody; "*" matches anything in every list.
type RemediationRule struct {
	// Users are Kubernetes user names. Default: none.
	Users []string `json:"users,omitempty"`
	// Groups are Kubernetes groups. Default: none.
	Groups []string `json:"groups,omitempty"`
	// Tokens are API token names (gateway.tokens[].name). Default: none.
	Tokens []string `json:"tokens,omitempty"`
	// Verbs are plan and/or approve. Required.
	Verbs []string `json:"verbs"`
	// Actions are cordon, uncordon, drain, scale, patch-configmap,
	// rollout-restart, delete-pod or "*". Required.
	Actions []string `json:"actions"`
	// Clusters the rule applies to. Default: all.
	Clusters []string `json:"clusters,omitempty"`
	// Namespaces the rule applies to; node actions match "" (cluster
	// scope) and "*". Default: all.
	Namespaces []string `json:"namespaces,omitempty"`
}

// Approvals sets approval counts per risk level.
type Approvals struct {
	// Low is the number of approvals a low-risk plan needs (cordon,
	// uncordon, scale within bounds, rollout restart); the requester may be
	// one of them. Default: 1.
	Low int `json:"low,omitempty"`
	// High is the number of approvals a high-risk plan needs (drain,
	// ConfigMap patch, pod delete, scale to 0 or out of bounds); approvers
	// must differ from the requester. Default: 1.
	High int `json:"high,omitempty"`
}

// RemediationLimits bound the blast radius of node and workload actions.
type RemediationLimits struct {
	// MaxCordonedNodes caps cordoned nodes in a cluster after an action.
	// Default: 3.
	MaxCordonedNodes int `json:"max_cordoned_nodes,omitempty"`
	// MaxCordonedPercent caps cordoned nodes as a share of all nodes,
	// 1..100. Default: 34.
	MaxCordonedPercent int `json:"max_cordoned_percent,omitempty"`
	// MaxNotReadyPercent refuses node actions while more than this share of
	// nodes is NotReady, 0..100. Default: 20.
	MaxNotReadyPercent int `json:"max_not_ready_percent,omitempty"`
	// MaxReplicas is the upper bound of a low-risk scale; more is high risk.
	// Default: 20.
	MaxReplicas int `json:"max_replicas,omitempty"`
	// Cooldown is the time after an execution during which the same target
	// cannot be acted on again. Default: 2m.
	Cooldown Duration `json:"cooldown,omitempty"`
	// LockTTL bounds a per-target lock held by an execution, so a crashed
	// process cannot block a target for ever. Default: 15m.
	LockTTL Duration `json:"lock_ttl,omitempty"`
}

// RemediationVerbs and RemediationActions are the allowed values in rules.
var (
	RemediationVerbs   = []string{"plan", "approve"}
	RemediationActions = []string{"cordon", "uncordon", "drain", "scale", "patch-configmap", "rollout-restart", "delete-pod"}
)

// LocalAdminToken is the name of the all-in-one server's local API token.
const LocalAdminToken = "local-admin"

func (r *Remediation) setDefaults() {
	if r.Rules == nil {
		r.Rules = []RemediationRule{{Tokens: []string{LocalAdminToken}, Verbs: []string{"plan", "approve"}, Actions: []string{"*"}}}
	}
	if r.ProtectedNamespaces == nil {
		r.ProtectedNamespaces = []string{"kube-system"}
	}
	if r.Approvals.Low == 0 {
		r.Approvals.Low = 1
	}
	if r.Approvals.High == 0 {
		r.Approvals.High = 1
	}
	l := &r.Limits
	if l.MaxCordonedNodes == 0 {
		l.MaxCordonedNodes = 3
	}
	if l.MaxCordonedPercent == 0 {
		l.MaxCordonedPercent = 34
	}
	if l.MaxNotReadyPercent == 0 {
		l.MaxNotReadyPercent = 20
	}
	if l.MaxReplicas == 0 {
		l.MaxReplicas = 20
	}
	if l.Cooldown.Duration == 0 {
		l.Cooldown.Duration = 2 * time.Minute
	}
	if l.LockTTL.Duration == 0 {
		l.LockTTL.Duration = 15 * time.Minute
	}
	if r.PlanTTL.Duration == 0 {
		r.PlanTTL.Duration = 15 * time.Minute
	}
	if r.DrainTimeout.Duration == 0 {
		r.DrainTimeout.Duration = 5 * time.Minute
	}
}

func (r *Remediation) validate() []error {
	var errs []error
	for i, rule := range r.Rules {
		if len(rule.Users)+len(rule.Groups)+len(rule.Tokens) == 0 {
			errs = append(errs, fmt.Errorf("remediation.rules[%d]: name users, groups or tokens", i))
		}
		if len(rule.Verbs) == 0 {
			errs = append(errs, fmt.Errorf("remediation.rules[%d].verbs is required (plan, approve)", i))
		}
		for _, v := range rule.Verbs {
			if !slices.Contains(RemediationVerbs, v) {
				errs = append(errs, fmt.Errorf("remediation.rules[%d].verbs: %q: want plan or approve", i, v))
			}
		}
		if len(rule.Actions) == 0 {
			errs = append(errs, fmt.Errorf("remediation.rules[%d].actions is required (e.g. [\"*\"])", i))
		}
		for _, a := range rule.Actions {
			if a != "*" && !slices.Contains(RemediationActions, a) {
				errs = append(errs, fmt.Errorf("remediation.rules[%d].actions: %q: want one of %v or \"*\"", i, a, RemediationActions))
			}
		}
	}
	if r.Approvals.Low < 1 || r.Approvals.High < 1 {
		errs = append(errs, fmt.Errorf("remediation.approvals: low (%d) and high (%d) must be at least 1", r.Approvals.Low, r.Approvals.High))
	}
	l := r.Limits
	if l.MaxCordonedNodes < 1 {
		errs = append(errs, fmt.Errorf("remediation.limits.max_cordoned_nodes %d: want 1 or more", l.MaxCordonedNodes))
	}
	if l.MaxCordonedPercent < 1 || l.MaxCordonedPercent > 100 {
		errs = append(errs, fmt.Errorf("remediation.limits.max_cordoned_percent %d: want 1..100", l.MaxCordonedPercent))
	}
	if l.MaxNotReadyPercent < 0 || l.MaxNotReadyPercent > 100 {
		errs = append(errs, fmt.Errorf("remediation.limits.max_not_ready_percent %d: want 0..100", l.MaxNotReadyPercent))
	}
	for name, d := range map[string]time.Duration{"plan_ttl": r.PlanTTL.Duration, "drain_timeout": r.DrainTimeout.Duration, "limits.cooldown": l.Cooldown.Duration, "limits.lock_ttl": l.LockTTL.Duration} {
		if d < time.Second {
			errs = append(errs, fmt.Errorf("remediation.%s %s: want at least 1s", name, d))
		}
	}
	return errs
}

// Defaulted returns r with every default applied, for callers (tests, other
// binaries) that build a Remediation in code rather than through Load.
func (r Remediation) Defaulted() (Remediation, error) {
	r.setDefaults()
	if errs := r.validate(); len(errs) > 0 {
		return r, fmt.Errorf("remediation config: %v", errs)
	}
	return r, nil
}
