package analyzer

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strings"

	"connectrpc.com/connect"

	"github.com/kubemedic/kubemedic/platform/natsrpc"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/asklog"
	"github.com/kubemedic/kubemedic/services/knowledge"
)

// knowledgeService answers KnowledgeService calls from the knowledge base.
type knowledgeService struct {
	kb        *knowledge.Base
	providers map[string]string // cluster name -> provider
	asks      AskRecorder       // nil: not recorded
	// ground finds the live objects a question names and their findings;
	// nil when no cluster is watched.
	ground func(ctx context.Context, cluster, question string) ([]*kubemedicv1.ObjectRef, []*kubemedicv1.Finding)
}

func (s *knowledgeService) ask(ctx context.Context, req *kubemedicv1.AskRequest) (*kubemedicv1.AskResponse, error) {
	// The question's length and top's range are buf.validate rules in the
	// proto, checked before this handler runs (see natsrpc).
	opts := knowledge.AskOptions{Top: int(req.GetTop())}
	switch req.GetLanguage() {
	case kubemedicv1.Language_LANGUAGE_KOREAN:
		opts.Language = "ko"
	case kubemedicv1.Language_LANGUAGE_ENGLISH:
		opts.Language = "en"
	}
	if c := req.GetCluster(); c != "" {
		p, ok := s.providers[c]
		if !ok {
			return nil, connect.NewError(connect.CodeNotFound, fmt.Errorf("unknown cluster %q (see `kubemedic clusters`)", c))
		}
		if p != "generic" {
			opts.Provider = p
		}
	}
	var objects []*kubemedicv1.ObjectRef
	var found []*kubemedicv1.Finding
	question := req.GetQuestion()
	if s.ground != nil {
		objects, found = s.ground(ctx, req.GetCluster(), question)
		// An object's name says which object, not what is wrong with it:
		// leave it out of retrieval ("web-1 파드가 왜 Pending" is a question
		// about Pending pods).
		question = withoutNames(question, objects)
	}
	res := s.kb.Ask(ctx, question, opts)
	out := &kubemedicv1.AskResponse{NoAnswer: res.NoAnswer, Language: languageOf(res.Language), Objects: objects, Findings: found}
	if s.asks != nil {
		logged := res
		logged.Question = req.GetQuestion() // the words the user typed
		out.AskId = s.asks.RecordAsk(asklog.WithCaller(ctx, callerOf(ctx)), req.GetCluster(), logged)
	}
	// The answers are made in one allocation, not one each.
	answers := make([]kubemedicv1.Answer, len(res.Answers))
	if len(res.Answers) > 0 {
		out.Answers = make([]*kubemedicv1.Answer, len(res.Answers))
	}
	for i, a := range res.Answers {
		ans := &answers[i]
		ans.EntryId = a.ID
		ans.Title = a.Title
		ans.Body = withBody(req.GetBodies(), i, a.Body)
		ans.Source = a.Source
		ans.Score = a.Score
		ans.Confidence = a.Confidence
		ans.Provider = a.Provider
		if e, ok := s.kb.Entry(a.ID); ok {
			ans.FindingCodes = e.Findings
			ans.Actions = e.Actions
		}
		out.Answers[i] = ans
	}
	return out, nil
}

// withBody is body when the request's bodies choice keeps the body of the
// i-th answer, else "".
func withBody(b kubemedicv1.AnswerBodies, i int, body string) string {
	switch b {
	case kubemedicv1.AnswerBodies_ANSWER_BODIES_ALL:
		return body
	case kubemedicv1.AnswerBodies_ANSWER_BODIES_NONE:
		return ""
	}
	if i == 0 {
		return body
	}
	return ""
}

// withoutNames removes the names of objects from a question (matched as the
// ground step matched them: case-insensitive, whole tokens).
func withoutNames(question string, objects []*kubemedicv1.ObjectRef) string {
	if len(objects) == 0 {
		return question
	}
	names := map[string]bool{}
	for _, o := range objects {
		names[o.GetName()] = true
	}
	var b strings.Builder
	last := 0
	nameTokens(question, func(start, end int) {
		if names[strings.ToLower(question[start:end])] {
			b.WriteString(question[last:start])
			last = end
		}
	})
	b.WriteString(question[last:])
	if q := strings.TrimSpace(b.String()); q != "" {
		return q
	}
	return question
}

// callerOf reads who asks from the request headers the gateway set (see
// natsrpc.HeaderCallerSource): "slack" with the Slack user id, or an API
// caller. A request that did not come through the gateway is an API caller.
func callerOf(ctx context.Context) asklog.Caller {
	if natsrpc.IncomingHeader(ctx, natsrpc.HeaderCallerSource) == string(asklog.SourceSlack) {
		return asklog.Caller{Source: asklog.SourceSlack, SlackUser: natsrpc.IncomingHeader(ctx, natsrpc.HeaderSlackUser)}
	}
	return asklog.Caller{Source: asklog.SourceAPI}
}

// recordFeedback stores a rating of an answer in the ask log. The rater's
// Slack user id comes from the gateway's headers (the trusted bot's
// credential), or from the request when the caller is the Slack bot; other
// callers' ratings carry no Slack user.
func (s *knowledgeService) recordFeedback(ctx context.Context, req *kubemedicv1.RecordFeedbackRequest) (*kubemedicv1.RecordFeedbackResponse, error) {
	// The ids' formats are buf.validate rules in the proto.
	if s.asks == nil {
		return nil, connect.NewError(connect.CodeFailedPrecondition,
			errors.New("질문 기록(ask log)이 꺼져 있어 의견을 저장할 수 없습니다 (the ask log is off: knowledge.ask_log.enabled)"))
	}
	if _, ok := s.kb.Entry(req.GetEntryId()); !ok {
		return nil, connect.NewError(connect.CodeNotFound, fmt.Errorf("no knowledge-base entry with id %q", req.GetEntryId()))
	}
	c := asklog.CallerFrom(asklog.WithCaller(ctx, callerOf(ctx)))
	if c.Source == asklog.SourceSlack && c.SlackUser == "" {
		c = asklog.CallerFrom(asklog.WithCaller(ctx, asklog.Caller{Source: asklog.SourceSlack, SlackUser: req.GetSlackUserId()}))
	}
	err := s.asks.Feedback(ctx, asklog.Feedback{AskID: req.GetAskId(), EntryID: req.GetEntryId(), Helpful: req.GetHelpful(), SlackUser: c.SlackUser})
	if err != nil {
		return nil, connect.NewError(connect.CodeUnavailable, fmt.Errorf("의견을 저장하지 못했습니다. 잠시 후 다시 시도해 주세요 (could not store the feedback, try again): %w", err))
	}
	return &kubemedicv1.RecordFeedbackResponse{}, nil
}

func languageOf(code string) kubemedicv1.Language {
	if code == "en" {
		return kubemedicv1.Language_LANGUAGE_ENGLISH
	}
	return kubemedicv1.Language_LANGUAGE_KOREAN
}

func (s *knowledgeService) getEntry(_ context.Context, req *kubemedicv1.GetEntryRequest) (*kubemedicv1.GetEntryResponse, error) {
	e, ok := s.kb.Entry(req.GetId())
	if !ok {
		return nil, connect.NewError(connect.CodeNotFound, fmt.Errorf("no knowledge-base entry with id %q", req.GetId()))
	}
	return &kubemedicv1.GetEntryResponse{Entry: entryMessage(e, true)}, nil
}

func (s *knowledgeService) listEntries(_ context.Context, req *kubemedicv1.ListEntriesRequest) (*kubemedicv1.ListEntriesResponse, error) {
	f := knowledge.Filter{Provider: req.GetProvider(), Tag: req.GetTag(), Finding: req.GetFindingCode()}
	if err := f.Validate(); err != nil {
		return nil, connect.NewError(connect.CodeInvalidArgument, err)
	}
	size := int(req.GetPageSize()) // 0..1000, a buf.validate rule
	if size == 0 {
		size = 100
	}
	after := ""
	if t := req.GetPageToken(); t != "" {
		b, err := base64.RawURLEncoding.DecodeString(t)
		if err != nil || len(b) == 0 {
			return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("page_token is not a token this server issued"))
		}
		after = string(b)
	}
	entries := s.kb.Entries(f)
	sort.Slice(entries, func(i, j int) bool { return entries[i].ID < entries[j].ID })
	start := sort.Search(len(entries), func(i int) bool { return entries[i].ID > after })
	out := &kubemedicv1.ListEntriesResponse{}
	end := min(start+size, len(entries))
	for _, e := range entries[start:end] {
		out.Entries = append(out.Entries, entryMessage(e, false))
	}
	if end < len(entries) {
		out.NextPageToken = base64.RawURLEncoding.EncodeToString([]byte(entries[end-1].ID))
	}
	return out, nil
}

func entryMessage(e knowledge.Entry, withBody bool) *kubemedicv1.Entry {
	m := &kubemedicv1.Entry{
		Id:           e.ID,
		TitleKo:      e.TitleKo,
		TitleEn:      e.TitleEn,
		Provider:     e.Provider,
		Tags:         e.Tags,
		Keywords:     e.Keywords,
		Questions:    e.Questions,
		FindingCodes: e.Findings,
		Actions:      e.Actions,
		Source:       e.Source,
		Origin:       e.Origin.File,
	}
	if withBody {
		m.Body = e.Body
	}
	return m
}
