package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"connectrpc.com/connect"
	"github.com/slack-go/slack"

	"github.com/kubemedic/kubemedic/bot/command"
	"github.com/kubemedic/kubemedic/bot/language"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

const (
	// maxSweepLines is how many new or resolved findings a sweep names.
	maxSweepLines = 10
	// auditShown is how many audit records a reply shows (the latest).
	auditShown = 20
	// auditPages bounds the pages read to reach the latest records.
	auditPages = 20
)

// sweep runs a fleet sweep and reports what changed since the last one.
func (b *Bot) sweep(ctx context.Context, o origin, c command.Sweep) reply {
	ctx, cancel := context.WithTimeout(ctx, jobTimeout)
	defer cancel()
	stream, err := b.fleet.RunSweep(ctx, connect.NewRequest(&kubemedicv1.RunSweepRequest{Clusters: c.Clusters}))
	if err != nil {
		return renderGatewayError(o, err)
	}
	defer stream.Close()
	var sw *kubemedicv1.Sweep
	for stream.Receive() {
		if s := stream.Msg().GetSweep(); s != nil {
			sw = s
		}
	}
	if err := stream.Err(); err != nil {
		b.log.Warn("sweep failed", "code", connect.CodeOf(err).String(), "err", err)
		return renderGatewayError(o, err)
	}
	if sw == nil {
		return renderGatewayError(o, connect.NewError(connect.CodeInternal, fmt.Errorf("sweep ended without a result")))
	}
	return renderSweep(o, sw)
}

func renderSweep(o origin, sw *kubemedicv1.Sweep) reply {
	lang := o.lang
	title := language.Pick(lang,
		fmt.Sprintf("🧹 점검 결과: 새 문제 %d건, 해결 %d건, 계속 %d건", len(sw.GetNewFindings()), len(sw.GetResolvedFindings()), len(sw.GetStillOpenFindings())),
		fmt.Sprintf("🧹 Sweep: %d new, %d resolved, %d still open", len(sw.GetNewFindings()), len(sw.GetResolvedFindings()), len(sw.GetStillOpenFindings())))
	blocks := []slack.Block{header(title)}
	var clusters []string
	for _, p := range sw.GetClusters() {
		line := "• ✅ *" + escapeMrkdwn(p.GetCluster()) + "* — " + language.Pick(lang, fmt.Sprintf("문제 %d건", p.GetFindings()), fmt.Sprintf("%d findings", p.GetFindings()))
		if p.GetError() != "" {
			line = "• ❌ *" + escapeMrkdwn(p.GetCluster()) + "* — " + escapeMrkdwn(clip(p.GetError(), 300))
		}
		clusters = append(clusters, line)
	}
	if len(clusters) > 0 {
		blocks = append(blocks, section(strings.Join(clusters, "\n")))
	}
	for _, part := range []struct {
		ko, en   string
		findings []*kubemedicv1.Finding
	}{{"*새 문제*", "*New*", sw.GetNewFindings()}, {"*해결됨*", "*Resolved*", sw.GetResolvedFindings()}} {
		if len(part.findings) == 0 {
			continue
		}
		lines := []string{language.Pick(lang, part.ko, part.en)}
		for _, f := range part.findings[:min(len(part.findings), maxSweepLines)] {
			lines = append(lines, fmt.Sprintf("• %s *%s* (%s) · `%s`", severityBadge(lang, f.GetSeverity()),
				escapeMrkdwn(objectName(f.GetObject())), escapeMrkdwn(f.GetObject().GetCluster()), escapeMrkdwn(f.GetCode())))
		}
		if rest := len(part.findings) - maxSweepLines; rest > 0 {
			lines = append(lines, language.Pick(lang, fmt.Sprintf("… 외 %d건", rest), fmt.Sprintf("… and %d more", rest)))
		}
		blocks = append(blocks, section(strings.Join(lines, "\n")))
	}
	blocks = append(blocks, contextLine("ID: `"+escapeMrkdwn(sw.GetId())+"`", language.Pick(lang, "자세히: ", "Details: ")+o.code("diagnose <cluster>")))
	return reply{text: title, blocks: blocks, public: true}
}

// audit lists the latest audit records, of one plan or of all.
func (b *Bot) audit(ctx context.Context, o origin, c command.Audit) reply {
	var records []*kubemedicv1.AuditRecord
	token := ""
	for range auditPages {
		gctx, cancel := context.WithTimeout(ctx, gatewayTimeout)
		resp, err := b.remediation.ListAudit(gctx, connect.NewRequest(&kubemedicv1.ListAuditRequest{PlanId: c.PlanID, PageSize: 1000, PageToken: token}))
		cancel()
		if err != nil {
			return renderGatewayError(o, err)
		}
		records = append(records, resp.Msg.GetRecords()...)
		if len(records) > auditShown {
			records = records[len(records)-auditShown:] // oldest first: keep the latest
		}
		if token = resp.Msg.GetNextPageToken(); token == "" {
			break
		}
	}
	return renderAudit(o, c, records)
}

func auditType(lang string, t kubemedicv1.AuditEventType) string {
	switch t {
	case kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_PLANNED:
		return language.Pick(lang, "📝 계획", "📝 planned")
	case kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_APPROVED:
		return language.Pick(lang, "✅ 승인", "✅ approved")
	case kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_REJECTED:
		return language.Pick(lang, "🚫 거절", "🚫 rejected")
	case kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_EXECUTION_STARTED:
		return language.Pick(lang, "▶️ 실행 시작", "▶️ started")
	case kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_EXECUTION_STEP:
		return language.Pick(lang, "• 단계", "• step")
	case kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_EXECUTION_FINISHED:
		return language.Pick(lang, "🏁 실행 끝", "🏁 finished")
	case kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_DENIED:
		return language.Pick(lang, "⛔ 거부", "⛔ denied")
	}
	return "?"
}

func renderAudit(o origin, c command.Audit, records []*kubemedicv1.AuditRecord) reply {
	title := language.Pick(o.lang, "📜 감사 기록", "📜 Audit log")
	if c.PlanID != "" {
		title += " · " + c.PlanID
	}
	if len(records) == 0 {
		msg := language.Pick(o.lang, "기록이 없어요.", "No records.")
		return reply{text: title, blocks: []slack.Block{header(title), section(msg)}}
	}
	records = slices.Clone(records)
	slices.Reverse(records) // latest first
	var lines []string
	for _, r := range records {
		t := r.GetTime().AsTime()
		line := fmt.Sprintf("<!date^%d^{date_short} {time}|%s> %s · %s", t.Unix(), t.UTC().Format("2006-01-02 15:04 UTC"),
			auditType(o.lang, r.GetType()), personName(r.GetActor()))
		if r.GetPlanId() != "" {
			line += " · `" + escapeMrkdwn(r.GetPlanId()) + "`"
		}
		if r.GetMessage() != "" {
			line += " — " + escapeMrkdwn(clip(r.GetMessage(), 120))
		}
		lines = append(lines, line)
	}
	var blocks []slack.Block
	blocks = append(blocks, header(title))
	for chunk := range slices.Chunk(lines, 10) {
		blocks = append(blocks, section(strings.Join(chunk, "\n")))
	}
	return reply{text: title, blocks: blocks}
}
