package diagnosis

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/kubemedic/kubemedic/services/knowledge"
)

// codeTopics lists, for every finding code, words of its topic. A runbook
// that lists the code in its `findings:` front matter must name one of them
// in what it is about — its id, titles or tags, not its keywords or body,
// which mention many things in passing (the kube-controller-manager metrics
// runbook mentions persistent volumes, yet is no help with a Pending PVC).
// A word without a space matches the start of a word ("schedul" matches
// scheduling and unschedulable); a word with a space matches as written.
var codeTopics = map[string][]string{
	"PodUnschedulable":             {"pending", "schedul", "스케줄", "insufficient", "부족", "subnet", "selector", "hostport", "pvc", "replica", "레플리카", "allocatable", "capacity"},
	"PodSchedulingGated":           {"gate", "schedul"},
	"ImagePullBackOff":             {"image", "이미지", "pull", "registry", "레지스트리"},
	"ImagePullSecretMissing":       {"imagepullsecret", "docker login", "registry", "레지스트리", "pull"},
	"CrashLoopBackOff":             {"crash", "크래시", "exit", "종료", "restart", "termination", "logs", "로그", "debug", "디버그", "port"},
	"OOMKilled":                    {"oom", "memory", "메모리", "crash", "logs"},
	"ContainerCreateError":         {"container", "컨테이너", "sandbox", "mount", "volume", "볼륨", "secret", "key vault", "no space", "crictl", "fail to start"},
	"InitContainerFailed":          {"init"},
	"PodNotReady":                  {"ready", "readiness", "probe", "serve", "crash", "describe", "running"},
	"PodFailed":                    {"fail", "termination", "exit"},
	"EvictedPods":                  {"evict", "축출", "ephemeral", "rotation"},
	"DeploymentUnavailable":        {"deployment", "replica", "레플리카", "replicationcontroller", "rollout", "images"},
	"RolloutStuck":                 {"rollout", "rolling", "update"},
	"StatefulSetPodsStuck":         {"statefulset", "스테이트풀셋"},
	"StatefulSetServiceMissing":    {"statefulset", "headless"},
	"DaemonSetUnavailable":         {"daemonset", "데몬셋"},
	"JobFailed":                    {"job", "fail", "termination"},
	"JobSuspended":                 {"job", "suspend"},
	"CronJobSuspended":             {"cronjob", "suspend"},
	"ServiceNoEndpoints":           {"endpoint", "엔드포인트", "service", "서비스", "kube-proxy", "backend"},
	"ServiceSelectorMismatch":      {"selector", "label", "레이블", "라벨", "endpoint", "canary", "respond"},
	"ServiceTargetPortMismatch":    {"port", "포트", "service definition", "respond"},
	"LoadBalancerPending":          {"loadbalancer", "load balancer", "로드밸런서", "clb", "lb", "external-ip"},
	"IngressBackendMissing":        {"ingress", "인그레스", "backend"},
	"IngressClassMissing":          {"ingress", "인그레스"},
	"IngressTLSSecretMissing":      {"tls", "certificate", "인증서"},
	"PVCPending":                   {"pvc", "persistentvolumeclaim", "storageclass", "provision", "프로비저닝", "volume claim"},
	"NodeNotReady":                 {"notready", "not ready", "node", "노드", "kubelet", "partition", "unknown"},
	"NodePressure":                 {"pressure", "disk", "디스크", "memory", "log", "imagegc", "capacity", "node problem", "node-problem"},
	"NodeNetworkUnavailable":       {"network", "네트워크", "cni", "flannel", "calico", "cilium", "subnet", "packet", "adapter"},
	"NodeCordoned":                 {"cordon", "drain", "드레인", "schedulingdisabled", "unschedulable"},
	"PDBBlocksDisruption":          {"pdb", "disruption", "poddisruptionbudget", "drain", "scale-down", "scale down", "patch"},
	"HPAUnable":                    {"hpa", "autoscal", "metric", "메트릭"},
	"NetworkPolicyNoPods":          {"networkpolicy", "network policy"},
	"NetworkPolicyAllowAll":        {"networkpolicy", "network policy"},
	"ConfigMapUnused":              {"configmap", "컨피그맵"},
	"ConfigMapEmpty":               {"configmap", "컨피그맵"},
	"EKLetHasInsufficientSubnetIP": {"subnet", "eklet"},
}

func embeddedEntries(t *testing.T) []knowledge.Entry {
	t.Helper()
	entries, problems := knowledge.LoadFS(context.Background(), knowledge.Embedded(), "embedded")
	for _, p := range problems {
		if le, ok := errors.AsType[*knowledge.LoadError](p); ok && le.Warning {
			continue
		}
		t.Fatalf("embedded runbooks: %v", p)
	}
	return entries
}

// TestEveryCodeHasATopic keeps codeTopics complete: every code a rule can
// report is checked below.
func TestEveryCodeHasATopic(t *testing.T) {
	e, err := NewEngine(EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range e.Codes() {
		if len(codeTopics[code]) == 0 {
			t.Errorf("finding code %s has no topic words in codeTopics", code)
		}
	}
}

// TestRunbookLinksMatchTheCodesTopic checks every runbook's `findings:`
// against the code's topic (see codeTopics).
func TestRunbookLinksMatchTheCodesTopic(t *testing.T) {
	for _, en := range embeddedEntries(t) {
		head := headWords(en)
		for _, code := range en.Findings {
			topics, ok := codeTopics[code]
			if !ok {
				t.Errorf("%s: findings lists %s, which is no finding code (see DESIGN.md \"Finding codes\")", en.ID, code)
				continue
			}
			if !slices.ContainsFunc(topics, head.mentions) {
				t.Errorf("%s links %s, but its id, titles and tags name none of %v: link a runbook about that problem", en.ID, code, topics)
			}
		}
	}
}

// TestRunbooksForCommonFindings pins the first generic runbook of findings
// whose link was wrong before: it must be about the finding's problem.
func TestRunbooksForCommonFindings(t *testing.T) {
	rb := NewRunbooks(embeddedEntries(t))
	tests := []struct {
		code, reason, provider string
		want                   []string // the first runbook's head names one of these
	}{
		{"PVCPending", "StorageClassMissing", "generic", []string{"storageclass"}},
		{"PVCPending", "NoDefaultStorageClass", "generic", []string{"storageclass"}},
		{"PVCPending", "ProvisioningFailed", "generic", []string{"provision"}},
		{"PVCPending", "", "aks", []string{"pvc"}},
		{"NodeCordoned", "", "generic", []string{"cordon"}},
		{"PDBBlocksDisruption", "", "generic", []string{"disruption", "pdb"}},
		{"CrashLoopBackOff", "", "generic", []string{"crashloopbackoff"}},
		{"ImagePullSecretMissing", "", "generic", []string{"image", "pull"}},
		{"NodeNotReady", "", "nks", []string{"notready", "not ready", "node"}},
		{"EvictedPods", "", "generic", []string{"evicted"}},
		{"IngressClassMissing", "NoClass", "generic", []string{"ingressclass"}},
		{"IngressClassMissing", "ClassNotFound", "generic", []string{"ingressclass"}},
		{"IngressBackendMissing", "ServiceNotFound", "generic", []string{"backend"}},
		{"IngressBackendMissing", "ServicePortNotFound", "generic", []string{"backend"}},
		{"IngressTLSSecretMissing", "", "generic", []string{"tls"}},
		{"ConfigMapUnused", "", "generic", []string{"unused"}},
		{"ConfigMapEmpty", "", "generic", []string{"empty"}},
		{"DaemonSetUnavailable", "", "generic", []string{"daemonset"}},
		{"PodSchedulingGated", "", "generic", []string{"gate", "schedulinggated"}},
		{"StatefulSetServiceMissing", "NotFound", "generic", []string{"headless"}},
		{"StatefulSetServiceMissing", "NotHeadless", "tke", []string{"headless"}},
		{"JobSuspended", "", "generic", []string{"suspend"}},
		{"CronJobSuspended", "", "aks", []string{"suspend"}},
		{"NetworkPolicyNoPods", "", "generic", []string{"podselector", "selects no pods"}},
		{"NetworkPolicyAllowAll", "ingress", "nks", []string{"empty rule", "ingress - {}"}},
		{"NodePressure", "MemoryPressure", "generic", []string{"pressure"}},
		{"NodePressure", "DiskPressure", "generic", []string{"pressure"}},
		{"NodePressure", "PIDPressure", "nks", []string{"pressure"}},
		{"ContainerCreateError", "CreateContainerConfigError", "generic", []string{"createcontainerconfigerror"}},
		{"ContainerCreateError", "CreateContainerError", "nks", []string{"createcontainererror"}},
		{"PodUnschedulable", "Taint", "generic", []string{"taint", "toleration"}},
		{"PodUnschedulable", "Taint", "nks", []string{"taint", "toleration"}},
		{"NodeNetworkUnavailable", "", "generic", []string{"networkunavailable", "network unavailable"}},
		{"NodeNetworkUnavailable", "NoRouteCreated", "aks", []string{"networkunavailable", "network unavailable"}},
		{"PodFailed", "Error", "generic", []string{"exit"}},
		{"PodFailed", "", "aks", []string{"exit"}},
		{"OOMKilled", "", "generic", []string{"oomkilled"}},
		{"OOMKilled", "", "tke", []string{"oomkilled"}},
		{"PodNotReady", "ReadinessProbe", "generic", []string{"probe"}},
		{"PodNotReady", "ReadinessProbe", "nks", []string{"probe"}},
		{"RolloutStuck", "ProgressDeadlineExceeded", "generic", []string{"progressdeadlineexceeded"}},
		{"RolloutStuck", "ProgressDeadlineExceeded", "aks", []string{"progressdeadlineexceeded"}},
		{"DeploymentUnavailable", "MinimumReplicasUnavailable", "generic", []string{"stuck"}},
		{"DeploymentUnavailable", "FailedCreate", "generic", []string{"stuck"}},
		{"HPAUnable", "FailedGetResourceMetric", "generic", []string{"hpa not scaling"}},
		{"HPAUnable", "MissingRequests", "generic", []string{"hpa not scaling"}},
		{"HPAUnable", "ScaleTargetNotFound", "nks", []string{"hpa not scaling"}},
		{"JobFailed", "BackoffLimitExceeded", "generic", []string{"backofflimitexceeded"}},
		{"JobFailed", "DeadlineExceeded", "generic", []string{"deadlineexceeded"}},
		{"JobFailed", "PodFailurePolicy", "aks", []string{"job failed"}},
	}
	byID := map[string]knowledge.Entry{}
	for _, en := range embeddedEntries(t) {
		byID[en.ID] = en
	}
	for _, tc := range tests {
		t.Run(tc.code+"/"+tc.reason+"/"+tc.provider, func(t *testing.T) {
			ids := rb.For(tc.code, tc.reason, tc.provider)
			if len(ids) == 0 {
				t.Fatalf("no runbook for %s", tc.code)
			}
			if h := headWords(byID[ids[0]]); !slices.ContainsFunc(tc.want, h.mentions) {
				t.Errorf("first runbook %s (of %v) names none of %v", ids[0], ids, tc.want)
			}
		})
	}
}

// head is the lower-case text of what a runbook is about and its words.
type head struct {
	text  string
	words []string
}

func headWords(en knowledge.Entry) head {
	text := strings.ToLower(strings.Join(append([]string{en.ID, en.TitleKo, en.TitleEn}, en.Tags...), " "))
	words := strings.FieldsFunc(text, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-'
	})
	var parts []string
	for _, w := range words {
		parts = append(parts, strings.Split(w, "-")...)
	}
	return head{text: text, words: append(words, parts...)}
}

// mentions reports whether topic occurs in h: a phrase anywhere, a single
// word at the start of one of h's words.
func (h head) mentions(topic string) bool {
	if strings.Contains(topic, " ") {
		return strings.Contains(h.text, topic)
	}
	return slices.ContainsFunc(h.words, func(w string) bool { return strings.HasPrefix(w, topic) })
}
