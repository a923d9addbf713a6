package gateway

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// identityName is the message type that names who acts.
var identityName = (&kubemedicv1.Identity{}).ProtoReflect().Descriptor().FullName()

// identityFields are the top-level fields of a request of type
// kubemedic.v1.Identity (PlanRequest.requester, ApproveRequest.approver …).
// The gateway owns them: it sets each to the authenticated caller, so a new
// write RPC cannot be used to act as someone else even if nobody remembers
// to add a check for it.
func identityFields(md protoreflect.MessageDescriptor) []protoreflect.FieldDescriptor {
	var out []protoreflect.FieldDescriptor
	fields := md.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if fd.Kind() == protoreflect.MessageKind && !fd.IsList() && !fd.IsMap() && fd.Message().FullName() == identityName {
			out = append(out, fd)
		}
	}
	return out
}

// setActingIdentity replaces the identity field fd of msg with who really
// acts (see actingIdentity).
func setActingIdentity(ctx context.Context, msg protoreflect.Message, fd protoreflect.FieldDescriptor) error {
	var named *kubemedicv1.Identity
	if msg.Has(fd) {
		named = &kubemedicv1.Identity{}
		if err := convert(msg.Get(fd).Message().Interface(), named); err != nil {
			return connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("reading %s: %w", fd.Name(), err))
		}
	}
	id, err := actingIdentity(ctx, named)
	if err != nil {
		return err
	}
	v := msg.NewField(fd) // the field's own message type, generated or dynamic
	if err := convert(id, v.Message().Interface()); err != nil {
		return connect.NewError(connect.CodeInternal, fmt.Errorf("setting %s: %w", fd.Name(), err))
	}
	msg.Set(fd, v)
	return nil
}

// convert copies a message into another of the same protobuf type.
func convert(from, to proto.Message) error {
	b, err := proto.Marshal(from)
	if err != nil {
		return err
	}
	return proto.Unmarshal(b, to)
}

// actingIdentity returns who a request acts as: the named person when the
// caller is trusted and named one, otherwise the caller's own identity.
func actingIdentity(ctx context.Context, named *kubemedicv1.Identity) (*kubemedicv1.Identity, error) {
	caller, ok := CallerFrom(ctx)
	if !ok {
		return nil, connect.NewError(connect.CodeUnauthenticated, errors.New("no authenticated caller"))
	}
	if caller.Trusted && named != nil && named.GetKubernetesUser() != "" {
		named.Clusters = caller.Clusters
		return named, nil
	}
	id := &kubemedicv1.Identity{TokenName: caller.Name, Clusters: caller.Clusters}
	if caller.Identity != nil {
		id.KubernetesUser = caller.Identity.GetKubernetesUser()
		id.KubernetesGroups = caller.Identity.GetKubernetesGroups()
		id.DisplayName = caller.Identity.GetDisplayName()
	}
	if id.KubernetesUser == "" {
		return nil, connect.NewError(connect.CodePermissionDenied, errors.New("token "+caller.Name+" has no Kubernetes identity configured (gateway.tokens[].kubernetes_user), so it cannot change clusters"))
	}
	return id, nil
}
