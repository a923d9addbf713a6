package asklog_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/kubemedic/kubemedic/services/asklog"
)

// processCPU is the process's user+system CPU time: the embedded
// nats-server (its JetStream file store included) runs in this process, so
// it counts what recording costs the server too.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRecorder records b.N asks as fast as RecordAsk takes them
// (the buffer holds them all, so none is dropped) against an embedded
// JetStream with file storage, and Close waits until every one is stored.
// It reports records/s end to end, the process's CPU per record and
// stream messages per record; -benchmem's allocations include the server's.
func BenchmarkRecorder(b *testing.B) {
	_, js := startJetStream(b)
	ctx := context.Background()
	r, err := asklog.New(ctx, asklog.Options{JetStream: js, Logger: discard, Buffer: b.N})
	if err != nil {
		b.Fatal(err)
	}
	res := result("kube-proxy 로그는 어디서 보나요", "ko", false, 0.52, "node-logs", "kubelet-logs")
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, t0 := processCPU(), time.Now()
	for range b.N {
		r.RecordAsk(ctx, "prod", res)
	}
	if err := r.Close(ctx); err != nil {
		b.Fatal(err)
	}
	cpu, wall := processCPU()-cpu0, time.Since(t0)
	b.StopTimer()
	if r.Dropped() != 0 || r.Failed() != 0 {
		b.Fatalf("dropped %d, failed %d of %d", r.Dropped(), r.Failed(), b.N)
	}
	s, err := js.Stream(ctx, asklog.StreamName)
	if err != nil {
		b.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/wall.Seconds(), "records/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/record")
	b.ReportMetric(float64(info.State.Msgs)/float64(b.N), "msgs/record")
}
