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
// Text becomes terms through the analysis package (the same analyzer for
// runbooks and questions): NFKC and case folding, Hangul/Latin boundary
// splitting ("pod가" → pod + 가), error strings kept whole and split
// (Init:CrashLoopBackOff, External-IP, cbs-reuse-key), particle and ending
// stripping (파드가/파드를 → 파드), Hangul bigrams for compounds and
// unknown words, glossary concepts (파드/팟/포드/pod → @pod, 낫레디 → @notready),
// and multi-word phrases from runbook keywords ("Name or service not known").
// Words that neither the index nor the glossary knows get, in this order: the
// longest known head of a Hangul word (a conjugation the stemmer does not
// list: 실행되자마자 → 실행; a filler head such as 여러개인 drops the word), the
// closest known English form (recursively → recursive, rotate → rotation), or
// a correction by edit distance over jamo (팬딩 → 펜딩 → @pending) or letters
// (kublet → kubelet). A number no runbook mentions (0/5, 8081) is no topic.
//
// The glossary joins Korean and English, formal and chat words for the same
// thing: Kubernetes/cloud concepts (파드/팟/pod, 슈퍼노드/virtual node,
// 컨테이너 수/replicas) and everyday IT words (끊겨/disconnect, 비밀번호/비번,
// 까먹/잊어버/forgot, 폴더/디렉터리, 바뀌었/변경). A Hangul spelling of a
// concept weighs no more than the concept, so a rare spelling (팟, 여러개)
// does not favour the few runbooks that happen to use it.
//
// Entries are ranked by BM25F over five fields: title and example questions
// (weight 3) > keywords (2) > tags, provider, finding codes (1.5) > body (1;
// code fence info strings such as "bash" are not indexed). Each question word
// counts once, by its best evidence (the word, one of its concepts, a
// correction, or its bigrams together), so a word that happens to match in
// three forms does not outweigh two words that match once. A question that
// names one provider's product (CLB, CVM, Serverless → TKE; VMSS, MC_ → AKS;
// ncloud-config, ALB → NKS) scales other providers' entries by 0.75; a
// question that names none scales every provider entry by 0.95, so that a
// generic question gets the generic runbook.
//
// Why not bleve: a custom bleve analyzer could produce the same tokens, but
// the parts that decide quality here sit outside what bleve's query model
// expresses: per-word "best evidence" scoring across token kinds, typo
// correction over jamo rather than runes, and the per-word coverage the
// confidence needs (bleve exposes which terms matched only through score
// explanations). With a few hundred entries an in-memory BM25F (the index
// package) builds in about 0.15 s and answers in well under a millisecond, and
// keeps the services module free of bleve's dependency tree.
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
//     those too. Real questions, even short ones ("노드가 NotReady예요"),
//     nearly always name one or two Kubernetes concepts; out-of-domain ones
//     rarely do.
//   - score: the BM25F score, log-scaled.
//
// A logistic model (Calibration) combines them; its coefficients were fitted
// with `kubemedic kb calibrate` (make kb-calibrate) on faq-dev and our own
// paraphrase, seed-coverage and out-of-domain sets (evaluation/testdata;
// 127 out-of-domain questions, 67 of them hard negatives next to the
// domain), with label 1 when the top answer is correct and a wrong answer
// weighing 1.5 times a right one (evaluation.WrongCost), and checked on the
// runbook writers' held-out sets. Because the model predicts correctness rather than merely
// "in domain", it also refuses questions where the best match is a weak
// guess. A question whose top answer scores below MinConfidence (0.5) gets
// NoAnswer with a Reason.
//
// Quality is measured by the evaluation package (make bench-faq) and held
// by floor tests; speed by BenchmarkAsk and BenchmarkBuildIndex (make
// bench-knowledge). Measured with these coefficients: faq-dev top-1 1.000,
// out-of-domain refusal 1.000; held-out top-1 0.961 (administration 0.971,
// aks-nks 0.967, tke 0.959, troubleshooting 0.952), no false refusals, all
// 16 held-out out-of-domain questions refused; own paraphrases 0.975 (240),
// seed coverage 0.922 (347), own out-of-domain refusal 0.921 (59 of 60
// everyday questions, 58 of 67 hard negatives). Ask p99 0.7 ms, index build
// 0.16 s.
package knowledge
