package bot

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/slack-go/slack"
)

// handleInteraction serves Block Kit interactions (button clicks, dialogs).
// This stage sends no interactive messages yet, so it checks and logs the
// payload and acknowledges it.
func (b *Bot) handleInteraction(w http.ResponseWriter, r *http.Request, body []byte) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "interactivity body is not a URL-encoded form: "+err.Error(), http.StatusBadRequest)
		return
	}
	raw := form.Get("payload")
	if raw == "" {
		http.Error(w, "interactivity form has no payload field", http.StatusBadRequest)
		return
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(raw), &cb); err != nil {
		http.Error(w, "interactivity payload is not valid JSON: "+err.Error(), http.StatusBadRequest)
		return
	}
	if cb.Type == "" {
		http.Error(w, "interactivity payload has no type", http.StatusBadRequest)
		return
	}
	actions := make([]string, 0, len(cb.ActionCallback.BlockActions))
	for _, a := range cb.ActionCallback.BlockActions {
		actions = append(actions, a.ActionID)
	}
	b.log.Info("slack interaction", "type", string(cb.Type), "user", cb.User.ID, "channel", cb.Channel.ID, "actions", actions, "callback_id", cb.CallbackID)
	w.WriteHeader(http.StatusOK)
}
