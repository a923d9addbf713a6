package knowledge

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/kubemedic/kubemedic/services/knowledge/index"
)

// Rank stages see the index's hits in any order; bestFirst and best must
// pick what they would pick from the hits sorted as the index sorts them
// (score, then document), ties after rescaling kept in that order.
func TestRankOrderIgnoresInputOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 3000 {
		n := rng.IntN(40)
		sorted := make([]index.Hit, n)
		for i := range sorted {
			// Few distinct scores and factors, so that ties are common.
			base := float64(1 + rng.IntN(5))
			sorted[i] = index.Hit{Doc: rng.IntN(1000)*100 + i, Base: base, Score: base * []float64{1, 0.5, 0.75}[rng.IntN(3)]}
		}
		sort.Slice(sorted, func(i, j int) bool {
			if sorted[i].Base != sorted[j].Base {
				return sorted[i].Base > sorted[j].Base
			}
			return sorted[i].Doc < sorted[j].Doc
		})
		shuffled := slices.Clone(sorted)
		rng.Shuffle(n, func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })

		top := 1 + rng.IntN(8)
		want := slices.Clone(sorted)
		sort.SliceStable(want, func(i, j int) bool { return want[i].Score > want[j].Score })
		want = want[:min(top, n)]
		if got := bestFirst(slices.Clone(shuffled), top); !slices.Equal(got, want) {
			t.Fatalf("round %d: bestFirst(%v, %d) = %v, want %v", round, shuffled, top, got, want)
		}

		k := 1 + rng.IntN(10)
		var gotDocs []int
		for _, i := range best(shuffled, k, make([]int, 0, k+1)) {
			gotDocs = append(gotDocs, shuffled[i].Doc)
		}
		var wantDocs []int
		for _, h := range sortedStable(sorted)[:min(k, n)] {
			wantDocs = append(wantDocs, h.Doc)
		}
		if !slices.Equal(gotDocs, wantDocs) {
			t.Fatalf("round %d: best(%v, %d) = docs %v, want %v", round, shuffled, k, gotDocs, wantDocs)
		}
	}
}

func sortedStable(hits []index.Hit) []index.Hit {
	out := slices.Clone(hits)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	return out
}

// Questions asked at once from several goroutines, which share pooled
// search memory, get exactly the answers they get one at a time.
func TestConcurrentAsksAgree(t *testing.T) {
	b := embedded(t)
	questions := []string{
		"파드가 계속 Pending이에요", "팟이 팬딩에서 안 넘어가요 cpu 부족이래요", "노드가 낫레디 상태예요 kublet 문제인가요",
		"init 컨테이너가 실패해서 파드가 Init:CrashLoopBackOff 예요", "다른 파드에서 서비스 이름으로 wget 하면 Name or service not known 이 나와요",
		"TKE Serverless에서 9100 포트로 listen 하니까 Operation not permitted 에러", "How do I change the number of replicas of a deployment?",
		"my pod is stuck in CrashLoopBackOff", "VPN 접속이 안돼요", "오늘 점심 메뉴 추천해줘", "how do I bake sourdough bread",
		"kubectl top 치면 metrics not available 에러 나요", "클러스터 오토스케일러가 노드를 추가 안 해요", "",
	}
	opts := []AskOptions{{}, {Top: 10, KeepRefused: true}, {Provider: "aks"}}
	want := make([][]Result, len(questions))
	for i, q := range questions {
		for _, o := range opts {
			want[i] = append(want[i], b.Ask(context.Background(), q, o))
		}
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 4 {
		wg.Go(func() {
			for round := range 5 {
				for k := range questions {
					i := (k*7 + g + round) % len(questions)
					for j, o := range opts {
						if got := b.Ask(context.Background(), questions[i], o); !reflect.DeepEqual(got, want[i][j]) {
							select {
							case errs <- fmt.Sprintf("goroutine %d: %q %+v: %+v, alone %+v", g, questions[i], o, got, want[i][j]):
							default:
							}
							return
						}
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
