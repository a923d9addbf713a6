// Package probe serves a process's liveness (/healthz), readiness (/readyz)
// and metrics (/metrics) endpoints. Readiness is the conjunction of named
// checks that components register; /readyz?verbose lists each one.
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

// Probe holds the readiness checks of one process.
type Probe struct {
	mu       sync.RWMutex
	checks   map[string]Check
	registry *prometheus.Registry
}

// New returns a Probe with Go runtime and process metrics registered.
func New() *Probe {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &Probe{checks: map[string]Check{}, registry: reg}
}

// Registry is where components register their metrics.
func (p *Probe) Registry() *prometheus.Registry { return p.registry }

// Add registers a named readiness check, replacing one of the same name.
func (p *Probe) Add(name string, c Check) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.checks[name] = c
}

// Ready runs every check and returns the failures by name.
func (p *Probe) Ready() map[string]error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	failed := map[string]error{}
	for name, c := range p.checks {
		if err := c(); err != nil {
			failed[name] = err
		}
	}
	return failed
}

// Handler serves /healthz, /readyz and /metrics.
func (p *Probe) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		failed := p.Ready()
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
