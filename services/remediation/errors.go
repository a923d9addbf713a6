package remediation

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/kubemedic/kubemedic/services/remediation/access"
	"github.com/kubemedic/kubemedic/services/remediation/action"
)

// errorf builds a *connect.Error with Korean text first and English after.
func errorf(code connect.Code, ko, en string, args ...any) *connect.Error {
	return connect.NewError(code, fmt.Errorf("%s (%s)", fmt.Sprintf(ko, args...), fmt.Sprintf(en, args...)))
}

// toConnect gives err the Connect code that tells the caller what to do.
func toConnect(err error, what string) error {
	var (
		ce      *connect.Error
		invalid *action.InvalidError
		stale   *action.StaleError
		denied  *access.Denied
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce):
		return ce
	case errors.As(err, &invalid):
		return connect.NewError(connect.CodeInvalidArgument, invalid)
	case errors.As(err, &stale):
		return connect.NewError(connect.CodeFailedPrecondition, stale)
	case errors.As(err, &denied):
		return connect.NewError(connect.CodePermissionDenied, denied)
	case apierrors.IsNotFound(err):
		return errorf(connect.CodeNotFound, "%s: 대상을 찾을 수 없습니다: %v", "%s: target not found: %v", what, err)
	case apierrors.IsForbidden(err):
		return errorf(connect.CodePermissionDenied, "%s: 쿠버네티스가 거부했습니다: %v", "%s: Kubernetes refused: %v", what, err)
	case errors.Is(err, context.DeadlineExceeded):
		return connect.NewError(connect.CodeDeadlineExceeded, fmt.Errorf("%s: %w", what, err))
	case apierrors.IsServerTimeout(err) || apierrors.IsServiceUnavailable(err) || apierrors.IsTimeout(err) || apierrors.IsTooManyRequests(err):
		return errorf(connect.CodeUnavailable, "%s: 클러스터가 응답하지 않습니다: %v", "%s: the cluster is unavailable: %v", what, err)
	default:
		return connect.NewError(connect.CodeInternal, fmt.Errorf("%s: %w", what, err))
	}
}
