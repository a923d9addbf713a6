// Package lease gives each named piece of work (a cluster) exactly one
// owner among the replicas sharing a NATS system, with failover when the
// owner dies.
//
// The model: a lease is a key in the JetStream key-value bucket
// kubemedic-leases whose value is the holder's replica id. A replica takes a
// free lease with create-if-absent and keeps it by updating the key at the
// revision it last wrote (compare-and-set) every TTL/3. The bucket's TTL
// removes a key nobody renews, leaving a marker that every replica's bucket
// watch sees, so another replica takes the lease over TTL after the last
// renewal of a dead owner. The owner stops its work before that: when no
// renewal has succeeded for TTL minus a safety margin (measured from when the
// renewal was sent, so the server's expiry is never earlier), or at once when
// a renewal finds the key changed, its work's context ends, and the lease is
// competed for again only after that work has returned. Leases live in
// memory storage: they mean nothing after the NATS system restarts.
//
// A Set competes for the names it wants: names passed to Claim (the first use
// of a cluster), and names seen in the bucket that this replica can serve
// (Options.Known), so a lease first taken elsewhere is taken over here when
// its owner dies. Close releases every held lease (deletes the key), so a
// graceful shutdown hands over without waiting for the TTL.
package lease

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/services/jsretry"
)

// Bucket is the KV bucket of leases.
const Bucket = "kubemedic-leases"

// Options configures Open.
type Options struct {
	// JetStream holds the bucket. Required.
	JetStream jetstream.JetStream
	// Holder is this replica's id, unique among running replicas. Required.
	Holder string
	// TTL is how long a lease outlives its last renewal. Default 6s; at
	// least 1s. Every replica of a system should use the same TTL (the
	// bucket has one).
	TTL time.Duration
	// Replicas of the bucket (3 on a NATS cluster). Default 1.
	Replicas int
	// Own starts the work of a lease just acquired. Required. It is called
	// synchronously, must not block and must not call the Set: it starts the
	// work, which must stop when ctx ends, and returns a channel closed once
	// it has stopped.
	Own func(ctx context.Context, name string) (stopped <-chan struct{})
	// Known reports whether this replica can do the work of name; names in
	// the bucket it cannot are left to others. Default: every name.
	Known func(name string) bool
	// Logger is required.
	Logger *slog.Logger
}

// Set is this replica's side of the leases. Safe for concurrent use.
type Set struct {
	o      Options
	kv     jetstream.KeyValue
	margin time.Duration

	ctx     context.Context // ends the Set
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	kick    chan struct{} // compete now: a lease became free
	changed chan struct{} // a lease was taken: its expiry may be the earliest

	// acquiring serializes acquire: Claim and the competing loop may try
	// the same name at once, and the one whose create loses to the other's
	// must see the lease as held, not as another replica's.
	acquiring sync.Mutex

	mu     sync.Mutex
	wanted map[string]bool
	held   map[string]*held
	busy   map[string]<-chan struct{} // work still stopping after a loss
	seen   map[string]view            // the bucket as the watch saw it
}

type held struct {
	rev     uint64
	until   time.Time // the work stops at this time without a renewal
	renewed time.Time // when the last successful renewal was sent
	cancel  context.CancelFunc
	stopped <-chan struct{}
}

type view struct {
	holder string
	at     time.Time // when the watch saw it (local clock)
}

// Open creates the bucket if needed, starts watching it and starts the
// renewal loop; Close stops both.
func Open(ctx context.Context, o Options) (*Set, error) {
	switch {
	case o.JetStream == nil:
		return nil, errors.New("lease: Options.JetStream is required")
	case o.Holder == "":
		return nil, errors.New("lease: Options.Holder is required")
	case o.Own == nil:
		return nil, errors.New("lease: Options.Own is required")
	case o.Logger == nil:
		return nil, errors.New("lease: Options.Logger is required")
	}
	if o.TTL == 0 {
		o.TTL = 6 * time.Second
	}
	if o.TTL < time.Second {
		return nil, fmt.Errorf("lease: TTL %s is shorter than 1s", o.TTL)
	}
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	if o.Known == nil {
		o.Known = func(string) bool { return true }
	}
	kv, err := jsretry.Do(ctx, "bucket "+Bucket, func(ctx context.Context) (jetstream.KeyValue, error) {
		return o.JetStream.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:      Bucket,
			Description: "one owner per cluster among analyzer replicas: the holder's replica id, renewed every TTL/3",
			History:     1,
			TTL:         o.TTL,
			// The marker left by an expired lease tells every watcher at once.
			LimitMarkerTTL: o.TTL,
			Replicas:       o.Replicas,
			Storage:        jetstream.MemoryStorage,
		})
	})
	if err != nil {
		return nil, fmt.Errorf("lease: opening bucket %s: %w", Bucket, err)
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Set{
		o: o, kv: kv, margin: o.TTL / 6,
		ctx: sctx, cancel: cancel, kick: make(chan struct{}, 1), changed: make(chan struct{}, 1),
		wanted: map[string]bool{}, held: map[string]*held{}, busy: map[string]<-chan struct{}{}, seen: map[string]view{},
	}
	// The watcher lives as long as the Set (sctx), not one attempt: a
	// bucket just made on a NATS cluster may not have elected its leader
	// yet, and the watch's consumer request then times out.
	w, err := jsretry.Do(ctx, "watching bucket "+Bucket, func(context.Context) (jetstream.KeyWatcher, error) {
		return kv.WatchAll(sctx)
	})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("lease: watching bucket %s: %w", Bucket, err)
	}
	s.wg.Add(3)
	go func() {
		defer s.wg.Done()
		s.follow(w)
	}()
	go func() {
		defer s.wg.Done()
		s.loop()
	}()
	go func() {
		defer s.wg.Done()
		s.guard()
	}()
	return s, nil
}

// Holder is this replica's id.
func (s *Set) Holder() string { return s.o.Holder }

// TTL is how long a lease outlives its last renewal.
func (s *Set) TTL() time.Duration { return s.o.TTL }

// follow keeps s.seen current from the bucket watch.
func (s *Set) follow(w jetstream.KeyWatcher) {
	defer func() { _ = w.Stop() }()
	for {
		select {
		case <-s.ctx.Done():
			return
		case e, ok := <-w.Updates():
			if !ok {
				return
			}
			if e == nil {
				continue // initial values delivered
			}
			name := e.Key()
			s.mu.Lock()
			if e.Operation() == jetstream.KeyValuePut {
				s.seen[name] = view{holder: string(e.Value()), at: time.Now()}
			} else {
				delete(s.seen, name)
			}
			vacant := e.Operation() != jetstream.KeyValuePut
			if h, ok := s.held[name]; ok && e.Revision() > h.rev {
				switch {
				case vacant:
					s.loseLocked(name, h, "the lease expired")
				case string(e.Value()) != s.o.Holder:
					s.loseLocked(name, h, "replica "+string(e.Value())+" holds the lease")
				}
			}
			if s.o.Known(name) {
				s.wanted[name] = true
			}
			s.mu.Unlock()
			if vacant {
				s.poke()
			}
		}
	}
}

func (s *Set) poke() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// loop renews held leases and competes for wanted ones every TTL/6.
func (s *Set) loop() {
	t := time.NewTicker(s.o.TTL / 6)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		}
		s.tick()
	}
}

// guard stops the work of a lease at the moment its renewals have been
// failing for TTL minus the margin, however long a renewal or take blocks
// the loop.
func (s *Set) guard() {
	for {
		expiry := time.NewTimer(time.Until(s.earliest()))
		select {
		case <-s.ctx.Done():
			expiry.Stop()
			return
		case <-expiry.C:
		case <-s.changed:
			expiry.Stop()
		}
		s.expire()
	}
}

// earliest is when the first held lease runs out without a renewal.
func (s *Set) earliest() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := time.Now().Add(s.o.TTL)
	for _, h := range s.held {
		if h.until.Before(next) {
			next = h.until
		}
	}
	return next
}

// expire stops the work of held leases whose renewals kept failing, before
// the server could hand them to someone else.
func (s *Set) expire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for name, h := range s.held {
		if !now.Before(h.until) {
			s.loseLocked(name, h, "no renewal succeeded within the TTL")
		}
	}
}

func (s *Set) tick() {
	now := time.Now()
	s.mu.Lock()
	var renew, compete []string
	for name, h := range s.held {
		if now.Sub(h.renewed) >= s.o.TTL/3 {
			renew = append(renew, name)
		}
	}
	for name := range s.wanted {
		if _, ok := s.held[name]; ok {
			continue
		}
		// A lease renewed recently is alive; anything else is worth a
		// create-if-absent (the server decides).
		if v, ok := s.seen[name]; ok && now.Sub(v.at) < s.o.TTL {
			continue
		}
		compete = append(compete, name)
	}
	s.mu.Unlock()
	for _, name := range renew {
		s.renew(name)
	}
	for _, name := range compete {
		ctx, cancel := context.WithTimeout(s.ctx, s.o.TTL/3)
		_, err := s.acquire(ctx, name)
		cancel()
		if err != nil && s.ctx.Err() == nil {
			s.o.Logger.Debug("taking a lease failed", "name", name, "error", err)
		}
	}
}

func (s *Set) renew(name string) {
	s.mu.Lock()
	h, ok := s.held[name]
	s.mu.Unlock()
	if !ok {
		return
	}
	sent := time.Now()
	ctx, cancel := context.WithTimeout(s.ctx, s.o.TTL/3)
	rev, err := s.kv.Update(ctx, name, []byte(s.o.Holder), h.rev)
	cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held[name] != h {
		return
	}
	switch {
	case err == nil:
		h.rev, h.renewed, h.until = rev, sent, sent.Add(s.o.TTL-s.margin)
	case errors.Is(err, jetstream.ErrKeyRevisionMismatch), errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		s.loseLocked(name, h, "the lease changed hands: "+err.Error())
	default:
		s.o.Logger.Warn("renewing a lease failed; retrying", "name", name, "error", err, "stops_in", time.Until(h.until).Round(time.Millisecond))
	}
}

// loseLocked ends the work of a lease this replica no longer holds.
func (s *Set) loseLocked(name string, h *held, why string) {
	delete(s.held, name)
	h.cancel()
	s.busy[name] = h.stopped
	s.o.Logger.Warn("lease lost; stopping its work", "name", name, "reason", why)
	go func() {
		<-h.stopped
		s.mu.Lock()
		if s.busy[name] == h.stopped {
			delete(s.busy, name)
		}
		s.mu.Unlock()
		s.poke()
	}()
}

// acquire tries to take the lease of name now and reports whether this
// replica holds it.
func (s *Set) acquire(ctx context.Context, name string) (bool, error) {
	s.acquiring.Lock()
	defer s.acquiring.Unlock()
	s.mu.Lock()
	if _, ok := s.held[name]; ok {
		s.mu.Unlock()
		return true, nil
	}
	if _, ok := s.busy[name]; ok {
		s.mu.Unlock()
		return false, nil // the last term's work is still stopping
	}
	s.mu.Unlock()
	sent := time.Now()
	rev, err := s.kv.Create(ctx, name, []byte(s.o.Holder))
	if errors.Is(err, jetstream.ErrKeyExists) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("lease: taking %s: %w", name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx.Err() != nil {
		// Closed meanwhile: give it back.
		go func() { _ = s.kv.Delete(context.Background(), name, jetstream.LastRevision(rev)) }()
		return false, nil
	}
	wctx, cancel := context.WithCancel(s.ctx)
	h := &held{rev: rev, renewed: sent, until: sent.Add(s.o.TTL - s.margin), cancel: cancel}
	s.held[name] = h
	s.seen[name] = view{holder: s.o.Holder, at: sent}
	s.o.Logger.Info("lease taken", "name", name, "holder", s.o.Holder)
	h.stopped = s.o.Own(wctx, name)
	select {
	case s.changed <- struct{}{}:
	default:
	}
	return true, nil
}

// Claim makes this replica compete for name from now on and tries to take
// it at once unless another replica renewed it within the TTL. It reports
// whether this replica holds the lease.
func (s *Set) Claim(ctx context.Context, name string) (bool, error) {
	s.mu.Lock()
	s.wanted[name] = true
	_, mine := s.held[name]
	v, taken := s.seen[name]
	s.mu.Unlock()
	if mine {
		return true, nil
	}
	if taken && v.holder != s.o.Holder && time.Since(v.at) < s.o.TTL {
		return false, nil
	}
	return s.acquire(ctx, name)
}

// Holds reports whether this replica holds the lease of name.
func (s *Set) Holds(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.held[name]
	return ok
}

// Owner is the holder of name's lease as last seen, or "" when it is free.
func (s *Set) Owner(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.held[name]; ok {
		return s.o.Holder
	}
	if v, ok := s.seen[name]; ok && time.Since(v.at) < s.o.TTL {
		return v.holder
	}
	return ""
}

// Close stops competing, stops the work of every held lease, waits for it
// and releases the leases so other replicas take over at once.
func (s *Set) Close() {
	s.mu.Lock()
	if s.ctx.Err() != nil {
		s.mu.Unlock()
		return
	}
	s.cancel()
	leases := s.held
	s.held = map[string]*held{}
	s.mu.Unlock()
	s.wg.Wait()
	for name, h := range leases {
		h.cancel()
		<-h.stopped
		s.release(name, h.rev)
	}
}

// release deletes this replica's lease of name, last known at rev. A
// renewal that Close cut short (or whose reply came after Close took the
// lease from the held set) may still have landed and moved the lease to a
// later revision: then the lease is deleted at the revision the bucket
// shows, if this replica still holds it there. Otherwise the lease would
// stay until it expires and nobody could take over for up to a TTL.
func (s *Set) release(name string, rev uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), s.o.TTL/3)
	defer cancel()
	err := s.kv.Delete(ctx, name, jetstream.LastRevision(rev))
	if err != nil {
		if e, gerr := s.kv.Get(ctx, name); gerr == nil && e.Revision() != rev && string(e.Value()) == s.o.Holder {
			err = s.kv.Delete(ctx, name, jetstream.LastRevision(e.Revision()))
		}
	}
	if err != nil {
		s.o.Logger.Debug("releasing a lease failed; it expires on its own", "name", name, "error", err)
	}
}

// Lookup returns the holder of name's lease, or "" when nobody holds it, for
// a process that only reports ownership (the collector service).
func Lookup(ctx context.Context, js jetstream.JetStream, name string) (string, error) {
	kv, err := js.KeyValue(ctx, Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("lease: opening bucket %s: %w", Bucket, err)
	}
	e, err := kv.Get(ctx, name)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("lease: reading %s: %w", name, err)
	}
	return string(e.Value()), nil
}
