// Package probe serves a process's liveness (/healthz), readiness (/readyz)
// and metrics (/metrics) endpoints. Readiness is the conjunction of named
// checks that components register; /readyz?verbose lists each one, with the
// detail a check gives (e.g. a cluster's sync state).
package probe

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kubemedic/kubemedic/platform/httpserve"
)

// Check reports nil when its component is ready.
type Check func() error

// Status is a Check that also describes its component's state in a few
// words, shown by /readyz?verbose next to the check's name.
type Status func() (detail string, err error)

// Probe holds the readiness checks of one process.
type Probe struct {
	mu       sync.RWMutex
	checks   map[string]Status
	registry *prometheus.Registry
}

// New returns a Probe with Go runtime and process metrics registered.
func New() *Probe {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &Probe{checks: map[string]Status{}, registry: reg}
}

// Registry is where components register their metrics.
func (p *Probe) Registry() *prometheus.Registry { return p.registry }

// Add registers a named readiness check, replacing one of the same name.
func (p *Probe) Add(name string, c Check) {
	p.AddStatus(name, func() (string, error) { return "", c() })
}

// AddStatus registers a named readiness check with a detail, replacing one of
// the same name.
func (p *Probe) AddStatus(name string, s Status) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.checks[name] = s
}

// Ready runs every check and returns the failures by name.
func (p *Probe) Ready() map[string]error {
	failed, _ := p.run()
	return failed
}

// run runs every check and returns the failures and the details by name.
func (p *Probe) run() (failed map[string]error, details map[string]string) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	failed, details = map[string]error{}, map[string]string{}
	for name, c := range p.checks {
		d, err := c()
		if err != nil {
			failed[name] = err
		}
		details[name] = d
	}
	return failed, details
}

// Handler serves /healthz, /readyz and /metrics.
func (p *Probe) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		failed, details := p.run()
		p.mu.RLock()
		names := make([]string, 0, len(p.checks))
		for n := range p.checks {
			names = append(names, n)
		}
		p.mu.RUnlock()
		sort.Strings(names)
		var b strings.Builder
		for _, n := range names {
			if err, bad := failed[n]; bad {
				fmt.Fprintf(&b, "[-] %s: %v\n", n, err)
			} else if d := details[n]; d != "" {
				fmt.Fprintf(&b, "[+] %s: %s\n", n, d)
			} else {
				fmt.Fprintf(&b, "[+] %s ok\n", n)
			}
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if len(failed) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = fmt.Fprint(w, b.String())
			return
		}
		if _, verbose := r.URL.Query()["verbose"]; verbose {
			_, _ = fmt.Fprint(w, b.String())
		}
		_, _ = fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(p.registry, promhttp.HandlerOpts{}))
	return mux
}

// Serve serves the handler on l until ctx ends.
func (p *Probe) Serve(ctx context.Context, l net.Listener, log *slog.Logger) error {
	srv := &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 5 * time.Second}
	log.Info("admin endpoint listening", "addr", l.Addr().String())
	if err := httpserve.Serve(ctx, l, srv, 5*time.Second); err != nil {
		return fmt.Errorf("admin endpoint: %w", err)
	}
	return nil
}
