// Package localgateway lets client commands find the gateway that a local
// `kubemedic serve` runs. The server records its address and an admin token
// in <data_dir>/gateway/ (token file mode 0600), and, when it serves TLS,
// its certificate (cert.pem); clients read them, so `kubemedic clusters`
// just works next to a running server, over https when the gateway has TLS
// on, trusting exactly the certificate the server recorded.
package localgateway

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"connectrpc.com/connect"

	"github.com/kubemedic/kubemedic/platform/bearer"
)

const (
	addrFile  = "addr"
	tokenFile = "token"
	certFile  = "cert.pem"
)

// Endpoint is how to reach a local gateway.
type Endpoint struct {
	// URL is the gateway's base URL, e.g. http://127.0.0.1:7070, or
	// https://… when the gateway serves TLS.
	URL string
	// Token is the bearer token to send.
	Token string
	// ServerCert is the certificate a TLS gateway presents; the client
	// trusts exactly it (see HTTPClient). Nil for a plain HTTP/2 gateway.
	ServerCert *x509.Certificate
}

// EnsureToken returns the admin token in dir, creating a new random one the
// first time. The file is readable only by its owner.
func EnsureToken(dir string) (string, error) {
	p := filepath.Join(dir, tokenFile)
	if b, err := os.ReadFile(p); err == nil {
		if t := strings.TrimSpace(string(b)); len(t) >= 32 {
			return t, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("reading local gateway token: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("creating %s: %w", dir, err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	t := base64.RawURLEncoding.EncodeToString(raw)
	if err := writeFileAtomic(p, []byte(t+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("writing local gateway token: %w", err)
	}
	return t, nil
}

// WriteAddr records the address the gateway listens on and, when it serves
// TLS, its certificate (DER; nil for plain HTTP/2).
func WriteAddr(dir, addr string, serverCert []byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	cp := filepath.Join(dir, certFile)
	if serverCert == nil {
		if err := os.Remove(cp); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing the old gateway certificate: %w", err)
		}
	} else if err := writeFileAtomic(cp, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: serverCert}), 0o644); err != nil {
		return fmt.Errorf("writing the gateway certificate: %w", err)
	}
	return writeFileAtomic(filepath.Join(dir, addrFile), []byte(addr+"\n"), 0o644)
}

// RemoveAddr removes the address record when the gateway stops.
func RemoveAddr(dir string) {
	_ = os.Remove(filepath.Join(dir, addrFile))
	_ = os.Remove(filepath.Join(dir, certFile))
}

// Read finds the local gateway recorded in dir.
func Read(dir string) (Endpoint, error) {
	a, err := os.ReadFile(filepath.Join(dir, addrFile))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Endpoint{}, fmt.Errorf("no running kubemedic server found in %s: start one with `kubemedic serve` (or pass --server and --token)", dir)
		}
		return Endpoint{}, err
	}
	t, err := os.ReadFile(filepath.Join(dir, tokenFile))
	if err != nil {
		return Endpoint{}, fmt.Errorf("reading the local gateway token: %w", err)
	}
	ep := Endpoint{URL: "http://" + strings.TrimSpace(string(a)), Token: strings.TrimSpace(string(t))}
	c, err := os.ReadFile(filepath.Join(dir, certFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return ep, nil
	case err != nil:
		return Endpoint{}, fmt.Errorf("reading the local gateway certificate: %w", err)
	}
	block, _ := pem.Decode(c)
	if block == nil {
		return Endpoint{}, fmt.Errorf("%s holds no PEM certificate", filepath.Join(dir, certFile))
	}
	if ep.ServerCert, err = x509.ParseCertificate(block.Bytes); err != nil {
		return Endpoint{}, fmt.Errorf("parsing %s: %w", filepath.Join(dir, certFile), err)
	}
	ep.URL = "https://" + strings.TrimSpace(string(a))
	return ep, nil
}

// ClientOptions returns Connect client options that send the token.
func (e Endpoint) ClientOptions() []connect.ClientOption {
	return []connect.ClientOption{connect.WithInterceptors(bearer.Token(e.Token))}
}

// HTTPClient is the client to use with a local gateway: for a TLS gateway
// one that trusts exactly ServerCert (by its own name, so dialling the
// loopback address works whatever names the certificate carries), speaking
// HTTP/2 (gRPC) or HTTP/1.1.
func (e Endpoint) HTTPClient() *http.Client {
	if e.ServerCert == nil {
		return http.DefaultClient
	}
	roots := x509.NewCertPool()
	roots.AddCert(e.ServerCert)
	cfg := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	if u, err := url.Parse(e.URL); err == nil && e.ServerCert.VerifyHostname(u.Hostname()) != nil {
		cfg.ServerName = certName(e.ServerCert)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = cfg
	t.ForceAttemptHTTP2 = true
	return &http.Client{Transport: t}
}

// certName is a name cert is valid for.
func certName(cert *x509.Certificate) string {
	switch {
	case len(cert.DNSNames) > 0:
		return cert.DNSNames[0]
	case len(cert.IPAddresses) > 0:
		return cert.IPAddresses[0].String()
	}
	return cert.Subject.CommonName
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
