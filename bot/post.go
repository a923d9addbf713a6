package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/slack-go/slack"

	"github.com/kubemedic/kubemedic/bot/naming"
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
// response_url as a slack.WebhookMessage; b.webhook retries a 429 the way
// the Web API client does.
func (b *Bot) postResponseURL(ctx context.Context, responseURL string, r reply) error {
	msg := &slack.WebhookMessage{Text: r.text, ResponseType: slack.ResponseTypeEphemeral, ReplaceOriginal: r.replaceOriginal}
	if r.public {
		msg.ResponseType = slack.ResponseTypeInChannel
	}
	if len(r.blocks) > 0 {
		msg.Blocks = &slack.Blocks{BlockSet: r.blocks}
	}
	if err := slack.PostWebhookCustomHTTPContext(ctx, responseURL, b.webhook, msg); err != nil {
		return fmt.Errorf("posting to Slack response_url: %w", err)
	}
	return nil
}

// webhookRetry applies slack-go's 429 retry handler to webhook posts:
// slack.PostWebhook takes an *http.Client, and slack-go's retrying client
// is not exposed as one, so this transport asks the same handler.
type webhookRetry struct {
	next    http.RoundTripper
	cfg     slack.RetryConfig
	handler slack.RetryHandler
}

func newWebhookRetry(next http.RoundTripper) *webhookRetry {
	cfg := slackRetry()
	return &webhookRetry{next: next, cfg: cfg, handler: slack.NewRateLimitErrorRetryHandler(cfg)}
}

// RoundTrip implements http.RoundTripper.
func (t *webhookRetry) RoundTrip(req *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		if attempt > 0 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req.Body = body
		}
		resp, err := t.next.RoundTrip(req)
		retry, wait := t.handler.ShouldRetry(&slack.RetryState{Attempt: attempt, MaxRetries: t.cfg.MaxRetries}, req, resp, err)
		if err != nil || !retry {
			return resp, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		timer := time.NewTimer(wait)
		select {
		case <-req.Context().Done():
			timer.Stop()
			return nil, req.Context().Err()
		case <-timer.C:
		}
	}
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
		return fmt.Errorf("response_url %s is not an absolute URL", naming.Quote(s))
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if ip := net.ParseIP(u.Hostname()); (ip != nil && ip.IsLoopback()) || u.Hostname() == "localhost" {
			return nil
		}
	}
	return fmt.Errorf("response_url %s must be https", naming.Quote(s))
}
