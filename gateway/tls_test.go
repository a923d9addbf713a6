package gateway_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	"github.com/kubemedic/kubemedic/gateway"
	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/testpki"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMutualTLS serves with gateway.tls from files (as the config names
// them) and requires client certificates from one CA: a grpc-go client and
// a Connect client with such a certificate get through, one without or
// with another CA's certificate does not get a connection.
func TestMutualTLS(t *testing.T) {
	dir := t.TempDir()
	ca, other := testpki.NewAuthority(t, "kubemedic test CA"), testpki.NewAuthority(t, "someone else")
	srvCert, srvKey := ca.Issue(t, "gateway", x509.ExtKeyUsageServerAuth)
	cliCert, cliKey := ca.Issue(t, "portal", x509.ExtKeyUsageClientAuth)
	badCert, badKey := other.Issue(t, "intruder", x509.ExtKeyUsageClientAuth)
	tlsConfig, err := gateway.TLSConfig(config.TLS{
		CertFile:     writeFile(t, dir, "tls.crt", srvCert),
		KeyFile:      writeFile(t, dir, "tls.key", srvKey),
		ClientCAFile: writeFile(t, dir, "ca.crt", ca.PEM),
	})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, func(o *gateway.Options) { o.TLS = tlsConfig })

	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.PEM)
	clientTLS := func(certPEM, keyPEM []byte) *tls.Config {
		c := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
		if certPEM != nil {
			pair, err := tls.X509KeyPair(certPEM, keyPEM)
			if err != nil {
				t.Fatal(err)
			}
			c.Certificates = []tls.Certificate{pair}
		}
		return c
	}
	ask := func(c *tls.Config) error {
		cc, err := grpc.NewClient(f.addr, grpc.WithTransportCredentials(credentials.NewTLS(c)))
		if err != nil {
			t.Fatal(err)
		}
		defer cc.Close()
		ctx, cancel := context.WithTimeout(bearer(context.Background(), aliceToken), 5*time.Second)
		defer cancel()
		_, err = kubemedicv1.NewKnowledgeServiceClient(cc).Ask(ctx, &kubemedicv1.AskRequest{Question: "mtls"})
		return err
	}
	if err := ask(clientTLS(cliCert, cliKey)); err != nil {
		t.Errorf("grpc-go with a client certificate: %v", err)
	}
	for name, c := range map[string]*tls.Config{"no client certificate": clientTLS(nil, nil), "another CA's certificate": clientTLS(badCert, badKey)} {
		if err := ask(c); status.Code(err) != codes.Unavailable {
			t.Errorf("grpc-go with %s: %v, want Unavailable (no connection)", name, err)
		}
	}
	// Connect over HTTPS (HTTP/2 negotiated by ALPN) with the certificate.
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: clientTLS(cliCert, cliKey), ForceAttemptHTTP2: true}}
	kc := kubemedicv1connect.NewKnowledgeServiceClient(hc, "https://"+f.addr, connect.WithInterceptors(tokenInterceptor(aliceToken)))
	resp, err := kc.Ask(context.Background(), connect.NewRequest(&kubemedicv1.AskRequest{Question: "https"}))
	if err != nil || resp.Msg.GetAnswers()[0].GetEntryId() != "echo:https" {
		t.Errorf("Connect over mTLS: %v %v", resp, err)
	}
	if n := f.asks.Load(); n != 2 {
		t.Errorf("%d calls reached the service, want 2", n)
	}
}

func tokenInterceptor(token string) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			req.Header().Set("Authorization", "Bearer "+token)
			return next(ctx, req)
		}
	}
}

// TestCORS checks the preflight a browser sends before a gRPC-Web call,
// for an allowed and a foreign origin.
func TestCORS(t *testing.T) {
	f := newFixture(t, func(o *gateway.Options) { o.CORSOrigins = []string{"https://portal.example"} })
	preflight := func(origin string) *http.Response {
		req, err := http.NewRequest(http.MethodOptions, "http://"+f.addr+kubemedicv1connect.KnowledgeServiceAskProcedure, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type,grpc-timeout,x-grpc-web,x-user-agent") // sorted, as browsers send it
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	ok := preflight("https://portal.example")
	if ok.Header.Get("Access-Control-Allow-Origin") != "https://portal.example" || ok.Header.Get("Access-Control-Max-Age") != "7200" {
		t.Errorf("allowed origin: HTTP %d %v", ok.StatusCode, ok.Header)
	}
	if h := ok.Header.Get("Access-Control-Allow-Headers"); h == "" {
		t.Errorf("allowed origin: no allowed headers: %v", ok.Header)
	}
	if foreign := preflight("https://evil.example"); foreign.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("foreign origin allowed: %v", foreign.Header)
	}
	// The real call from the allowed origin exposes the gRPC status headers.
	code, hdr, _ := postJSONOrigin(t, f.addr, "https://portal.example", teamAToken)
	if code != http.StatusForbidden || hdr.Get("Access-Control-Allow-Origin") != "https://portal.example" {
		t.Errorf("call from the allowed origin: HTTP %d %v", code, hdr)
	}
}

func postJSONOrigin(t *testing.T, addr, origin, token string) (int, http.Header, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+kubemedicv1connect.KnowledgeServiceAskProcedure, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", origin)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header, nil
}
