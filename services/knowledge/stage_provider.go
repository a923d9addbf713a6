package knowledge

import (
	_ "embed"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
	"github.com/kubemedic/kubemedic/services/knowledge/index"
	"github.com/kubemedic/kubemedic/services/knowledge/wordlist"
)

// ProviderPrior weighs runbooks by the provider a question names. When the
// question names one provider's product (CLB, CVM, Serverless → TKE; VMSS,
// MC_ → AKS; ncloud-config, ALB → NKS), other providers' runbooks score
// providerMismatch times less (generic ones do not); when it names none,
// every provider runbook scores unnamedProvider times less, so that a
// generic question ("컨테이너가 이미지를 못 받아요") gets the generic runbook
// rather than AKS's image size limit — slightly, so that provider FAQs still
// answer questions that only name their feature.
type ProviderPrior struct{}

func (ProviderPrior) Name() string     { return "provider-prior" }
func (ProviderPrior) Describe() string { return "provider prior" }

const (
	providerMismatch = 0.75
	unnamedProvider  = 0.95
)

func (ProviderPrior) rank(e *engine, q *query, hits []index.Hit) {
	p := q.namedProvider()
	for i := range hits {
		if f := providerFactor(p, e.providers[hits[i].Doc]); f != 1 {
			hits[i].Score *= f
		}
	}
}

// providerFactor is what a runbook of provider ep scores times when the
// question names provider named ("" for none).
func providerFactor(named, ep string) float64 {
	switch {
	case named != "" && ep != named && ep != "generic":
		return providerMismatch
	case named == "" && ep != "generic":
		return unnamedProvider
	}
	return 1
}

// bind computes, for every provider a question can name and for none, each
// runbook's factor, so that ranking multiplies each hit by a number from a
// table instead of comparing providers (a factor of 1 changes no score).
func (ProviderPrior) bind(e *engine) Stage {
	f := &providerFactors{byNamed: map[string][]float64{}}
	for _, named := range append([]string{""}, slices.Collect(maps.Values(providerHints))...) {
		if _, ok := f.byNamed[named]; ok {
			continue
		}
		byDoc := make([]float64, len(e.providers))
		for doc, ep := range e.providers {
			byDoc[doc] = providerFactor(named, ep)
		}
		f.byNamed[named] = byDoc
	}
	return f
}

// providerFactors is ProviderPrior bound to one engine.
type providerFactors struct {
	byNamed map[string][]float64 // named provider → factor by document
}

func (*providerFactors) Name() string     { return ProviderPrior{}.Name() }
func (*providerFactors) Describe() string { return ProviderPrior{}.Describe() }

func (f *providerFactors) rank(e *engine, q *query, hits []index.Hit) {
	byDoc, ok := f.byNamed[q.namedProvider()]
	if !ok {
		ProviderPrior{}.rank(e, q, hits)
		return
	}
	for i := range hits {
		hits[i].Score *= byDoc[hits[i].Doc]
	}
}

// namedProvider is the one provider whose products the question names, or "".
func (q *query) namedProvider() string {
	found := ""
	for _, t := range q.all {
		if t.Kind == analysis.Bigram && !bigramHints {
			continue // a bigram's text starts with BigramPrefix, which no hint does
		}
		p, ok := providerHints[t.Text]
		if !ok {
			continue
		}
		if found != "" && found != p {
			return ""
		}
		found = p
	}
	return found
}

//go:embed data/providers.txt
var providerList string

// providerWords are the words indexed in the tags field of each provider's
// runbooks; providerHints map a question term to the provider it names.
var providerWords, providerHints = parseProviders(providerList)

// bigramHints reports whether a provider hint is a bigram term.
var bigramHints = slices.ContainsFunc(slices.Collect(maps.Keys(providerHints)), func(h string) bool {
	return strings.HasPrefix(h, analysis.BigramPrefix)
})

func parseProviders(text string) (words map[string]string, hints map[string]string) {
	words, hints = map[string]string{}, map[string]string{}
	for _, line := range wordlist.Lines(text) {
		head, list, ok := strings.Cut(line, ":")
		f := strings.Fields(head)
		if !ok || len(f) != 2 {
			panic(fmt.Sprintf("data/providers.txt: want \"<provider> index|hints: words\", got %q", line))
		}
		switch f[1] {
		case "index":
			words[f[0]] = strings.Join(strings.Fields(list), " ")
		case "hints":
			for _, w := range strings.Fields(list) {
				hints[w] = f[0]
			}
		default:
			panic(fmt.Sprintf("data/providers.txt: unknown list %q in %q", f[1], line))
		}
	}
	return words, hints
}
