package bot

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"connectrpc.com/connect"
	"github.com/slack-go/slack"

	"github.com/kubemedic/kubemedic/bot/command"
	"github.com/kubemedic/kubemedic/bot/language"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// Slack's Block Kit limits.
const (
	maxHeaderText  = 150
	maxSectionText = 3000
	maxBlocks      = 50
	// bodyExcerpt is how much of a runbook an answer shows: enough for the
	// symptom, cause and first checks, short enough to read in a channel.
	bodyExcerpt = 2900
	// maxRunnerUps is how many other answers are offered.
	maxRunnerUps = 3
)

// reply is one message to Slack.
type reply struct {
	// text is the notification and accessibility fallback.
	text   string
	blocks []slack.Block
	// public sends a slash command reply to the whole channel
	// (in_channel) instead of only the asker (ephemeral).
	public bool
	// replaceOriginal replaces the message a button was clicked in, when
	// the reply goes to an interaction's response_url.
	replaceOriginal bool
}

// origin is who asked, where, and how they call the bot.
type origin struct {
	// lang is the reply language, "ko" or "en".
	lang string
	// invoke is how the user calls the bot: "/k8s" or "<@U123>".
	invoke string
	// user is the Slack user ID of the asker.
	user string
	// at is where the request came from: the channel, and the thread of a
	// mention ("" for a slash command).
	at where
}

// code renders a command line for the user to type, e.g. `/k8s scale ...`,
// escaped for mrkdwn. A mention stays outside the code span so it renders.
func (o origin) code(args string) string {
	if strings.HasPrefix(o.invoke, "/") {
		return "`" + escapeMrkdwn(strings.TrimSpace(o.invoke+" "+args)) + "`"
	}
	return strings.TrimSpace(o.invoke + " `" + escapeMrkdwn(args) + "`")
}

func mdText(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func section(s string) slack.Block {
	return slack.NewSectionBlock(mdText(clip(s, maxSectionText)), nil, nil)
}

func header(s string) slack.Block {
	return slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, clip(s, maxHeaderText), true, false))
}

func contextLine(parts ...string) slack.Block {
	els := make([]slack.MixedElement, 0, len(parts))
	for _, p := range parts {
		if p != "" {
			els = append(els, mdText(clip(p, 2000)))
		}
	}
	return slack.NewContextBlock("", els...)
}

func percent(c float64) string { return fmt.Sprintf("%.0f%%", c*100) }

// answerLine is one runner-up in a list.
func answerLine(a *kubemedicv1.Answer) string {
	return fmt.Sprintf("• *%s* — %s · `%s`", escapeMrkdwn(a.GetTitle()), percent(a.GetConfidence()), a.GetEntryId())
}

// renderAnswer renders the best answer with an excerpt of its body and the
// runner-ups.
func renderAnswer(o origin, question string, resp *kubemedicv1.AskResponse) reply {
	answers := resp.GetAnswers()
	if resp.GetNoAnswer() || len(answers) == 0 {
		return renderNoAnswer(o, question, answers)
	}
	top := answers[0]
	// The runbook is Markdown: Slack's markdown block renders it (headings,
	// lists, links, code fences) as written.
	body, truncated := excerpt(top.GetBody(), bodyExcerpt)
	blocks := []slack.Block{
		contextLine("❓ " + escapeMrkdwn(clip(question, 300))),
		header("📘 " + top.GetTitle()),
		slack.NewMarkdownBlock("", body),
	}
	meta := []string{
		language.Pick(o.lang, "*출처*: ", "*Source*: ") + escapeMrkdwn(orDash(top.GetSource())),
		language.Pick(o.lang, "*신뢰도*: ", "*Confidence*: ") + percent(top.GetConfidence()),
		"ID: `" + top.GetEntryId() + "`",
	}
	if p := top.GetProvider(); p != "" && p != "generic" {
		meta = append(meta, language.Pick(o.lang, "*대상*: ", "*Provider*: ")+strings.ToUpper(p))
	}
	blocks = append(blocks, contextLine(meta...))
	if truncated {
		blocks = append(blocks, contextLine(language.Pick(o.lang,
			"본문이 길어 앞부분만 보여 드렸어요.",
			"The runbook is long; this is its beginning.")))
	}
	if len(answers) > 1 {
		lines := []string{language.Pick(o.lang, "*더 보기 — 다른 답변*", "*Other answers*")}
		for _, a := range answers[1:min(len(answers), 1+maxRunnerUps)] {
			lines = append(lines, answerLine(a))
		}
		blocks = append(blocks, slack.NewDividerBlock(), section(strings.Join(lines, "\n")))
	}
	if fb := feedbackBlock(o, resp.GetAskId(), top.GetEntryId()); fb != nil {
		blocks = append(blocks, fb)
	}
	return reply{text: "📘 " + escapeMrkdwn(top.GetTitle()), blocks: blocks, public: true}
}

// renderNoAnswer politely says the knowledge base has no confident answer,
// offers weak candidates and what the bot can do.
func renderNoAnswer(o origin, question string, weak []*kubemedicv1.Answer) reply {
	intro := language.Pick(o.lang,
		"🤔 죄송해요, 이 질문에는 자신 있게 드릴 답을 찾지 못했어요.\n"+
			"조금 다르게 물어봐 주시겠어요? 에러 메시지(예: `ImagePullBackOff`)나 리소스 종류(파드, 노드, 인그레스 …)를 넣으면 더 잘 찾아요.",
		"🤔 Sorry, I don't know this one well enough to answer.\n"+
			"Could you rephrase it? Including the error message (e.g. `ImagePullBackOff`) or the kind of resource (pod, node, ingress …) helps.")
	blocks := []slack.Block{
		contextLine("❓ " + escapeMrkdwn(clip(question, 300))),
		section(intro),
	}
	if len(weak) > 0 {
		lines := []string{language.Pick(o.lang, "*혹시 이 내용일까요?* (확신이 낮아요)", "*Could it be one of these?* (low confidence)")}
		for _, a := range weak[:min(len(weak), maxRunnerUps)] {
			lines = append(lines, answerLine(a))
		}
		blocks = append(blocks, section(strings.Join(lines, "\n")))
	}
	blocks = append(blocks, section(capabilities(o)))
	return reply{text: language.Pick(o.lang, "답을 찾지 못했어요", "No answer found"), blocks: blocks}
}

// capabilities lists what works now.
func capabilities(o origin) string {
	return strings.Join([]string{
		language.Pick(o.lang, "*제가 할 수 있는 일*", "*What I can do*"),
		"• " + o.code(language.Pick(o.lang, "<질문>", "<question>")) + " — " + language.Pick(o.lang, "쿠버네티스 문제를 런북으로 답해 드려요", "answers Kubernetes troubleshooting questions from runbooks"),
		"• " + o.code("clusters") + " — " + language.Pick(o.lang, "관리 중인 클러스터 목록", "lists the clusters kubemedic watches"),
		"• " + o.code("help") + " — " + language.Pick(o.lang, "전체 명령과 사용법", "every command and its usage"),
	}, "\n")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// renderClusters lists clusters, several per section block.
func renderClusters(o origin, clusters []*kubemedicv1.Cluster) reply {
	if len(clusters) == 0 {
		return reply{text: language.Pick(o.lang, "설정된 클러스터가 없어요", "No clusters configured"), blocks: []slack.Block{
			section(language.Pick(o.lang,
				"설정된 클러스터가 없어요. kubemedic 설정 파일의 `clusters` (또는 `kubeconfig`)에 클러스터를 추가해 주세요.",
				"No clusters are configured. Add them under `clusters` (or `kubeconfig`) in the kubemedic config file.")),
		}}
	}
	title := language.Pick(o.lang, fmt.Sprintf("☸️ 클러스터 %d개", len(clusters)), fmt.Sprintf("☸️ %d clusters", len(clusters)))
	blocks := []slack.Block{header(title)}
	var chunk []string
	size := 0
	flush := func() {
		if len(chunk) > 0 {
			blocks = append(blocks, section(strings.Join(chunk, "\n")))
			chunk, size = nil, 0
		}
	}
	shown := 0
	for _, c := range clusters {
		line := clusterLine(o, c)
		if size+len(line)+1 > maxSectionText {
			flush()
		}
		if len(blocks) >= maxBlocks-2 {
			break
		}
		chunk = append(chunk, line)
		size += len(line) + 1
		shown++
	}
	flush()
	if shown < len(clusters) {
		blocks = append(blocks, contextLine(language.Pick(o.lang,
			fmt.Sprintf("%d개 클러스터는 메시지 길이 제한으로 생략했어요.", len(clusters)-shown),
			fmt.Sprintf("%d more clusters left out (Slack message size limit).", len(clusters)-shown))))
	}
	return reply{text: title, blocks: blocks, public: true}
}

func clusterLine(o origin, c *kubemedicv1.Cluster) string {
	parts := []string{}
	if c.GetReachable() {
		parts = append(parts, language.Pick(o.lang, "✅ 연결됨", "✅ reachable"))
	} else {
		parts = append(parts, language.Pick(o.lang, "⚠️ 연결 안 됨", "⚠️ unreachable"))
	}
	if v := c.GetVersion(); v != "" {
		parts = append(parts, escapeMrkdwn(v))
	}
	if c.GetReachable() || c.GetNodeCount() > 0 {
		parts = append(parts, language.Pick(o.lang, fmt.Sprintf("노드 %d", c.GetNodeCount()), fmt.Sprintf("%d nodes", c.GetNodeCount())))
	}
	if ts := c.GetLastSweepTime(); ts != nil && ts.IsValid() {
		t := ts.AsTime()
		parts = append(parts, language.Pick(o.lang, "마지막 점검 ", "last sweep ")+
			fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), t.UTC().Format("2006-01-02 15:04 UTC")))
	} else {
		parts = append(parts, language.Pick(o.lang, "점검 기록 없음", "never swept"))
	}
	provider := c.GetProvider()
	if provider == "" {
		provider = "generic"
	}
	return fmt.Sprintf("• *%s* (%s) — %s", escapeMrkdwn(c.GetName()), escapeMrkdwn(provider), strings.Join(parts, " · "))
}

// renderHelp shows every command, or one command's usage.
func renderHelp(o origin, topic string) reply {
	if topic != "" {
		if spec, ok := command.Lookup(topic); ok {
			lines := []string{
				"*" + spec.Name + "* — " + language.Pick(o.lang, spec.Ko, spec.En),
				language.Pick(o.lang, "사용법: ", "Usage: ") + o.code(spec.Usage("")),
			}
			if spec.Example != "" {
				lines = append(lines, language.Pick(o.lang, "예: ", "Example: ")+o.code(spec.Name+" "+spec.Example))
			}
			if !spec.Available {
				lines = append(lines, language.Pick(o.lang, "🚧 아직 준비 중인 명령이에요.", "🚧 Not available yet."))
			}
			return reply{text: escapeMrkdwn(spec.Usage(o.invoke)), blocks: []slack.Block{section(strings.Join(lines, "\n"))}}
		}
	}
	var now, later []string
	for _, s := range command.Specs {
		line := "• " + o.code(s.Usage("")) + " — " + language.Pick(o.lang, s.Ko, s.En)
		if s.Available {
			now = append(now, line)
		} else {
			later = append(later, line)
		}
	}
	blocks := []slack.Block{
		header(language.Pick(o.lang, "kubemedic 도움말", "kubemedic help")),
		section(language.Pick(o.lang,
			"쿠버네티스 문제를 물어보시면 큐레이션된 런북에서 답을 찾아 드려요. 명령 없이 질문만 써도 돼요 (예: "+o.code("파드가 계속 Pending이에요")+").",
			"Ask about a Kubernetes problem and I answer from curated runbooks. Plain text is a question (e.g. "+o.code("why is my pod pending")+").")),
		section(language.Pick(o.lang, "*지금 쓸 수 있는 명령*\n", "*Available now*\n") + strings.Join(now, "\n")),
		contextLine(language.Pick(o.lang,
			"조치(cordon, drain, scale, patch-cm, restart)는 계획 → 승인 → 실행 순서로 진행돼요. 답변 언어: `--lang en` / `--lang ko`",
			"Changes (cordon, drain, scale, patch-cm, restart) go plan → approve → execute. Reply language: `--lang en` / `--lang ko`")),
		contextLine(language.Pick(o.lang, "명령별 사용법: ", "Usage of one command: ") + o.code("help <command>") + " · English: " + o.code("ask <question in English>")),
	}
	if len(later) > 0 {
		blocks = slices.Insert(blocks, 3, section(language.Pick(o.lang, "*준비 중*\n", "*Coming soon*\n")+strings.Join(later, "\n")))
	}
	return reply{text: language.Pick(o.lang, "kubemedic 도움말", "kubemedic help"), blocks: blocks}
}

// renderUsage explains a malformed command.
func renderUsage(o origin, ue *command.UsageError) reply {
	spec := ue.Spec
	problem := language.Pick(o.lang, ue.Ko, ue.En)
	lines := []string{
		"⚠️ " + language.Pick(o.lang, fmt.Sprintf("*%s* 명령 형식이 잘못됐어요: ", spec.Name), fmt.Sprintf("Malformed *%s* command: ", spec.Name)) + escapeMrkdwn(problem),
		language.Pick(o.lang, "사용법: ", "Usage: ") + o.code(spec.Usage("")),
	}
	if spec.Example != "" {
		lines = append(lines, language.Pick(o.lang, "예: ", "Example: ")+o.code(spec.Name+" "+spec.Example))
	}
	return reply{
		text:   language.Pick(o.lang, "명령 형식 오류: ", "Malformed command: ") + escapeMrkdwn(problem),
		blocks: []slack.Block{section(strings.Join(lines, "\n")), contextLine(language.Pick(o.lang, spec.Ko, spec.En))},
	}
}

// renderNotAvailable answers a valid command this stage cannot run yet.
func renderNotAvailable(o origin, cmd command.Command) reply {
	lines := []string{
		"🚧 " + language.Pick(o.lang,
			fmt.Sprintf("*%s* 명령은 아직 준비 중이에요.", cmd.Name()),
			fmt.Sprintf("The *%s* command is not available yet.", cmd.Name())),
		language.Pick(o.lang, "요청은 이렇게 이해했어요: ", "Understood as: ") + escapeMrkdwn(cmd.Describe(o.lang)),
		language.Pick(o.lang, "지금 쓸 수 있는 명령: ", "Available now: ") + strings.Join(availableCommands(o), ", "),
	}
	return reply{
		text:   language.Pick(o.lang, "아직 준비 중인 명령이에요: ", "Not available yet: ") + cmd.Name(),
		blocks: []slack.Block{section(strings.Join(lines, "\n"))},
	}
}

// availableCommands lists the commands that work, as the user types them.
func availableCommands(o origin) []string {
	var out []string
	for _, s := range command.Specs {
		if s.Available {
			out = append(out, o.code(s.Name))
		}
	}
	return out
}

// renderGatewayError explains a failed gateway call without internals.
func renderGatewayError(o origin, err error) reply {
	var msg string
	switch connect.CodeOf(err) {
	case connect.CodeUnavailable, connect.CodeDeadlineExceeded, connect.CodeCanceled:
		msg = language.Pick(o.lang,
			"kubemedic 게이트웨이에 연결하지 못했어요. 잠시 후 다시 시도해 주세요. 계속되면 관리자에게 게이트웨이 상태를 확인해 달라고 해 주세요.",
			"I could not reach the kubemedic gateway. Please try again shortly; if it keeps failing, ask an admin to check the gateway.")
	case connect.CodeUnauthenticated, connect.CodePermissionDenied:
		msg = language.Pick(o.lang,
			"게이트웨이가 봇의 토큰을 거부했어요. 관리자에게 봇의 게이트웨이 토큰(KUBEMEDIC_GATEWAY_TOKEN) 설정을 확인해 달라고 해 주세요.",
			"The gateway refused the bot's token. Ask an admin to check the bot's gateway token (KUBEMEDIC_GATEWAY_TOKEN).")
	case connect.CodeInvalidArgument, connect.CodeFailedPrecondition, connect.CodeNotFound:
		detail := err.Error()
		var ce *connect.Error
		if errors.As(err, &ce) {
			detail = ce.Message()
		}
		msg = language.Pick(o.lang, "요청을 처리할 수 없어요: ", "The request could not be handled: ") + escapeMrkdwn(detail)
	case connect.CodeUnimplemented:
		msg = language.Pick(o.lang,
			"게이트웨이가 아직 이 기능을 제공하지 않아요.",
			"The gateway does not offer this yet.")
	default:
		msg = language.Pick(o.lang,
			fmt.Sprintf("요청 처리 중 오류가 났어요 (%s). 잠시 후 다시 시도해 주세요.", connect.CodeOf(err)),
			fmt.Sprintf("Something went wrong (%s). Please try again shortly.", connect.CodeOf(err)))
	}
	return reply{text: msg, blocks: []slack.Block{section("❗ " + msg)}}
}

// renderBusy says the bot has too much in flight.
func renderBusy(o origin) reply {
	msg := language.Pick(o.lang,
		"지금 요청이 많아서 처리하지 못했어요. 잠시 후 다시 시도해 주세요.",
		"I am handling too many requests right now. Please try again in a moment.")
	return reply{text: msg, blocks: []slack.Block{section("⏳ " + msg)}}
}

// ackText is the immediate acknowledgement of a slash command.
func ackText(lang string) string {
	return language.Pick(lang, "찾는 중… 🔎", "Looking it up… 🔎")
}
