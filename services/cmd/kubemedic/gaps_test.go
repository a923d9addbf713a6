package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/platform/embeddednats"
	"github.com/kubemedic/kubemedic/services/asklog"
	"github.com/kubemedic/kubemedic/services/knowledge"
)

// seededDataDir starts a real nats-server, records a few questions the way
// `kubemedic serve` does, and returns a data dir whose nats.url points at it.
func seededDataDir(t *testing.T) string {
	t.Helper()
	ns, err := embeddednats.Start(embeddednats.Options{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Stop)
	nc, err := nats.Connect(ns.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rec, err := asklog.New(ctx, asklog.Options{JetStream: js, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ask := func(q string, noAnswer bool, conf float64, ids ...string) {
		res := knowledge.Result{Question: q, Language: knowledge.DetectLanguage(q), NoAnswer: noAnswer, Confidence: conf}
		for _, id := range ids {
			res.Answers = append(res.Answers, knowledge.Answer{ID: id, Confidence: conf})
		}
		rec.RecordAsk(ctx, "", res)
	}
	for _, q := range []string{"VPN 접속이 안 돼요", "vpn 연결이 안됩니다", "회사 VPN 접속 불가", "재택인데 VPN 접속이 안되네요", "I can't connect to the VPN"} {
		ask(q, true, 0.3)
	}
	for _, q := range []string{"kube-proxy 로그 위치가 어디예요?", "kube-proxy 로그는 어디서 보나요", "kube-proxy 로그 파일 경로"} {
		ask(q, false, 0.5, "node-logs")
	}
	ask("파드가 계속 Pending이에요", false, 0.92, "pod-pending")
	if err := rec.Close(ctx); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, natsURLFile), []byte(ns.URL()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestKBGaps(t *testing.T) {
	t.Setenv("KUBEMEDIC_NATS_URL", "")
	dir := seededDataDir(t)

	out, errOut, err := run(t, newKBCommand, "", "gaps", "--json", "--since", "1d", "--data-dir", dir)
	if err != nil {
		t.Fatalf("kb gaps --json: %v\n%s", err, errOut)
	}
	var rep asklog.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if rep.Asks != 9 || rep.Gaps != 8 || len(rep.Groups) != 2 {
		t.Fatalf("asks %d, gaps %d, groups %d; want 9, 8, 2:\n%s", rep.Asks, rep.Gaps, len(rep.Groups), out)
	}
	if g := rep.Groups[0]; g.Count != 5 || g.Why[asklog.WhyRefused] != 5 || !strings.Contains(strings.ToLower(g.Representative), "vpn") {
		t.Errorf("first group = %+v", g)
	}
	if g := rep.Groups[1]; g.Count != 3 || g.Why[asklog.WhyLowConfidence] != 3 || len(g.Answers) != 1 || g.Answers[0].ID != "node-logs" {
		t.Errorf("second group = %+v", g)
	}

	table, _, err := run(t, newKBCommand, "", "gaps", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"질문 9건 중 8건", "2개 그룹", "8 of 9 questions", "대표 질문 QUESTION", "거절(refused) 5", "낮은 신뢰도(low confidence) 3", "node-logs×3", "비슷한 질문"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	if strings.Index(table, "VPN") > strings.Index(table, "kube-proxy") {
		t.Errorf("the larger group is not first:\n%s", table)
	}
}

func TestKBGapsErrors(t *testing.T) {
	t.Setenv("KUBEMEDIC_NATS_URL", "")
	stale := t.TempDir()
	os.WriteFile(filepath.Join(stale, natsURLFile), []byte("nats://127.0.0.1:1\n"), 0o600)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no server", []string{"gaps", "--data-dir", t.TempDir()}, "kubemedic serve"},
		{"server gone", []string{"gaps", "--data-dir", stale}, "is the server running"},
		{"bad since", []string{"gaps", "--since", "a week"}, "--since"},
		{"negative since", []string{"gaps", "--since", "-3d"}, "--since"},
		{"bad confidence", []string{"gaps", "--data-dir", stale, "--min-confidence", "7"}, "--min-confidence 7"},
		{"bad similarity", []string{"gaps", "--data-dir", stale, "--similarity", "-1"}, "--similarity -1"},
		{"nats flag wins", []string{"gaps", "--data-dir", t.TempDir(), "--nats", "nats://127.0.0.1:1"}, "nats://127.0.0.1:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := run(t, newKBCommand, "", tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
