package gateway

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/kubemedic/kubemedic/platform/natsrpc"
)

// bus is what the gateway needs from the internal message bus.
type bus interface {
	Call(ctx context.Context, subject string, req, resp proto.Message) error
}

// forward sends a unary request to the service behind subject and returns its
// reply. Errors already carry Connect codes (see natsrpc).
func forward[Req, Resp any, PResp interface {
	*Resp
	proto.Message
}](ctx context.Context, b bus, service, method string, req *connect.Request[Req]) (*connect.Response[Resp], error) {
	in, ok := any(req.Msg).(proto.Message)
	if !ok {
		return nil, connect.NewError(connect.CodeInternal, fmt.Errorf("%T is not a protobuf message", req.Msg))
	}
	out := PResp(new(Resp))
	if err := b.Call(ctx, natsrpc.Subject(service, method), in, out); err != nil {
		return nil, err
	}
	return connect.NewResponse((*Resp)(out)), nil
}

// notYet is returned by streaming methods whose NATS side does not exist yet.
func notYet(procedure string) error {
	return connect.NewError(connect.CodeUnimplemented, errors.New(procedure+" is not available in this version of kubemedic (아직 지원하지 않는 기능입니다)"))
}
