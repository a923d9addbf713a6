package allinone_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/kubemedic/kubemedic/platform/localgateway"
	"github.com/kubemedic/kubemedic/platform/testpki"
	"github.com/kubemedic/kubemedic/proto/client"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// TestLocalClientsOverTLS turns gateway.tls on, without and with a client
// CA (mTLS): the local CLI's endpoint (localgateway.Read) and the in-process
// Slack bot reach the gateway over https, trusting exactly the configured
// certificate and, under mTLS, presenting the local client certificate; a
// client pinned to another certificate of the same name is refused, and so,
// under mTLS, is one without a client certificate.
func TestLocalClientsOverTLS(t *testing.T) {
	for _, mtls := range []bool{false, true} {
		t.Run(map[bool]string{false: "tls", true: "mtls"}[mtls], func(t *testing.T) { testLocalClientsOverTLS(t, mtls) })
	}
}

func testLocalClientsOverTLS(t *testing.T, mtls bool) {
	dir := t.TempDir()
	// No IP address in it: the local clients dial 127.0.0.1 and must still
	// verify it.
	certPEM, keyPEM := testpki.SelfSigned(t, "kubemedic.test")
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	// The operator's client CA: it signed none of the local clients.
	caPEM, _ := testpki.SelfSigned(t, "operator-client-ca")
	caFile := filepath.Join(dir, "client-ca.crt")
	for p, b := range map[string][]byte{certFile: certPEM, keyFile: keyPEM, caFile: caPEM} {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	yaml := "gateway:\n  tls:\n    cert_file: " + certFile + "\n    key_file: " + keyFile + "\n"
	if mtls {
		yaml += "    client_ca_file: " + caFile + "\n"
	}
	cfgFile := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgFile, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	const secret = "8f742231b10e8888abcd99yyyzzz85a5"
	posted, sinkURL := slackStandIn(t, secret, `{"ok":true,"user":{"id":"U024BE7LH"},"channel":"C1234","ts":"1.2"}`)
	s, cfg := serverWithConfig(t, cfgFile, "KUBEMEDIC_BOT_ADDR", "127.0.0.1:0")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// The CLI's way: the endpoint the server recorded.
	ep, err := localgateway.Read(cfg.LocalGatewayDir())
	if err != nil {
		t.Fatal(err)
	}
	if ep.URL != "https://"+s.GatewayAddr || ep.ServerCert == nil {
		t.Fatalf("local endpoint = %s (certificate %v), want https://%s with the server certificate", ep.URL, ep.ServerCert != nil, s.GatewayAddr)
	}
	if (ep.ClientCert != nil) != mtls {
		t.Fatalf("mTLS %v: local client certificate present %v", mtls, ep.ClientCert != nil)
	}
	if mtls {
		if fi, err := os.Stat(filepath.Join(cfg.LocalGatewayDir(), "client.pem")); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("client.pem: %v, mode %v, want 0600", err, fi.Mode().Perm())
		}
		// Without a client certificate: refused in the handshake.
		bare := ep
		bare.ClientCert = nil
		c, err := client.New(bare.URL, bare.Token, client.WithHTTPClient(bare.HTTPClient()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Knowledge.Ask(ctx, connect.NewRequest(&kubemedicv1.AskRequest{Question: "q"})); connect.CodeOf(err) != connect.CodeUnavailable ||
			!slices.ContainsFunc(testpki.RefusedClientCertificate, func(s string) bool { return strings.Contains(err.Error(), s) }) {
			t.Errorf("client without a certificate under mTLS: %v, want the handshake refused", err)
		}
	}
	for _, grpc := range []bool{false, true} {
		opts := []client.Option{client.WithHTTPClient(ep.HTTPClient())}
		if grpc {
			opts = append(opts, client.WithGRPC())
		}
		c, err := client.New(ep.URL, ep.Token, opts...)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.Knowledge.Ask(ctx, connect.NewRequest(&kubemedicv1.AskRequest{Question: "노드가 NotReady 상태예요"}))
		if err != nil || len(resp.Msg.GetAnswers()) == 0 {
			t.Fatalf("Ask over https (gRPC %v): %v %v", grpc, resp, err)
		}
	}

	// Pinned to another certificate of the same name: no connection.
	otherPEM, _ := testpki.SelfSigned(t, "kubemedic.test")
	block, _ := pem.Decode(otherPEM)
	other, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	wrong := ep
	wrong.ServerCert = other
	c, err := client.New(wrong.URL, wrong.Token, client.WithHTTPClient(wrong.HTTPClient()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Knowledge.Ask(ctx, connect.NewRequest(&kubemedicv1.AskRequest{Question: "q"})); connect.CodeOf(err) != connect.CodeUnavailable || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("client trusting another certificate: %v, want a certificate error", err)
	}

	// The in-process bot: a signed slash command is answered through the
	// gateway, over https.
	body := url.Values{
		"command": {"/k8s"}, "text": {"ask 노드가 NotReady 상태예요"}, "user_id": {"U024BE7LH"},
		"channel_id": {"C1234"}, "team_id": {"T1"}, "response_url": {sinkURL + "/hooks/1"}, "trigger_id": {"1.2.3"},
	}.Encode()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":" + body))
	req, _ := http.NewRequest(http.MethodPost, "http://"+s.BotAddr+"/slack/commands", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("signed command: status %d", resp.StatusCode)
	}
	select {
	case p := <-posted:
		if !strings.Contains(p, "kubelet") {
			t.Errorf("the bot's answer does not come from the knowledge base (gateway over https unreachable?): %.300s", p)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the bot posted no answer")
	}
}

// TestCompressionThreshold checks gateway.compress_min_bytes end to end: a
// few-KiB answer goes out plain by default and gzip-compressed when the
// threshold is 1, to a Connect caller that accepts gzip.
func TestCompressionThreshold(t *testing.T) {
	for _, tt := range []struct {
		name, yaml string
		want       string // Content-Encoding
	}{
		{"default", "", ""},
		{"compress everything", "gateway:\n  compress_min_bytes: 1\n", "gzip"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.yaml != "" {
				path = filepath.Join(t.TempDir(), "config.yaml")
				if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			s, _ := serverWithConfig(t, path)
			req, _ := http.NewRequest(http.MethodPost, "http://"+s.GatewayAddr+"/kubemedic.v1.KnowledgeService/Ask",
				strings.NewReader(`{"question":"노드가 NotReady 상태예요"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept-Encoding", "gzip")
			req.Header.Set("Authorization", "Bearer "+s.Token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK || len(body) < 100 {
				t.Fatalf("status %d, %d bytes", resp.StatusCode, len(body))
			}
			if got := resp.Header.Get("Content-Encoding"); got != tt.want {
				t.Errorf("Content-Encoding %q, want %q", got, tt.want)
			}
		})
	}
}
