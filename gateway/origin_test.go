package gateway_test

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/kubemedic/kubemedic/gateway"
	"github.com/kubemedic/kubemedic/platform/embeddednats"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

// origin is what a service behind the bus learned about the caller.
type origin struct{ source, slackUser string }

// TestCallerOrigin: the services behind the bus learn where a request came
// from only from the authenticated credential: a trusted credential (the
// Slack bot) is "slack" and may name the Slack user in the
// Kubemedic-Slack-User header; any other credential is "api" and its
// Slack-user header and forged NATS-level headers are ignored. RecordFeedback
// is forwarded like every other RPC, with the same origin.
func TestCallerOrigin(t *testing.T) {
	ns, err := embeddednats.Start(embeddednats.Options{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Stop)
	conn := func() *natsrpc.Conn {
		c, err := natsrpc.Connect(ns.URL(), natsrpc.ConnectOptions{Name: t.Name(), Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return c
	}
	seen := make(chan origin, 1)
	from := func(ctx context.Context) origin {
		return origin{natsrpc.IncomingHeader(ctx, natsrpc.HeaderCallerSource), natsrpc.IncomingHeader(ctx, natsrpc.HeaderSlackUser)}
	}
	kn := natsrpc.NewService(kubemedicv1.File_kubemedic_v1_knowledge_proto.Services().ByName("KnowledgeService"), natsrpc.ServiceOptions{})
	natsrpc.HandleUnary(kn, kubemedicv1connect.KnowledgeServiceAskProcedure, func(ctx context.Context, _ *kubemedicv1.AskRequest) (*kubemedicv1.AskResponse, error) {
		seen <- from(ctx)
		return &kubemedicv1.AskResponse{AskId: "A1"}, nil
	})
	natsrpc.HandleUnary(kn, kubemedicv1connect.KnowledgeServiceRecordFeedbackProcedure, func(ctx context.Context, _ *kubemedicv1.RecordFeedbackRequest) (*kubemedicv1.RecordFeedbackResponse, error) {
		seen <- from(ctx)
		return &kubemedicv1.RecordFeedbackResponse{}, nil
	})
	srv, err := natsrpc.Serve(conn().Conn, natsrpc.ServerConfig{Name: "origin", Version: "0.0.1", Logger: quiet}, kn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop(context.Background()) })
	client := conn()
	gw, err := gateway.New(gateway.Options{
		Bus:   natsrpc.NewClient(client, 5*time.Second),
		Ready: client.IsConnected,
		Credentials: []gateway.Credential{
			{Name: "alice", Token: aliceToken, Identity: &kubemedicv1.Identity{KubernetesUser: "alice"}, Scopes: gateway.AllScopes, Clusters: []string{"*"}},
			{Name: "slack-bot", Token: botToken, Trusted: true, Scopes: gateway.AllScopes, Clusters: []string{"*"}},
		},
		Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- gw.Serve(ctx, l) }()
	t.Cleanup(func() { cancel(); <-served })
	cc, err := grpc.NewClient(l.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	kc := kubemedicv1.NewKnowledgeServiceClient(cc)

	tests := []struct {
		name    string
		token   string
		headers []string // extra request metadata, key/value pairs
		want    origin
	}{
		{"API client", aliceToken, nil, origin{"api", ""}},
		{"API client naming a Slack user is ignored", aliceToken, []string{"kubemedic-slack-user", "U0123ABCD"}, origin{"api", ""}},
		{"API client forging the NATS headers is ignored", aliceToken,
			[]string{"kubemedic-caller-source", "slack", "Kubemedic-Slack-User", "UEVIL"}, origin{"api", ""}},
		{"Slack bot without a user", botToken, nil, origin{"slack", ""}},
		{"Slack bot for a user", botToken, []string{"kubemedic-slack-user", "U0123ABCD"}, origin{"slack", "U0123ABCD"}},
		{"Slack bot with something that is not a user id", botToken, []string{"kubemedic-slack-user", "alice@example.com"}, origin{"slack", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md := metadata.Pairs(append([]string{"authorization", "Bearer " + tt.token}, tt.headers...)...)
			rctx := metadata.NewOutgoingContext(ctx, md)
			resp, err := kc.Ask(rctx, &kubemedicv1.AskRequest{Question: "파드가 Pending"})
			if err != nil || resp.GetAskId() != "A1" {
				t.Fatalf("Ask = %v, %v", resp, err)
			}
			if got := <-seen; got != tt.want {
				t.Errorf("Ask: service saw %+v, want %+v", got, tt.want)
			}
			if _, err := kc.RecordFeedback(rctx, &kubemedicv1.RecordFeedbackRequest{AskId: "A1", EntryId: "k8s-x"}); err != nil {
				t.Fatalf("RecordFeedback: %v", err)
			}
			if got := <-seen; got != tt.want {
				t.Errorf("RecordFeedback: service saw %+v, want %+v", got, tt.want)
			}
		})
	}

	// The request's buf.validate rules are checked before forwarding.
	bad := metadata.NewOutgoingContext(ctx, metadata.Pairs("authorization", "Bearer "+botToken))
	for _, req := range []*kubemedicv1.RecordFeedbackRequest{
		{EntryId: "k8s-x"},
		{AskId: "A1"},
		{AskId: "A1 OR 1=1", EntryId: "k8s-x"},
		{AskId: "A1", EntryId: "k8s-x", SlackUserId: "someone@example.com"},
	} {
		if _, err := kc.RecordFeedback(bad, req); status.Code(err) != codes.InvalidArgument {
			t.Errorf("RecordFeedback(%v) = %v, want InvalidArgument", req, err)
		}
	}
	select {
	case got := <-seen:
		t.Errorf("an invalid request reached the service (%+v)", got)
	default:
	}
}
