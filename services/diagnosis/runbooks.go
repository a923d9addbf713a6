package diagnosis

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/kubemedic/kubemedic/services/knowledge"
)

// Runbooks links finding codes to knowledge-base entries through the
// entries' `findings:` front matter.
type Runbooks struct {
	byCode map[string][]runbook
}

type runbook struct {
	id, provider string
	codes        int             // how many codes the entry lists: fewer is more specific
	words        map[string]bool // lower-case words of the id, English title and keywords
}

// maxRunbooks bounds the runbook ids on one finding.
const maxRunbooks = 4

// NewRunbooks indexes entries by the finding codes they list.
func NewRunbooks(entries []knowledge.Entry) *Runbooks {
	r := &Runbooks{byCode: map[string][]runbook{}}
	for _, e := range entries {
		for _, code := range e.Findings {
			r.byCode[code] = append(r.byCode[code], runbook{id: e.ID, provider: e.Provider, codes: len(e.Findings), words: entryWords(e)})
		}
	}
	for _, list := range r.byCode {
		slices.SortFunc(list, func(a, b runbook) int {
			return cmp.Or(cmp.Compare(a.codes, b.codes), cmp.Compare(a.id, b.id))
		})
	}
	return r
}

// EmbeddedRunbooks indexes the runbooks built into the binary.
func EmbeddedRunbooks(ctx context.Context) (*Runbooks, error) {
	entries, problems := knowledge.LoadFS(ctx, knowledge.Embedded(), "embedded")
	for _, p := range problems {
		if le, ok := errors.AsType[*knowledge.LoadError](p); ok && le.Warning {
			continue
		}
		return nil, fmt.Errorf("diagnosis: embedded runbooks: %w", p)
	}
	return NewRunbooks(entries), nil
}

// For returns the ids of runbooks for code that apply to provider: that
// provider's own runbooks first, then generic ones; other providers'
// runbooks are left out. Within each group the runbooks sharing the most
// words with the code and sub-reason come first ("LoadBalancerPending" +
// "LBSubnetInvalid" → load, balancer, loadbalancer, pending, lb, subnet,
// invalid), then the most specific (fewest codes listed), then by id.
func (r *Runbooks) For(code, reason, provider string) []string {
	if r == nil {
		return nil
	}
	want := findingWords(code + " " + reason)
	type scored struct {
		runbook
		own   bool
		score int
	}
	var list []scored
	for _, rb := range r.byCode[code] {
		own := rb.provider == provider && provider != "generic"
		if !own && rb.provider != "generic" && rb.provider != "" {
			continue
		}
		n := 0
		for w := range want {
			if rb.words[w] {
				n++
			}
		}
		list = append(list, scored{rb, own, n})
	}
	slices.SortStableFunc(list, func(a, b scored) int {
		if a.own != b.own {
			if a.own {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.codes, b.codes), cmp.Compare(a.id, b.id))
	})
	out := make([]string, 0, min(len(list), maxRunbooks))
	for _, rb := range list[:min(len(list), maxRunbooks)] {
		out = append(out, rb.id)
	}
	return out
}

var wordSplit = regexp.MustCompile(`[^a-z0-9]+`)

// entryWords are the lower-case words of an entry's id, English title and
// keywords.
func entryWords(e knowledge.Entry) map[string]bool {
	m := map[string]bool{}
	for _, text := range append([]string{e.ID, e.TitleEn}, e.Keywords...) {
		for _, w := range wordSplit.Split(strings.ToLower(text), -1) {
			if w != "" {
				m[w] = true
			}
		}
	}
	return m
}

var camel = regexp.MustCompile(`[A-Z]+[a-z0-9]*|[a-z0-9]+`)

// findingWords splits CamelCase identifiers into lower-case words, adding
// each pair of neighbours joined ("Load","Balancer" → "loadbalancer") and the
// whole identifier ("crashloopbackoff", as runbooks write the status).
func findingWords(s string) map[string]bool {
	m := map[string]bool{}
	for _, field := range strings.Fields(s) {
		m[strings.ToLower(field)] = true
		parts := camel.FindAllString(field, -1)
		for i, p := range parts {
			m[strings.ToLower(p)] = true
			if i > 0 {
				m[strings.ToLower(parts[i-1]+p)] = true
			}
		}
	}
	return m
}
