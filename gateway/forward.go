package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// Bus is what the gateway needs from the internal message bus
// (*natsrpc.Client): unary calls and server streams by procedure name.
type Bus interface {
	// CallRaw returns the reply's protobuf encoding, undecoded.
	CallRaw(ctx context.Context, procedure string, req proto.Message) ([]byte, error)
	Stream(ctx context.Context, procedure string, req proto.Message, newResp func() proto.Message, recv func(proto.Message) error) error
}

// Services are the public API services the gateway forwards, every method
// of each.
var Services = []protoreflect.ServiceDescriptor{
	kubemedicv1.File_kubemedic_v1_knowledge_proto.Services().ByName("KnowledgeService"),
	kubemedicv1.File_kubemedic_v1_diagnosis_proto.Services().ByName("DiagnosisService"),
	kubemedicv1.File_kubemedic_v1_remediation_proto.Services().ByName("RemediationService"),
	kubemedicv1.File_kubemedic_v1_fleet_proto.Services().ByName("FleetService"),
}

// route is the forwarder of one method.
type route struct {
	procedure string
	method    protoreflect.MethodDescriptor
	identity  []protoreflect.FieldDescriptor // acting-identity fields of the request
	bus       Bus
}

// forwarders returns one Connect handler per method of every service, keyed
// by procedure. Messages are made from the method's descriptor (see
// message): the gateway passes payloads through without naming Go types,
// so a new RPC needs no code here.
func forwarders(b Bus, opts ...connect.HandlerOption) (map[string]http.Handler, error) {
	out := map[string]http.Handler{}
	for _, sd := range Services {
		methods := sd.Methods()
		for i := range methods.Len() {
			md := methods.Get(i)
			r := &route{
				procedure: "/" + string(sd.FullName()) + "/" + string(md.Name()),
				method:    md,
				identity:  identityFields(md.Input()),
				bus:       b,
			}
			o := append([]connect.HandlerOption{
				connect.WithSchema(md),
				connect.WithRequestInitializer(initDynamic),
				connect.WithIdempotency(idempotency(md)),
			}, opts...)
			switch {
			case md.IsStreamingClient():
				return nil, fmt.Errorf("gateway: %s streams from the client, which the NATS bus does not carry", r.procedure)
			case md.IsStreamingServer():
				out[r.procedure] = connect.NewServerStreamHandler(r.procedure, r.stream, o...)
			default:
				out[r.procedure] = connect.NewUnaryHandler(r.procedure, r.unary, o...)
			}
		}
	}
	return out, nil
}

func (r *route) unary(ctx context.Context, req *connect.Request[message]) (*connect.Response[message], error) {
	if err := r.prepare(ctx, req.Msg); err != nil {
		return nil, err
	}
	ctx = withOrigin(ctx, req.Header())
	data, err := r.bus.CallRaw(ctx, r.procedure, req.Msg.Message)
	if err != nil {
		return nil, err
	}
	resp := newMessage(r.method.Output())
	caller, _ := CallerFrom(ctx)
	if caller.Clusters == nil && binaryResponse(req.Header()) {
		// Nothing to filter and nothing to transcode: the service's
		// encoding goes out as it came (see passthroughCodec).
		resp.raw = data
		return connect.NewResponse(resp), nil
	}
	if err := proto.Unmarshal(data, resp.Message); err != nil {
		return nil, connect.NewError(connect.CodeInternal, fmt.Errorf("decoding %s reply: %w", r.procedure, err))
	}
	if !visible(caller, resp.ProtoReflect()) {
		return nil, connect.NewError(connect.CodePermissionDenied, fmt.Errorf("토큰 %s은(는) 이 결과의 클러스터(%s)에 접근할 수 없습니다. / token %s may not see cluster %s", caller.Name, clusterOf(resp.ProtoReflect()), caller.Name, clusterOf(resp.ProtoReflect())))
	}
	return connect.NewResponse(resp), nil
}

func (r *route) stream(ctx context.Context, req *connect.Request[message], stream *connect.ServerStream[message]) error {
	if err := r.prepare(ctx, req.Msg); err != nil {
		return err
	}
	ctx = withOrigin(ctx, req.Header())
	caller, _ := CallerFrom(ctx)
	return r.bus.Stream(ctx, r.procedure, req.Msg.Message,
		func() proto.Message { return newMessage(r.method.Output()).Message },
		func(m proto.Message) error {
			if !visible(caller, m.ProtoReflect()) {
				return nil // another cluster's event: not the caller's to see
			}
			return stream.Send(&message{Message: m})
		})
}

// prepare checks the request's clusters against the caller's and adds what
// only the gateway knows to it: who is acting.
func (r *route) prepare(ctx context.Context, msg *message) error {
	caller, ok := CallerFrom(ctx)
	if !ok {
		return connect.NewError(connect.CodeUnauthenticated, errors.New("no authenticated caller"))
	}
	if err := checkClusters(caller, msg.ProtoReflect()); err != nil {
		return err
	}
	for _, fd := range r.identity {
		if err := setActingIdentity(ctx, msg.ProtoReflect(), fd); err != nil {
			return err
		}
	}
	return nil
}

// message is a request or response of any method: the generated Go type
// when the binary links it (fast generated marshalling), else a dynamicpb
// message of the descriptor. Connect's codecs see it as a proto.Message.
// A response may instead carry raw, its encoding as the service sent it,
// with Message left empty: only passthroughCodec sends such a message.
type message struct {
	proto.Message
	raw []byte
}

// ProtoReflect makes *message a proto.Message: the inner message's.
func (m *message) ProtoReflect() protoreflect.Message { return m.Message.ProtoReflect() }

func newMessage(md protoreflect.MessageDescriptor) *message {
	return &message{Message: messageType(md).New().Interface()}
}

// messageTypes caches messageType: descriptor -> protoreflect.MessageType.
var messageTypes sync.Map

// messageType is the generated type of md when the binary links it, else
// a dynamicpb type of it; looked up once per descriptor, not per call.
func messageType(md protoreflect.MessageDescriptor) protoreflect.MessageType {
	if mt, ok := messageTypes.Load(md); ok {
		return mt.(protoreflect.MessageType)
	}
	var mt protoreflect.MessageType
	if t, err := protoregistry.GlobalTypes.FindMessageByName(md.FullName()); err == nil && t.Descriptor() == md {
		mt = t
	} else {
		mt = dynamicpb.NewMessageType(md)
	}
	got, _ := messageTypes.LoadOrStore(md, mt)
	return got.(protoreflect.MessageType)
}

// initDynamic makes Connect decode into a message of the method's input
// (handlers) or output (clients) type.
func initDynamic(spec connect.Spec, msg any) error {
	m, ok := msg.(*message)
	if !ok {
		return nil
	}
	md, ok := spec.Schema.(protoreflect.MethodDescriptor)
	if !ok {
		return fmt.Errorf("gateway: %s has no method descriptor", spec.Procedure)
	}
	if spec.IsClient {
		*m = *newMessage(md.Output())
	} else {
		*m = *newMessage(md.Input())
	}
	return nil
}

// idempotency maps the proto's idempotency_level option, as
// protoc-gen-connect-go does.
func idempotency(md protoreflect.MethodDescriptor) connect.IdempotencyLevel {
	opts, ok := md.Options().(*descriptorpb.MethodOptions)
	if !ok {
		return connect.IdempotencyUnknown
	}
	switch opts.GetIdempotencyLevel() {
	case descriptorpb.MethodOptions_NO_SIDE_EFFECTS:
		return connect.IdempotencyNoSideEffects
	case descriptorpb.MethodOptions_IDEMPOTENT:
		return connect.IdempotencyIdempotent
	}
	return connect.IdempotencyUnknown
}
