package natsrpc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// ServiceOptions configures one Service.
type ServiceOptions struct {
	// Timeout bounds one unary call (the caller's shorter deadline wins).
	// Default 10s. Streams are bounded only by the caller's deadline.
	Timeout time.Duration
	// MaxConcurrent bounds the unary calls one method runs at once in this
	// process; more wait in NATS. Default 256.
	MaxConcurrent int
	// MaxStreams bounds the open streams of one method in this process; more
	// are refused with CodeResourceExhausted. Default 256.
	MaxStreams int
	// ServedElsewhere lists procedures of this service another process
	// serves (its Service sets HandledOnly): this one neither handles them
	// nor answers Unimplemented for them. Default none.
	ServedElsewhere []string
	// HandledOnly subscribes only the methods that have a handler, for a
	// process serving a few methods of a service another process owns.
	// Default false: every method without a handler answers Unimplemented.
	HandledOnly bool
}

// Service is the set of handlers one process serves for one protobuf service.
// Build it with NewService, add handlers with HandleUnary and
// HandleServerStream, serve it with Serve. It is not safe for concurrent
// registration.
type Service struct {
	desc      protoreflect.ServiceDescriptor
	opts      ServiceOptions
	methods   map[protoreflect.Name]*method
	elsewhere map[protoreflect.Name]bool
	errs      []error
}

// method is one registered RPC.
type method struct {
	desc      protoreflect.MethodDescriptor
	procedure string
	subject   string
	// spanOptions start the method's server spans (set by Serve).
	spanOptions []trace.SpanStartOption
	newReq      func() proto.Message
	// Exactly one of unary and stream is set for a handled method; neither
	// for an unimplemented one.
	unary  func(ctx context.Context, req proto.Message) (proto.Message, error)
	stream func(ctx context.Context, req proto.Message, send func(proto.Message) error) error
}

// NewService starts the handler set of desc, e.g.
// kubemedicv1.File_kubemedic_v1_knowledge_proto.Services().ByName("KnowledgeService").
// Mistakes (a nil descriptor, an unknown procedure in ServedElsewhere) are
// reported by Serve.
func NewService(desc protoreflect.ServiceDescriptor, o ServiceOptions) *Service {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = 256
	}
	if o.MaxStreams <= 0 {
		o.MaxStreams = 256
	}
	s := &Service{desc: desc, opts: o, methods: map[protoreflect.Name]*method{}, elsewhere: map[protoreflect.Name]bool{}}
	if desc == nil {
		s.errs = append(s.errs, errors.New("natsrpc: NewService needs a service descriptor, got nil"))
		return s
	}
	for _, p := range o.ServedElsewhere {
		md, err := s.lookup(p)
		if err != nil {
			s.errs = append(s.errs, err)
			continue
		}
		s.elsewhere[md.Name()] = true
	}
	return s
}

// Name is the protobuf full name of the service, e.g. "kubemedic.v1.KnowledgeService".
func (s *Service) Name() string {
	if s.desc == nil {
		return ""
	}
	return string(s.desc.FullName())
}

// lookup finds the method a procedure names in this service.
func (s *Service) lookup(procedure string) (protoreflect.MethodDescriptor, error) {
	if s.desc == nil {
		return nil, errors.New("natsrpc: service without descriptor")
	}
	service, name, err := splitProcedure(procedure)
	if err != nil {
		return nil, err
	}
	if service != string(s.desc.FullName()) {
		return nil, fmt.Errorf("natsrpc: procedure %s does not belong to service %s", procedure, s.desc.FullName())
	}
	md := s.desc.Methods().ByName(protoreflect.Name(name))
	if md == nil {
		return nil, fmt.Errorf("natsrpc: service %s has no method %s", s.desc.FullName(), name)
	}
	return md, nil
}

// add registers a handler after checking it against the descriptor.
func (s *Service) add(procedure string, streaming bool, req, resp proto.Message, m *method) {
	md, err := s.lookup(procedure)
	if err == nil && (req == nil || resp == nil) {
		err = fmt.Errorf("natsrpc: the handler of %s must take and return generated message pointers, not interfaces", procedure)
	}
	if err == nil {
		err = checkMethod(md, streaming, req, resp)
	}
	if err == nil && s.methods[md.Name()] != nil {
		err = fmt.Errorf("natsrpc: %s has two handlers", procedure)
	}
	if err == nil && s.elsewhere[md.Name()] {
		err = fmt.Errorf("natsrpc: %s is both handled here and listed in ServedElsewhere", procedure)
	}
	if err != nil {
		s.errs = append(s.errs, err)
		return
	}
	m.desc = md
	m.procedure = procedure
	s.methods[md.Name()] = m
}

func checkMethod(md protoreflect.MethodDescriptor, streaming bool, req, resp proto.Message) error {
	procedure := "/" + string(md.Parent().FullName()) + "/" + string(md.Name())
	switch {
	case md.IsStreamingClient():
		return fmt.Errorf("natsrpc: %s streams from the client; only unary and server-streaming methods are supported", procedure)
	case md.IsStreamingServer() != streaming && streaming:
		return fmt.Errorf("natsrpc: %s is unary: register it with HandleUnary", procedure)
	case md.IsStreamingServer() != streaming:
		return fmt.Errorf("natsrpc: %s streams its responses: register it with HandleServerStream", procedure)
	}
	if got, want := req.ProtoReflect().Descriptor().FullName(), md.Input().FullName(); got != want {
		return fmt.Errorf("natsrpc: handler of %s takes %s, the method takes %s", procedure, got, want)
	}
	if got, want := resp.ProtoReflect().Descriptor().FullName(), md.Output().FullName(); got != want {
		return fmt.Errorf("natsrpc: handler of %s returns %s, the method returns %s", procedure, got, want)
	}
	return nil
}

// newOf returns a constructor of fresh messages of M's type.
func newOf[M proto.Message]() func() proto.Message {
	var zero M
	if any(zero) == nil {
		return nil // an interface type; add reports it
	}
	mt := zero.ProtoReflect().Type()
	return func() proto.Message { return mt.New().Interface() }
}

// HandleUnary registers fn as the handler of a unary procedure of s, e.g.
//
//	natsrpc.HandleUnary(svc, kubemedicv1connect.KnowledgeServiceAskProcedure,
//		func(ctx context.Context, req *kubemedicv1.AskRequest) (*kubemedicv1.AskResponse, error) {…})
//
// Return *connect.Error to choose the caller's error code. A nil response is
// sent as an empty message.
func HandleUnary[Req, Resp proto.Message](s *Service, procedure string, fn func(ctx context.Context, req Req) (Resp, error)) {
	var req Req
	var resp Resp
	s.add(procedure, false, req, resp, &method{
		newReq: newOf[Req](),
		unary: func(ctx context.Context, r proto.Message) (proto.Message, error) {
			out, err := fn(ctx, r.(Req))
			if err != nil {
				return nil, err
			}
			return out, nil
		},
	})
}

// HandleServerStream registers fn as the handler of a server-streaming
// procedure of s, e.g.
//
//	natsrpc.HandleServerStream(svc, kubemedicv1connect.DiagnosisServiceDiagnoseProcedure,
//		func(ctx context.Context, req *kubemedicv1.DiagnoseRequest, send func(*kubemedicv1.DiagnoseResponse) error) error {…})
//
// send blocks while the caller is a full window behind (flow control) and
// returns an error once the stream is over for any reason (caller cancelled
// or vanished, deadline, shutdown); fn should then return. The error fn
// returns ends the stream with its code; nil ends it normally.
func HandleServerStream[Req, Resp proto.Message](s *Service, procedure string, fn func(ctx context.Context, req Req, send func(Resp) error) error) {
	var req Req
	var resp Resp
	s.add(procedure, true, req, resp, &method{
		newReq: newOf[Req](),
		stream: func(ctx context.Context, r proto.Message, send func(proto.Message) error) error {
			return fn(ctx, r.(Req), func(m Resp) error { return send(m) })
		},
	})
}
