package asklog_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/platform/embeddednats"
	"github.com/kubemedic/kubemedic/services/asklog"
	"github.com/kubemedic/kubemedic/services/knowledge"
)

// The analyzer records every Ask; later a maintainer asks for the gaps.
func ExampleGaps() {
	dir, _ := os.MkdirTemp("", "asklog-example")
	defer os.RemoveAll(dir)
	ns, err := embeddednats.Start(embeddednats.Options{StoreDir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ns.Stop()
	nc, _ := nats.Connect(ns.URL())
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()

	rec, err := asklog.New(ctx, asklog.Options{JetStream: js, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, q := range []string{"VPN 접속이 안 돼요", "회사 VPN 접속 불가", "vpn 연결이 안됩니다"} {
		rec.RecordAsk(ctx, "", knowledge.Result{Question: q, Language: "ko", NoAnswer: true, Reason: "no entry matches the question"})
	}
	rec.RecordAsk(ctx, "", knowledge.Result{Question: "파드가 계속 Pending이에요", Language: "ko", Confidence: 0.91,
		Answers: []knowledge.Answer{{ID: "pod-pending", Confidence: 0.91}}})
	_ = rec.Close(ctx) // flush

	rep, err := asklog.Gaps(ctx, js, time.Now().Add(-7*24*time.Hour), asklog.GapOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d of %d questions are gaps\n", rep.Gaps, rep.Asks)
	for _, g := range rep.Groups {
		fmt.Println(g.Count, g.Representative, g.Why)
	}
	// Output:
	// 3 of 4 questions are gaps
	// 3 VPN 접속이 안 돼요 map[refused:3]
}
