package natsrpc

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"
)

const tracerName = "github.com/kubemedic/kubemedic/platform/natsrpc"

// ErrUnavailable is wrapped by errors returned while the bus is down.
var ErrUnavailable = errors.New("message bus unavailable")

// Client calls services over NATS.
type Client struct {
	conn    *Conn
	timeout time.Duration
}

// NewClient returns a Client. timeout bounds each call unless the caller's
// context has an earlier deadline.
func NewClient(conn *Conn, timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &Client{conn: conn, timeout: timeout}
}

// Call sends req to subject and decodes the reply into resp. Errors are
// *connect.Error values with the code the service chose, CodeUnavailable
// when the bus or the service is unreachable, or CodeDeadlineExceeded when
// the caller's own deadline passed.
func (c *Client) Call(ctx context.Context, subject string, req, resp proto.Message) error {
	ctx, span := otel.Tracer(tracerName).Start(ctx, subject,
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("messaging.system", "nats"), attribute.String("messaging.destination.name", subject)))
	defer span.End()
	err := c.call(ctx, subject, req, resp)
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
		span.RecordError(err)
	}
	return err
}

func (c *Client) call(ctx context.Context, subject string, req, resp proto.Message) error {
	if !c.conn.IsConnected() {
		return connect.NewError(connect.CodeUnavailable, fmt.Errorf("%w: not connected to NATS (status %s); retry when it is back", ErrUnavailable, c.conn.Status()))
	}
	down := c.conn.Down()
	data, err := proto.Marshal(req)
	if err != nil {
		return connect.NewError(connect.CodeInternal, fmt.Errorf("encoding %s request: %w", subject, err))
	}
	msg := nats.NewMsg(subject)
	msg.Data = data
	otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(msg.Header))

	callerDeadline, hasDeadline := ctx.Deadline()
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	ctx, cancelDown := context.WithCancelCause(ctx)
	defer cancelDown(nil)
	go func() {
		select {
		case <-down:
			cancelDown(ErrUnavailable)
		case <-ctx.Done():
		}
	}()

	reply, err := c.conn.RequestMsgWithContext(ctx, msg)
	if err != nil {
		switch {
		case errors.Is(context.Cause(ctx), ErrUnavailable):
			return connect.NewError(connect.CodeUnavailable, fmt.Errorf("%w: NATS connection lost while waiting for %s", ErrUnavailable, subject))
		case errors.Is(err, nats.ErrNoResponders):
			return connect.NewError(connect.CodeUnavailable, fmt.Errorf("no service is serving %s right now", subject))
		case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout):
			if hasDeadline && !time.Now().Before(callerDeadline) {
				return connect.NewError(connect.CodeDeadlineExceeded, fmt.Errorf("%s: deadline exceeded", subject))
			}
			return connect.NewError(connect.CodeUnavailable, fmt.Errorf("%s did not answer within %s", subject, c.timeout))
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
	if code := reply.Header.Get(micro.ErrorCodeHeader); code != "" {
		return decodeError(code, reply.Header.Get(micro.ErrorHeader))
	}
	if err := proto.Unmarshal(reply.Data, resp); err != nil {
		return connect.NewError(connect.CodeInternal, fmt.Errorf("decoding %s reply: %w", subject, err))
	}
	return nil
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
