package knowledge

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestPipelineStages(t *testing.T) {
	p := DefaultPipeline()
	if err := p.validate(); err != nil {
		t.Fatal(err)
	}
	for _, s := range p {
		if s.Name() == "" || s.Describe() == "" || strings.ContainsAny(s.Name(), " \t") {
			t.Errorf("stage %T: name %q, description %q", s, s.Name(), s.Describe())
		}
	}
	without := p.Without("typo", "provider-prior")
	if got := without.Names(); len(got) != len(p)-2 || slices.Contains(got, "typo") || slices.Contains(got, "provider-prior") {
		t.Errorf("Without = %v", got)
	}
	if err := append(DefaultPipeline(), Stemming{}).validate(); err == nil {
		t.Error("a repeated stage was accepted")
	}
	if _, err := New(nil, Tuning{Stages: Pipeline{nil}}); err == nil {
		t.Error("a nil stage was accepted")
	}
}

func TestProviderData(t *testing.T) {
	for _, p := range []string{"tke", "aks", "nks"} {
		if providerWords[p] == "" {
			t.Errorf("provider %s has no index words", p)
		}
		if providerHints[p] != p {
			t.Errorf("provider %s does not name itself: %q", p, providerHints[p])
		}
	}
	for _, bad := range []string{"tke: x", "tke other: x", "tke index x"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("parseProviders(%q) accepted a malformed line", bad)
				}
			}()
			parseProviders(bad)
		}()
	}
}

// Leaving a stage out switches off exactly that step: without the provider
// prior, a provider runbook keeps the score a question naming no provider
// would scale by unnamedProvider (and a TKE Serverless one by
// unnamedServerless as well).
func TestLeaveStageOut(t *testing.T) {
	b := embedded(t)
	tuning := DefaultTuning()
	tuning.Stages = tuning.Stages.Without(ProviderPrior{}.Name())
	plain, err := New(b.Entries(Filter{}), tuning)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range plain.cur.Load().engine.stages.rank {
		if s.(Stage).Name() == (ProviderPrior{}).Name() {
			t.Fatal("the provider prior still ranks after being left out")
		}
	}
	q := "로드밸런서 보안그룹 지정"
	with := b.Ask(context.Background(), q, AskOptions{KeepRefused: true, Top: 20})
	without := plain.Ask(context.Background(), q, AskOptions{KeepRefused: true, Top: 20})
	serverless := map[string]bool{}
	for _, e := range b.Entries(Filter{}) {
		serverless[e.ID] = slices.Contains(e.Tags, serverlessTag)
	}
	score := map[string]float64{}
	for _, a := range without.Answers {
		score[a.ID] = a.Score
	}
	checked := 0
	for _, a := range with.Answers {
		s, ok := score[a.ID]
		if !ok || s == 0 {
			continue
		}
		want := s
		if a.Provider != "generic" {
			want = s * unnamedProvider
		}
		if serverless[a.ID] {
			want *= unnamedServerless
		}
		if math.Abs(a.Score-want) > 0.002 {
			t.Errorf("%s (%s): score %.3f with the prior, %.3f without; want %.3f", a.ID, a.Provider, a.Score, s, want)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no answer in common")
	}
}

func TestRunnerUp(t *testing.T) {
	tests := []struct{ conf, topConf, score, top, want float64 }{
		{0.9, 0.9, 5, 5, 0.9},    // a tie stays a tie
		{0.9, 0.9, 2.5, 5, 0.45}, // half the score, half the confidence
		{0.9, 0.95, 6, 5, 0.9},   // never above its own estimate
		{0.9, 0.95, 1, 0, 0.9},   // no top score: unchanged
		{0.9, 0.6, 5, 5, 0.6},    // never above the top answer's confidence
		{0.9, 0.6, 2.5, 5, 0.3},  // the top answer's, scaled by the score
		{0.5, 0.6, 2.5, 5, 0.25}, // its own when lower, scaled by the score
	}
	for _, tt := range tests {
		if got := RunnerUp(tt.conf, tt.topConf, tt.score, tt.top); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("RunnerUp(%v, %v, %v, %v) = %v, want %v", tt.conf, tt.topConf, tt.score, tt.top, got, tt.want)
		}
	}
}

// An example question asked word for word puts its runbook ahead of its
// near-duplicates, and the runners-up show a lower confidence.
func TestQuestionMatchSeparates(t *testing.T) {
	b := embedded(t)
	res := b.Ask(context.Background(), "파드가 계속 Pending이에요", AskOptions{})
	if len(res.Answers) < 2 {
		t.Fatalf("answers: %+v", res)
	}
	if res.Answers[0].ID != "k8s-pod-pending-insufficient-resources" {
		t.Errorf("top answer %s, want the runbook that lists this question", res.Answers[0].ID)
	}
	if d := res.Answers[0].Confidence - res.Answers[1].Confidence; d < 0.05 {
		t.Errorf("top %.3f, runner-up %.3f: not apart", res.Answers[0].Confidence, res.Answers[1].Confidence)
	}
}

// An English question gets the English body when the runbook has one, a
// Korean question the Korean body; English bodies are searched too.
func TestAnswerLanguage(t *testing.T) {
	entries := embedded(t).Entries(Filter{})
	for i := range entries {
		if entries[i].ID == "k8s-pod-pending-hostport" {
			entries[i].BodyEn = "Two pods asking for the same hostPort cannot share a node; the zebrafish rule applies."
		}
	}
	b, err := New(entries, DefaultTuning())
	if err != nil {
		t.Fatal(err)
	}
	en := b.Ask(context.Background(), "pods with hostPort stuck pending", AskOptions{})
	if len(en.Answers) == 0 || en.Answers[0].ID != "k8s-pod-pending-hostport" || !strings.Contains(en.Answers[0].Body, "zebrafish") {
		t.Fatalf("English question: %+v", en)
	}
	ko := b.Ask(context.Background(), "hostPort 쓰는 파드가 Pending", AskOptions{})
	if len(ko.Answers) == 0 || strings.Contains(ko.Answers[0].Body, "zebrafish") {
		t.Errorf("Korean question got the English body: %+v", ko.Answers)
	}
	forced := b.Ask(context.Background(), "hostPort 쓰는 파드가 Pending", AskOptions{Language: "en"})
	if len(forced.Answers) == 0 || !strings.Contains(forced.Answers[0].Body, "zebrafish") {
		t.Errorf("lang=en did not pick the English body: %+v", forced.Answers)
	}
	// The English body is indexed: a word only it has finds the runbook.
	if r := b.Ask(context.Background(), "zebrafish rule for hostPort pods", AskOptions{KeepRefused: true}); len(r.Answers) == 0 || r.Answers[0].ID != "k8s-pod-pending-hostport" {
		t.Errorf("English body not searched: %+v", r.Answers)
	}
}

// Korean and English questions meet in glossary concepts both ways: an
// English question finds a runbook whose words are Korean, and the other way.
func TestKoreanEnglishPairs(t *testing.T) {
	b := embedded(t)
	tests := []struct{ ko, en, want string }{
		{"노드가 낫레디 상태예요", "how do I debug a NotReady node", "k8s-node-notready-debug"},
		{"초기화 컨테이너가 계속 실패해요", "the init container keeps failing", "k8s-init-container-failing"},
		{"서비스에 엔드포인트가 없어요", "service has no endpoints", "k8s-service-no-endpoints"},
		// The wrong answers: an init-container runbook for a plain
		// CrashLoopBackOff, an AKS runbook for a Pending PVC, a TKE
		// autoscaler runbook for draining a node.
		{"파드가 CrashLoopBackOff 상태예요", "my pod is stuck in CrashLoopBackOff", "k8s-pod-crashing-logs"},
		{"pvc 가 펜딩에서 안 넘어가요", "PVC stuck in Pending", "k8s-pvc-pending-storageclass"},
		{"노드 점검 전에 drain 하는 법", "how do I drain a node safely", "k8s-node-drain-safely"},
	}
	for _, tt := range tests {
		for _, q := range []string{tt.ko, tt.en} {
			res := b.Ask(context.Background(), q, AskOptions{})
			if len(res.Answers) == 0 || res.Answers[0].ID != tt.want {
				t.Errorf("%q: %v (%s), want %s", q, ids(res.Answers), res.Reason, tt.want)
			}
		}
	}
}

func ids(as []Answer) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}
