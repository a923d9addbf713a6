package knowledge

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
	"github.com/kubemedic/kubemedic/services/knowledge/korean"
)

// A Hangul spelling of a Latin word the runbooks use is read as that word,
// with its concepts; a word with a meaning of its own is not read.
func TestLoanwordReadings(t *testing.T) {
	eng := embedded(t).cur.Load().engine
	tests := []struct {
		q, word string
		want    []string // readings (Stem terms) of the word; nil: none
	}{
		{"피브이씨가 계속 펜딩이에요", "피브이씨가", []string{"pvc", analysis.ConceptPrefix + "pvc"}},
		{"티씨알 주소", "티씨알", []string{"tcr"}},
		{"콘트랙 설치", "콘트랙", []string{"conntrack"}},
		{"멀투스 설치", "멀투스", []string{"multus"}},
		{"코넥티비티 에이전트", "코넥티비티", []string{"connectivity", "konnectivity"}}, // spelled alike: both
		{"프린터 연결", "프린터", nil},                                            // general IT: a printer, not fluentd
		{"파드 재시작", "파드", nil},                                             // a glossary word
		{"날려버렸어요", "날려버렸어요", nil},                                         // a Korean word no Latin word sounds like
	}
	for _, tt := range tests {
		terms, found := termsOfWord(eng, tt.q, tt.word)
		var got []string
		for _, term := range terms {
			// Readings are Latin stems; their concepts carry the reading as
			// their surface.
			latin := !korean.HasHangul(term.Text) && !korean.HasHangul(term.Surface)
			if term.Kind == analysis.Stem && !korean.HasHangul(term.Text) || term.Kind == analysis.Concept && latin {
				got = append(got, term.Text)
			}
		}
		if !found {
			t.Errorf("%q: no unit %q", tt.q, tt.word)
			continue
		}
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("%q: %q read as %v, want %q among them", tt.q, tt.word, got, w)
			}
		}
		if tt.want == nil && len(got) > 0 {
			t.Errorf("%q: %q read as %v, want no reading", tt.q, tt.word, got)
		}
	}
}

// Questions that spell an acronym or a product by its Hangul letter names or
// sound find the runbook that writes it in Latin letters; without the stage
// they are refused or answered with another runbook.
func TestLoanwordAnswers(t *testing.T) {
	b := embedded(t)
	without := DefaultTuning()
	without.Stages = without.Stages.Without(Loanwords{}.Name())
	plain, err := New(b.Entries(Filter{}), without)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ q, want string }{
		{"피브이씨가 바운드가 안 되고 계속 펜딩이에요", "k8s-pvc-pending-storageclass"},
		{"에이케이에스 가동 시간 SLA 보장 수준", "aks-sla-uptime"},
		{"티씨알 네임스페이스는 이미지 주소에서 어디예요", "tke-registry-namespace"},
	}
	for _, tt := range tests {
		res := b.Ask(context.Background(), tt.q, AskOptions{})
		if res.NoAnswer || res.Answers[0].ID != tt.want {
			t.Errorf("%q: got %+v (reason %q), want %s", tt.q, firstID(res), res.Reason, tt.want)
		}
		if res := plain.Ask(context.Background(), tt.q, AskOptions{}); !res.NoAnswer && res.Answers[0].ID == tt.want && res.Confidence >= b.Ask(context.Background(), tt.q, AskOptions{}).Confidence {
			t.Errorf("%q: answered as well without the stage (%.2f); the test shows nothing", tt.q, res.Confidence)
		}
	}
}

// A letter-name spelling of a general IT word is general IT, as the word is.
func TestLoanwordGeneralITReading(t *testing.T) {
	res := embedded(t).Ask(context.Background(), "알디에스 페일오버가 2분이나 걸렸어요", AskOptions{KeepRefused: true})
	if !res.NoAnswer || !strings.Contains(res.Reason, "outside Kubernetes operations") {
		t.Errorf("got %s (reason %q), want refused as outside the domain", firstID(res), res.Reason)
	}
}

func firstID(r Result) string {
	if len(r.Answers) == 0 {
		return "no answer"
	}
	return r.Answers[0].ID
}
