package bot_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestFeedbackButtons: a click on an answer's feedback button is recorded
// through the gateway as the clicker's rating (ids from the button, the user
// from Slack's payload), thanked in the answer's language to the clicker
// alone; a double click is recorded once; a failed recording is reported and
// may be clicked again; a value that is not made of ids is refused.
func TestFeedbackButtons(t *testing.T) {
	tests := []struct {
		name, value, action string
		wantStatus          int
		wantText            string // in the ephemeral answer; "" none
		wantRated           int    // RecordFeedback calls after two identical clicks
	}{
		{"unhelpful in Korean", "ask0001 k8s-pod-pending-insufficient-resources ko", "answer.unhelpful", http.StatusOK, "런북을 보강할 목록", 1},
		{"helpful in English", "ask0001 k8s-pod-pending-insufficient-resources en", "answer.helpful", http.StatusOK, "Glad it helped", 1},
		{"not recorded: said, and the click may be retried", "ask0002 k8s-pod-pending-insufficient-resources ko", "answer.unhelpful", http.StatusOK, "❗", 2},
		{"an old button with the runbook ID only", "k8s-pod-pending-insufficient-resources", "answer.unhelpful", http.StatusBadRequest, "", 0},
		{"free text instead of ids", "ask0001 <script>alert(1)</script> ko", "answer.helpful", http.StatusBadRequest, "", 0},
		{"a language that is not ko or en", "ask0001 k8s-pod-pending-insufficient-resources ja", "answer.helpful", http.StatusBadRequest, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			b := button{ActionID: tt.action, Value: tt.value}
			for i := range 2 { // a double click
				resp, body := e.send("/slack/interactivity", "application/x-www-form-urlencoded", e.clickPayload(userB, b, channelOps, "1767225601.000009", "1767225602.00000"+string(rune('1'+i))))
				if resp.StatusCode != tt.wantStatus {
					t.Fatalf("click %d: status %d %s, want %d", i, resp.StatusCode, body, tt.wantStatus)
				}
				if tt.wantText == "" {
					continue
				}
				if i == 0 || tt.wantRated == 2 {
					r := e.responses.next(t)
					if r.Type != "ephemeral" || !strings.Contains(r.texts()+r.Text, tt.wantText) {
						t.Errorf("click %d answered %q (%s), want ephemeral with %q", i, r.Text, r.Type, tt.wantText)
					}
				}
			}
			e.responses.none(t, 200*time.Millisecond)
			rated, by := e.knowledge.ratings()
			if len(rated) != tt.wantRated {
				t.Fatalf("RecordFeedback called %d times, want %d: %v", len(rated), tt.wantRated, rated)
			}
			for i, r := range rated {
				if r.GetSlackUserId() != userB || by[i] != userB || r.GetHelpful() != (tt.action == "answer.helpful") {
					t.Errorf("rating %v for %q, want by %s helpful=%v", r, by[i], userB, tt.action == "answer.helpful")
				}
			}
		})
	}
}
