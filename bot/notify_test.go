package bot_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

func change(c kubemedicv1.FindingChange, f *kubemedicv1.Finding) *kubemedicv1.WatchFindingsResponse {
	return &kubemedicv1.WatchFindingsResponse{Change: c, Finding: f}
}

// TestNotifications: new and resolved findings reach the cluster's
// channel once per state change, a resolution in the finding's thread, and
// a burst as one summary.
func TestNotifications(t *testing.T) {
	e := newEnv(t)
	shop := shopFindings()
	other := proto.Clone(shop[0]).(*kubemedicv1.Finding)
	other.Object.Cluster, other.Fingerprint = "staging", "fp-staging"
	opened, resolved, updated := kubemedicv1.FindingChange_FINDING_CHANGE_OPENED, kubemedicv1.FindingChange_FINDING_CHANGE_RESOLVED, kubemedicv1.FindingChange_FINDING_CHANGE_UPDATED
	for _, ev := range []*kubemedicv1.WatchFindingsResponse{
		change(opened, shop[0]), change(opened, shop[1]), change(opened, shop[0]), change(updated, shop[1]), change(opened, other),
	} {
		e.diagnosis.watch <- ev
	}
	first := e.slackAPI.next(t)
	second := e.slackAPI.next(t)
	for i, p := range []post{first, second} {
		if p.Method != "chat.postMessage" || p.Channel != channelAlerts || p.ThreadTS != "" {
			t.Errorf("notification %d: %s to %s thread %q", i, p.Method, p.Channel, p.ThreadTS)
		}
	}
	if !strings.Contains(first.texts(), "새 문제: Pod shop/web-7c9f-0 (prod)") || !strings.Contains(second.texts(), "새 문제: Deployment shop/api (prod)") {
		t.Errorf("notifications:\n%s\n---\n%s", first.texts(), second.texts())
	}
	if b := first.button(t, "finding.fix.0"); b.Value != "prod fp-pending-web-0 0" {
		t.Errorf("fix button %+v", b)
	}
	e.slackAPI.none(t, 700*time.Millisecond) // the repeat, the update and staging (no channel) say nothing

	e.diagnosis.watch <- change(resolved, shop[0])
	e.diagnosis.watch <- change(resolved, shop[0])
	res := e.slackAPI.next(t)
	if res.ThreadTS != "1767225601.000001" || !strings.Contains(res.texts(), "✅ 해결됨: *Pod shop/web-7c9f-0*") {
		t.Errorf("resolution in thread %q: %s", res.ThreadTS, res.texts())
	}
	e.slackAPI.none(t, 700*time.Millisecond)

	for _, f := range manyFindings(12) {
		e.diagnosis.watch <- change(opened, f)
	}
	sum := e.slackAPI.next(t)
	for _, want := range []string{"prod: 새 문제 12건, 해결 0건", "*Pod load/worker-009*", "… 외 2건", "`/k8s diagnose prod`"} {
		if !strings.Contains(sum.texts(), want) {
			t.Errorf("burst summary lacks %q:\n%s", want, sum.texts())
		}
	}
	e.slackAPI.none(t, 700*time.Millisecond)
}
