package knowledge

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
)

// openEmbedded opens the built-in knowledge base once per test binary.
var openEmbedded = sync.OnceValues(func() (*Base, error) {
	return Open(context.Background(), Options{})
})

func embedded(t testing.TB) *Base {
	t.Helper()
	b, err := openEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEmbeddedRunbooksLoadCleanly(t *testing.T) {
	b := embedded(t)
	if b.Len() < 50 {
		t.Fatalf("only %d embedded entries; the runbooks are missing", b.Len())
	}
	for _, p := range b.Problems() {
		var le *LoadError
		if errors.As(p, &le) && !le.Warning {
			t.Errorf("embedded runbook skipped: %v", p)
		}
	}
	for _, e := range b.Entries(Filter{}) {
		if !strings.HasPrefix(e.Origin.File, EmbeddedPrefix+"runbooks/") || e.Origin.Area == "" {
			t.Errorf("%s: origin %+v, want embedded:runbooks/<area>/…", e.ID, e.Origin)
		}
	}
}

func writeFile(t *testing.T, dir, name, text string) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestExtraDirBadFileReportedRestLoads(t *testing.T) {
	dir := t.TempDir()
	good := strings.Replace(goodRunbook, "k8s-test-pending", "team-vpn-runbook", 1)
	good = strings.Replace(good, "파드가 Pending 상태", "사내 쿠버네티스 VPN 게이트웨이 파드 재시작 절차", 1)
	writeFile(t, dir, "team/team-vpn-runbook.md", good)
	writeFile(t, dir, "team/broken.md", "---\nid: broken\ntitle_ko: [unclosed\n---\nbody\n")
	writeFile(t, dir, "notes.txt", "plain text\n")
	writeFile(t, dir, "README.md", "# not a runbook\n")
	// An extra entry with a built-in id replaces it.
	override := strings.Replace(goodRunbook, "k8s-test-pending", "k8s-pod-pending-insufficient-resources", 1)
	writeFile(t, dir, "k8s-pod-pending-insufficient-resources.md", override)

	b, err := Open(context.Background(), Options{ExtraDirs: []string{dir, filepath.Join(dir, "missing")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Entry("team-vpn-runbook"); !ok {
		t.Error("good extra runbook was not loaded")
	}
	if e, ok := b.Entry("k8s-pod-pending-insufficient-resources"); !ok || e.TitleEn != "Pod stuck in Pending" || !strings.HasPrefix(e.Origin.File, dir) {
		t.Errorf("override not applied: %+v", e.Origin)
	}
	wants := []string{
		filepath.Join(dir, "team/broken.md") + ":3: front matter:",
		filepath.Join(dir, "notes.txt") + ":1: warning: plain-text file is not a runbook",
		filepath.Join(dir, "missing") + ": knowledge directory:",
		`warning: id "k8s-pod-pending-insufficient-resources" replaces the entry from embedded:runbooks/`,
	}
	var all []string
	for _, p := range b.Problems() {
		all = append(all, p.Error())
	}
	for _, w := range wants {
		found := false
		for _, p := range all {
			found = found || strings.Contains(p, w)
		}
		if !found {
			t.Errorf("problems %q\nwant one containing %q", all, w)
		}
	}
	res := b.Ask(context.Background(), "VPN 게이트웨이 파드 재시작 절차", AskOptions{})
	if res.NoAnswer || res.Answers[0].ID != "team-vpn-runbook" {
		t.Errorf("Ask for the extra runbook = %+v", res)
	}
}

func TestReloadPicksUpChanges(t *testing.T) {
	dir := t.TempDir()
	b, err := Open(context.Background(), Options{ExtraDirs: []string{dir}, NoEmbedded: true})
	if err != nil {
		t.Fatal(err)
	}
	if b.Len() != 0 {
		t.Fatalf("Len = %d, want 0", b.Len())
	}
	writeFile(t, dir, "k8s-test-pending.md", goodRunbook)
	if err := b.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Entry("k8s-test-pending"); !ok {
		t.Error("Reload did not load the new file")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Reload(ctx); err == nil {
		t.Error("Reload with a cancelled context succeeded")
	}
	if _, ok := b.Entry("k8s-test-pending"); !ok {
		t.Error("failed Reload dropped the previous index")
	}
}

func TestConcurrentAskAndReload(t *testing.T) {
	b, err := Open(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				res := b.Ask(context.Background(), "파드가 계속 Pending이에요", AskOptions{})
				if res.NoAnswer {
					errs <- "refused during reload: " + res.Reason
					return
				}
			}
		}()
	}
	for i := 0; i < 3; i++ {
		if err := b.Reload(context.Background()); err != nil {
			t.Error(err)
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestAsk(t *testing.T) {
	b := embedded(t)
	tests := []struct {
		name     string
		q        string
		opts     AskOptions
		wantTop  string // "" = must be refused
		wantLang string
	}{
		{"korean pending", "파드가 계속 Pending이에요", AskOptions{}, "k8s-pod-pending-insufficient-resources", "ko"},
		{"colloquial and typo", "팟이 팬딩에서 안 넘어가요", AskOptions{}, "k8s-pod-pending-insufficient-resources", "ko"},
		{"english", "my pod is Pending: 0/3 nodes are available, insufficient memory", AskOptions{}, "k8s-pod-pending-insufficient-resources", "en"},
		{"error string", "init 컨테이너 때문에 Init:CrashLoopBackOff 예요", AskOptions{}, "k8s-init-container-failing", "ko"},
		{"multi-word error", "wget 하면 Name or service not known 이 떠요", AskOptions{}, "k8s-service-not-found", "ko"},
		{"provider words", "NKS LoadBalancer가 External-IP를 못 받아요", AskOptions{}, "nks-loadbalancer-pending-lb-subnet", "ko"},
		{"out of domain", "오늘 점심 메뉴 추천해줘", AskOptions{}, "", "ko"},
		{"out of domain english", "how do I bake sourdough bread", AskOptions{}, "", "en"},
		{"empty", "   ", AskOptions{}, "", "ko"},
		{"punctuation only", "?!?", AskOptions{}, "", "ko"},
		{"invalid utf-8", "\xff\xfe파드", AskOptions{}, "", "ko"},
		{"forced language", "파드가 계속 Pending이에요", AskOptions{Language: "en"}, "k8s-pod-pending-insufficient-resources", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := b.Ask(context.Background(), tt.q, tt.opts)
			if res.Language != tt.wantLang {
				t.Errorf("Language = %q, want %q", res.Language, tt.wantLang)
			}
			if tt.wantTop == "" {
				if !res.NoAnswer || len(res.Answers) != 0 || res.Reason == "" {
					t.Errorf("want a refusal with a reason, got %+v", res)
				}
				return
			}
			if res.NoAnswer {
				t.Fatalf("refused: %s", res.Reason)
			}
			top := res.Answers[0]
			if top.ID != tt.wantTop {
				t.Errorf("top = %s (%.2f), want %s", top.ID, top.Confidence, tt.wantTop)
			}
			e, _ := b.Entry(top.ID)
			if top.Title != e.Title(tt.wantLang) || top.Body != e.BodyIn(tt.wantLang) || top.Source != e.Source {
				t.Errorf("answer fields do not come from the entry: %+v", top)
			}
			if top.Confidence < DefaultMinConfidence || top.Confidence > 1 || res.Confidence != top.Confidence {
				t.Errorf("confidence %.3f / %.3f out of range", top.Confidence, res.Confidence)
			}
			for i := 1; i < len(res.Answers); i++ {
				if res.Answers[i].Score > res.Answers[i-1].Score {
					t.Errorf("answers not best first: %v", res.Answers)
				}
			}
		})
	}
}

func TestAskOptions(t *testing.T) {
	b := embedded(t)
	res := b.Ask(context.Background(), "로드밸런서 서비스가 외부 IP를 못 받아요", AskOptions{Top: 5, Provider: "tke"})
	if res.NoAnswer || len(res.Answers) != 5 {
		t.Fatalf("want 5 answers, got %+v", res)
	}
	for _, a := range res.Answers {
		if a.Provider != "tke" && a.Provider != "generic" {
			t.Errorf("provider filter let %s (%s) through", a.ID, a.Provider)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if res := b.Ask(ctx, "파드가 Pending이에요", AskOptions{}); !res.NoAnswer || !strings.HasPrefix(res.Reason, "cancelled") {
		t.Errorf("cancelled context: %+v", res)
	}
	long := strings.Repeat("파드가 Pending 이에요 ", 500)
	if res := b.Ask(context.Background(), long, AskOptions{}); res.NoAnswer {
		t.Errorf("long question refused: %s", res.Reason)
	}
	// The limit counts characters, like the API's: a Korean question of
	// fewer than MaxQuestionLength characters is read to its end although it
	// is longer in bytes.
	tail := strings.Repeat("음", 700) + " CrashLoopBackOff 파드가 계속 재시작돼요"
	if len(tail) <= MaxQuestionLength || len([]rune(tail)) > MaxQuestionLength {
		t.Fatalf("test question has %d bytes, %d characters", len(tail), len([]rune(tail)))
	}
	if res := b.Ask(context.Background(), tail, AskOptions{}); res.NoAnswer || !strings.Contains(strings.ToLower(res.Answers[0].ID), "crash") {
		t.Errorf("the end of a long Korean question was cut off: %+v", res)
	}
}

func TestTypoCorrection(t *testing.T) {
	b := embedded(t)
	eng := b.cur.Load().engine
	tests := []struct{ typo, want string }{
		{"팬딩", "펜딩"},
		{"kublet", "kubelet"},
		{"디플로이먼뜨", "디플로이먼트"},
		{"kubeclt", "kubectl"},       // English: adjacent letters swapped
		{"deploymnet", "deployment"}, // English: swapped, long word
		{"namespce", "namespace"},    // English: a letter dropped
	}
	for _, tt := range tests {
		got := typoDictOf(t, eng).corrections(tt.typo)
		found := false
		for _, g := range got {
			found = found || g == tt.want
		}
		if !found {
			t.Errorf("corrections(%q) = %v, want %q among them", tt.typo, got, tt.want)
		}
	}
	// Without typo tolerance the misspelt question loses its Pending concept.
	off := DefaultTuning()
	off.Stages = off.Stages.Without(TypoTolerance{}.Name())
	plain, err := New(b.Entries(Filter{}), off)
	if err != nil {
		t.Fatal(err)
	}
	q := "팬딩 상태인 팟"
	with := b.Ask(context.Background(), q, AskOptions{KeepRefused: true})
	without := plain.Ask(context.Background(), q, AskOptions{KeepRefused: true})
	if with.Confidence <= without.Confidence {
		t.Errorf("typo tolerance did not raise confidence: %.3f vs %.3f", with.Confidence, without.Confidence)
	}
}

// A correction that is an index key without its plural s (kubernete, the
// key of kubernetes) brings the concept of the word as written.
func TestTypoPluralS(t *testing.T) {
	eng := embedded(t).cur.Load().engine
	tests := []struct{ q, word, want string }{
		{"kuberntes node notready", "kuberntes", "@kubernetes"},
		{"kubernetis upgrade", "kubernetis", "@kubernetes"},
	}
	for _, tt := range tests {
		q := eng.parse(tt.q)
		var got []string
		for _, u := range q.units {
			if u.surface != tt.word {
				continue
			}
			for _, term := range u.terms {
				if term.Kind == analysis.Fuzzy {
					got = append(got, term.Text)
				}
			}
		}
		q.release()
		if !slices.Contains(got, tt.want) {
			t.Errorf("%q: corrections of %q = %v, want %q among them", tt.q, tt.word, got, tt.want)
		}
	}
}

func TestDetectLanguage(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Why is my pod Pending?", "en"},
		{"파드가 Pending", "ko"},
		{"CrashLoopBackOff", "en"},
		{"123 ???", "ko"},
	}
	for _, tt := range tests {
		if got := DetectLanguage(tt.in); got != tt.want {
			t.Errorf("DetectLanguage(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEntriesFilter(t *testing.T) {
	b := embedded(t)
	if err := (Filter{Provider: "gke"}).Validate(); err == nil {
		t.Error("Validate accepted provider gke")
	}
	for _, f := range []Filter{{Provider: "nks"}, {Area: "aks"}, {Tag: "pod"}} {
		got := b.Entries(f)
		if len(got) == 0 {
			t.Errorf("Entries(%+v) is empty", f)
		}
		for _, e := range got {
			if !f.match(&e) {
				t.Errorf("Entries(%+v) returned %s", f, e.ID)
			}
		}
	}
}

func TestKnownHead(t *testing.T) {
	eng := embedded(t).cur.Load().engine
	tests := []struct {
		word, head string
		filler     bool
	}{
		{"끝나버림", "끝나", false},  // a form the stemmer does not list
		{"어떻게든", "", true},     // a filler with an ending: no topic
		{"비트코인", "", false},    // unknown and no known head
		{"kubelet", "", false}, // only Hangul words have heads
	}
	for _, tt := range tests {
		head, filler := knownHead(eng, tt.word)
		if head != tt.head || filler != tt.filler {
			t.Errorf("knownHead(%q) = %q, %v; want %q, %v", tt.word, head, filler, tt.head, tt.filler)
		}
	}
}

// A question names TKE Serverless by the product or its super nodes, in
// English or Korean; one that does not is about a standard cluster first.
func TestNamesServerless(t *testing.T) {
	eng := embedded(t).cur.Load().engine
	tests := []struct {
		q    string
		want bool
	}{
		{"TKE Serverless 서비스에 CLB가 안 생겨요", true},
		{"서버리스 클러스터 파드 보안 그룹", true},
		{"super node drain before delete", true},
		{"eks pod cannot mount nfs", true},
		{"TKE 서비스 CLB에 보안 그룹 지정", false},
		{"tke service clb security group", false},
	}
	for _, tt := range tests {
		if got := eng.parse(tt.q).namesServerless(); got != tt.want {
			t.Errorf("namesServerless(%q) = %v, want %v", tt.q, got, tt.want)
		}
	}
}

func TestNamedProvider(t *testing.T) {
	eng := embedded(t).cur.Load().engine
	tests := []struct{ q, want string }{
		{"인그레스를 내부망 전용 CLB로 만들고 싶어요", "tke"},
		{"AKS 노드 리소스 그룹 이름", "aks"},
		{"ncloud-config 수정 방법", "nks"},
		{"파드가 Pending이에요", ""},
		{"CLB랑 AKS 차이", ""}, // two providers: no preference
	}
	for _, tt := range tests {
		if got := eng.parse(tt.q).namedProvider(); got != tt.want {
			t.Errorf("namedProvider(%q) = %q, want %q", tt.q, got, tt.want)
		}
	}
	// The named provider's entry wins over a near-duplicate of another one.
	res := embedded(t).Ask(context.Background(), "인그레스를 내부망 전용 CLB로 만들고 싶어요", AskOptions{})
	if len(res.Answers) == 0 || res.Answers[0].Provider != "tke" {
		t.Errorf("CLB question answered by %+v, want a TKE entry first", res.Answers)
	}
}

func TestEverydayConceptsWeighLess(t *testing.T) {
	eng := embedded(t).cur.Load().engine
	tests := []struct {
		q    string
		want float64
	}{
		{"파드가 Pending이에요", 2},       // pod, pending
		{"git push 하면 에러가 나요", 0.5}, // error only
		{"리눅스 비밀번호 까먹었어요", 1.5},     // linux, password, forget
		{"노드 로그 보는 법", 1.5},         // node + log
	}
	for _, tt := range tests {
		if got := eng.parse(tt.q).concepts; got != tt.want {
			t.Errorf("concepts(%q) = %v, want %v", tt.q, got, tt.want)
		}
	}
}

func TestCompletion(t *testing.T) {
	eng := embedded(t).cur.Load().engine
	// want lists the acceptable completions: which form of a word the
	// corpus has (rotation, rotated) depends on the runbooks and their
	// English bodies.
	tests := []struct {
		word string
		want []string
	}{
		{"recursively", []string{"recursive"}},
		{"rotate", []string{"rotation", "rotated"}},
		{"nested", []string{""}}, // no word shares five letters
		{"pods", []string{""}},   // too short to complete
		{"파드들", []string{""}},    // Latin words only
	}
	for _, tt := range tests {
		if got := typoDictOf(t, eng).completion(tt.word); !slices.Contains(tt.want, got) {
			t.Errorf("completion(%q) = %q, want one of %q", tt.word, got, tt.want)
		}
	}
}

func TestPhraseRuns(t *testing.T) {
	terms := []analysis.Term{
		{Text: "로그", Kind: analysis.Word, Unit: 0, Span: 1},
		{Text: `"로그 파일`, Kind: analysis.Phrase, Unit: 0, Span: 2},
		{Text: `"로그 파일 위치`, Kind: analysis.Phrase, Unit: 0, Span: 3},
		{Text: "@targetgroup", Kind: analysis.Concept, Unit: 4, Span: 2},
		{Text: "@unexpected", Kind: analysis.Concept, Unit: 6, Span: 3},
	}
	want := []int{-1, 0, 0, 1, 2}
	if got := phraseRuns(terms); !slices.Equal(got, want) {
		t.Errorf("phraseRuns = %v, want %v", got, want)
	}
}

// typoDictOf returns the typo dictionary the engine's TypoTolerance stage
// built.
func typoDictOf(t *testing.T, eng *engine) *typoDict {
	t.Helper()
	for _, s := range eng.stages.rewrite {
		if d, ok := s.(*typoDict); ok {
			return d
		}
	}
	t.Fatal("engine has no typo stage")
	return nil
}
