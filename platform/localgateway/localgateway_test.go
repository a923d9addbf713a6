package localgateway

import (
	"bytes"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
)

// TestEnsureClientCert: the first call creates a client-auth-only
// certificate that signs itself, readable by its owner only; the next call
// returns the same one; a damaged file is replaced, not an error.
func TestEnsureClientCert(t *testing.T) {
	dir := t.TempDir()
	first, err := EnsureClientCert(dir)
	if err != nil {
		t.Fatal(err)
	}
	leaf := first.Leaf
	if leaf == nil || !leaf.IsCA || len(leaf.ExtKeyUsage) != 1 || leaf.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
		t.Fatalf("leaf %+v: want a self-signing client-auth certificate", leaf)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("the certificate does not verify against itself as client CA: %v", err)
	}
	p := filepath.Join(dir, clientFile)
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v (mode %v), want 0600", p, err, fi.Mode().Perm())
	}
	again, err := EnsureClientCert(dir)
	if err != nil || !bytes.Equal(again.Leaf.Raw, leaf.Raw) {
		t.Errorf("second call made a new certificate (%v)", err)
	}
	if err := os.WriteFile(p, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	fresh, err := EnsureClientCert(dir)
	if err != nil || bytes.Equal(fresh.Leaf.Raw, leaf.Raw) {
		t.Errorf("damaged file: %v, want a new certificate", err)
	}
}

// TestReadClientCert: a TLS endpoint carries the client certificate when
// the server keeps one; a damaged one is an error naming the file.
func TestReadClientCert(t *testing.T) {
	dir := t.TempDir()
	if err := WriteAddr(dir, "127.0.0.1:7070", mustCert(t, dir)); err != nil {
		t.Fatal(err)
	}
	if _, err := EnsureToken(dir); err != nil {
		t.Fatal(err)
	}
	ep, err := Read(dir)
	if err != nil || ep.ClientCert != nil {
		t.Fatalf("no client.pem: %v, client certificate %v", err, ep.ClientCert != nil)
	}
	if _, err := EnsureClientCert(dir); err != nil {
		t.Fatal(err)
	}
	if ep, err = Read(dir); err != nil || ep.ClientCert == nil {
		t.Fatalf("with client.pem: %v, client certificate %v", err, ep.ClientCert != nil)
	}
	if err := os.WriteFile(filepath.Join(dir, clientFile), []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(dir); err == nil || !bytes.Contains([]byte(err.Error()), []byte(clientFile)) {
		t.Errorf("damaged client.pem: %v, want an error naming it", err)
	}
}

// mustCert is a certificate's DER to record as the server's (any will do).
func mustCert(t *testing.T, dir string) []byte {
	t.Helper()
	c, err := EnsureClientCert(filepath.Join(dir, "server"))
	if err != nil {
		t.Fatal(err)
	}
	return c.Leaf.Raw
}
