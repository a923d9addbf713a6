package allinone_test

import (
	"context"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/kubemedic/kubemedic/platform/config"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/allinone"
)

// load is the result of one closed-loop load run.
type load struct {
	calls, errors int64
	perSecond     float64
	p50, p99      time.Duration
	// cpuPerCall is the process's CPU time (user+system, callers included)
	// per call: unlike req/s it does not depend on what else the machine
	// runs.
	cpuPerCall time.Duration
	// bytesPerCall and allocsPerCall are the process's heap allocations
	// per call (callers included); gcs is the number of GC cycles run.
	bytesPerCall, allocsPerCall uint64
	gcs                         uint32
	firstErr                    error
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runLoad calls call from workers goroutines, spread over conns
// connections, for d, and measures every call (what ghz -c workers does).
func runLoad(conns []*grpc.ClientConn, workers int, d time.Duration, call func(*grpc.ClientConn, int) error) load {
	var (
		mu       sync.Mutex
		lat      []time.Duration
		errs     atomic.Int64
		firstErr atomic.Value
		wg       sync.WaitGroup
	)
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	stop := time.Now().Add(d)
	start, cpu0 := time.Now(), cpuTime()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cc := conns[w%len(conns)]
			own := make([]time.Duration, 0, 4096)
			for i := 0; time.Now().Before(stop); i++ {
				t0 := time.Now()
				if err := call(cc, w+i); err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				own = append(own, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, own...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	runtime.ReadMemStats(&m1)
	slices.Sort(lat)
	out := load{calls: int64(len(lat)), errors: errs.Load(), perSecond: float64(len(lat)) / elapsed.Seconds(), gcs: m1.NumGC - m0.NumGC}
	if n := uint64(len(lat)); n > 0 {
		out.cpuPerCall = cpu / time.Duration(n)
		out.bytesPerCall = (m1.TotalAlloc - m0.TotalAlloc) / n
		out.allocsPerCall = (m1.Mallocs - m0.Mallocs) / n
	}
	if e, ok := firstErr.Load().(error); ok {
		out.firstErr = e
	}
	if len(lat) > 0 {
		out.p50, out.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	return out
}

// BenchmarkGatewayLoad is `make bench-gateway`: 64 concurrent grpc-go
// callers call KnowledgeService.Ask through the gateway -> NATS -> analyzer
// -> knowledge base, and, in the same run, the gateway's own grpc health
// check, the ceiling of what the gateway can serve on this machine. It
// reports throughput and p50/p99 of both and the Ask/health throughput
// ratio. One run per benchmark iteration count: use -benchtime 1x.
// KUBEMEDIC_BENCH_SECONDS sets each phase's length (default 5);
// KUBEMEDIC_BENCH_ONLY=ask (or health) runs one phase, so a CPU profile
// (GATEWAY_PROFILE=1) shows that path alone.
func BenchmarkGatewayLoad(b *testing.B) {
	const workers, connections = 64, 4
	phase := 5 * time.Second
	if v, err := strconv.Atoi(os.Getenv("KUBEMEDIC_BENCH_SECONDS")); err == nil && v > 0 {
		phase = time.Duration(v) * time.Second
	}
	env := map[string]string{
		"KUBEMEDIC_DATA_DIR": b.TempDir(), "KUBEMEDIC_GATEWAY_ADDR": "127.0.0.1:0",
		"KUBEMEDIC_ADMIN_ADDR": "off", "KUBEMEDIC_LOG_LEVEL": "error",
		// The record of asked questions is part of a real Ask; keep it.
		"KUBEMEDIC_ASK_LOG_ENABLED": os.Getenv("KUBEMEDIC_BENCH_ASK_LOG"),
	}
	cfg, err := config.LoadWithEnv("", func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := allinone.New(ctx, cfg, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()

	var conns []*grpc.ClientConn
	for range connections {
		cc, err := grpc.NewClient(s.GatewayAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			b.Fatal(err)
		}
		defer cc.Close()
		conns = append(conns, cc)
	}
	questions := []string{"파드가 계속 Pending이에요", "노드가 NotReady 상태예요", "서비스 엔드포인트가 <none>으로 나와요", "How do I scale a deployment?"}
	callCtx := withToken(context.Background(), s.Token)
	ask := func(cc *grpc.ClientConn, i int) error {
		ctx, cancel := context.WithTimeout(callCtx, 5*time.Second)
		defer cancel()
		_, err := kubemedicv1.NewKnowledgeServiceClient(cc).Ask(ctx, &kubemedicv1.AskRequest{Question: questions[i%len(questions)]})
		return err
	}
	health := func(cc *grpc.ClientConn, _ int) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := healthpb.NewHealthClient(cc).Check(ctx, &healthpb.HealthCheckRequest{})
		return err
	}
	// Warm up both paths (connections, index caches).
	runLoad(conns, workers, time.Second, ask)
	runLoad(conns, workers, time.Second/2, health)

	b.ResetTimer()
	only := os.Getenv("KUBEMEDIC_BENCH_ONLY")
	if only != "" && only != "ask" && only != "health" {
		b.Fatalf("KUBEMEDIC_BENCH_ONLY=%q: want ask or health", only)
	}
	for b.Loop() {
		phases := map[string]load{}
		var h, a load
		if only != "ask" {
			h = runLoad(conns, workers, phase, health)
			phases["health"] = h
		}
		if only != "health" {
			a = runLoad(conns, workers, phase, ask)
			phases["ask"] = a
		}
		for name, r := range phases {
			b.Logf("%-6s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  CPU %4d µs/call  %6d B/call  %4d allocs/call  %d GCs  %d calls, %d errors", name, r.perSecond,
				float64(r.p50.Microseconds())/1000, float64(r.p99.Microseconds())/1000, r.cpuPerCall.Microseconds(), r.bytesPerCall, r.allocsPerCall, r.gcs, r.calls, r.errors)
			b.ReportMetric(float64(r.cpuPerCall.Microseconds()), name+"-cpu-µs/call")
			b.ReportMetric(float64(r.bytesPerCall), name+"-B/call")
			b.ReportMetric(float64(r.allocsPerCall), name+"-allocs/call")
			if r.errors > 0 {
				b.Errorf("%s: %d errors, first: %v", name, r.errors, r.firstErr)
			}
			b.ReportMetric(r.perSecond, name+"-req/s")
			b.ReportMetric(float64(r.p50.Microseconds())/1000, name+"-p50-ms")
			b.ReportMetric(float64(r.p99.Microseconds())/1000, name+"-p99-ms")
		}
		if h.perSecond > 0 && a.perSecond > 0 {
			b.ReportMetric(a.perSecond/h.perSecond, "ask/health")
		}
		b.Logf("load average %s, live heap %d MiB", loadAverage(), liveHeap()>>20)
	}
}

// liveHeap is the heap marked live by the last GC cycle.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// loadAverage is the machine's 1/5/15-minute load, to read the figures by.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
