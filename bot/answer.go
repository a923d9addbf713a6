package bot

import (
	"context"
	"errors"

	"connectrpc.com/connect"
	"github.com/slack-go/slack"

	"github.com/kubemedic/kubemedic/bot/command"
	"github.com/kubemedic/kubemedic/bot/language"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// needsGateway reports whether answering cmd calls the gateway, so the
// answer has to be sent in the background.
func needsGateway(cmd command.Command) bool {
	switch cmd.(type) {
	case command.Help:
		return false
	}
	return true
}

// respond computes the replies to a parsed command (or a parse error),
// calling the gateway where needed. Most commands give one reply; a long
// diagnosis gives one per page.
func (b *Bot) respond(ctx context.Context, o origin, cmd command.Command, parseErr error) []reply {
	if parseErr != nil {
		var ue *command.UsageError
		if errors.As(parseErr, &ue) {
			return []reply{renderUsage(o, ue)}
		}
		b.log.Error("parsing command", "err", parseErr)
		return []reply{renderGatewayError(o, parseErr)}
	}
	if isWrite(cmd) {
		if _, err := b.identity(ctx, o.user); err != nil {
			return []reply{renderUnmapped(o, o.user)}
		}
	}
	switch c := cmd.(type) {
	case command.Ask:
		return []reply{b.ask(ctx, o, c.Question)}
	case command.Clusters:
		return []reply{b.clusters(ctx, o)}
	case command.Help:
		return []reply{renderHelp(o, c.Topic)}
	case command.Diagnose:
		return b.diagnose(ctx, o, o.at.channel, c)
	case command.Approve:
		pm, ok := b.plans.plan(c.PlanID)
		if !ok {
			msg := language.Pick(o.lang,
				"이 계획은 제가 올린 메시지에서 찾을 수 없어요. 계획 메시지의 *승인* 버튼을 눌러 주세요 (승인은 그 계획의 내용에 묶여 있어요).",
				"I cannot find this plan among the messages I posted. Use the *Approve* button on the plan message (an approval is bound to the plan's content).")
			return []reply{{text: msg, blocks: []slack.Block{section("❗ " + msg)}}}
		}
		if r, ok := b.approve(ctx, o, o.user, c.PlanID, pm.plan.GetHash(), where{pm.channel, pm.ts}); !ok {
			return []reply{r}
		}
		return []reply{{text: language.Pick(o.lang, "승인했어요: ", "Approved: ") + "`" + c.PlanID + "`"}}
	case command.Reject:
		pm, _ := b.plans.plan(c.PlanID)
		r, _ := b.reject(ctx, o, o.user, c.PlanID, c.Reason, where{pm.channel, pm.ts})
		return []reply{r}
	case command.Undo:
		return []reply{b.undo(ctx, o, o.user, c.ExecutionID, o.at)}
	case command.Sweep:
		return []reply{b.sweep(ctx, o, c)}
	case command.Audit:
		return []reply{b.audit(ctx, o, c)}
	}
	if _, ok := actionOf(cmd, ""); ok {
		return []reply{b.planCommand(ctx, o, o.user, o.at, cmd)}
	}
	return []reply{renderNotAvailable(o, cmd)}
}

func (b *Bot) ask(ctx context.Context, o origin, question string) reply {
	ctx, cancel := context.WithTimeout(ctx, gatewayTimeout)
	defer cancel()
	req := connect.NewRequest(&kubemedicv1.AskRequest{
		Question: question,
		Language: protoLanguage(o.lang),
		Top:      1 + maxRunnerUps,
	})
	forSlackUser(req.Header(), o.user)
	resp, err := b.knowledge.Ask(ctx, req)
	if err != nil {
		b.log.Warn("knowledge ask failed", "code", connect.CodeOf(err).String(), "err", err)
		return renderGatewayError(o, err)
	}
	b.log.Info("question answered", "lang", o.lang, "no_answer", resp.Msg.GetNoAnswer(), "answers", len(resp.Msg.GetAnswers()))
	return renderAnswer(o, question, resp.Msg)
}

func (b *Bot) clusters(ctx context.Context, o origin) reply {
	ctx, cancel := context.WithTimeout(ctx, gatewayTimeout)
	defer cancel()
	resp, err := b.fleet.ListClusters(ctx, connect.NewRequest(&kubemedicv1.ListClustersRequest{}))
	if err != nil {
		b.log.Warn("fleet list clusters failed", "code", connect.CodeOf(err).String(), "err", err)
		return renderGatewayError(o, err)
	}
	return renderClusters(o, resp.Msg.GetClusters())
}
