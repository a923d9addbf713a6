package remediation

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// The plan hash changes with anything an approver reviewed or Execute
// relies on, so an approval binds to exactly one plan.
func TestPlanHashBindsThePlan(t *testing.T) {
	base := &kubemedicv1.Plan{
		Id:                    "p-1",
		Action:                &kubemedicv1.Action{Cluster: "prod", Kind: &kubemedicv1.Action_Scale{Scale: &kubemedicv1.ScaleAction{Namespace: "a", Name: "b", Replicas: 3}}},
		Requester:             &kubemedicv1.Identity{KubernetesUser: "alice"},
		Diff:                  "-replicas: 2\n+replicas: 3\n",
		DryRun:                &kubemedicv1.DryRun{Ok: true},
		TargetResourceVersion: "100",
		ExpiresAt:             timestamppb.New(time.Unix(1000, 0)),
	}
	state := []byte(`{"replicas":2}`)
	h := planHash(base, state)
	if h != planHash(proto.Clone(base).(*kubemedicv1.Plan), state) {
		t.Fatal("hash is not deterministic")
	}
	changes := map[string]func(p *kubemedicv1.Plan){
		"replicas":         func(p *kubemedicv1.Plan) { p.Action.GetScale().Replicas = 4 },
		"cluster":          func(p *kubemedicv1.Plan) { p.Action.Cluster = "dev" },
		"requester":        func(p *kubemedicv1.Plan) { p.Requester.KubernetesUser = "bob" },
		"diff":             func(p *kubemedicv1.Plan) { p.Diff += " " },
		"dry-run":          func(p *kubemedicv1.Plan) { p.DryRun.Message = "PDB blocks" },
		"resource version": func(p *kubemedicv1.Plan) { p.TargetResourceVersion = "101" },
		"expiry":           func(p *kubemedicv1.Plan) { p.ExpiresAt = timestamppb.New(time.Unix(2000, 0)) },
		"id":               func(p *kubemedicv1.Plan) { p.Id = "p-2" },
		"undo of":          func(p *kubemedicv1.Plan) { p.UndoOf = "x-1" },
	}
	for name, change := range changes {
		p := proto.Clone(base).(*kubemedicv1.Plan)
		change(p)
		if planHash(p, state) == h {
			t.Errorf("changing the %s keeps the hash", name)
		}
	}
	if planHash(base, []byte(`{"replicas":3}`)) == h {
		t.Error("changing the precondition state keeps the hash")
	}
	// Approvals and state are not part of the hash: approving does not
	// change what was approved.
	p := proto.Clone(base).(*kubemedicv1.Plan)
	p.Approvals = append(p.Approvals, &kubemedicv1.Approval{Approver: &kubemedicv1.Identity{KubernetesUser: "bob"}})
	p.State = kubemedicv1.PlanState_PLAN_STATE_APPROVED
	if planHash(p, state) != h {
		t.Error("approving changed the hash")
	}
}
