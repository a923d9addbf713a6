package knowledge

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
	"github.com/kubemedic/kubemedic/services/knowledge/wordlist"
)

// The domain gate refuses questions whose specific words are general IT
// vocabulary unless a runbook answers them confidently, and lets through any
// question that names something of the Kubernetes domain, even next to a
// general IT word.
func TestDomainGate(t *testing.T) {
	b := embedded(t)
	tests := []struct {
		q       string
		refused bool
	}{
		{"VPN 접속이 안돼요", true},
		{"how do I save and quit in vim", true},
		{"엑셀에서 중복된 행 지우는 법", true},
		{"vim이 컨테이너에 없어요", false},                                                                         // container is a domain word
		{"노드에 공인 IP가 없어서 파드에서 인터넷이 안 돼요", false},                                                          // pod and node are, and the answer names them
		{"파드에서 인터넷이 안 돼요", true},                                                                          // pod is, but the best match (CVM public bandwidth) never names pods
		{"업그레이드하고 나서 메트릭이 안 보여요", false},                                                                  // no general IT word: the confidence decides
		{"kubectl edit opens vi but I want nano", false},                                                  // kubectl is
		{"자바 스택트레이스가 줄마다 따로 수집돼요", false},                                                                 // off the domain, but a runbook covers it closely
		{"윈도우 업데이트 하고 나서 프린터가 안 잡혀요", true},                                                               // a runbook keyword phrase of everyday words is no domain word
		{"윈도우 노드 업데이트는 어떻게 받아요", false},                                                                   // node is
		{"리눅스 노트북 로그 위치가 어디예요", true},                                                                     // "로그 위치" is a keyword, yet names nothing of the domain
		{"windows service won't start after reboot, error 1053", true},                                    // "windows service" is a keyword; windows stays general IT
		{"naver cloud object storage upload fails with access denied", true},                              // the vendor, not its Kubernetes service
		{"네이버 클라우드 오브젝트 스토리지 업로드가 권한 거부돼요", true},                                                         // the keyword phrase "네이버 클라우드" names only the vendor
		{"그라파나 대시보드 변수에 값이 하나도 안 떠요", true},                                                               // a monitoring service outside the cluster
		{"클러스터 업그레이드 했더니 그라파나 대시보드 메트릭 일부가 안 나와요", false},                                                 // the same service next to the cluster
		{"reach a ClusterIP service from my laptop through the apiserver", false},                         // three domain words: the laptop is where the user sits
		{"공유기 DNS 설정 어떻게 바꿔요", true},                                                                      // two: the router may be the subject
		{"is there a web UI to browse workloads in the cluster", false},                                   // browse is corrected to browser, but is another word
		{"my chrom browser crashes", true},                                                                // browser itself is general IT
		{"what does microsoft recommend to protect AKS workloads from cryptomining style attacks", false}, // AKS says whose Kubernetes service
		{"텐센트 클라우드 CVM 사양 올리려면 인스턴스 재시작해야 하나요", true},                                                     // CVM is a Tencent product, but no domain word: a VM question
		{"CVM을 반납하면 거기서 돌던 컨테이너는 어떻게 돼요", false},                                                          // no vendor name; container is a domain word
		{"nomad node drain never finishes because a batch job keeps running", true},                       // Nomad outweighs node and drain, the two domain words the answer names
		{"azure scale set for our web VMs won't scale in after the load drops", true},                     // every AKS runbook names Azure: no mention of the subject
		{"네이버클라우드 쿠버네티스 공인로드밸런서가 안만들어져요", false},                                                          // the vendor's Kubernetes, by name
		{"ncloud-config 안에 acgNo 는 뭘 넣는거임", false},                                                        // ncloud names Naver, but ncloud-config is the NKS product
		{"docker swarm service won't scale past three replicas", true},                                    // the answer names Swarm and docker, but not service, scale or replicas
		{"our kafka pods sit in Pending with insufficient memory on every node", false},                   // the answer names pods, Pending and nodes
		{"갈레라 클러스터 노드가 재시작 후에 SST로 전체 동기화를 다시 해요", true},                                                  // SST: a name in Latin letters no runbook uses
	}
	for _, tt := range tests {
		res := b.Ask(context.Background(), tt.q, AskOptions{KeepRefused: true})
		gated := strings.Contains(res.Reason, "outside Kubernetes operations")
		if gated != tt.refused {
			t.Errorf("%q: gated %v (reason %q), want %v", tt.q, gated, res.Reason, tt.refused)
		}
		if gated && !res.NoAnswer {
			t.Errorf("%q: gated but answered", tt.q)
		}
	}
	// Without the stage the same question reaches the confidence model.
	tuning := DefaultTuning()
	tuning.Stages = tuning.Stages.Without(DomainGate{}.Name())
	plain, err := New(b.Entries(Filter{}), tuning)
	if err != nil {
		t.Fatal(err)
	}
	if res := plain.Ask(context.Background(), "VPN 접속이 안돼요", AskOptions{}); strings.Contains(res.Reason, "outside") {
		t.Errorf("gate ran although left out: %q", res.Reason)
	}
}

// A question about a machine (VM, instance, server) next to a system outside
// Kubernetes operations, or about another container platform, that names
// nothing of a cluster is refused at any confidence: without these rules the
// refused questions below were answered at 0.80–0.93. The kept ones name the
// cluster (node, pod, kubelet, API server, AKS, Kubernetes, the node's
// container runtime) and are answered.
func TestDomainGateMachinesAndPlatforms(t *testing.T) {
	b := embedded(t)
	tests := []struct {
		q      string
		reason string // "" when the question must be answered
	}{
		{"텐센트 클라우드 CVM 비밀번호로 로그인이 안 돼요", "machine"},
		{"애저 포털에서 VM 중지했는데 요금이 계속 나와요", "machine"},
		{"virtual machine network adapter not working in hyper-v", "machine"},
		{"네이버 클라우드 서버에 스토리지 추가했는데 마운트가 안 돼 있어요", "machine"}, // Naver Cloud calls its VMs servers
		{"reset the password of a tencent cloud instance from the console", "machine"},
		{"docker swarm service replicas stuck at 0/3", "platform"},
		{"how do I see logs of a docker swarm service across all nodes", "platform"}, // Swarm has nodes too
		{"포드맨으로 띄운 컨테이너가 재부팅하면 다시 안 올라와요", "platform"},                               // 포드맨 is no pod
		{"cloud run instance exceeded memory limit and was restarted", "platform"},   // a two-word name
		{"애저 앱 서비스 always on 켜면 요금이 더 나와요?", "platform"},
		{"docker run container on my VPS can't resolve DNS", "platform"},
		{"restart a systemd service after config change", "service manager"},
		{"systemd 서비스 enable 해놨는데 서버 재부팅하면 자동으로 안 올라와요", "service manager"},
		{"서비스 재시작 명령어 systemctl", "service manager"},
		{"windows service stuck in starting state after patch tuesday", "platform"}, // a machine's own services
		{"윈도우 서비스 시작 유형을 지연된 자동 시작으로 바꾸는 법", "platform"},
		{"kubelet runs as a windows service on our windows node and its logs are empty", ""},
		{"windows node cannot reach a service ip", ""},
		{"systemd 노드에서 kubelet 이랑 컨테이너 런타임 로그 어디 쌓여?", ""},
		{"kubelet logs aren't under /var/log, where are they on a systemd node", ""},
		{"AKS 노드 VM에 SSH 없이 쉘로 들어가는 방법", ""},
		{"애저 포털에서 AKS 노드 VM을 중지하면 클러스터에 문제 생겨요?", ""},
		{"마스터 서버 VM이 죽으면 돌고 있는 파드는 어떻게 돼요", ""},
		{"로컬에서 API 서버를 curl로 호출하고 싶어요", ""}, // the API server is the cluster's
		{"windows pods on a hyper-v VM node have no connectivity, do I need MAC spoofing", ""},
		{"노드에서 docker compose 를 돌려야 하면 컨테이너 런타임은 뭘로 골라야 돼요?", ""},
		{"on an ubuntu server node with containerd, how do I list running containers with crictl", ""},
	}
	for _, tt := range tests {
		res := b.Ask(context.Background(), tt.q, AskOptions{KeepRefused: true})
		switch {
		case tt.reason == "" && res.NoAnswer:
			t.Errorf("%q: refused (%s), want an answer", tt.q, res.Reason)
		case tt.reason != "" && !res.NoAnswer:
			t.Errorf("%q: answered %v at %.2f, want refused as about a %s", tt.q, res.Answers[0].ID, res.Confidence, tt.reason)
		case tt.reason != "" && !strings.Contains(res.Reason, tt.reason):
			t.Errorf("%q: refused because %q, want a reason about a %s", tt.q, res.Reason, tt.reason)
		}
	}
}

// floorCase is a question answered from a floor below MinConfidence, or
// refused.
type floorCase struct {
	q      string
	want   string // "" when the question must be refused
	belowM bool   // the answer's confidence is below MinConfidence
}

// checkLowerFloor asks each case of the embedded base and checks its answer,
// or its refusal, and that a case marked belowM is answered below
// MinConfidence, so that it exercises the lower floor.
func checkLowerFloor(t *testing.T, tests []floorCase) {
	t.Helper()
	b := embedded(t)
	for _, tt := range tests {
		res := b.Ask(context.Background(), tt.q, AskOptions{KeepRefused: true})
		switch {
		case tt.want == "" && !res.NoAnswer:
			t.Errorf("%q: answered %s at %.2f, want refused", tt.q, res.Answers[0].ID, res.Confidence)
		case tt.want != "" && res.NoAnswer:
			t.Errorf("%q: refused (%s), want %s", tt.q, res.Reason, tt.want)
		case tt.want != "" && res.Answers[0].ID != tt.want:
			t.Errorf("%q: answered %s, want %s", tt.q, res.Answers[0].ID, tt.want)
		case tt.belowM && res.Confidence >= DefaultMinConfidence:
			t.Errorf("%q: confidence %.2f, want below %.2f (the case must exercise the lower floor)", tt.q, res.Confidence, DefaultMinConfidence)
		}
	}
}

// A question that names a provider's Kubernetes service, with a runbook of
// that service on top, is answered from namedServiceMinConfidence; the same
// question without the service named is not.
func TestNamedServiceMinConfidence(t *testing.T) {
	tests := []floorCase{
		// The first two are answered above MinConfidence since their
		// runbooks' example questions say image size, uptime and tier; the
		// third exercises the floor, and the uptime questions without AKS
		// below are refused.
		{"is there a cap on how big a container image can be on AKS", "aks-container-image-size-limit", false},
		{"our contract needs a financially backed uptime promise for AKS, which tier gives that", "aks-sla-uptime", false},
		{"money back promise on uptime for AKS?", "aks-sla-uptime", true},
		{"money back promise on uptime?", "", false},                              // 0.23
		{"cheapest way to pause our dev AKS cluster over the weekend", "", false}, // 0.38: below 0.4 as well
		{"our contract needs a financially backed uptime promise, which tier gives that", "", false},
	}
	checkLowerFloor(t, tests)
}

// A question the domain gate lets through that names something only
// Kubernetes has (hpa, daemonset), with a top runbook that names it too, is
// answered from namedServiceMinConfidence although chat words around the
// term keep its confidence below MinConfidence; below that floor, in another
// sense of a shared word (evict a tenant), or naming no Kubernetes-only term
// it is still refused.
func TestKubernetesTermMinConfidence(t *testing.T) {
	tests := []floorCase{
		{"my hpa won't go past maxReplicas no matter how busy things get, is that expected", "k8s-hpa-not-scaling", true},
		{"daemonset pods are missing on a couple of nodes, not sure why tbh", "k8s-daemonset-pods-missing-nodes", true},
		{"pod has been in ImagePullBackOff all morning, no idea honestly", "", false}, // 0.25: below the lower floor too
		{"the landlord wants to evict us next month, what are our rights", "", false},
		{"cheapest pod coffee machine for a small office", "", false},
	}
	checkLowerFloor(t, tests)
}

// English inflections meet in one stem, and a stem is no typo suggestion.
func TestEnglishStemming(t *testing.T) {
	eng := embedded(t).cur.Load().engine
	stems := func(q string) []string {
		var out []string
		for _, t := range eng.parse(q).all {
			if t.Kind == analysis.Stem {
				out = append(out, t.Text)
			}
		}
		return out
	}
	a, b := stems("restarting pods"), stems("restarted pods")
	if len(a) == 0 || len(b) == 0 || a[0] != b[0] {
		t.Errorf("restarting → %v, restarted → %v; want one stem", a, b)
	}
	if got := typoDictOf(t, eng).completion("rotate"); got == "" || !eng.words[got] || got == "rotat" {
		t.Errorf("completion(rotate) = %q, want a word of the runbooks, not a stem", got)
	}
}

// The general IT list must not name the domain: no word of it may be a
// Kubernetes/cloud glossary concept, or the gate would refuse real questions.
func TestGeneralITListIsOutsideTheDomain(t *testing.T) {
	eng := embedded(t).cur.Load().engine
	g := eng.analyzer.Glossary()
	for _, w := range wordlist.Parse(generalITList) {
		for _, term := range eng.analyzer.Terms(w) {
			if c, ok := strings.CutPrefix(term.Text, analysis.ConceptPrefix); ok && term.Kind == analysis.Concept && !g.Everyday(c) {
				t.Errorf("general IT word %q is the domain concept %q", w, c)
			}
		}
	}
}

// The vendor concepts are the glossary concepts of the providers' index words
// that name the company, not its Kubernetes service.
func TestDomainVendorConcepts(t *testing.T) {
	d := boundDomain(t, embedded(t).cur.Load().engine)
	want := []string{"@azure", "@naver", "@tencent"}
	var got []string
	for c := range d.vendor {
		got = append(got, c)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("vendor concepts %v, want %v", got, want)
	}
}

// A Latin keyword word is a technical term only when the Korean runbooks
// write it too, and their prose about as often as the English prose; words
// only English keywords and bodies use, or that Korean runbooks write in
// commands while English prose uses them as words, are ordinary.
func TestDomainTechnicalTerms(t *testing.T) {
	eng := embedded(t).cur.Load().engine
	d := boundDomain(t, eng)
	tests := []struct {
		word      string
		technical bool
	}{
		{"kubectl", true},
		{"crictl", true},
		{"hostpath", true},
		{"address", false}, // English keywords only, now and then in Korean code
		{"config", false},
		{"password", false}, // Korean runbooks write it in commands only, English prose as a word
		{"token", false},
		{"ipvsadm", true}, // a word of code blocks alone
		{"0", false},      // digits name nothing
	}
	for _, tt := range tests {
		if !eng.curated[tt.word] {
			t.Errorf("%q is no keyword or tag word of the runbooks; pick another example", tt.word)
		}
		if got := d.technical[tt.word]; got != tt.technical {
			t.Errorf("technical[%q] = %v, want %v", tt.word, got, tt.technical)
		}
	}
}

// The gate's confidence bands: a question that names the domain and general
// IT vocabulary needs mixedMinConfidence, one that names only general IT
// vocabulary offDomainMinConfidence, one that names neither but has a Latin
// word no runbook uses mixedMinConfidence, and any other is left to
// MinConfidence.
func TestDomainGateBands(t *testing.T) {
	eng := embedded(t).cur.Load().engine
	d := boundDomain(t, eng)
	tests := []struct {
		q          string
		confidence float64
		refused    bool
	}{
		{"vim이 컨테이너에 없어요", mixedMinConfidence - 0.05, true},
		{"vim이 컨테이너에 없어요", mixedMinConfidence, false},
		{"VPN 접속이 안돼요", offDomainMinConfidence - 0.05, true},
		{"VPN 접속이 안돼요", offDomainMinConfidence, false},
		{"파드가 계속 재시작돼요", 0.3, false},
		// Neither domain nor general IT words, but a Latin word no runbook
		// uses: in an English question a weak match is likely about that
		// unknown thing; in a Korean question, which writes ordinary words in
		// Hangul, the word is the name of something else (foreignName).
		{"zorblax settings keep resetting", mixedMinConfidence - 0.05, true},
		{"zorblax settings keep resetting", mixedMinConfidence, false},
		{"zorblax 설정이 자꾸 초기화돼요", offDomainMinConfidence - 0.05, true},
		{"zorblax 설정이 자꾸 초기화돼요", offDomainMinConfidence, false},
		{"zorblax2 설정이 자꾸 초기화돼요", mixedMinConfidence, true},         // the subject's name, unknown: see unknownSubject
		{"zorblax2 설정이 자꾸 초기화돼요", offDomainMinConfidence, false},    // with digits: not foreignName, so not refused above the band
		{"500Mi 설정이 자꾸 초기화돼요", mixedMinConfidence, false},           // a quantity is no name
		{"업그레이드하고 나서 메트릭이 안 보여요", mixedMinConfidence - 0.05, false}, // every word known: the confidence decides
	}
	for _, tt := range tests {
		reason := d.gate(eng, eng.parse(tt.q), -1, tt.confidence)
		if (reason != "") != tt.refused {
			t.Errorf("%q at %.2f: reason %q, want refused %v", tt.q, tt.confidence, reason, tt.refused)
		}
	}
}

// A general IT word the top answer never mentions is what the question is
// about and the answer is not: the question needs offDomainMinConfidence
// even when it names the domain too. The same question whose answer does
// mention the word keeps the mixed band.
func TestDomainGateIgnoredForeignWord(t *testing.T) {
	b := embedded(t)
	eng := b.cur.Load().engine
	d := boundDomain(t, eng)
	doc := func(id string) int {
		i, ok := b.cur.Load().byID[id]
		if !ok {
			t.Fatalf("no entry %s", id)
		}
		return i
	}
	const q = "vim이 컨테이너에 없어요"
	tests := []struct {
		top        string
		covers     bool // the runbook names vim
		confidence float64
		refused    bool
	}{
		{"tke-terminal-missing-tools", true, mixedMinConfidence, false},
		{"tke-terminal-missing-tools", true, mixedMinConfidence - 0.01, true},
		{"k8s-pod-pending-hostport", false, mixedMinConfidence, true},
		{"k8s-pod-pending-hostport", false, offDomainMinConfidence - 0.01, true},
		{"k8s-pod-pending-hostport", false, offDomainMinConfidence, false},
	}
	for _, tt := range tests {
		top := doc(tt.top)
		pq := eng.parse(q)
		if got := mentions(eng, pq, pq.units[0], top); got != tt.covers {
			t.Fatalf("%s covers %s: %v; the test assumes %v", tt.top, pq.units[0].surface, got, tt.covers)
		}
		reason := d.gate(eng, eng.parse(q), top, tt.confidence)
		if (reason != "") != tt.refused {
			t.Errorf("%q answered by %s at %.2f: reason %q, want refused %v", q, tt.top, tt.confidence, reason, tt.refused)
		}
	}
}

// A word of the general IT vocabulary means itself: a glossary concept found
// in a piece of it (레디 of 레디스, 공유 of 공유기) is dropped; the concept of
// the whole word (윈도우 → @windows) and other words' concepts stay.
func TestDomainGateGeneralWordMeansItself(t *testing.T) {
	eng := embedded(t).cur.Load().engine
	concepts := func(q, surface string) []string {
		var out []string
		pq := eng.parse(q)
		defer pq.release()
		for _, u := range pq.units {
			if u.surface != surface {
				continue
			}
			for _, t := range u.terms {
				if t.Kind == analysis.Concept {
					out = append(out, t.Text)
				}
			}
		}
		return out
	}
	tests := []struct {
		q, word string
		want    []string
	}{
		{"레디스 클러스터 노드가 죽었어요", "레디스", nil},
		{"공유기 DNS 설정", "공유기", nil},
		{"레디스 클러스터 노드가 죽었어요", "노드가", []string{"@node"}},
		{"윈도우 노드 업데이트", "윈도우", []string{"@windows"}},
	}
	for _, tt := range tests {
		if got := concepts(tt.q, tt.word); !slices.Equal(got, tt.want) {
			t.Errorf("%q: concepts of %s = %v, want %v", tt.q, tt.word, got, tt.want)
		}
	}
	// Without the stage the piece's concept is there.
	tuning := DefaultTuning()
	tuning.Stages = tuning.Stages.Without(DomainGate{}.Name())
	plain, err := New(embedded(t).Entries(Filter{}), tuning)
	if err != nil {
		t.Fatal(err)
	}
	pq := plain.cur.Load().engine.parse("레디스 클러스터")
	defer pq.release()
	if !slices.ContainsFunc(pq.all, func(t analysis.Term) bool { return t.Text == "@ready" }) {
		t.Errorf("without the domain stage 레디스 has no @ready concept: the test no longer shows anything")
	}
}

// A dotted name no runbook writes whole, ending in a piece no runbook uses
// (node.js), is a name of its own: its pieces lend no glossary concept (node
// is not the Kubernetes node). File names with an extension the runbooks use
// (deployment.yaml), dotted names the runbooks write (kubernetes.default,
// svc.cluster.local) and compounds joined by other punctuation
// (Init:CrashLoopBackOff) keep them.
func TestDomainGateUnknownDottedName(t *testing.T) {
	eng := embedded(t).cur.Load().engine
	concepts := func(e *engine, q string) []string {
		var out []string
		pq := e.parse(q)
		defer pq.release()
		for _, t := range pq.units[0].terms {
			if t.Kind == analysis.Concept {
				out = append(out, t.Text)
			}
		}
		return out
	}
	tests := []struct {
		q    string
		want []string
	}{
		{"node.js 서버 메모리가 계속 올라가요", nil},
		{"nuxt.js 빌드하면 노드 메모리 부족", nil},
		{"kubernetes.default 조회가 안 돼요", []string{"@kubernetes"}},
		{"svc.cluster.local 도메인이 안 풀려요", []string{"@service", "@cluster"}},
		{"Init:CrashLoopBackOff 상태예요", []string{"@initcontainer", "@crashloopbackoff"}},
		{"node-problem-detector 설치", []string{"@nodeproblemdetector", "@node"}},
		{"deployment.yaml 고쳤는데 반영이 안 돼요", []string{"@deployment", "@manifest"}}, // a file named after its pieces
	}
	for _, tt := range tests {
		if got := concepts(eng, tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("%q: concepts of its first word = %v, want %v", tt.q, got, tt.want)
		}
	}
	// Without the stage the piece's concept is there.
	tuning := DefaultTuning()
	tuning.Stages = tuning.Stages.Without(DomainGate{}.Name())
	plain, err := New(embedded(t).Entries(Filter{}), tuning)
	if err != nil {
		t.Fatal(err)
	}
	if got := concepts(plain.cur.Load().engine, "node.js 서버"); !slices.Contains(got, "@node") {
		t.Errorf("without the domain stage node.js has concepts %v, no @node: the test no longer shows anything", got)
	}
}

// A question with domain and general IT words whose top answer names none
// of its domain words was matched through the general IT side only: it
// needs offDomainMinConfidence. The same question answered by a runbook that
// names its domain word keeps the mixed band.
func TestDomainGateUncoveredDomainWords(t *testing.T) {
	b := embedded(t)
	eng := b.cur.Load().engine
	d := boundDomain(t, eng)
	const q = "vim이 컨테이너에 없어요" // vim: general IT; 컨테이너: domain
	tests := []struct {
		top        string
		covers     [2]bool // the runbook names vim, 컨테이너
		confidence float64
		refused    bool
	}{
		{"tke-terminal-missing-tools", [2]bool{true, true}, mixedMinConfidence, false},
		{"k8s-kubectl-edit", [2]bool{true, false}, mixedMinConfidence, true},
		{"k8s-kubectl-edit", [2]bool{true, false}, offDomainMinConfidence - 0.01, true},
		{"k8s-kubectl-edit", [2]bool{true, false}, offDomainMinConfidence, false},
	}
	for _, tt := range tests {
		top, ok := b.cur.Load().byID[tt.top]
		if !ok {
			t.Fatalf("no entry %s", tt.top)
		}
		pq := eng.parse(q)
		for i, u := range pq.units[:2] {
			if got := mentions(eng, pq, u, top); got != tt.covers[i] {
				t.Fatalf("%s names %s: %v; the test assumes %v", tt.top, u.surface, got, tt.covers[i])
			}
		}
		reason := d.gate(eng, pq, top, tt.confidence)
		if (reason != "") != tt.refused {
			t.Errorf("%q answered by %s at %.2f: reason %q, want refused %v", q, tt.top, tt.confidence, reason, tt.refused)
		}
	}
}

// boundDomain is the domain gate bound to eng.
func boundDomain(t *testing.T, eng *engine) *domainModel {
	t.Helper()
	for _, g := range eng.stages.gate {
		if m, ok := g.(*domainModel); ok {
			return m
		}
	}
	t.Fatal("domain gate not bound")
	return nil
}

// A question that denies Kubernetes or a provider's Kubernetes service where
// it names it is about what it uses instead; a question that names the
// service without denying it keeps it.
func TestDeniedEverywhere(t *testing.T) {
	tests := []struct {
		text, word string
		denied     bool
	}{
		{"we don't use aks for this", "aks", true},
		{"scaling vms without aks", "aks", true},
		{"our vms, we are not on tke", "tke", true},
		{"no aks here, just vms", "aks", true},
		{"aks는 안 써요", "aks", true},
		{"aks 없이 vm만 써요", "aks", true},
		{"tke 말고 cvm", "tke", true},
		{"vm 디스크 늘리기 (쿠버 아님)", "쿠버", true},
		{"쿠버네티스 아닙니다, 그냥 리눅스 서버", "쿠버네티스", true},
		{"aks 아닌 일반 vm", "aks", true},
		{"aks 안 노드가 아니라 파드 문제", "aks", false},              // 안: inside AKS; the negation is of 노드
		{"no aks nodes are ready", "aks", false},           // about AKS nodes
		{"aks 안에서 파드가 안 떠요", "aks", false},                 // 안에서: inside AKS
		{"aks is fine but we don't use aks", "aks", false}, // named once without denial
		{"kubelet logs", "aks", false},
	}
	for _, tt := range tests {
		if got := deniedEverywhere(tt.text, tt.word); got != tt.denied {
			t.Errorf("deniedEverywhere(%q, %q) = %v, want %v", tt.text, tt.word, got, tt.denied)
		}
	}
}

// Questions about app servers, script shells, load balancers outside a
// cluster, other clouds' machines and a denied Kubernetes service are
// refused by the gate; the same products inside a cluster are not.
func TestDomainGateGeneralisedCategories(t *testing.T) {
	b := embedded(t)
	tests := []struct {
		q       string
		refused bool
	}{
		{"uwsgi workers keep getting respawned every few minutes", true},   // an app server: workers are no nodes
		{"haproxy backend health check interval and fall count", true},     // a load balancer outside a cluster
		{"keepalived 마스터 장애 시 VIP 이동이 느려요", true},                          // failover outside a cluster
		{"파워쉘로 만든 배포 스크립트 종료 코드 확인하는 법", true},                             // a workstation shell
		{"we do not use AKS, our azure VM scale set won't scale in", true}, // AKS denied: the vendor's VMs
		{"쿠버네티스 파드 안의 celery 워커가 OOMKilled 로 재시작돼요", false},                // the app server in a pod
		{"AKS 노드풀 VMSS 용량을 az aks scale 말고 포털에서 바꿔도 되나", false},            // AKS named, not denied
	}
	for _, tt := range tests {
		res := b.Ask(context.Background(), tt.q, AskOptions{KeepRefused: true})
		gated := strings.Contains(res.Reason, "outside Kubernetes operations") || strings.Contains(res.Reason, "names nothing of a cluster")
		if gated != tt.refused || gated && !res.NoAnswer {
			t.Errorf("%q: gated %v, no answer %v (reason %q), want refused %v", tt.q, gated, res.NoAnswer, res.Reason, tt.refused)
		}
	}
}

// A domain word only through a concept other systems share (worker, health
// check, load balancer, job) is weak; pod, kubelet and OOMKilled are not.
func TestDomainWeakWords(t *testing.T) {
	eng := embedded(t).cur.Load().engine
	d := boundDomain(t, eng)
	tests := []struct {
		q    string
		weak map[string]bool // surface → weak, for the question's domain words
	}{
		{"worker health check failed", map[string]bool{"worker": true, "health": true}},
		{"pod kubelet oomkilled", map[string]bool{"pod": false, "kubelet": false, "oomkilled": false}},
	}
	for _, tt := range tests {
		q := eng.parse(tt.q)
		for _, u := range q.units {
			want, ok := tt.weak[u.surface]
			if !ok {
				continue
			}
			if c := d.classify(eng, q, u, false); c != domainWord {
				t.Errorf("%q in %q: class %v, want a domain word", u.surface, tt.q, c)
				continue
			}
			if got := d.weakDomain(eng, q, u); got != want {
				t.Errorf("%q in %q: weak %v, want %v", u.surface, tt.q, got, want)
			}
		}
		q.release()
	}
}

// A Korean question that names nothing of the domain (no domain word, no
// general IT word) but has a word neither the runbooks nor the glossary know
// (a product in Hangul) needs mixedMinConfidence when its top answer is a
// built-in runbook; every word known, or an answer from an extra directory
// (top unknown here), leaves it to MinConfidence.
func TestDomainGateKoreanNoDomainBand(t *testing.T) {
	eng := embedded(t).cur.Load().engine
	d := boundDomain(t, eng)
	tests := []struct {
		q       string
		top     int
		refused bool
	}{
		{"줄리아 패키지 설치가 느려요", 0, true},
		{"줄리아 패키지 설치가 느려요", -1, false},
		{"업그레이드하고 나서 메트릭이 안 보여요", 0, false},
	}
	for _, tt := range tests {
		q := eng.parse(tt.q)
		reason := d.gate(eng, q, tt.top, mixedMinConfidence-0.05)
		if (reason != "") != tt.refused {
			t.Errorf("%q (top %d): reason %q, want refused %v", tt.q, tt.top, reason, tt.refused)
		}
		if r := d.gate(eng, q, tt.top, mixedMinConfidence); r != "" {
			t.Errorf("%q at mixedMinConfidence: refused %q", tt.q, r)
		}
		q.release()
	}
}

// A question that names something only a Kubernetes cluster has (a pod, a
// NodePort, a readiness probe) is about the cluster even when the general IT
// word it names (the app's language) is one the top answer never mentions:
// the word is what runs in the pod, and the question keeps the mixed band.
// One whose only cluster word other systems share too (evicted keys of a
// cache, a CI service's agent pool) still needs offDomainMinConfidence.
func TestDomainGateWorkloadLanguage(t *testing.T) {
	checkGate(t, mixedMinConfidence, []gateCase{
		{"자바 앱 레디니스 프로브가 실패해요", "k8s-pod-probe-failures", false},
		{"python app startupProbe keeps failing", "k8s-pod-probe-failures", false},
		{"java app NodePort service not reachable", "k8s-service-cluster-ip-not-responding", false},
		{"레디스 eviction 정책은 뭐가 좋아요", "k8s-evicted-pods", true},
		{"azure devops pipeline can't find the agent pool", "aks-reserved-instance-discount", true},
		{"HAProxy health check marks the backend down", "k8s-pod-probe-failures", true},
	})
}

// Questions outside Kubernetes operations that share only what every
// program, machine or CI service has with a runbook are refused, whatever
// their confidence: a language runtime's memory (heap, Xmx, GC) without a
// container or a Kubernetes part, a machine whose domain words are all shared
// with other systems (NFS, firewall), a CI service or the Windows Task
// Scheduler named by its two words, a host monitoring agent, the office. The
// same words next to a pod, a container, a DaemonSet or the kubelet are
// answered.
func TestDomainGateSharedWordsOutsideTheCluster(t *testing.T) {
	b := embedded(t)
	tests := []struct {
		q       string
		rule    string // a word of the refusal's reason
		refused bool
	}{
		{"스프링 앱 Xmx 를 서버 메모리 절반으로 잡아도 돼요?", "runtime memory", true},
		{"how big should the heap be for a node process with 4 GB of ram", "runtime memory", true},
		{"GOGC 값을 낮추면 메모리를 덜 먹나요", "runtime memory", true},
		{"자바 파드 힙이 메모리 limit 보다 커서 OOMKilled 돼요", "runtime memory", false},
		{"jvm heap inside the container grows past its memory limit and it gets killed", "runtime memory", false},
		{"kubelet 이미지 GC 임계값은 어디서 바꿔요", "runtime memory", false},
		{"앱 서버 두 대 NFS 마운트가 재부팅하고 나면 빠져 있어요", "machine", true},
		{"github actions workflow fails with no space left on device", "platform", true},
		{"작업 스케줄러에 등록한 배치 파일이 밤에 안 돌아요", "platform", true},
		{"office firewall blocks outbound port 3389", "outside Kubernetes operations", true},
		{"node_exporter on our bare metal database hosts exposes no filesystem metrics", "node_exporter", true},
		{"물리 서버에 노드 익스포터 올렸는데 CPU 지표가 비어 있어요", "노드 익스포터", true},
		{"node-exporter 데몬셋 파드가 GPU 노드에서는 안 떠요", "node-exporter", false},
	}
	for _, tt := range tests {
		res := b.Ask(context.Background(), tt.q, AskOptions{KeepRefused: true})
		switch {
		case tt.refused && !res.NoAnswer:
			t.Errorf("%q: answered %s at %.2f, want refused (%s)", tt.q, res.Answers[0].ID, res.Confidence, tt.rule)
		case tt.refused && !strings.Contains(res.Reason, tt.rule):
			t.Errorf("%q: refused because %q, want a reason about %s", tt.q, res.Reason, tt.rule)
		case !tt.refused && res.NoAnswer:
			t.Errorf("%q: refused (%s), want an answer", tt.q, res.Reason)
		}
	}
}

// A word that is domain evidence only as a protocol or a client error every
// networked program has (http, grpc, context deadline exceeded) is weak: next
// to a language's name, with an answer that never names the language, the
// question is refused below offDomainMinConfidence; next to a Kubernetes
// probe it is about the pod.
func TestDomainGateSharedTechnicalWords(t *testing.T) {
	b := embedded(t)
	eng := b.cur.Load().engine
	d := boundDomain(t, eng)
	top := b.cur.Load().byID["k8s-pod-probe-failures"]
	tests := []struct {
		q       string
		refused bool
	}{
		{"golang service gets context deadline exceeded calling the payments api", true},
		{"파이썬 앱이 grpc 호출에서 deadline exceeded 가 나요", true},
		{"liveness probe fails with context deadline exceeded", false},
		{"자바 앱 readiness 프로브가 http 타임아웃으로 실패해요", false},
	}
	for _, tt := range tests {
		reason := d.gate(eng, eng.parse(tt.q), top, 0.7)
		if (reason != "") != tt.refused {
			t.Errorf("%q → probe runbook at 0.70: reason %q, want refused %v", tt.q, reason, tt.refused)
		}
	}
}

// TestDomainGateCountsStrongDomainWords checks that the words other systems
// share (services, REST, Docker, registries) do not add up to the three
// domain words that let a question keep a general IT word its answer never
// mentions: a Ruby service's REST call or an Artifactory registry is still
// about Ruby or Artifactory.
func TestDomainGateCountsStrongDomainWords(t *testing.T) {
	checkGate(t, 0.7, []gateCase{
		{"ruby service calling a partner rest api gets connection reset", "k8s-kubectl-proxy", true},
		{"아티팩토리 도커 레지스트리로 push 하면 unauthorized 떠요", "k8s-pod-waiting-image-pull", true},
		{"tomcat container in a pod gets OOMKilled when requests spike", "k8s-container-oomkilled", false},
		{"our kafka pods sit in Pending with insufficient memory on the nodes", "k8s-pod-pending-insufficient-resources", false},
	})
}

// gateCase is a question, the runbook on top of its answers and whether the
// domain gate refuses it.
type gateCase struct {
	q       string
	top     string
	refused bool
}

// checkGate checks the domain gate's verdict on each case, its top answer
// at confidence.
func checkGate(t *testing.T, confidence float64, cases []gateCase) {
	t.Helper()
	b := embedded(t)
	eng := b.cur.Load().engine
	d := boundDomain(t, eng)
	for _, tt := range cases {
		top, ok := b.cur.Load().byID[tt.top]
		if !ok {
			t.Fatalf("no runbook %s", tt.top)
		}
		reason := d.gate(eng, eng.parse(tt.q), top, confidence)
		if (reason != "") != tt.refused {
			t.Errorf("%q → %s at %.2f: reason %q, want refused %v", tt.q, tt.top, confidence, reason, tt.refused)
		}
	}
}

// A question whose subject phrase names something the runbooks do not know
// (bind9, node.js, log4j: a Latin name no more than rareDocs runbooks use,
// with digits, dots or hyphens in an English question, any such word in a
// Korean one) and nothing only Kubernetes has is about that thing: below
// offDomainMinConfidence it is refused, however well its generic words (zone,
// timeout, config) match. An asker's own workload name next to a Kubernetes
// kind, a version and a word carrying Kubernetes' name are not such names.
func TestDomainGateUnknownSubject(t *testing.T) {
	checkGate(t, 0.7, []gateCase{
		{"bind9 zone transfer to the secondary fails", "k8s-dns-kubernetes-default-lookup-fails", true},
		{"node.js server timeout after two minutes", "k8s-pod-probe-failures", true},
		{"log4j config not picked up by the app", "k8s-configmap-changes-not-applied", true},
		{"bind9 존 전송이 세컨더리로 안 가요", "k8s-addon-coredns", true},
		{"payment-api deployment keeps restarting", "k8s-pod-crashing-logs", false},
		{"checkout-web pods stuck in Pending", "k8s-pod-pending-insufficient-resources", false},
		{"coredns-7d8 pod crashloop", "k8s-pod-crashing-logs", false},
		{"v1.29 upgrade broke the metrics", "k8s-metric-lifecycle-hidden-metrics", false},
		{"kube-proxy iptables rules missing", "k8s-kube-proxy-rules-check", false},
		{"payment-api 디플로이먼트 롤아웃이 멈췄어요", "k8s-deployment-rollout-stuck-rollback", false},
		{"우리 nginx 파드가 자꾸 재시작돼요", "k8s-pod-crashing-logs", false},
		{"mysql-0 파드가 Pending이에요", "k8s-pod-pending-insufficient-resources", false},
	})
}

func TestUnknownSubjectHelpers(t *testing.T) {
	for _, tt := range []struct {
		w       string
		version bool
	}{{"v1.29", true}, {"1.28.3", true}, {"500mi", true}, {"v", false}, {"vault", false}, {"bind9", false}, {"node.js", false}} {
		if got := numberLike(tt.w); got != tt.version {
			t.Errorf("numberLike(%q) = %v, want %v", tt.w, got, tt.version)
		}
	}
}
