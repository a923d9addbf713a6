package knowledge

import (
	"context"
	"slices"
	"testing"
)

func TestKindOf(t *testing.T) {
	tests := []struct {
		name  string
		entry Entry
		want  runbookKind
	}{
		{"symptoms first", Entry{TitleEn: "Viewing logs", Body: "## 증상\n...\n## 원인\n"}, kindSymptom},
		{"answer under a gerund title", Entry{TitleEn: "Viewing the logs of the previous container (kubectl logs --previous)", Body: "## 답변\n...\n"}, kindHowTo},
		{"answer under a how title", Entry{TitleEn: "How kubectl apply works (3-way diff, first apply cannot detect removed fields)", Body: "\n## 답변\n"}, kindHowTo},
		{"failure before the dash", Entry{TitleEn: "Pod stuck in CrashLoopBackOff - find the cause", Body: "## 답변\n"}, kindOther},
		{"gerund title reporting a failure", Entry{TitleEn: "Getting nothing back - DNS not resolving", Body: "## 답변\n"}, kindHowTo},
		{"gerund title with a failure word", Entry{TitleEn: "Pulling images fails behind a proxy", Body: "## 답변\n"}, kindOther},
		{"answer under a noun title", Entry{TitleEn: "Init:N/M pod statuses explained", Body: "## 답변\n"}, kindOther},
		{"a noun in -ing counts as an action", Entry{TitleEn: "Meaning of Init:N/M pod statuses", Body: "## 답변\n"}, kindHowTo},
		{"other first heading", Entry{TitleEn: "Checking node conditions", Body: "## 확인 방법\n## 답변\n"}, kindOther},
		{"no heading", Entry{TitleEn: "Creating things", Body: "text"}, kindOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := kindOf(&tt.entry); got != tt.want {
				t.Errorf("kindOf(%q) = %d, want %d", tt.entry.TitleEn, got, tt.want)
			}
		})
	}
}

// TestRunbookKinds checks the kinds of the built-in how-to / symptom
// siblings that preferSymptom tells apart.
func TestRunbookKinds(t *testing.T) {
	b := embedded(t)
	s := b.cur.Load()
	want := map[string]runbookKind{
		"k8s-kubectl-autoscale":             kindHowTo,
		"k8s-kubectl-logs-previous":         kindHowTo,
		"k8s-kubectl-scale-replicas":        kindHowTo,
		"k8s-hpa-not-scaling":               kindSymptom,
		"k8s-init-container-failing":        kindSymptom,
		"k8s-service-dns-lookup-fails":      kindSymptom,
		"k8s-pod-crashing-logs":             kindOther,
		"k8s-init-container-status-meaning": kindHowTo, // "Meaning of …": an answer, not a symptom
		"k8s-pod-debug-first-steps":         kindOther,
	}
	for id, k := range want {
		doc, ok := s.byID[id]
		if !ok {
			t.Fatalf("runbook %s missing", id)
		}
		if got := s.engine.kinds[doc]; got != k {
			t.Errorf("kind of %s = %d, want %d", id, got, k)
		}
	}
}

func TestSymptomQuestion(t *testing.T) {
	tests := []struct {
		q    string
		want bool
	}{
		{"autoscaler is not adding replicas", true},
		{"the pod keeps crashing", true},
		{"my hpa doesn't scale", true},
		{"파드가 계속 재시작돼요", true},
		{"hpa 가 파드를 안 늘려요", true},
		{"how do I create an hpa", false},
		{"the hpa is not scaling, what command shows why", false},
		{"파드 재시작 안 되게 하는 방법", false},
		{"create an hpa for nginx", false},
		{"오토스케일러 설정", false},
	}
	for _, tt := range tests {
		if got := symptomQuestion(tt.q); got != tt.want {
			t.Errorf("symptomQuestion(%q) = %v, want %v", tt.q, got, tt.want)
		}
	}
}

func TestPreferSymptom(t *testing.T) {
	// Documents 0 and 1 are how-tos, 2 and 3 symptom runbooks, 4 neither.
	kinds := []runbookKind{kindHowTo, kindHowTo, kindSymptom, kindSymptom, kindOther}
	const symptom, howTo = "the autoscaler does not add pods", "how do I add an autoscaler"
	tests := []struct {
		name   string
		q      string
		docs   []int
		scores []float64
		confs  []float64
		want   []int     // docs in order after
		wantC  []float64 // confidences in order after
	}{
		{"symptom within the tie moves up", symptom, []int{0, 2, 4}, []float64{10, 9.2, 8}, []float64{0.8, 0.7, 0.6}, []int{2, 0, 4}, []float64{0.7, 0.7, 0.6}},
		{"moving up makes it no surer", symptom, []int{0, 2}, []float64{10, 9.5}, []float64{0.49, 0.52}, []int{2, 0}, []float64{0.49, 0.49}},
		{"passes another how-to", symptom, []int{0, 1, 3}, []float64{10, 9.6, 9.1}, []float64{0.8, 0.6, 0.75}, []int{3, 0, 1}, []float64{0.75, 0.75, 0.6}},
		{"passes a runbook of neither kind", symptom, []int{0, 4, 2}, []float64{10, 9.8, 9.5}, []float64{0.8, 0.7, 0.6}, []int{2, 0, 4}, []float64{0.6, 0.6, 0.6}},
		{"clearly better how-to stays", symptom, []int{0, 2}, []float64{10, 8.9}, []float64{0.9, 0.7}, []int{0, 2}, []float64{0.9, 0.7}},
		{"how-to question", howTo, []int{0, 2}, []float64{10, 9.9}, []float64{0.9, 0.8}, []int{0, 2}, []float64{0.9, 0.8}},
		{"symptom top stays", howTo, []int{2, 0}, []float64{10, 9.9}, []float64{0.9, 0.8}, []int{2, 0}, []float64{0.9, 0.8}},
		{"top of neither kind stays", symptom, []int{4, 2}, []float64{10, 9.9}, []float64{0.9, 0.8}, []int{4, 2}, []float64{0.9, 0.8}},
		{"one answer", symptom, []int{0}, []float64{3}, []float64{0.4}, []int{0}, []float64{0.4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, sigs := rankedAnswers(tt.docs, tt.scores)
			confs := slices.Clone(tt.confs)
			preferSymptom(hits, sigs, confs, kinds, tt.q)
			var got []int
			for i, h := range hits {
				got = append(got, h.Doc)
				if sigs[i].Score != h.Score {
					t.Errorf("signals out of step with hits at %d", i)
				}
			}
			if !slices.Equal(got, tt.want) || !slices.Equal(confs, tt.wantC) {
				t.Errorf("order %v confs %v, want %v %v", got, confs, tt.want, tt.wantC)
			}
		})
	}
}

// TestAskPrefersSymptomRunbook asks the built-in base a question that
// reports a symptom in other words than either runbook, where retrieval puts
// the how-to (kubectl autoscale) a little above the symptom runbook (HPA not
// scaling); and a how-to question in the same words, which keeps the how-to.
func TestAskPrefersSymptomRunbook(t *testing.T) {
	b := embedded(t)
	tests := []struct{ q, want string }{
		{"cpu pegged, autoscaler does not add any replicas", "k8s-hpa-not-scaling"},
		{"one command to add an autoscaler that keeps cpu around 70 percent", "k8s-kubectl-autoscale"},
	}
	for _, tt := range tests {
		res := b.Ask(context.Background(), tt.q, AskOptions{})
		if res.NoAnswer || res.Answers[0].ID != tt.want {
			t.Errorf("Ask(%q) = %+v, want %s first", tt.q, res.Answers, tt.want)
		}
	}
}
