package natsrpc

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"
)

// Client calls services over NATS.
type Client struct {
	conn    *Conn
	timeout time.Duration
	routes  sync.Map // procedure -> *clientRoute
}

// clientRoute is what a Client works out once per procedure.
type clientRoute struct {
	subject     string
	spanOptions []trace.SpanStartOption
}

func (c *Client) route(procedure string) (*clientRoute, error) {
	if r, ok := c.routes.Load(procedure); ok {
		return r.(*clientRoute), nil
	}
	subject, err := Subject(procedure)
	if err != nil {
		return nil, connect.NewError(connect.CodeInternal, err)
	}
	r, _ := c.routes.LoadOrStore(procedure, &clientRoute{subject: subject, spanOptions: spanOptions(subject, trace.SpanKindClient)})
	return r.(*clientRoute), nil
}

// NewClient returns a Client. timeout bounds each unary call, and the wait
// for a stream to open, unless the caller's context has an earlier
// deadline. Default (0) 10s.
func NewClient(conn *Conn, timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &Client{conn: conn, timeout: timeout}
}

// Call sends req to a unary procedure (e.g.
// kubemedicv1connect.KnowledgeServiceAskProcedure) and decodes the reply
// into resp. Errors are *connect.Error values with the code the service
// chose, CodeUnavailable when the bus or the service is unreachable, or
// CodeDeadlineExceeded when the caller's own deadline passed.
func (c *Client) Call(ctx context.Context, procedure string, req, resp proto.Message) error {
	data, err := c.CallRaw(ctx, procedure, req)
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(data, resp); err != nil {
		return connect.NewError(connect.CodeInternal, fmt.Errorf("decoding %s reply: %w", procedure, err))
	}
	return nil
}

// CallRaw is Call without decoding: it returns the reply's protobuf
// encoding as the service sent it, for a caller that passes replies on
// (the gateway, which then need not decode and encode them again). The
// slice is the caller's.
func (c *Client) CallRaw(ctx context.Context, procedure string, req proto.Message) ([]byte, error) {
	r, err := c.route(procedure)
	if err != nil {
		return nil, err
	}
	ctx, span := startSpan(ctx, r.subject, r.spanOptions...)
	defer span.End()
	data, err := c.call(ctx, r.subject, req)
	endSpan(span, err)
	return data, err
}

func endSpan(span trace.Span, err error) {
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
		span.RecordError(err)
	}
}

// request builds the request message: payload, trace context and the
// caller's remaining time, in a pooled message (see outgoing) to free once
// it is published.
func (c *Client) request(ctx context.Context, subject string, req proto.Message) (*outgoing, error) {
	out, err := newOutgoing(subject, req)
	if err != nil {
		return nil, connect.NewError(connect.CodeInternal, fmt.Errorf("encoding %s request: %w", subject, err))
	}
	msg := &out.msg
	addOutgoing(ctx, msg) // first: the protocol's headers below win
	otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(msg.Header))
	if d, ok := ctx.Deadline(); ok {
		ms := max(time.Until(d).Milliseconds(), 1)
		msg.Header.Set(HeaderTimeout, strconv.FormatInt(ms, 10))
	}
	return out, nil
}

func (c *Client) unavailable() error {
	return connect.NewError(connect.CodeUnavailable, fmt.Errorf("%w: not connected to NATS (status %s); retry when it is back", ErrUnavailable, c.conn.Status()))
}

// failFast returns a context cancelled with ErrUnavailable as soon as the
// connection drops. It costs no goroutine per call: the connection's own
// context (Conn.downContext) ends when it drops, and context.AfterFunc
// passes that on.
func (c *Client) failFast(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(c.conn.downContext(), func() { cancel(ErrUnavailable) })
	return ctx, func() { stop(); cancel(nil) }
}

func (c *Client) call(ctx context.Context, subject string, req proto.Message) ([]byte, error) {
	if !c.conn.IsConnected() {
		return nil, c.unavailable()
	}
	start := time.Now()
	callerDeadline, hasDeadline := ctx.Deadline()
	// One context layer ends the wait: at the earlier of the caller's
	// deadline and the client's timeout (a timer only when the timeout
	// comes first), or when the connection drops (no goroutine per call;
	// the connection's context ends on a drop).
	var cancel context.CancelFunc
	if hasDeadline && !callerDeadline.After(start.Add(c.timeout)) {
		ctx, cancel = context.WithCancel(ctx)
	} else {
		ctx, cancel = context.WithDeadline(ctx, start.Add(c.timeout))
	}
	defer cancel()
	down := c.conn.downContext()
	defer context.AfterFunc(down, cancel)()
	out, err := c.request(ctx, subject, req)
	if err != nil {
		return nil, err
	}
	reply, err := c.conn.RequestMsgWithContext(ctx, &out.msg)
	out.free() // sent (or failed) before the wait: nats.go keeps none of it
	if err != nil {
		return nil, transportError(err, subject, down.Err() != nil,
			hasDeadline && !time.Now().Before(callerDeadline), c.timeout.String())
	}
	if err := replyError(reply); err != nil {
		// The deadline the service ran out of was the client's timeout, not
		// the caller's: the service is too slow, which callers may retry.
		callerLimited := hasDeadline && callerDeadline.Before(start.Add(c.timeout))
		if connect.CodeOf(err) == connect.CodeDeadlineExceeded && !callerLimited {
			return nil, connect.NewError(connect.CodeUnavailable, fmt.Errorf("%s did not answer within %s: %w", subject, c.timeout, err))
		}
		return nil, err
	}
	return reply.Data, nil
}

// ServerStream calls a server-streaming procedure and hands each message,
// typed, to recv; see Client.Stream.
func ServerStream[Resp proto.Message](ctx context.Context, c *Client, procedure string, req proto.Message, recv func(Resp) error) error {
	newResp := newOf[Resp]()
	if newResp == nil {
		return connect.NewError(connect.CodeInternal, errors.New("natsrpc: ServerStream needs a generated message pointer type"))
	}
	return c.Stream(ctx, procedure, req, newResp, func(m proto.Message) error { return recv(m.(Resp)) })
}

// Stream calls a server-streaming procedure (e.g.
// kubemedicv1connect.DiagnosisServiceDiagnoseProcedure) and calls recv with
// each message, decoded into a fresh newResp(), in order. recv runs on the
// calling goroutine; while it works the server is held back by flow control,
// not buffered without bound. Stream returns nil when the server ended the
// stream normally, recv's error when recv fails (the server is told to
// stop), or a *connect.Error: the handler's code, CodeCanceled /
// CodeDeadlineExceeded when ctx ends (the server is told to stop),
// CodeUnavailable when the bus drops or the serving process falls silent
// for three heartbeats, CodeDataLoss when a message went missing.
func (c *Client) Stream(ctx context.Context, procedure string, req proto.Message, newResp func() proto.Message, recv func(proto.Message) error) error {
	r, err := c.route(procedure)
	if err != nil {
		return err
	}
	ctx, span := startSpan(ctx, r.subject, r.spanOptions...)
	defer span.End()
	err = c.stream(ctx, r.subject, req, newResp, recv)
	endSpan(span, err)
	return err
}

func (c *Client) stream(ctx context.Context, subject string, req proto.Message, newResp func() proto.Message, recv func(proto.Message) error) error {
	if !c.conn.IsConnected() {
		return c.unavailable()
	}
	callerCtx := ctx
	ctx, cancelDown := c.failFast(ctx)
	defer cancelDown()
	// ctxErr explains why ctx ended.
	ctxErr := func(err error) error {
		connLost := errors.Is(context.Cause(ctx), ErrUnavailable)
		_, hasDeadline := callerCtx.Deadline()
		return transportError(err, subject, connLost, hasDeadline && errors.Is(callerCtx.Err(), context.DeadlineExceeded), c.timeout.String())
	}
	out, err := c.request(ctx, subject, req)
	if err != nil {
		return err
	}
	defer out.free()
	msg := &out.msg
	msg.Reply = c.conn.NewInbox()
	sub, err := c.conn.SubscribeSync(msg.Reply)
	if err != nil {
		return transportError(err, subject, false, false, "")
	}
	defer func() { _ = sub.Unsubscribe() }()
	if err := c.conn.PublishMsg(msg); err != nil {
		return transportError(err, subject, false, false, "")
	}

	// The server answers "open" (or an error) at once.
	openCtx, cancelOpen := context.WithTimeout(ctx, c.timeout)
	open, err := sub.NextMsgWithContext(openCtx)
	cancelOpen()
	if err != nil {
		if ctx.Err() != nil {
			return ctxErr(ctx.Err())
		}
		return transportError(err, subject, false, false, c.timeout.String())
	}
	if err := replyError(open); err != nil {
		return err
	}
	if open.Header.Get(HeaderStream) != kindOpen {
		return connect.NewError(connect.CodeInternal, fmt.Errorf("%s: expected the stream to open, got %q", subject, open.Header.Get(HeaderStream)))
	}
	hbMS, err1 := strconv.ParseInt(open.Header.Get(HeaderHeartbeat), 10, 64)
	window, err2 := strconv.Atoi(open.Header.Get(HeaderWindow))
	cs := &clientStream{conn: c.conn, control: open.Header.Get(HeaderControl)}
	if err1 != nil || err2 != nil || hbMS <= 0 || window <= 0 || cs.control == "" {
		return connect.NewError(connect.CodeInternal, fmt.Errorf("%s: malformed stream opening", subject))
	}
	heartbeat := time.Duration(hbMS) * time.Millisecond

	// A reader goroutine answers heartbeats even while recv is busy, and
	// notices a silent server; data goes through items, which never holds
	// more than the window.
	items := make(chan streamItem, window+2)
	readCtx, stopReading := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		cs.read(readCtx, sub, silentBeats*heartbeat, items)
	}()
	finished := false
	defer func() {
		if !finished {
			cs.publish(kindCancel, cs.consumed.Load())
		}
		stopReading()
		wg.Wait()
	}()

	ackEvery := max(int64(window/2), 1)
	var lastAck int64
	for {
		var it streamItem
		select {
		case <-ctx.Done():
			return ctxErr(ctx.Err())
		case it = <-items:
		}
		if it.err != nil {
			if ctx.Err() != nil {
				return ctxErr(ctx.Err())
			}
			return connect.NewError(connect.CodeUnavailable, fmt.Errorf("%s: %w", subject, it.err))
		}
		seq, err := strconv.ParseInt(it.msg.Header.Get(HeaderSeq), 10, 64)
		next := cs.consumed.Load() + 1
		if err != nil || seq != next {
			return connect.NewError(connect.CodeDataLoss, fmt.Errorf("%s: stream message %d missing (got %q)", subject, next, it.msg.Header.Get(HeaderSeq)))
		}
		if it.msg.Header.Get(HeaderStream) == kindEnd {
			finished = true
			return replyError(it.msg)
		}
		resp := newResp()
		if err := proto.Unmarshal(it.msg.Data, resp); err != nil {
			return connect.NewError(connect.CodeInternal, fmt.Errorf("decoding %s message %d: %w", subject, seq, err))
		}
		if err := recv(resp); err != nil {
			return err
		}
		n := cs.consumed.Add(1)
		if n-lastAck >= ackEvery {
			cs.publish(kindAck, n)
			lastAck = n
		}
	}
}

// streamItem is a data or end message, or why the stream broke.
type streamItem struct {
	msg *nats.Msg
	err error
}

// clientStream is the caller's side of one open stream.
type clientStream struct {
	conn     *Conn
	control  string
	consumed atomic.Int64
}

// publish sends an ack or cancel to the server, best effort: a lost one is
// repeated on the next heartbeat, or noticed by the server as silence.
func (cs *clientStream) publish(kind string, seq int64) {
	m := nats.NewMsg(cs.control)
	m.Header.Set(HeaderStream, kind)
	m.Header.Set(HeaderSeq, strconv.FormatInt(seq, 10))
	_ = cs.conn.PublishMsg(m)
}

func (cs *clientStream) read(ctx context.Context, sub *nats.Subscription, silence time.Duration, items chan<- streamItem) {
	deliver := func(it streamItem) bool {
		select {
		case items <- it:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		waitCtx, cancel := context.WithTimeout(ctx, silence)
		msg, err := sub.NextMsgWithContext(waitCtx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, context.DeadlineExceeded):
			deliver(streamItem{err: fmt.Errorf("%w: the serving process sent nothing for %s (no heartbeat); it probably stopped", ErrUnavailable, silence)})
			return
		case err != nil:
			deliver(streamItem{err: fmt.Errorf("%w: %v", ErrUnavailable, err)})
			return
		}
		switch msg.Header.Get(HeaderStream) {
		case kindHeartbeat:
			cs.publish(kindAck, cs.consumed.Load())
		case kindMsg:
			if !deliver(streamItem{msg: msg}) {
				return
			}
		case kindEnd:
			deliver(streamItem{msg: msg})
			return
		}
	}
}
