// Package launch is the common start-up of every kubemedic process: config,
// structured logs, tracing, the admin endpoint (liveness, readiness,
// metrics), the NATS connection, the NATS RPC servers, and graceful shutdown
// on SIGTERM/SIGINT.
//
// A service binary is one call:
//
//	func main() {
//		launch.Main("collector", func(ctx context.Context, p *launch.Process) error {
//			col, err := collector.New(collector.Options{Clusters: p.Config.Clusters, Logger: p.Logger})
//			if err != nil {
//				return err
//			}
//			return p.ServeRPC(col)
//		})
//	}
//
// Other processes build a Process with New, add Components and call Run.
package launch

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
	"github.com/kubemedic/kubemedic/platform/probe"
	"github.com/kubemedic/kubemedic/platform/telemetry"
)

// Version is the kubemedic version reported by every binary.
var Version = "0.1.0-dev"

// DefaultRequestTimeout bounds one internal request when nothing else does.
const DefaultRequestTimeout = 10 * time.Second

// Component is one long-running part of a process. Run must return when ctx
// ends, after finishing its own graceful shutdown.
type Component struct {
	Name string
	Run  func(ctx context.Context) error
}

// Process is a kubemedic process being started.
type Process struct {
	Name   string
	Config *config.Config
	Logger *slog.Logger
	Probe  *probe.Probe

	mu         sync.Mutex
	nats       *natsrpc.Conn
	components []Component
	closers    []func()
	shutdown   func(context.Context) error
}

// New sets up logging, tracing and the garbage collector (cfg.Runtime) for
// the process called name.
func New(ctx context.Context, name string, cfg *config.Config, logOut io.Writer) (*Process, error) {
	log := telemetry.NewLogger(logOut, cfg.Log).With("service", name)
	tuneGC(cfg.Runtime, log)
	shutdown, err := telemetry.SetupTracing(ctx, cfg.Tracing, name, Version, logOut)
	if err != nil {
		return nil, err
	}
	return &Process{Name: name, Config: cfg, Logger: log, Probe: probe.New(), shutdown: shutdown}, nil
}

// tuneGC applies runtime.gc_percent and runtime.memory_limit, unless the
// GOGC or GOMEMLIMIT environment variable already set them.
func tuneGC(r config.Runtime, log *slog.Logger) {
	if v, set := os.LookupEnv("GOGC"); set {
		log.Debug("garbage collector target from GOGC", "gogc", v)
	} else if r.GCPercent != 0 {
		debug.SetGCPercent(r.GCPercent)
	}
	if v, set := os.LookupEnv("GOMEMLIMIT"); set {
		log.Debug("memory limit from GOMEMLIMIT", "gomemlimit", v)
	} else if r.MemoryLimit > 0 {
		debug.SetMemoryLimit(r.MemoryLimit)
	}
}

// ConnectNATS connects to url and registers the "nats" readiness check.
func (p *Process) ConnectNATS(url string) (*natsrpc.Conn, error) {
	if url == "" {
		return nil, errors.New("no NATS URL: set nats.url in the config or KUBEMEDIC_NATS_URL (only `kubemedic serve` starts an embedded server)")
	}
	conn, err := natsrpc.Connect(url, natsrpc.ConnectOptions{
		Name:            "kubemedic-" + p.Name,
		CredentialsFile: p.Config.NATS.CredentialsFile,
		Logger:          p.Logger,
	})
	if err != nil {
		return nil, err
	}
	p.Probe.Add("nats", func() error {
		if !conn.IsConnected() {
			return fmt.Errorf("not connected (%s)", conn.Status())
		}
		return nil
	})
	p.OnClose(func() { _ = conn.Drain() })
	p.mu.Lock()
	p.nats = conn
	p.mu.Unlock()
	return conn, nil
}

// RPCService is a service that serves its API over NATS: the analyzer,
// collector and remediation services.
type RPCService interface {
	Serve(conn *natsrpc.Conn, metrics prometheus.Registerer) (*natsrpc.Server, error)
}

// rpcStopGrace bounds how long a stopping RPC server waits for handlers.
const rpcStopGrace = 20 * time.Second

// ServeRPC starts serving each service on the process's NATS connection
// (ConnectNATS first, or the configured nats.url is used), with its metrics
// on the admin endpoint. Calls are accepted at once; at shutdown each server
// stops taking calls and waits for its handlers.
func (p *Process) ServeRPC(services ...RPCService) error {
	p.mu.Lock()
	conn := p.nats
	p.mu.Unlock()
	if conn == nil {
		var err error
		if conn, err = p.ConnectNATS(p.Config.NATS.URL); err != nil {
			return err
		}
	}
	for _, svc := range services {
		srv, err := svc.Serve(conn, p.Probe.Registry())
		if err != nil {
			return err
		}
		p.Add(Component{Name: srv.Info().Name, Run: func(ctx context.Context) error {
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), rpcStopGrace)
			defer cancel()
			return srv.Stop(sctx)
		}})
	}
	return nil
}

// Main is the whole main function of a service binary: it reads the -config
// flag, loads the config, sets the process up, lets build add what the
// process runs (typically p.ServeRPC), and runs it until SIGTERM/SIGINT. On
// error it prints it and exits with status 1.
func Main(name string, build func(ctx context.Context, p *Process) error) {
	configFile := flag.String("config", "", "YAML config file (KUBEMEDIC_* environment variables override it)")
	flag.Parse()
	if err := run(name, *configFile, build); err != nil {
		Fatal(name, err)
	}
}

func run(name, configFile string, build func(ctx context.Context, p *Process) error) error {
	cfg, err := config.Load(configFile)
	if err != nil {
		return err
	}
	ctx := context.Background()
	p, err := New(ctx, name, cfg, os.Stderr)
	if err != nil {
		return err
	}
	if err := build(ctx, p); err != nil {
		p.Close()
		return err
	}
	return p.Run(ctx)
}

// Add registers components to run.
func (p *Process) Add(c ...Component) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.components = append(p.components, c...)
}

// OnClose registers cleanup run after every component stopped, last
// registered first.
func (p *Process) OnClose(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closers = append(p.closers, f)
}

// Listen opens a TCP listener, with a message naming the setting to change
// when the address is taken.
func Listen(setting, addr string) (net.Listener, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s (%s): %w", addr, setting, err)
	}
	return l, nil
}

// Run serves the admin endpoint and every component until ctx ends, SIGTERM
// or SIGINT arrives, or a component fails; then it stops them all and runs
// the cleanups. It returns the first component error.
func (p *Process) Run(ctx context.Context) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	comps := p.components
	if p.Config.Admin.Addr != "off" {
		l, err := Listen("admin.addr / KUBEMEDIC_ADMIN_ADDR", p.Config.Admin.Addr)
		if err != nil {
			p.Close()
			return err
		}
		comps = append([]Component{{Name: "admin", Run: func(ctx context.Context) error {
			return p.Probe.Serve(ctx, l, p.Logger)
		}}}, comps...)
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, c := range comps {
		g.Go(func() error {
			if err := c.Run(gctx); err != nil && !errors.Is(err, context.Canceled) {
				return fmt.Errorf("%s: %w", c.Name, err)
			}
			return nil
		})
	}
	p.Logger.Info("started", "version", Version, "components", len(comps))
	done := make(chan error, 1)
	go func() { done <- g.Wait() }()
	var err error
	select {
	case err = <-done: // a component failed, or every one returned
	case <-gctx.Done():
		p.Logger.Info("shutting down")
		select {
		case err = <-done:
		case <-time.After(30 * time.Second):
			p.Logger.Error("components did not stop within 30s; exiting anyway")
		}
	}
	p.Close()
	return err
}

// Close runs the cleanups and flushes traces. Run calls it; call it yourself
// only when giving up before Run.
func (p *Process) Close() {
	p.mu.Lock()
	closers := p.closers
	p.closers = nil
	p.mu.Unlock()
	for i := len(closers) - 1; i >= 0; i-- {
		closers[i]()
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.shutdown(sctx); err != nil {
		p.Logger.Warn("flushing traces failed", "error", err)
	}
}

// Fatal prints err for a person and exits with status 1.
func Fatal(name string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
	os.Exit(1)
}
