package gateway

import (
	"testing"

	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// TestNewMessage checks both kinds of message the forwarder makes: the
// generated type when linked, a dynamic one for a descriptor it does not
// know (same name, other file), so a proto newer than the binary still
// passes through.
func TestNewMessage(t *testing.T) {
	ask := (&kubemedicv1.AskRequest{}).ProtoReflect().Descriptor()
	if _, ok := newMessage(ask).Message.(*kubemedicv1.AskRequest); !ok {
		t.Errorf("AskRequest: got %T, want the generated type", newMessage(ask).Message)
	}
	fdp := protodesc.ToFileDescriptorProto(ask.ParentFile())
	fdp.Name = new("other/" + fdp.GetName())
	fdp.Dependency = nil
	fdp.Service = nil
	var kept []*descriptorpb.DescriptorProto
	for _, m := range fdp.MessageType {
		if m.GetName() == "AskRequest" {
			m.Field = m.Field[:1] // the question only: no imports needed
			m.Field[0].Options = nil
			kept = append(kept, m)
		}
	}
	fdp.MessageType, fdp.EnumType = kept, nil
	fdp.Options = nil
	fd, err := protodesc.NewFile(fdp, nil)
	if err != nil {
		t.Fatal(err)
	}
	other := fd.Messages().ByName("AskRequest")
	if _, ok := newMessage(other).Message.(*dynamicpb.Message); !ok {
		t.Errorf("unlinked AskRequest: got %T, want dynamicpb", newMessage(other).Message)
	}
}
