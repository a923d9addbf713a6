package knowledge

import (
	"testing"
)

// Word numbers and bit marks give every candidate the Jaccard similarity
// the word sets themselves give.
func TestQuestionSimilarityMatchesWordSets(t *testing.T) {
	b := embedded(t)
	eng := b.cur.Load().engine
	var m *questionSets
	for _, s := range eng.stages.rank {
		if qs, ok := s.(*questionSets); ok {
			m = qs
		}
	}
	if m == nil {
		t.Fatal("engine has no question-match stage")
	}
	setJaccard := func(a, b map[string]bool) float64 {
		inter := 0
		for w := range a {
			if b[w] {
				inter++
			}
		}
		if u := len(a) + len(b) - inter; u > 0 {
			return float64(inter) / float64(u)
		}
		return 0
	}
	marks := make([]uint64, (len(m.ids)+63)/64)
	compared := 0
	for _, question := range []string{
		"파드가 계속 Pending이에요", "팟이 팬딩에서 안 넘어가요 cpu 부족이래요", "my pod is stuck in CrashLoopBackOff",
		"노드가 NotReady 상태예요", "how do I drain a node safely", "오늘 점심 메뉴 추천해줘", "PVC stuck in Pending",
		"CrashLoopBackOff 해결 방법", "how to fix a pod that keeps crashing",
	} {
		q := eng.parse(question)
		qs := m.idsOf(q.units, nil)
		words := wordSet(q.units)
		for w := range words {
			if m.asking(w) {
				delete(words, w) // the question's set leaves them out
			}
		}
		if len(qs) != len(words) {
			t.Fatalf("%q: %d word numbers for %d words", question, len(qs), len(words))
		}
		for _, id := range qs {
			if id >= 0 {
				marks[id>>6] |= 1 << (id & 63)
			}
		}
		for i := range eng.entries {
			en := &eng.entries[i]
			texts := append([]string{en.TitleKo, en.TitleEn}, en.Questions...)
			k := 0
			for _, text := range texts {
				set := wordSet(unitsOf(eng.analyzer.Terms(text)))
				if len(set) == 0 {
					continue
				}
				if got, want := jaccard(marks, len(qs), m.byDoc[i][k]), setJaccard(words, set); got != want {
					t.Errorf("%q vs %s %q: %v, word sets give %v", question, en.ID, text, got, want)
				}
				k++
				compared++
			}
		}
		clear(marks)
	}
	if compared < 1000 {
		t.Errorf("only %d comparisons", compared)
	}
}

// Words that say how a question asks (해결, fix: no glossary concept, in at
// least half of the runbooks) are left out of the question's word set;
// topic words, even the most common concepts (@pod), stay.
func TestQuestionMatchAskingWords(t *testing.T) {
	eng := embedded(t).cur.Load().engine
	var m *questionSets
	for _, s := range eng.stages.rank {
		if qs, ok := s.(*questionSets); ok {
			m = qs
		}
	}
	if m == nil {
		t.Fatal("engine has no question-match stage")
	}
	tests := []struct {
		word   string
		asking bool
	}{
		{"해결", true},
		{"fix", true},
		{"@pod", false}, // a concept, however common
		{"@crashloopbackoff", false},
		{"보안그룹", false},
		{"지정", false},
	}
	for _, tt := range tests {
		if got := m.asking(tt.word); got != tt.asking {
			t.Errorf("asking(%q) = %v (in %d of %d runbooks), want %v", tt.word, got, eng.ix.DocFreq(tt.word), eng.ix.Len(), tt.asking)
		}
	}
	q := eng.parse("CrashLoopBackOff 해결 방법")
	defer q.release()
	if got := len(m.idsOf(q.units, nil)); got != 1 {
		t.Errorf("CrashLoopBackOff 해결 방법: %d words in the question's set, want 1 (crashloopbackoff)", got)
	}
}
