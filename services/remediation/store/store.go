// Package store keeps remediation workflow state in NATS JetStream key-value
// buckets, so every replica of the service sees the same plans and locks and
// state survives restarts.
//
//	plans       one record per plan; updated only with compare-and-set on the
//	            key's revision, so concurrent approvals and executions of the
//	            same plan serialize and exactly one execution wins
//	executions  one record per execution (progress steps, result, undo)
//	locks       per-target and per-cluster-drain locks; the bucket's TTL
//	            frees the lock of a crashed process
//	cooldowns   a key per recently changed target; the bucket's TTL ends it
//	control     the runtime pause switch
package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/services/jsretry"
)

// Bucket names.
const (
	PlansBucket      = "kubemedic-remediation-plans"
	ExecutionsBucket = "kubemedic-remediation-executions"
	LocksBucket      = "kubemedic-remediation-locks"
	CooldownsBucket  = "kubemedic-remediation-cooldowns"
	ControlBucket    = "kubemedic-remediation-control"
)

// Options configures Open.
type Options struct {
	// JetStream is the JetStream context. Required.
	JetStream jetstream.JetStream
	// PlanRetention is how long a plan record is kept after its last
	// change; it must exceed the plan TTL so an expired plan still reads as
	// expired. Required.
	PlanRetention time.Duration
	// ExecutionRetention is how long execution records (and so undo) are
	// kept. Default: 7 days.
	ExecutionRetention time.Duration
	// LockTTL frees a lock whose holder stopped refreshing it. Required.
	LockTTL time.Duration
	// Cooldown is how long a target stays in cooldown. Required.
	Cooldown time.Duration
	// Replicas is the JetStream replica count of the buckets. Default: 1.
	Replicas int
}

// Store is the workflow state.
type Store struct {
	plans, executions, locks, cooldowns, control jetstream.KeyValue
}

// Open creates or updates the buckets.
func Open(ctx context.Context, o Options) (*Store, error) {
	if o.JetStream == nil {
		return nil, errors.New("store: JetStream is required")
	}
	if o.PlanRetention <= 0 || o.LockTTL <= 0 || o.Cooldown <= 0 {
		return nil, errors.New("store: PlanRetention, LockTTL and Cooldown are required")
	}
	if o.ExecutionRetention == 0 {
		o.ExecutionRetention = 7 * 24 * time.Hour
	}
	if o.Replicas == 0 {
		o.Replicas = 1
	}
	s := &Store{}
	for _, b := range []struct {
		kv   *jetstream.KeyValue
		name string
		ttl  time.Duration
	}{
		{&s.plans, PlansBucket, o.PlanRetention},
		{&s.executions, ExecutionsBucket, o.ExecutionRetention},
		{&s.locks, LocksBucket, o.LockTTL},
		{&s.cooldowns, CooldownsBucket, o.Cooldown},
		{&s.control, ControlBucket, 0},
	} {
		kv, err := jsretry.Do(ctx, "bucket "+b.name, func(ctx context.Context) (jetstream.KeyValue, error) {
			return o.JetStream.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
				Bucket:   b.name,
				TTL:      b.ttl,
				Storage:  jetstream.FileStorage,
				Replicas: o.Replicas,
				History:  1,
			})
		})
		if err != nil {
			return nil, fmt.Errorf("store: bucket %s: %w", b.name, err)
		}
		*b.kv = kv
	}
	return s, nil
}

// ErrNotFound means no record has the key.
var ErrNotFound = errors.New("not found")

// Versioned is a decoded record with the revision it was read at.
type Versioned[T any] struct {
	Value    T
	Revision uint64
}

func get[T any](ctx context.Context, kv jetstream.KeyValue, key string) (*Versioned[T], error) {
	e, err := kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	var v T
	if err := json.Unmarshal(e.Value(), &v); err != nil {
		return nil, fmt.Errorf("decoding %s/%s: %w", kv.Bucket(), key, err)
	}
	return &Versioned[T]{Value: v, Revision: e.Revision()}, nil
}

// update applies fn to the record under key with compare-and-set, retrying
// when another writer got there first. fn may return ErrUnchanged to stop
// without writing.
func update[T any](ctx context.Context, kv jetstream.KeyValue, key string, fn func(*T) error) (*T, error) {
	for attempt := 0; ; attempt++ {
		cur, err := get[T](ctx, kv, key)
		if err != nil {
			return nil, err
		}
		v := cur.Value
		if err := fn(&v); err != nil {
			if errors.Is(err, ErrUnchanged) {
				return &v, nil
			}
			return nil, err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		_, err = kv.Update(ctx, key, b, cur.Revision)
		if err == nil {
			return &v, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) || attempt > 50 {
			return nil, fmt.Errorf("updating %s/%s: %w", kv.Bucket(), key, err)
		}
		// Someone else changed it: read again and re-decide.
	}
}

// ErrUnchanged, returned by an update function, ends the update without a
// write.
var ErrUnchanged = errors.New("unchanged")

func create[T any](ctx context.Context, kv jetstream.KeyValue, key string, v T) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := kv.Create(ctx, key, b); err != nil {
		return fmt.Errorf("creating %s/%s: %w", kv.Bucket(), key, err)
	}
	return nil
}

// PutPlan stores a new plan record.
func PutPlan[T any](ctx context.Context, s *Store, id string, v T) error {
	return create(ctx, s.plans, id, v)
}

// GetPlan reads a plan record.
func GetPlan[T any](ctx context.Context, s *Store, id string) (*T, error) {
	v, err := get[T](ctx, s.plans, id)
	if err != nil {
		return nil, err
	}
	return &v.Value, nil
}

// UpdatePlan changes a plan record with compare-and-set.
func UpdatePlan[T any](ctx context.Context, s *Store, id string, fn func(*T) error) (*T, error) {
	return update(ctx, s.plans, id, fn)
}

// PutExecution stores a new execution record.
func PutExecution[T any](ctx context.Context, s *Store, id string, v T) error {
	return create(ctx, s.executions, id, v)
}

// GetExecution reads an execution record.
func GetExecution[T any](ctx context.Context, s *Store, id string) (*T, error) {
	v, err := get[T](ctx, s.executions, id)
	if err != nil {
		return nil, err
	}
	return &v.Value, nil
}

// UpdateExecution changes an execution record with compare-and-set.
func UpdateExecution[T any](ctx context.Context, s *Store, id string, fn func(*T) error) (*T, error) {
	return update(ctx, s.executions, id, fn)
}

// ExecutionIDs lists the stored execution IDs.
func (s *Store) ExecutionIDs(ctx context.Context) ([]string, error) {
	lister, err := s.executions.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	for k := range lister.Keys() {
		ids = append(ids, k)
	}
	if errors.Is(lister.Stop(), jetstream.ErrNoKeysFound) {
		return nil, nil
	}
	return ids, nil
}

// WatchExecution calls fn with the raw execution record whenever it
// changes, until ctx ends or fn returns false.
func (s *Store) WatchExecution(ctx context.Context, id string, fn func([]byte) bool) error {
	w, err := s.executions.Watch(ctx, id)
	if err != nil {
		return err
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e, ok := <-w.Updates():
			if !ok {
				return errors.New("execution watch closed")
			}
			if e == nil || e.Operation() != jetstream.KeyValuePut {
				continue // nil marks the end of the initial values
			}
			if !fn(e.Value()) {
				return nil
			}
		}
	}
}

// Key turns free-form parts (cluster names, object names) into a valid KV
// key segment.
func Key(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Holder is what a lock records about who holds it.
type Holder struct {
	// What the lock is for, e.g. "drain of node-1 on prod".
	What string `json:"what"`
	// ExecutionID holds it.
	ExecutionID string `json:"executionId"`
	// Since is when it was taken.
	Since time.Time `json:"since"`
}

// ErrLocked is returned by TryLock when someone else holds the lock.
type ErrLocked struct{ Holder Holder }

func (e *ErrLocked) Error() string {
	return fmt.Sprintf("locked by execution %s (%s) since %s", e.Holder.ExecutionID, e.Holder.What, e.Holder.Since.UTC().Format(time.RFC3339))
}

// TryLock takes lock name for h.ExecutionID, or returns *ErrLocked naming
// the current holder. Taking a lock the same execution already holds
// succeeds (a resumed execution).
func (s *Store) TryLock(ctx context.Context, name string, h Holder) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	_, err = s.locks.Create(ctx, name, b)
	if errors.Is(err, jetstream.ErrKeyExists) {
		cur, gerr := get[Holder](ctx, s.locks, name)
		if gerr != nil {
			return &ErrLocked{Holder: Holder{What: "unknown"}}
		}
		if cur.Value.ExecutionID == h.ExecutionID {
			return nil
		}
		return &ErrLocked{Holder: cur.Value}
	}
	if err != nil {
		return fmt.Errorf("taking lock: %w", err)
	}
	return nil
}

// Holder returns the holder of lock name, or nil when it is free.
func (s *Store) Holder(ctx context.Context, name string) (*Holder, error) {
	cur, err := get[Holder](ctx, s.locks, name)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &cur.Value, nil
}

// RefreshLock renews the TTL of lock name if executionID holds it.
func (s *Store) RefreshLock(ctx context.Context, name, executionID string) error {
	cur, err := get[Holder](ctx, s.locks, name)
	if err != nil {
		return fmt.Errorf("refreshing lock: %w", err)
	}
	if cur.Value.ExecutionID != executionID {
		return &ErrLocked{Holder: cur.Value}
	}
	b, err := json.Marshal(cur.Value)
	if err != nil {
		return err
	}
	if _, err := s.locks.Update(ctx, name, b, cur.Revision); err != nil {
		return fmt.Errorf("refreshing lock: %w", err)
	}
	return nil
}

// Unlock frees lock name if executionID holds it.
func (s *Store) Unlock(ctx context.Context, name, executionID string) error {
	cur, err := get[Holder](ctx, s.locks, name)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if cur.Value.ExecutionID != executionID {
		return nil
	}
	return s.locks.Delete(ctx, name, jetstream.LastRevision(cur.Revision))
}

// StartCooldown puts target into cooldown.
func (s *Store) StartCooldown(ctx context.Context, target string, executionID string) error {
	_, err := s.cooldowns.Put(ctx, target, []byte(executionID))
	return err
}

// Cooldown returns the execution that put target into cooldown and when,
// or "" when it is not in cooldown.
func (s *Store) Cooldown(ctx context.Context, target string) (string, time.Time, error) {
	e, err := s.cooldowns.Get(ctx, target)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", time.Time{}, nil
	}
	if err != nil {
		return "", time.Time{}, err
	}
	return string(e.Value()), e.Created(), nil
}

const pausedKey = "paused"

// SetPaused flips the runtime pause switch.
func (s *Store) SetPaused(ctx context.Context, paused bool) error {
	v := "false"
	if paused {
		v = "true"
	}
	_, err := s.control.Put(ctx, pausedKey, []byte(v))
	return err
}

// Paused reads the runtime pause switch.
func (s *Store) Paused(ctx context.Context) (bool, error) {
	e, err := s.control.Get(ctx, pausedKey)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return string(e.Value()) == "true", nil
}
