package bot

import (
	"context"
	"sync"
	"time"

	"github.com/kubemedic/kubemedic/bot/command"
	"github.com/kubemedic/kubemedic/bot/language"
)

const (
	// localeTTL is how long a user's Slack locale is remembered.
	localeTTL = time.Hour
	// localeLookupTimeout bounds one users.info call; on timeout the reply
	// language falls back to the text.
	localeLookupTimeout = time.Second
	// maxLocales bounds the remembered locales; the cache starts over when
	// it is full.
	maxLocales = 10000
)

// localeCache remembers what users.info says of Slack users: their locale
// (include_locale) and e-mail address.
type localeCache struct {
	mu      sync.Mutex
	entries map[string]localeEntry
}

type localeEntry struct {
	locale, email string
	until         time.Time
}

// userLocale returns the Slack locale of user ("ko-KR", "en-US"), or ""
// when Slack does not say or cannot be asked in time.
func (b *Bot) userLocale(ctx context.Context, user string) string {
	return b.userInfo(ctx, user).locale
}

// userInfo returns what users.info says of user, cached for localeTTL.
// Failures are cached too, briefly, so a broken users.info does not slow
// every reply.
func (b *Bot) userInfo(ctx context.Context, user string) localeEntry {
	if user == "" {
		return localeEntry{}
	}
	now := b.now()
	b.locales.mu.Lock()
	e, ok := b.locales.entries[user]
	b.locales.mu.Unlock()
	if ok && now.Before(e.until) {
		return e
	}
	ctx, cancel := context.WithTimeout(ctx, localeLookupTimeout)
	defer cancel()
	e = localeEntry{until: now.Add(localeTTL)}
	u, err := b.slack.GetUserInfoContext(ctx, user)
	if err != nil {
		b.log.Debug("slack user info unknown", "user", user, "err", err)
		e.until = now.Add(time.Minute)
	} else {
		e.locale, e.email = u.Locale, u.Profile.Email
	}
	b.locales.mu.Lock()
	if len(b.locales.entries) >= maxLocales {
		clear(b.locales.entries)
	}
	b.locales.entries[user] = e
	b.locales.mu.Unlock()
	return e
}

// parse parses command text from user and picks the reply language:
// --lang, then Hangul in the text, then the user's Slack locale, then the
// text, then the default (see language.Choose).
func (b *Bot) parse(ctx context.Context, user, text string) (command.Parsed, string, error) {
	p, err := command.Parse(text)
	lang := p.Lang
	if lang == "" {
		lang = language.Choose("", b.userLocale(ctx, user), p.Prose(), b.lang)
	}
	return p, lang, err
}
