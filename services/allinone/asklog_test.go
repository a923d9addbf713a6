package allinone_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/asklog"
)

// TestAskLog: a question asked through the gateway lands in the ask log
// stream with the limits from config; with the log off nothing is recorded
// and Ask still answers.
func TestAskLog(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		records bool
	}{
		{"on", []string{"KUBEMEDIC_ASK_LOG_MAX_AGE", "48h", "KUBEMEDIC_ASK_LOG_MAX_MSGS", "1000"}, true},
		{"off", []string{"KUBEMEDIC_ASK_LOG_ENABLED", "false"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := server(t, tt.env...)
			if (s.AskLog != nil) != tt.records {
				t.Fatalf("AskLog = %v, want recording %v", s.AskLog, tt.records)
			}
			client := kubemedicv1.NewKnowledgeServiceClient(dial(t, s.GatewayAddr))
			ctx, cancel := context.WithTimeout(withToken(context.Background(), s.Token), 10*time.Second)
			defer cancel()
			resp, err := client.Ask(ctx, &kubemedicv1.AskRequest{Question: "오늘 점심 메뉴 추천해줘"})
			if err != nil || !resp.GetNoAnswer() {
				t.Fatalf("Ask = %v, %v; want a refusal", resp, err)
			}
			nc, err := nats.Connect(s.NATSURL)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			js, err := jetstream.New(nc)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.records {
				if _, err := js.Stream(ctx, asklog.StreamName); err == nil {
					t.Error("stream exists with the ask log off")
				}
				return
			}
			st, err := js.Stream(ctx, asklog.StreamName)
			if err != nil {
				t.Fatal(err)
			}
			if c := st.CachedInfo().Config; c.MaxAge != 48*time.Hour || c.MaxMsgs != 1000 || c.MaxBytes != 256<<20 {
				t.Errorf("stream limits = age %s, msgs %d, bytes %d", c.MaxAge, c.MaxMsgs, c.MaxBytes)
			}
			var rep *asklog.Report
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				if rep, err = asklog.Gaps(ctx, js, time.Now().Add(-time.Hour), asklog.GapOptions{}); err != nil {
					t.Fatal(err)
				}
				if rep.Asks > 0 {
					break
				}
			}
			if rep.Asks != 1 || len(rep.Groups) != 1 || rep.Groups[0].Representative != "오늘 점심 메뉴 추천해줘" ||
				rep.Groups[0].Why[asklog.WhyRefused] != 1 {
				t.Errorf("gaps after one refused question = %+v", rep)
			}
		})
	}
}
