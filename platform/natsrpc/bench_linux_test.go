package natsrpc_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// BenchmarkCallConcurrent measures unary round trips over an embedded NATS
// server with 64 concurrent callers, as the gateway makes them under load,
// and reports the process's CPU per call (client, server and the NATS
// server together): the cost the NATS hop adds to every gateway call.
func BenchmarkCallConcurrent(b *testing.B) {
	c, req := askBench(b)
	b.SetParallelism(32) // 64 callers on 2 CPUs
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := c.Call(context.Background(), askProcedure, req, &kubemedicv1.AskResponse{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}

// processCPU is the process's user+system CPU time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
