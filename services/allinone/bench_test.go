package allinone_test

import (
	"context"
	"io"
	"sort"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/kubemedic/kubemedic/platform/config"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/allinone"
)

// BenchmarkAskThroughGateway measures the whole path a platform's gRPC call
// takes: grpc-go client -> gateway (auth, validation) -> NATS request/reply ->
// analyzer -> knowledge base, with 8 concurrent callers. It reports p50 and
// p99 latency per call.
func BenchmarkAskThroughGateway(b *testing.B) {
	env := map[string]string{
		"KUBEMEDIC_DATA_DIR": b.TempDir(), "KUBEMEDIC_GATEWAY_ADDR": "127.0.0.1:0",
		"KUBEMEDIC_ADMIN_ADDR": "off", "KUBEMEDIC_LOG_LEVEL": "error",
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

	conn, err := grpc.NewClient(s.GatewayAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	client := kubemedicv1.NewKnowledgeServiceClient(conn)
	questions := []string{"파드가 계속 Pending이에요", "노드가 NotReady 상태예요", "서비스 엔드포인트가 <none>으로 나와요", "How do I scale a deployment?"}
	callCtx := withToken(context.Background(), s.Token)

	var mu sync.Mutex
	lat := make([]time.Duration, 0, b.N)
	b.SetParallelism(4) // 4 x GOMAXPROCS callers
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			start := time.Now()
			if _, err := client.Ask(callCtx, &kubemedicv1.AskRequest{Question: questions[i%len(questions)]}); err != nil {
				b.Error(err)
				return
			}
			d := time.Since(start)
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
			i++
		}
	})
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}
