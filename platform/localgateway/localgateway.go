// Package localgateway lets client commands find the gateway that a local
// `kubemedic serve` runs. The server records its address and an admin token
// in <data_dir>/gateway/ (token file mode 0600); clients read them, so
// `kubemedic clusters` just works next to a running server.
package localgateway

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"connectrpc.com/connect"

	"github.com/kubemedic/kubemedic/platform/bearer"
)

const (
	addrFile  = "addr"
	tokenFile = "token"
)

// Endpoint is how to reach a local gateway.
type Endpoint struct {
	// URL is the gateway's base URL, e.g. http://127.0.0.1:7070.
	URL string
	// Token is the bearer token to send.
	Token string
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

// WriteAddr records the address the gateway listens on.
func WriteAddr(dir, addr string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	return writeFileAtomic(filepath.Join(dir, addrFile), []byte(addr+"\n"), 0o644)
}

// RemoveAddr removes the address record when the gateway stops.
func RemoveAddr(dir string) { _ = os.Remove(filepath.Join(dir, addrFile)) }

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
	return Endpoint{URL: "http://" + strings.TrimSpace(string(a)), Token: strings.TrimSpace(string(t))}, nil
}

// ClientOptions returns Connect client options that send the token.
func (e Endpoint) ClientOptions() []connect.ClientOption {
	return []connect.ClientOption{connect.WithInterceptors(bearer.Token(e.Token))}
}

// HTTPClient is the client to use with a local gateway.
func (e Endpoint) HTTPClient() *http.Client { return http.DefaultClient }

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
