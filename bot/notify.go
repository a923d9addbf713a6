package bot

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/slack-go/slack"

	"github.com/kubemedic/kubemedic/bot/language"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// Notifications: the bot follows DiagnosisService.WatchFindings and posts
// new and resolved findings to each cluster's notification channel. Like
// Alertmanager's notify pipeline it is a few stages, assembled in
// notifyLoop:
//
//	watch (reconnecting) → dedupe (one message per fingerprint per state
//	change) → group (collect for groupWait) → post (one message each, or
//	one summary for a burst; a resolution goes in the finding's thread)

// Notification limits.
const (
	// notifyBurst is the most findings of one batch posted one by one;
	// a larger batch is one summary message.
	notifyBurst = 5
	// notifySummaryLines is how many findings a summary names.
	notifySummaryLines = 10
	// watchRetryMax caps the wait before watching again after an error.
	watchRetryMax = time.Minute
)

// findingState is what the notifier last said about a fingerprint.
type findingState struct {
	open bool
	ts   string // the message that announced it (its thread)
}

// notifier holds the dedupe state of notifications.
type notifier struct {
	mu    sync.Mutex
	state map[string]findingState // fingerprint → last state posted
}

// dedupe reports whether the change is news: an opening of a finding not
// known to be open, or a resolution of one not known to be resolved.
// Updates (new evidence) are not news.
func (n *notifier) dedupe(ev *kubemedicv1.WatchFindingsResponse) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	fp := ev.GetFinding().GetFingerprint()
	st, known := n.state[fp]
	switch ev.GetChange() {
	case kubemedicv1.FindingChange_FINDING_CHANGE_OPENED:
		if known && st.open {
			return false
		}
		n.state[fp] = findingState{open: true}
		return true
	case kubemedicv1.FindingChange_FINDING_CHANGE_RESOLVED:
		if known && !st.open {
			return false
		}
		n.state[fp] = findingState{open: false, ts: st.ts}
		return true
	}
	return false
}

func (n *notifier) thread(fp string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.state[fp].ts
}

func (n *notifier) setThread(fp, ts string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	st := n.state[fp]
	st.ts = ts
	n.state[fp] = st
}

// runNotifications follows WatchFindings until ctx ends, reconnecting with
// backoff after errors.
func (b *Bot) runNotifications(ctx context.Context) {
	if len(b.notifyChannels) == 0 {
		return
	}
	events := make(chan *kubemedicv1.WatchFindingsResponse, 256)
	go b.groupAndPost(ctx, events)
	wait := time.Second
	for ctx.Err() == nil {
		stream, err := b.diagnosis.WatchFindings(ctx, connect.NewRequest(&kubemedicv1.WatchFindingsRequest{}))
		if err == nil {
			for stream.Receive() {
				wait = time.Second
				ev := stream.Msg()
				if _, ok := b.notifyChannels[ev.GetFinding().GetObject().GetCluster()]; !ok || !b.notes.dedupe(ev) {
					continue
				}
				select {
				case events <- ev:
				case <-ctx.Done():
				}
			}
			err = stream.Err()
			_ = stream.Close()
		}
		if ctx.Err() != nil {
			return
		}
		b.log.Warn("watching findings failed; watching again", "code", connect.CodeOf(err).String(), "err", err, "in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(2*wait, watchRetryMax)
	}
}

// groupAndPost collects the changes that arrive within groupWait of each
// other, per cluster, and posts them.
func (b *Bot) groupAndPost(ctx context.Context, events <-chan *kubemedicv1.WatchFindingsResponse) {
	batch := map[string][]*kubemedicv1.WatchFindingsResponse{}
	var timer <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-events:
			c := ev.GetFinding().GetObject().GetCluster()
			batch[c] = append(batch[c], ev)
			if timer == nil {
				timer = time.After(b.groupWait)
			}
		case <-timer:
			for cluster, evs := range batch {
				b.postChanges(ctx, cluster, evs)
			}
			clear(batch)
			timer = nil
		}
	}
}

// postChanges posts one batch of a cluster's changes.
func (b *Bot) postChanges(ctx context.Context, cluster string, evs []*kubemedicv1.WatchFindingsResponse) {
	channel := b.notifyChannels[cluster]
	o := origin{lang: b.lang, invoke: "/k8s", at: where{channel: channel}}
	if len(evs) > notifyBurst {
		if _, err := b.postThread(ctx, channel, "", renderBurst(o, cluster, evs)); err != nil {
			b.log.Error("finding summary not posted", "cluster", cluster, "err", err)
		}
		return
	}
	for _, ev := range evs {
		f := ev.GetFinding()
		b.plans.putFinding(f)
		if ev.GetChange() == kubemedicv1.FindingChange_FINDING_CHANGE_RESOLVED {
			r := renderResolved(o, f)
			if _, err := b.postThread(ctx, channel, b.notes.thread(f.GetFingerprint()), r); err != nil {
				b.log.Error("resolution not posted", "fingerprint", f.GetFingerprint(), "err", err)
			}
			continue
		}
		title := language.Pick(o.lang, "🆕 새 문제: ", "🆕 New finding: ") + objectName(f.GetObject()) + " (" + cluster + ")"
		r := reply{text: title, blocks: append([]slack.Block{header(title)}, findingBlocks(o, f)...), public: true}
		ts, err := b.postThread(ctx, channel, "", r)
		if err != nil {
			b.log.Error("finding not posted", "fingerprint", f.GetFingerprint(), "err", err)
			continue
		}
		b.notes.setThread(f.GetFingerprint(), ts)
	}
}

func renderResolved(o origin, f *kubemedicv1.Finding) reply {
	msg := language.Pick(o.lang, "✅ 해결됨: ", "✅ Resolved: ") + fmt.Sprintf("*%s* · `%s` — %s",
		escapeMrkdwn(objectName(f.GetObject())), escapeMrkdwn(f.GetCode()), escapeMrkdwn(localized(o.lang, f.GetTitle())))
	return reply{text: msg, blocks: []slack.Block{section(msg)}, public: true}
}

// renderBurst summarises a burst of changes in one message.
func renderBurst(o origin, cluster string, evs []*kubemedicv1.WatchFindingsResponse) reply {
	var opened, resolved []string
	for _, ev := range evs {
		f := ev.GetFinding()
		line := fmt.Sprintf("• %s *%s* · `%s`", severityBadge(o.lang, f.GetSeverity()), escapeMrkdwn(objectName(f.GetObject())), escapeMrkdwn(f.GetCode()))
		if ev.GetChange() == kubemedicv1.FindingChange_FINDING_CHANGE_RESOLVED {
			resolved = append(resolved, line)
		} else {
			opened = append(opened, line)
		}
	}
	title := language.Pick(o.lang,
		fmt.Sprintf("📣 %s: 새 문제 %d건, 해결 %d건", cluster, len(opened), len(resolved)),
		fmt.Sprintf("📣 %s: %d new findings, %d resolved", cluster, len(opened), len(resolved)))
	blocks := []slack.Block{header(title)}
	for _, part := range []struct {
		ko, en string
		lines  []string
	}{{"*새 문제*", "*New*", opened}, {"*해결됨*", "*Resolved*", resolved}} {
		if len(part.lines) == 0 {
			continue
		}
		shown := part.lines[:min(len(part.lines), notifySummaryLines)]
		text := language.Pick(o.lang, part.ko, part.en) + "\n" + strings.Join(shown, "\n")
		if rest := len(part.lines) - len(shown); rest > 0 {
			text += "\n" + language.Pick(o.lang, fmt.Sprintf("… 외 %d건", rest), fmt.Sprintf("… and %d more", rest))
		}
		blocks = append(blocks, section(text))
	}
	blocks = append(blocks, contextLine(language.Pick(o.lang,
		"전체 목록: "+o.code("diagnose "+cluster), "Full list: "+o.code("diagnose "+cluster))))
	return reply{text: title, blocks: blocks, public: true}
}
