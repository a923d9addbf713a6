package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/slack-go/slack"

	"github.com/kubemedic/kubemedic/bot/naming"

	"github.com/kubemedic/kubemedic/bot/command"
)

// maxResponseURLPosts is how many messages Slack accepts on one
// response_url.
const maxResponseURLPosts = 5

// slashResponse is the immediate JSON answer to a slash command.
type slashResponse struct {
	ResponseType string        `json:"response_type"`
	Text         string        `json:"text"`
	Blocks       *slack.Blocks `json:"blocks,omitempty"`
}

// handleCommand serves a slash command. Commands that need the gateway are
// acknowledged at once and answered through response_url; the others are
// answered in the HTTP response.
func (b *Bot) handleCommand(w http.ResponseWriter, r *http.Request, body []byte) {
	req, err := parseSlashForm(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if req.sslCheck { // Slack's certificate check
		w.WriteHeader(http.StatusOK)
		return
	}
	rep, err := b.runSlash(r.Context(), req)
	if err != nil {
		http.Error(w, "slash command: "+err.Error(), http.StatusBadRequest)
		return
	}
	writeSlashResponse(w, rep)
}

// runSlash carries out a slash command, over HTTP or Socket Mode alike. It
// returns the immediate reply; commands that call the gateway are
// acknowledged and finished in the background, answering on the
// response_url. An error means the request itself is unusable.
func (b *Bot) runSlash(ctx context.Context, req slashRequest) (reply, error) {
	slash, user, channel, responseURL := req.command, req.user, req.channel, req.responseURL
	parsed, lang, perr := b.parse(ctx, user, req.text)
	cmd := parsed.Command
	o := origin{lang: lang, invoke: slash, user: user, at: where{channel: channel}}
	name := "invalid"
	if cmd != nil {
		name = cmd.Name()
	}
	b.log.Info("slash command", "command", slash, "subcommand", name, "user", user, "channel", channel, "lang", lang, "usage_error", perr != nil)

	if perr != nil || !needsGateway(cmd) {
		return b.respond(ctx, o, cmd, perr)[0], nil
	}
	if !b.limits.allow(user) {
		b.log.Warn("slash command refused: user rate limit", "user", user, "subcommand", name)
		return renderRateLimited(o), nil
	}
	if err := checkResponseURL(responseURL); err != nil {
		return reply{}, err
	}
	timeout := jobTimeout
	if _, approving := cmd.(command.Approve); approving { // follows the execution
		timeout = executionTimeout
	}
	started := b.startJobFor("slash "+name, timeout, func(ctx context.Context) {
		for i, rep := range b.respond(ctx, o, cmd, nil) {
			var err error
			if i < maxResponseURLPosts {
				err = b.postResponseURL(ctx, responseURL, rep)
			} else { // Slack takes five posts per response_url
				_, err = b.postThread(ctx, channel, "", rep)
			}
			if err != nil {
				b.log.Error("slash command reply not delivered", "subcommand", name, "user", user, "channel", channel, "err", err)
			}
		}
	})
	if !started {
		return renderBusy(o), nil
	}
	return reply{text: ackText(lang)}, nil
}

// slashRequest is a slash command as Slack posts it (the fields the bot
// uses of the form).
type slashRequest struct {
	// sslCheck is Slack's certificate check; nothing else is set.
	sslCheck                                  bool
	command, text, user, channel, responseURL string
}

// parseSlashForm reads a slash command's URL-encoded body.
func parseSlashForm(body []byte) (slashRequest, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return slashRequest{}, fmt.Errorf("slash command body is not a URL-encoded form: %w", err)
	}
	if form.Get("ssl_check") == "1" {
		return slashRequest{sslCheck: true}, nil
	}
	req := slashRequest{
		command: form.Get("command"), text: form.Get("text"), user: form.Get("user_id"),
		channel: form.Get("channel_id"), responseURL: form.Get("response_url"),
	}
	if req.command == "" {
		return slashRequest{}, errors.New("slash command form has no command field")
	}
	if !strings.HasPrefix(req.command, "/") {
		return slashRequest{}, fmt.Errorf("slash command form: command %s does not start with '/'", naming.Quote(req.command))
	}
	return req, nil
}

// slashResponseOf is the immediate answer to a slash command.
func slashResponseOf(r reply) slashResponse {
	resp := slashResponse{ResponseType: slack.ResponseTypeEphemeral, Text: r.text}
	if r.public {
		resp.ResponseType = slack.ResponseTypeInChannel
	}
	if len(r.blocks) > 0 {
		resp.Blocks = &slack.Blocks{BlockSet: r.blocks}
	}
	return resp
}

func writeSlashResponse(w http.ResponseWriter, r reply) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(slashResponseOf(r))
}
