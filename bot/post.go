package bot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/slack-go/slack"
)

const (
	// maxPostAttempts bounds the tries of one post when Slack rate-limits.
	maxPostAttempts = 4
	// maxRetryAfter is the longest Retry-After the bot waits for; longer
	// ones fail the post.
	maxRetryAfter = time.Minute
)

// postResponseURL sends r to a slash command's response_url.
func (b *Bot) postResponseURL(ctx context.Context, responseURL string, r reply) error {
	msg := &slack.WebhookMessage{
		Text:         r.text,
		ResponseType: slack.ResponseTypeEphemeral,
	}
	if r.public {
		msg.ResponseType = slack.ResponseTypeInChannel
	}
	if len(r.blocks) > 0 {
		msg.Blocks = &slack.Blocks{BlockSet: r.blocks}
	}
	return b.withRetry(ctx, "response_url", func(ctx context.Context) error {
		return slack.PostWebhookCustomHTTPContext(ctx, responseURL, b.http, msg)
	})
}

// postThread posts r in a thread with chat.postMessage.
func (b *Bot) postThread(ctx context.Context, channel, threadTS string, r reply) error {
	opts := []slack.MsgOption{
		slack.MsgOptionText(r.text, false),
		slack.MsgOptionDisableLinkUnfurl(),
	}
	if len(r.blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(r.blocks...))
	}
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	return b.withRetry(ctx, "chat.postMessage", func(ctx context.Context) error {
		_, _, err := b.slack.PostMessageContext(ctx, channel, opts...)
		return err
	})
}

// withRetry runs post, retrying after the delay Slack asks for when it
// answers 429 Too Many Requests.
func (b *Bot) withRetry(ctx context.Context, what string, post func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := post(ctx)
		wait, limited := retryAfter(err)
		if !limited {
			if err != nil {
				return fmt.Errorf("posting to Slack %s: %w", what, err)
			}
			return nil
		}
		if attempt >= maxPostAttempts {
			return fmt.Errorf("posting to Slack %s: still rate-limited after %d attempts: %w", what, attempt, err)
		}
		if wait > maxRetryAfter {
			return fmt.Errorf("posting to Slack %s: rate-limited for %s, longer than the %s the bot waits: %w", what, wait, maxRetryAfter, err)
		}
		b.log.Warn("slack rate limit, retrying", "api", what, "retry_after", wait, "attempt", attempt)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("posting to Slack %s: gave up waiting out a rate limit: %w", what, ctx.Err())
		case <-t.C:
		}
	}
}

// retryAfter reports whether err is Slack's 429 and how long to wait.
func retryAfter(err error) (time.Duration, bool) {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		if rl.RetryAfter <= 0 {
			return time.Second, true
		}
		return rl.RetryAfter, true
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) && sc.Code == http.StatusTooManyRequests {
		return time.Second, true // 429 without a Retry-After header
	}
	return 0, false
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
