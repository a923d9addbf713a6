package natsrpc

import (
	"strconv"
	"strings"
	"sync"

	"github.com/nats-io/nats.go"
)

// replies delivers the replies of a Client's unary calls to the calls
// waiting for them, as nats.go's own request helper does: one wildcard
// subscription on a private inbox for all calls, a reply subject per call.
// Unlike that helper it lets a call wait on its caller's context, the
// connection's and its own timer at once, so a call derives no context,
// and it takes its own lock, not the connection's, which every publish
// takes too.
type replies struct {
	conn *Conn

	mu      sync.Mutex
	sub     *nats.Subscription // nil until the first call
	prefix  string             // "<inbox>.", set with sub
	next    uint64
	waiting map[uint64]chan *nats.Msg
}

// expect returns a fresh reply subject and the channel its reply arrives
// on (buffered: delivery never blocks). The caller forgets it when it stops
// waiting without the reply.
func (r *replies) expect() (subject string, id uint64, ch chan *nats.Msg, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sub == nil {
		prefix := r.conn.NewInbox() + "."
		sub, err := r.conn.Subscribe(prefix+"*", r.deliver)
		if err != nil {
			return "", 0, nil, err
		}
		r.prefix, r.sub, r.waiting = prefix, sub, map[uint64]chan *nats.Msg{}
	}
	r.next++
	ch = make(chan *nats.Msg, 1)
	r.waiting[r.next] = ch
	return r.prefix + strconv.FormatUint(r.next, 36), r.next, ch, nil
}

// forget drops a call that no longer waits; a late reply is discarded.
func (r *replies) forget(id uint64) {
	r.mu.Lock()
	delete(r.waiting, id)
	r.mu.Unlock()
}

// deliver hands a reply to the call waiting for it, if it still does.
func (r *replies) deliver(m *nats.Msg) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id, err := strconv.ParseUint(strings.TrimPrefix(m.Subject, r.prefix), 36, 64)
	if err != nil {
		return
	}
	if ch, ok := r.waiting[id]; ok {
		delete(r.waiting, id)
		ch <- m // buffered, and the only send: the entry is gone
	}
}

// noResponders reports the status message nats-server sends to a reply
// subject when nobody subscribes to the request's subject (what nats.go's
// request helper reports as nats.ErrNoResponders): no payload and status
// 503 in the header line, which nats.go parses into the "Status" header.
func noResponders(m *nats.Msg) bool {
	return len(m.Data) == 0 && m.Header.Get("Status") == "503"
}
