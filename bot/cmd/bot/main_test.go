package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect"

	"github.com/kubemedic/kubemedic/platform/config"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

func TestGatewayBaseURL(t *testing.T) {
	tests := []struct {
		gatewayURL, addr string
		want, wantErr    string
	}{
		{"", "127.0.0.1:7070", "http://127.0.0.1:7070", ""},
		{"", "0.0.0.0:7070", "http://127.0.0.1:7070", ""},
		{"", "[::]:7070", "http://127.0.0.1:7070", ""},
		{"", ":7070", "http://127.0.0.1:7070", ""},
		{"", "gateway.kubemedic.svc:7070", "http://gateway.kubemedic.svc:7070", ""},
		{"https://kubemedic.example.com", "127.0.0.1:7070", "https://kubemedic.example.com", ""},
		{"kubemedic:7070", "127.0.0.1:7070", "", "want http://host:port"},
	}
	for _, tt := range tests {
		cfg := &config.Config{Gateway: config.Gateway{Addr: tt.addr}, Bot: config.Bot{GatewayURL: tt.gatewayURL}}
		got, err := gatewayBaseURL(cfg)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("gatewayBaseURL(%q, %q) error %v, want %q", tt.gatewayURL, tt.addr, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("gatewayBaseURL(%q, %q) = %q, %v; want %q", tt.gatewayURL, tt.addr, got, err, tt.want)
		}
	}
}

type gatewayDouble struct {
	kubemedicv1connect.UnimplementedKnowledgeServiceHandler
	mu        sync.Mutex
	auth      []string
	protocols []string
}

func (g *gatewayDouble) ListEntries(_ context.Context, req *connect.Request[kubemedicv1.ListEntriesRequest]) (*connect.Response[kubemedicv1.ListEntriesResponse], error) {
	g.mu.Lock()
	g.auth = append(g.auth, req.Header().Get("Authorization"))
	g.protocols = append(g.protocols, req.Peer().Protocol)
	g.mu.Unlock()
	if req.Header().Get("Authorization") != "Bearer good-token-0123456789" {
		return nil, connect.NewError(connect.CodeUnauthenticated, errors.New("unknown bearer token"))
	}
	return connect.NewResponse(&kubemedicv1.ListEntriesResponse{}), nil
}

// TestDialGateway checks the clients speak gRPC over cleartext HTTP/2 with
// the bearer token, and that the readiness check reports a refused token.
func TestDialGateway(t *testing.T) {
	g := &gatewayDouble{}
	mux := http.NewServeMux()
	mux.Handle(kubemedicv1connect.NewKnowledgeServiceHandler(g))
	srv := httptest.NewUnstartedServer(mux)
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true)
	srv.Config.Protocols = p // HTTP/2 only: an HTTP/1 client would fail
	srv.Start()
	defer srv.Close()

	_, ready, err := dialGateway(srv.URL, "good-token-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	if err := ready(); err != nil {
		t.Fatalf("readiness with a good token: %v", err)
	}
	_, ready, err = dialGateway(srv.URL, "bad-token")
	if err != nil {
		t.Fatal(err)
	}
	if err := ready(); err == nil || !strings.Contains(err.Error(), "unauthenticated") {
		t.Fatalf("readiness with a bad token = %v, want unauthenticated", err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.auth) != 2 || g.auth[0] != "Bearer good-token-0123456789" || g.auth[1] != "Bearer bad-token" {
		t.Errorf("authorization headers %q", g.auth)
	}
	for _, proto := range g.protocols {
		if proto != connect.ProtocolGRPC {
			t.Errorf("protocol %q, want grpc", proto)
		}
	}
}

func TestRunErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"extra argument", []string{"serve"}, nil, "unexpected arguments"},
		{"unknown flag", []string{"--nope"}, nil, "flag provided but not defined"},
		{"missing config file", []string{"--config", "/nonexistent/kubemedic.yaml"}, nil, "reading config"},
		{"no gateway token", nil, map[string]string{"KUBEMEDIC_GATEWAY_TOKEN": ""}, "no gateway token"},
		{"no signing secret", nil, map[string]string{"KUBEMEDIC_GATEWAY_TOKEN": "good-token-0123456789", "KUBEMEDIC_SLACK_SIGNING_SECRET": ""}, "signing secret not set"},
		{"bad language", nil, map[string]string{"KUBEMEDIC_BOT_LANGUAGE": "fr"}, "bot.language \"fr\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("KUBEMEDIC_DATA_DIR", t.TempDir())
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var out, errOut bytes.Buffer
			err := run(tt.args, &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("run(%q) = %v, want an error containing %q", tt.args, err, tt.want)
			}
		})
	}
}
