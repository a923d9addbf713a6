package natsrpc

import (
	"sync"

	"google.golang.org/protobuf/proto"
)

// encodeBuffers hold the encoding of a unary request or reply from
// proto.MarshalAppend until the publish that copies it into the
// connection's write buffer (nats.go copies before PublishMsg returns), so
// a call does not leave a reply-sized slice per message for the garbage
// collector.
var encodeBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, 4<<10)
	return &b
}}

// maxPooledBuffer is the largest buffer kept for reuse: a rare large reply
// is not held on to.
const maxPooledBuffer = 64 << 10

// encode marshals m into a pooled buffer. The caller publishes *buf and then
// hands it back with release; nothing may keep the slice.
func encode(m proto.Message) (buf *[]byte, err error) {
	buf = encodeBuffers.Get().(*[]byte)
	b, err := proto.MarshalOptions{}.MarshalAppend((*buf)[:0], m)
	if err != nil {
		release(buf)
		return nil, err
	}
	*buf = b
	return buf, nil
}

// release returns a buffer from encode once its bytes were published.
func release(buf *[]byte) {
	if cap(*buf) > maxPooledBuffer {
		return
	}
	*buf = (*buf)[:0]
	encodeBuffers.Put(buf)
}
