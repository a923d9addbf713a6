package knowledge

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
	"github.com/kubemedic/kubemedic/services/knowledge/korean"
	"github.com/kubemedic/kubemedic/services/knowledge/wordlist"
)

// DomainGate refuses a question whose key terms lie outside Kubernetes
// operations, even when it shares a generic word with a runbook ("VPN 접속이
// 안돼요" shares 접속 with runbooks about API server access). Its domain model
// comes from the corpus and one list:
//
//   - domain words: Kubernetes/cloud glossary concepts (pod, ingress, CLB;
//     not the everyday ones such as error, log, password), runbook keyword
//     phrases with at least one word that names the domain by itself
//     ("윈도우 업데이트", "로그 위치" and "command not found" are keywords,
//     yet no domain words), and technical terms: the Latin words of the
//     runbooks' keywords and tags (hostPath, crictl, ncloud-config) that the
//     Korean runbooks write too, their prose (outside code blocks) in at
//     least half as many runbooks as the English prose — a word only the
//     English translation uses (add, address, config), or one Korean
//     runbooks write only in commands while the English prose uses it as a
//     word (reset, password, token), is ordinary English. Korean words outside the glossary are
//     ordinary language (회사, 용량, 저장), not domain evidence: the glossary
//     holds the Korean domain vocabulary;
//   - foreign words: general IT vocabulary (data/general-it.txt: office
//     software, devices, other clouds, developer tools, databases, app
//     servers and process managers, script shells, load balancers and
//     monitoring outside a cluster, registrars), even
//     when a runbook mentions them (vim, Java); in a Korean question, a
//     Latin word without digits that no runbook uses (foreignName); and the
//     name of a cloud
//     company whose Kubernetes service the runbooks cover (Tencent, Azure,
//     Microsoft, Naver Cloud: the glossary concepts of the provider index
//     words of data/providers.txt other than the service's own, tke, aks,
//     nks), unless the question names one of the provider's products (AKS,
//     VMSS, CLB, ncloud-config). The company sells much besides Kubernetes
//     (VMs, object storage, directories, consoles): "naver cloud object
//     storage upload fails" names only the vendor, "what does microsoft
//     recommend to protect AKS workloads" names its Kubernetes service. A
//     vendor's products count only when their word names the domain by
//     itself (CLB, AKS: "텐센트 클라우드 CVM 사양" names a VM, an everyday
//     concept, and stays with the vendor). A
//     typo correction to a general IT word counts, except one that only
//     adds or leaves off letters at the end of a Latin word (browse →
//     browser: another word, not a misspelling; see otherForm);
//   - everything else (everyday concepts such as connect, save, error,
//     cost, and words no runbook uses) is neutral.
//
// A question with at least one foreign word and no domain word is off the
// domain: it is answered only when its top answer reaches
// offDomainMinConfidence, the band where answers have been right nine times
// out of ten (see the reliability table of `kubemedic kb eval`), instead of
// the usual MinConfidence. "VPN 접속이 안돼요" is refused; "자바 스택트레이스가
// 줄마다 따로 수집돼요", whose words a log-collection runbook covers
// closely, is still answered. A question with both domain and foreign words
// needs mixedMinConfidence, unless its top answer never mentions one of the
// foreign words (by the word, its stem, its concept or a correction; a cloud
// company's name, which every runbook of its service names, never counts as
// mentioned: see vendorName) and the
// question has fewer than ignoredMaxDomain domain words: then that word is
// what the question is about and the answer is not, and the question needs
// offDomainMinConfidence ("Windows 비밀번호 reset" against a registry
// password runbook, "공유기 DNS 설정" against CoreDNS) — unless it names
// something only a Kubernetes cluster has that a weak domain word cannot
// stand for (namesKubernetesPart: a pod, a NodePort, CrashLoopBackOff, a
// liveness or readiness probe; not evictions or agent pools, which caches,
// spot VMs and CI services have): then the general IT word is what runs in
// the cluster ("java app NodePort service not reachable", "자바 앱 레디니스
// 프로브가 실패해요"), and the mixed band applies. A question that names
// the cluster three times or more ("reach a ClusterIP service from my laptop
// through the apiserver") is about the cluster; its general IT word is where
// the user sits or what they ran — unless none of those domain words names
// anything only Kubernetes has (weakDomain: every one is a concept other
// systems share, commonConcepts — workers, jobs, services, health checks,
// load balancers, target groups, firewalls, scaling: "GCP 로드밸런서 백엔드
// 헬스 체크" is a GCP question in four such words), or those unmentioned foreign words
// carry ignoredMinShare of the question's weight and the answer names fewer
// than three of its domain words: "nomad node drain never finishes because a
// batch job keeps running" is about Nomad, whose nodes drain too. Likewise
// when its top answer names fewer than half of its domain words: the match
// came through the general IT side, or through one generic word, alone
// ("windows server scheduled backup" against a runbook on Windows Server
// containers, which says nothing of scheduling; "docker swarm service won't
// scale past three replicas" against the runbook that names Docker Swarm
// as a reason to pick the docker runtime, but not services, scaling or
// replicas). On our sets every in-domain question
// with a general IT word that was answered below 0.8 had an answer naming
// that word and one of its domain words ("vim이 컨테이너에 없어요" → the
// runbook on tools missing from containers). Every other question goes on to
// the confidence model as usual, except one that names neither the domain
// nor general IT vocabulary but has a Latin word no runbook uses in any form
// (pm2, finance: a product or thing the knowledge base never heard of): it
// is likely the subject, so it needs mixedMinConfidence. In a Korean
// question such a word, without digits, is a foreign word outright
// (foreignName: Korean writes ordinary words in Hangul and names in Latin
// letters; "ECR 도커 로그인 토큰이 만료됐대요"); a Korean question naming
// neither with a Hangul word that neither the runbooks nor the glossary know
// (주키퍼, a product spelled in Hangul) needs mixedMinConfidence when its top
// answer is a built-in runbook (an imported team page may be about the
// team's own things in words no runbook uses): on every evaluation and
// tuning set such Korean questions answered below 0.6 were wrong or out of
// the domain. Every word known ("업그레이드하고 나서 메트릭이 안 보여요")
// leaves it to the confidence model.
//
// A question the bands above let through at MinConfidence or more is read
// for its subject last (unknownSubject): when the words that say what it is
// about — in Korean those up to the first case particle, in English the
// leading run of adjacent words — hold a Latin name the runbooks do not
// know (in no more than rareDocs runbooks, no domain word, no glossary
// concept, not in the top answer; in English shaped like a name: bind9,
// node.js, self-hosted) and the question names nothing only Kubernetes has
// (no strong domain word, nothing of namesKubernetesPart), it needs
// offDomainMinConfidence: "bind9 zone transfer fails" is about bind9, not
// about zones. An asker's own workload name next to a Kubernetes kind
// ("payment-api 디플로이먼트") is gone before the gate (ObjectNames), and a
// pod, a Kubernetes probe or a strong domain word keeps the question in.
//
// Above offDomainMinConfidence one more question is refused: one whose
// general IT word the top answer never mentions (a cloud company's name
// aside) and that names nothing only Kubernetes has (no domain word, or only
// weak ones): "php-fpm workers stuck on a request" against the probe
// runbook is about php-fpm, whatever the coverage of "workers" and "stuck".
//
// A question that denies Kubernetes or a provider's Kubernetes service where
// it names it ("we don't use AKS", "AKS는 안 써요", "not on TKE", "TKE 말고";
// not "no AKS nodes are ready" or "AKS 안에서") is about what it uses
// instead: the rewrite drops those words (dropDenied), so an Azure VM scale
// set question "without AKS" is a question about the vendor's VMs.
//
// Three kinds of question are refused whatever the confidence, since the
// calibration predicts correctness from how much of the question a runbook
// covers, and a runbook can cover these almost entirely: a question that
// names a machine (a VM, an instance, a server) next to a foreign word and
// nothing of a cluster (namesCluster: "애저 VM 디스크 암호화 켜려면 VM을
// 중지해야 하나요" against the AKS runbook on stopping node VMs), and one
// that names another container platform and nothing only Kubernetes has
// ("docker swarm service replicas stuck at 0/3"; two-word names such as
// Cloud Run, App Service and docker run come from data/platform-names.txt
// and are found as adjacent words), and one that names a machine's own
// service manager (systemd, systemctl, journalctl) and nothing of a cluster
// ("restart a systemd service after config change"). Every
// in-domain question of our sets that names a machine next to a general IT
// word or a vendor names the cluster too (AKS 노드 VM, EC2 워커 노드; EC2
// and GCE are machines themselves, see machineWords), and
// every one that names Swarm or Compose names Kubernetes or the node's
// container runtime.
//
// A general IT word also means itself in retrieval: a glossary concept found
// only in a piece of it (레디 of 레디스, Redis) is dropped from the question,
// so a runbook about Ready nodes neither covers nor "knows" it; and it stays
// general IT inside a runbook keyword phrase ("windows service": the phrase
// names the domain through service, not through Windows). The same holds for
// a dotted name that no runbook writes whole (node.js, a product rather than
// a Kubernetes node; see unknownName).
type DomainGate struct{}

func (DomainGate) Name() string     { return "domain" }
func (DomainGate) Describe() string { return "domain gate" }

//go:embed data/general-it.txt
var generalITList string

//go:embed data/platforms.txt
var platformList string

//go:embed data/platform-names.txt
var platformNameList string

// generalVocabulary returns the analysed forms (words and stems) of the
// general IT vocabulary, the other platforms (data/platforms.txt) included.
func generalVocabulary(a *analysis.Analyzer) map[string]bool {
	general := vocabulary(a, generalITList)
	for w := range vocabulary(a, platformList) {
		general[w] = true
	}
	return general
}

// vocabulary returns the analysed forms (words and stems) of a word list.
func vocabulary(a *analysis.Analyzer, list string) map[string]bool {
	words := map[string]bool{}
	for _, w := range wordlist.Parse(list) {
		for _, t := range a.Terms(w) {
			if t.Kind == analysis.Word || t.Kind == analysis.Stem {
				words[t.Text] = true
			}
		}
	}
	return words
}

func (DomainGate) bind(e *engine) Stage {
	d := &domainModel{general: e.general, vocab: map[string]vocabKind{}, technical: map[string]bool{}, vendor: map[string]bool{}}
	for w := range e.general {
		d.vocab[w] |= generalWord
	}
	for w := range vocabulary(e.analyzer, platformList) {
		d.vocab[w] |= platformWord
	}
	for _, w := range machineWords {
		d.vocab[w] |= machineWord
	}
	for w := range vocabulary(e.analyzer, hostServiceList) {
		d.vocab[w] |= hostWord
	}
	for _, w := range wordlist.Parse(hostAgentList) {
		for _, t := range e.analyzer.Terms(w) {
			if t.Kind == analysis.Word {
				d.vocab[t.Text] |= platformWord // the whole name only: its piece node is a cluster word
			}
		}
	}
	for w := range vocabulary(e.analyzer, runtimeList) {
		d.vocab[w] |= runtimeWord
	}
	d.platformNames = platformNames(e.analyzer, platformNameList)
	for name := range d.platformNames {
		d.vocab[name[0]] |= platformFirstWord
	}
	// A provider's index words name its Kubernetes service (tke, aks, nks)
	// and the company whose cloud runs it (tencent, azure, naver): the
	// glossary concepts of the latter are vendor concepts.
	for p, words := range providerWords {
		for _, t := range e.analyzer.Terms(words) {
			if t.Kind == analysis.Concept && t.Text != analysis.ConceptPrefix+p {
				d.vendor[t.Text] = true
			}
		}
	}
	// The Korean runbooks write Kubernetes terms in Latin letters (hostPath,
	// crictl, Pending) and ordinary words in Korean, while their English
	// titles and bodies write everything in Latin letters. So a Latin keyword
	// or tag word is a technical term only when the Korean text uses it, and
	// its prose (outside code blocks, which both languages share) in at least
	// half as many runbooks as the English prose does: kubectl and crictl
	// are; add, address or config, which English keywords translate and
	// Korean code blocks show now and then, are not, and neither are reset,
	// password, token or timeout, which Korean runbooks write in Latin letters
	// only inside commands while their English prose uses them as words. A
	// word of code blocks alone (ipvsadm, mountPath) stays technical. Digits
	// alone ("0", "80") name nothing either.
	ko, koProse, enProse := map[string]int{}, map[string]int{}, map[string]int{}
	for i := range e.entries {
		in := &e.entries[i]
		countLatinWords(e.analyzer, ko, koProse, in.TitleKo, in.Body)
		countLatinWords(e.analyzer, nil, enProse, in.TitleEn, in.BodyEn)
	}
	for w := range e.curated {
		if !korean.HasHangul(w) && !allDigits(w) && ko[w] > 0 && 2*koProse[w] >= enProse[w] {
			d.technical[w] = true
		}
	}
	return d
}

// rewrite makes a word of the general IT vocabulary, and a dotted name no
// runbook writes whole, mean itself: it drops the glossary concepts found in
// a fragment of it (레디스, Redis, begins with 레디, ready; 공유기, a router,
// with 공유, share; node.js with node), so that a runbook about Ready nodes
// does not cover Redis.
func (d *domainModel) rewrite(e *engine, q *query) {
	d.dropDenied(q)
	type piece struct {
		unit int
		kind analysis.Kind
		text string
	}
	var drop map[piece]bool
	prevID, prev, prevSurface, prevFirst := -2, wordPair{}, "", false
	for _, u := range q.units {
		whole, general, first := "", false, false
		var forms wordPair // the unit's word and stem
		for _, t := range u.terms {
			if t.Kind == analysis.Word {
				whole = t.Text
				forms[0] = t.Text
			}
			if t.Kind == analysis.Stem {
				forms[1] = t.Text
			}
			if t.Kind == analysis.Fuzzy && d.general[t.Text] {
				q.general = true // a correction to a general IT word (outlok → outlook) is one too
			}
			if t.Kind == analysis.Word || t.Kind == analysis.Stem {
				// One lookup for the general IT word and the gate's subjects.
				v := d.vocab[t.Text]
				general = general || v&generalWord != 0
				first = first || v&platformFirstWord != 0
				if v&platformWord != 0 && q.platform == "" {
					q.platform = t.Surface
				}
				if v&machineWord != 0 && q.machine == "" {
					q.machine = t.Surface
				}
				if v&hostWord != 0 && q.host == "" {
					q.host = t.Surface
				}
				if v&runtimeWord != 0 && q.runtime == "" {
					q.runtime = t.Surface
				}
			}
		}
		if prevFirst && q.platform == "" && u.id == prevID+1 && d.namesPlatform(prev, forms) {
			q.platform = prevSurface + " " + u.surface
		}
		prevID, prev, prevSurface, prevFirst = u.id, forms, u.surface, first
		q.general = q.general || general
		if !general && !unknownName(e, u.surface, whole) {
			continue
		}
		kept := u.terms[:0]
		for _, t := range u.terms {
			if t.Kind == analysis.Concept && t.Surface != u.surface && t.Surface != whole {
				if drop == nil {
					drop = map[piece]bool{}
				}
				drop[piece{u.id, t.Kind, t.Text}] = true
				continue
			}
			kept = append(kept, t)
		}
		u.terms = kept
	}
	if drop == nil {
		return
	}
	all := q.all[:0]
	for _, t := range q.all {
		if t.Span > 1 || !drop[piece{t.Unit, t.Kind, t.Text}] {
			all = append(all, t)
		}
	}
	q.all = all
}

// serviceConcept reports whether a term text is the glossary concept of
// Kubernetes itself or of a provider's Kubernetes service.
func serviceConcept(text string) bool {
	switch text {
	case analysis.ConceptPrefix + "kubernetes", analysis.ConceptPrefix + "aks", analysis.ConceptPrefix + "tke", analysis.ConceptPrefix + "nks":
		return true
	}
	return false
}

// dropDenied drops the words for Kubernetes or a provider's Kubernetes
// service (serviceConcept) that the question denies everywhere it writes
// them ("azure VM scale set instances get reimaged, we don't use AKS"): the
// question is about what it uses instead, and a denied AKS is no evidence
// that it is about AKS.
func (d *domainModel) dropDenied(q *query) {
	var ids map[int]bool
	for _, u := range q.units {
		service := false
		for _, t := range u.terms {
			service = service || t.Kind == analysis.Concept && serviceConcept(t.Text)
		}
		if !service || !deniedEverywhere(q.text, u.surface) {
			continue
		}
		if ids == nil {
			ids = map[int]bool{}
		}
		ids[u.id] = true
	}
	q.drop(ids)
}

// deniedEverywhere reports whether every occurrence of word (lower-case) in
// text (any letter case) is denied: "we are not on TKE", "without AKS",
// "don't use kubernetes", "no AKS here"; "AKS는 안 써요", "AKS 없이", "TKE
// 말고". Only the phrasings that deny the service itself: "no AKS nodes are
// ready" and "AKS 안에서" are about it. It allocates nothing: most questions
// that name a service do not deny it.
func deniedEverywhere(text, word string) bool {
	if word == "" {
		return false
	}
	found := false
	for off := 0; ; {
		i := indexFold(text[off:], word)
		if i < 0 {
			return found
		}
		at := off + i
		off = at + len(word)
		before, after := text[:at], text[off:]
		if latinWordByte(before, len(before)-1) || latinWordByte(after, 0) {
			continue // a piece of a longer word
		}
		if !deniedBefore(before, after) && !deniedAfter(after) {
			return false
		}
		found = true
	}
}

// indexFold is strings.Index with ASCII letters of s in any case; sub is
// lower-case.
func indexFold(s, sub string) int {
	if sub == "" || sub[0] >= 0x80 {
		return strings.Index(s, sub)
	}
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i]|0x20 == sub[0] && strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// latinWordByte reports whether s[i] is a Latin letter or digit.
func latinWordByte(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return false
	}
	c := s[i] | 0x20
	return c >= 'a' && c <= 'z' || s[i] >= '0' && s[i] <= '9'
}

// lastWords returns the last three space-separated words of s, the last
// first, and how many there are.
func lastWords(s string) (w [3]string, n int) {
	end := len(s)
	for n < 3 {
		for end > 0 && s[end-1] == ' ' {
			end--
		}
		if end == 0 {
			break
		}
		start := end
		for start > 0 && s[start-1] != ' ' {
			start--
		}
		w[n] = s[start:end]
		n++
		end = start
	}
	return w, n
}

// deniedBefore reports whether the English words before a service name deny
// it: without, not on/in/using/running, n't use/run/have/on, no longer on, or
// no followed by nothing about the service ("no AKS here", "no AKS,").
func deniedBefore(before, after string) bool {
	w, n := lastWords(before)
	if n > 0 && (strings.EqualFold(w[0], "the") || strings.EqualFold(w[0], "a") || strings.EqualFold(w[0], "an")) {
		w[0], w[1], n = w[1], w[2], n-1
		w[2] = ""
	}
	if n == 0 {
		return false
	}
	last, prev := w[0], w[1]
	oneOf := func(s string, words ...string) bool {
		return slices.ContainsFunc(words, func(x string) bool { return strings.EqualFold(s, x) })
	}
	switch {
	case strings.EqualFold(last, "without"):
		return true
	case strings.EqualFold(prev, "not") && oneOf(last, "on", "in", "using", "use", "running"):
		return true
	case len(prev) > 3 && strings.EqualFold(prev[len(prev)-3:], "n't") && oneOf(last, "use", "using", "run", "running", "on", "have"):
		return true
	case strings.EqualFold(prev, "longer") && strings.EqualFold(w[2], "no") && oneOf(last, "on", "use", "using"):
		return true
	case strings.EqualFold(last, "no"):
		rest := strings.TrimLeft(after, " ")
		return rest == "" || strings.ContainsRune(",.;:)!", rune(rest[0])) ||
			hasPrefixFold(rest, "here") || hasPrefixFold(rest, "involved") || hasPrefixFold(rest, "at all")
	}
	return false
}

// hasPrefixFold is strings.HasPrefix with ASCII letters in any case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// deniedAfter reports whether the Korean words after a service name deny it:
// (는/은/을/를/도/이/가) 안 써/쓰/씀/사용, 없이, 말고, 미사용, 사용 안, and
// the copula's negation in its forms (아니, 아님, 아닌, 아닙니다, 아냐: "쿠버
// 아님" is a note that the question is not about Kubernetes).
func deniedAfter(after string) bool {
	rest := strings.TrimLeft(after, " ")
	if rest == "" || rest[0] < 0x80 {
		return false // no Hangul right after the name
	}
	for _, p := range []string{"는", "은", "을", "를", "도", "이", "가"} {
		if r, ok := strings.CutPrefix(rest, p); ok {
			rest = r
			break
		}
	}
	rest = strings.TrimLeft(rest, " ")
	if r, ok := strings.CutPrefix(rest, "안"); ok {
		r = strings.TrimLeft(r, " ")
		for _, v := range []string{"써", "쓰", "씀", "쓴", "씁", "사용"} {
			if strings.HasPrefix(r, v) {
				return true
			}
		}
		return false
	}
	for _, p := range []string{"없이", "말고", "미사용", "아니", "아님", "아닌", "아닙", "아냐"} {
		if strings.HasPrefix(rest, p) {
			return true
		}
	}
	if r, ok := strings.CutPrefix(rest, "사용"); ok {
		return strings.HasPrefix(strings.TrimLeft(r, " "), "안")
	}
	return false
}

// unknownName reports whether a question word is a dotted name (node.js,
// nuxt.js: Latin pieces joined by dots and nothing else) that no runbook
// writes whole (whole is its index form) and whose last piece no runbook
// uses in any form (js). Such a name is a product of its own, so a piece of
// it lends no glossary concept: node of node.js is not a Kubernetes node. A
// file name whose extension the runbooks use (deployment.yaml,
// kubelet.conf) is named after its pieces and keeps their concepts, and so
// do dotted names the runbooks write (kubernetes.default,
// svc.cluster.local) and compounds joined by other punctuation, whose
// pieces are the meaning (External-IP, Init:CrashLoopBackOff, pod names).
// A name whose last piece the runbooks use elsewhere (io of k8s.io, net of
// Weave Net) is not told apart from a file name and keeps its concepts too.
func unknownName(e *engine, surface, whole string) bool {
	if whole == "" || !strings.Contains(surface, ".") || strings.ContainsAny(surface, "-:_/") || e.ix.DocFreq(whole) > 0 {
		return false
	}
	if last := whole[strings.LastIndexByte(whole, '.')+1:]; e.ix.DocFreq(last) > 0 {
		return false
	}
	latin := false
	for _, r := range surface {
		switch {
		case r == '.':
		case r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'):
			latin = true
		case r >= '0' && r <= '9':
		default:
			return false
		}
	}
	return latin
}

// unheardOf reports whether u is a Latin word (not a number) that no runbook
// uses in any form: no term of it is in the index.
func unheardOf(e *engine, u *unit) bool {
	latin := false
	for _, t := range u.terms {
		if t.Kind == analysis.Word {
			if korean.HasHangul(t.Text) || allDigits(t.Text) {
				return false
			}
			latin = true
		}
		if t.Kind != analysis.Bigram && e.ix.DocFreq(t.Text) > 0 {
			return false
		}
	}
	return latin
}

// countLatinWords adds one to df[w] (when df is not nil) for every Latin
// word w of the texts of one runbook, in its index form, and one to
// prose[w] for every such word outside fenced code blocks. It splits and
// keys words as the analyzer does, without the rest of the analysis (the
// index build has paid for that once already).
func countLatinWords(a *analysis.Analyzer, df, prose map[string]int, texts ...string) {
	seen, seenProse := map[string]bool{}, map[string]bool{}
	for _, s := range texts {
		code := false
		for line := range strings.Lines(s) {
			if strings.HasPrefix(strings.TrimSpace(line), "```") {
				code = !code
				continue
			}
			for _, w := range korean.Words(korean.Normalize(line)) {
				if w.Script != korean.Latin {
					continue
				}
				k, ok := a.Key(w)
				if !ok {
					continue
				}
				if df != nil && !seen[k] {
					seen[k] = true
					df[k]++
				}
				if !code && !seenProse[k] {
					seenProse[k] = true
					prose[k]++
				}
			}
		}
	}
}

// allDigits reports whether s is made of ASCII digits only.
func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// domainModel is DomainGate bound to one engine's analyzer.
type domainModel struct {
	general map[string]bool // analysed forms of the general IT vocabulary
	// vocab holds general (as generalWord) and the analysed forms of the
	// words that name another container platform or a machine, so that the
	// rewrite finds them with one lookup per word and leaves them in
	// query.platform and query.machine for the gate.
	vocab map[string]vocabKind
	// technical holds the Latin keyword and tag words of the runbooks that
	// their Korean text uses too (see bind).
	technical map[string]bool
	// vendor holds the glossary concepts that name a cloud company rather
	// than its Kubernetes service (@tencent, @azure, @naver; see classify).
	vendor map[string]bool
	// platformNames holds the two-word names of other platforms
	// (data/platform-names.txt: Cloud Run, App Service).
	platformNames map[wordPair]bool
}

func (*domainModel) Name() string     { return DomainGate{}.Name() }
func (*domainModel) Describe() string { return DomainGate{}.Describe() }

// offDomainMinConfidence is the confidence an off-domain question's top
// answer needs.
const offDomainMinConfidence = 0.8

// ignoredMaxDomain is the number of domain words, weak ones (see
// weakDomain) not counted, from which a question's general IT word that its
// top answer never mentions no longer sends it to offDomainMinConfidence
// (see DomainGate): a Ruby service calling a REST API, or a Docker registry
// on Artifactory, names words every networked program has, however many. Chosen on the tuning sets: with 2
// three of their hard negatives got through (an Elasticsearch node leaving
// its cluster, a laptop's Docker container without internet, Naver Cloud
// object storage); with 3 none did, and an in-domain question naming a
// laptop next to three cluster words was answered.
const ignoredMaxDomain = 3

// ignoredMinShare is the share of a question's content weight (idf) from
// which the general IT words its top answer never mentions are what the
// question is about even next to three domain words or more, unless the
// answer mentions three of those: "도커 스웜 서비스 레플리카가 0/3에서 안
// 올라가요" names Swarm, the heaviest word, and the Kubernetes words service
// and replica, which Swarm has too; "our kafka pods sit in Pending with
// insufficient memory" is about pods, Pending and nodes, which the answer
// names. On the tuning sets any share from 0.15 to 0.2 gives the same
// answers.
const ignoredMinShare = 0.2

// unmentioned returns why q, whose top answer (document top) has
// offDomainMinConfidence or more, is refused all the same, or "": its general
// IT word (a cloud company's name aside) the answer never mentions, and it
// names nothing only Kubernetes has (no domain word, or only weak ones).
// Only a question with a general IT word (data/general-it.txt; not a Latin
// name no runbook uses, whose answers at this confidence were right on our
// sets) can be refused here, and the others cost nothing.
func (d *domainModel) unmentioned(e *engine, q *query, top int) string {
	if top < 0 || !q.general {
		return ""
	}
	inKorean := slices.ContainsFunc(q.units, func(u *unit) bool { return korean.HasHangul(u.surface) })
	var words []string
	for _, u := range q.units {
		candidate := false
		for _, t := range u.terms {
			candidate = candidate || (t.Kind == analysis.Word || t.Kind == analysis.Stem || t.Kind == analysis.Fuzzy) && d.general[t.Text]
		}
		if candidate && d.classify(e, q, u, inKorean) == foreignWord && !d.vendorName(u) && !mentions(e, q, u, top) {
			words = append(words, u.surface)
		}
	}
	if len(words) == 0 || namesKubernetesPart(e, q) {
		return ""
	}
	for _, u := range q.units {
		if d.classify(e, q, u, inKorean) == domainWord && !d.weakDomain(e, q, u) {
			return ""
		}
	}
	return fmt.Sprintf("the question's key terms (%s) are outside Kubernetes operations, the best match does not mention them, and the question names nothing only Kubernetes has",
		strings.Join(words, ", "))
}

// builtIn reports whether document doc is a built-in runbook rather than an
// entry of an extra directory (a team's imported wiki page, which may be
// about the team's own things in words the built-in runbooks never use).
func builtIn(e *engine, doc int) bool {
	return doc >= 0 && strings.HasPrefix(e.entries[doc].Origin.File, EmbeddedPrefix)
}

// mentionedCount is the number of the domain words that document doc
// mentions (see mentions).
func mentionedCount(e *engine, q *query, domain []*unit, doc int) int {
	n := 0
	for _, u := range domain {
		if doc >= 0 && mentions(e, q, u, doc) {
			n++
		}
	}
	return n
}

// mixedMinConfidence is the confidence a question that names both the
// domain and general IT vocabulary needs ("vim이 컨테이너에 없어요", but
// also "schedule a cron job on Linux", where job is a Kubernetes word by
// accident): above MinConfidence, since the general IT words make a weak
// match likelier to be about something else. On our own sets such questions
// that belong to a runbook score 0.65 and more, those that do not mostly
// below 0.55.
const mixedMinConfidence = 0.6

// gate returns why q is refused given its top answer (document top, or -1
// when unknown) and that answer's confidence, or "".
func (d *domainModel) gate(e *engine, q *query, top int, confidence float64) string {
	if q.platform != "" && !namesCluster(e, q, true) {
		return fmt.Sprintf("the question is about %s, a platform outside Kubernetes operations, and names nothing only Kubernetes has", q.platform)
	}
	if q.host != "" && !namesCluster(e, q, false) {
		return fmt.Sprintf("the question is about %s, a machine's own service manager, and names nothing of a cluster", q.host)
	}
	if q.runtime != "" && !runtimeInCluster(e, q) {
		return fmt.Sprintf("the question is about a program's runtime memory (%s) and names nothing of a container or a cluster", q.runtime)
	}
	inKorean := false
	machine := q.machine
	if machine == "" {
		machine = machineOnVM(q)
	}
	if machine != "" && !namesCluster(e, q, false) {
		if q.host != "" {
			return fmt.Sprintf("the question is about a machine (%s) and its service manager (%s), and names nothing of a cluster", machine, q.host)
		}
		inKorean = slices.ContainsFunc(q.units, func(u *unit) bool { return korean.HasHangul(u.surface) })
		var shared []string
		strong := false
		for _, u := range q.units {
			switch d.classify(e, q, u, inKorean) {
			case foreignWord:
				return fmt.Sprintf("the question is about a machine (%s) next to %s, outside Kubernetes operations, and names nothing of a cluster",
					machine, u.surface)
			case domainWord:
				if d.weakDomain(e, q, u) {
					shared = append(shared, u.surface)
				} else {
					strong = true
				}
			}
		}
		if len(shared) > 0 && !strong {
			return fmt.Sprintf("the question is about a machine (%s) and what other systems have too (%s), and names nothing of a cluster",
				machine, strings.Join(shared, ", "))
		}
	}
	if confidence >= offDomainMinConfidence {
		return d.unmentioned(e, q, top)
	}
	inKorean = slices.ContainsFunc(q.units, func(u *unit) bool { return korean.HasHangul(u.surface) })
	var foreign, ignored []string
	var domain []*unit
	var total, ignoredWeight float64
	for _, u := range q.units {
		total += u.weight
		switch d.classify(e, q, u, inKorean) {
		case domainWord:
			domain = append(domain, u)
		case foreignWord:
			foreign = append(foreign, u.surface)
			if top >= 0 && (!mentions(e, q, u, top) || d.vendorName(u)) {
				ignored = append(ignored, u.surface)
				ignoredWeight += u.weight
			}
		}
	}
	weakOnly := func() bool {
		return !slices.ContainsFunc(domain, func(u *unit) bool { return !d.weakDomain(e, q, u) }) && !namesKubernetesPart(e, q)
	}
	strongCount := func() int {
		n := 0
		for _, u := range domain {
			if !d.weakDomain(e, q, u) {
				n++
			}
		}
		return n
	}
	// subject is the last check of a question the bands above let through.
	subject := func() string {
		if confidence < e.tuning.MinConfidence || strongCount() > 0 || namesKubernetesPart(e, q) {
			// Below MinConfidence the question is refused anyway, for a
			// reason that says so.
			return ""
		}
		if name := d.unknownSubject(e, q, top, inKorean); name != "" {
			return fmt.Sprintf("the question is about %s, a name the runbooks do not know, names nothing only Kubernetes has, and the best match has confidence %.2f, below %.2f",
				name, confidence, offDomainMinConfidence)
		}
		return ""
	}
	switch {
	case len(foreign) == 0 && len(domain) == 0 && confidence < mixedMinConfidence &&
		slices.ContainsFunc(q.units, func(u *unit) bool { return unheardOf(e, u) || inKorean && !u.known && builtIn(e, top) }):
		return fmt.Sprintf("the question names nothing of Kubernetes operations and the best match has confidence %.2f, below %.2f",
			confidence, mixedMinConfidence)
	case len(foreign) == 0:
		return subject()
	case len(ignored) > 0 && (weakOnly() || !namesKubernetesPart(e, q) && (strongCount() < ignoredMaxDomain ||
		ignoredWeight >= ignoredMinShare*total && mentionedCount(e, q, domain, top) < ignoredMaxDomain)):
		return fmt.Sprintf("the question's key terms (%s) are outside Kubernetes operations, the best match does not mention them and has confidence %.2f, below %.2f",
			strings.Join(ignored, ", "), confidence, offDomainMinConfidence)
	case len(domain) > 0 && top >= 0 && 2*mentionedCount(e, q, domain, top) < len(domain):
		return fmt.Sprintf("the question's key terms (%s) are outside Kubernetes operations, the best match names fewer than half of its Kubernetes words and has confidence %.2f, below %.2f",
			strings.Join(foreign, ", "), confidence, offDomainMinConfidence)
	case len(domain) > 0 && confidence >= mixedMinConfidence:
		return subject()
	case len(domain) > 0:
		return fmt.Sprintf("the question's key terms (%s) are outside Kubernetes operations and the best match has confidence %.2f, below %.2f",
			strings.Join(foreign, ", "), confidence, mixedMinConfidence)
	}
	return fmt.Sprintf("the question's key terms (%s) are outside Kubernetes operations and the best match has confidence %.2f, below %.2f",
		strings.Join(foreign, ", "), confidence, offDomainMinConfidence)
}

// vmConcept is the glossary concept of a virtual machine (VM, CVM,
// instance, 가상 머신).
const vmConcept = analysis.ConceptPrefix + "vm"

// machineWords are the analysed forms of the words for a machine that are no
// glossary concept: server (서버) is what Linux administration calls a
// machine and Naver Cloud calls its VMs. It stays out of the vm concept,
// whose words retrieval joins, because runbooks use it for anything that
// serves (API server, metrics server, NFS server). EC2 and GCE are other
// clouds' machines, general IT words themselves: a question that names one
// and nothing of a cluster (the target group of an AWS load balancer in
// front of EC2 instances) is about those machines; "EC2 워커 노드" names a
// node.
var machineWords = []string{"server", "서버", "ec2", "gce"}

// vocabKind says what a word of domainModel.vocab is: general IT, another
// container platform (data/platforms.txt), a machine (machineWords); a
// platform is general IT too.
type vocabKind uint8

const (
	generalWord vocabKind = 1 << iota
	platformWord
	machineWord
	hostWord
	platformFirstWord // the first word of a two-word platform name
	runtimeWord
)

// hostServiceList are the words of a machine's own service manager and its
// journal. Runbooks name them (the kubelet runs as a systemd service, its
// logs are in the journal), so they are no general IT words; but a question
// that names them and nothing of a cluster is about the machine's own
// services ("restart a systemd service after config change", "시스템디
// 서비스가 계속 재시작만 반복해요"): every in-domain question of our sets that
// names them names the kubelet, the node or the container runtime too.
var hostServiceList = "systemd 시스템디 systemctl journald journalctl"

// hostAgentList are the one-word names of host monitoring agents whose
// name holds a Kubernetes word (node_exporter: node): an exporter that reads
// the metrics of the machine it runs on, a bare-metal box or a VM as much as
// a cluster node. A question that names one and nothing only Kubernetes has
// (a DaemonSet, a pod, TKE serverless, AKS…) is about the agent on a machine,
// as a question naming another platform is (see namesCluster); their
// two-word spellings are in data/platform-names.txt. Only the whole word is
// looked up, never its pieces.
var hostAgentList = "node_exporter node-exporter windows_exporter windows-exporter"

// runtimeList are the words of a language runtime's own memory management:
// the heap and its flags (Xmx, max-old-space-size, GOMEMLIMIT), garbage
// collection. A program has them wherever it runs, so they say
// nothing about Kubernetes: the OOMKilled runbook names the JVM heap because
// a heap larger than the container's limit gets the container killed, and
// covers a question about heap sizing word for word ("익스프레스 백엔드가 힙
// 한도 넘어서 죽어요 노드 옵션으로 늘리는 법" got it at 0.87). A question that
// names them and nothing only Kubernetes has (a pod, a container, a
// Kubernetes probe, OOMKilled…; see runtimeInCluster) is about the program's
// runtime. Runbooks name them (image garbage collection of the kubelet), so
// they are no general IT words: the rule looks at the question only. Heap
// dumps are not here: a dump is a file, and taking one out of a pod (the
// web terminal, kubectl cp) is a cluster question.
var runtimeList = "heap 힙 xmx xms metaspace 메타스페이스 max-old-space-size gomemlimit gogc gc 가비지 tracemalloc outofmemoryerror"

// runtimeInCluster reports whether q, a question naming a runtime's memory
// internals, places that runtime in a cluster: it names something only
// Kubernetes has (namesKubernetesPart) or a container.
func runtimeInCluster(e *engine, q *query) bool {
	for _, t := range q.all {
		if t.Kind == analysis.Concept && t.Text == containerConcept {
			return true
		}
	}
	return namesKubernetesPart(e, q)
}

// containerConcept is the glossary concept of a container.
const containerConcept = analysis.ConceptPrefix + "container"

// wordPair is two analysed forms: the word and stem of one unit, or the
// words of a two-word name.
type wordPair [2]string

// platformNames returns the two-word names of other platforms (one a line)
// as the index forms of their two words.
func platformNames(a *analysis.Analyzer, list string) map[wordPair]bool {
	names := map[wordPair]bool{}
	for _, line := range wordlist.Lines(list) {
		var words []string
		for _, t := range a.Terms(line) {
			if t.Kind == analysis.Word {
				words = append(words, t.Text)
			}
		}
		if len(words) == 2 {
			names[wordPair{words[0], words[1]}] = true
		}
	}
	return names
}

// namesPlatform reports whether two adjacent units, given as word and stem,
// make a two-word platform name.
func (d *domainModel) namesPlatform(first, second wordPair) bool {
	for _, a := range first {
		for _, b := range second {
			if a != "" && b != "" && d.platformNames[wordPair{a, b}] {
				return true
			}
		}
	}
	return false
}

// machineOnVM returns the first word of q whose concept is the vm concept
// (VM, CVM, instance, 가상 머신), the multi-word ones included, or "".
func machineOnVM(q *query) string {
	for _, t := range q.all {
		if t.Kind == analysis.Concept && t.Text == vmConcept {
			return t.Surface
		}
	}
	return ""
}

// sharedConcepts are the cluster concepts (glossary.Cluster) that other
// systems have by the same name: Swarm and Nomad have nodes, drains and
// containers, ECS clusters, Nomad deployments and namespaces; caches and
// spot VMs are evicted, CI services have agent pools (AKS's word for a node
// pool).
var sharedConcepts = map[string]bool{"node": true, "container": true, "cluster": true, "drain": true, "deployment": true, "namespace": true,
	"evicted": true, "nodepool": true}

// commonConcepts are the Kubernetes/cloud concepts that other systems have
// by the same name: four of the sharedConcepts (node, cluster, drain,
// deployment; container, namespace, evicted and nodepool stay full domain
// evidence here, they only keep a question from naming the cluster in
// namesCluster), and the ones outside the cluster list that app servers, load balancers, VM fleets and job queues have too
// (workers are nodes; jobs, services, health checks, target groups,
// firewalls, scaling, schedulers and replicas). A question word whose only
// domain evidence is one of these says nothing about Kubernetes next to a
// general IT word ("gunicorn workers", "HAProxy health check", "Windows
// service"): see weakDomain.
var commonConcepts = map[string]bool{
	"node": true, "cluster": true, "drain": true, "deployment": true,
	"job": true, "service": true, "scale": true, "autoscaler": true, "loadbalancer": true, "targetgroup": true,
	"securitygroup": true, "probe": true, "scheduler": true, "scheduling": true, "replica": true, "volume": true,
	"registry": true, "subnet": true, "vpc": true, "zone": true, "endpoint": true, "docker": true, "audit": true,
	"nfs": true,
}

// sharedTechnical are the technical terms (Latin words of the runbooks'
// keywords that their Korean prose uses) that every networked program has:
// the protocols of its calls and the words of its client errors. The probe
// runbook writes "context deadline exceeded" because the kubelet is a Go
// HTTP client, and so is any Go program calling an API ("golang http client
// gets context deadline exceeded calling a partner api" got it at 0.68). A
// question word that is a domain word only through one of these is weak,
// like a commonConcepts word (see weakDomain).
var sharedTechnical = map[string]bool{
	"http": true, "https": true, "grpc": true, "rest": true,
	"context": true, "deadline": true, "exceeded": true,
}

// kubernetesProbeKinds are the analysed forms of the words of the probe
// concept that name a Kubernetes container probe (liveness, readiness,
// startupProbe) rather than any health check: a load balancer or a
// monitoring tool has health checks and probes, only a kubelet has liveness
// and readiness probes ("자바 앱 레디니스 프로브 실패" is about a pod).
var kubernetesProbeKinds = map[string]bool{
	"liveness": true, "livenessprobe": true, "readiness": true, "readinessprobe": true,
	"startupprobe": true, "라이브니스": true, "레디니스": true,
}

// namesKubernetesPart reports whether q names something only a Kubernetes
// cluster has: a cluster concept other platforms do not share (pod,
// kubelet, NodePort, CrashLoopBackOff; see namesCluster) or a container
// probe kind (kubernetesProbeKinds).
func namesKubernetesPart(e *engine, q *query) bool {
	for _, t := range q.all {
		if kubernetesProbeKinds[t.Text] {
			return true
		}
	}
	return namesCluster(e, q, true)
}

// weakDomain reports whether u, a domain word, is one only through concepts
// other systems share (commonConcepts), its technical words included (job is
// a keyword of the Job runbooks and the concept job).
func (d *domainModel) weakDomain(e *engine, q *query, u *unit) bool {
	for _, t := range u.terms {
		if kubernetesProbeKinds[t.Text] {
			return false
		}
	}
	g := e.analyzer.Glossary()
	common := false
	for _, t := range u.terms {
		if (t.Kind == analysis.Word || t.Kind == analysis.Stem) && sharedTechnical[t.Text] {
			common = true
		}
	}
	for _, t := range q.all {
		covers := t.Unit == u.id || (t.Span > 1 && u.id >= t.Unit && u.id < t.Unit+t.Span)
		if !covers || t.Kind != analysis.Concept && t.Kind != analysis.Fuzzy {
			continue
		}
		c, ok := strings.CutPrefix(t.Text, analysis.ConceptPrefix)
		if !ok || g.Everyday(c) || d.vendor[t.Text] {
			continue
		}
		if !commonConcepts[c] {
			return false
		}
		common = true
	}
	return common
}

// namesCluster reports whether q names a part of a Kubernetes cluster: a
// glossary concept of the cluster list (glossary.Cluster: pod, node,
// container, kubelet, AKS…; without the sharedConcepts when only is set),
// the multi-word ones ("API 서버" is the apiserver) and typo corrections
// included, or a Latin word that carries the name of Kubernetes (kubeadm,
// kube-system, k8s).
//
// A question that names a machine next to a word from outside Kubernetes
// operations and does not name the cluster is about the machine itself (its
// disk, password, size or snapshot: "애저 VM 디스크 암호화", "텐센트 CVM
// 비밀번호", "systemd service on my ubuntu server"): SREs call the machines of
// a cluster nodes, and every question of our sets that names a machine and a
// general IT word or a cloud company in a Kubernetes context names the
// cluster too ("AKS 노드 VM", "EC2 워커 노드", "hyper-v VM 위 윈도우 파드").
// A question that names another platform and nothing only Kubernetes has is
// about that platform, whose services, replicas, drains and nodes match
// runbooks word for word ("docker swarm service replicas stuck at 0/3"); a
// runbook that names the platform (Docker Swarm as a reason to keep the
// docker runtime) does not answer it. "migrating from docker swarm: how do I
// scale a deployment's replicas in kubernetes" and "노드에서 docker compose를
// 돌려야 하면 컨테이너 런타임은 뭘로" name Kubernetes and the node's container
// runtime.
func namesCluster(e *engine, q *query, only bool) bool {
	for _, t := range q.all {
		switch t.Kind {
		case analysis.Concept, analysis.Fuzzy:
			if c, ok := clusterConcept(e, t.Text); ok && !(only && sharedConcepts[c]) {
				return true
			}
		case analysis.Word:
			if kubeWord(t.Text) {
				return true
			}
		}
	}
	return false
}

// clusterConcept returns the glossary concept of a Concept or Fuzzy term's
// text when it is one of the cluster list (glossary.Cluster: pod, node,
// kubelet, AKS…), with ok false otherwise.
func clusterConcept(e *engine, text string) (concept string, ok bool) {
	c, ok := strings.CutPrefix(text, analysis.ConceptPrefix)
	return c, ok && e.analyzer.Glossary().Cluster(c)
}

// kubeWord reports whether a Latin word carries the name of Kubernetes
// (kubeadm, kube-system, kubelet, k8s).
func kubeWord(w string) bool {
	return !korean.HasHangul(w) && (strings.HasPrefix(w, "kube") || strings.HasPrefix(w, "k8s"))
}

// mentions reports whether document doc names question word u: by the word,
// its stem, a spelling correction, a concept of the whole word (윈도우 and
// Windows are @windows), or a phrase that contains it — not through a
// fragment: 레디스 (Redis) begins with 레디 (ready), whose concept a runbook
// about Ready nodes has, but that runbook does not mention Redis.
func mentions(e *engine, q *query, u *unit, doc int) bool {
	for _, t := range q.all {
		if (t.Kind == analysis.Phrase || t.Kind == analysis.Concept && t.Span > 1) &&
			u.id >= t.Unit && u.id < t.Unit+t.Span && e.ix.Contains(doc, t.Text) {
			return true
		}
	}
	whole := u.surface
	for _, t := range u.terms {
		if t.Kind == analysis.Word {
			whole = t.Text
		}
	}
	for _, t := range u.terms {
		switch t.Kind {
		case analysis.Word, analysis.Stem, analysis.Fuzzy:
		case analysis.Concept:
			if t.Surface != u.surface && t.Surface != whole {
				continue
			}
		default:
			continue
		}
		if e.ix.Contains(doc, t.Text) {
			return true
		}
	}
	return false
}

type wordClass int

const (
	neutralWord wordClass = iota
	domainWord
	foreignWord
)

// classify places one question word in the domain model. korean says
// whether the question is written in Korean (see foreignName).
func (d *domainModel) classify(e *engine, q *query, u *unit, korean bool) wordClass {
	return d.place(e, q, u, korean, true)
}

// place is classify; a vendor's name is foreign unless service is set and
// the question names one of the vendor's Kubernetes products (namesService,
// which places the product's word without its vendor concepts: ncloud-config
// is a technical term whose piece ncloud names Naver).
func (d *domainModel) place(e *engine, q *query, u *unit, korean, service bool) wordClass {
	g := e.analyzer.Glossary()
	concepts, domainConcept, everydayConcept, vendorConcept := 0, false, false, false
	generalWord := false
	for _, t := range u.terms {
		if (t.Kind == analysis.Word || t.Kind == analysis.Stem) && d.general[t.Text] {
			generalWord = true
		}
	}
	for _, t := range q.all {
		covers := t.Unit == u.id || (t.Span > 1 && u.id >= t.Unit && u.id < t.Unit+t.Span)
		if !covers {
			continue
		}
		if t.Kind == analysis.Phrase && !generalWord && e.ix.DocFreq(t.Text) > 0 && !d.plainPhrase(e, q, t) {
			return domainWord
		}
		if c, ok := strings.CutPrefix(t.Text, analysis.ConceptPrefix); ok && (t.Kind == analysis.Concept || t.Kind == analysis.Fuzzy) {
			if !service && d.vendor[t.Text] {
				continue // a product word: its vendor concept (ncloud of ncloud-config) says only whose product it is
			}
			concepts++
			switch {
			case d.vendor[t.Text]:
				vendorConcept = true
			case g.Everyday(c):
				everydayConcept = true
			default:
				domainConcept = true
			}
		}
	}
	// A word that may also mean an everyday thing (줄여 is scale and
	// resize) is no domain evidence by itself; its spelling still may be.
	if domainConcept && !everydayConcept {
		return domainWord
	}
	general := false
	for _, t := range u.terms {
		switch t.Kind {
		case analysis.Word, analysis.Stem, analysis.Fuzzy:
			if d.general[t.Text] && !otherForm(u, t) {
				general = true
			} else if (concepts == 0 || domainConcept) && d.technical[t.Text] {
				return domainWord
			}
		}
	}
	if general || vendorConcept && !domainConcept && !(service && d.namesService(e, q)) || korean && foreignName(e, u) {
		return foreignWord
	}
	return neutralWord
}

// vendorName reports whether u is foreign only as a cloud company's name
// (Azure, 애저, Tencent): every runbook of the company's Kubernetes service
// names the company, so an answer that mentions it has not said anything
// about the question's subject ("azure scale set for our web VMs won't scale
// in" against the AKS runbook on scaling node VM scale sets).
func (d *domainModel) vendorName(u *unit) bool {
	vendor := false
	for _, t := range u.terms {
		switch {
		case (t.Kind == analysis.Word || t.Kind == analysis.Stem) && d.general[t.Text]:
			return false
		case t.Kind == analysis.Concept && d.vendor[t.Text]:
			vendor = true
		}
	}
	return vendor
}

// foreignName reports whether u, a word of a Korean question, is a Latin
// word without digits that no runbook uses in any form (ECR, AppRole, SST
// next to Galera): Korean questions, like the Korean runbooks, write
// ordinary words in Hangul and names in Latin letters, so such a word names
// a product or system the knowledge base never heard of, as a general IT
// word does. In an English question a word no runbook uses is as likely
// ordinary English (finance, myself, weekends); a word with digits is as
// likely a value or a version (500Mi, I0102, log4j).
func foreignName(e *engine, u *unit) bool {
	if strings.ContainsFunc(u.surface, func(r rune) bool { return r >= '0' && r <= '9' }) {
		return false
	}
	return unheardOf(e, u)
}

// otherForm reports whether t is a typo correction of a Latin word that
// only adds or leaves off letters at its end (browse → browser): another
// form of a word, or another word, rather than a misspelling; it does not
// make the word general IT vocabulary ("browse workloads" is no question
// about a browser). A correction inside the word (outlok → outlook) does.
func otherForm(u *unit, t analysis.Term) bool {
	if t.Kind != analysis.Fuzzy {
		return false
	}
	for _, w := range u.terms {
		if w.Kind == analysis.Word && !korean.HasHangul(w.Text) {
			return strings.HasPrefix(t.Text, w.Text) || strings.HasPrefix(w.Text, t.Text)
		}
	}
	return false
}

// kubernetesConcept is the glossary concept of Kubernetes itself.
const kubernetesConcept = analysis.ConceptPrefix + "kubernetes"

// namesService reports whether q names Kubernetes itself or a provider's
// own product (AKS, VMSS, CLB, ncloud-config: a provider hint that is no
// vendor concept) in a word that names the domain by itself (a Kubernetes/cloud glossary concept
// or a technical term). Next to it, the vendor's name (Azure, Microsoft)
// says whose Kubernetes service the question is about, not that it is about
// the vendor's other products. A hint that is no domain word (CVM, a
// Tencent virtual machine, whose concept is the everyday vm) names the
// vendor's cloud as much as its Kubernetes service: "텐센트 클라우드 CVM
// 사양 올리려면 인스턴스 재시작해야 하나요" is about a virtual machine.
func (d *domainModel) namesService(e *engine, q *query) bool {
	for _, t := range q.all {
		if t.Kind == analysis.Concept && t.Text == kubernetesConcept {
			return true // "네이버클라우드 쿠버네티스": the vendor's Kubernetes, its service by name
		}
		if _, ok := providerHints[t.Text]; !ok || d.vendor[t.Text] {
			continue
		}
		for _, u := range q.units {
			if (u.id == t.Unit || t.Span > 1 && u.id >= t.Unit && u.id < t.Unit+t.Span) && d.place(e, q, u, false, false) == domainWord {
				return true
			}
		}
	}
	return false
}

// plainPhrase reports whether no word of keyword phrase p names the domain
// by itself — a Kubernetes/cloud glossary concept or a technical term:
// "윈도우 업데이트" (Windows update), "로그 위치" (log location) and
// "command not found" are runbook keywords, yet they name nothing of
// Kubernetes operations, so they are no domain evidence by themselves.
func (d *domainModel) plainPhrase(e *engine, q *query, p analysis.Term) bool {
	g := e.analyzer.Glossary()
	for _, u := range q.units {
		if u.id < p.Unit || u.id >= p.Unit+p.Span {
			continue
		}
		for _, t := range u.terms {
			switch {
			case t.Kind == analysis.Concept && t.Span == 1:
				if !g.Everyday(strings.TrimPrefix(t.Text, analysis.ConceptPrefix)) && !d.vendor[t.Text] {
					return false
				}
			case t.Kind == analysis.Word && d.technical[t.Text]:
				return false
			}
		}
	}
	return true
}

// namedServiceMinConfidence is the confidence a question needs when it
// names a provider's Kubernetes service (AKS, TKE, NKS) and its top answer
// is a runbook of that service, instead of MinConfidence: see
// namedServiceMin.
const namedServiceMinConfidence = 0.4

// namedServiceMin returns the confidence the top answer of q, a runbook of
// provider, needs: namedServiceMinConfidence when q names provider's
// Kubernetes service by its concept (AKS, 에이케이에스, Azure Kubernetes
// Service), min otherwise. The calibration predicts correctness from how much
// of a question a runbook covers; a question about the managed service
// itself ("legal asks whether AKS ever keeps our data outside korea
// central", "our contract needs a financially backed uptime promise for
// AKS") uses its own words for what the runbook says (residency, uptime
// SLA), so coverage is low although the service named and the runbook's
// service agree. On every evaluation and tuning set no hard negative names
// AKS, TKE or NKS; the in-domain questions that did, were refused below
// MinConfidence with a runbook of that service on top, and scored 0.4 or
// more, were right five times out of six.
func namedServiceMin(q *query, provider string, floor float64) float64 {
	if provider == "" || provider == "generic" {
		return floor
	}
	want := analysis.ConceptPrefix + provider
	for _, t := range q.all {
		if (t.Kind == analysis.Concept || t.Kind == analysis.Fuzzy) && t.Text == want {
			return min(floor, namedServiceMinConfidence)
		}
	}
	return floor
}

// kubernetesTermMin returns the confidence the top answer of q, document
// top, needs: namedServiceMinConfidence when q names something only a
// Kubernetes cluster has (a cluster concept other platforms do not share —
// kubectl, kubelet, pvc, ingress, NotReady, CrashLoopBackOff, ImagePullBackOff;
// see clusterConcept — or a container probe kind) and the top answer's runbook
// itself names it, instead of floor (MinConfidence). Chat words around such a
// term ("made an ingress yesterday but the ADDRESS column is still blank,
// honestly no clue why") lower coverage and the known share, so the evidence
// model scores the question low although the term picks the runbook out; a
// question outside the domain that shares only everyday words with a
// runbook names no such term, and one that names it in another sense
// (evicting a tenant: evicted is shared with other systems) does not count.
// The domain gate has already refused a question whose key terms are general
// IT vocabulary.
func kubernetesTermMin(e *engine, q *query, top int, floor float64) float64 {
	if top < 0 {
		return floor
	}
	for _, t := range q.all {
		named := false
		switch t.Kind {
		case analysis.Concept, analysis.Fuzzy:
			c, ok := clusterConcept(e, t.Text)
			named = ok && !sharedConcepts[c]
		case analysis.Word:
			named = kubernetesProbeKinds[t.Text]
		}
		if named && e.ix.Contains(top, t.Text) {
			return min(floor, namedServiceMinConfidence)
		}
	}
	return floor
}

// rareDocs is the largest number of runbooks that may use a word for
// unknownSubject to take it for a name the runbooks do not know: a product
// a runbook names in passing (a self-hosted runner next to a registry) is
// no subject of theirs.
const rareDocs = 2

// subjectParticles are the Korean case particles that close a question's
// subject phrase: topic, subject, object, genitive and locative.
var subjectParticles = []string{"은", "는", "이", "가", "을", "를", "의", "에서", "에"}

// unknownSubject returns the word of q's subject phrase that names
// something the runbooks do not know, or "": the question is about it, and
// a runbook that shares the generic words around it (zone, timeout, disk,
// job) answers another question. The subject phrase is where a question
// names what it is about: in Korean the words up to the first one that
// carries a case particle ("bind9 존 전송이", "self-hosted 러너 디스크가"),
// in English the leading run of adjacent content words, the head noun
// phrase ("bind9 zone transfer", "http.client timeout"). Its word is a
// name the runbooks do not know when it is a Latin word (not a number) that
// no more than rareDocs runbooks use, that is no domain word and has no
// glossary concept, that the top answer (document top) does not mention,
// and that is shaped like a name: in a Korean question any such Latin word
// (Korean writes names in Latin letters, see foreignName), in an English
// one a word joining letters with digits, dots, hyphens or underscores
// (bind9, node.js, pm2, self-hosted; see latinName and nameShaped), since a plain English word no
// runbook uses is as likely ordinary English (engineer, maps). A version
// or a quantity (v1.29, 500Mi) is no name. An
// asker's own object name next to a Kubernetes kind (payment-api 파드) is
// gone before the gate (ObjectNames). The caller applies it only to a
// question that names nothing only Kubernetes has.
func (d *domainModel) unknownSubject(e *engine, q *query, top int, inKorean bool) string {
	prev := -1
	for i, u := range q.units {
		if i > 0 && !inKorean && u.id != prev+1 {
			return "" // the English head noun phrase ends at the first gap
		}
		prev = u.id
		word, particle := "", false
		for _, t := range u.terms {
			if t.Kind == analysis.Word {
				word = t.Text
			}
		}
		if inKorean && word != "" && korean.HasHangul(u.surface) {
			if rest, ok := strings.CutPrefix(u.surface, word); ok {
				particle = slices.Contains(subjectParticles, rest)
			}
		}
		if word != "" && !korean.HasHangul(word) && !allDigits(word) && (inKorean || latinName(word) && nameShaped(word)) &&
			!numberLike(word) &&
			e.ix.DocFreq(word) <= rareDocs && !hasConcept(u) && (top < 0 || !mentions(e, q, u, top)) &&
			d.classify(e, q, u, inKorean) != domainWord {
			return u.surface
		}
		if particle {
			return ""
		}
	}
	return ""
}

// numberLike reports whether w begins with a digit, after an optional v: a
// version (v1.29, 1.28.3) or a quantity (500mi, 30s), not a name.
func numberLike(w string) bool {
	if len(w) > 1 && w[0] == 'v' {
		w = w[1:]
	}
	return w != "" && w[0] >= '0' && w[0] <= '9'
}

// hasConcept reports whether u has a glossary concept of its own.
func hasConcept(u *unit) bool {
	for _, t := range u.terms {
		if t.Kind == analysis.Concept {
			return true
		}
	}
	return false
}
