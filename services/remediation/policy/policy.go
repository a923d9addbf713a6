// Package policy decides who may plan and approve which remediation actions
// where, which objects are protected, and how risky an action is.
//
// The model is an allow-list: a request is allowed when one configured rule
// names the identity (by Kubernetes user, group or API token), the verb
// (plan or approve), the action, the cluster and the namespace. Nothing is
// allowed by default except what config.Remediation's defaults grant. Policy
// is checked before Kubernetes RBAC; RBAC (through impersonation and a
// SubjectAccessReview) still has the final word.
package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubemedic/kubemedic/platform/config"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// Verb is what an identity wants to do with a plan.
type Verb string

// Verbs.
const (
	VerbPlan    Verb = "plan"
	VerbApprove Verb = "approve"
)

// Request is one question to the policy.
type Request struct {
	// Identity asks. Required.
	Identity *kubemedicv1.Identity
	// Verb is plan or approve. Required.
	Verb Verb
	// Action is the action name, e.g. "drain". Required.
	Action string
	// Cluster is the kubemedic cluster name. Required.
	Cluster string
	// Namespace is the target's namespace; empty for nodes.
	Namespace string
}

// Target is the object an action touches, for the protection checks.
type Target struct {
	// Kind is e.g. "Node", "ConfigMap", "Deployment".
	Kind string
	// Namespace is empty for nodes.
	Namespace string
	// Name of the object.
	Name string
}

// String writes the target the way config lists objects: "Kind ns/name" or
// "Node name".
func (t Target) String() string {
	if t.Namespace == "" {
		return t.Kind + " " + t.Name
	}
	return t.Kind + " " + t.Namespace + "/" + t.Name
}

// Policy is a compiled config.Remediation. Its zero value allows nothing.
type Policy struct {
	cfg config.Remediation
}

// New returns the policy of cfg after applying cfg's defaults.
func New(cfg config.Remediation) (*Policy, error) {
	d, err := cfg.Defaulted()
	if err != nil {
		return nil, err
	}
	return &Policy{cfg: d}, nil
}

// Config returns the effective configuration.
func (p *Policy) Config() config.Remediation { return p.cfg }

// Allow reports whether a rule grants r; the error says, in Korean and
// English, what was missing.
func (p *Policy) Allow(r Request) error {
	for _, rule := range p.cfg.Rules {
		if matchesIdentity(rule, r.Identity) &&
			slices.Contains(rule.Verbs, string(r.Verb)) &&
			matchAny(rule.Actions, r.Action) &&
			(len(rule.Clusters) == 0 || matchAny(rule.Clusters, r.Cluster)) &&
			(len(rule.Namespaces) == 0 || matchAny(rule.Namespaces, r.Namespace)) {
			return nil
		}
	}
	where := r.Cluster
	if r.Namespace != "" {
		where += "/" + r.Namespace
	}
	who := Describe(r.Identity)
	return fmt.Errorf("조치 정책이 %s에게 %s의 %s %s 권한을 주지 않습니다 (remediation policy does not let %s %s %s on %s; ask an admin to add a remediation.rules entry)",
		who, where, r.Action, verbKo(r.Verb), who, r.Verb, r.Action, where)
}

func verbKo(v Verb) string {
	if v == VerbApprove {
		return "승인"
	}
	return "계획"
}

func matchesIdentity(rule config.RemediationRule, id *kubemedicv1.Identity) bool {
	if id == nil {
		return false
	}
	if u := id.GetKubernetesUser(); u != "" && matchAny(rule.Users, u) {
		return true
	}
	if t := id.GetTokenName(); t != "" && matchAny(rule.Tokens, t) {
		return true
	}
	for _, g := range id.GetKubernetesGroups() {
		if matchAny(rule.Groups, g) {
			return true
		}
	}
	return false
}

func matchAny(list []string, v string) bool {
	return slices.ContainsFunc(list, func(s string) bool { return s == "*" || s == v })
}

// Protected returns a non-empty reason (Korean, English) when t may not be
// touched: a protected object, or an object in a protected namespace that is
// not explicitly allowed.
func (p *Policy) Protected(t Target) (ko, en string) {
	name := t.String()
	if slices.ContainsFunc(p.cfg.ProtectedObjects, func(s string) bool { return strings.EqualFold(strings.TrimSpace(s), name) }) {
		return name + "은(는) 보호 대상 오브젝트입니다 (remediation.protected_objects)",
			name + " is a protected object (remediation.protected_objects)"
	}
	if t.Namespace != "" && slices.Contains(p.cfg.ProtectedNamespaces, t.Namespace) &&
		!slices.ContainsFunc(p.cfg.AllowedObjects, func(s string) bool { return strings.EqualFold(strings.TrimSpace(s), name) }) {
		return fmt.Sprintf("%s 네임스페이스는 보호되어 있습니다; %s을(를) 허용하려면 remediation.allowed_objects에 추가하세요", t.Namespace, name),
			fmt.Sprintf("namespace %s is protected; add %q to remediation.allowed_objects to allow it", t.Namespace, name)
	}
	return "", ""
}

// Risk classifies an action. Scaling is low risk within 1..limits.max_replicas
// and high risk otherwise (0 stops the workload).
func (p *Policy) Risk(a *kubemedicv1.Action) kubemedicv1.Risk {
	switch k := a.GetKind().(type) {
	case *kubemedicv1.Action_Cordon, *kubemedicv1.Action_Uncordon, *kubemedicv1.Action_RolloutRestart:
		return kubemedicv1.Risk_RISK_LOW
	case *kubemedicv1.Action_Scale:
		if r := k.Scale.GetReplicas(); r >= 1 && int(r) <= p.cfg.Limits.MaxReplicas {
			return kubemedicv1.Risk_RISK_LOW
		}
		return kubemedicv1.Risk_RISK_HIGH
	default:
		return kubemedicv1.Risk_RISK_HIGH
	}
}

// ApprovalsRequired is the number of distinct approvers risk needs.
func (p *Policy) ApprovalsRequired(risk kubemedicv1.Risk) int {
	if risk == kubemedicv1.Risk_RISK_LOW {
		return p.cfg.Approvals.Low
	}
	return p.cfg.Approvals.High
}

// MayApproveOwn reports whether the requester may approve their own plan.
func MayApproveOwn(risk kubemedicv1.Risk) bool { return risk == kubemedicv1.Risk_RISK_LOW }

// SamePerson reports whether two identities are the same person: same
// Kubernetes user, or (for token callers) the same token.
func SamePerson(a, b *kubemedicv1.Identity) bool {
	if a.GetKubernetesUser() != "" && a.GetKubernetesUser() == b.GetKubernetesUser() {
		return true
	}
	if a.GetSlackUserId() != "" && a.GetSlackUserId() == b.GetSlackUserId() {
		return true
	}
	return false
}

// Describe names an identity for messages.
func Describe(id *kubemedicv1.Identity) string {
	switch {
	case id.GetDisplayName() != "" && id.GetKubernetesUser() != "":
		return id.GetDisplayName() + " (" + id.GetKubernetesUser() + ")"
	case id.GetKubernetesUser() != "":
		return id.GetKubernetesUser()
	case id.GetTokenName() != "":
		return "token " + id.GetTokenName()
	default:
		return "unknown"
	}
}
