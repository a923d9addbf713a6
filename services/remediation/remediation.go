// Package remediation is the kubemedic service that plans, approves,
// executes, audits and undoes guarded fixes.
//
// Every write goes plan → approve → execute, and is audited:
//
//   - Plan checks the remediation policy (who may plan what where), the
//     protected namespaces and objects, a SubjectAccessReview of the person's
//     own Kubernetes rights, and the blast-radius guards (pause switch, one
//     drain per cluster, cordon caps, NotReady nodes, cooldowns, target
//     locks); then the typed action (package action) dry-runs the change as
//     the person and returns a diff and the blast radius. The plan's hash
//     binds the action, the diff, the dry-run and the object's version.
//   - Approve records one approval of exactly that hash, before the plan
//     expires; for high-risk actions the approver must not be the
//     requester, and the number of approvers is configurable.
//   - Execute runs an approved plan once: a compare-and-set on the plan
//     record in JetStream KV lets exactly one call (of any replica) start
//     it; the others get the same execution back. The action writes as the
//     executor (client-go impersonation) and refuses if the target changed
//     since the plan.
//   - Undo plans the inverse action recorded at execution (which needs
//     approval like any plan).
//
// State lives in JetStream KV (package store) and the audit trail in a
// JetStream stream (package audit), so several replicas can serve the same
// API and a restarted process finds running executions: a drain is resumed,
// other actions are marked failed; none runs twice.
package remediation

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/launch"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
	"github.com/kubemedic/kubemedic/services/remediation/audit"
	"github.com/kubemedic/kubemedic/services/remediation/policy"
	"github.com/kubemedic/kubemedic/services/remediation/store"
)

// ServiceName is the NATS micro service name.
const ServiceName = "kubemedic-remediation"

// Options configures New.
type Options struct {
	// Clusters maps kubemedic cluster names to the service's own client
	// configuration. Reads, SubjectAccessReviews and Events use it as is;
	// writes use a copy that impersonates the person. Default: none (every
	// action then reports its cluster as unknown).
	Clusters map[string]*rest.Config
	// JetStream holds plans, executions, locks and the audit stream.
	// Required.
	JetStream jetstream.JetStream
	// Config is the remediation policy and limits. Default: the
	// config.Remediation defaults.
	Config config.Remediation
	// Logger receives the service's logs. Required.
	Logger *slog.Logger
	// Instance names this replica in execution records. Default: a random
	// name.
	Instance string
	// Heartbeat is how often a running execution records that its process
	// is alive; an execution silent for three heartbeats is taken over by
	// another replica (or by the restarted process). Default: 5s.
	Heartbeat time.Duration
	// ExecuteWait is how long Execute waits for an execution to finish
	// before returning it still running. Default: 5s.
	ExecuteWait time.Duration
	// Now returns the current time. Default: time.Now.
	Now func() time.Time
	// Replicas is the JetStream replica count of the plan, execution and
	// lock buckets and the audit stream: 3 on a 3-node NATS cluster, so a
	// node's death loses no plan, execution or audit record. Default: 1.
	Replicas int
}

// ClustersFromConfig builds Options.Clusters from the configured clusters.
func ClustersFromConfig(cs []config.Cluster) (map[string]*rest.Config, error) {
	out := map[string]*rest.Config{}
	for _, c := range cs {
		rules := &clientcmd.ClientConfigLoadingRules{ExplicitPath: c.Kubeconfig}
		overrides := &clientcmd.ConfigOverrides{CurrentContext: c.Context}
		rc, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
		if err != nil {
			return nil, fmt.Errorf("cluster %s: kubeconfig %s: %w", c.Name, c.Kubeconfig, err)
		}
		rc.UserAgent = "kubemedic-remediation"
		out[c.Name] = rc
	}
	return out, nil
}

// Service is the remediation service.
type Service struct {
	o        Options
	log      *slog.Logger
	policy   *policy.Policy
	store    *store.Store
	audit    *audit.Log
	clusters map[string]*cluster

	ctx    context.Context // lives as long as the service; executions run in it
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	running map[string]chan struct{} // executions this process runs → closed when done
}

type cluster struct {
	name   string
	config *rest.Config
	client kubernetes.Interface
}

// New opens the state buckets and the audit stream and starts the loop that
// takes over executions whose process died. Call Close to stop it.
func New(ctx context.Context, o Options) (*Service, error) {
	if o.Logger == nil {
		return nil, errors.New("remediation: Logger is required")
	}
	if o.JetStream == nil {
		return nil, errors.New("remediation: JetStream is required")
	}
	pol, err := policy.New(o.Config)
	if err != nil {
		return nil, fmt.Errorf("remediation: %w", err)
	}
	o.Config = pol.Config()
	if o.Instance == "" {
		o.Instance = "remediation-" + newID("")
	}
	if o.Heartbeat == 0 {
		o.Heartbeat = 5 * time.Second
	}
	if o.ExecuteWait == 0 {
		o.ExecuteWait = 5 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	st, err := store.Open(ctx, store.Options{
		JetStream:     o.JetStream,
		PlanRetention: o.Config.PlanTTL.Duration + 24*time.Hour,
		LockTTL:       o.Config.Limits.LockTTL.Duration,
		Cooldown:      o.Config.Limits.Cooldown.Duration,
		Replicas:      o.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("remediation: %w", err)
	}
	al, err := audit.Open(ctx, audit.Options{JetStream: o.JetStream, Replicas: o.Replicas})
	if err != nil {
		return nil, fmt.Errorf("remediation: %w", err)
	}
	s := &Service{o: o, log: o.Logger, policy: pol, store: st, audit: al, clusters: map[string]*cluster{}, running: map[string]chan struct{}{}}
	for name, rc := range o.Clusters {
		cs, err := kubernetes.NewForConfig(rc)
		if err != nil {
			return nil, fmt.Errorf("remediation: cluster %s: %w", name, err)
		}
		s.clusters[name] = &cluster{name: name, config: rc, client: cs}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.wg.Add(1)
	go s.recoverLoop()
	return s, nil
}

// Close stops the recovery loop and waits for running executions of this
// process to notice (they end when their context is cancelled and are
// resumed or failed by the next process).
func (s *Service) Close() {
	s.cancel()
	s.wg.Wait()
}

// Pause flips the runtime pause switch shared by every replica.
func (s *Service) Pause(ctx context.Context, paused bool) error {
	return s.store.SetPaused(ctx, paused)
}

// Services are the API services the remediation service owns:
// RemediationService, every method including the GetExecution stream.
func (s *Service) Services() []*natsrpc.Service {
	rem := natsrpc.NewService(kubemedicv1.File_kubemedic_v1_remediation_proto.Services().ByName("RemediationService"),
		natsrpc.ServiceOptions{Timeout: launch.DefaultRequestTimeout})
	natsrpc.HandleUnary(rem, kubemedicv1connect.RemediationServicePlanProcedure, s.Plan)
	natsrpc.HandleUnary(rem, kubemedicv1connect.RemediationServiceApproveProcedure, s.Approve)
	natsrpc.HandleUnary(rem, kubemedicv1connect.RemediationServiceRejectProcedure, s.Reject)
	natsrpc.HandleUnary(rem, kubemedicv1connect.RemediationServiceExecuteProcedure, s.Execute)
	natsrpc.HandleUnary(rem, kubemedicv1connect.RemediationServiceUndoProcedure, s.Undo)
	natsrpc.HandleServerStream(rem, kubemedicv1connect.RemediationServiceGetExecutionProcedure, s.GetExecution)
	natsrpc.HandleUnary(rem, kubemedicv1connect.RemediationServiceListAuditProcedure, s.ListAudit)
	return []*natsrpc.Service{rem}
}

// Serve registers the service on conn; metrics go to reg (may be nil).
func (s *Service) Serve(conn *natsrpc.Conn, reg prometheus.Registerer) (*natsrpc.Server, error) {
	return natsrpc.Serve(conn.Conn, natsrpc.ServerConfig{
		Name:        ServiceName,
		Version:     launch.Version,
		Description: "kubemedic guarded remediation",
		Logger:      s.log,
		Metrics:     reg,
	}, s.Services()...)
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newID returns a random identifier such as "p-k3x9...".
func newID(prefix string) string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return prefix + strings.ToLower(idEncoding.EncodeToString(b[:]))
}
