package knowledge

import (
	"context"
	"slices"
	"testing"
	"time"
)

// benchQuestions mix short and long, Korean and English, in- and
// out-of-domain questions, with typos.
var benchQuestions = []string{
	"파드가 계속 Pending이에요",
	"팟이 팬딩에서 안 넘어가요 cpu 부족이래요",
	"노드가 낫레디 상태예요 kublet 문제인가요",
	"init 컨테이너가 실패해서 파드가 Init:CrashLoopBackOff 예요",
	"다른 파드에서 서비스 이름으로 wget 하면 Name or service not known 이 나와요",
	"네이버 클라우드 쿠버네티스에서 공인 로드밸런서가 안 만들어져요",
	"TKE Serverless에서 9100 포트로 listen 하니까 Operation not permitted 에러",
	"How do I change the number of replicas of a deployment from the command line?",
	"AKS 클러스터를 0 노드로 줄일 수 있어요?",
	"컨테이너 세 개짜리 파드 로그를 전부 한꺼번에 출력하는 옵션",
	"메인 앱이랑 헬퍼 컨테이너 두 개 있는 팟에서 헬퍼 쪽 bash 로 들어가려면",
	"오늘 점심 메뉴 추천해줘",
	"how do I bake sourdough bread",
	"kubectl top 치면 metrics not available 에러 나요",
	"서비스 엔드포인트가 <none>으로 나와요",
	"원격 터미널 연결이 자꾸 끊겨요",
}

// BenchmarkAsk measures one in-process Ask on the embedded knowledge base and
// reports the latency percentiles over all iterations (target: p99 < 5 ms).
func BenchmarkAsk(b *testing.B) {
	kb, err := Open(context.Background(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var lat []time.Duration
	i := 0
	b.ResetTimer()
	for b.Loop() {
		q := benchQuestions[i%len(benchQuestions)]
		i++
		start := time.Now()
		kb.Ask(ctx, q, AskOptions{})
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkBuildIndex measures building the search index over the parsed
// embedded runbooks (target: < 1 s).
func BenchmarkBuildIndex(b *testing.B) {
	entries, _ := LoadFS(context.Background(), Embedded(), EmbeddedPrefix+"runbooks/")
	b.ReportMetric(float64(len(entries)), "entries")
	for b.Loop() {
		if _, err := New(entries, DefaultTuning()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen measures a full start: reading and parsing every embedded
// runbook, then building the index.
func BenchmarkOpen(b *testing.B) {
	for b.Loop() {
		if _, err := Open(context.Background(), Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
