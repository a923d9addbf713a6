package bot

import (
	"sync"

	"golang.org/x/time/rate"

	"github.com/kubemedic/kubemedic/bot/language"
	"github.com/slack-go/slack"
)

// Per-user rate limit: a burst of userBurst requests, then one every
// userEvery. It keeps one person (or a loop of bots) from filling the
// background reply slots everyone shares.
const (
	userBurst   = 10
	userEvery   = 3 // seconds
	maxLimiters = 10000
)

// userLimits holds one token bucket per Slack user.
type userLimits struct {
	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

// allow reports whether user may make one more request now.
func (l *userLimits) allow(user string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.limiters == nil || len(l.limiters) >= maxLimiters {
		l.limiters = make(map[string]*rate.Limiter)
	}
	lim, ok := l.limiters[user]
	if !ok {
		lim = rate.NewLimiter(rate.Limit(1.0/userEvery), userBurst)
		l.limiters[user] = lim
	}
	return lim.Allow()
}

// renderRateLimited tells a user to slow down.
func renderRateLimited(o origin) reply {
	msg := language.Pick(o.lang,
		"요청이 너무 잦아요. 몇 초 뒤에 다시 시도해 주세요.",
		"Too many requests from you; try again in a few seconds.")
	return reply{text: msg, blocks: []slack.Block{section("⏳ " + msg)}}
}
