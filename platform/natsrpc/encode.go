package natsrpc

import (
	"sync"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"
)

// outgoing is a unary request or reply on its way out: the message, its
// header map and its payload's encoding. nats.go copies all of them into
// the connection's write buffer before PublishMsg (or a request's publish)
// returns and keeps none, so they are pooled: a call then leaves no
// reply-sized slice and no header map per message for the garbage
// collector.
type outgoing struct {
	msg  nats.Msg
	data []byte
}

var outgoingPool = sync.Pool{New: func() any {
	return &outgoing{msg: nats.Msg{Header: nats.Header{}}, data: make([]byte, 0, 4<<10)}
}}

// maxPooledPayload is the largest payload buffer kept for reuse: a rare
// large reply is not held on to.
const maxPooledPayload = 64 << 10

// newOutgoing returns a message to subject carrying m's encoding and no
// headers yet (msg.Header is empty, not nil). Publish it, then free it;
// nothing may keep the message, its header map or its data.
func newOutgoing(subject string, m proto.Message) (*outgoing, error) {
	o := outgoingPool.Get().(*outgoing)
	data, err := proto.MarshalOptions{}.MarshalAppend(o.data[:0], m)
	if err != nil {
		o.free()
		return nil, err
	}
	o.data = data
	o.msg.Subject, o.msg.Data = subject, data
	return o, nil
}

// free hands o back once its message was published (or failed to be).
func (o *outgoing) free() {
	if cap(o.data) > maxPooledPayload {
		return
	}
	h := o.msg.Header
	clear(h)
	o.msg = nats.Msg{Header: h}
	o.data = o.data[:0]
	outgoingPool.Put(o)
}
