package remediation

import (
	"context"
	"encoding/json"
	"errors"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/remediation/audit"
	"github.com/kubemedic/kubemedic/services/remediation/store"
)

// Undo implements RemediationService.Undo: it plans the inverse action the
// execution recorded (from its pre-image). The undo plan is checked, guarded
// and approved like any other.
func (s *Service) Undo(ctx context.Context, req *kubemedicv1.UndoRequest) (*kubemedicv1.UndoResponse, error) {
	er, e, err := s.loadExecution(ctx, req.GetExecutionId())
	if err != nil {
		return nil, err
	}
	done := &kubemedicv1.Action{}
	if err := proto.Unmarshal(er.Action, done); err != nil {
		return nil, err
	}
	if err := mayUseCluster(req.GetRequester(), done.GetCluster()); err != nil {
		return nil, err
	}
	if running(e) {
		return nil, errorf(connect.CodeFailedPrecondition, "실행 %s이(가) 아직 진행 중입니다; 끝난 뒤에 되돌리세요", "execution %s is still running; undo it when it has finished", e.GetId())
	}
	if !e.GetUndoable() || len(er.Undo) == 0 {
		return nil, errorf(connect.CodeFailedPrecondition, "실행 %s은(는) 되돌릴 수 없습니다 (재시작과 파드 삭제는 되돌릴 수 없고, 실패한 실행은 바꾼 것이 없을 수 있습니다)",
			"execution %s cannot be undone (restarts and pod deletions cannot, and a failed execution may have changed nothing)", e.GetId())
	}
	inverse := &kubemedicv1.Action{}
	if err := proto.Unmarshal(er.Undo, inverse); err != nil {
		return nil, err
	}
	p, err := s.plan(ctx, inverse, req.GetRequester(), e.GetId())
	if err != nil {
		return nil, err
	}
	return &kubemedicv1.UndoResponse{Plan: p}, nil
}

func (s *Service) loadExecution(ctx context.Context, id string) (*executionRecord, *kubemedicv1.Execution, error) {
	if id == "" {
		return nil, nil, errorf(connect.CodeInvalidArgument, "execution_id가 비어 있습니다", "execution_id is required")
	}
	er, err := store.GetExecution[executionRecord](ctx, s.store, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, errorf(connect.CodeNotFound, "실행 %s이(가) 없습니다", "execution %s not found", id)
	}
	if err != nil {
		return nil, nil, toConnect(err, "reading execution")
	}
	e, err := er.decode()
	if err != nil {
		return nil, nil, err
	}
	return er, e, nil
}

// GetExecution implements RemediationService.GetExecution: it sends the
// execution as it is and, with follow, every change until it finishes.
func (s *Service) GetExecution(ctx context.Context, req *kubemedicv1.GetExecutionRequest, send func(*kubemedicv1.GetExecutionResponse) error) error {
	_, e, err := s.loadExecution(ctx, req.GetExecutionId())
	if err != nil {
		return err
	}
	if err := send(&kubemedicv1.GetExecutionResponse{Execution: e}); err != nil {
		return err
	}
	if !req.GetFollow() || !running(e) {
		return nil
	}
	lastSteps := len(e.GetSteps())
	lastState := e.GetState()
	var sendErr error
	err = s.store.WatchExecution(ctx, e.GetId(), func(b []byte) bool {
		var er executionRecord
		if err := json.Unmarshal(b, &er); err != nil {
			sendErr = err
			return false
		}
		x, err := er.decode()
		if err != nil {
			sendErr = err
			return false
		}
		if len(x.GetSteps()) == lastSteps && x.GetState() == lastState {
			return true // a heartbeat: nothing new to tell
		}
		lastSteps, lastState = len(x.GetSteps()), x.GetState()
		if err := send(&kubemedicv1.GetExecutionResponse{Execution: x}); err != nil {
			sendErr = err
			return false
		}
		return running(x)
	})
	if sendErr != nil {
		return sendErr
	}
	if err != nil && ctx.Err() != nil {
		return connect.NewError(connect.CodeDeadlineExceeded, ctx.Err())
	}
	return err
}

// ListAudit implements RemediationService.ListAudit.
func (s *Service) ListAudit(ctx context.Context, req *kubemedicv1.ListAuditRequest) (*kubemedicv1.ListAuditResponse, error) {
	resp, err := s.audit.List(ctx, req)
	if errors.Is(err, audit.ErrBadPageToken) || (err != nil && req.GetPageSize() < 0) {
		return nil, connect.NewError(connect.CodeInvalidArgument, err)
	}
	if err != nil {
		return nil, toConnect(err, "reading the audit trail")
	}
	return resp, nil
}
