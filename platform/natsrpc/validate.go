package natsrpc

import (
	"errors"

	"buf.build/go/protovalidate"
	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
)

// validateRules checks a request against the buf.validate rules of its
// proto, like the gateway's connectrpc.com/validate interceptor does, so a
// request that reached a service by another path is held to the same
// contract. Rules are compiled once per message type and cached.
func validateRules(msg proto.Message) error {
	err := protovalidate.Validate(msg)
	if err == nil {
		return nil
	}
	var ve *protovalidate.ValidationError
	if errors.As(err, &ve) {
		return connect.NewError(connect.CodeInvalidArgument, err)
	}
	// A rule that cannot be compiled or evaluated is our bug, not the
	// caller's.
	return connect.NewError(connect.CodeInternal, err)
}
