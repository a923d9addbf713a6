package knowledge

import (
	"strings"

	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
	"github.com/kubemedic/kubemedic/services/knowledge/korean"
)

// Compounds reads a question word written as a compound with hyphens (or
// another inner punctuation mark) as the glossary concept its pieces name
// together: config-map and name-space are configmap and namespace,
// node-pool, cluster-ip and not-ready the phrases node pool, cluster IP and
// not ready, out-of-memory is out of memory (OOMKilled). The pieces alone
// name other things (node, ready, memory) or nothing (config, map). Only
// questions are read this way: runbooks write the glossary's spellings, and
// reading their identifiers as compounds (annotation keys, flags) moved
// answers that had nothing to do with them.
type Compounds struct{}

func (Compounds) Name() string     { return "compounds" }
func (Compounds) Describe() string { return "hyphenated compounds as concepts" }

func (Compounds) rewrite(e *engine, q *query) {
	var termBuf [4]analysis.Term
	for _, u := range q.units {
		if !strings.ContainsAny(u.surface, "-:._/") || korean.HasHangul(u.surface) {
			continue
		}
		for _, t := range e.analyzer.AppendCompound(termBuf[:0], u.surface, u.id) {
			if !hasTerm(u, t.Text) {
				q.addTerm(u, t)
			}
		}
	}
}

// hasTerm reports whether u has a term with the given text.
func hasTerm(u *unit, text string) bool {
	for _, t := range u.terms {
		if t.Text == text {
			return true
		}
	}
	return false
}
