package knowledge_test

import (
	"context"
	"fmt"

	"github.com/kubemedic/kubemedic/services/knowledge"
)

func ExampleBase_Ask() {
	kb, err := knowledge.Open(context.Background(), knowledge.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, q := range []string{
		"팟이 팬딩에서 안 넘어가요 cpu 부족이래요", // colloquial 팟, typo 팬딩
		"my pod is Pending: 0/3 nodes are available, insufficient memory",
		"오늘 점심 메뉴 추천해줘",
	} {
		res := kb.Ask(context.Background(), q, knowledge.AskOptions{Top: 1})
		if res.NoAnswer {
			fmt.Println("no answer")
			continue
		}
		fmt.Println(res.Answers[0].ID, res.Language)
	}
	// Output:
	// k8s-pod-pending-insufficient-resources ko
	// k8s-pod-pending-insufficient-resources en
	// no answer
}
