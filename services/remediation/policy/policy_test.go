package policy_test

import (
	"strings"
	"testing"

	"github.com/kubemedic/kubemedic/platform/config"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/remediation/policy"
)

func TestAllow(t *testing.T) {
	p, err := policy.New(config.Remediation{Rules: []config.RemediationRule{
		{Groups: []string{"sre"}, Verbs: []string{"plan", "approve"}, Actions: []string{"*"}},
		{Users: []string{"alice@example.com"}, Verbs: []string{"plan"}, Actions: []string{"scale", "rollout-restart"}, Clusters: []string{"prod"}, Namespaces: []string{"shop"}},
		{Tokens: []string{"ci"}, Verbs: []string{"plan"}, Actions: []string{"cordon"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	alice := &kubemedicv1.Identity{KubernetesUser: "alice@example.com"}
	sre := &kubemedicv1.Identity{KubernetesUser: "bob@example.com", KubernetesGroups: []string{"dev", "sre"}}
	ci := &kubemedicv1.Identity{KubernetesUser: "ci-bot", TokenName: "ci"}
	tests := []struct {
		name string
		req  policy.Request
		ok   bool
	}{
		{"group grants everything", policy.Request{Identity: sre, Verb: policy.VerbApprove, Action: "drain", Cluster: "prod"}, true},
		{"user scale in her namespace", policy.Request{Identity: alice, Verb: policy.VerbPlan, Action: "scale", Cluster: "prod", Namespace: "shop"}, true},
		{"user scale in another namespace", policy.Request{Identity: alice, Verb: policy.VerbPlan, Action: "scale", Cluster: "prod", Namespace: "pay"}, false},
		{"user scale in another cluster", policy.Request{Identity: alice, Verb: policy.VerbPlan, Action: "scale", Cluster: "dev", Namespace: "shop"}, false},
		{"user may not approve", policy.Request{Identity: alice, Verb: policy.VerbApprove, Action: "scale", Cluster: "prod", Namespace: "shop"}, false},
		{"user may not drain", policy.Request{Identity: alice, Verb: policy.VerbPlan, Action: "drain", Cluster: "prod"}, false},
		{"token rule", policy.Request{Identity: ci, Verb: policy.VerbPlan, Action: "cordon", Cluster: "any"}, true},
		{"token rule other action", policy.Request{Identity: ci, Verb: policy.VerbPlan, Action: "drain", Cluster: "any"}, false},
		{"nobody", policy.Request{Identity: &kubemedicv1.Identity{KubernetesUser: "mallory"}, Verb: policy.VerbPlan, Action: "cordon", Cluster: "prod"}, false},
		{"nil identity", policy.Request{Verb: policy.VerbPlan, Action: "cordon", Cluster: "prod"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.Allow(tt.req)
			if (err == nil) != tt.ok {
				t.Fatalf("Allow = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && (!strings.Contains(err.Error(), tt.req.Action) || !strings.Contains(err.Error(), "정책")) {
				t.Errorf("denial %q should name the action in Korean and English", err)
			}
		})
	}
}

func TestDefaultPolicyOnlyLocalAdmin(t *testing.T) {
	p, err := policy.New(config.Remediation{})
	if err != nil {
		t.Fatal(err)
	}
	admin := &kubemedicv1.Identity{KubernetesUser: "me", TokenName: config.LocalAdminToken}
	if err := p.Allow(policy.Request{Identity: admin, Verb: policy.VerbApprove, Action: "drain", Cluster: "default"}); err != nil {
		t.Errorf("local admin refused: %v", err)
	}
	other := &kubemedicv1.Identity{KubernetesUser: "me", TokenName: "other"}
	if err := p.Allow(policy.Request{Identity: other, Verb: policy.VerbPlan, Action: "cordon", Cluster: "default"}); err == nil {
		t.Error("a token without a rule was allowed")
	}
}

func TestProtected(t *testing.T) {
	p, err := policy.New(config.Remediation{
		AllowedObjects:   []string{"ConfigMap kube-system/ncloud-config"},
		ProtectedObjects: []string{"Deployment shop/payments", "Node gpu-1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		target    policy.Target
		protected bool
	}{
		{policy.Target{Kind: "ConfigMap", Namespace: "kube-system", Name: "coredns"}, true},
		{policy.Target{Kind: "ConfigMap", Namespace: "kube-system", Name: "ncloud-config"}, false},
		{policy.Target{Kind: "Deployment", Namespace: "kube-system", Name: "ncloud-config"}, true},
		{policy.Target{Kind: "Deployment", Namespace: "shop", Name: "payments"}, true},
		{policy.Target{Kind: "Deployment", Namespace: "shop", Name: "web"}, false},
		{policy.Target{Kind: "Node", Name: "gpu-1"}, true},
		{policy.Target{Kind: "Node", Name: "gpu-2"}, false},
	}
	for _, tt := range tests {
		ko, en := p.Protected(tt.target)
		if (ko != "") != tt.protected || (en != "") != tt.protected {
			t.Errorf("Protected(%s) = %q/%q, want protected=%v", tt.target, ko, en, tt.protected)
		}
	}
}

func TestRiskAndApprovals(t *testing.T) {
	p, err := policy.New(config.Remediation{Approvals: config.Approvals{High: 2}, Limits: config.RemediationLimits{MaxReplicas: 10}})
	if err != nil {
		t.Fatal(err)
	}
	scale := func(n int32) *kubemedicv1.Action {
		return &kubemedicv1.Action{Kind: &kubemedicv1.Action_Scale{Scale: &kubemedicv1.ScaleAction{Replicas: n}}}
	}
	tests := []struct {
		name string
		a    *kubemedicv1.Action
		want kubemedicv1.Risk
	}{
		{"cordon", &kubemedicv1.Action{Kind: &kubemedicv1.Action_Cordon{Cordon: &kubemedicv1.CordonAction{}}}, kubemedicv1.Risk_RISK_LOW},
		{"uncordon", &kubemedicv1.Action{Kind: &kubemedicv1.Action_Uncordon{Uncordon: &kubemedicv1.UncordonAction{}}}, kubemedicv1.Risk_RISK_LOW},
		{"restart", &kubemedicv1.Action{Kind: &kubemedicv1.Action_RolloutRestart{RolloutRestart: &kubemedicv1.RolloutRestartAction{}}}, kubemedicv1.Risk_RISK_LOW},
		{"scale within bounds", scale(10), kubemedicv1.Risk_RISK_LOW},
		{"scale to 0", scale(0), kubemedicv1.Risk_RISK_HIGH},
		{"scale above bounds", scale(11), kubemedicv1.Risk_RISK_HIGH},
		{"drain", &kubemedicv1.Action{Kind: &kubemedicv1.Action_Drain{Drain: &kubemedicv1.DrainAction{}}}, kubemedicv1.Risk_RISK_HIGH},
		{"configmap", &kubemedicv1.Action{Kind: &kubemedicv1.Action_PatchConfigMap{PatchConfigMap: &kubemedicv1.PatchConfigMapAction{}}}, kubemedicv1.Risk_RISK_HIGH},
		{"delete pod", &kubemedicv1.Action{Kind: &kubemedicv1.Action_DeletePod{DeletePod: &kubemedicv1.DeletePodAction{}}}, kubemedicv1.Risk_RISK_HIGH},
	}
	for _, tt := range tests {
		if got := p.Risk(tt.a); got != tt.want {
			t.Errorf("%s: risk %v, want %v", tt.name, got, tt.want)
		}
	}
	if p.ApprovalsRequired(kubemedicv1.Risk_RISK_HIGH) != 2 || p.ApprovalsRequired(kubemedicv1.Risk_RISK_LOW) != 1 {
		t.Errorf("approvals high=%d low=%d, want 2 and 1", p.ApprovalsRequired(kubemedicv1.Risk_RISK_HIGH), p.ApprovalsRequired(kubemedicv1.Risk_RISK_LOW))
	}
	if policy.MayApproveOwn(kubemedicv1.Risk_RISK_HIGH) || !policy.MayApproveOwn(kubemedicv1.Risk_RISK_LOW) {
		t.Error("self-approval must be allowed for low risk only")
	}
}

func TestInvalidConfig(t *testing.T) {
	for name, cfg := range map[string]config.Remediation{
		"bad verb":   {Rules: []config.RemediationRule{{Users: []string{"a"}, Verbs: []string{"execute"}, Actions: []string{"*"}}}},
		"bad action": {Rules: []config.RemediationRule{{Users: []string{"a"}, Verbs: []string{"plan"}, Actions: []string{"kubectl"}}}},
		"no subject": {Rules: []config.RemediationRule{{Verbs: []string{"plan"}, Actions: []string{"*"}}}},
		"bad cap":    {Limits: config.RemediationLimits{MaxCordonedPercent: 150}},
	} {
		if _, err := policy.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
