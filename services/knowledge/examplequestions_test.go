package knowledge_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kubemedic/kubemedic/services/knowledge"
	"github.com/kubemedic/kubemedic/services/knowledge/evaluation"
)

// copiedBeforeTheRule are runbook example questions that were already word
// for word an evaluation question when this check was written (runbook id,
// question as knowledge.QuestionKey normalises it). New ones are not allowed.
var copiedBeforeTheRule = map[[2]string]bool{
	{"aks-admission-webhooks", "aks에서admissionwebhook써도돼요"}:                          true,
	{"aks-cluster-delete-slow", "aks클러스터삭제가몇시간째안끝나요"}:                                true,
	{"aks-windows-server-containers", "aks에서윈도우컨테이너돌릴수있어요"}:                          true,
	{"k8s-cni-calico", "캘리코는ebpf데이터플레인도지원해요"}:                                        true,
	{"k8s-container-log-rotation", "컨테이너로그때문에노드디스크가꽉찼어요"}:                            true,
	{"k8s-debug-ephemeral-container", "kubectldebug로임시컨테이너붙이는법"}:                     true,
	{"k8s-dns-kubernetes-default-lookup-fails", "nslookupkubernetesdefault도실패해요"}:    true,
	{"k8s-init-container-status-meaning", "파드상태에init12라고나오는데무슨뜻이에요"}:                 true,
	{"k8s-json-log-format", "enablejsonloggingforkubeapiserver"}:                     true,
	{"k8s-kube-proxy-rules-check", "kubeproxy가iptables모드인지ipvs모드인지어떻게알아요"}:           true,
	{"k8s-kubectl-logs-basic", "파드로그보는명령어"}:                                          true,
	{"k8s-pod-debug-first-steps", "howdoistartdebuggingabrokenpod"}:                  true,
	{"k8s-replicationcontroller-debug", "레플리케이션컨트롤러가파드를안만들어요"}:                       true,
	{"k8s-service-no-endpoints", "servicehasnoendpoints"}:                            true,
	{"k8s-service-no-endpoints", "kubectlgetendpoints하면비어있어요"}:                       true,
	{"k8s-statefulset-pod-stuck-terminating-unknown", "스테이트풀셋파드강제삭제해도돼요"}:            true,
	{"k8s-statefulset-pod-stuck-terminating-unknown", "스테이트풀셋파드가terminating에서안지워져요"}: true,
	{"k8s-system-component-log-location", "kubelet로그어디서봐요"}:                          true,
	{"k8s-windows-flannel-subnet-env-missing", "윈도우파드가subnetenv없다고안떠요"}:              true,
	{"k8s-windows-pod-cannot-ping-external", "윈도우파드에서외부로ping이안나가요"}:                  true,
	{"nks-alb-public-lb-subnet", "네이버클라우드쿠버네티스에서공인로드밸런서가안만들어져요"}:                     true,
	{"tke-clb-security-group", "clb만들때보안그룹지정할수있어요"}:                                  true,
	{"tke-registry-account-password", "이미지레지스트리계정이뭐예요"}:                              true,
	{"tke-registry-namespace", "이미지레지스트리네임스페이스는뭐에써요"}:                                true,
	{"tke-serverless-pod-spec-mismatch", "서버리스파드사양이내가넣은requestlimit이랑달라요"}:           true,
	{"tke-terminal-disconnected", "tkeremoteterminalkeepsdisconnecting"}:             true,
}

// An evaluation question that is also a runbook's example question measures
// nothing: the runbook answers it by construction. Runbook writers write
// example questions from the runbook's own facts; this check keeps them from
// taking an evaluation question word for word (case, spaces and punctuation
// aside).
func TestExampleQuestionsAreNotEvaluationQuestions(t *testing.T) {
	asked := map[string]string{} // key → file
	for _, f := range evaluationFiles(t) {
		cases, err := evaluation.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			asked[knowledge.QuestionKey(c.Q)] = f
		}
	}
	entries, problems := knowledge.LoadFS(context.Background(), knowledge.Embedded(), "embedded")
	for _, p := range problems {
		if le, ok := errors.AsType[*knowledge.LoadError](p); !ok || !le.Warning {
			t.Fatal(p)
		}
	}
	for _, e := range entries {
		for _, q := range e.Questions {
			k := knowledge.QuestionKey(q)
			if f, ok := asked[k]; ok && !copiedBeforeTheRule[[2]string{e.ID, k}] {
				t.Errorf("runbook %s has example question %q, which %s asks: write example questions in other words", e.ID, q, f)
			}
		}
	}
}
