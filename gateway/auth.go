package gateway

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
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

// interceptor authenticates every kubemedic.v1 call. Health and reflection
// are served outside it.
func (a *authenticator) interceptor() connect.Interceptor { return authInterceptor{a} }

type authInterceptor struct{ a *authenticator }

func (i authInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if req.Spec().IsClient {
			return next(ctx, req)
		}
		caller, err := i.a.authenticate(req.Header().Get("Authorization"))
		if err != nil {
			return nil, err
		}
		return next(context.WithValue(ctx, callerKey{}, caller), req)
	}
}

func (i authInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (i authInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		caller, err := i.a.authenticate(conn.RequestHeader().Get("Authorization"))
		if err != nil {
			return err
		}
		return next(context.WithValue(ctx, callerKey{}, caller), conn)
	}
}

// actingIdentity returns who a request acts as: the named person when the
// caller is trusted and named one, otherwise the caller's own identity.
func actingIdentity(ctx context.Context, named *kubemedicv1.Identity) (*kubemedicv1.Identity, error) {
	caller, ok := CallerFrom(ctx)
	if !ok {
		return nil, connect.NewError(connect.CodeUnauthenticated, errors.New("no authenticated caller"))
	}
	if caller.Trusted && named != nil && named.GetKubernetesUser() != "" {
		return named, nil
	}
	id := &kubemedicv1.Identity{TokenName: caller.Name}
	if caller.Identity != nil {
		id.KubernetesUser = caller.Identity.GetKubernetesUser()
		id.KubernetesGroups = caller.Identity.GetKubernetesGroups()
		id.DisplayName = caller.Identity.GetDisplayName()
	}
	if id.KubernetesUser == "" {
		return nil, connect.NewError(connect.CodePermissionDenied, errors.New("token "+caller.Name+" has no Kubernetes identity configured (gateway.tokens[].kubernetes_user), so it cannot change clusters"))
	}
	return id, nil
}
