package gateway

import (
	"context"
	"errors"
	"unicode/utf8"

	"connectrpc.com/connect"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

// MaxQuestionLength bounds AskRequest.question, in characters.
const MaxQuestionLength = 2000

type knowledgeHandler struct {
	kubemedicv1connect.UnimplementedKnowledgeServiceHandler
	bus bus
}

func (h *knowledgeHandler) Ask(ctx context.Context, req *connect.Request[kubemedicv1.AskRequest]) (*connect.Response[kubemedicv1.AskResponse], error) {
	q := req.Msg.GetQuestion()
	switch {
	case q == "":
		return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("question is empty: ask something, e.g. \"파드가 계속 Pending이에요\""))
	case !utf8.ValidString(q):
		return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("question is not valid UTF-8"))
	case utf8.RuneCountInString(q) > MaxQuestionLength:
		return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("question is longer than 2000 characters: shorten it to the error message and what you tried"))
	case req.Msg.GetTop() < 0 || req.Msg.GetTop() > 20:
		return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("top must be between 0 and 20"))
	}
	return forward[kubemedicv1.AskRequest, kubemedicv1.AskResponse](ctx, h.bus, "KnowledgeService", "Ask", req)
}

func (h *knowledgeHandler) GetEntry(ctx context.Context, req *connect.Request[kubemedicv1.GetEntryRequest]) (*connect.Response[kubemedicv1.GetEntryResponse], error) {
	if req.Msg.GetId() == "" {
		return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("id is required"))
	}
	return forward[kubemedicv1.GetEntryRequest, kubemedicv1.GetEntryResponse](ctx, h.bus, "KnowledgeService", "GetEntry", req)
}

func (h *knowledgeHandler) ListEntries(ctx context.Context, req *connect.Request[kubemedicv1.ListEntriesRequest]) (*connect.Response[kubemedicv1.ListEntriesResponse], error) {
	if n := req.Msg.GetPageSize(); n < 0 || n > 1000 {
		return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("page_size must be between 0 and 1000"))
	}
	return forward[kubemedicv1.ListEntriesRequest, kubemedicv1.ListEntriesResponse](ctx, h.bus, "KnowledgeService", "ListEntries", req)
}
