package bot

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/slack-go/slack"
)

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
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "slash command body is not a URL-encoded form: "+err.Error(), http.StatusBadRequest)
		return
	}
	if form.Get("ssl_check") == "1" { // Slack's certificate check
		w.WriteHeader(http.StatusOK)
		return
	}
	slash := form.Get("command")
	if slash == "" {
		http.Error(w, "slash command form has no command field", http.StatusBadRequest)
		return
	}
	user, channel, responseURL := form.Get("user_id"), form.Get("channel_id"), form.Get("response_url")

	cmd, lang, perr := b.parse(form.Get("text"))
	o := origin{lang: lang, invoke: slash}
	name := "invalid"
	if cmd != nil {
		name = cmd.Name()
	}
	b.log.Info("slash command", "command", slash, "subcommand", name, "user", user, "channel", channel, "lang", lang, "usage_error", perr != nil)

	if perr != nil || !needsGateway(cmd) {
		writeSlashResponse(w, b.respond(r.Context(), o, cmd, perr))
		return
	}
	if err := checkResponseURL(responseURL); err != nil {
		http.Error(w, "slash command: "+err.Error(), http.StatusBadRequest)
		return
	}
	started := b.startJob("slash "+name, func(ctx context.Context) {
		rep := b.respond(ctx, o, cmd, nil)
		if err := b.postResponseURL(ctx, responseURL, rep); err != nil {
			b.log.Error("slash command reply not delivered", "subcommand", name, "user", user, "channel", channel, "err", err)
		}
	})
	if !started {
		writeSlashResponse(w, renderBusy(o))
		return
	}
	writeSlashResponse(w, reply{text: ackText(lang)})
}

func writeSlashResponse(w http.ResponseWriter, r reply) {
	resp := slashResponse{ResponseType: slack.ResponseTypeEphemeral, Text: r.text}
	if r.public {
		resp.ResponseType = slack.ResponseTypeInChannel
	}
	if len(r.blocks) > 0 {
		resp.Blocks = &slack.Blocks{BlockSet: r.blocks}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(resp)
}
