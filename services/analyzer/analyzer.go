// Package analyzer is the kubemedic service that answers questions from the
// knowledge base and turns the collector's live cluster state into findings.
// It serves KnowledgeService and DiagnosisService over NATS (see
// platform/natsrpc). Ask grounds a question in the live cluster when it names
// an existing object (its open findings travel with the runbook answer).
// DiagnosisService keeps each watched cluster's findings current from the
// collector's change feed (see DiagnosisService) and serves them from the
// findings ledger. With several replicas on one NATS system, exactly one
// watches each cluster (the holder of its lease) and every replica answers
// (see owner.go).
package analyzer

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/launch"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
	"github.com/kubemedic/kubemedic/services/asklog"
	"github.com/kubemedic/kubemedic/services/fleet"
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
	// Diagnosis serves DiagnosisService and grounds Ask in live clusters;
	// nil means neither (knowledge only).
	Diagnosis *DiagnosisService
	// Timeout bounds one request. Default 10s.
	Timeout time.Duration
	// Fleet serves the sweep and registry methods of FleetService. Default
	// nil: they answer Unimplemented.
	Fleet *fleet.Service
	// Logger is required.
	Logger *slog.Logger
	// AskLog, when set, keeps a record of every question (services/asklog;
	// OpenAskLog). Default: nil (or a nil *asklog.Recorder), nothing is
	// recorded.
	AskLog AskRecorder
}

// AskRecorder keeps the ask log (*asklog.Recorder).
type AskRecorder interface {
	// RecordAsk records an answered question and returns its record id; it
	// must not block. The caller is in ctx (asklog.WithCaller).
	RecordAsk(ctx context.Context, cluster string, res knowledge.Result) string
	// Feedback records a rating of an answer and reports whether it was
	// stored.
	Feedback(ctx context.Context, f asklog.Feedback) error
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
	if r, ok := o.AskLog.(*asklog.Recorder); ok && r == nil {
		o.AskLog = nil // OpenAskLog's "off"
	}
	kn := &knowledgeService{kb: o.Knowledge, providers: providers, asks: o.AskLog}
	if o.Diagnosis != nil {
		kn.ground = o.Diagnosis.Ground
	}
	return &Analyzer{opts: o, kn: kn}, nil
}

// Diagnosis is the DiagnosisService, or nil when not configured.
func (a *Analyzer) Diagnosis() *DiagnosisService { return a.opts.Diagnosis }

// Services are the API services the analyzer owns: KnowledgeService,
// DiagnosisService and FleetService (except ListClusters, which the
// collector serves). DiagnosisService is served when Options.Diagnosis is
// set; methods without a handler (the sweeps, for now) answer Unimplemented.
func (a *Analyzer) Services() []*natsrpc.Service {
	opts := natsrpc.ServiceOptions{Timeout: a.opts.Timeout}
	kn := natsrpc.NewService(kubemedicv1.File_kubemedic_v1_knowledge_proto.Services().ByName("KnowledgeService"), opts)
	natsrpc.HandleUnary(kn, kubemedicv1connect.KnowledgeServiceAskProcedure, a.kn.ask)
	natsrpc.HandleUnary(kn, kubemedicv1connect.KnowledgeServiceGetEntryProcedure, a.kn.getEntry)
	natsrpc.HandleUnary(kn, kubemedicv1connect.KnowledgeServiceListEntriesProcedure, a.kn.listEntries)
	natsrpc.HandleUnary(kn, kubemedicv1connect.KnowledgeServiceRecordFeedbackProcedure, a.kn.recordFeedback)

	diagnosis := natsrpc.NewService(kubemedicv1.File_kubemedic_v1_diagnosis_proto.Services().ByName("DiagnosisService"), opts)
	if d := a.opts.Diagnosis; d != nil {
		natsrpc.HandleServerStream(diagnosis, kubemedicv1connect.DiagnosisServiceDiagnoseProcedure, d.Diagnose)
		natsrpc.HandleUnary(diagnosis, kubemedicv1connect.DiagnosisServiceListFindingsProcedure, d.ListFindings)
		natsrpc.HandleServerStream(diagnosis, kubemedicv1connect.DiagnosisServiceWatchFindingsProcedure, d.WatchFindings)
	}

	fleetOpts := opts
	fleetOpts.ServedElsewhere = []string{kubemedicv1connect.FleetServiceListClustersProcedure}
	fl := natsrpc.NewService(kubemedicv1.File_kubemedic_v1_fleet_proto.Services().ByName("FleetService"), fleetOpts)
	if a.opts.Fleet != nil {
		a.opts.Fleet.Handle(fl)
	}
	return []*natsrpc.Service{kn, diagnosis, fl}
}

// Serve registers the analyzer on conn; metrics go to reg (may be nil).
func (a *Analyzer) Serve(conn *natsrpc.Conn, reg prometheus.Registerer) (*natsrpc.Server, error) {
	return natsrpc.Serve(conn.Conn, natsrpc.ServerConfig{
		Name:        ServiceName,
		Version:     launch.Version,
		Description: "kubemedic knowledge base and diagnosis",
		Logger:      a.opts.Logger,
		Metrics:     reg,
	}, a.Services()...)
}
