// Package localgateway lets client commands find the gateway that a local
// `kubemedic serve` runs. The server records its address and an admin token
// in <data_dir>/gateway/ (token file mode 0600), and, when it serves TLS,
// its certificate (cert.pem); clients read them, so `kubemedic clusters`
// just works next to a running server, over https when the gateway has TLS
// on, trusting exactly the certificate the server recorded.
//
// When the gateway requires client certificates (mTLS), the server also
// keeps a local client certificate (client.pem: a self-signed ECDSA
// certificate and its key, mode 0600, see EnsureClientCert) and trusts it
// next to the configured client CA. It is worth what the admin token beside
// it is worth: whoever can read one can read the other.
package localgateway

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"connectrpc.com/connect"

	"github.com/kubemedic/kubemedic/platform/bearer"
)

const (
	addrFile  = "addr"
	tokenFile = "token"
	certFile  = "cert.pem"
	// clientFile holds the local client certificate and its key.
	clientFile = "client.pem"
	// clientCertLifetime is how long a local client certificate is valid;
	// one with less than clientCertRenewal left is replaced at start.
	clientCertLifetime = 365 * 24 * time.Hour
	clientCertRenewal  = 30 * 24 * time.Hour
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
	// RootCAs, when ServerCert is nil, verify a gateway's certificate
	// (e.g. a private CA given to the CLI with --ca-file). Nil: the
	// system's roots.
	RootCAs *x509.CertPool
	// ClientCert is the client certificate HTTPClient presents to a
	// gateway that requires one: the local one (see EnsureClientCert) or
	// one given with --client-cert. Nil: none.
	ClientCert *tls.Certificate
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

// EnsureClientCert returns the local client certificate kept in dir,
// creating a new self-signed one (ECDSA P-256, client authentication only,
// valid for a year) when there is none, it cannot be read, or it expires
// within 30 days. The server adds its Leaf to the gateway's client CAs; the
// file is readable only by its owner.
func EnsureClientCert(dir string) (tls.Certificate, error) {
	p := filepath.Join(dir, clientFile)
	if c, err := tls.LoadX509KeyPair(p, p); err == nil && time.Until(c.Leaf.NotAfter) > clientCertRenewal {
		return c, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return tls.Certificate{}, fmt.Errorf("creating %s: %w", dir, err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "kubemedic local client"},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(clientCertLifetime),
		// It signs only itself: a CA in the client pool must be one.
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("creating the local client certificate: %w", err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, err
	}
	data := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})...)
	if err := writeFileAtomic(p, data, 0o600); err != nil {
		return tls.Certificate{}, fmt.Errorf("writing the local client certificate: %w", err)
	}
	return tls.X509KeyPair(data, data)
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
	cp := filepath.Join(dir, clientFile)
	switch cc, err := tls.LoadX509KeyPair(cp, cp); {
	case err == nil:
		ep.ClientCert = &cc
	case !errors.Is(err, fs.ErrNotExist):
		return Endpoint{}, fmt.Errorf("reading the local client certificate %s: %w", cp, err)
	}
	return ep, nil
}

// ClientOptions returns Connect client options that send the token.
func (e Endpoint) ClientOptions() []connect.ClientOption {
	return []connect.ClientOption{connect.WithInterceptors(bearer.Token(e.Token))}
}

// HTTPClient is the client to use with the gateway: for a local TLS gateway
// one that trusts exactly ServerCert (by its own name, so dialling the
// loopback address works whatever names the certificate carries), else one
// that trusts RootCAs (or the system's roots); presenting ClientCert when
// set; speaking HTTP/2 (gRPC) or HTTP/1.1.
func (e Endpoint) HTTPClient() *http.Client {
	if e.ServerCert == nil && e.RootCAs == nil && e.ClientCert == nil {
		return http.DefaultClient
	}
	cfg := &tls.Config{RootCAs: e.RootCAs, MinVersion: tls.VersionTLS12}
	if e.ServerCert != nil {
		cfg.RootCAs = x509.NewCertPool()
		cfg.RootCAs.AddCert(e.ServerCert)
		if u, err := url.Parse(e.URL); err == nil && e.ServerCert.VerifyHostname(u.Hostname()) != nil {
			cfg.ServerName = certName(e.ServerCert)
		}
	}
	if e.ClientCert != nil {
		cfg.Certificates = []tls.Certificate{*e.ClientCert}
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
