package knowledge

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
)

// resolve gives every term of the query and of each unit the postings the
// index has for its text, whether a unit shares the query's lookups or
// makes its own (after typo correction added or dropped terms), and lists
// the multi-word and the Concept terms.
func TestResolveMatchesLookup(t *testing.T) {
	eng := embedded(t).cur.Load().engine
	files, _ := filepath.Glob("evaluation/testdata/*.jsonl")
	n := 0
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			var c struct{ Q string }
			if json.Unmarshal(sc.Bytes(), &c) != nil || c.Q == "" {
				continue
			}
			n++
			q := eng.parse(c.Q)
			if len(q.post) != len(q.all) {
				t.Fatalf("%q: %d postings for %d terms", c.Q, len(q.post), len(q.all))
			}
			var spans, concepts []int
			for i, term := range q.all {
				if term.Kind == analysis.Concept {
					concepts = append(concepts, i)
				}
				if q.post[i] != eng.ix.Lookup(term.Text) {
					t.Errorf("%q: term %q has the postings of another term", c.Q, term.Text)
				}
				if term.Span > 1 || term.Kind == analysis.Phrase {
					spans = append(spans, i)
				}
			}
			if !slices.Equal(q.spans, spans) || !slices.Equal(q.conceptsAt, concepts) {
				t.Errorf("%q: spans %v and concepts %v, want %v and %v", c.Q, q.spans, q.conceptsAt, spans, concepts)
			}
			for _, u := range q.units {
				if len(u.post) != len(u.terms) {
					t.Fatalf("%q: unit %q: %d postings for %d terms", c.Q, u.surface, len(u.post), len(u.terms))
				}
				for k, term := range u.terms {
					if u.post[k] != eng.ix.Lookup(term.Text) {
						t.Errorf("%q: unit %q: term %q has the postings of another term", c.Q, u.surface, term.Text)
					}
				}
			}
			q.release()
		}
		fh.Close()
	}
	if n < 500 {
		t.Fatalf("only %d questions in %v", n, files)
	}
}

// termsOfWord parses question with eng and returns a copy of the terms of its
// units written word (a unit's surface); found is false when there is none.
func termsOfWord(eng *engine, question, word string) (terms []analysis.Term, found bool) {
	q := eng.parse(question)
	defer q.release()
	for _, u := range q.units {
		if u.surface == word {
			terms, found = append(terms, u.terms...), true
		}
	}
	return terms, found
}
