package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/kubemedic/kubemedic/bot/language"
	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/sweepnotice"
)

// Sweep summaries: a finished fleet sweep is posted to fleet.slack_channel
// as one short message saying what changed, with the details (unreachable
// clusters, new, resolved and still-open findings) in its thread; details
// too long for one reply go up as a text file in the thread.
//
// Dependency direction: the fleet service (services/fleet) knows only the
// platform/sweepnotice.Notifier interface; SweepNotifier implements it here,
// next to the bot's other Slack rendering, and the process that runs the
// fleet service (kubemedic serve, the analyzer) constructs it and hands it
// over. SweepNotifier needs only a bot token and the Slack Web API, not the
// gateway or the rest of the Bot: the fleet service is built before the
// gateway listens, and a separately deployed analyzer has no Bot at all. So
// services import bot (as they already do), bot imports only platform, and
// nothing in bot learns about Kubernetes.

// Sweep thread limits.
const (
	// sweepReplyLines is the most detail lines posted as a thread reply;
	// more, or more than maxSectionText characters, become a file.
	sweepReplyLines = 15
	// sweepStillOpenLines is how many still-open findings the details name.
	sweepStillOpenLines = 20
)

// SweepNotifierOptions configures NewSweepNotifier.
type SweepNotifierOptions struct {
	// BotToken is the Slack bot token (chat:write, files:write). Required.
	BotToken string
	// Language is the language of the posts, "ko" or "en". Default: "ko".
	Language string
	// SlackAPIURL is the Slack Web API base URL. Default: slack-go's
	// (Slack's public API). Tests point it at a local stand-in.
	SlackAPIURL string
	// PostUnchanged posts sweeps that changed nothing too. Default: false
	// (an unchanged sweep is only logged).
	PostUnchanged bool
	// HTTPClient calls the Slack Web API. Default: a client with a 15
	// second timeout.
	HTTPClient *http.Client
	// Logger receives structured logs. Default: slog.Default().
	Logger *slog.Logger
}

// SweepNotifier posts finished sweeps to Slack; it implements
// sweepnotice.Notifier and is safe for concurrent use.
type SweepNotifier struct {
	slack         *slack.Client
	lang          string
	postUnchanged bool
	log           *slog.Logger
}

var _ sweepnotice.Notifier = (*SweepNotifier)(nil)

// NewSweepNotifier validates o and returns a SweepNotifier.
func NewSweepNotifier(o SweepNotifierOptions) (*SweepNotifier, error) {
	var errs []error
	if o.BotToken == "" {
		errs = append(errs, errors.New("bot token is required to post sweeps (KUBEMEDIC_SLACK_BOT_TOKEN or bot.bot_token_file)"))
	}
	errs = append(errs, checkSlackOptions(&o.Language, &o.SlackAPIURL)...)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("slack sweep notifier: %w", err)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	opts := []slack.Option{
		slack.OptionHTTPClient(o.HTTPClient),
		slack.OptionRetryConfig(slackRetry()), // after OptionHTTPClient: it wraps that client
	}
	if o.SlackAPIURL != "" {
		opts = append(opts, slack.OptionAPIURL(o.SlackAPIURL))
	}
	return &SweepNotifier{slack: slack.New(o.BotToken, opts...), lang: o.Language, postUnchanged: o.PostUnchanged, log: o.Logger}, nil
}

// NotifySweep posts the summary of n to n.Channel and its details in the
// summary's thread. A sweep that changed nothing is not posted unless
// PostUnchanged is set.
func (s *SweepNotifier) NotifySweep(ctx context.Context, n sweepnotice.Notice) error {
	if n.Channel == "" {
		return errors.New("sweep notice without a channel (fleet.slack_channel)")
	}
	if !n.Changed && !s.postUnchanged {
		s.log.Debug("sweep changed nothing; not posted", "sweep", n.SweepID)
		return nil
	}
	icon := "✅"
	if n.Changed {
		icon = "🧹"
	}
	summary := icon + " " + s.pick(n.Summary)
	_, ts, err := s.slack.PostMessageContext(ctx, n.Channel,
		slack.MsgOptionText(summary, false),
		slack.MsgOptionBlocks(section(escapeMrkdwn(summary))),
		slack.MsgOptionDisableLinkUnfurl())
	if err != nil {
		return fmt.Errorf("posting sweep %s to %s: %w", n.SweepID, n.Channel, err)
	}
	lines := s.details(n)
	if len(lines) == 0 {
		return nil
	}
	text := strings.Join(lines, "\n")
	if len(lines) <= sweepReplyLines && len(text) <= maxSectionText {
		if _, _, err := s.slack.PostMessageContext(ctx, n.Channel,
			slack.MsgOptionText(text, false),
			slack.MsgOptionTS(ts),
			slack.MsgOptionDisableLinkUnfurl()); err != nil {
			return fmt.Errorf("posting the details of sweep %s: %w", n.SweepID, err)
		}
		return nil
	}
	// Too long for a reply: the first lines in the thread, all of them in
	// a file there.
	head := strings.Join(lines[:min(len(lines), 5)], "\n") + "\n" +
		language.Pick(s.lang, fmt.Sprintf("… 전체 %d건은 첨부 파일에 있습니다.", len(lines)), fmt.Sprintf("… all %d lines are in the attached file.", len(lines)))
	if _, _, err := s.slack.PostMessageContext(ctx, n.Channel,
		slack.MsgOptionText(head, false),
		slack.MsgOptionTS(ts),
		slack.MsgOptionDisableLinkUnfurl()); err != nil {
		return fmt.Errorf("posting the details of sweep %s: %w", n.SweepID, err)
	}
	if _, err := s.slack.UploadFileContext(ctx, slack.UploadFileParameters{
		Filename:        "sweep-" + n.SweepID + ".txt",
		FileSize:        len(text),
		Content:         text,
		Title:           language.Pick(s.lang, "점검 상세: ", "Sweep details: ") + n.SweepID,
		Channel:         n.Channel,
		ThreadTimestamp: ts,
	}); err != nil {
		return fmt.Errorf("uploading the details of sweep %s: %w", n.SweepID, err)
	}
	return nil
}

// details are the thread lines: the notice's details (unreachable, new,
// resolved), then the still-open findings, which the notice leaves out.
func (s *SweepNotifier) details(n sweepnotice.Notice) []string {
	lines := make([]string, 0, len(n.Details))
	for _, d := range n.Details {
		lines = append(lines, "• "+s.pick(d))
	}
	open := n.Sweep.GetStillOpenFindings()
	for i, f := range open {
		if i == sweepStillOpenLines {
			lines = append(lines, language.Pick(s.lang,
				fmt.Sprintf("• … 계속 %d건 더: kubemedic sweep show %s", len(open)-i, n.SweepID),
				fmt.Sprintf("• … %d more still open: kubemedic sweep show %s", len(open)-i, n.SweepID)))
			break
		}
		o := f.GetObject()
		obj := o.GetKind() + " " + o.GetName()
		if o.GetNamespace() != "" {
			obj = o.GetKind() + " " + o.GetNamespace() + "/" + o.GetName()
		}
		lines = append(lines, language.Pick(s.lang,
			fmt.Sprintf("• 계속 %s %s: %s", o.GetCluster(), obj, firstText(f.GetTitle().GetKo(), f.GetTitle().GetEn(), f.GetCode())),
			fmt.Sprintf("• still open %s %s: %s", o.GetCluster(), obj, firstText(f.GetTitle().GetEn(), f.GetTitle().GetKo(), f.GetCode()))))
	}
	return lines
}

func (s *SweepNotifier) pick(t sweepnotice.Text) string {
	if s.lang == "en" {
		return firstText(t.En, t.Ko)
	}
	return firstText(t.Ko, t.En)
}

func firstText(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// SweepNotifierFromConfig is the sweep notifier a process running the fleet
// service uses: nil (no posts) when fleet.slack_channel or the bot token
// (KUBEMEDIC_SLACK_BOT_TOKEN or bot.bot_token_file) is not set; otherwise
// one posting in bot.language through bot.slack_api_url.
func SweepNotifierFromConfig(cfg *config.Config, logger *slog.Logger) (sweepnotice.Notifier, error) {
	if cfg.Fleet.SlackChannel == "" {
		return nil, nil
	}
	token, err := config.ReadSecret(cfg.Bot.BotTokenFile, "KUBEMEDIC_SLACK_BOT_TOKEN")
	if err != nil {
		return nil, fmt.Errorf("slack bot token: %w", err)
	}
	if token == "" {
		logger.Info("fleet.slack_channel is set but no Slack bot token: sweeps are not posted (set KUBEMEDIC_SLACK_BOT_TOKEN or bot.bot_token_file)")
		return nil, nil
	}
	n, err := NewSweepNotifier(SweepNotifierOptions{BotToken: token, Language: cfg.Bot.Language, SlackAPIURL: cfg.Bot.SlackAPIURL, Logger: logger})
	if err != nil {
		return nil, err
	}
	return n, nil
}
