package jsretry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/services/fleet/natstest"
)

func TestTransient(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{context.DeadlineExceeded, true},
		{fmt.Errorf("creating stream: %w", context.DeadlineExceeded), true},
		{&jetstream.APIError{Code: 503, ErrorCode: 10008, Description: "JetStream system temporarily unavailable"}, true},
		{&jetstream.APIError{Code: 500, ErrorCode: 10005, Description: "no suitable peers for placement"}, true},
		{&jetstream.APIError{Code: 500, ErrorCode: 10009, Description: "JetStream cluster can not handle request"}, true},
		{&jetstream.APIError{Code: 503, ErrorCode: 10023, Description: "insufficient resources"}, true},
		{&jetstream.APIError{Code: 500, ErrorCode: 10118, Description: "stream is offline"}, true},
		{&jetstream.APIError{Code: 400, ErrorCode: jetstream.JSErrCodeStreamNameInUse, Description: "stream name already in use with a different configuration"}, false},
		{jetstream.ErrStreamNotFound, false},
		{context.Canceled, false},
		{errors.New("permissions violation"), false},
	}
	for _, tt := range tests {
		if got := Transient(tt.err); got != tt.want {
			t.Errorf("Transient(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// TestDo: transient failures are retried until the call succeeds; any other
// error returns at once; a context that ends stops the retries with an
// error naming what was being set up.
func TestDo(t *testing.T) {
	calls := 0
	v, err := Do(context.Background(), "stream S", func(ctx context.Context) (int, error) {
		calls++
		if _, ok := ctx.Deadline(); !ok {
			t.Error("an attempt without a deadline")
		}
		if calls < 3 {
			return 0, &jetstream.APIError{Code: 503, ErrorCode: 10008}
		}
		return 42, nil
	})
	if v != 42 || err != nil || calls != 3 {
		t.Errorf("Do = %d, %v after %d calls; want 42 after 3", v, err, calls)
	}

	calls = 0
	bad := &jetstream.APIError{Code: 400, ErrorCode: jetstream.JSErrCodeStreamNameInUse}
	if _, err := Do(context.Background(), "stream S", func(context.Context) (int, error) { calls++; return 0, bad }); !errors.Is(err, bad) || calls != 1 {
		t.Errorf("permanent error: %v after %d calls, want it at once", err, calls)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	calls = 0
	_, err = Do(ctx, "bucket B", func(context.Context) (int, error) {
		calls++
		return 0, &jetstream.APIError{Code: 503, ErrorCode: 10008}
	})
	if err == nil || !strings.Contains(err.Error(), "bucket B: JetStream cluster not ready after") || calls < 2 {
		t.Errorf("ending context: %v after %d calls", err, calls)
	}
}

// TestDoOnACluster creates a replicated bucket on a 3-node cluster through
// Do, as the services do at start, and gets the bucket.
func TestDoOnACluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-node NATS cluster")
	}
	c := natstest.StartCluster(t, 3)
	_, js := natstest.Connect(t, c.URLs()...)
	kv, err := Do(t.Context(), "bucket jsretry-test", func(ctx context.Context) (jetstream.KeyValue, error) {
		return js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "jsretry-test", Replicas: 3, Storage: jetstream.FileStorage})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(t.Context(), "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
}
