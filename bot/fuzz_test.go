package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubemedic/kubemedic/bot/command"
)

// The fuzz targets below feed outside input to the bot's parsers: the slash
// command form, the interactivity payload, the Events API envelope and the
// request signature. None may panic; every rejection must be a clear error.
// Seeds live in testdata/fuzz/<target>/; `go test` runs them, `make fuzz`
// explores further.

// checkRejection fails when err is not a readable rejection.
func checkRejection(t *testing.T, err error) {
	t.Helper()
	if msg := err.Error(); strings.TrimSpace(msg) == "" || len(msg) > 4096 {
		t.Fatalf("rejection message is empty or huge (%d bytes)", len(msg))
	}
}

// FuzzSlashCommandForm parses slash command bodies and renders every reply
// the bot gives without the gateway (help, usage errors, not-available),
// which must fit Block Kit's limits.
func FuzzSlashCommandForm(f *testing.F) {
	f.Add([]byte("command=%2Fk8s&text=scale+shop%2Fweb+3&user_id=U1&channel_id=C1&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1"))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := parseSlashForm(body)
		if err != nil {
			checkRejection(t, err)
			return
		}
		if req.sslCheck {
			return
		}
		parsed, perr := command.Parse(req.text)
		o := origin{lang: "ko", invoke: req.command}
		var r reply
		var ue *command.UsageError
		switch {
		case errors.As(perr, &ue):
			if ue.Ko == "" || ue.En == "" || ue.Spec.Name == "" {
				t.Fatalf("usage error without Korean, English or command: %#v", ue)
			}
			r = renderUsage(o, ue)
		case perr != nil:
			t.Fatalf("Parse returned a %T, want *command.UsageError: %v", perr, perr)
		default:
			switch c := parsed.Command.(type) {
			case command.Help:
				r = renderHelp(o, c.Topic)
			case command.Ask:
				if c.Question == "" {
					t.Fatal("empty question")
				}
				return
			default:
				r = renderNotAvailable(o, parsed.Command)
			}
		}
		checkReply(t, r)
	})
}

// checkReply validates a reply against Block Kit's limits.
func checkReply(t *testing.T, r reply) {
	t.Helper()
	blocks, err := json.Marshal(r.blocks)
	if err != nil {
		t.Fatalf("blocks do not marshal: %v", err)
	}
	if err := ValidateMessage(r.text, blocks); err != nil {
		t.Fatalf("reply breaks Block Kit limits: %v\n%s", err, blocks)
	}
}

// FuzzInteractionPayload parses interactivity bodies (block_actions and
// other payload types).
func FuzzInteractionPayload(f *testing.F) {
	f.Add([]byte(`payload=%7B%22type%22%3A%22block_actions%22%2C%22user%22%3A%7B%22id%22%3A%22U1%22%7D%2C%22actions%22%3A%5B%7B%22action_id%22%3A%22approve%22%2C%22value%22%3A%22pl-1%22%7D%5D%7D`))
	f.Fuzz(func(t *testing.T, body []byte) {
		cb, err := parseInteraction(body)
		if err != nil {
			checkRejection(t, err)
			return
		}
		if cb.Type == "" {
			t.Fatal("accepted a payload without a type")
		}
		for _, a := range cb.ActionCallback.BlockActions {
			_ = a.ActionID + a.Value
		}
	})
}

// FuzzEventEnvelope parses Events API bodies, url_verification included,
// and extracts the question of app_mention and DM events.
func FuzzEventEnvelope(f *testing.F) {
	f.Add([]byte(`{"type":"url_verification","challenge":"abc"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := parseEnvelope(body)
		if err != nil {
			checkRejection(t, err)
			return
		}
		if env.Type == "url_verification" && env.Challenge == "" {
			t.Fatal("accepted url_verification without a challenge")
		}
		if env.Type == "event_callback" {
			m, why := mentionOf(env)
			if why == "" && m.channel == "" && m.user == "" && m.text == "" && m.threadTS == "" {
				t.Logf("empty mention accepted: %q", body)
			}
		}
	})
}

// FuzzVerify feeds arbitrary signature headers and bodies to the request
// verifier: it may accept only a request signed with the secret, within
// five minutes.
func FuzzVerify(f *testing.F) {
	const secret = "8f742231b10e8888abcd99yyyzzz85a5"
	now := time.Unix(1767225600, 0)
	f.Add("1767225600", "v0=0123", []byte("token=x&command=%2Fk8s"))
	f.Fuzz(func(t *testing.T, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set(headerTimestamp, ts)
		h.Set(headerSignature, sig)
		err := verify(secret, now, h, body)
		if err != nil {
			checkRejection(t, err)
			return
		}
		sec, perr := strconv.ParseInt(ts, 10, 64)
		if perr != nil {
			t.Fatalf("accepted timestamp %q that is not a number", ts)
		}
		if d := now.Sub(time.Unix(sec, 0)); d > maxClockSkew || d < -maxClockSkew {
			t.Fatalf("accepted a timestamp %s away", d)
		}
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte("v0:" + ts + ":"))
		mac.Write(body)
		if !strings.EqualFold(sig, "v0="+hex.EncodeToString(mac.Sum(nil))) {
			t.Fatalf("accepted signature %q that is not the HMAC of the body", sig)
		}
	})
}

// FuzzClick checks button clicks: whatever the action and value, check
// must not panic, and an accepted click carries only valid IDs.
func FuzzClick(f *testing.F) {
	for _, s := range [][2]string{
		{actionApprove, "pl-1 hpl-10123abcd"}, {actionReject, "pl-1 h"}, {actionUndo, "ex-pl-1"},
		{actionFix + ".0", "prod fp-pending-web-0 0"}, {actionFix + ".9", "prod fp 99"}, {actionHelpful, "ask1 k8s-pod-pending ko"}, {actionUnhelpful, "k8s-pod-pending"},
		{"frobnicate", ""}, {actionApprove, "pl-1 <script>"}, {actionUndo, ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, action, value string) {
		c := click{action: action, value: value, user: "U1"}
		if err := c.check(); err != nil {
			checkRejection(t, err)
			return
		}
		for _, field := range strings.Fields(value) {
			if len(field) > 128 || strings.ContainsAny(field, "<>&|\"'`") {
				t.Fatalf("accepted %s value %q with a field that is not an ID", action, value)
			}
		}
	})
}
