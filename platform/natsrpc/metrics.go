package natsrpc

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/nats-io/nats.go/micro"
	"github.com/prometheus/client_golang/prometheus"
)

// endpointStats are the truthful numbers of one endpoint. micro's own
// counters only see the hand-off to a handler goroutine (processing time
// near zero, errors missed), so every endpoint's `nats micro stats` entry
// carries these in its "data" field.
type endpointStats struct {
	metrics endpointMetrics

	mu sync.Mutex
	s  EndpointStats
}

// EndpointStats is the "data" of an endpoint in micro's STATS response.
type EndpointStats struct {
	// Requests counts calls started.
	Requests int64 `json:"num_requests"`
	// Errors counts calls that ended with an error code.
	Errors int64 `json:"num_errors"`
	// LastError is the code and message of the latest error.
	LastError string `json:"last_error,omitempty"`
	// ProcessingTime is the summed handling time of finished calls.
	ProcessingTime time.Duration `json:"processing_time"`
	// AverageProcessingTime is ProcessingTime per finished call.
	AverageProcessingTime time.Duration `json:"average_processing_time"`
	// InFlight counts calls and streams running now.
	InFlight int64 `json:"in_flight"`
	// MessagesSent counts stream messages sent.
	MessagesSent int64 `json:"messages_sent"`
}

func (e *endpointStats) enter() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.s.Requests++
	e.s.InFlight++
}

func (e *endpointStats) leave(d time.Duration, ce *connect.Error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.s.InFlight--
	e.s.ProcessingTime += d
	if finished := e.s.Requests - e.s.InFlight; finished > 0 {
		e.s.AverageProcessingTime = e.s.ProcessingTime / time.Duration(finished)
	}
	if ce != nil {
		e.s.Errors++
		e.s.LastError = ce.Code().String() + ": " + publicMessage(ce)
	}
}

func (e *endpointStats) sent() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.s.MessagesSent++
}

func (e *endpointStats) snapshot() EndpointStats {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.s
}

// endpointStats is micro's StatsHandler.
func (srv *Server) endpointStats(ep *micro.Endpoint) any {
	if st, ok := srv.stats[ep.Subject]; ok {
		return st.snapshot()
	}
	return nil
}

// metrics are the Prometheus metrics of one Server.
type metrics struct {
	handled  *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight *prometheus.GaugeVec
	sent     *prometheus.CounterVec
}

// endpointMetrics are one procedure's metrics, looked up once rather than
// by label values on every call (their series exist from the start, at 0).
type endpointMetrics struct {
	inFlight prometheus.Gauge
	duration prometheus.Observer
	ok       prometheus.Counter // handled with code "ok"
	sent     prometheus.Counter // nil unless the method streams
}

func (m *metrics) of(procedure string, stream bool) endpointMetrics {
	em := endpointMetrics{
		inFlight: m.inFlight.WithLabelValues(procedure),
		duration: m.duration.WithLabelValues(procedure),
		ok:       m.handled.WithLabelValues(procedure, "ok"),
	}
	if stream {
		em.sent = m.sent.WithLabelValues(procedure)
	}
	return em
}

func newMetrics(service string, reg prometheus.Registerer) (*metrics, error) {
	labels := prometheus.Labels{"service": service}
	m := &metrics{
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kubemedic_rpc_server_handled_total", Help: "RPCs finished, by procedure and Connect code (ok for success).", ConstLabels: labels,
		}, []string{"procedure", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "kubemedic_rpc_server_handling_seconds", Help: "Time from receiving an RPC to its reply (unary) or end of stream.", ConstLabels: labels,
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 120},
		}, []string{"procedure"}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kubemedic_rpc_server_in_flight", Help: "RPCs and streams being handled now.", ConstLabels: labels,
		}, []string{"procedure"}),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kubemedic_rpc_server_stream_messages_sent_total", Help: "Messages sent on server streams.", ConstLabels: labels,
		}, []string{"procedure"}),
	}
	if reg == nil {
		return m, nil
	}
	var errs []error
	m.handled, errs = register(reg, m.handled, errs)
	m.duration, errs = register(reg, m.duration, errs)
	m.inFlight, errs = register(reg, m.inFlight, errs)
	m.sent, errs = register(reg, m.sent, errs)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("natsrpc: registering metrics: %w", err)
	}
	return m, nil
}

// register registers c, or returns the equal collector registered before
// (a second Server of the same name in one process shares its metrics).
func register[C prometheus.Collector](reg prometheus.Registerer, c C, errs []error) (C, []error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, errs
		}
	}
	if err != nil {
		errs = append(errs, err)
	}
	return c, errs
}
