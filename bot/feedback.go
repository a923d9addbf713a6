package bot

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"connectrpc.com/connect"
	"github.com/slack-go/slack"

	"github.com/kubemedic/kubemedic/bot/language"
	"github.com/kubemedic/kubemedic/bot/naming"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// slackUserHeader names, to the gateway, the Slack user a call is made for
// (gateway.HeaderSlackUser). The gateway honours it only from the bot's
// trusted credential and passes it on to the services, which keep it in the
// ask log as the only personal data.
const slackUserHeader = "Kubemedic-Slack-User"

// askID names the ask log's record id in messages.
var askID = naming.IDKind{Ko: "질문 기록 ID", En: "ask ID"}

// forSlackUser marks a gateway request as made for a Slack user.
func forSlackUser(h http.Header, user string) {
	if user != "" {
		h.Set(slackUserHeader, user)
	}
}

// feedbackValue is what a feedback button carries: ids only (the ask log's
// record id and the runbook id) and the answer's language, so the thank-you
// is in the language of the answer.
type feedbackValue struct {
	askID, entryID, lang string
}

func (v feedbackValue) String() string { return v.askID + " " + v.entryID + " " + v.lang }

// parseFeedbackValue reads and checks a feedback button's value.
func parseFeedbackValue(s string) (feedbackValue, error) {
	f := strings.Fields(s)
	if len(f) != 3 {
		return feedbackValue{}, fmt.Errorf("feedback value must be \"<ask-id> <entry-id> <ko|en>\", got %d fields", len(f))
	}
	if err := naming.ID(askID, f[0]); err != nil {
		return feedbackValue{}, err
	}
	if err := naming.ID(naming.EntryID, f[1]); err != nil {
		return feedbackValue{}, err
	}
	if f[2] != language.Korean && f[2] != language.English {
		return feedbackValue{}, fmt.Errorf("feedback language %s is not ko or en", naming.Quote(f[2]))
	}
	return feedbackValue{askID: f[0], entryID: f[1], lang: f[2]}, nil
}

// feedbackBlock asks whether an answer helped. Without an ask id (the
// server keeps no ask log) a rating could not be recorded, so no buttons
// are shown.
func feedbackBlock(o origin, askID, entryID string) slack.Block {
	if askID == "" {
		return nil
	}
	v := feedbackValue{askID: askID, entryID: entryID, lang: language.Pick(o.lang, language.Korean, language.English)}.String()
	yes := slack.NewButtonBlockElement(actionHelpful, v, slack.NewTextBlockObject(slack.PlainTextType, language.Pick(o.lang, "👍 도움이 됐어요", "👍 Helpful"), true, false))
	no := slack.NewButtonBlockElement(actionUnhelpful, v, slack.NewTextBlockObject(slack.PlainTextType, language.Pick(o.lang, "👎 아니요", "👎 Not really"), true, false))
	return slack.NewActionBlock("feedback", yes, no)
}

// recordFeedback stores a checked feedback click through the gateway
// (KnowledgeService.RecordFeedback) as the clicking user's rating and
// thanks them; ok is false when it was not stored (the click may be tried
// again).
func (b *Bot) recordFeedback(ctx context.Context, c click) (r reply, ok bool) {
	v, err := parseFeedbackValue(c.value) // checked before; cannot fail here
	if err != nil {
		return reply{text: err.Error()}, false
	}
	o := origin{lang: v.lang, invoke: "/k8s", user: c.user, at: c.msg}
	helpful := c.action == actionHelpful
	ctx, cancel := context.WithTimeout(ctx, gatewayTimeout)
	defer cancel()
	req := connect.NewRequest(&kubemedicv1.RecordFeedbackRequest{AskId: v.askID, EntryId: v.entryID, Helpful: helpful, SlackUserId: c.user})
	forSlackUser(req.Header(), c.user)
	if _, err := b.knowledge.RecordFeedback(ctx, req); err != nil {
		b.log.Warn("recording answer feedback failed", "code", connect.CodeOf(err).String(), "err", err, "user", c.user, "entry", v.entryID)
		return renderGatewayError(o, err), false
	}
	b.log.Info("answer feedback recorded", "user", c.user, "ask", v.askID, "entry", v.entryID, "helpful", helpful)
	if helpful {
		return reply{text: language.Pick(v.lang, "의견 고마워요! 🙏 도움이 되었다니 다행이에요.", "Thanks for the feedback! 🙏 Glad it helped.")}, true
	}
	return reply{text: language.Pick(v.lang,
		"의견 고마워요! 🙏 이 질문은 런북을 보강할 목록에 올렸어요.",
		"Thanks for the feedback! 🙏 This question is now on the list of runbooks to improve.")}, true
}
