package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kubemedic/kubemedic/bot"
	"github.com/kubemedic/kubemedic/platform/sweepnotice"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

func sweepFinding(name, ko, en string) *kubemedicv1.Finding {
	return &kubemedicv1.Finding{
		Fingerprint: name, Code: "CrashLoopBackOff", Severity: kubemedicv1.Severity_SEVERITY_ERROR,
		Object: &kubemedicv1.ObjectRef{Cluster: "prod", Kind: "Pod", Namespace: "shop", Name: name},
		Title:  &kubemedicv1.LocalizedText{Ko: ko, En: en},
	}
}

// TestSweepNotifier renders sweeps through slacktest: the summary in the
// configured language, details in its thread, nothing for an unchanged
// sweep, and still-open findings named in the thread.
func TestSweepNotifier(t *testing.T) {
	crash := sweepFinding("api-0", "컨테이너가 반복해서 종료됩니다", "container keeps crashing")
	changed := &kubemedicv1.Sweep{
		Id:                "sw-1",
		Clusters:          []*kubemedicv1.SweepProgress{{Cluster: "prod", Done: true, Findings: 2}, {Cluster: "edge", Done: true, Error: "connection refused"}},
		NewFindings:       []*kubemedicv1.Finding{crash},
		StillOpenFindings: []*kubemedicv1.Finding{sweepFinding("web-1", "이미지를 받지 못합니다", "image pull fails")},
	}
	quiet := &kubemedicv1.Sweep{Id: "sw-2", Clusters: []*kubemedicv1.SweepProgress{{Cluster: "prod", Done: true}}}
	tests := []struct {
		name        string
		lang        string
		sweep       *kubemedicv1.Sweep
		wantSummary []string
		wantThread  []string
	}{
		{name: "korean", lang: "ko", sweep: changed,
			wantSummary: []string{"클러스터 점검 sw-1", "새 문제 1", "연결 실패 1"},
			wantThread:  []string{"연결 실패 edge: connection refused", "새 문제 [error] prod Pod shop/api-0: 컨테이너가 반복해서 종료됩니다", "계속 prod Pod shop/web-1: 이미지를 받지 못합니다"}},
		{name: "english", lang: "en", sweep: changed,
			wantSummary: []string{"Sweep sw-1", "1 new", "1 unreachable"},
			wantThread:  []string{"unreachable edge: connection refused", "new [error] prod Pod shop/api-0: container keeps crashing", "still open prod Pod shop/web-1: image pull fails"}},
		{name: "unchanged", lang: "ko", sweep: quiet},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSink()
			n, err := bot.NewSweepNotifier(bot.SweepNotifierOptions{BotToken: testToken, Language: tt.lang, SlackAPIURL: startSlackAPI(t, s)})
			if err != nil {
				t.Fatal(err)
			}
			if err := n.NotifySweep(t.Context(), sweepnotice.FromSweep("C0FLEET", tt.sweep)); err != nil {
				t.Fatal(err)
			}
			if tt.wantSummary == nil {
				s.none(t, 200*time.Millisecond)
				return
			}
			sum := s.next(t)
			if sum.Method != "chat.postMessage" || sum.Channel != "C0FLEET" || sum.ThreadTS != "" {
				t.Fatalf("summary went to %s %s thread %q", sum.Method, sum.Channel, sum.ThreadTS)
			}
			for _, w := range tt.wantSummary {
				if !strings.Contains(sum.Text, w) {
					t.Errorf("summary %q lacks %q", sum.Text, w)
				}
			}
			th := s.next(t)
			if th.ThreadTS == "" || th.Channel != "C0FLEET" {
				t.Fatalf("details not in the summary's thread: %+v", th)
			}
			for _, w := range tt.wantThread {
				if !strings.Contains(th.Text, w) {
					t.Errorf("thread %q lacks %q", th.Text, w)
				}
			}
			s.none(t, 100*time.Millisecond)
		})
	}
}

func TestSweepNotifierOptions(t *testing.T) {
	for _, tt := range []struct {
		name string
		o    bot.SweepNotifierOptions
		want string
	}{
		{"no token", bot.SweepNotifierOptions{}, "bot token is required"},
		{"language", bot.SweepNotifierOptions{BotToken: testToken, Language: "fr"}, `language "fr"`},
		{"api url", bot.SweepNotifierOptions{BotToken: testToken, SlackAPIURL: "slack.local"}, "want an absolute http(s) URL"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := bot.NewSweepNotifier(tt.o); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewSweepNotifier(%+v) = %v, want %q", tt.o, err, tt.want)
			}
		})
	}
	n, _ := bot.NewSweepNotifier(bot.SweepNotifierOptions{BotToken: testToken})
	if err := n.NotifySweep(t.Context(), sweepnotice.Notice{Changed: true}); err == nil || !strings.Contains(err.Error(), "fleet.slack_channel") {
		t.Errorf("a notice without a channel: %v", err)
	}
}
