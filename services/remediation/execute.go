package remediation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/remediation/access"
	"github.com/kubemedic/kubemedic/services/remediation/action"
	"github.com/kubemedic/kubemedic/services/remediation/policy"
	"github.com/kubemedic/kubemedic/services/remediation/store"
)

// executionRecord is an execution as stored in the executions bucket, with
// what another process needs to resume or close it.
type executionRecord struct {
	// Execution is the encoded kubemedicv1.Execution.
	Execution []byte `json:"execution"`
	// Action and Executor are the encoded action and the identity it runs as.
	Action   []byte `json:"action"`
	Executor []byte `json:"executor"`
	// State is the plan's precondition state.
	State json.RawMessage `json:"state"`
	// Undo is the encoded inverse action, once known.
	Undo []byte `json:"undo,omitempty"`
	// Locks are the locks the execution holds.
	Locks []string `json:"locks"`
	// Owner is the process running it; Heartbeat when it last said so.
	Owner     string    `json:"owner"`
	Heartbeat time.Time `json:"heartbeat"`
	// Stale is set when the action found the target changed since the plan.
	Stale bool `json:"stale,omitempty"`
}

func (r *executionRecord) decode() (*kubemedicv1.Execution, error) {
	e := &kubemedicv1.Execution{}
	if err := proto.Unmarshal(r.Execution, e); err != nil {
		return nil, fmt.Errorf("decoding execution: %w", err)
	}
	return e, nil
}

func (r *executionRecord) encode(e *kubemedicv1.Execution) error {
	b, err := proto.Marshal(e)
	if err != nil {
		return fmt.Errorf("encoding execution: %w", err)
	}
	r.Execution = b
	return nil
}

func running(e *kubemedicv1.Execution) bool {
	return e.GetState() == kubemedicv1.ExecutionState_EXECUTION_STATE_RUNNING
}

// Execute implements RemediationService.Execute. It starts the plan's one
// execution and waits up to Options.ExecuteWait for it; calling it again (from
// any replica) returns the same execution. A target changed since the plan
// gives FailedPrecondition and the plan must be made again.
func (s *Service) Execute(ctx context.Context, req *kubemedicv1.ExecuteRequest) (*kubemedicv1.ExecuteResponse, error) {
	executor := req.GetExecutor()
	if err := requireIdentity(executor, "executor"); err != nil {
		return nil, err
	}
	rec, p, err := s.loadPlan(ctx, req.GetPlanId())
	if err != nil {
		return nil, err
	}
	cluster := p.GetAction().GetCluster()
	if err := mayUseCluster(executor, cluster); err != nil {
		s.record(ctx, kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_DENIED, executor, cluster, p.GetId(), "", p.GetAction(), "execution refused: "+err.Error())
		return nil, err
	}
	if rec.ExecutionID != "" {
		return s.executionReply(ctx, rec.ExecutionID)
	}
	if err := s.mayExecute(p, executor); err != nil {
		s.record(ctx, kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_DENIED, executor, cluster, p.GetId(), "", p.GetAction(), "execution refused: "+err.Error())
		return nil, err
	}
	switch p.GetState() {
	case kubemedicv1.PlanState_PLAN_STATE_APPROVED:
	case kubemedicv1.PlanState_PLAN_STATE_PENDING_APPROVAL:
		if s.expired(p) {
			s.markExpired(ctx, p.GetId())
			return nil, errExpired(p)
		}
		missing := int(p.GetApprovalsRequired()) - len(p.GetApprovals())
		return nil, errorf(connect.CodeFailedPrecondition, "계획 %s은(는) 승인이 %d개 더 필요합니다", "plan %s needs %d more approvals", p.GetId(), missing)
	default:
		return nil, errState(p, "executed")
	}
	if s.expired(p) {
		s.markExpired(ctx, p.GetId())
		s.record(ctx, kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_DENIED, executor, cluster, p.GetId(), "", p.GetAction(), "execution refused: plan expired")
		return nil, errExpired(p)
	}
	if reason := s.paused(ctx); reason != "" {
		return nil, errorf(connect.CodeFailedPrecondition, "조치가 일시 중지되어 있습니다 (%s)", "remediation is paused (%s)", reason)
	}
	act, err := action.From(p.GetAction())
	if err != nil {
		return nil, toConnect(err, "stored plan")
	}
	c, err := s.clusterOf(cluster)
	if err != nil {
		return nil, err
	}
	if err := access.Check(ctx, c.client, executor, act.Permissions()); err != nil {
		s.record(ctx, kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_DENIED, executor, cluster, p.GetId(), "", p.GetAction(), "execution refused: "+err.Error())
		return nil, toConnect(err, "execute")
	}
	t := act.Target()
	if id, _, err := s.store.Cooldown(ctx, targetLock(cluster, t)); err == nil && id != "" && p.GetUndoOf() == "" {
		return nil, errorf(connect.CodeFailedPrecondition, "%s은(는) 실행 %s 이후 쿨다운 중입니다", "%s is cooling down after execution %s", t, id)
	}

	execID := newID("x-")
	locks := []string{targetLock(cluster, t)}
	if act.Type() == "drain" {
		locks = append(locks, drainLock(cluster))
	}
	for i, l := range locks {
		err := s.store.TryLock(ctx, l, store.Holder{What: fmt.Sprintf("%s of %s on %s (plan %s)", act.Type(), t, cluster, p.GetId()), ExecutionID: execID, Since: s.o.Now()})
		if err == nil {
			continue
		}
		for _, held := range locks[:i] {
			_ = s.store.Unlock(ctx, held, execID)
		}
		// A concurrent Execute of the same plan may hold it: return its
		// execution once it has claimed the plan.
		if id := s.awaitClaim(ctx, p.GetId()); id != "" {
			return s.executionReply(ctx, id)
		}
		var locked *store.ErrLocked
		if errors.As(err, &locked) {
			return nil, errorf(connect.CodeFailedPrecondition, "다른 실행이 진행 중입니다: %s", "another execution is in progress: %s", locked.Error())
		}
		return nil, toConnect(err, "locking target")
	}
	unlock := func() {
		for _, l := range locks {
			_ = s.store.Unlock(context.WithoutCancel(ctx), l, execID)
		}
	}

	// Claim the plan: exactly one execution per plan, across replicas.
	won := false
	prec, err := store.UpdatePlan(ctx, s.store, p.GetId(), func(r *planRecord) error {
		won = false
		if r.ExecutionID != "" {
			return store.ErrUnchanged
		}
		cur, err := r.decode()
		if err != nil {
			return err
		}
		if cur.GetState() != kubemedicv1.PlanState_PLAN_STATE_APPROVED {
			return errState(cur, "executed")
		}
		cur.State = kubemedicv1.PlanState_PLAN_STATE_EXECUTED
		r.ExecutionID = execID
		won = true
		return r.encode(cur)
	})
	if err != nil {
		unlock()
		return nil, toConnect(err, "claiming plan")
	}
	if !won {
		unlock()
		return s.executionReply(ctx, prec.ExecutionID)
	}

	now := s.o.Now()
	exec := &kubemedicv1.Execution{Id: execID, PlanId: p.GetId(), Cluster: cluster, State: kubemedicv1.ExecutionState_EXECUTION_STATE_RUNNING, StartedAt: timestamppb.New(now)}
	actionBytes, _ := proto.Marshal(p.GetAction())
	executorBytes, _ := proto.Marshal(executor)
	er := &executionRecord{Action: actionBytes, Executor: executorBytes, State: rec.State, Locks: locks, Owner: s.o.Instance, Heartbeat: now}
	if err := er.encode(exec); err != nil {
		unlock()
		return nil, err
	}
	if err := store.PutExecution(ctx, s.store, execID, er); err != nil {
		unlock()
		return nil, toConnect(err, "storing execution")
	}
	s.record(ctx, kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_EXECUTION_STARTED, executor, cluster, p.GetId(), execID, p.GetAction(),
		fmt.Sprintf("execution %s of plan %s started by %s", execID, p.GetId(), policy.Describe(executor)))
	env, err := s.env(c, executor)
	if err != nil {
		return nil, err
	}
	done := s.start(execID, p.GetId(), c, act, env, rec.State, executor, p.GetAction())
	select {
	case <-done:
	case <-time.After(s.o.ExecuteWait):
	case <-ctx.Done():
	}
	return s.executionReply(ctx, execID)
}

// mayExecute allows the requester, an approver, or anyone the policy lets
// approve the plan.
func (s *Service) mayExecute(p *kubemedicv1.Plan, id *kubemedicv1.Identity) error {
	if policy.SamePerson(p.GetRequester(), id) {
		return nil
	}
	for _, a := range p.GetApprovals() {
		if policy.SamePerson(a.GetApprover(), id) {
			return nil
		}
	}
	pr, err := s.policyRequest(p, id, policy.VerbApprove)
	if err != nil {
		return err
	}
	if err := s.policy.Allow(pr); err != nil {
		return connect.NewError(connect.CodePermissionDenied, err)
	}
	return nil
}

// awaitClaim waits briefly for a concurrent Execute to claim plan id and
// returns its execution ID, or "".
func (s *Service) awaitClaim(ctx context.Context, id string) string {
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		rec, err := store.GetPlan[planRecord](ctx, s.store, id)
		if err == nil && rec.ExecutionID != "" {
			return rec.ExecutionID
		}
		select {
		case <-ctx.Done():
			return ""
		case <-time.After(50 * time.Millisecond):
		}
	}
	return ""
}

// executionReply returns the stored execution; a failed one whose target
// had changed since the plan becomes FailedPrecondition.
func (s *Service) executionReply(ctx context.Context, id string) (*kubemedicv1.ExecuteResponse, error) {
	er, err := store.GetExecution[executionRecord](ctx, s.store, id)
	// The winner of a concurrent Execute claims the plan first and stores
	// the execution right after: give it a moment.
	for deadline := time.Now().Add(3 * time.Second); errors.Is(err, store.ErrNotFound) && time.Now().Before(deadline); {
		select {
		case <-ctx.Done():
			return nil, toConnect(ctx.Err(), "reading execution "+id)
		case <-time.After(20 * time.Millisecond):
		}
		er, err = store.GetExecution[executionRecord](ctx, s.store, id)
	}
	if err != nil {
		return nil, toConnect(err, "reading execution "+id)
	}
	e, err := er.decode()
	if err != nil {
		return nil, err
	}
	if er.Stale {
		return nil, connect.NewError(connect.CodeFailedPrecondition, errors.New(e.GetError()))
	}
	return &kubemedicv1.ExecuteResponse{Execution: e}, nil
}

// start runs an execution in the background, in the service's lifetime
// context, and returns a channel closed when it ends.
func (s *Service) start(execID, planID string, c *cluster, act action.Action, env action.Env, state json.RawMessage, executor *kubemedicv1.Identity, a *kubemedicv1.Action) <-chan struct{} {
	done := make(chan struct{})
	s.mu.Lock()
	s.running[execID] = done
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			s.mu.Lock()
			delete(s.running, execID)
			s.mu.Unlock()
			close(done)
		}()
		s.run(execID, planID, c, act, env, state, executor, a)
	}()
	return done
}

func (s *Service) run(execID, planID string, c *cluster, act action.Action, env action.Env, state json.RawMessage, executor *kubemedicv1.Identity, a *kubemedicv1.Action) {
	ctx := s.ctx
	hbCtx, stopHB := context.WithCancel(ctx)
	defer stopHB()
	go s.heartbeat(hbCtx, execID)

	steps := newStepLog(func(batch []*kubemedicv1.ExecutionStep) {
		_, err := store.UpdateExecution(context.WithoutCancel(ctx), s.store, execID, func(r *executionRecord) error {
			e, err := r.decode()
			if err != nil {
				return err
			}
			e.Steps = append(e.Steps, batch...)
			return r.encode(e)
		})
		if err != nil {
			s.log.Warn("execution steps not stored", "execution", execID, "steps", len(batch), "error", err)
		}
		for _, st := range batch {
			msg := st.GetMessage().GetEn()
			if st.GetError() != "" {
				msg += ": " + st.GetError()
			}
			s.record(ctx, kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_EXECUTION_STEP, executor, c.name, planID, execID, nil, msg)
		}
	})
	progress := func(st action.Step) {
		step := &kubemedicv1.ExecutionStep{Time: timestamppb.New(s.o.Now()), Message: &kubemedicv1.LocalizedText{Ko: st.Ko, En: st.En}, Error: st.Err}
		if st.Object != nil {
			step.Object = st.Object.Proto(c.name)
		}
		steps.add(step)
	}
	outcome, err := act.Execute(ctx, env, state, progress)
	steps.close()
	if err != nil && ctx.Err() != nil {
		// This process is stopping: leave the execution RUNNING for the
		// next process (or another replica) to resume or close.
		s.log.Warn("execution interrupted by shutdown; it will be resumed or failed by the next process", "execution", execID)
		return
	}
	s.finish(execID, planID, c, act, executor, a, outcome, err)
}

// finish records the result (audit first, so a caller that sees the
// execution end also finds its audit record), frees the locks and starts
// the cooldown.
func (s *Service) finish(execID, planID string, c *cluster, act action.Action, executor *kubemedicv1.Identity, a *kubemedicv1.Action, outcome *action.Outcome, runErr error) {
	ctx := context.WithoutCancel(s.ctx)
	state := kubemedicv1.ExecutionState_EXECUTION_STATE_SUCCEEDED
	errMsg := ""
	var stale *action.StaleError
	if runErr != nil {
		state = kubemedicv1.ExecutionState_EXECUTION_STATE_FAILED
		var ce *connect.Error
		if errors.As(toConnect(runErr, act.Type()), &ce) {
			errMsg = ce.Message()
		}
	}
	msg := fmt.Sprintf("execution %s %s", execID, state)
	typ := "Normal"
	if errMsg != "" {
		msg += ": " + errMsg
		typ = "Warning"
	}
	s.record(ctx, kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_EXECUTION_FINISHED, executor, c.name, planID, execID, a, msg)
	t := act.Target()
	ref := &kubemedicv1.ObjectRef{Cluster: c.name, ApiVersion: apiVersionOf(t.Kind), Kind: t.Kind, Namespace: t.Namespace, Name: t.Name}
	s.event(ctx, c, ref, typ, "KubemedicExecuted", fmt.Sprintf("kubemedic %s for %s: %s", act.Type(), policy.Describe(executor), msg))

	// Cooldown before unlocking, so no new plan slips in between.
	if runErr == nil || outcome != nil {
		if err := s.store.StartCooldown(ctx, targetLock(c.name, t), execID); err != nil {
			s.log.Warn("cooldown not recorded", "execution", execID, "error", err)
		}
	}
	if cur, err := store.GetExecution[executionRecord](ctx, s.store, execID); err == nil {
		for _, l := range cur.Locks {
			if err := s.store.Unlock(ctx, l, execID); err != nil {
				s.log.Warn("lock not released; its TTL will free it", "lock", l, "error", err)
			}
		}
	}
	_, err := store.UpdateExecution(ctx, s.store, execID, func(r *executionRecord) error {
		e, err := r.decode()
		if err != nil {
			return err
		}
		e.FinishedAt = timestamppb.New(s.o.Now())
		e.State, e.Error = state, errMsg
		r.Stale = errors.As(runErr, &stale)
		if outcome != nil && outcome.Undo != nil {
			b, err := proto.Marshal(outcome.Undo)
			if err != nil {
				return err
			}
			r.Undo = b
			e.Undoable = true
		}
		return r.encode(e)
	})
	if err != nil {
		s.log.Error("execution result not stored", "execution", execID, "error", err)
	}
}

func apiVersionOf(kind string) string {
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet":
		return "apps/v1"
	}
	return "v1"
}

// heartbeat records that this process still runs execID and keeps its
// locks alive.
func (s *Service) heartbeat(ctx context.Context, execID string) {
	t := time.NewTicker(s.o.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rec, err := store.UpdateExecution(ctx, s.store, execID, func(r *executionRecord) error {
			if r.Owner != s.o.Instance {
				return errors.New("execution taken over by " + r.Owner)
			}
			r.Heartbeat = s.o.Now()
			return nil
		})
		if err != nil {
			s.log.Warn("execution heartbeat failed", "execution", execID, "error", err)
			continue
		}
		for _, l := range rec.Locks {
			if err := s.store.RefreshLock(ctx, l, execID); err != nil {
				s.log.Warn("lock refresh failed", "lock", l, "error", err)
			}
		}
	}
}

// recoverLoop takes over executions whose process stopped heartbeating: a
// drain is resumed (evicting is idempotent and the node stays cordoned);
// any other action is marked failed, since its single write may or may not
// have happened and repeating it blindly could apply it twice.
func (s *Service) recoverLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.o.Heartbeat)
	defer t.Stop()
	for {
		s.recoverOnce(s.ctx)
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Service) recoverOnce(ctx context.Context) {
	ids, err := s.store.ExecutionIDs(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("listing executions for recovery failed", "error", err)
		}
		return
	}
	for _, id := range ids {
		s.mu.Lock()
		_, mine := s.running[id]
		s.mu.Unlock()
		if mine {
			continue
		}
		cur, err := store.GetExecution[executionRecord](ctx, s.store, id)
		if err != nil {
			continue
		}
		e, err := cur.decode()
		if err != nil || !running(e) || s.o.Now().Sub(cur.Heartbeat) < 3*s.o.Heartbeat {
			continue
		}
		took := false
		rec, err := store.UpdateExecution(ctx, s.store, id, func(r *executionRecord) error {
			took = false
			x, err := r.decode()
			if err != nil {
				return err
			}
			if !running(x) || s.o.Now().Sub(r.Heartbeat) < 3*s.o.Heartbeat {
				return store.ErrUnchanged
			}
			r.Owner, r.Heartbeat = s.o.Instance, s.o.Now()
			took = true
			return nil
		})
		if err != nil || !took {
			continue
		}
		s.takeOver(id, rec)
	}
}

func (s *Service) takeOver(id string, rec *executionRecord) {
	ctx := s.ctx
	e, _ := rec.decode()
	a, executor := &kubemedicv1.Action{}, &kubemedicv1.Identity{}
	if err := proto.Unmarshal(rec.Action, a); err != nil {
		s.log.Error("cannot resume execution", "execution", id, "error", err)
		return
	}
	_ = proto.Unmarshal(rec.Executor, executor)
	act, err := action.From(a)
	if err != nil {
		s.log.Error("cannot resume execution", "execution", id, "error", err)
		return
	}
	c, cerr := s.clusterOf(a.GetCluster())
	if cerr != nil {
		s.log.Error("cannot resume execution: unknown cluster", "execution", id, "cluster", a.GetCluster())
		return
	}
	s.log.Warn("taking over an execution whose process stopped", "execution", id, "action", act.Type())
	if act.Type() == "drain" {
		env, err := s.env(c, executor)
		if err == nil {
			s.record(ctx, kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_EXECUTION_STEP, executor, c.name, e.GetPlanId(), id, nil,
				"the process running this drain stopped; "+s.o.Instance+" resumes it")
			s.start(id, e.GetPlanId(), c, act, env, rec.State, executor, a)
			return
		}
	}
	s.finish(id, e.GetPlanId(), c, act, executor, a, nil, errors.New(
		"실행 중 프로세스가 멈췄습니다; 대상의 현재 상태를 확인하세요 (the process running this execution stopped mid-way; check the target's current state)"))
}
