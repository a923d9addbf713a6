package analyzer

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"connectrpc.com/connect"
	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/collector"
)

// Ownership across replicas. One replica at a time watches a cluster: the
// holder of the cluster's lease (services/lease). It alone runs the
// cluster's informers and watcher and writes its findings; the lease is
// taken on the cluster's first use on any replica (or at start when the
// ledger holds open findings of it) and taken over by another replica when
// the owner dies. Every replica answers reads:
//
//   - ListFindings and WatchFindings read what every replica has: the ledger
//     mirror (findings.Ledger follows the bucket) and the stream of finding
//     changes, which only the owner publishes to, so each change reaches
//     every watcher once whichever replica it is connected to.
//   - Diagnose promises findings as fresh as every change made before the
//     call. A non-owner asks the owner on the cluster's owner subject to
//     make the cluster current (ownerCurrent), then waits until its own
//     mirror holds everything the owner wrote by then (Ledger.Sync) and
//     answers from it: large answers never squeeze through one NATS
//     message and the stream stays served by the replica the caller reached.
//   - A grounded Ask needs live objects, which only the owner holds: a
//     non-owner asks the owner to ground the question (ownerGround).
//
// The owner subjects, kubemedic.owner.v1.<cluster>.<op>, are internal (the
// gateway never forwards them); the owner subscribes while it holds the
// lease, in a queue group so that a handover overlap answers once.

// ownerSubject is the subject of one owner operation of a cluster.
func ownerSubject(cluster, op string) string {
	return "kubemedic.owner.v1." + cluster + "." + op
}

const (
	opCurrent = "current"
	opGround  = "ground"

	// Headers of owner requests and replies.
	hdrWait    = "Kubemedic-Wait-Ms" // request: how long the caller waits
	hdrObjects = "Kubemedic-Objects" // current reply: objects examined
	hdrCode    = "Kubemedic-Code"    // error reply: connect code name
	hdrError   = "Kubemedic-Error"   // error reply: message
	ownerQueue = "kubemedic-owner"
)

// errMoved says the cluster's watcher stopped: this replica lost the lease.
var errMoved = errors.New("cluster watched by another replica now")

// own starts watching a cluster whose lease this replica just took: the
// watcher, the owner subject and the ledger's writing; all stop when ctx
// ends, and the informers are released.
func (d *DiagnosisService) own(ctx context.Context, name string) <-chan struct{} {
	stopped := make(chan struct{})
	live, err := d.col.Live(name)
	if err != nil {
		d.log.Warn("cluster lease taken but the cluster is unusable", "cluster", name, "error", err)
		close(stopped)
		return stopped
	}
	w := newWatcher(name, live, d)
	d.mu.Lock()
	d.watchers[name] = w
	d.mu.Unlock()
	go func() {
		defer close(stopped)
		sub, err := d.nc.QueueSubscribe(ownerSubject(name, "*"), ownerQueue, func(m *nats.Msg) { go d.serveOwner(w, m) })
		if err != nil {
			d.log.Warn("owner subject unavailable; other replicas cannot reach this one for the cluster", "cluster", name, "error", err)
		}
		w.run(ctx)
		d.mu.Lock()
		if d.watchers[name] == w {
			delete(d.watchers, name)
		}
		d.mu.Unlock()
		if sub != nil {
			_ = sub.Unsubscribe()
		}
		rctx, cancel := context.WithTimeout(context.Background(), d.leases.TTL())
		if err := d.ledger.Release(rctx, name); err != nil {
			d.log.Debug("re-reading the released cluster's findings failed; they converge with its next owner's writes", "cluster", name, "error", err)
		}
		cancel()
		d.col.Release(name)
	}()
	return stopped
}

// known reports whether this replica can watch the named cluster.
func (d *DiagnosisService) known(name string) bool {
	_, err := d.col.Live(name)
	return err == nil
}

// resolve finds who watches a cluster ("" = the default cluster), taking
// its lease when nobody does. It returns this replica's watcher, or nil and
// the cluster's name when another replica watches it.
func (d *DiagnosisService) resolve(ctx context.Context, name string) (*watcher, string, error) {
	if name == "" && d.col.Default() == "" {
		return nil, "", connect.NewError(connect.CodeFailedPrecondition, errors.New(
			"진단할 클러스터가 없습니다: `kubemedic serve --kubeconfig FILE` 또는 설정의 clusters로 추가하세요 "+
				"(no cluster configured: start with --kubeconfig FILE or list clusters in the config)"))
	}
	if _, err := d.col.Live(name); err != nil {
		if errors.Is(err, collector.ErrUnknownCluster) {
			return nil, "", connect.NewError(connect.CodeNotFound, err)
		}
		return nil, "", connect.NewError(connect.CodeFailedPrecondition, err)
	}
	if name == "" {
		name = d.col.Default()
	}
	d.mu.Lock()
	w := d.watchers[name]
	d.mu.Unlock()
	if w != nil {
		return w, name, nil
	}
	mine, err := d.leases.Claim(ctx, name)
	if err != nil {
		return nil, "", connect.NewError(connect.CodeUnavailable, fmt.Errorf("클러스터 %s의 담당 복제본을 정하지 못했습니다 (cluster %s: taking its lease): %w", name, name, err))
	}
	if mine {
		d.mu.Lock()
		w = d.watchers[name]
		d.mu.Unlock()
	}
	return w, name, nil
}

// ownerCall sends one request to the owner of a cluster and returns its
// reply, retrying while nobody answers (an owner starting up, or a dead one
// whose lease has not expired yet: then this replica may take the lease,
// and w is returned instead) until ctx ends.
func (d *DiagnosisService) ownerCall(ctx context.Context, name, op string, body []byte) (*nats.Msg, *watcher, error) {
	for {
		msg := nats.NewMsg(ownerSubject(name, op))
		msg.Data = body
		if dl, ok := ctx.Deadline(); ok {
			msg.Header.Set(hdrWait, strconv.FormatInt(time.Until(dl).Milliseconds(), 10))
		}
		reply, err := d.nc.RequestMsgWithContext(ctx, msg)
		if err == nil {
			if code := reply.Header.Get(hdrCode); code != "" {
				var c connect.Code
				if c.UnmarshalText([]byte(code)) != nil {
					c = connect.CodeInternal
				}
				if c == connect.CodeAborted {
					err = errMoved // the replica we reached no longer owns it
				} else {
					return nil, nil, connect.NewError(c, errors.New(reply.Header.Get(hdrError)))
				}
			} else {
				return reply, nil, nil
			}
		}
		if !errors.Is(err, nats.ErrNoResponders) && !errors.Is(err, errMoved) {
			return nil, nil, connect.NewError(connect.CodeUnavailable, fmt.Errorf("클러스터 %s 담당 복제본에 연결하지 못했습니다 (cluster %s: reaching the replica that watches it): %w", name, name, err))
		}
		select {
		case <-ctx.Done():
			return nil, nil, connect.NewError(connect.CodeUnavailable, fmt.Errorf("클러스터 %s 담당 복제본이 응답하지 않습니다; 잠시 후 다시 시도하세요 (cluster %s: no replica watching it answered; another replica takes over within the lease TTL of %s): %w", name, name, d.leases.TTL(), ctx.Err()))
		case <-time.After(50 * time.Millisecond):
		}
		if w, _, err := d.resolve(ctx, name); err != nil {
			return nil, nil, err
		} else if w != nil {
			return nil, w, nil
		}
	}
}

// serveOwner answers one owner request for w's cluster.
func (d *DiagnosisService) serveOwner(w *watcher, m *nats.Msg) {
	d.mu.Lock()
	current := d.watchers[w.cluster] == w
	d.mu.Unlock()
	reply := nats.NewMsg(m.Reply)
	fail := func(code connect.Code, err error) {
		reply.Header.Set(hdrCode, code.String())
		reply.Header.Set(hdrError, err.Error())
		_ = m.RespondMsg(reply)
	}
	if !current {
		fail(connect.CodeAborted, errMoved)
		return
	}
	wait := d.wait
	if ms, err := strconv.ParseInt(m.Header.Get(hdrWait), 10, 64); err == nil && ms > 0 {
		wait = min(wait, time.Duration(ms)*time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	switch op := m.Subject[len(ownerSubject(w.cluster, "")):]; op {
	case opCurrent:
		if err := w.current(ctx); err != nil {
			if errors.Is(err, errMoved) {
				fail(connect.CodeAborted, err)
			} else {
				fail(connect.CodeUnavailable, err)
			}
			return
		}
		reply.Header.Set(hdrObjects, strconv.FormatInt(w.live.Objects(), 10))
	case opGround:
		req := &kubemedicv1.AskRequest{}
		if err := proto.Unmarshal(m.Data, req); err != nil {
			fail(connect.CodeInvalidArgument, err)
			return
		}
		objects, found := d.groundLocal(ctx, w, req.GetQuestion())
		b, err := proto.Marshal(&kubemedicv1.AskResponse{Objects: objects, Findings: found})
		if err != nil {
			fail(connect.CodeInternal, err)
			return
		}
		reply.Data = b
	default:
		fail(connect.CodeUnimplemented, fmt.Errorf("unknown owner operation %q", op))
		return
	}
	_ = m.RespondMsg(reply)
}

// ownerCurrent makes a cluster watched by another replica current: the owner
// applies every change made before the call, then this replica's ledger
// mirror catches up with what it wrote. It returns the objects the owner's
// live view holds, or this replica's watcher when it took the cluster over
// meanwhile.
func (d *DiagnosisService) ownerCurrent(ctx context.Context, name string) (int64, *watcher, error) {
	reply, w, err := d.ownerCall(ctx, name, opCurrent, nil)
	if err != nil || w != nil {
		return 0, w, err
	}
	objects, _ := strconv.ParseInt(reply.Header.Get(hdrObjects), 10, 64)
	if err := d.ledger.Sync(ctx); err != nil {
		return 0, nil, connect.NewError(connect.CodeUnavailable, err)
	}
	return objects, nil, nil
}
