package gateway

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	"golang.org/x/time/rate"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/types/known/durationpb"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// Credential is one accepted API bearer token and what it may do.
type Credential struct {
	// Name identifies the token in logs and audit records. Required,
	// unique.
	Name string
	// Hash is the token's stored form, "sha256:<64 hex>" (HashToken).
	// Required unless Token is set.
	Hash string
	// Token is the token value itself; the gateway keeps only its hash.
	// Required unless Hash is set.
	Token string
	// Scopes the token holds (see ScopeOf for what each RPC needs).
	// Required: a token without scopes can call nothing.
	Scopes []Scope
	// Clusters the token may read and act on; "*" means every cluster.
	// Required.
	Clusters []string
	// Rate limits the token's calls per second; 0 or less means unlimited.
	// Default: unlimited.
	Rate float64
	// Burst is how many calls may go at once above Rate. Default: Rate
	// rounded up (at least 1).
	Burst int
	// Identity is who requests made with this token act as. Default: none
	// (the token can then not change clusters).
	Identity *kubemedicv1.Identity
	// Trusted callers (the Slack bot) may name the person they act for in a
	// request's requester/approver field. Default: false.
	Trusted bool
}

// Caller is the authenticated caller of one request.
type Caller struct {
	// Name, Scopes, Identity and Trusted are the credential's.
	Name     string
	Scopes   []Scope
	Identity *kubemedicv1.Identity
	Trusted  bool
	// Clusters is nil when the token may use every cluster.
	Clusters []string
}

// AllowsCluster reports whether the caller may read and act on cluster.
func (c Caller) AllowsCluster(cluster string) bool {
	return c.Clusters == nil || slices.Contains(c.Clusters, cluster)
}

type callerKey struct{}

// CallerFrom returns the authenticated caller stored in ctx by the gateway.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// key is one accepted token: its hash, who it is, and its rate limiter.
type key struct {
	hash    [32]byte
	caller  Caller
	limiter *rate.Limiter // nil: unlimited
}

// authenticator checks bearer tokens against their hashes in constant time.
type authenticator struct {
	keys []key
}

func newAuthenticator(creds []Credential) (*authenticator, error) {
	a := &authenticator{}
	names := map[string]bool{}
	for _, c := range creds {
		k, err := newKey(c)
		if err != nil {
			return nil, err
		}
		if names[c.Name] {
			return nil, fmt.Errorf("gateway: credential %s is configured twice", c.Name)
		}
		names[c.Name] = true
		a.keys = append(a.keys, k)
	}
	return a, nil
}

func newKey(c Credential) (key, error) {
	k := key{caller: Caller{Name: c.Name, Scopes: c.Scopes, Identity: c.Identity, Trusted: c.Trusted}}
	switch {
	case c.Name == "":
		return k, errors.New("gateway: credential without a name")
	case c.Token != "" && c.Hash != "":
		return k, fmt.Errorf("gateway: credential %s: set Token or Hash, not both", c.Name)
	case c.Token != "":
		if len(c.Token) < 16 {
			return k, fmt.Errorf("gateway: token %s is shorter than 16 characters", c.Name)
		}
		k.hash = sha256.Sum256([]byte(c.Token))
	default:
		h, err := parseHash(c.Hash)
		if err != nil {
			return k, fmt.Errorf("gateway: credential %s: %w", c.Name, err)
		}
		k.hash = h
	}
	if len(c.Scopes) == 0 {
		return k, fmt.Errorf("gateway: credential %s has no scopes", c.Name)
	}
	for _, s := range c.Scopes {
		if !slices.Contains(AllScopes, s) {
			return k, fmt.Errorf("gateway: credential %s: unknown scope %q", c.Name, s)
		}
	}
	if len(c.Clusters) == 0 {
		return k, fmt.Errorf("gateway: credential %s lists no clusters (\"*\" means every cluster)", c.Name)
	}
	if !slices.Contains(c.Clusters, "*") {
		k.caller.Clusters = slices.Clone(c.Clusters)
	}
	if c.Rate > 0 {
		burst := c.Burst
		if burst <= 0 {
			burst = max(1, int(math.Ceil(c.Rate)))
		}
		k.limiter = rate.NewLimiter(rate.Limit(c.Rate), burst)
	}
	return k, nil
}

// authenticate finds the key of the bearer token in header. Every key is
// compared, so the time taken does not tell which one matched.
func (a *authenticator) authenticate(header string) (*key, error) {
	token, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || token == "" {
		return nil, connect.NewError(connect.CodeUnauthenticated, errors.New("인증 토큰이 없습니다: \"authorization: Bearer <token>\" 헤더를 보내세요 (kubemedic CLI의 로컬 토큰은 <data_dir>/gateway/token). / missing bearer token: send the header \"authorization: Bearer <token>\" (kubemedic CLI: the local token is in <data_dir>/gateway/token)"))
	}
	h := sha256.Sum256([]byte(token))
	match := -1
	for i := range a.keys {
		if subtle.ConstantTimeCompare(h[:], a.keys[i].hash[:]) == 1 {
			match = i
		}
	}
	if match < 0 {
		return nil, connect.NewError(connect.CodeUnauthenticated, errors.New("알 수 없는 토큰입니다. / unknown bearer token"))
	}
	return &a.keys[match], nil
}

// allow spends one call of k's rate, or says how long to wait.
func (k *key) allow(now time.Time) error {
	if k.limiter == nil {
		return nil
	}
	r := k.limiter.ReserveN(now, 1)
	d := r.DelayFrom(now)
	if d == 0 {
		return nil
	}
	r.CancelAt(now)
	secs := max(1, int(math.Ceil(d.Seconds())))
	err := connect.NewError(connect.CodeResourceExhausted, fmt.Errorf("토큰 %s의 호출 한도(초당 %g회)를 넘었습니다. %d초 뒤에 다시 시도하세요. / token %s exceeded its rate limit of %g calls per second: retry in %s", k.caller.Name, float64(k.limiter.Limit()), secs, k.caller.Name, float64(k.limiter.Limit()), d.Round(time.Millisecond)))
	err.Meta().Set("Retry-After", strconv.Itoa(secs))
	if detail, derr := connect.NewErrorDetail(&errdetails.RetryInfo{RetryDelay: durationpb.New(d)}); derr == nil {
		err.AddDetail(detail)
	}
	return err
}

// middleware authenticates, rate-limits and authorizes every request
// before its body is read or decoded, in the shape of connectrpc.com/authn
// (which the Go module proxy does not serve here, so these few lines stand
// in for it): on failure it writes a Connect/gRPC/gRPC-Web error in the
// caller's protocol; on success the caller is in the request context
// (CallerFrom). need is the scope the procedure requires.
func (a *authenticator) middleware(next http.Handler, procedure string, need Scope, opts ...connect.HandlerOption) http.Handler {
	errW := connect.NewErrorWriter(opts...)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k, err := a.authenticate(r.Header.Get("Authorization"))
		if err == nil {
			err = k.allow(time.Now())
		}
		if err == nil {
			err = checkScope(k.caller, procedure, need)
		}
		if err != nil {
			_ = errW.Write(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, k.caller)))
	})
}
