// Package client connects Go programs to a kubemedic gateway. New returns
// the generated Connect clients of the four public services (Knowledge,
// Diagnosis, Remediation, Fleet), all sending the API token as a bearer
// token and bounding each call with a default timeout when the caller's
// context has none. It depends on connect and protobuf only (no Kubernetes
// modules), so any platform can import it.
//
// The protocol is Connect (binary protobuf over HTTP/1.1 or HTTP/2) by
// default; WithGRPC speaks gRPC (HTTP/2, also over plain http:// URLs) and
// WithJSON Connect with JSON payloads. Errors are *connect.Error values:
// connect.CodeOf(err) gives the code (PermissionDenied names the missing
// scope; ResourceExhausted carries a Retry-After hint in err.Meta()).
package client

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"connectrpc.com/connect"

	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

// Client holds typed clients of every kubemedic service.
type Client struct {
	Knowledge   kubemedicv1connect.KnowledgeServiceClient
	Diagnosis   kubemedicv1connect.DiagnosisServiceClient
	Remediation kubemedicv1connect.RemediationServiceClient
	Fleet       kubemedicv1connect.FleetServiceClient
}

// Option configures New.
type Option func(*options)

type options struct {
	httpClient *http.Client
	tls        *tls.Config
	timeout    time.Duration
	protocol   []connect.ClientOption
	grpc       bool
	extra      []connect.ClientOption
}

// WithHTTPClient uses c for every call (its transport decides HTTP
// versions and TLS; WithTLS is then ignored). Default: a client of its own
// with HTTP/2 over TLS, and h2c for http:// URLs with WithGRPC.
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.httpClient = c } }

// WithTLS sets the TLS configuration, e.g. a client certificate for a
// gateway that requires mTLS, or private root CAs. Default: system roots.
func WithTLS(c *tls.Config) Option { return func(o *options) { o.tls = c } }

// WithTimeout bounds each call whose context has no deadline. Default: 30s.
// Zero or less: no bound.
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithGRPC speaks gRPC instead of Connect.
func WithGRPC() Option {
	return func(o *options) { o.grpc = true; o.protocol = []connect.ClientOption{connect.WithGRPC()} }
}

// WithJSON sends Connect with JSON payloads (easy to read in proxies).
func WithJSON() Option {
	return func(o *options) { o.grpc = false; o.protocol = []connect.ClientOption{connect.WithProtoJSON()} }
}

// WithClientOptions adds Connect client options (interceptors, compression).
func WithClientOptions(opts ...connect.ClientOption) Option {
	return func(o *options) { o.extra = append(o.extra, opts...) }
}

// New returns clients of the gateway at baseURL (e.g.
// "https://kubemedic.example:7070") that authenticate with token.
func New(baseURL, token string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("client: base URL " + baseURL + " is not an http:// or https:// URL")
	}
	if token == "" {
		return nil, errors.New("client: an API token is required")
	}
	o := options{timeout: 30 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	hc := o.httpClient
	if hc == nil {
		hc = &http.Client{Transport: transport(o.tls, o.grpc && u.Scheme == "http")}
	}
	copts := append([]connect.ClientOption{connect.WithInterceptors(interceptor{token: token, timeout: o.timeout})}, o.protocol...)
	copts = append(copts, o.extra...)
	base := strings.TrimRight(baseURL, "/")
	return &Client{
		Knowledge:   kubemedicv1connect.NewKnowledgeServiceClient(hc, base, copts...),
		Diagnosis:   kubemedicv1connect.NewDiagnosisServiceClient(hc, base, copts...),
		Remediation: kubemedicv1connect.NewRemediationServiceClient(hc, base, copts...),
		Fleet:       kubemedicv1connect.NewFleetServiceClient(hc, base, copts...),
	}, nil
}

func transport(tlsConfig *tls.Config, h2c bool) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = tlsConfig
	t.ForceAttemptHTTP2 = true
	t.MaxIdleConnsPerHost = 16
	protocols := new(http.Protocols)
	protocols.SetHTTP2(true)
	if h2c {
		protocols.SetUnencryptedHTTP2(true) // gRPC needs HTTP/2; http:// means h2c
	} else {
		protocols.SetHTTP1(true)
	}
	t.Protocols = protocols
	return t
}

// interceptor sends the bearer token and applies the default timeout.
type interceptor struct {
	token   string
	timeout time.Duration
}

func (i interceptor) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok || i.timeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, i.timeout)
}

func (i interceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		req.Header().Set("Authorization", "Bearer "+i.token)
		ctx, cancel := i.bound(ctx)
		defer cancel()
		return next(ctx, req)
	}
}

// WrapStreamingClient sends the token; a stream runs as long as its
// context (streams such as WatchFindings are meant to stay open).
func (i interceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		conn := next(ctx, spec)
		conn.RequestHeader().Set("Authorization", "Bearer "+i.token)
		return conn
	}
}

func (i interceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}
