package asklog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubemedic/kubemedic/services/asklog"
	"github.com/kubemedic/kubemedic/services/knowledge"
)

// TestRecorderBatchesBurst: records queued while a publish is under way go
// out together, as JSON Lines messages of at most 256 records, and Gaps
// reads every record back.
func TestRecorderBatchesBurst(t *testing.T) {
	_, js := startJetStream(t)
	const n = 2000
	r := newRecorder(t, js, asklog.Options{Buffer: n})
	ctx := context.Background()
	ids := make([]string, n)
	for i := range n {
		ids[i] = r.RecordAsk(ctx, "", result(fmt.Sprintf("VPN 접속이 안 돼요 %d", i%5), "ko", true, 0.2))
	}
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if r.Dropped() != 0 || r.Failed() != 0 {
		t.Fatalf("dropped %d, failed %d, want 0", r.Dropped(), r.Failed())
	}
	msgs := askMessages(t, js)
	if len(msgs) >= n || len(msgs) < (n+255)/256 {
		t.Errorf("%d records stored in %d messages, want fewer messages than records and at most 256 records a message", n, len(msgs))
	}
	for _, m := range msgs {
		if lines := bytes.Count(m, []byte("\n")); lines < 1 || lines > 256 || m[len(m)-1] != '\n' {
			t.Fatalf("message of %d lines, want 1..256 newline-terminated records: %.200q", lines, m)
		}
	}
	got := storedAsks(t, js)
	if len(got) != n {
		t.Fatalf("stored %d records, want %d", len(got), n)
	}
	for i, rec := range got {
		if rec.ID != ids[i] {
			t.Fatalf("record %d has id %s, want %s (in recording order)", i, rec.ID, ids[i])
		}
	}
	rep, err := asklog.Gaps(ctx, js, time.Now().Add(-time.Hour), asklog.GapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Asks != n || rep.Gaps != n || rep.Malformed != 0 {
		t.Errorf("gaps read %d asks, %d gaps, %d malformed; want %d, %d, 0", rep.Asks, rep.Gaps, rep.Malformed, n, n)
	}
}

// TestRecorderLoneRecord: with nothing else queued a record is published at
// once as a one-line message, without waiting for Close.
func TestRecorderLoneRecord(t *testing.T) {
	_, js := startJetStream(t)
	r := newRecorder(t, js, asklog.Options{})
	ctx := context.Background()
	s, err := js.Stream(ctx, asklog.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		id := r.RecordAsk(ctx, "", result("VPN 접속이 안 돼요", "ko", true, 0))
		waitLastSeq(t, s, uint64(i+1))
		msgs := askMessages(t, js)
		var rec asklog.Record
		if err := json.Unmarshal(msgs[i], &rec); err != nil || rec.ID != id || bytes.Count(msgs[i], []byte("\n")) != 1 {
			t.Fatalf("message %d = %q (%v), want the one record %s", i, msgs[i], err, id)
		}
	}
}

// TestRecorderCloseFlushes: Close returns once every queued record is
// stored.
func TestRecorderCloseFlushes(t *testing.T) {
	_, js := startJetStream(t)
	const n = 5000
	r := newRecorder(t, js, asklog.Options{Buffer: n})
	ctx := context.Background()
	for range n {
		r.RecordAsk(ctx, "prod", result("kube-proxy 로그 위치", "ko", false, 0.5, "node-logs"))
	}
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(storedAsks(t, js)); got != n || r.Dropped() != 0 || r.Failed() != 0 {
		t.Errorf("after Close: %d of %d records stored, %d dropped, %d failed", got, n, r.Dropped(), r.Failed())
	}
}

// TestRecorderSizeBound: records too many bytes for one message together
// are split over several, each within the stream's message size; a record
// that could never fit is dropped, counted and logged, and the records
// around it are stored.
func TestRecorderSizeBound(t *testing.T) {
	_, js := startJetStream(t)
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	r, err := asklog.New(context.Background(), asklog.Options{JetStream: js, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// The largest question: MaxQuestionLength characters, each three bytes
	// in UTF-8; and one whose every character JSON escapes to six bytes.
	long := strings.Repeat("파", knowledge.MaxQuestionLength)
	escaped := strings.Repeat("<", knowledge.MaxQuestionLength)
	const n = 200
	var want []string
	for i := range n {
		q := long
		if i%10 == 0 {
			q = escaped
		}
		want = append(want, r.RecordAsk(ctx, "prod", result(q, "ko", true, 0)))
		if i == n/2 {
			// A cluster name no request could carry: too large alone.
			r.RecordAsk(ctx, strings.Repeat("c", 100<<10), result("VPN", "ko", true, 0))
		}
	}
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if r.Failed() != 1 || r.Dropped() != 0 {
		t.Errorf("failed %d, dropped %d; want the one oversized record failed", r.Failed(), r.Dropped())
	}
	if !strings.Contains(logs.String(), "ask log: record not stored") || !strings.Contains(logs.String(), "more than the") {
		t.Errorf("no log of the oversized record:\n%s", logs.String())
	}
	s, err := js.Stream(ctx, asklog.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	limit := int(s.CachedInfo().Config.MaxMsgSize)
	msgs := askMessages(t, js)
	largest := 0
	for _, m := range msgs {
		largest = max(largest, len(m))
	}
	if largest > limit-1024 || len(msgs) >= n {
		t.Errorf("%d records in %d messages, the largest %d bytes: want batches well under the %d-byte limit", n, len(msgs), largest, limit)
	}
	got := storedAsks(t, js)
	if len(got) != n {
		t.Fatalf("stored %d records, want %d", len(got), n)
	}
	for i, rec := range got {
		if rec.ID != want[i] || (rec.Question != long && rec.Question != escaped) {
			t.Fatalf("record %d = %s (question of %d bytes), want %s", i, rec.ID, len(rec.Question), want[i])
		}
	}
}

// TestReadMessageFormats: Gaps reads one-record messages written before
// batching and JSON Lines batches alike; a bad line counts as malformed and
// the other lines of its message are still read.
func TestReadMessageFormats(t *testing.T) {
	rec := func(id, q string) string {
		b, err := json.Marshal(asklog.Record{ID: id, Time: time.Now().UTC(), Question: q, Language: "ko", Source: asklog.SourceAPI, NoAnswer: true})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name           string
		messages       []string
		asks, malforms int
	}{
		{"one record, no newline (before batching)", []string{rec("a", "VPN 접속")}, 1, 0},
		{"one record a line", []string{rec("a", "VPN 접속") + "\n"}, 1, 0},
		{"batch", []string{rec("a", "VPN 접속") + "\n" + rec("b", "VPN 연결") + "\n" + rec("c", "프린터") + "\n"}, 3, 0},
		{"old and new together", []string{rec("a", "VPN 접속"), rec("b", "VPN 연결") + "\n" + rec("c", "프린터") + "\n"}, 3, 0},
		{"last line without newline", []string{rec("a", "VPN 접속") + "\n" + rec("b", "VPN 연결")}, 2, 0},
		{"CRLF and blank lines", []string{rec("a", "VPN 접속") + "\r\n\r\n" + rec("b", "VPN 연결") + "\r\n"}, 2, 0},
		{"bad line in a batch", []string{rec("a", "VPN 접속") + "\n{\"id\": \"b\", \"question\n" + rec("c", "프린터") + "\n"}, 2, 1},
		{"line without id", []string{rec("a", "VPN 접속") + "\n" + rec("", "프린터") + "\n"}, 1, 1},
		{"not JSON at all", []string{"VPN 접속이 안 돼요", rec("a", "VPN 접속")}, 1, 1},
		{"empty message", []string{"", "\n", rec("a", "VPN 접속")}, 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, js := startJetStream(t)
			ctx := context.Background()
			if _, err := asklog.EnsureStream(ctx, js, asklog.Limits{}); err != nil {
				t.Fatal(err)
			}
			for _, m := range tt.messages {
				if _, err := js.Publish(ctx, asklog.AskSubject, []byte(m)); err != nil {
					t.Fatal(err)
				}
			}
			rep, err := asklog.Gaps(ctx, js, time.Now().Add(-time.Hour), asklog.GapOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Asks != tt.asks || rep.Gaps != tt.asks || rep.Malformed != tt.malforms {
				t.Errorf("read %d asks (%d gaps), %d malformed; want %d asks, %d malformed", rep.Asks, rep.Gaps, rep.Malformed, tt.asks, tt.malforms)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the recorder's goroutine and the
// test to use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
