package bot

import (
	"context"
	"errors"

	"connectrpc.com/connect"

	"github.com/kubemedic/kubemedic/bot/command"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// needsGateway reports whether answering cmd calls the gateway, so the
// answer has to be sent in the background.
func needsGateway(cmd command.Command) bool {
	switch cmd.(type) {
	case command.Ask, command.Clusters:
		return true
	}
	return false
}

// respond computes the reply to a parsed command (or a parse error),
// calling the gateway where needed.
func (b *Bot) respond(ctx context.Context, o origin, cmd command.Command, parseErr error) reply {
	if parseErr != nil {
		var ue *command.UsageError
		if errors.As(parseErr, &ue) {
			return renderUsage(o, ue)
		}
		b.log.Error("parsing command", "err", parseErr)
		return renderGatewayError(o, parseErr)
	}
	switch c := cmd.(type) {
	case command.Ask:
		return b.ask(ctx, o, c.Question)
	case command.Clusters:
		return b.clusters(ctx, o)
	case command.Help:
		return renderHelp(o, c.Topic)
	}
	return renderNotAvailable(o, cmd)
}

func (b *Bot) ask(ctx context.Context, o origin, question string) reply {
	ctx, cancel := context.WithTimeout(ctx, gatewayTimeout)
	defer cancel()
	resp, err := b.knowledge.Ask(ctx, connect.NewRequest(&kubemedicv1.AskRequest{
		Question: question,
		Language: protoLanguage(o.lang),
		Top:      1 + maxRunnerUps,
	}))
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
