package gateway

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"connectrpc.com/connect"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// Credential is one accepted API bearer token and who it stands for.
type Credential struct {
	// Name identifies the token in logs and audit records.
	Name string
	// Token is the secret bearer token value.
	Token string
	// Identity is who requests made with this token act as.
	Identity *kubemedicv1.Identity
	// Trusted callers (the Slack bot) may name the person they act for in a
	// request's requester/approver field.
	Trusted bool
}

// Caller is the authenticated caller of one request.
type Caller struct {
	Credential
}

type callerKey struct{}

// CallerFrom returns the authenticated caller stored in ctx by the gateway.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// authenticator checks bearer tokens in constant time.
type authenticator struct {
	creds  []Credential
	hashes [][32]byte
}

func newAuthenticator(creds []Credential) (*authenticator, error) {
	a := &authenticator{}
	for _, c := range creds {
		if c.Name == "" {
			return nil, errors.New("gateway: credential without a name")
		}
		if len(c.Token) < 16 {
			return nil, errors.New("gateway: token " + c.Name + " is shorter than 16 characters")
		}
		a.creds = append(a.creds, c)
		a.hashes = append(a.hashes, sha256.Sum256([]byte(c.Token)))
	}
	return a, nil
}

func (a *authenticator) authenticate(header string) (Caller, error) {
	token, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || token == "" {
		return Caller{}, connect.NewError(connect.CodeUnauthenticated, errors.New("missing bearer token: send the header \"authorization: Bearer <token>\" (kubemedic CLI: the local token is in <data_dir>/gateway/token)"))
	}
	h := sha256.Sum256([]byte(token))
	match := -1
	for i := range a.hashes {
		if subtle.ConstantTimeCompare(h[:], a.hashes[i][:]) == 1 {
			match = i
		}
	}
	if match < 0 {
		return Caller{}, connect.NewError(connect.CodeUnauthenticated, errors.New("unknown bearer token"))
	}
	return Caller{Credential: a.creds[match]}, nil
}

// middleware authenticates every request before its body is read or
// decoded, in the shape of connectrpc.com/authn (which the Go module proxy
// does not serve here, so these few lines stand in for it): on failure it
// writes a Connect/gRPC/gRPC-Web error in the caller's protocol; on success
// the caller is in the request context (CallerFrom).
func (a *authenticator) middleware(next http.Handler, opts ...connect.HandlerOption) http.Handler {
	errW := connect.NewErrorWriter(opts...)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		caller, err := a.authenticate(r.Header.Get("Authorization"))
		if err != nil {
			_ = errW.Write(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, caller)))
	})
}
