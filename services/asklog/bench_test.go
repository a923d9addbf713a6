package asklog

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkGroup groups 10,000 gap questions: 500 topics, each asked in
// 20 wordings that share the topic's words.
func BenchmarkGroup(b *testing.B) {
	subjects := []string{"VPN", "프린터", "메일", "kube-proxy", "ingress", "coredns", "엑셀", "노드", "파드", "etcd"}
	verbs := []string{"접속이 안 돼요", "로그 위치", "설정 방법", "에러가 나요", "재시작 방법"}
	var c contents
	for i := range 10_000 {
		topic := i % 500
		q := fmt.Sprintf("%s-%d %s %s 질문%d", subjects[topic%len(subjects)], topic, verbs[topic%len(verbs)], verbs[(i/500)%len(verbs)], i%20)
		c.asks = append(c.asks, Record{ID: fmt.Sprint(i), Question: q, NoAnswer: true, Time: time.Unix(int64(i), 0)})
	}
	o := GapOptions{}
	if err := o.setDefaults(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		rep := findGaps(c, o)
		if rep.Gaps != len(c.asks) {
			b.Fatalf("gaps %d", rep.Gaps)
		}
	}
}
