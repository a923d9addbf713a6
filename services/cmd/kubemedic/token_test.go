package main

import (
	"crypto/sha256"
	"encoding/hex"
	"github.com/kubemedic/kubemedic/gateway"
	"strings"
	"testing"
)

func TestTokenNewAndHash(t *testing.T) {
	out, _, err := run(t, newTokenCommand, "", "new")
	if err != nil {
		t.Fatal(err)
	}
	var token, hash string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		k, v, _ := strings.Cut(line, ":")
		switch k {
		case "token":
			token = strings.TrimSpace(v)
		case "hash":
			hash = strings.TrimSpace(v)
		}
	}
	sum := sha256.Sum256([]byte(token))
	if len(token) != 43 || hash != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Fatalf("token new printed %q", out)
	}
	other, _, _ := run(t, newTokenCommand, "", "new")
	if other == out {
		t.Error("two new tokens are the same")
	}
	for _, args := range [][]string{{"hash", token}, {"hash"}} {
		got, _, err := run(t, newTokenCommand, token+"\n", args...)
		if err != nil || strings.TrimSpace(got) != hash {
			t.Errorf("token %v: %q %v, want %s", args, got, err, hash)
		}
	}
	// A token that begins with '-' hashes after "--"; without it the error
	// says so. New tokens never begin with it.
	const dashed = "-wBrLZxupZvLR6MBhLIF_ismCSTaRUzb4-7jc3wMBw8"
	if got, _, err := run(t, newTokenCommand, "", "hash", "--", dashed); err != nil || strings.TrimSpace(got) != gateway.HashToken(dashed) {
		t.Errorf("token hash -- %s: %q %v", dashed, got, err)
	}
	if _, _, err := run(t, newTokenCommand, "", "hash", dashed); err == nil || !strings.Contains(err.Error(), "kubemedic token hash -- TOKEN") {
		t.Errorf("token hash %s: %v, want the hint to use --", dashed, err)
	}
	for range 500 {
		if tok, _, err := gateway.NewToken(); err != nil || tok[0] == '-' || len(tok) != 43 {
			t.Fatalf("NewToken() = %q, %v: want 43 characters, not starting with '-'", tok, err)
		}
	}
	if _, _, err := run(t, newTokenCommand, "", "hash", "short"); err == nil || !strings.Contains(err.Error(), "16") {
		t.Errorf("short token: %v", err)
	}
	if _, _, err := run(t, newTokenCommand, "", "hash"); err == nil || !strings.Contains(err.Error(), "stdin") {
		t.Errorf("no token: %v", err)
	}
}
