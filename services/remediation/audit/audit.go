// Package audit is kubemedic's append-only remediation audit trail.
//
// Every request, plan, approval, rejection, refusal, execution step and
// result is one kubemedic.v1.AuditRecord published to a JetStream stream on
// file storage, so the trail survives restarts of the service and of NATS.
// The subject carries the cluster and plan, kubemedic.audit.<cluster>.<plan>,
// so List filters on the server instead of scanning everything. Event puts
// a matching Kubernetes Event on the target object, so `kubectl describe`
// shows what kubemedic did and for whom.
package audit

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/jsretry"
)

// Stream and subject names.
const (
	StreamName    = "KUBEMEDIC_AUDIT"
	SubjectPrefix = "kubemedic.audit"
)

// Options configures Open.
type Options struct {
	// JetStream is the JetStream context. Required.
	JetStream jetstream.JetStream
	// MaxAge is how long records are kept. Default: 400 days.
	MaxAge time.Duration
	// Replicas is the stream's replica count. Default: 1.
	Replicas int
}

// Log is the audit stream.
type Log struct {
	js     jetstream.JetStream
	stream jetstream.Stream
}

// Open creates or updates the stream.
func Open(ctx context.Context, o Options) (*Log, error) {
	if o.JetStream == nil {
		return nil, errors.New("audit: JetStream is required")
	}
	if o.MaxAge == 0 {
		o.MaxAge = 400 * 24 * time.Hour
	}
	if o.Replicas == 0 {
		o.Replicas = 1
	}
	st, err := jsretry.Do(ctx, "stream "+StreamName, func(ctx context.Context) (jetstream.Stream, error) {
		return o.JetStream.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
			Name:        StreamName,
			Description: "kubemedic remediation audit trail (append-only)",
			Subjects:    []string{SubjectPrefix + ".>"},
			Storage:     jetstream.FileStorage,
			Retention:   jetstream.LimitsPolicy,
			MaxAge:      o.MaxAge,
			Replicas:    o.Replicas,
			DenyDelete:  true,
			DenyPurge:   true,
		})
	})
	if err != nil {
		return nil, fmt.Errorf("audit: stream %s: %w", StreamName, err)
	}
	return &Log{js: o.JetStream, stream: st}, nil
}

// token turns a free-form name into one subject token; "_" stands for none.
func token(s string) string {
	if s == "" {
		return "_"
	}
	return hex.EncodeToString([]byte(s))
}

// Subject returns the subject of a record about cluster and plan.
func Subject(cluster, planID string) string {
	return SubjectPrefix + "." + token(cluster) + "." + token(planID)
}

// Append publishes r (its time is set when empty) and waits for the
// stream's acknowledgement; the record's sequence is returned.
func (l *Log) Append(ctx context.Context, r *kubemedicv1.AuditRecord) (uint64, error) {
	if r.GetTime() == nil {
		r.Time = timestamppb.Now()
	}
	b, err := proto.Marshal(r)
	if err != nil {
		return 0, fmt.Errorf("audit: encoding record: %w", err)
	}
	ack, err := l.js.Publish(ctx, Subject(r.GetCluster(), r.GetPlanId()), b)
	if err != nil {
		return 0, fmt.Errorf("audit: appending record: %w", err)
	}
	return ack.Sequence, nil
}

// Page size limits of List.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// ErrBadPageToken is returned for a page token List did not make.
var ErrBadPageToken = errors.New("invalid page_token: pass the next_page_token of a previous ListAudit reply")

// List returns records matching req, oldest first, one page at a time.
func (l *Log) List(ctx context.Context, req *kubemedicv1.ListAuditRequest) (*kubemedicv1.ListAuditResponse, error) {
	size := int(req.GetPageSize())
	switch {
	case size < 0:
		return nil, fmt.Errorf("page_size %d: want 0 (default %d) to %d", size, DefaultPageSize, MaxPageSize)
	case size == 0:
		size = DefaultPageSize
	case size > MaxPageSize:
		size = MaxPageSize
	}
	start := uint64(1)
	if t := req.GetPageToken(); t != "" {
		v, err := strconv.ParseUint(t, 10, 64)
		if err != nil || v == 0 {
			return nil, ErrBadPageToken
		}
		start = v
	}
	filter := SubjectPrefix + ".>"
	switch {
	case req.GetCluster() != "" && req.GetPlanId() != "":
		filter = Subject(req.GetCluster(), req.GetPlanId())
	case req.GetCluster() != "":
		filter = SubjectPrefix + "." + token(req.GetCluster()) + ".*"
	case req.GetPlanId() != "":
		filter = SubjectPrefix + ".*." + token(req.GetPlanId())
	}
	cons, err := l.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects:    []string{filter},
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       start,
		InactiveThreshold: 30 * time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("audit: reading stream: %w", err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit: reading stream: %w", err)
	}
	want := size
	if p := int(info.NumPending); p < want {
		want = p
	}
	resp := &kubemedicv1.ListAuditResponse{}
	var pending uint64
	for len(resp.Records) < want {
		batch, err := cons.Fetch(want-len(resp.Records), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return nil, fmt.Errorf("audit: reading stream: %w", err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			md, err := m.Metadata()
			if err != nil {
				return nil, err
			}
			r := &kubemedicv1.AuditRecord{}
			if err := proto.Unmarshal(m.Data(), r); err != nil {
				return nil, fmt.Errorf("audit: record %d: %w", md.Sequence.Stream, err)
			}
			r.Sequence = md.Sequence.Stream
			pending = md.NumPending
			resp.Records = append(resp.Records, r)
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
			return nil, fmt.Errorf("audit: reading stream: %w", err)
		}
		if got == 0 {
			break
		}
	}
	if n := len(resp.Records); n > 0 && pending > 0 {
		resp.NextPageToken = strconv.FormatUint(resp.Records[n-1].GetSequence()+1, 10)
	}
	return resp, nil
}
