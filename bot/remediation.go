package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/slack-go/slack"

	"github.com/kubemedic/kubemedic/bot/command"
	"github.com/kubemedic/kubemedic/bot/language"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

const (
	// progressInterval bounds how often an execution message is updated
	// in place (chat.update is rate limited).
	progressInterval = time.Second
	// maxDiagnoseFindings bounds the findings one diagnosis shows.
	maxDiagnoseFindings = 500
)

// actionOf turns a write command into the typed action on cluster; ok is
// false for commands that are not writes.
func actionOf(cmd command.Command, cluster string) (*kubemedicv1.Action, bool) {
	a := &kubemedicv1.Action{Cluster: cluster}
	switch c := cmd.(type) {
	case command.Cordon:
		a.Kind = &kubemedicv1.Action_Cordon{Cordon: &kubemedicv1.CordonAction{Node: c.Node}}
	case command.Uncordon:
		a.Kind = &kubemedicv1.Action_Uncordon{Uncordon: &kubemedicv1.UncordonAction{Node: c.Node}}
	case command.Drain:
		a.Kind = &kubemedicv1.Action_Drain{Drain: &kubemedicv1.DrainAction{Node: c.Node}}
	case command.Scale:
		a.Kind = &kubemedicv1.Action_Scale{Scale: &kubemedicv1.ScaleAction{Namespace: c.Namespace, Kind: "Deployment", Name: c.Deployment, Replicas: c.Replicas}}
	case command.PatchConfigMap:
		set := make(map[string]string, len(c.Data))
		for _, kv := range c.Data {
			set[kv.Key] = kv.Value
		}
		a.Kind = &kubemedicv1.Action_PatchConfigMap{PatchConfigMap: &kubemedicv1.PatchConfigMapAction{Namespace: c.Namespace, Name: c.ConfigMap, Set: set}}
	case command.Restart:
		a.Kind = &kubemedicv1.Action_RolloutRestart{RolloutRestart: &kubemedicv1.RolloutRestartAction{Namespace: c.Namespace, Kind: "Deployment", Name: c.Deployment}}
	default:
		return nil, false
	}
	return a, true
}

// isWrite reports whether cmd changes a cluster (or a plan), so the user
// needs a Kubernetes identity.
func isWrite(cmd command.Command) bool {
	switch cmd.(type) {
	case command.Approve, command.Reject, command.Undo:
		return true
	}
	_, ok := actionOf(cmd, "")
	return ok
}

// where is a place in Slack: a channel and a message timestamp — the
// thread to post in ("" for top level), or the message to update.
type where struct {
	channel, ts string
}

// planAndPost asks for a plan of action on behalf of user and posts it.
func (b *Bot) planAndPost(ctx context.Context, o origin, user string, at where, action *kubemedicv1.Action) reply {
	requester, err := b.identity(ctx, user)
	if err != nil {
		return renderUnmapped(o, user)
	}
	gctx, cancel := context.WithTimeout(ctx, gatewayTimeout)
	defer cancel()
	resp, err := b.remediation.Plan(gctx, connect.NewRequest(&kubemedicv1.PlanRequest{Action: action, Requester: requester}))
	if err != nil {
		b.log.Warn("remediation plan failed", "user", user, "code", connect.CodeOf(err).String(), "err", err)
		return renderGatewayError(o, err)
	}
	plan := resp.Msg.GetPlan()
	ts, err := b.postThread(ctx, at.channel, at.ts, renderPlan(o, plan, ""))
	if err != nil {
		b.log.Error("plan not posted", "plan", plan.GetId(), "channel", at.channel, "err", err)
		return renderPlan(o, plan, "") // the requester still sees it
	}
	b.plans.putPlan(planMessage{plan: plan, channel: at.channel, ts: ts, lang: o.lang})
	b.uploadLongDiff(ctx, o, plan, where{at.channel, cmp.Or(at.ts, ts)})
	b.log.Info("plan posted", "plan", plan.GetId(), "state", plan.GetState().String(), "user", user, "channel", at.channel)
	return reply{text: language.Pick(o.lang, "계획을 채널에 올렸어요: ", "Plan posted in the channel: ") + "`" + plan.GetId() + "`"}
}

// planCommand plans a typed write command in the channel's cluster.
func (b *Bot) planCommand(ctx context.Context, o origin, user string, at where, cmd command.Command) reply {
	cluster, err := b.defaultCluster(ctx, at.channel)
	if errors.Is(err, errNoDefaultCluster) {
		msg := language.Pick(o.lang,
			"이 채널에는 기본 클러스터가 없어요. 관리자에게 kubemedic 설정의 `bot.channels` 에 이 채널의 클러스터를 지정해 달라고 해 주세요.",
			"This channel has no default cluster. Ask an admin to set one for it under `bot.channels` in the kubemedic config.")
		return reply{text: msg, blocks: []slack.Block{section("❗ " + msg)}}
	}
	if err != nil {
		return renderGatewayError(o, err)
	}
	action, _ := actionOf(cmd, cluster)
	return b.planAndPost(ctx, o, user, at, action)
}

// approve records user's approval of a plan (bound to hash) and, once the
// plan has every approval, executes it, updating msg in place. It returns a
// reply for the user only when something needs saying to them alone
// (refusals); ok reports success.
func (b *Bot) approve(ctx context.Context, o origin, user, planID, hash string, msg where) (reply, bool) {
	approver, err := b.identity(ctx, user)
	if err != nil {
		return renderUnmapped(o, user), false
	}
	gctx, cancel := context.WithTimeout(ctx, gatewayTimeout)
	resp, err := b.remediation.Approve(gctx, connect.NewRequest(&kubemedicv1.ApproveRequest{PlanId: planID, PlanHash: hash, Approver: approver}))
	cancel()
	if err != nil {
		b.log.Info("approval refused", "plan", planID, "user", user, "code", connect.CodeOf(err).String(), "err", err)
		return renderRefused(o, language.Pick(o.lang, "승인이 거부됐어요", "Approval refused"), err), false
	}
	plan := resp.Msg.GetPlan()
	note := language.Pick(o.lang, fmt.Sprintf("✅ <@%s> 님이 승인했어요.", user), fmt.Sprintf("✅ Approved by <@%s>.", user))
	b.updatePlan(ctx, o, plan, msg, note)
	if plan.GetState() == kubemedicv1.PlanState_PLAN_STATE_APPROVED {
		if !b.clicks.firstTime("execute " + planID) {
			return reply{}, true // another approval already started it
		}
		b.execute(ctx, o, user, plan, msg)
	}
	return reply{}, true
}

// updatePlan replaces the plan message in place and remembers the plan.
func (b *Bot) updatePlan(ctx context.Context, o origin, plan *kubemedicv1.Plan, msg where, note string) {
	b.plans.putPlan(planMessage{plan: plan, channel: msg.channel, ts: msg.ts, lang: o.lang})
	if msg.channel == "" || msg.ts == "" {
		return
	}
	if err := b.update(ctx, msg, renderPlan(o, plan, note)); err != nil {
		b.log.Error("plan message not updated", "plan", plan.GetId(), "err", err)
	}
}

// update replaces the message at msg (channel and ts) with r.
func (b *Bot) update(ctx context.Context, msg where, r reply) error {
	if _, _, _, err := b.slack.UpdateMessageContext(ctx, msg.channel, msg.ts, r.msgOptions()...); err != nil {
		return fmt.Errorf("updating Slack message (chat.update): %w", err)
	}
	return nil
}

// execute runs an approved plan and shows its progress in the plan's
// message, updated in place, ending with the result and an Undo button.
func (b *Bot) execute(ctx context.Context, o origin, user string, plan *kubemedicv1.Plan, msg where) {
	executor, _ := b.identity(ctx, user)
	gctx, cancel := context.WithTimeout(ctx, gatewayTimeout)
	resp, err := b.remediation.Execute(gctx, connect.NewRequest(&kubemedicv1.ExecuteRequest{PlanId: plan.GetId(), Executor: executor}))
	cancel()
	if err != nil {
		b.log.Warn("execute failed", "plan", plan.GetId(), "code", connect.CodeOf(err).String(), "err", err)
		b.clicks.forget("execute " + plan.GetId())
		note := "❗ " + renderGatewayError(o, err).text
		b.updatePlan(ctx, o, plan, msg, note)
		return
	}
	exec := resp.Msg.GetExecution()
	b.log.Info("execution started", "plan", plan.GetId(), "execution", exec.GetId())
	_ = b.update(ctx, msg, renderExecution(o, plan, exec, ""))
	stream, err := b.remediation.GetExecution(ctx, connect.NewRequest(&kubemedicv1.GetExecutionRequest{ExecutionId: exec.GetId(), Follow: true}))
	if err != nil {
		b.log.Warn("following execution failed", "execution", exec.GetId(), "err", err)
		return
	}
	defer stream.Close()
	last, shown := time.Time{}, true
	for stream.Receive() {
		exec = stream.Msg().GetExecution()
		done := exec.GetState() != kubemedicv1.ExecutionState_EXECUTION_STATE_RUNNING
		if !done && time.Since(last) < progressInterval {
			shown = false
			continue
		}
		last, shown = time.Now(), true
		if err := b.update(ctx, msg, renderExecution(o, plan, exec, "")); err != nil {
			b.log.Warn("execution progress not shown", "execution", exec.GetId(), "err", err)
		}
	}
	if err := stream.Err(); err != nil && !errors.Is(err, io.EOF) {
		b.log.Warn("execution stream ended", "execution", exec.GetId(), "err", err)
	}
	if !shown { // the last snapshot came too soon after the one before
		_ = b.update(ctx, msg, renderExecution(o, plan, exec, ""))
	}
	b.log.Info("execution finished", "execution", exec.GetId(), "state", exec.GetState().String())
}

// reject closes a plan and updates its message.
func (b *Bot) reject(ctx context.Context, o origin, user, planID, reason string, msg where) (reply, bool) {
	rejector, err := b.identity(ctx, user)
	if err != nil {
		return renderUnmapped(o, user), false
	}
	gctx, cancel := context.WithTimeout(ctx, gatewayTimeout)
	resp, err := b.remediation.Reject(gctx, connect.NewRequest(&kubemedicv1.RejectRequest{PlanId: planID, Rejector: rejector, Reason: reason}))
	cancel()
	if err != nil {
		return renderRefused(o, language.Pick(o.lang, "거절하지 못했어요", "Could not reject"), err), false
	}
	note := language.Pick(o.lang, fmt.Sprintf("🚫 <@%s> 님이 거절했어요.", user), fmt.Sprintf("🚫 Rejected by <@%s>.", user))
	if reason != "" {
		note += " " + escapeMrkdwn(reason)
	}
	b.updatePlan(ctx, o, resp.Msg.GetPlan(), msg, note)
	return reply{text: note}, true
}

// undo plans the reverse of an execution and posts the plan.
func (b *Bot) undo(ctx context.Context, o origin, user, executionID string, at where) reply {
	requester, err := b.identity(ctx, user)
	if err != nil {
		return renderUnmapped(o, user)
	}
	gctx, cancel := context.WithTimeout(ctx, gatewayTimeout)
	resp, err := b.remediation.Undo(gctx, connect.NewRequest(&kubemedicv1.UndoRequest{ExecutionId: executionID, Requester: requester}))
	cancel()
	if err != nil {
		return renderRefused(o, language.Pick(o.lang, "되돌리기 계획을 만들지 못했어요", "Could not plan the undo"), err)
	}
	plan := resp.Msg.GetPlan()
	ts, err := b.postThread(ctx, at.channel, at.ts, renderPlan(o, plan, ""))
	if err != nil {
		return renderPlan(o, plan, "")
	}
	b.plans.putPlan(planMessage{plan: plan, channel: at.channel, ts: ts, lang: o.lang})
	b.uploadLongDiff(ctx, o, plan, where{at.channel, cmp.Or(at.ts, ts)})
	return reply{text: language.Pick(o.lang, "되돌리기 계획을 올렸어요: ", "Undo plan posted: ") + "`" + plan.GetId() + "`"}
}

// uploadLongDiff uploads a plan's whole diff as a file in the plan's
// thread when the message could show only its beginning.
func (b *Bot) uploadLongDiff(ctx context.Context, o origin, plan *kubemedicv1.Plan, thread where) {
	diff := strings.TrimSpace(plan.GetDiff())
	if !diffTooLong(diff) {
		return
	}
	_, err := b.slack.UploadFileContext(ctx, slack.UploadFileParameters{
		Filename:        plan.GetId() + ".diff",
		FileSize:        len(diff),
		Content:         diff,
		Title:           language.Pick(o.lang, "전체 diff: ", "Full diff: ") + actionTarget(o.lang, plan),
		SnippetType:     "diff",
		Channel:         thread.channel,
		ThreadTimestamp: thread.ts,
	})
	if err != nil {
		b.log.Warn("full diff not uploaded", "plan", plan.GetId(), "err", err)
	}
}

// renderRefused explains a refusal from the gateway, with its reason.
func renderRefused(o origin, what string, err error) reply {
	detail := err.Error()
	var ce *connect.Error
	if errors.As(err, &ce) {
		detail = ce.Message()
	}
	msg := "⛔ " + what + ": " + escapeMrkdwn(detail)
	switch connect.CodeOf(err) {
	case connect.CodePermissionDenied, connect.CodeFailedPrecondition, connect.CodeNotFound, connect.CodeInvalidArgument:
	default:
		msg = "⛔ " + what + ": " + renderGatewayError(o, err).text
	}
	return reply{text: msg, blocks: []slack.Block{section(msg)}}
}

// diagnose runs a diagnosis and returns its pages.
func (b *Bot) diagnose(ctx context.Context, o origin, channel string, d command.Diagnose) []reply {
	cluster := d.Cluster
	if cluster == "" {
		c, err := b.defaultCluster(ctx, channel)
		switch {
		case errors.Is(err, errNoDefaultCluster):
			msg := language.Pick(o.lang,
				"어느 클러스터를 진단할지 정해 주세요: "+o.code("diagnose <cluster> [namespace]")+" (목록: "+o.code("clusters")+")",
				"Name the cluster to diagnose: "+o.code("diagnose <cluster> [namespace]")+" (list: "+o.code("clusters")+")")
			return []reply{{text: msg, blocks: []slack.Block{section(msg)}}}
		case err != nil:
			return []reply{renderGatewayError(o, err)}
		}
		cluster = c
	}
	req := &kubemedicv1.DiagnoseRequest{Cluster: cluster}
	if d.Namespace != "" {
		req.Namespaces = []string{d.Namespace}
	}
	ctx, cancel := context.WithTimeout(ctx, jobTimeout)
	defer cancel()
	stream, err := b.diagnosis.Diagnose(ctx, connect.NewRequest(req))
	if err != nil {
		return []reply{renderGatewayError(o, err)}
	}
	defer stream.Close()
	var (
		findings []*kubemedicv1.Finding
		summary  *kubemedicv1.DiagnoseSummary
	)
	for stream.Receive() {
		switch ev := stream.Msg().GetEvent().(type) {
		case *kubemedicv1.DiagnoseResponse_Finding:
			b.plans.putFinding(ev.Finding)
			if len(findings) < maxDiagnoseFindings {
				findings = append(findings, ev.Finding)
			}
		case *kubemedicv1.DiagnoseResponse_Summary:
			summary = ev.Summary
		}
	}
	if err := stream.Err(); err != nil {
		b.log.Warn("diagnosis failed", "cluster", cluster, "code", connect.CodeOf(err).String(), "err", err)
		return []reply{renderGatewayError(o, err)}
	}
	return renderFindings(o, cluster, findings, summary)
}

// findingFor returns a finding the bot showed, or looks it up by
// fingerprint among the cluster's open findings.
func (b *Bot) findingFor(ctx context.Context, cluster, fingerprint string) (*kubemedicv1.Finding, error) {
	if f, ok := b.plans.finding(fingerprint); ok {
		return f, nil
	}
	token := ""
	for range 20 {
		gctx, cancel := context.WithTimeout(ctx, gatewayTimeout)
		resp, err := b.diagnosis.ListFindings(gctx, connect.NewRequest(&kubemedicv1.ListFindingsRequest{Cluster: cluster, PageSize: 1000, PageToken: token}))
		cancel()
		if err != nil {
			return nil, err
		}
		for _, f := range resp.Msg.GetFindings() {
			if f.GetFingerprint() == fingerprint {
				b.plans.putFinding(f)
				return f, nil
			}
		}
		if token = resp.Msg.GetNextPageToken(); token == "" {
			break
		}
	}
	return nil, connect.NewError(connect.CodeNotFound, fmt.Errorf("finding %s is no longer open in cluster %s", fingerprint, cluster))
}
