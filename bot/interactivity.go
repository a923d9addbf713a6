package bot

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/slack-go/slack"
)

// handleInteraction serves Block Kit interactions (button clicks, dialogs).
// This stage sends no interactive messages yet, so it checks and logs the
// payload and acknowledges it.
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
	w.WriteHeader(http.StatusOK)
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
