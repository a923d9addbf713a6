package bot

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/kubemedic/kubemedic/bot/language"
	"github.com/kubemedic/kubemedic/bot/naming"
)

// click is one button press, checked: what was pressed, by whom, on which
// message. Its value holds only IDs, each validated.
type click struct {
	action, value string
	user          string
	msg           where // the message the button is in
	responseURL   string
	// key identifies the click for de-duplication.
	key string
}

// handleInteraction serves Block Kit interactions. Button clicks are
// acknowledged at once and carried out in the background; the same click
// delivered twice (a double click, Slack's retry, a replayed payload) is
// carried out once.
func (b *Bot) handleInteraction(w http.ResponseWriter, r *http.Request, body []byte) {
	cb, err := parseInteraction(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	actions := make([]string, 0, len(cb.ActionCallback.BlockActions))
	for _, a := range cb.ActionCallback.BlockActions {
		actions = append(actions, a.ActionID)
	}
	b.log.Info("slack interaction", "type", string(cb.Type), "user", cb.User.ID, "channel", cb.Channel.ID, "actions", actions, "callback_id", cb.CallbackID)
	switch err := b.runInteraction(cb); {
	case errors.Is(err, errBusy):
		w.Header().Set("Retry-After", "10")
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
	case err != nil:
		http.Error(w, err.Error(), http.StatusBadRequest)
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// runInteraction starts the work of an interaction's button clicks, over
// HTTP or Socket Mode alike. A click whose value is not made of IDs is
// refused; the same click delivered twice runs once.
func (b *Bot) runInteraction(cb slack.InteractionCallback) error {
	if cb.Type != slack.InteractionTypeBlockActions {
		return nil
	}
	for _, a := range cb.ActionCallback.BlockActions {
		c := click{
			action: a.ActionID, value: a.Value, user: cb.User.ID,
			msg:         where{channel: cmp.Or(cb.Container.ChannelID, cb.Channel.ID), ts: cmp.Or(cb.Container.MessageTs, cb.Message.Timestamp)},
			responseURL: cb.ResponseURL,
		}
		if err := c.check(); err != nil {
			b.log.Warn("button click refused", "user", c.user, "action", c.action, "reason", err.Error())
			return fmt.Errorf("button click refused: %w", err)
		}
		if !b.limits.allow(c.user) {
			b.log.Warn("button click refused: user rate limit", "user", c.user, "action", c.action)
			return errRateLimited
		}
		c.key = strings.Join([]string{c.user, c.action, c.value, c.msg.ts}, "|")
		if !b.clicks.firstTime(c.key) {
			b.log.Info("duplicate button click ignored", "user", c.user, "action", c.action, "value", c.value)
			continue
		}
		if !b.startJobFor("click "+c.action, executionTimeout, func(ctx context.Context) { b.onClick(ctx, c) }) {
			b.clicks.forget(c.key)
			return errBusy
		}
	}
	return nil
}

// check validates a click: a known action whose value is made of IDs.
func (c click) check() error {
	if c.user == "" {
		return errors.New("no user")
	}
	fields := strings.Fields(c.value)
	switch {
	case c.action == actionApprove || c.action == actionReject:
		if len(fields) != 2 {
			return fmt.Errorf("%s value must be \"<plan-id> <hash>\"", c.action)
		}
		if err := naming.ID(naming.PlanID, fields[0]); err != nil {
			return err
		}
		return asError(naming.ID(naming.PlanHash, fields[1]))
	case c.action == actionUndo:
		return asError(naming.ID(naming.ExecutionID, c.value))
	case c.action == actionHelpful || c.action == actionUnhelpful:
		_, err := parseFeedbackValue(c.value)
		return err
	case strings.HasPrefix(c.action, actionFix+"."):
		if len(fields) != 3 {
			return fmt.Errorf("%s value must be \"<cluster> <fingerprint> <index>\"", c.action)
		}
		if err := naming.Cluster(fields[0]); err != nil {
			return err
		}
		if err := naming.ID(naming.Fingerprint, fields[1]); err != nil {
			return err
		}
		if i, err := strconv.Atoi(fields[2]); err != nil || i < 0 || i >= maxFixButtons {
			return fmt.Errorf("fix index %s out of range", naming.Quote(fields[2]))
		}
		return nil
	}
	return fmt.Errorf("unknown action %s", naming.Quote(c.action))
}

// errRateLimited refuses a click from someone clicking too fast.
var errRateLimited = errors.New("too many clicks: try again in a few seconds (너무 자주 눌렀어요. 몇 초 뒤에 다시 눌러 주세요)")

// asError keeps a nil *naming.Error from becoming a non-nil error.
func asError(e *naming.Error) error {
	if e == nil {
		return nil
	}
	return e
}

// onClick carries out a checked click. Refusals go to the clicker alone.
func (b *Bot) onClick(ctx context.Context, c click) {
	lang := ""
	if pm, ok := b.plans.plan(strings.Fields(c.value + " ")[0]); ok {
		lang = pm.lang // keep the plan message in its language
	}
	if lang == "" {
		lang = language.Choose("", b.userLocale(ctx, c.user), "", b.lang)
	}
	o := origin{lang: lang, invoke: "/k8s", user: c.user, at: c.msg}
	fields := strings.Fields(c.value)
	var (
		r  reply
		ok = true
	)
	switch {
	case c.action == actionApprove:
		r, ok = b.approve(ctx, o, c.user, fields[0], fields[1], c.msg)
	case c.action == actionReject:
		r, ok = b.reject(ctx, o, c.user, fields[0], "", c.msg)
		r = reply{} // the updated message says it
	case c.action == actionUndo:
		r = b.undo(ctx, o, c.user, c.value, c.msg)
	case c.action == actionHelpful || c.action == actionUnhelpful:
		r, ok = b.recordFeedback(ctx, c)
	default: // a suggested fix: plan it in the finding's thread
		f, err := b.findingFor(ctx, fields[0], fields[1])
		if err != nil {
			r, ok = renderRefused(o, language.Pick(lang, "조치 계획을 만들 수 없어요", "Cannot plan the fix"), err), false
			break
		}
		i, _ := strconv.Atoi(fields[2])
		if i >= len(f.GetSuggestedActions()) {
			r, ok = reply{text: language.Pick(lang, "이 진단에는 그 조치가 더 이상 없어요.", "This finding no longer suggests that fix.")}, false
			break
		}
		r = b.planAndPost(ctx, o, c.user, c.msg, f.GetSuggestedActions()[i])
	}
	if !ok { // refused or failed: the same click may be tried again
		b.clicks.forget(c.key)
	}
	if r.text == "" || c.responseURL == "" || checkResponseURL(c.responseURL) != nil {
		return
	}
	r.public = false // said to the clicker alone
	if err := b.postResponseURL(ctx, c.responseURL, r); err != nil {
		b.log.Warn("click answer not delivered", "user", c.user, "action", c.action, "ok", ok, "err", err)
	}
}

// parseInteraction reads an interactivity request body: a form whose
// payload field holds the JSON interaction.
func parseInteraction(body []byte) (slack.InteractionCallback, error) {
	var cb slack.InteractionCallback
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return cb, fmt.Errorf("interactivity body is not a URL-encoded form: %w", err)
	}
	raw := form.Get("payload")
	if raw == "" {
		return cb, errors.New("interactivity form has no payload field")
	}
	if err := json.Unmarshal([]byte(raw), &cb); err != nil {
		return cb, fmt.Errorf("interactivity payload is not valid JSON: %w", err)
	}
	if cb.Type == "" {
		return cb, errors.New("interactivity payload has no type")
	}
	return cb, nil
}
