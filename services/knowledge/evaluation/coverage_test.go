package evaluation

import (
	"context"
	"os"
	"testing"

	"github.com/kubemedic/kubemedic/services/knowledge"
	"github.com/kubemedic/kubemedic/services/knowledge/faqimport"
)

// TestSeedQuestionsFindARunbook asks every question of the vendor FAQ seeds
// (the documents the runbooks were written from) in its original wording and
// checks that the knowledge base answers it from a runbook of the right
// provider. Skipped when ../shared is not checked out.
func TestSeedQuestionsFindARunbook(t *testing.T) {
	seeds := []struct {
		file      string
		providers []string // acceptable providers of the answer
	}{
		{"../../../../shared/seeds/000_55dcbbe4e79939bf.txt", []string{"tke", "generic"}},
		{"../../../../shared/seeds/002_4e079d5d14f2d4cb.txt", []string{"aks", "generic"}},
	}
	kb, err := openKB()
	if err != nil {
		t.Fatal(err)
	}
	var asked, answered, rightProvider int
	for _, s := range seeds {
		data, err := os.ReadFile(s.file)
		if err != nil {
			t.Skipf("seed documents not available: %v", err)
		}
		sections, _ := faqimport.Sections(s.file, data)
		for _, it := range sections {
			if !it.Question {
				continue // section titles are not questions users ask
			}
			asked++
			res := kb.Ask(context.Background(), it.Title, knowledge.AskOptions{Top: 1})
			if res.NoAnswer {
				t.Logf("not answered: %s:%d %q (%s)", s.file, it.Line, it.Title, res.Reason)
				continue
			}
			answered++
			ok := false
			for _, p := range s.providers {
				ok = ok || res.Answers[0].Provider == p
			}
			if ok {
				rightProvider++
			} else {
				t.Logf("wrong provider: %s:%d %q → %s", s.file, it.Line, it.Title, res.Answers[0].ID)
			}
		}
	}
	answeredRate := float64(answered) / float64(asked)
	providerRate := float64(rightProvider) / float64(max(answered, 1))
	t.Logf("%d seed questions: %.3f answered, %.3f of those from the right provider", asked, answeredRate, providerRate)
	if answeredRate < 0.85 {
		t.Errorf("only %.3f of the seed questions are answered; want at least 0.85", answeredRate)
	}
	if providerRate < 0.95 {
		t.Errorf("only %.3f of the answers come from the seed's provider; want at least 0.95", providerRate)
	}
}
