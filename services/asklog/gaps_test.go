package asklog_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/services/asklog"
	"github.com/kubemedic/kubemedic/services/knowledge"
)

var corpus = sync.OnceValues(func() ([]string, error) {
	kb, err := knowledge.Open(context.Background(), knowledge.Options{})
	if err != nil {
		return nil, err
	}
	return asklog.Corpus(kb), nil
})

// seedAskLog records a realistic week: two topics the knowledge base lacks
// or answers weakly, questions it answers well, and one good-looking answer
// rated unhelpful. It returns the id of the rated ask.
func seedAskLog(t *testing.T, js jetstream.JetStream) string {
	t.Helper()
	ctx := context.Background()
	r := newRecorder(t, js, asklog.Options{})
	for _, q := range []string{"VPN 접속이 안 돼요", "vpn 연결이 안됩니다", "회사 VPN 접속 불가", "재택인데 VPN 접속이 안되네요", "I can't connect to the VPN"} {
		r.RecordAsk(ctx, "", result(q, knowledge.DetectLanguage(q), true, 0.31))
	}
	for _, q := range []string{"kube-proxy 로그 위치가 어디예요?", "kube-proxy 로그는 어디서 보나요", "kube-proxy 로그 파일 경로"} {
		r.RecordAsk(ctx, "prod", result(q, "ko", false, 0.52, "node-logs", "kubelet-logs"))
	}
	// Answered with confidence: not gaps.
	for _, q := range []string{"파드가 계속 Pending이에요", "노드가 NotReady 상태예요", "ImagePullBackOff 해결 방법", "VPN 접속 설정 파드 네트워크"} {
		r.RecordAsk(ctx, "", result(q, "ko", false, 0.91, "pod-pending"))
	}
	rated := r.RecordAsk(ctx, "", result("PVC가 Pending에서 안 넘어가요", "ko", false, 0.88, "aks-lb-sp"))
	if err := r.Feedback(ctx, asklog.Feedback{AskID: rated, EntryID: "aks-lb-sp", Helpful: false, SlackUser: "U024BE7LH"}); err != nil {
		t.Fatal(err)
	}
	if err := r.Feedback(ctx, asklog.Feedback{AskID: "some-ask", EntryID: "pod-pending", Helpful: true}); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	return rated
}

func TestGaps(t *testing.T) {
	_, js := startJetStream(t)
	seedAskLog(t, js)
	docs, err := corpus()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rep, err := asklog.Gaps(ctx, js, time.Now().Add(-7*24*time.Hour), asklog.GapOptions{Corpus: docs})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Asks != 13 || rep.Gaps != 9 || len(rep.Groups) != 3 {
		b, _ := json.MarshalIndent(rep, "", "  ")
		t.Fatalf("asks %d, gaps %d, groups %d; want 13, 9, 3:\n%s", rep.Asks, rep.Gaps, len(rep.Groups), b)
	}
	vpn, proxy, pvc := rep.Groups[0], rep.Groups[1], rep.Groups[2]
	if vpn.Count != 5 || vpn.Why[asklog.WhyRefused] != 5 || len(vpn.Why) != 1 || len(vpn.Examples) != 4 ||
		!slices.Equal(vpn.Languages, []string{"en", "ko"}) || len(vpn.Answers) != 0 {
		t.Errorf("VPN group = %+v", vpn)
	}
	if !slices.Contains([]string{"VPN 접속이 안 돼요", "vpn 연결이 안됩니다", "회사 VPN 접속 불가", "재택인데 VPN 접속이 안되네요"}, vpn.Representative) {
		t.Errorf("VPN group represented by %q", vpn.Representative)
	}
	if proxy.Count != 3 || proxy.Why[asklog.WhyLowConfidence] != 3 || len(proxy.Answers) != 1 ||
		proxy.Answers[0] != (asklog.AnswerCount{ID: "node-logs", Count: 3}) || !slices.Equal(proxy.Languages, []string{"ko"}) {
		t.Errorf("kube-proxy group = %+v", proxy)
	}
	if pvc.Count != 1 || pvc.Representative != "PVC가 Pending에서 안 넘어가요" || pvc.Why[asklog.WhyUnhelpful] != 1 ||
		len(pvc.Answers) != 1 || pvc.Answers[0].ID != "aks-lb-sp" {
		t.Errorf("unhelpful group = %+v", pvc)
	}
	for _, g := range rep.Groups {
		if g.FirstSeen.IsZero() || g.LastSeen.Before(g.FirstSeen) {
			t.Errorf("group %q seen %v..%v", g.Representative, g.FirstSeen, g.LastSeen)
		}
	}

	// Deterministic: the same log gives the same report.
	again, err := asklog.Gaps(ctx, js, time.Now().Add(-7*24*time.Hour), asklog.GapOptions{Corpus: docs})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(rep.Groups)
	b, _ := json.Marshal(again.Groups)
	if string(a) != string(b) {
		t.Errorf("second run differs:\n%s\n%s", a, b)
	}

	// A stricter confidence threshold leaves the kube-proxy questions out.
	strict, err := asklog.Gaps(ctx, js, time.Now().Add(-time.Hour), asklog.GapOptions{Corpus: docs, MinConfidence: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if strict.Gaps != 6 || len(strict.Groups) != 2 {
		t.Errorf("MinConfidence 0.5: gaps %d, groups %d; want 6, 2", strict.Gaps, len(strict.Groups))
	}
}

func TestGapsSince(t *testing.T) {
	_, js := startJetStream(t)
	ctx := context.Background()
	// No stream yet: an empty report, not an error.
	rep, err := asklog.Gaps(ctx, js, time.Now().Add(-time.Hour), asklog.GapOptions{})
	if err != nil || rep.Asks != 0 || len(rep.Groups) != 0 {
		t.Fatalf("before any ask: %+v, %v", rep, err)
	}
	seedAskLog(t, js)
	rep, err = asklog.Gaps(ctx, js, time.Now().Add(time.Minute), asklog.GapOptions{})
	if err != nil || rep.Asks != 0 || len(rep.Groups) != 0 {
		t.Errorf("since the future: %+v, %v", rep, err)
	}
	if _, err := asklog.Gaps(ctx, js, time.Now(), asklog.GapOptions{MinConfidence: 2}); err == nil {
		t.Error("MinConfidence 2 accepted")
	}
}

// TestGapsReadsManyBatches: more messages than one fetch takes (the
// one-record messages written before batching, as a busy stream holds them).
func TestGapsReadsManyBatches(t *testing.T) {
	_, js := startJetStream(t)
	ctx := context.Background()
	if _, err := asklog.EnsureStream(ctx, js, asklog.Limits{}); err != nil {
		t.Fatal(err)
	}
	const n = 1200 // more than one fetch
	for i := range n {
		b, err := json.Marshal(asklog.Record{ID: fmt.Sprint("ask-", i), Time: time.Now().UTC(), Question: "VPN 접속이 안 돼요", Language: "ko", Source: asklog.SourceAPI, NoAnswer: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.PublishAsync(asklog.AskSubject, b); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(30 * time.Second): // a hang guard, not a speed target
		t.Fatal("publishing timed out")
	}
	rep, err := asklog.Gaps(ctx, js, time.Now().Add(-time.Hour), asklog.GapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Asks != n || len(rep.Groups) != 1 || rep.Groups[0].Count != n {
		t.Errorf("asks %d, groups %+v; want %d asks in one group", rep.Asks, rep.Groups, n)
	}
	capped, err := asklog.Gaps(ctx, js, time.Now().Add(-time.Hour), asklog.GapOptions{MaxAsks: 100})
	if err != nil {
		t.Fatal(err)
	}
	if capped.Asks != 100 || !capped.Truncated || rep.Truncated {
		t.Errorf("MaxAsks 100: read %d", capped.Asks)
	}
}
