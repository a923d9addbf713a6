package remediation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
	"k8s.io/client-go/kubernetes"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/remediation/access"
	"github.com/kubemedic/kubemedic/services/remediation/action"
	"github.com/kubemedic/kubemedic/services/remediation/audit"
	"github.com/kubemedic/kubemedic/services/remediation/guard"
	"github.com/kubemedic/kubemedic/services/remediation/policy"
	"github.com/kubemedic/kubemedic/services/remediation/store"
)

// planRecord is a plan as stored in the plans bucket.
type planRecord struct {
	// Plan is the encoded kubemedicv1.Plan.
	Plan []byte `json:"plan"`
	// State is the action's opaque plan state.
	State json.RawMessage `json:"state"`
	// ExecutionID is set, exactly once, when the plan is executed.
	ExecutionID string `json:"executionId,omitempty"`
}

func (r *planRecord) decode() (*kubemedicv1.Plan, error) {
	p := &kubemedicv1.Plan{}
	if err := proto.Unmarshal(r.Plan, p); err != nil {
		return nil, fmt.Errorf("decoding plan: %w", err)
	}
	return p, nil
}

func (r *planRecord) encode(p *kubemedicv1.Plan) error {
	b, err := proto.Marshal(p)
	if err != nil {
		return fmt.Errorf("encoding plan: %w", err)
	}
	r.Plan = b
	return nil
}

// Plan implements RemediationService.Plan.
func (s *Service) Plan(ctx context.Context, req *kubemedicv1.PlanRequest) (*kubemedicv1.PlanResponse, error) {
	p, err := s.plan(ctx, req.GetAction(), req.GetRequester(), "")
	if err != nil {
		return nil, err
	}
	return &kubemedicv1.PlanResponse{Plan: p}, nil
}

func requireIdentity(id *kubemedicv1.Identity, field string) error {
	if id.GetKubernetesUser() == "" {
		return errorf(connect.CodeInvalidArgument,
			"%s에 쿠버네티스 사용자가 없습니다; kubemedic은 사람의 권한으로만 클러스터를 바꿉니다",
			"%s has no Kubernetes user; kubemedic only changes clusters as a person", field)
	}
	return nil
}

func (s *Service) clusterOf(name string) (*cluster, error) {
	c, ok := s.clusters[name]
	if !ok {
		return nil, errorf(connect.CodeNotFound, "클러스터 %q를 모릅니다 (kubemedic clusters로 목록 확인)", "unknown cluster %q (see kubemedic clusters)", name)
	}
	return c, nil
}

// env returns the action environment that writes as id.
func (s *Service) env(c *cluster, id *kubemedicv1.Identity) (action.Env, error) {
	cfg, err := access.Impersonate(c.config, id)
	if err != nil {
		return action.Env{}, connect.NewError(connect.CodeInvalidArgument, err)
	}
	w, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return action.Env{}, fmt.Errorf("client for %s: %w", id.GetKubernetesUser(), err)
	}
	return action.Env{Cluster: c.name, Reader: c.client, Writer: w, Actor: id.GetKubernetesUser(), Config: s.o.Config}, nil
}

// targetLock and drainLock name the locks an execution takes.
func targetLock(cluster string, t policy.Target) string {
	return "target." + store.Key(cluster, t.Kind, t.Namespace, t.Name)
}

func drainLock(cluster string) string { return "drain." + store.Key(cluster) }

func (s *Service) plan(ctx context.Context, a *kubemedicv1.Action, requester *kubemedicv1.Identity, undoOf string) (*kubemedicv1.Plan, error) {
	if err := requireIdentity(requester, "requester"); err != nil {
		return nil, err
	}
	if err := mayUseCluster(requester, a.GetCluster()); err != nil {
		return nil, err
	}
	act, err := action.From(a)
	if err != nil {
		return nil, toConnect(err, "plan")
	}
	if undoOf == "" {
		// An undo restores what was there; new values must be valid.
		if err := action.CheckValues(a); err != nil {
			return nil, toConnect(err, "plan")
		}
	}
	c, err := s.clusterOf(a.GetCluster())
	if err != nil {
		return nil, err
	}
	t := act.Target()
	if err := s.policy.Allow(policy.Request{Identity: requester, Verb: policy.VerbPlan, Action: act.Type(), Cluster: c.name, Namespace: t.Namespace}); err != nil {
		s.record(ctx, kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_DENIED, requester, c.name, "", "", a, err.Error())
		return nil, connect.NewError(connect.CodePermissionDenied, err)
	}
	// Protected objects are refused before anything is read.
	if ko, en := s.policy.Protected(t); ko != "" {
		err := fmt.Errorf("%s (%s)", ko, en)
		s.record(ctx, kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_DENIED, requester, c.name, "", "", a, err.Error())
		return nil, connect.NewError(connect.CodePermissionDenied, err)
	}
	// RBAC next: a person who may not make the change gets told which
	// permission is missing, before anything else runs.
	if err := access.Check(ctx, c.client, requester, act.Permissions()); err != nil {
		s.record(ctx, kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_DENIED, requester, c.name, "", "", a, err.Error())
		return nil, toConnect(err, "plan")
	}
	env, err := s.env(c, requester)
	if err != nil {
		return nil, err
	}
	planned, err := act.Plan(ctx, env)
	if err != nil {
		s.record(ctx, kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_DENIED, requester, c.name, "", "", a, err.Error())
		return nil, toConnect(err, "plan "+act.Type())
	}

	now := s.o.Now()
	risk := s.policy.Risk(a)
	p := &kubemedicv1.Plan{
		Id:                    newID("p-"),
		Action:                a,
		Requester:             requester,
		Risk:                  risk,
		Diff:                  planned.Diff,
		DryRun:                &kubemedicv1.DryRun{Ok: planned.DryRunOK, Message: planned.DryRunMessage},
		ApprovalsRequired:     int32(s.policy.ApprovalsRequired(risk)),
		TargetResourceVersion: planned.ResourceVersion,
		CreatedAt:             timestamppb.New(now),
		ExpiresAt:             timestamppb.New(now.Add(s.o.Config.PlanTTL.Duration)),
		UndoOf:                undoOf,
		BlastRadius: &kubemedicv1.BlastRadius{
			Objects:      []*kubemedicv1.ObjectRef{planned.Target.Proto(c.name)},
			PodsAffected: int32(planned.PodsAffected),
			Summary:      &kubemedicv1.LocalizedText{Ko: planned.SummaryKo, En: planned.SummaryEn},
		},
	}
	for _, o := range planned.Objects {
		p.BlastRadius.Objects = append(p.BlastRadius.Objects, o.Proto(c.name))
	}
	verdicts := []guard.Verdict{guard.Allow("subject-access-review",
		requester.GetKubernetesUser()+"에게 필요한 쿠버네티스 권한이 있습니다", requester.GetKubernetesUser()+" holds the Kubernetes permissions the action needs")}
	verdicts = append(verdicts, s.stateGuards(ctx, c.name, act, undoOf != "")...)
	verdicts = append(verdicts, guard.Allow("protected", t.String()+"은(는) 보호 대상이 아닙니다", t.String()+" is not protected"))
	verdicts = append(verdicts, planned.Verdicts...)
	if !planned.DryRunOK {
		verdicts = append(verdicts, guard.Refuse("dry-run", "서버 측 dry-run이 실패했습니다: "+planned.DryRunMessage, "the server-side dry-run failed: "+planned.DryRunMessage))
	}
	for _, v := range verdicts {
		p.Guards = append(p.Guards, &kubemedicv1.GuardVerdict{Guard: v.Guard, Allowed: v.Allowed, Reason: &kubemedicv1.LocalizedText{Ko: v.Ko, En: v.En}})
	}
	p.State = kubemedicv1.PlanState_PLAN_STATE_PENDING_APPROVAL
	refused := guard.Refused(verdicts)
	if len(refused) > 0 {
		p.State = kubemedicv1.PlanState_PLAN_STATE_REFUSED
	}
	p.Hash = planHash(p, planned.State)

	rec := &planRecord{State: planned.State}
	if err := rec.encode(p); err != nil {
		return nil, err
	}
	if err := store.PutPlan(ctx, s.store, p.GetId(), rec); err != nil {
		return nil, toConnect(err, "storing plan")
	}
	msg := fmt.Sprintf("plan %s (%s risk, %d approvals needed): %s", p.GetId(), riskName(risk), p.GetApprovalsRequired(), planned.SummaryEn)
	typ := kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_PLANNED
	if len(refused) > 0 {
		var why []string
		for _, v := range refused {
			why = append(why, v.Guard+": "+v.En)
		}
		msg = fmt.Sprintf("plan %s refused by guards: %s", p.GetId(), strings.Join(why, "; "))
		typ = kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_DENIED
	}
	s.record(ctx, typ, requester, c.name, p.GetId(), "", a, msg)
	s.event(ctx, c, p.GetBlastRadius().GetObjects()[0], "Normal", "KubemedicPlanned",
		fmt.Sprintf("kubemedic plan %s by %s: %s", p.GetId(), policy.Describe(requester), planned.SummaryEn))
	return p, nil
}

// stateGuards are the guards backed by shared state: the pause switch, one
// drain per cluster, target locks and cooldowns. An undo is exempt from the
// cooldown: reversing a change right away is what undo is for.
func (s *Service) stateGuards(ctx context.Context, cluster string, act action.Action, undo bool) []guard.Verdict {
	var out []guard.Verdict
	if reason := s.paused(ctx); reason != "" {
		out = append(out, guard.Refuse("pause", "조치가 일시 중지되어 있습니다 ("+reason+")", "remediation is paused ("+reason+")"))
	} else {
		out = append(out, guard.Allow("pause", "조치가 일시 중지되지 않았습니다", "remediation is not paused"))
	}
	if act.Type() == "drain" {
		if h, err := s.store.Holder(ctx, drainLock(cluster)); err != nil || h != nil {
			what := "unknown"
			if h != nil {
				what = fmt.Sprintf("%s (execution %s)", h.What, h.ExecutionID)
			}
			out = append(out, guard.Refuse("drain-concurrency", "이 클러스터에서 다른 드레인이 진행 중입니다: "+what, "another drain runs in this cluster: "+what))
		} else {
			out = append(out, guard.Allow("drain-concurrency", "진행 중인 다른 드레인이 없습니다", "no other drain runs in this cluster"))
		}
	}
	t := act.Target()
	if h, err := s.store.Holder(ctx, targetLock(cluster, t)); err == nil && h != nil {
		out = append(out, guard.Refuse("target-lock", t.String()+"에 다른 실행이 진행 중입니다: "+h.ExecutionID, "another execution works on "+t.String()+": "+h.ExecutionID))
	}
	if id, at, err := s.store.Cooldown(ctx, targetLock(cluster, t)); err == nil && id != "" && !undo {
		until := at.Add(s.o.Config.Limits.Cooldown.Duration).UTC().Format(time.RFC3339)
		out = append(out, guard.Refuse("cooldown",
			fmt.Sprintf("%s은(는) 실행 %s 이후 쿨다운 중입니다 (%s까지)", t, id, until),
			fmt.Sprintf("%s is cooling down after execution %s (until %s)", t, id, until)))
	}
	return out
}

// paused returns why remediation is paused, or "".
func (s *Service) paused(ctx context.Context) string {
	if s.o.Config.Paused {
		return "remediation.paused"
	}
	p, err := s.store.Paused(ctx)
	if err != nil {
		return "pause switch unreadable: " + err.Error()
	}
	if p {
		return "runtime pause switch"
	}
	return ""
}

// planHash binds approvals to exactly this plan: the action, who asked, the
// diff, the dry-run, the target's version, the expiry and the precondition
// state Execute will check.
func planHash(p *kubemedicv1.Plan, state []byte) string {
	h := sha256.New()
	for _, m := range []proto.Message{p.GetAction(), p.GetRequester(), p.GetDryRun(), p.GetExpiresAt()} {
		b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		fmt.Fprintf(h, "%d:", len(b))
		h.Write(b)
	}
	for _, s := range []string{p.GetId(), p.GetDiff(), p.GetTargetResourceVersion(), p.GetUndoOf(), string(state)} {
		fmt.Fprintf(h, "%d:%s", len(s), s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func riskName(r kubemedicv1.Risk) string {
	if r == kubemedicv1.Risk_RISK_LOW {
		return "low"
	}
	return "high"
}

// record appends an audit record; a failure is logged, never hidden.
func (s *Service) record(ctx context.Context, typ kubemedicv1.AuditEventType, actor *kubemedicv1.Identity, cluster, planID, execID string, a *kubemedicv1.Action, msg string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, err := s.audit.Append(ctx, &kubemedicv1.AuditRecord{
		Time: timestamppb.New(s.o.Now()), Type: typ, Actor: actor, Cluster: cluster,
		PlanId: planID, ExecutionId: execID, Action: a, Message: msg,
	})
	if err != nil {
		s.log.Error("audit record lost", "type", typ.String(), "plan", planID, "execution", execID, "error", err)
	}
}

// event puts a Kubernetes Event on obj; a failure is logged.
func (s *Service) event(ctx context.Context, c *cluster, obj *kubemedicv1.ObjectRef, typ, reason, msg string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := audit.Event(ctx, c.client, obj, typ, reason, msg); err != nil {
		s.log.Warn("kubernetes event not recorded", "reason", reason, "error", err)
	}
}

// loadPlan reads a plan record.
func (s *Service) loadPlan(ctx context.Context, id string) (*planRecord, *kubemedicv1.Plan, error) {
	if id == "" {
		return nil, nil, errorf(connect.CodeInvalidArgument, "plan_id가 비어 있습니다", "plan_id is required")
	}
	rec, err := store.GetPlan[planRecord](ctx, s.store, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, errorf(connect.CodeNotFound, "계획 %s이(가) 없습니다 (만료 후 삭제되었거나 잘못된 ID)", "plan %s not found (removed after expiry, or a wrong ID)", id)
	}
	if err != nil {
		return nil, nil, toConnect(err, "reading plan")
	}
	p, err := rec.decode()
	if err != nil {
		return nil, nil, err
	}
	return rec, p, nil
}
