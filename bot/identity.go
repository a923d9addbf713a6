package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"connectrpc.com/connect"
	"github.com/slack-go/slack"

	"github.com/kubemedic/kubemedic/bot/language"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// Identity is the Kubernetes identity a Slack user acts as: remediation
// impersonates it, so cluster RBAC has the final word and the cluster's
// audit log names the person.
type Identity struct {
	// User is the Kubernetes user name. Required.
	User string
	// Groups are the Kubernetes groups. Default: none.
	Groups []string
}

// errUnmapped is why an unmapped Slack user may not change a cluster.
var errUnmapped = errors.New("slack user has no Kubernetes identity in bot.users")

// identity returns the proto identity of a Slack user, or errUnmapped:
// by Slack user ID first, then by the e-mail address Slack has for the
// user (users.info, cached with the locale).
func (b *Bot) identity(ctx context.Context, slackUser string) (*kubemedicv1.Identity, error) {
	if slackUser == "" {
		return nil, errUnmapped
	}
	id, ok := b.identities[slackUser]
	if !ok && len(b.byEmail) > 0 {
		if email := b.userInfo(ctx, slackUser).email; email != "" {
			id, ok = b.byEmail[strings.ToLower(email)]
		}
	}
	if !ok {
		return nil, errUnmapped
	}
	return &kubemedicv1.Identity{
		KubernetesUser:   id.User,
		KubernetesGroups: append([]string(nil), id.Groups...),
		SlackUserId:      slackUser,
	}, nil
}

// renderUnmapped tells an unmapped user why a change was refused.
func renderUnmapped(o origin, user string) reply {
	msg := language.Pick(o.lang,
		fmt.Sprintf("<@%s> 님의 Slack 계정은 쿠버네티스 사용자와 연결되어 있지 않아 조치 계획·승인은 할 수 없어요. 질문과 진단(`diagnose`)은 쓸 수 있어요. 관리자에게 kubemedic 설정의 `bot.users` 에 추가해 달라고 해 주세요.", user),
		fmt.Sprintf("<@%s>, your Slack account is not mapped to a Kubernetes user, so you cannot plan or approve changes. Questions and `diagnose` work. Ask an admin to add you under `bot.users` in the kubemedic config.", user))
	return reply{text: msg, blocks: []slack.Block{section("🔒 " + msg)}}
}

// defaultCluster is the cluster a command acts on when it names none: the
// channel's, else the only cluster there is.
func (b *Bot) defaultCluster(ctx context.Context, channel string) (string, error) {
	if c := b.channels[channel]; c != "" {
		return c, nil
	}
	ctx, cancel := context.WithTimeout(ctx, gatewayTimeout)
	defer cancel()
	resp, err := b.fleet.ListClusters(ctx, connect.NewRequest(&kubemedicv1.ListClustersRequest{}))
	if err != nil {
		return "", err
	}
	if cs := resp.Msg.GetClusters(); len(cs) == 1 {
		return cs[0].GetName(), nil
	}
	return "", errNoDefaultCluster
}

var errNoDefaultCluster = errors.New("no default cluster for this channel")
