package remediation

import (
	"context"
	"fmt"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/remediation/action"
	"github.com/kubemedic/kubemedic/services/remediation/policy"
	"github.com/kubemedic/kubemedic/services/remediation/store"
)

// policyRequest is the policy question for verb on plan p.
func (s *Service) policyRequest(p *kubemedicv1.Plan, id *kubemedicv1.Identity, verb policy.Verb) (policy.Request, error) {
	act, err := action.From(p.GetAction())
	if err != nil {
		return policy.Request{}, toConnect(err, "stored plan")
	}
	return policy.Request{Identity: id, Verb: verb, Action: act.Type(), Cluster: p.GetAction().GetCluster(), Namespace: act.Target().Namespace}, nil
}

// expired marks p expired when its time is up.
func (s *Service) expired(p *kubemedicv1.Plan) bool {
	return !s.o.Now().Before(p.GetExpiresAt().AsTime())
}

// markExpired records that plan id expired, unless it ran or ended.
func (s *Service) markExpired(ctx context.Context, id string) {
	_, err := store.UpdatePlan(ctx, s.store, id, func(r *planRecord) error {
		cur, err := r.decode()
		if err != nil {
			return err
		}
		if r.ExecutionID != "" || (cur.GetState() != kubemedicv1.PlanState_PLAN_STATE_PENDING_APPROVAL && cur.GetState() != kubemedicv1.PlanState_PLAN_STATE_APPROVED) {
			return store.ErrUnchanged
		}
		cur.State = kubemedicv1.PlanState_PLAN_STATE_EXPIRED
		return r.encode(cur)
	})
	if err != nil {
		s.log.Warn("marking plan expired failed", "plan", id, "error", err)
	}
}

func errExpired(p *kubemedicv1.Plan) error {
	at := p.GetExpiresAt().AsTime().UTC().Format("2006-01-02 15:04:05Z")
	return errorf(connect.CodeFailedPrecondition, "계획 %s은(는) %s에 만료되었습니다; 다시 계획하세요", "plan %s expired at %s; plan again", p.GetId(), at)
}

func errState(p *kubemedicv1.Plan, verb string) error {
	ko := map[string]string{"approved": "승인", "rejected": "거부", "executed": "실행"}[verb]
	state := strings.TrimPrefix(p.GetState().String(), "PLAN_STATE_")
	return connect.NewError(connect.CodeFailedPrecondition, fmt.Errorf("계획 %s은(는) %s 상태라 %s할 수 없습니다 (plan %s is %s and cannot be %s)",
		p.GetId(), state, ko, p.GetId(), state, verb))
}

// Approve implements RemediationService.Approve. Approving twice as the
// same person changes nothing and returns the plan as it is.
func (s *Service) Approve(ctx context.Context, req *kubemedicv1.ApproveRequest) (*kubemedicv1.ApproveResponse, error) {
	approver := req.GetApprover()
	if err := requireIdentity(approver, "approver"); err != nil {
		return nil, err
	}
	if req.GetPlanHash() == "" {
		return nil, errorf(connect.CodeInvalidArgument, "plan_hash가 비어 있습니다; 승인할 계획의 hash를 보내세요", "plan_hash is required: send the hash of the plan you reviewed")
	}
	_, p, err := s.loadPlan(ctx, req.GetPlanId())
	if err != nil {
		return nil, err
	}
	cluster := p.GetAction().GetCluster()
	if err := mayUseCluster(approver, cluster); err != nil {
		s.record(ctx, kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_DENIED, approver, cluster, p.GetId(), "", p.GetAction(), "approval refused: "+err.Error())
		return nil, err
	}
	pr, err := s.policyRequest(p, approver, policy.VerbApprove)
	if err != nil {
		return nil, err
	}
	if err := s.policy.Allow(pr); err != nil {
		s.record(ctx, kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_DENIED, approver, cluster, p.GetId(), "", p.GetAction(), "approval refused: "+err.Error())
		return nil, connect.NewError(connect.CodePermissionDenied, err)
	}
	changed := false
	rec, err := store.UpdatePlan(ctx, s.store, p.GetId(), func(r *planRecord) error {
		changed = false
		cur, err := r.decode()
		if err != nil {
			return err
		}
		for _, a := range cur.GetApprovals() {
			if policy.SamePerson(a.GetApprover(), approver) {
				if cur.GetHash() != req.GetPlanHash() {
					return errHashMismatch(cur)
				}
				return store.ErrUnchanged // a replayed approval
			}
		}
		if cur.GetHash() != req.GetPlanHash() {
			return errHashMismatch(cur)
		}
		if cur.GetState() != kubemedicv1.PlanState_PLAN_STATE_PENDING_APPROVAL && cur.GetState() != kubemedicv1.PlanState_PLAN_STATE_APPROVED {
			return errState(cur, "approved")
		}
		if cur.GetState() == kubemedicv1.PlanState_PLAN_STATE_APPROVED {
			return store.ErrUnchanged // enough approvals already; extra ones add nothing
		}
		if s.expired(cur) {
			return errExpired(cur)
		}
		if !policy.MayApproveOwn(cur.GetRisk()) && policy.SamePerson(cur.GetRequester(), approver) {
			return errorf(connect.CodePermissionDenied,
				"위험도가 높은 계획은 요청자(%s)가 직접 승인할 수 없습니다; 다른 사람의 승인이 필요합니다",
				"a high-risk plan cannot be approved by its requester (%s); another person must approve it",
				policy.Describe(cur.GetRequester()))
		}
		cur.Approvals = append(cur.Approvals, &kubemedicv1.Approval{Approver: approver, ApprovedAt: timestamppb.New(s.o.Now())})
		if len(cur.Approvals) >= int(cur.GetApprovalsRequired()) {
			cur.State = kubemedicv1.PlanState_PLAN_STATE_APPROVED
		}
		changed = true
		return r.encode(cur)
	})
	if err != nil {
		if s.expired(p) {
			s.markExpired(ctx, p.GetId())
		}
		s.record(ctx, kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_DENIED, approver, cluster, p.GetId(), "", p.GetAction(), "approval refused: "+err.Error())
		return nil, toConnect(err, "approve")
	}
	out, err := rec.decode()
	if err != nil {
		return nil, err
	}
	if changed {
		msg := fmt.Sprintf("approved by %s (%d/%d), state %s", policy.Describe(approver), len(out.GetApprovals()), out.GetApprovalsRequired(), out.GetState())
		s.record(ctx, kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_APPROVED, approver, cluster, p.GetId(), "", p.GetAction(), msg)
		if c, ok := s.clusters[cluster]; ok {
			s.event(ctx, c, out.GetBlastRadius().GetObjects()[0], "Normal", "KubemedicApproved", "kubemedic plan "+p.GetId()+" "+msg)
		}
	}
	return &kubemedicv1.ApproveResponse{Plan: out}, nil
}

func errHashMismatch(p *kubemedicv1.Plan) error {
	return errorf(connect.CodeFailedPrecondition,
		"승인한 hash가 계획 %s의 hash와 다릅니다; 지금의 계획을 다시 확인하고 승인하세요",
		"the approved hash does not match plan %s; review the current plan and approve its hash", p.GetId())
}

// Reject implements RemediationService.Reject. Whoever may approve the plan,
// and its requester, may reject it while it has not run.
func (s *Service) Reject(ctx context.Context, req *kubemedicv1.RejectRequest) (*kubemedicv1.RejectResponse, error) {
	who := req.GetRejector()
	if err := requireIdentity(who, "rejector"); err != nil {
		return nil, err
	}
	_, p, err := s.loadPlan(ctx, req.GetPlanId())
	if err != nil {
		return nil, err
	}
	cluster := p.GetAction().GetCluster()
	if err := mayUseCluster(who, cluster); err != nil {
		return nil, err
	}
	if !policy.SamePerson(p.GetRequester(), who) {
		pr, err := s.policyRequest(p, who, policy.VerbApprove)
		if err != nil {
			return nil, err
		}
		if err := s.policy.Allow(pr); err != nil {
			return nil, connect.NewError(connect.CodePermissionDenied, err)
		}
	}
	rec, err := store.UpdatePlan(ctx, s.store, p.GetId(), func(r *planRecord) error {
		cur, err := r.decode()
		if err != nil {
			return err
		}
		switch cur.GetState() {
		case kubemedicv1.PlanState_PLAN_STATE_REJECTED:
			return store.ErrUnchanged
		case kubemedicv1.PlanState_PLAN_STATE_PENDING_APPROVAL, kubemedicv1.PlanState_PLAN_STATE_APPROVED, kubemedicv1.PlanState_PLAN_STATE_REFUSED:
		default:
			return errState(cur, "rejected")
		}
		if r.ExecutionID != "" {
			return errState(cur, "rejected")
		}
		cur.State = kubemedicv1.PlanState_PLAN_STATE_REJECTED
		return r.encode(cur)
	})
	if err != nil {
		return nil, toConnect(err, "reject")
	}
	out, err := rec.decode()
	if err != nil {
		return nil, err
	}
	msg := "rejected by " + policy.Describe(who)
	if req.GetReason() != "" {
		msg += ": " + req.GetReason()
	}
	s.record(ctx, kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_REJECTED, who, cluster, p.GetId(), "", p.GetAction(), msg)
	if c, ok := s.clusters[cluster]; ok {
		s.event(ctx, c, out.GetBlastRadius().GetObjects()[0], "Normal", "KubemedicRejected", "kubemedic plan "+p.GetId()+" "+msg)
	}
	return &kubemedicv1.RejectResponse{Plan: out}, nil
}
