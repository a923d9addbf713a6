package bot

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/kubemedic/kubemedic/bot/language"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// maxDiffText is how much of a plan's diff the message shows.
const maxDiffText = 2600

// planValue is the value of a plan's Approve and Reject buttons: the plan ID
// and the hash the approval is bound to. Both are IDs the server checks.
func planValue(p *kubemedicv1.Plan) string { return p.GetId() + " " + p.GetHash() }

func planState(lang string, s kubemedicv1.PlanState) string {
	switch s {
	case kubemedicv1.PlanState_PLAN_STATE_PENDING_APPROVAL:
		return language.Pick(lang, "⏳ 승인 대기", "⏳ waiting for approval")
	case kubemedicv1.PlanState_PLAN_STATE_APPROVED:
		return language.Pick(lang, "✅ 승인됨", "✅ approved")
	case kubemedicv1.PlanState_PLAN_STATE_REJECTED:
		return language.Pick(lang, "🚫 거절됨", "🚫 rejected")
	case kubemedicv1.PlanState_PLAN_STATE_EXECUTED:
		return language.Pick(lang, "▶️ 실행됨", "▶️ executed")
	case kubemedicv1.PlanState_PLAN_STATE_EXPIRED:
		return language.Pick(lang, "⌛ 만료됨", "⌛ expired")
	case kubemedicv1.PlanState_PLAN_STATE_REFUSED:
		return language.Pick(lang, "⛔ 거부됨 (가드 또는 dry-run 실패)", "⛔ refused (a guard or the dry-run failed)")
	}
	return language.Pick(lang, "알 수 없음", "unknown")
}

func personName(id *kubemedicv1.Identity) string {
	if u := id.GetSlackUserId(); u != "" {
		return "<@" + u + ">"
	}
	return escapeMrkdwn(cmp.Or(id.GetDisplayName(), id.GetKubernetesUser(), id.GetTokenName(), "—"))
}

// actionTarget names an action and its target with the cluster, for
// headers and confirm dialogs.
func actionTarget(lang string, p *kubemedicv1.Plan) string {
	return describeAction(lang, p.GetAction()) + " (" + p.GetAction().GetCluster() + ")"
}

// renderPlan renders a plan: what, risk, blast radius, guard verdicts, the
// dry-run, the diff and, while it waits for approval, Approve and Reject
// buttons with confirm dialogs naming the action and its target. note is an
// optional line at the top (who approved, why a click was refused).
func renderPlan(o origin, p *kubemedicv1.Plan, note string) reply {
	lang := o.lang
	title := language.Pick(lang, "🛠️ 조치 계획: ", "🛠️ Plan: ") + actionTarget(lang, p)
	blocks := []slack.Block{header(title)}
	if note != "" {
		blocks = append(blocks, section(note))
	}
	risk := language.Pick(lang, "낮음", "low")
	if p.GetRisk() == kubemedicv1.Risk_RISK_HIGH {
		risk = language.Pick(lang, "⚠️ 높음 (요청자 본인은 승인할 수 없어요)", "⚠️ high (the requester cannot approve)")
	}
	fields := []*slack.TextBlockObject{
		mdText(language.Pick(lang, "*상태*\n", "*State*\n") + planState(lang, p.GetState())),
		mdText(language.Pick(lang, "*위험도*\n", "*Risk*\n") + risk),
		mdText(language.Pick(lang, "*요청자*\n", "*Requested by*\n") + personName(p.GetRequester())),
		mdText(language.Pick(lang, "*승인*\n", "*Approvals*\n") + fmt.Sprintf("%d / %d", len(p.GetApprovals()), max(1, p.GetApprovalsRequired()))),
	}
	if t := p.GetExpiresAt(); t.IsValid() {
		fields = append(fields, mdText(language.Pick(lang, "*만료*\n", "*Expires*\n")+
			fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.AsTime().Unix(), t.AsTime().UTC().Format("2006-01-02 15:04 UTC"))))
	}
	fields = append(fields, mdText("*ID*\n`"+escapeMrkdwn(p.GetId())+"`"))
	blocks = append(blocks, slack.NewSectionBlock(nil, fields, nil))

	br := p.GetBlastRadius()
	impact := []string{language.Pick(lang, "*영향 범위*", "*Blast radius*")}
	if s := localized(lang, br.GetSummary()); s != "" {
		impact = append(impact, escapeMrkdwn(s))
	}
	impact = append(impact, language.Pick(lang,
		fmt.Sprintf("오브젝트 %d개 · 파드 %d개", len(br.GetObjects()), br.GetPodsAffected()),
		fmt.Sprintf("%d objects · %d pods", len(br.GetObjects()), br.GetPodsAffected())))
	blocks = append(blocks, section(strings.Join(impact, "\n")))

	if gs := p.GetGuards(); len(gs) > 0 {
		lines := []string{language.Pick(lang, "*가드 판정*", "*Guard verdicts*")}
		for _, g := range gs {
			mark := "✅"
			if !g.GetAllowed() {
				mark = "⛔"
			}
			lines = append(lines, fmt.Sprintf("%s `%s` %s", mark, escapeMrkdwn(g.GetGuard()), escapeMrkdwn(localized(lang, g.GetReason()))))
		}
		blocks = append(blocks, section(strings.Join(lines, "\n")))
	}
	dry := language.Pick(lang, "*서버 dry-run*: ", "*Server dry-run*: ")
	if p.GetDryRun().GetOk() {
		dry += "✅"
	} else {
		dry += "⛔ " + escapeMrkdwn(clip(p.GetDryRun().GetMessage(), 500))
	}
	blocks = append(blocks, section(dry))
	if d := strings.TrimSpace(p.GetDiff()); d != "" {
		diff, cut := excerpt("```\n"+d+"\n```", maxDiffText)
		blocks = append(blocks, section(escapeMrkdwn(diff)))
		if cut {
			blocks = append(blocks, contextLine(language.Pick(lang, "diff가 길어 앞부분만 보여요. 전체는 스레드에 파일로 올렸어요.", "The diff is long; this is its beginning. The whole diff is a file in the thread.")))
		}
	}
	if p.GetState() == kubemedicv1.PlanState_PLAN_STATE_PENDING_APPROVAL {
		target := actionTarget(lang, p)
		approve := slack.NewButtonBlockElement(actionApprove, planValue(p), slack.NewTextBlockObject(slack.PlainTextType, language.Pick(lang, "승인", "Approve"), false, false))
		approve.Style = slack.StylePrimary
		approve.Confirm = slack.NewConfirmationBlockObject(
			slack.NewTextBlockObject(slack.PlainTextType, language.Pick(lang, "승인할까요?", "Approve this plan?"), false, false),
			slack.NewTextBlockObject(slack.PlainTextType, clip(language.Pick(lang, "승인하면 바로 실행돼요: ", "Approving executes it right away: ")+target, 300), false, false),
			slack.NewTextBlockObject(slack.PlainTextType, language.Pick(lang, "승인하고 실행", "Approve and run"), false, false),
			slack.NewTextBlockObject(slack.PlainTextType, language.Pick(lang, "취소", "Cancel"), false, false))
		reject := slack.NewButtonBlockElement(actionReject, planValue(p), slack.NewTextBlockObject(slack.PlainTextType, language.Pick(lang, "거절", "Reject"), false, false))
		reject.Style = slack.StyleDanger
		reject.Confirm = slack.NewConfirmationBlockObject(
			slack.NewTextBlockObject(slack.PlainTextType, language.Pick(lang, "거절할까요?", "Reject this plan?"), false, false),
			slack.NewTextBlockObject(slack.PlainTextType, clip(language.Pick(lang, "거절하면 실행되지 않아요: ", "Rejecting means it will not run: ")+target, 300), false, false),
			slack.NewTextBlockObject(slack.PlainTextType, language.Pick(lang, "거절", "Reject"), false, false),
			slack.NewTextBlockObject(slack.PlainTextType, language.Pick(lang, "취소", "Cancel"), false, false))
		blocks = append(blocks, slack.NewActionBlock("plan", approve, reject))
	}
	return reply{text: title, blocks: blocks, public: true}
}

// diffTooLong reports whether a diff does not fit a plan message.
func diffTooLong(diff string) bool {
	_, cut := excerpt("```\n"+diff+"\n```", maxDiffText)
	return cut
}

func execState(lang string, s kubemedicv1.ExecutionState) string {
	switch s {
	case kubemedicv1.ExecutionState_EXECUTION_STATE_RUNNING:
		return language.Pick(lang, "⏳ 실행 중", "⏳ running")
	case kubemedicv1.ExecutionState_EXECUTION_STATE_SUCCEEDED:
		return language.Pick(lang, "✅ 완료", "✅ done")
	case kubemedicv1.ExecutionState_EXECUTION_STATE_FAILED:
		return language.Pick(lang, "❌ 실패", "❌ failed")
	}
	return language.Pick(lang, "알 수 없음", "unknown")
}

// maxSteps is how many of the latest execution steps a message shows.
const maxSteps = 15

// renderExecution renders an execution of plan p: state, the latest steps,
// the error, and an Undo button once it succeeded and can be undone.
func renderExecution(o origin, p *kubemedicv1.Plan, e *kubemedicv1.Execution, note string) reply {
	lang := o.lang
	title := language.Pick(lang, "▶️ 실행: ", "▶️ Execution: ") + actionTarget(lang, p)
	blocks := []slack.Block{header(title)}
	if note != "" {
		blocks = append(blocks, section(note))
	}
	blocks = append(blocks, slack.NewSectionBlock(nil, []*slack.TextBlockObject{
		mdText(language.Pick(lang, "*상태*\n", "*State*\n") + execState(lang, e.GetState())),
		mdText("*ID*\n`" + escapeMrkdwn(e.GetId()) + "`"),
		mdText(language.Pick(lang, "*계획*\n", "*Plan*\n") + "`" + escapeMrkdwn(p.GetId()) + "`"),
		mdText(language.Pick(lang, "*요청자*\n", "*Requested by*\n") + personName(p.GetRequester())),
	}, nil))
	steps := e.GetSteps()
	if len(steps) > 0 {
		var lines []string
		if len(steps) > maxSteps {
			lines = append(lines, language.Pick(lang, fmt.Sprintf("… 앞의 %d단계 생략", len(steps)-maxSteps), fmt.Sprintf("… %d earlier steps", len(steps)-maxSteps)))
			steps = steps[len(steps)-maxSteps:]
		}
		for _, s := range steps {
			mark := "•"
			if s.GetError() != "" {
				mark = "❌"
			}
			line := mark + " " + escapeMrkdwn(clip(localized(lang, s.GetMessage()), 180))
			if s.GetError() != "" {
				line += " — " + escapeMrkdwn(clip(s.GetError(), 180))
			}
			lines = append(lines, line)
		}
		blocks = append(blocks, section(strings.Join(lines, "\n")))
	}
	if e.GetError() != "" {
		blocks = append(blocks, section("❗ "+escapeMrkdwn(clip(e.GetError(), 1000))))
	}
	if e.GetState() == kubemedicv1.ExecutionState_EXECUTION_STATE_SUCCEEDED && e.GetUndoable() {
		undo := slack.NewButtonBlockElement(actionUndo, e.GetId(), slack.NewTextBlockObject(slack.PlainTextType, language.Pick(lang, "되돌리기", "Undo"), false, false))
		undo.Confirm = slack.NewConfirmationBlockObject(
			slack.NewTextBlockObject(slack.PlainTextType, language.Pick(lang, "되돌릴까요?", "Undo this?"), false, false),
			slack.NewTextBlockObject(slack.PlainTextType, clip(language.Pick(lang, "되돌리기 계획을 만들어요 (승인 필요): ", "Plans the reverse (needs approval): ")+actionTarget(lang, p), 300), false, false),
			slack.NewTextBlockObject(slack.PlainTextType, language.Pick(lang, "계획 만들기", "Plan undo"), false, false),
			slack.NewTextBlockObject(slack.PlainTextType, language.Pick(lang, "취소", "Cancel"), false, false))
		blocks = append(blocks, slack.NewActionBlock("execution", undo))
	}
	return reply{text: title + " — " + execState(lang, e.GetState()), blocks: blocks, public: true}
}
