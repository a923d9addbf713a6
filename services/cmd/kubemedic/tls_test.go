package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testCA signs certificates for the TLS tests.
type testCA struct {
	cert *x509.Certificate
	key  crypto.Signer
}

func newTestCA(t *testing.T) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kubemedic test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return testCA{cert: cert, key: key}
}

// issue writes a certificate for usage signed by the CA and its key to
// dir/name.crt and dir/name.key and returns their paths.
func (ca testCA) issue(t *testing.T, dir, name string, usage x509.ExtKeyUsage) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	writeFile(t, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	writeFile(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}))
	return certFile, keyFile
}

func (ca testCA) write(t *testing.T, path string) {
	t.Helper()
	writeFile(t, path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw}))
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestGatewayOverMTLS runs `kubemedic serve` with TLS and a client CA
// (mTLS): status and clusters reach it with --server https://…, --ca-file
// and a client certificate the CA signed, and the local way (the data dir's
// address, certificate and local client certificate); a caller without a
// client certificate or trusting another CA is refused, and wrong flag
// combinations are named.
func TestGatewayOverMTLS(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t)
	caFile := filepath.Join(dir, "ca.crt")
	ca.write(t, caFile)
	serverCert, serverKey := ca.issue(t, dir, "gateway", x509.ExtKeyUsageServerAuth)
	clientCert, clientKey := ca.issue(t, dir, "platform-client", x509.ExtKeyUsageClientAuth)
	cfgFile := filepath.Join(dir, "kubemedic.yaml")
	writeFile(t, cfgFile, []byte("gateway:\n  tls:\n    cert_file: "+serverCert+"\n    key_file: "+serverKey+"\n    client_ca_file: "+caFile+"\n"))
	dataDir := filepath.Join(dir, "data")
	s := serveForTest(t, cfgFile, dataDir)

	remote := []string{"--server", "https://" + s.GatewayAddr, "--token", s.Token}
	withCerts := append([]string{"--ca-file", caFile, "--client-cert", clientCert, "--client-key", clientKey}, remote...)
	out, _, err := run(t, newStatusCommand, "", withCerts...)
	if err != nil || !strings.Contains(out, "SERVING") {
		t.Fatalf("status over mTLS: %v\n%s", err, out)
	}
	if _, _, err := run(t, newClustersCommand, "", append([]string{"--json"}, withCerts...)...); err != nil {
		t.Errorf("clusters over mTLS: %v", err)
	}
	// The local way: address, server certificate and local client
	// certificate from the data dir.
	if _, _, err := run(t, newClustersCommand, "", "--data-dir", dataDir); err != nil {
		t.Errorf("clusters against the local mTLS server: %v", err)
	}

	tests := []struct {
		name string
		args []string
		want []string // any of these in the error
	}{
		// TLS 1.3 reports a missing client certificate after the client's first
		// write: as the server's alert or, when its close wins, a dead connection.
		{"no client certificate", append([]string{"--ca-file", caFile}, remote...), []string{"certificate required", "reset by peer", "broken pipe", "EOF"}},
		{"gateway's CA not trusted", append([]string{"--client-cert", clientCert, "--client-key", clientKey}, remote...), []string{"unknown authority"}},
		{"certificate without key", append([]string{"--ca-file", caFile, "--client-cert", clientCert}, remote...), []string{"--client-cert and --client-key go together"}},
		{"CA file without a certificate", append([]string{"--ca-file", serverKey}, remote...), []string{"no PEM certificate"}},
		{"CA file with plain http", []string{"--server", "http://" + s.GatewayAddr, "--token", s.Token, "--ca-file", caFile}, []string{"need an https:// --server"}},
		{"certificates without --server", []string{"--data-dir", dataDir, "--ca-file", caFile}, []string{"go with --server"}},
	}
	for _, tt := range tests {
		_, _, err := run(t, newStatusCommand, "", tt.args...)
		if err == nil || !containsAny(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error with one of %q", tt.name, err, tt.want)
		}
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
