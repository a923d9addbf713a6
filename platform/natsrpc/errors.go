package natsrpc

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"connectrpc.com/connect"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
)

// ErrUnavailable is wrapped by errors returned while the bus is down.
var ErrUnavailable = errors.New("message bus unavailable")

// errShuttingDown cancels the handlers of a stopping server.
var errShuttingDown = errors.New("the service is shutting down; retry (서비스가 종료 중입니다. 다시 시도해 주세요)")

// errCallerGone cancels a stream whose caller stopped acknowledging.
var errCallerGone = errors.New("the caller stopped answering heartbeats")

// errCallerCancelled cancels a stream whose caller sent "cancel".
var errCallerCancelled = errors.New("the caller cancelled the stream")

// unimplemented is the answer of a method nobody built yet.
func unimplemented(procedure string) *connect.Error {
	return connect.NewError(connect.CodeUnimplemented, fmt.Errorf(
		"%s는 이 버전의 kubemedic에서 아직 지원하지 않는 기능입니다 (%s is not available in this version of kubemedic)", procedure, procedure))
}

// handlerError turns what a handler returned into the *connect.Error the
// caller sees. Errors without a code, and CodeInternal/CodeUnknown, are
// logged by the caller of handlerError and reported without details.
func handlerError(ctx context.Context, err error) *connect.Error {
	var ce *connect.Error
	if errors.As(err, &ce) {
		return ce
	}
	switch cause := context.Cause(ctx); {
	case errors.Is(err, context.DeadlineExceeded) || (errors.Is(err, context.Canceled) && errors.Is(cause, context.DeadlineExceeded)):
		return connect.NewError(connect.CodeDeadlineExceeded, errors.New("deadline exceeded while handling the request"))
	case errors.Is(err, context.Canceled) && errors.Is(cause, errShuttingDown):
		return connect.NewError(connect.CodeUnavailable, errShuttingDown)
	case errors.Is(err, context.Canceled):
		return connect.NewError(connect.CodeCanceled, fmt.Errorf("%w", context.Cause(ctx)))
	}
	return connect.NewError(connect.CodeInternal, err)
}

// publicMessage is the message sent to the caller: never internals.
func publicMessage(ce *connect.Error) string {
	if ce.Code() == connect.CodeInternal || ce.Code() == connect.CodeUnknown {
		return "internal error; see the service log (내부 오류입니다. 서비스 로그를 확인하세요)"
	}
	return ce.Message()
}

// setError puts err into micro's error headers of msg.
func setError(msg *nats.Msg, ce *connect.Error) {
	if msg.Header == nil {
		msg.Header = nats.Header{}
	}
	msg.Header.Set(micro.ErrorCodeHeader, ce.Code().String())
	msg.Header.Set(micro.ErrorHeader, publicMessage(ce))
}

// replyError decodes micro error headers of msg, or returns nil.
func replyError(msg *nats.Msg) error {
	code := msg.Header.Get(micro.ErrorCodeHeader)
	if code == "" {
		return nil
	}
	return decodeError(code, msg.Header.Get(micro.ErrorHeader))
}

// decodeError turns micro error headers back into a *connect.Error.
func decodeError(code, description string) error {
	var c connect.Code
	if err := c.UnmarshalText([]byte(code)); err != nil {
		// Not one of ours (e.g. a micro framework error such as "500").
		c = connect.CodeInternal
		if strings.HasPrefix(code, "4") {
			c = connect.CodeInvalidArgument
		}
	}
	return connect.NewError(c, errors.New(description))
}

// transportError maps a failed NATS request/receive to a *connect.Error.
// down is the connection-lost cause, callerDeadline whether the caller's own
// deadline (not the client's timeout) has passed.
func transportError(err error, subject string, connLost, callerDeadline bool, waited string) error {
	switch {
	case connLost:
		return connect.NewError(connect.CodeUnavailable, fmt.Errorf("%w: NATS connection lost while waiting for %s", ErrUnavailable, subject))
	case errors.Is(err, nats.ErrNoResponders):
		return connect.NewError(connect.CodeUnavailable, fmt.Errorf("no service is serving %s right now", subject))
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout):
		if callerDeadline {
			return connect.NewError(connect.CodeDeadlineExceeded, fmt.Errorf("%s: deadline exceeded", subject))
		}
		return connect.NewError(connect.CodeUnavailable, fmt.Errorf("%s did not answer within %s", subject, waited))
	case errors.Is(err, context.Canceled):
		return connect.NewError(connect.CodeCanceled, err)
	case errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, nats.ErrConnectionDraining),
		errors.Is(err, nats.ErrConnectionReconnecting), errors.Is(err, nats.ErrReconnectBufExceeded),
		errors.Is(err, nats.ErrDisconnected):
		return connect.NewError(connect.CodeUnavailable, fmt.Errorf("%w: %v", ErrUnavailable, err))
	default:
		return connect.NewError(connect.CodeUnavailable, fmt.Errorf("calling %s: %w", subject, err))
	}
}
