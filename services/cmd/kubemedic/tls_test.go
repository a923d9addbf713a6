package main

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubemedic/kubemedic/platform/testpki"
)

// writePEMs writes cert and key to dir/name.crt and dir/name.key and
// returns their paths.
func writePEMs(t *testing.T, dir, name string, cert, key []byte) (certFile, keyFile string) {
	t.Helper()
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	writeFile(t, certFile, cert)
	writeFile(t, keyFile, key)
	return certFile, keyFile
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
	ca := testpki.NewAuthority(t, "kubemedic test CA")
	caFile := filepath.Join(dir, "ca.crt")
	writeFile(t, caFile, ca.PEM)
	cert, key := ca.Issue(t, "gateway", x509.ExtKeyUsageServerAuth)
	serverCert, serverKey := writePEMs(t, dir, "gateway", cert, key)
	cert, key = ca.Issue(t, "platform-client", x509.ExtKeyUsageClientAuth)
	clientCert, clientKey := writePEMs(t, dir, "platform-client", cert, key)
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
		{"no client certificate", append([]string{"--ca-file", caFile}, remote...), testpki.RefusedClientCertificate},
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
