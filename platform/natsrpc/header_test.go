package natsrpc_test

import (
	"context"
	"testing"
	"time"

	"github.com/kubemedic/kubemedic/platform/natsrpc"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

// TestHeadersCrossNATS: headers a caller adds with WithOutgoingHeader reach
// the handler (unary and stream) through IncomingHeader; a caller cannot
// replace the protocol's own headers; without them a handler sees "".
func TestHeadersCrossNATS(t *testing.T) {
	ns := startNATS(t)
	server, client := connectTo(t, ns.URL()), connectTo(t, ns.URL())
	type seen struct{ source, user, timeout string }
	unary := make(chan seen, 4)
	svc := natsrpc.NewService(knowledgeDesc, natsrpc.ServiceOptions{})
	natsrpc.HandleUnary(svc, askProcedure, func(ctx context.Context, _ *kubemedicv1.AskRequest) (*kubemedicv1.AskResponse, error) {
		unary <- seen{natsrpc.IncomingHeader(ctx, natsrpc.HeaderCallerSource), natsrpc.IncomingHeader(ctx, natsrpc.HeaderSlackUser), natsrpc.IncomingHeader(ctx, natsrpc.HeaderTimeout)}
		return &kubemedicv1.AskResponse{}, nil
	})
	stream := make(chan seen, 4)
	diag := natsrpc.NewService(diagnosisDesc, natsrpc.ServiceOptions{})
	natsrpc.HandleServerStream(diag, kubemedicv1connect.DiagnosisServiceDiagnoseProcedure,
		func(ctx context.Context, _ *kubemedicv1.DiagnoseRequest, _ func(*kubemedicv1.DiagnoseResponse) error) error {
			stream <- seen{natsrpc.IncomingHeader(ctx, natsrpc.HeaderCallerSource), natsrpc.IncomingHeader(ctx, natsrpc.HeaderSlackUser), ""}
			return nil
		})
	serve(t, server, natsrpc.ServerConfig{Name: "header-svc"}, svc, diag)
	c := natsrpc.NewClient(client, 5*time.Second)

	tests := []struct {
		name string
		ctx  func(context.Context) context.Context
		want seen
	}{
		{"none", func(ctx context.Context) context.Context { return ctx }, seen{}},
		{"source and user", func(ctx context.Context) context.Context {
			ctx = natsrpc.WithOutgoingHeader(ctx, natsrpc.HeaderCallerSource, "api")
			ctx = natsrpc.WithOutgoingHeader(ctx, natsrpc.HeaderCallerSource, "slack") // replaces
			return natsrpc.WithOutgoingHeader(ctx, natsrpc.HeaderSlackUser, "U0123ABCD")
		}, seen{source: "slack", user: "U0123ABCD"}},
		{"fixed headers", func(ctx context.Context) context.Context {
			return natsrpc.WithOutgoingHeaders(ctx, natsrpc.NewHeaders(map[string]string{natsrpc.HeaderCallerSource: "api"}))
		}, seen{source: "api"}},
		{"fixed headers after and before others", func(ctx context.Context) context.Context {
			ctx = natsrpc.WithOutgoingHeader(ctx, natsrpc.HeaderSlackUser, "U0123ABCD")
			ctx = natsrpc.WithOutgoingHeaders(ctx, natsrpc.NewHeaders(map[string]string{natsrpc.HeaderCallerSource: "api", natsrpc.HeaderSlackUser: "U0456EFGH"})) // replaces
			return natsrpc.WithOutgoingHeader(ctx, natsrpc.HeaderCallerSource, "slack")                                                                            // replaces
		}, seen{source: "slack", user: "U0456EFGH"}},
		{"protocol header not replaceable", func(ctx context.Context) context.Context {
			return natsrpc.WithOutgoingHeader(ctx, natsrpc.HeaderTimeout, "999999999")
		}, seen{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			ctx = tt.ctx(ctx)
			if err := c.Call(ctx, askProcedure, &kubemedicv1.AskRequest{Question: "q"}, &kubemedicv1.AskResponse{}); err != nil {
				t.Fatal(err)
			}
			got := <-unary
			if got.timeout == "" || got.timeout == "999999999" {
				t.Errorf("%s = %q, want the caller's remaining time from the protocol", natsrpc.HeaderTimeout, got.timeout)
			}
			if got.source != tt.want.source || got.user != tt.want.user {
				t.Errorf("unary handler saw source %q user %q, want %q %q", got.source, got.user, tt.want.source, tt.want.user)
			}
			err := natsrpc.ServerStream(ctx, c, kubemedicv1connect.DiagnosisServiceDiagnoseProcedure, &kubemedicv1.DiagnoseRequest{},
				func(*kubemedicv1.DiagnoseResponse) error { return nil })
			if err != nil {
				t.Fatal(err)
			}
			if got := <-stream; got.source != tt.want.source || got.user != tt.want.user {
				t.Errorf("stream handler saw source %q user %q, want %q %q", got.source, got.user, tt.want.source, tt.want.user)
			}
		})
	}
	if got := natsrpc.IncomingHeader(context.Background(), natsrpc.HeaderCallerSource); got != "" {
		t.Errorf("IncomingHeader outside a handler = %q", got)
	}
}
