package bot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/slack-go/slack"
)

// slackRetry is how the Slack client retries: slack-go's own handler for
// 429 Too Many Requests, waiting the Retry-After Slack asks for (1 s when it
// names none), at most three times. Other failures are not retried: a
// message that may have arrived must not be posted twice.
func slackRetry() slack.RetryConfig {
	cfg := slack.DefaultRetryConfig()
	cfg.MaxRetries = 3
	cfg.RetryAfterDuration = time.Second
	cfg.RetryAfterJitter = 250 * time.Millisecond
	cfg.Handlers = slack.DefaultRetryHandlers(cfg)
	return cfg
}

// msgOptions are the chat options that carry r.
func (r reply) msgOptions() []slack.MsgOption {
	opts := []slack.MsgOption{slack.MsgOptionText(r.text, false), slack.MsgOptionDisableLinkUnfurl()}
	if len(r.blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(r.blocks...))
	}
	return opts
}

// postResponseURL sends r to a slash command's or an interaction's
// response_url. It goes through the Slack client, so the same 429 retry
// applies as to Web API calls.
func (b *Bot) postResponseURL(ctx context.Context, responseURL string, r reply) error {
	responseType := slack.ResponseTypeEphemeral
	if r.public {
		responseType = slack.ResponseTypeInChannel
	}
	opts := append(r.msgOptions(), slack.MsgOptionResponseURL(responseURL, responseType))
	if r.replaceOriginal {
		opts = append(opts, slack.MsgOptionReplaceOriginal(responseURL))
	}
	if _, _, err := b.slack.PostMessageContext(ctx, "", opts...); err != nil {
		return fmt.Errorf("posting to Slack response_url: %w", err)
	}
	return nil
}

// postThread posts r with chat.postMessage, in a thread when threadTS is
// set, and returns the new message's timestamp.
func (b *Bot) postThread(ctx context.Context, channel, threadTS string, r reply) (string, error) {
	opts := r.msgOptions()
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	_, ts, err := b.slack.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		return "", fmt.Errorf("posting to Slack chat.postMessage: %w", err)
	}
	return ts, nil
}

// checkResponseURL accepts https URLs, and http ones on loopback (tests,
// local development).
func checkResponseURL(s string) error {
	if s == "" {
		return errors.New("missing response_url")
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return fmt.Errorf("response_url %q is not an absolute URL", s)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if ip := net.ParseIP(u.Hostname()); (ip != nil && ip.IsLoopback()) || u.Hostname() == "localhost" {
			return nil
		}
	}
	return fmt.Errorf("response_url %q must be https", s)
}
