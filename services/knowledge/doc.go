// Package knowledge is kubemedic's knowledge base: runbooks (Markdown with
// YAML front matter, see docs/runbook-format.md) embedded in the binary plus
// extra directories loaded at start (--kb-dir), searched with a retrieval
// pipeline built for the Korean and English questions SREs type in chat, and
// honest enough to say "I don't know".
//
// # Loading
//
// Open reads the embedded runbooks and every Options.ExtraDirs directory.
// Each file is parsed on its own (Parse); a file that cannot be used is
// reported as a *LoadError "file:line: what is wrong" by Base.Problems and
// the logger, and the rest still loads. An extra entry with a built-in id
// replaces it. Base is safe for concurrent use and Reload swaps a new index
// in atomically.
//
// A runbook's English body lives next to it in <id>.en.md (EnglishSuffix):
// Markdown only, headings mapped one-to-one (Headings), the same code blocks.
// ParseEnglish checks it against the runbook and the loader attaches it as
// Entry.BodyEn. Ask answers in the question's language (AskOptions.Language
// or DetectLanguage): English questions get TitleEn and, when there is one,
// BodyEn; everything else gets the Korean title and body.
//
// # Retrieval
//
// Retrieval is a pipeline of named stages (Stage), assembled in one place,
// DefaultPipeline, one file per stage (stage_*.go); an ablation study leaves
// stages out (Pipeline.Without, and the tables of `kubemedic kb eval`).
//
// Text becomes terms through the analysis package, the same analyzer for
// runbooks and questions, with the text stages switched on:
//
//   - Segmentation: NFKC and case folding, Hangul/Latin boundary splitting
//     ("pod가" → pod + 가), error strings kept whole and split
//     (Init:CrashLoopBackOff, External-IP, cbs-reuse-key), English
//     contractions read as the words they stand for ("won't" → will not,
//     "isn't ready" → not ready; "it's", "pod's" → it, pod), not as the
//     fragments a split at the apostrophe leaves ("won", a bare "t").
//   - Stemming: particle and ending stripping (파드가/파드를 → 파드).
//   - EnglishStemming: the Snowball (Porter2) stem of each English word
//     besides the word (restarting, restarted → restart), also looked up in
//     the glossary.
//   - Bigrams: Hangul bigrams for compounds and unknown words.
//   - Concepts: glossary concepts (파드/팟/포드/pod → @pod, 낫레디 →
//     @notready). The glossary joins Korean and English, formal and chat
//     words for the same thing: Kubernetes/cloud concepts (파드/팟/pod,
//     슈퍼노드/virtual node) and everyday IT words (끊겨/disconnect,
//     비밀번호/비번, 폴더/디렉터리).
//   - Phrases: multi-word phrases from runbook keywords ("Name or service not
//     known").
//
// Then the question stages:
//
//   - ObjectNames: the asker's own object names are dropped ("payments 파드가
//     계속 Pending이에요" is a question about a Pending pod): a Latin word the
//     knowledge base knows in no form (no runbook, stem, glossary concept or
//     general IT word) next to a kind only Kubernetes has (파드/pod,
//     디플로이먼트, 네임스페이스, 서비스, 인그레스, 컨피그맵, HPA, PVC, ...; not
//     node, job or secret, which other systems have too): before the kind, or
//     after it when the name has a digit, '-', '_' or '.' (pod web-1). Left
//     in, the name is a subject no runbook covers, and the answer's
//     confidence falls below the refusal line. Grounding still sees it. So
//     is a general IT program (gunicorn, redis; no glossary concept, no
//     other platform) bare before a pod, statefulset, daemonset, cronjob or
//     디플로이먼트: "gunicorn 파드" is the pod that runs gunicorn.
//   - Loanwords: a Hangul word that neither the index nor the glossary knows
//     and that is no general IT word is read as the Latin word it spells
//     (the loanword package): an acronym by its letter names (피브이씨 → pvc,
//     에이케이에스 → aks, the tail 디엔에스 of 코어디엔에스 → dns) when the
//     index, the glossary or the general IT list knows the reading, a
//     product by its sound (콘트랙 → conntrack, 코넥티비티 → konnectivity) when
//     a word of the runbooks' heads has the same consonant skeleton (four
//     consonants or more) and nearly the same spelling, and the word does
//     not begin with a Korean word the index knows. The reading weighs like a stem and brings its
//     concepts, so the question finds the runbook that writes the name in
//     Latin letters and counts the word as known; a general IT reading
//     (알디에스 → rds) is general IT. Words of three syllables or more only.
//   - Compounds: a question word written as a hyphenated compound gets the
//     glossary concept its pieces name together (config-map → configmap,
//     node-pool → node pool, not-ready → NotReady, out-of-memory →
//     OOMKilled), besides its pieces' own concepts. Questions only: runbooks
//     write the glossary's spellings, and their identifiers (annotation keys,
//     flags) read as compounds moved unrelated answers.
//   - MachineNodes: an English machine word (machine, server, host, VM,
//     instance, CVM) is read as a node when the question names something
//     only a Kubernetes cluster has (a pod, cordon, NotReady, the kubelet;
//     not a managed service's name, which a question may deny): "cordon and
//     drain a vm". Alone it stays a machine ("port 8080 in use on my
//     machine"), so machine is no variant of the node concept.
//   - TypoTolerance: words that neither the index nor the glossary knows get
//     the longest known head of a Hangul word (실행되자마자 → 실행), the
//     closest known English form (recursively → recursive), or a correction
//     by edit distance over jamo (팬딩 → 펜딩 → @pending) or letters (kublet →
//     kubelet). A number no runbook mentions (0/5, 8081) is no topic.
//   - FieldWeights: BM25F over six fields, title and example questions >
//     keywords > tags, provider, finding codes > Korean body > English body
//     (Entry.BodyEn, the same facts again, so half the weight; code fence
//     info strings such as "bash" are not indexed).
//   - WordGroups: each question word counts once, by its best evidence (the
//     word, one of its concepts, a correction, or its bigrams together).
//   - ProviderPrior: a question that names one provider's product (CLB → TKE;
//     VMSS → AKS; ncloud-config → NKS) weighs other providers' entries less,
//     and a question that names none weighs every provider entry a little
//     less, so that a generic question gets the generic runbook. A TKE
//     Serverless runbook (tag serverless) weighs a little less again when the
//     question names neither Serverless nor its super nodes: TKE Serverless
//     is a product of its own next to standard TKE clusters, and a CLB,
//     security group or log question that does not name it is about a
//     standard cluster first (unnamedServerless). Once the
//     answers' confidences are known, a question naming no provider whose
//     top answer is a provider runbook gets the first generic answer within
//     5% of its score instead (genericTie): retrieval cannot tell them
//     apart, and the general question deserves the general answer ("팟이
//     스케줄링이 안 돼요" → the generic Pending runbook, not TKE Serverless's
//     subnet out of IPs); the answers it passes show no higher confidence.
//   - QuestionMatch: the best candidates are compared word by word (by
//     concept) with their runbook's example questions and titles; a close
//     match (Jaccard similarity) raises the score, so the runbook that lists
//     a question stands out from its near-duplicates. Words that say how the
//     question asks rather than what about (해결, fix: no concept, in half
//     the runbooks or more) are left out of the question's side.
//   - DomainGate: a question whose only specific words are general IT
//     vocabulary (VPN, vim, Excel, sudo, EC2, Windows, Ubuntu, gunicorn,
//     PowerShell, HAProxy, registrars: data/general-it.txt) or a cloud company's name without any of its
//     Kubernetes products (Azure, Tencent, Naver Cloud without AKS, CLB,
//     NKS…; a correction that only extends a Latin word, browse → browser,
//     is another word) and that names nothing of the domain (a
//     Kubernetes/cloud glossary concept, a runbook keyword phrase with such a
//     word — "윈도우 업데이트" and "로그 위치" are none —, a technical term:
//     a Latin keyword or tag word of the runbooks that their Korean prose
//     writes about as often as their English prose, so not "address" or
//     "config", which only the English translation uses, nor "reset" or
//     "password", which Korean runbooks write only in commands) is
//     answered only from the confidence band where answers are right nine
//     times in ten, however many generic words (connect, save, error, cost)
//     it shares with a runbook. A question that names the domain next to
//     general IT words ("vim이 컨테이너에 없어요", "cron job on Linux") needs
//     a little more than MinConfidence (mixedMinConfidence), and the
//     off-domain band again when its top answer never mentions one of those
//     general IT words and it has fewer than three domain words (the
//     shared ones, below, not counted), or those words carry a fifth of the question's weight and the answer names
//     fewer than three of its domain words (the question is about that word;
//     the answer is not: Nomad's node drain), or all its domain words are
//     ones other systems share (workers, jobs, services, health checks,
//     load balancers, target groups, firewalls, scaling: an HAProxy or GCP
//     load balancer question), or when the answer names fewer
//     than half of its domain words (the match came through the general IT
//     side alone). Such a question with nothing only Kubernetes has is
//     refused at any confidence when its answer never mentions its general
//     IT word. A Kubernetes service the question denies ("we don't use
//     AKS", "AKS는 안 써요") is dropped from it. A question naming neither, but with a Latin word no
//     runbook uses (pm2, a product the knowledge base never heard of), needs
//     mixedMinConfidence too; in a Korean question such a word without
//     digits is general IT outright (ECR, SST: Korean writes names, not
//     ordinary words, in Latin letters), and a Hangul word nothing knows
//     (주키퍼) needs mixedMinConfidence when a built-in runbook is on top. A cloud company's name next to one
//     of its products that names nothing of the domain by itself (Tencent
//     CVM) is the company's cloud, not its Kubernetes service; next to the
//     word Kubernetes it is that service. An answer that names the company
//     (as every runbook of its service does) does not mention the subject.
//     A general IT word means itself: a glossary concept found in a piece of
//     it (레디 of 레디스) is dropped from the question; so is one found in a
//     piece of a dotted name no runbook writes whole and whose last piece no
//     runbook uses (node of node.js; deployment.yaml keeps its concepts).
//     Three kinds of question are refused at any confidence, because the
//     calibration predicts correctness from word coverage and a runbook can
//     cover their words almost entirely: one that names a machine (VM, CVM,
//     instance, server, EC2, GCE) next to a general IT word or a cloud company's name
//     and nothing of a cluster (a glossary concept of the cluster list:
//     pod, node, container, kubelet, API server, CNI, AKS…; or a word
//     carrying the name of Kubernetes, kubeadm) is about the machine itself
//     ("애저 VM 디스크 암호화", "텐센트 CVM 비밀번호", "systemd service on my
//     ubuntu server"); one that names another container platform (Swarm,
//     Nomad, ECS, Compose, Podman, Spark: data/platforms.txt; two-word names
//     such as Cloud Run, App Service and docker run, found as adjacent
//     words: data/platform-names.txt) and nothing only Kubernetes has (node,
//     container, cluster, drain, deployment and namespace those platforms
//     have too) is about that platform — CI services (GitHub Actions,
//     GitLab runners), the Windows Task Scheduler and host monitoring
//     agents (node_exporter, 노드 익스포터) are named in the same lists; one
//     that names a machine's own service manager (systemd, systemctl,
//     journalctl) and nothing of a cluster is about the machine's services;
//     one that names a language runtime's memory (heap, Xmx, GC, GOMEMLIMIT)
//     and neither a container nor anything only Kubernetes has is about the
//     program's runtime (the OOMKilled runbook names the JVM heap and covers
//     it word for word); and one that names a machine whose domain words are
//     all shared with other systems (NFS, firewall, scheduler) is about the
//     machine. Protocols and client errors every networked program has
//     (http, grpc, context deadline exceeded) are weak domain words like
//     the shared concepts; a question that names a Kubernetes probe kind
//     (readiness) is not all-weak. A question that names a
//     provider's Kubernetes service (AKS, TKE, NKS) with a runbook of that
//     service on top needs namedServiceMinConfidence (0.4) rather than
//     MinConfidence: it asks about the service in its own words (residency,
//     uptime promise), which a coverage-based confidence underrates. So
//     does one that names something only Kubernetes has (kubectl, kubelet,
//     hpa, NotReady, ImagePullBackOff: a cluster concept not shared with
//     other systems, or a probe kind) which its top runbook names too
//     (kubernetesTermMin): chat words around the term lower coverage, the
//     term still picks the runbook out.
//     Last, a question that passed the bands with MinConfidence or more
//     is read for its subject (the words up to the first Korean case
//     particle, or the leading run of adjacent English words): a Latin name
//     there that the runbooks do not know (two runbooks at most, no domain
//     word or concept, not in the answer; in English shaped like a name,
//     bind9, node.js, self-hosted) next to nothing only Kubernetes has sends
//     it to the off-domain band ("bind9 zone transfer fails").
//
// A Hangul spelling of a concept weighs no more than the concept, so a rare
// spelling (팟, 여러개) does not favour the few runbooks that happen to use it.
// Word lists (stopwords, Korean suffixes and protected nouns, the glossary,
// everyday concepts, provider hints) are embedded data files, each group
// with a comment saying why it is there.
//
// Why not bleve: a custom bleve analyzer could produce the same tokens, but
// the parts that decide quality here sit outside what bleve's query model
// expresses: per-word "best evidence" scoring across token kinds, typo
// correction over jamo rather than runes, and the per-word coverage the
// confidence needs (bleve exposes which terms matched only through score
// explanations). With a few hundred entries an in-memory BM25F (the index
// package) is small and fast, and keeps the services module free of bleve's
// dependency tree.
//
// # Confidence and "no answer"
//
// Every answer gets a confidence in [0,1], an estimate of the probability
// that it answers the question, from four signals (Signals):
//
//   - coverage: the idf-weighted share of the question's content words the
//     answer covers — by the word, its concept, a correction, its parts or its
//     bigrams. "VPN 비밀번호 초기화" against a runbook that only shares 비밀번호
//     covers little.
//   - known: the idf-weighted share of question words that are glossary
//     concepts or appear in some runbook's head (title, questions, keywords,
//     tags). Lunch menus, VLOOKUP and bitcoin wallets are words no runbook
//     uses, and unknown words weigh like the rarest; "VPN" or "사진" appear
//     only in passing in a runbook body and do not count as known either.
//   - concepts: how many question words are glossary concepts (capped at 3):
//     a Kubernetes/cloud concept counts 1, an everyday IT word (에러, 로그,
//     비밀번호, 리눅스) 0.5, since questions about git, cron or a VPN name
//     those too.
//   - score: the BM25F score, log-scaled.
//
// A logistic model (Calibration) combines them; its coefficients are fitted
// with `kubemedic kb calibrate` (make kb-calibrate) on faq-dev and our own
// paraphrase, seed-coverage and out-of-domain sets (evaluation/testdata),
// with label 1 when the top answer is correct and a wrong answer weighing
// more than a right one (evaluation.WrongCost), and checked on the runbook
// writers' held-out sets. Because the model predicts correctness rather than
// merely "in domain", it also refuses questions where the best match is a
// weak guess. A question whose top answer scores below MinConfidence gets
// NoAnswer with a Reason. A runner-up's confidence is its own estimate,
// capped at the top answer's, scaled by its score relative to the top
// answer's (RunnerUp), so the candidates a user sees are ordered by how far
// retrieval put them apart and the top answer never shows less confidence
// than one below it.
// The evidence model scores each answer on its own, so a question that two
// sibling runbooks both cover well got the same high confidence as one where
// nothing else came close, although in the first case the right runbook is
// often second (most wrong answers shown at ≥ 0.8 were such near-misses). A
// second stage (Separation) therefore moves an answered top answer's
// confidence on the logit scale by how close the runner-up's score comes
// ((runner-up/top)⁴, Closeness): a clear lead raises it, a near-tie lowers
// it. It runs after refusal and ordering are decided on the evidence
// confidence and never shows an answered question below MinConfidence, so it
// changes no refusal, no order and no top-1; runner-ups are capped under the
// new top confidence as RunnerUp does. Its two coefficients are fitted with
// `kb calibrate` over the current evidence model on the answered questions of
// the fitting sets and the tuning sets (evaluation/testdata/tuning).
// Both stages and the tie rules below compare the top answer with the ones
// under it, so Ask ranks at least three answers (rankDepth) whatever Top asks
// for and then cuts the list: asking for one answer gives the first of the
// three, with the same confidence.
// Candidates whose scores tie with the top answer's (within half a percent,
// scoreTie: near-duplicate runbooks, where the last digits of an idf decide)
// are ordered by what they are about first: one whose head (title, example
// questions, keywords, tags; a head-only index) covers clearly more of the
// question (by headTie) goes first, and otherwise the one with the higher
// confidence, whose evidence anywhere covers more (breakScoreTies). Adding
// runbooks moves idfs in their last digits, and a tie decided by them alone
// flips with any new runbook; what a runbook is about does not.
// A question that reports a symptom (a negation or a failing state: "not",
// "stuck", "keeps", "안 ", "계속", "실패") and asks for no command or
// procedure ("how do I", "command", "방법", "명령") gets the first symptom
// runbook (body opening with ## 증상) within 10% of a how-to top answer
// (## 답변 under a title that starts with an action, "Viewing…",
// "Creating…") instead (preferSymptom, after preferGeneric): the two share
// their words by design, and what the question asks for tells them apart.
// The other direction (a how-to question, a symptom runbook on top) is not
// reordered: a symptom runbook's fix is often the procedure asked for. The
// move makes no answer surer.
// `kubemedic kb eval` prints a reliability table (confidence bucket → count →
// accuracy) for Korean and English questions.
//
// Quality is measured by the evaluation package (make bench-faq prints the
// numbers) and held by floor tests; speed by BenchmarkAskMix (every
// evaluation question in turn: wall-clock p50/p99/p99.9, process CPU per
// Ask, B/op), BenchmarkAskMixOnCPU (the tail of each Ask's own CPU time),
// BenchmarkAsk, BenchmarkAskMixParallel and BenchmarkBuildIndex (make
// bench-knowledge).
//
// Speed comes from doing the work once, when the index is built: each
// posting carries its field-combined term frequency and each term its idf,
// the runbooks' English words their Porter2 stems, the example questions
// their word sets as sorted word numbers, the typo dictionary its words'
// jamo and rune masks by script and length. A question then allocates
// little: its terms, units, query and hits live in pooled memory that Ask
// gives back, so the garbage collector, and with it the tail latency, stays
// quiet under load. None of this changes an answer: ties are broken exactly
// as a full sort would break them, and scores are summed in the same order.
package knowledge
