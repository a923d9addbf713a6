package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// Socket Mode: for workspaces whose Slack cannot reach the bot over HTTP,
// the bot opens a websocket to Slack (apps.connections.open with the
// app-level token) and receives the same slash commands, events and
// interactions there. They go to the same runSlash, runEvent and
// runInteraction as HTTP requests. slack-go's socketmode client reconnects
// by itself when Slack asks or the connection drops; ServeSocketMode
// supervises it and starts it again after the errors it gives up on (a
// revoked token), and SocketModeState reports the connection for /readyz.

// Socket Mode supervision limits.
const (
	socketRestartMin = time.Second
	socketRestartMax = time.Minute
)

// socketState is the Socket Mode connection as last reported.
type socketState struct {
	mu        sync.Mutex
	connected bool
	err       error
	since     time.Time
	connects  int
}

func (s *socketState) set(connected bool, err error, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if connected && !s.connected {
		s.connects++
	}
	s.connected, s.err, s.since = connected, err, now
}

// SocketModeState reports whether the Socket Mode connection is up: nil
// when it is, otherwise why not. It is a probe check for /readyz.
func (b *Bot) SocketModeState() error {
	s := &b.socket
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.connected:
		return nil
	case s.err != nil:
		return fmt.Errorf("slack socket mode disconnected since %s: %w", s.since.UTC().Format(time.RFC3339), s.err)
	}
	return errors.New("slack socket mode not connected yet")
}

// SocketModeConnects reports how many times the Socket Mode connection has
// come up (reconnections included).
func (b *Bot) SocketModeConnects() int {
	b.socket.mu.Lock()
	defer b.socket.mu.Unlock()
	return b.socket.connects
}

// ServeSocketMode receives Slack's requests over Socket Mode until ctx
// ends, then waits for background replies like Serve. It needs
// Options.AppToken.
func (b *Bot) ServeSocketMode(ctx context.Context) error {
	if b.appToken == "" {
		return errors.New("slack socket mode: no app-level token (KUBEMEDIC_SLACK_APP_TOKEN or bot.app_token_file)")
	}
	b.jobsMu.Lock()
	if b.serving || b.closed {
		b.jobsMu.Unlock()
		return errors.New("slack bot: Serve called twice")
	}
	b.serving = true
	b.jobsMu.Unlock()

	b.startNotifications()
	wait := socketRestartMin
	for ctx.Err() == nil {
		err := b.runSocketOnce(ctx)
		if ctx.Err() != nil {
			break
		}
		b.socket.set(false, err, b.now())
		b.log.Error("slack socket mode stopped; starting it again", "err", err, "in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
		wait = min(2*wait, socketRestartMax)
	}
	b.socket.set(false, errors.New("shut down"), b.now())
	return b.drain(drainGrace)
}

// runSocketOnce runs one socketmode client until it gives up or ctx ends.
func (b *Bot) runSocketOnce(ctx context.Context) error {
	client := socketmode.New(b.slack, socketmode.OptionLog(slog.NewLogLogger(b.log.Handler(), slog.LevelDebug)))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- client.RunContext(ctx) }()
	for {
		select {
		case err := <-done:
			if err == nil {
				err = errors.New("socket mode client stopped")
			}
			return err
		case evt := <-client.Events:
			b.onSocketEvent(ctx, client, evt)
		}
	}
}

// onSocketEvent handles one Socket Mode event: connection state changes,
// and requests, which are acknowledged with their immediate answer.
func (b *Bot) onSocketEvent(ctx context.Context, client *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		b.socket.set(false, errors.New("connecting"), b.now())
		b.log.Debug("slack socket mode connecting")
	case socketmode.EventTypeConnected:
		b.socket.set(true, nil, b.now())
		b.log.Info("slack socket mode connected")
	case socketmode.EventTypeConnectionError:
		err := errors.New("connection error")
		if ce, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
			err = ce
		}
		b.socket.set(false, err, b.now())
		b.log.Warn("slack socket mode connection error", "err", err)
	case socketmode.EventTypeInvalidAuth:
		b.socket.set(false, errors.New("slack refused the app-level token"), b.now())
	case socketmode.EventTypeDisconnect:
		b.socket.set(false, errors.New("slack asked to reconnect"), b.now())
		b.log.Info("slack socket mode: Slack asked to reconnect")
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorBadMessage, socketmode.EventTypeErrorWriteFailed:
		b.log.Warn("slack socket mode error", "type", string(evt.Type), "data", fmt.Sprint(evt.Data))
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok || evt.Request == nil {
			return
		}
		req := slashRequest{command: cmd.Command, text: cmd.Text, user: cmd.UserID, channel: cmd.ChannelID, responseURL: cmd.ResponseURL}
		rep, err := b.runSlash(ctx, req)
		if err != nil {
			rep = reply{text: "slash command: " + err.Error()}
		}
		b.ack(client, evt.Request, slashResponseOf(rep))
	case socketmode.EventTypeEventsAPI:
		if evt.Request == nil {
			return
		}
		b.ack(client, evt.Request, nil) // at once: Slack redelivers unacknowledged events
		env, err := parseEnvelope(evt.Request.Payload)
		if err != nil {
			b.log.Warn("socket mode event refused", "err", err)
			return
		}
		if env.Type != "event_callback" {
			return
		}
		retry := ""
		if evt.Request.RetryAttempt > 0 {
			retry = strconv.Itoa(evt.Request.RetryAttempt)
		}
		if err := b.runEvent(env, retry, evt.Request.RetryReason); err != nil {
			b.log.Warn("socket mode event dropped", "event_id", env.EventID, "err", err)
		}
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok || evt.Request == nil {
			return
		}
		b.ack(client, evt.Request, nil)
		if err := b.runInteraction(cb); err != nil {
			b.log.Warn("socket mode interaction refused", "user", cb.User.ID, "err", err)
		}
	}
}

func (b *Bot) ack(client *socketmode.Client, req *socketmode.Request, payload any) {
	var err error
	if payload == nil {
		err = client.Ack(*req)
	} else {
		raw, merr := json.Marshal(payload)
		if merr != nil {
			b.log.Error("socket mode answer not encoded", "err", merr)
			raw = nil
		}
		err = client.Ack(*req, json.RawMessage(raw))
	}
	if err != nil {
		b.log.Warn("socket mode acknowledgement not sent", "envelope", req.EnvelopeID, "err", err)
	}
}
