package gateway

import (
	"fmt"
	"net/http"

	"google.golang.org/protobuf/proto"
)

// passthroughCodec is Connect's binary protobuf codec ("proto"), except
// that a response whose encoding the service already made (message.raw)
// is sent as those bytes: the gateway does not decode a reply only to
// encode it again. Everything else is encoded as connect-go's own codec
// does.
type passthroughCodec struct{}

func (passthroughCodec) Name() string { return "proto" }

func (passthroughCodec) IsBinary() bool { return true }

func (passthroughCodec) Marshal(v any) ([]byte, error) {
	return passthroughCodec{}.MarshalAppend(nil, v)
}

// MarshalAppend lets Connect encode into its pooled buffers.
func (passthroughCodec) MarshalAppend(dst []byte, v any) ([]byte, error) {
	if m, ok := v.(*message); ok && m.raw != nil {
		return append(dst, m.raw...), nil
	}
	pm, ok := v.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("gateway: %T is not a protobuf message", v)
	}
	return proto.MarshalOptions{}.MarshalAppend(dst, pm)
}

func (passthroughCodec) Unmarshal(data []byte, v any) error {
	pm, ok := v.(proto.Message)
	if !ok {
		return fmt.Errorf("gateway: %T is not a protobuf message", v)
	}
	if err := proto.Unmarshal(data, pm); err != nil {
		return fmt.Errorf("unmarshal into %T: %w", v, err)
	}
	return nil
}

// binaryResponse reports whether Connect answers this request with the
// binary protobuf codec (passthroughCodec), by the content types that
// select it in each protocol: only then may a response go out undecoded.
// Anything else (JSON, gRPC-Web text, a Connect GET) is answered from the
// decoded message.
func binaryResponse(h http.Header) bool {
	switch h.Get("Content-Type") {
	case "application/grpc", "application/grpc+proto",
		"application/grpc-web", "application/grpc-web+proto",
		"application/proto", "application/connect+proto":
		return true
	}
	return false
}
