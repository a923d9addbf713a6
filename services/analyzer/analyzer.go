// Package analyzer is the kubemedic service that answers questions from the
// knowledge base and (in later releases) turns collected cluster state into
// findings. It serves its API over NATS (see platform/natsrpc); run several
// replicas and they share the work through a queue group.
package analyzer

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/micro"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/launch"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
	"github.com/kubemedic/kubemedic/services/knowledge"
)

// ServiceName is the NATS micro service name.
const ServiceName = "kubemedic-analyzer"

// Options configures the analyzer.
type Options struct {
	// Knowledge is the loaded knowledge base. Required.
	Knowledge *knowledge.Base
	// Clusters are the configured clusters, for provider-aware answers.
	Clusters []config.Cluster
	// Timeout bounds one request. Default 10s.
	Timeout time.Duration
	// Logger is required.
	Logger *slog.Logger
	// AskLog, when set, keeps a record of every question (services/asklog).
	// Default: nil, nothing is recorded.
	AskLog AskRecorder
}

// AskRecorder records an answered question; it must not block.
type AskRecorder interface {
	RecordAsk(ctx context.Context, cluster string, res knowledge.Result) string
}

// Analyzer is the analyzer service.
type Analyzer struct {
	opts Options
	kn   *knowledgeService
}

// New validates the options.
func New(o Options) (*Analyzer, error) {
	if o.Knowledge == nil {
		return nil, errors.New("analyzer: Options.Knowledge is required")
	}
	if o.Logger == nil {
		return nil, errors.New("analyzer: Options.Logger is required")
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	providers := map[string]string{}
	for _, c := range o.Clusters {
		providers[c.Name] = c.Provider
	}
	return &Analyzer{opts: o, kn: &knowledgeService{kb: o.Knowledge, providers: providers, asks: o.AskLog}}, nil
}

// Endpoints are the RPCs the analyzer serves.
func (a *Analyzer) Endpoints() []natsrpc.Endpoint {
	const svc = "KnowledgeService"
	log, t := a.opts.Logger, a.opts.Timeout
	return []natsrpc.Endpoint{
		natsrpc.Unary(svc, "Ask", log, t, a.kn.ask),
		natsrpc.Unary(svc, "GetEntry", log, t, a.kn.getEntry),
		natsrpc.Unary(svc, "ListEntries", log, t, a.kn.listEntries),
	}
}

// Serve registers the analyzer on conn.
func (a *Analyzer) Serve(conn *natsrpc.Conn) (micro.Service, error) {
	return natsrpc.Serve(conn.Conn, natsrpc.ServiceConfig{
		Name:        ServiceName,
		Version:     launch.Version,
		Description: "kubemedic knowledge base and diagnosis",
	}, a.Endpoints()...)
}
