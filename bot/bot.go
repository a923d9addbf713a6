// Package bot is kubemedic's Slack app. It serves Slack's three HTTP
// entry points — slash commands (/slack/commands), the Events API
// (/slack/events) and interactivity (/slack/interactivity) — and answers
// through the kubemedic gateway, whose Connect clients it is given.
//
// Every request is checked against Slack's v0 request signature before
// anything in it is read. Slack wants an answer within 3 seconds, so work
// that calls the gateway is acknowledged at once and finished in the
// background: a slash command's answer goes to its response_url, an event's
// answer is posted in the asker's thread with chat.postMessage. Replies are
// Block Kit messages in the asker's language (see package language: --lang,
// then Hangul in the text, then the Slack locale, then the text, then
// Korean); slack-go's retry honours Slack's 429 Retry-After on every post.
//
// The bot never talks to a cluster itself; it only calls the gateway.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/kubemedic/kubemedic/platform/httpserve"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

// ErrNotConfigured is returned by New when no Slack signing secret is set:
// the caller should log that the Slack app is disabled and carry on.
var ErrNotConfigured = errors.New("slack signing secret not set (KUBEMEDIC_SLACK_SIGNING_SECRET or bot.signing_secret_file): Slack app disabled")

// Options configures a Bot. SigningSecret, BotToken, Knowledge, Fleet,
// Diagnosis and Remediation are required; every other field has a default.
type Options struct {
	// SigningSecret is the Slack app's signing secret. Empty gives
	// ErrNotConfigured.
	SigningSecret string
	// AppToken is the app-level token (xapp-...) ServeSocketMode connects
	// with. Default: none (HTTP only).
	AppToken string
	// BotToken is the bot user OAuth token (xoxb-...) used to post answers
	// to events with chat.postMessage and to read users' locales
	// (users.info).
	BotToken string
	// Knowledge answers questions (the gateway's KnowledgeService).
	Knowledge kubemedicv1connect.KnowledgeServiceClient
	// Fleet lists clusters (the gateway's FleetService).
	Fleet kubemedicv1connect.FleetServiceClient
	// Diagnosis diagnoses clusters (the gateway's DiagnosisService).
	Diagnosis kubemedicv1connect.DiagnosisServiceClient
	// Remediation plans, approves, executes and undoes fixes (the
	// gateway's RemediationService).
	Remediation kubemedicv1connect.RemediationServiceClient
	// Identities maps Slack user IDs to the Kubernetes identity remediation
	// impersonates for them. Users not in it may ask and diagnose but not
	// plan, approve, reject or undo. Default: none.
	Identities map[string]Identity
	// IdentitiesByEmail maps e-mail addresses (lower case) to Kubernetes
	// identities, for users not in Identities: the address is the one
	// Slack has for the user (users.info; needs the users:read.email
	// scope), cached for an hour. Default: none.
	IdentitiesByEmail map[string]Identity
	// NotifyChannels maps cluster names to the Slack channel their new and
	// resolved findings are posted in. Default: none (no notifications).
	NotifyChannels map[string]string
	// NotifyGroupWait is how long finding changes are collected before
	// they are posted; more than five at once become one summary.
	// Default: 5s.
	NotifyGroupWait time.Duration
	// ChannelClusters maps Slack channel IDs to the cluster commands in
	// that channel act on when they name none. Default: none (then the
	// only cluster, when there is exactly one).
	ChannelClusters map[string]string
	// Language is the default reply language, "ko" or "en", used when
	// neither --lang, Hangul in the text, the user's Slack locale nor the
	// text's English decides.
	// Default: "ko".
	Language string
	// SlackAPIURL is the Slack Web API base URL. Default: slack-go's
	// (Slack's public API). Tests point it at a slacktest server.
	SlackAPIURL string
	// HTTPClient calls the Slack Web API and response URLs. Default: a
	// client with a 15 second timeout.
	HTTPClient *http.Client
	// Logger receives structured logs. Default: slog.Default().
	Logger *slog.Logger
	// Now tells the time (request timestamp checks, de-duplication).
	// Default: time.Now.
	Now func() time.Time
}

// Limits. Slack's own limits are in render.go.
const (
	// maxBodyBytes bounds a request body; Slack's are a few kilobytes.
	maxBodyBytes = 1 << 20
	// maxClockSkew is how far a request timestamp may be from now.
	maxClockSkew = 5 * time.Minute
	// maxInFlight bounds the replies being worked on at once; beyond it
	// users are told to try again.
	maxInFlight = 64
	// jobTimeout bounds one background reply: gateway call plus posting.
	jobTimeout = 2 * time.Minute
	// executionTimeout bounds a button click's work, following an
	// execution (a drain waits for PodDisruptionBudgets) included.
	executionTimeout = 30 * time.Minute
	// gatewayTimeout bounds one gateway call.
	gatewayTimeout = 30 * time.Second
	// dedupeTTL is how long an event ID is remembered; Slack retries a
	// delivery up to three times within about five minutes.
	dedupeTTL = 15 * time.Minute
	// dedupeSize bounds the remembered event IDs.
	dedupeSize = 10000
	// shutdownGrace bounds the HTTP server shutdown; drainGrace bounds the
	// wait for background replies after it.
	shutdownGrace = 10 * time.Second
	drainGrace    = 30 * time.Second
)

// Bot is a Slack app answering through the kubemedic gateway.
type Bot struct {
	secret      string
	knowledge   kubemedicv1connect.KnowledgeServiceClient
	fleet       kubemedicv1connect.FleetServiceClient
	diagnosis   kubemedicv1connect.DiagnosisServiceClient
	remediation kubemedicv1connect.RemediationServiceClient
	identities  map[string]Identity
	channels    map[string]string
	plans       *planCache
	lang        string
	webhook     *http.Client // response_url posts, with the 429 retry
	slack       *slack.Client
	log         *slog.Logger
	now         func() time.Time
	seen        *seenCache
	// clicks de-duplicates button clicks and executions.
	clicks *seenCache
	// byEmail maps lower-case e-mail addresses to identities.
	byEmail map[string]Identity
	// notifyChannels, groupWait and notes drive finding notifications.
	notifyChannels map[string]string
	groupWait      time.Duration
	notes          notifier
	stopNotify     func() // stops notifications and waits; nil when none
	// limits are the per-user rate limits.
	limits userLimits
	// appToken and socket are Socket Mode's token and connection state.
	appToken string
	socket   socketState
	locales  localeCache

	// Background replies.
	jobsCtx    context.Context
	cancelJobs context.CancelFunc
	jobsMu     sync.Mutex
	jobs       sync.WaitGroup
	inFlight   int
	closed     bool
	serving    bool
}

// New validates o, fills in defaults and returns a Bot.
func New(o Options) (*Bot, error) {
	if o.SigningSecret == "" {
		return nil, ErrNotConfigured
	}
	var errs []error
	if o.BotToken == "" {
		errs = append(errs, errors.New("bot token is required to answer mentions and DMs (KUBEMEDIC_SLACK_BOT_TOKEN or bot.bot_token_file)"))
	}
	if o.Knowledge == nil {
		errs = append(errs, errors.New("knowledge client is required"))
	}
	if o.Fleet == nil {
		errs = append(errs, errors.New("fleet client is required"))
	}
	if o.Diagnosis == nil {
		errs = append(errs, errors.New("diagnosis client is required"))
	}
	if o.Remediation == nil {
		errs = append(errs, errors.New("remediation client is required"))
	}
	for slackUser, id := range o.Identities {
		if slackUser == "" || id.User == "" {
			errs = append(errs, fmt.Errorf("identity of Slack user %q: both the Slack user ID and the Kubernetes user are required", slackUser))
		}
	}
	byEmail := make(map[string]Identity, len(o.IdentitiesByEmail))
	for email, id := range o.IdentitiesByEmail {
		if !strings.Contains(email, "@") || id.User == "" {
			errs = append(errs, fmt.Errorf("identity of e-mail %q: an address and a Kubernetes user are required", email))
		}
		byEmail[strings.ToLower(email)] = id
	}
	errs = append(errs, checkSlackOptions(&o.Language, &o.SlackAPIURL)...)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("slack bot: %w", err)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.NotifyGroupWait <= 0 {
		o.NotifyGroupWait = 5 * time.Second
	}
	transport := o.HTTPClient.Transport
	if transport == nil {
		transport = http.DefaultTransport
	}
	webhook := &http.Client{Timeout: o.HTTPClient.Timeout, Transport: newWebhookRetry(transport)}
	slackOpts := []slack.Option{
		slack.OptionHTTPClient(o.HTTPClient),
		slack.OptionRetryConfig(slackRetry()), // after OptionHTTPClient: it wraps that client
	}
	if o.SlackAPIURL != "" {
		slackOpts = append(slackOpts, slack.OptionAPIURL(o.SlackAPIURL))
	}
	if o.AppToken != "" {
		slackOpts = append(slackOpts, slack.OptionAppLevelToken(o.AppToken))
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Bot{
		secret:         o.SigningSecret,
		knowledge:      o.Knowledge,
		fleet:          o.Fleet,
		diagnosis:      o.Diagnosis,
		remediation:    o.Remediation,
		identities:     maps.Clone(o.Identities),
		channels:       maps.Clone(o.ChannelClusters),
		plans:          newPlanCache(planCacheSize),
		lang:           o.Language,
		webhook:        webhook,
		slack:          slack.New(o.BotToken, slackOpts...),
		log:            o.Logger,
		now:            o.Now,
		seen:           newSeenCache(dedupeTTL, dedupeSize, o.Now),
		clicks:         newSeenCache(dedupeTTL, dedupeSize, o.Now),
		appToken:       o.AppToken,
		byEmail:        byEmail,
		notifyChannels: maps.Clone(o.NotifyChannels),
		groupWait:      o.NotifyGroupWait,
		notes:          notifier{state: map[string]findingState{}},
		locales:        localeCache{entries: make(map[string]localeEntry)},
		jobsCtx:        ctx,
		cancelJobs:     cancel,
	}, nil
}

// Handler serves POST /slack/commands, /slack/events and
// /slack/interactivity. Every request must carry a valid Slack signature.
func (b *Bot) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /slack/commands", b.verified(b.handleCommand))
	mux.Handle("POST /slack/events", b.verified(b.handleEvent))
	mux.Handle("POST /slack/interactivity", b.verified(b.handleInteraction))
	return mux
}

// Serve serves Handler on l until ctx ends, then shuts down gracefully:
// in-flight requests get 10 seconds, background replies another 30, after
// which they are cancelled. It returns nil after a clean shutdown.
func (b *Bot) Serve(ctx context.Context, l net.Listener) error {
	b.jobsMu.Lock()
	if b.serving || b.closed {
		b.jobsMu.Unlock()
		return errors.New("slack bot: Serve called twice")
	}
	b.serving = true
	b.jobsMu.Unlock()

	srv := &http.Server{
		Handler:           b.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(b.log.Handler(), slog.LevelWarn),
	}
	b.startNotifications()
	b.log.Info("slack bot listening", "addr", l.Addr().String())
	var serveErr error
	if err := httpserve.Serve(ctx, l, srv, shutdownGrace); err != nil {
		serveErr = fmt.Errorf("slack bot: %w", err)
	}
	if err := b.drain(drainGrace); err != nil {
		return errors.Join(serveErr, err)
	}
	return serveErr
}

// startNotifications follows finding changes in the background until the
// bot shuts down.
func (b *Bot) startNotifications() {
	if len(b.notifyChannels) == 0 {
		return
	}
	ctx, cancel := context.WithCancel(b.jobsCtx)
	done := make(chan struct{})
	b.jobsMu.Lock()
	b.stopNotify = func() { cancel(); <-done }
	b.jobsMu.Unlock()
	go func() {
		defer close(done)
		b.runNotifications(ctx)
	}()
}

// drain stops accepting background replies and waits up to grace for those
// running, then cancels them.
func (b *Bot) drain(grace time.Duration) error {
	b.jobsMu.Lock()
	b.closed = true
	n := b.inFlight
	stopNotify := b.stopNotify
	b.jobsMu.Unlock()
	if stopNotify != nil {
		stopNotify()
	}
	if n > 0 {
		b.log.Info("waiting for background replies", "count", n)
	}
	done := make(chan struct{})
	go func() { b.jobs.Wait(); close(done) }()
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-done:
		b.cancelJobs()
		return nil
	case <-timer.C:
	}
	b.jobsMu.Lock()
	n = b.inFlight
	b.jobsMu.Unlock()
	b.cancelJobs()
	<-done // cancelled replies return promptly: every wait honours the context
	return fmt.Errorf("slack bot: cancelled %d background replies still running after %s", n, grace)
}

// startJob runs f in the background with a bounded context. It reports
// false, without running f, when the bot is shutting down or already busy
// with maxInFlight replies.
func (b *Bot) startJob(name string, f func(ctx context.Context)) bool {
	return b.startJobFor(name, jobTimeout, f)
}

// startJobFor is startJob with its own time limit.
func (b *Bot) startJobFor(name string, timeout time.Duration, f func(ctx context.Context)) bool {
	b.jobsMu.Lock()
	defer b.jobsMu.Unlock()
	if b.closed || b.inFlight >= maxInFlight {
		b.log.Warn("background reply refused", "job", name, "in_flight", b.inFlight, "shutting_down", b.closed)
		return false
	}
	b.inFlight++
	b.jobs.Add(1)
	go func() {
		defer func() {
			b.jobsMu.Lock()
			b.inFlight--
			b.jobsMu.Unlock()
			b.jobs.Done()
		}()
		ctx, cancel := context.WithTimeout(b.jobsCtx, timeout)
		defer cancel()
		f(ctx)
	}()
	return true
}

// checkSlackOptions defaults the reply language to Korean and checks it, and
// checks the Slack Web API URL (ending it in "/") for the bot and the sweep
// notifier alike.
func checkSlackOptions(language, apiURL *string) []error {
	var errs []error
	switch *language {
	case "":
		*language = "ko"
	case "ko", "en":
	default:
		errs = append(errs, fmt.Errorf("language %q: want ko or en", *language))
	}
	if *apiURL != "" {
		u, err := url.Parse(*apiURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("slack API URL %q: want an absolute http(s) URL", *apiURL))
		} else if !strings.HasSuffix(*apiURL, "/") {
			*apiURL += "/"
		}
	}
	return errs
}
