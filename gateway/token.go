package gateway

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
)

// API tokens are random 256-bit values, so a single SHA-256 is enough to
// store them: a slow password hash (argon2id, bcrypt) protects guessable
// secrets, costs milliseconds per call, and buys nothing against a value
// with 256 bits of entropy.

const hashPrefix = "sha256:"

// HashToken returns the form a token is stored in, "sha256:<64 hex>".
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hashPrefix + hex.EncodeToString(h[:])
}

// NewToken returns a new random token (43 URL-safe characters) and its hash.
// A token never starts with '-', which command lines would take for a flag
// (`kubemedic token hash -abc…`); one draw in 64 is drawn again.
func NewToken() (token, hash string, err error) {
	raw := make([]byte, 32)
	for token == "" || token[0] == '-' {
		if _, err := rand.Read(raw); err != nil {
			return "", "", err
		}
		token = base64.RawURLEncoding.EncodeToString(raw)
	}
	return token, HashToken(token), nil
}

// parseHash decodes a hash written by HashToken.
func parseHash(s string) ([32]byte, error) {
	var out [32]byte
	hexDigits, ok := strings.CutPrefix(s, hashPrefix)
	if !ok {
		return out, errors.New("token hash must start with \"sha256:\"")
	}
	b, err := hex.DecodeString(hexDigits)
	if err != nil || len(b) != len(out) {
		return out, errors.New("token hash must be \"sha256:\" and 64 hex digits")
	}
	copy(out[:], b)
	return out, nil
}
