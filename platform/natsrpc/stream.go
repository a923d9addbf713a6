package natsrpc

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
	"go.opentelemetry.io/otel/codes"
	"google.golang.org/protobuf/proto"
)

// silentBeats is how many heartbeat intervals of silence make either side
// give the other up.
const silentBeats = 3

func (srv *Server) streamHandler(s *Service, m *method, st *endpointStats) micro.Handler {
	sem := make(chan struct{}, s.opts.MaxStreams)
	return micro.HandlerFunc(func(r micro.Request) {
		if r.Reply() == "" {
			return
		}
		select {
		case sem <- struct{}{}:
		default:
			start := time.Now()
			st.enter()
			ce := connect.NewError(connect.CodeResourceExhausted, fmt.Errorf(
				"too many open %s streams in this replica (%d); retry later (열린 스트림이 너무 많습니다. 잠시 후 다시 시도하세요)", m.procedure, s.opts.MaxStreams))
			_ = r.Error(ce.Code().String(), publicMessage(ce), nil)
			srv.finish(m.procedure, st, start, ce)
			return
		}
		if !srv.begin() {
			<-sem
			ce := connect.NewError(connect.CodeUnavailable, errShuttingDown)
			_ = r.Error(ce.Code().String(), publicMessage(ce), nil)
			return
		}
		go func() {
			defer srv.wg.Done()
			defer func() { <-sem }()
			srv.handleStream(r, m, st)
		}()
	})
}

// serverStream is the server side of one open stream.
type serverStream struct {
	srv     *Server
	m       *method
	st      *endpointStats
	inbox   string // the caller's
	ctx     context.Context
	cancel  context.CancelCauseFunc
	ackSeen chan struct{} // signalled on every ack that frees window

	mu    sync.Mutex // serialises send
	sent  int64      // messages sent; written under mu
	ended bool       // the handler returned; written under mu
	ackMu sync.Mutex
	acked int64 // messages the caller consumed
}

func (srv *Server) handleStream(r micro.Request, m *method, st *endpointStats) {
	start := time.Now()
	st.enter()
	st.metrics.inFlight.Inc()
	defer st.metrics.inFlight.Dec()
	ctx, span, cancelCtx := srv.handlerContext(nats.Header(r.Headers()), m, 0)
	defer cancelCtx()
	defer span.End()

	fail := func(ce *connect.Error) {
		srv.logFailure(m.procedure, ce)
		span.SetStatus(codes.Error, ce.Error())
		reply := nats.NewMsg(r.Reply())
		setError(reply, ce)
		if err := srv.conn.PublishMsg(reply); err != nil {
			srv.log.Warn("sending error reply failed", "rpc", m.procedure, "error", err)
		}
		srv.finish(m.procedure, st, start, ce)
	}
	req, ce := srv.decode(r.Data(), m)
	if ce != nil {
		fail(ce)
		return
	}
	control := make(chan *nats.Msg, 2*srv.cfg.Window+8)
	ctl := srv.conn.NewRespInbox()
	sub, err := srv.conn.ChanSubscribe(ctl, control)
	if err != nil {
		fail(connect.NewError(connect.CodeUnavailable, fmt.Errorf("%w: opening the stream's control subject: %v", ErrUnavailable, err)))
		return
	}
	defer func() { _ = sub.Unsubscribe() }()

	ss := &serverStream{srv: srv, m: m, st: st, inbox: r.Reply(), ackSeen: make(chan struct{}, 1)}
	ss.ctx, ss.cancel = context.WithCancelCause(ctx)
	defer ss.cancel(nil)

	open := nats.NewMsg(r.Reply())
	open.Header.Set(HeaderStream, kindOpen)
	open.Header.Set(HeaderControl, ctl)
	open.Header.Set(HeaderHeartbeat, strconv.FormatInt(srv.cfg.Heartbeat.Milliseconds(), 10))
	open.Header.Set(HeaderWindow, strconv.Itoa(srv.cfg.Window))
	// The control subscription was sent to the NATS server before this
	// message, so the caller's first ack finds it.
	if err := srv.conn.PublishMsg(open); err != nil {
		fail(connect.NewError(connect.CodeUnavailable, fmt.Errorf("%w: opening the stream: %v", ErrUnavailable, err)))
		return
	}

	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ss.watch(control, done)
	}()
	err = ss.run(req)
	close(done)
	wg.Wait()

	end := nats.NewMsg(r.Reply())
	end.Header.Set(HeaderStream, kindEnd)
	ss.mu.Lock()
	ss.ended = true // a send from a goroutine the handler left behind fails
	end.Header.Set(HeaderSeq, strconv.FormatInt(ss.sent+1, 10))
	ss.mu.Unlock()
	var endErr *connect.Error
	if err != nil {
		endErr = handlerError(ss.ctx, err)
		srv.logFailure(m.procedure, endErr)
		span.SetStatus(codes.Error, endErr.Error())
		setError(end, endErr)
	}
	if err := srv.conn.PublishMsg(end); err != nil {
		srv.log.Warn("sending end of stream failed", "rpc", m.procedure, "error", err)
	}
	srv.finish(m.procedure, st, start, endErr)
}

// run calls the handler, recovering a panic.
func (ss *serverStream) run(req proto.Message) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = connect.NewError(connect.CodeInternal, fmt.Errorf("panic: %v\n%s", p, debug.Stack()))
		}
	}()
	return ss.m.stream(ss.ctx, req, ss.send)
}

// watch reads the caller's acks and cancel, sends heartbeats, and cancels
// the stream when the caller falls silent.
func (ss *serverStream) watch(control <-chan *nats.Msg, done <-chan struct{}) {
	hb := ss.srv.cfg.Heartbeat
	ticker := time.NewTicker(hb)
	defer ticker.Stop()
	lastHeard := time.Now()
	for {
		select {
		case <-done:
			return
		case <-ss.ctx.Done():
			return
		case msg := <-control:
			lastHeard = time.Now()
			switch msg.Header.Get(HeaderStream) {
			case kindCancel:
				ss.cancel(errCallerCancelled)
				return
			case kindAck:
				n, err := strconv.ParseInt(msg.Header.Get(HeaderSeq), 10, 64)
				if err != nil {
					continue
				}
				ss.ackMu.Lock()
				if n > ss.acked {
					ss.acked = n
				}
				ss.ackMu.Unlock()
				select {
				case ss.ackSeen <- struct{}{}:
				default:
				}
			}
		case <-ticker.C:
			if time.Since(lastHeard) > silentBeats*hb {
				ss.cancel(errCallerGone)
				return
			}
			beat := nats.NewMsg(ss.inbox)
			beat.Header.Set(HeaderStream, kindHeartbeat)
			if err := ss.srv.conn.PublishMsg(beat); err != nil {
				ss.cancel(fmt.Errorf("%w: %v", ErrUnavailable, err))
				return
			}
		}
	}
}

// send is the handler's send function.
func (ss *serverStream) send(m proto.Message) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.ended {
		return connect.NewError(connect.CodeFailedPrecondition, fmt.Errorf("%s: send after the handler returned", ss.m.procedure))
	}
	for {
		if err := ss.over(); err != nil {
			return err
		}
		ss.ackMu.Lock()
		free := ss.sent-ss.acked < int64(ss.srv.cfg.Window)
		ss.ackMu.Unlock()
		if free {
			break
		}
		select {
		case <-ss.ackSeen:
		case <-ss.ctx.Done():
		}
	}
	data, err := proto.Marshal(m)
	if err != nil {
		return connect.NewError(connect.CodeInternal, fmt.Errorf("encoding %s message: %w", ss.m.procedure, err))
	}
	msg := nats.NewMsg(ss.inbox)
	msg.Data = data
	msg.Header.Set(HeaderStream, kindMsg)
	msg.Header.Set(HeaderSeq, strconv.FormatInt(ss.sent+1, 10))
	if err := ss.srv.conn.PublishMsg(msg); err != nil {
		err = fmt.Errorf("%w: sending a stream message: %v", ErrUnavailable, err)
		ss.cancel(err)
		return connect.NewError(connect.CodeUnavailable, err)
	}
	ss.sent++
	ss.st.sent()
	ss.st.metrics.sent.Inc()
	return nil
}

// over returns why the stream cannot send any more, or nil.
func (ss *serverStream) over() error {
	if ss.ctx.Err() == nil {
		return nil
	}
	cause := context.Cause(ss.ctx)
	switch {
	case errors.Is(cause, errCallerCancelled), errors.Is(cause, errCallerGone):
		return connect.NewError(connect.CodeCanceled, cause)
	case errors.Is(cause, context.DeadlineExceeded):
		return connect.NewError(connect.CodeDeadlineExceeded, errors.New("the caller's deadline passed"))
	case errors.Is(cause, errShuttingDown):
		return connect.NewError(connect.CodeUnavailable, errShuttingDown)
	case errors.Is(cause, ErrUnavailable):
		return connect.NewError(connect.CodeUnavailable, cause)
	}
	return connect.NewError(connect.CodeCanceled, cause)
}
