package bot

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/slack-go/slack/slackevents"
)

// envelope is the outer JSON of an Events API request.
type envelope struct {
	Type           string          `json:"type"`
	Challenge      string          `json:"challenge"`
	EventID        string          `json:"event_id"`
	TeamID         string          `json:"team_id"`
	Event          json.RawMessage `json:"event"`
	Authorizations []struct {
		UserID string `json:"user_id"`
		IsBot  bool   `json:"is_bot"`
	} `json:"authorizations"`
}

// selfIDs are the bot's own user IDs in this workspace.
func (e envelope) selfIDs() []string {
	var ids []string
	for _, a := range e.Authorizations {
		if a.IsBot && a.UserID != "" && !slices.Contains(ids, a.UserID) {
			ids = append(ids, a.UserID)
		}
	}
	return ids
}

// mention is one question addressed to the bot.
type mention struct {
	channel, threadTS, user, text string
	// invoke is how the user addresses the bot here: "<@U123>" in a
	// channel, "" in a DM.
	invoke string
}

// handleEvent serves the Events API: the URL verification challenge, and
// app_mention and direct message events, answered in the thread. Slack
// re-delivers an event it thinks was not acknowledged; deliveries of an
// event ID already seen are acknowledged and dropped.
func (b *Bot) handleEvent(w http.ResponseWriter, r *http.Request, body []byte) {
	env, err := parseEnvelope(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	switch env.Type {
	case slackevents.URLVerification:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"challenge": env.Challenge})
		return
	case slackevents.AppRateLimited:
		b.log.Warn("slack is rate limiting this app's events", "team", env.TeamID)
		w.WriteHeader(http.StatusOK)
		return
	case slackevents.CallbackEvent:
	default:
		b.log.Debug("slack event envelope ignored", "type", env.Type)
		w.WriteHeader(http.StatusOK)
		return
	}

	if err := b.runEvent(env, r.Header.Get(headerRetryNum), r.Header.Get(headerRetryWhy)); err != nil {
		w.Header().Set("Retry-After", "10")
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// errBusy means the bot has too many replies in flight; Slack should
// deliver the request again later.
var errBusy = errors.New("busy: too many replies in flight")

// runEvent answers an event_callback envelope, over HTTP or Socket Mode
// alike. Deliveries of an event ID already seen are dropped. errBusy asks
// for a redelivery.
func (b *Bot) runEvent(env envelope, retry, retryReason string) error {
	if env.EventID != "" && !b.seen.firstTime(env.EventID) {
		b.log.Info("duplicate slack event ignored", "event_id", env.EventID, "retry_num", retry, "retry_reason", retryReason)
		return nil
	}
	m, why := mentionOf(env)
	if why != "" {
		b.log.Debug("slack event not answered", "event_id", env.EventID, "reason", why)
		return nil
	}
	if !b.limits.allow(m.user) {
		b.log.Warn("slack question dropped: user rate limit", "event_id", env.EventID, "user", m.user)
		return nil
	}
	b.log.Info("slack question", "event_id", env.EventID, "user", m.user, "channel", m.channel, "retry_num", retry)
	started := b.startJob("event", func(ctx context.Context) {
		parsed, lang, perr := b.parse(ctx, m.user, m.text)
		o := origin{lang: lang, invoke: m.invoke, user: m.user, at: where{channel: m.channel, ts: m.threadTS}}
		for _, rep := range b.respond(ctx, o, parsed.Command, perr) {
			if _, err := b.postThread(ctx, m.channel, m.threadTS, rep); err != nil {
				b.log.Error("event reply not delivered", "event_id", env.EventID, "channel", m.channel, "err", err)
			}
		}
	})
	if !started {
		// Let Slack deliver it again later instead of dropping it.
		if env.EventID != "" {
			b.seen.forget(env.EventID)
		}
		return errBusy
	}
	return nil
}

// parseEnvelope reads an Events API request body.
func parseEnvelope(body []byte) (envelope, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return env, fmt.Errorf("events request body is not JSON: %w", err)
	}
	switch {
	case env.Type == "":
		return env, errors.New("events request has no type")
	case env.Type == slackevents.URLVerification && env.Challenge == "":
		return env, errors.New("url_verification without a challenge")
	case env.Type == slackevents.CallbackEvent && len(env.Event) == 0:
		return env, errors.New("event_callback without an event")
	}
	return env, nil
}

// mentionOf extracts the question from an app_mention or a direct message,
// or says why the event is not one to answer.
func mentionOf(env envelope) (mention, string) {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(env.Event, &head); err != nil {
		return mention{}, "event is not a JSON object"
	}
	self := env.selfIDs()
	switch head.Type {
	case string(slackevents.AppMention):
		var ev slackevents.AppMentionEvent
		if err := json.Unmarshal(env.Event, &ev); err != nil {
			return mention{}, "malformed app_mention: " + err.Error()
		}
		if ev.BotID != "" || slices.Contains(self, ev.User) {
			return mention{}, "mention by a bot"
		}
		invoke := "@kubemedic"
		if len(self) > 0 {
			invoke = "<@" + self[0] + ">"
		}
		return mention{
			channel: ev.Channel, threadTS: cmp.Or(ev.ThreadTimeStamp, ev.TimeStamp),
			user: ev.User, text: plainText(leadingMention.ReplaceAllString(ev.Text, ""), self), invoke: invoke,
		}, ""
	case string(slackevents.Message):
		var ev slackevents.MessageEvent
		if err := json.Unmarshal(env.Event, &ev); err != nil {
			return mention{}, "malformed message: " + err.Error()
		}
		switch {
		case ev.ChannelType != "im":
			return mention{}, "message outside a DM (channels use app_mention)"
		case ev.SubType != "":
			return mention{}, "message subtype " + ev.SubType
		case ev.BotID != "" || ev.User == "" || slices.Contains(self, ev.User):
			return mention{}, "message from a bot (possibly this one)"
		}
		return mention{
			channel: ev.Channel, threadTS: cmp.Or(ev.ThreadTimeStamp, ev.TimeStamp),
			user: ev.User, text: plainText(ev.Text, self),
		}, ""
	}
	return mention{}, "event type " + head.Type
}

// leadingMention is the mention that addresses the bot at the start of an
// app_mention's text.
var leadingMention = regexp.MustCompile(`^\s*(<@[^<>]+>\s*)+`)

var slackRef = regexp.MustCompile(`<([@#!]?)([^<>|]*)(?:\|([^<>]*))?>`)

// plainText turns Slack message markup into the text the user typed:
// mentions of the bot are dropped, other mentions become @name, channels
// #name, links their label (or URL), special mentions (<!here>) vanish.
func plainText(s string, self []string) string {
	s = slackRef.ReplaceAllStringFunc(s, func(ref string) string {
		m := slackRef.FindStringSubmatch(ref)
		sigil, id, label := m[1], m[2], m[3]
		switch sigil {
		case "@":
			if slices.Contains(self, id) {
				return ""
			}
			return "@" + cmp.Or(label, id)
		case "#":
			return "#" + cmp.Or(label, id)
		case "!":
			return ""
		}
		return cmp.Or(label, id)
	})
	return strings.Join(strings.Fields(s), " ")
}
