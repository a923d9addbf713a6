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
	f := &providerFactors{byNamed: map[string][]float64{}, variant: make([]bool, len(e.entries))}
	for doc := range e.entries {
		f.variant[doc] = slices.Contains(e.entries[doc].Tags, serverlessTag)
	}
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
	variant []bool               // document is about TKE Serverless
}

func (*providerFactors) Name() string     { return ProviderPrior{}.Name() }
func (*providerFactors) Describe() string { return ProviderPrior{}.Describe() }

func (f *providerFactors) rank(e *engine, q *query, hits []index.Hit) {
	byDoc, ok := f.byNamed[q.namedProvider()]
	if !ok {
		ProviderPrior{}.rank(e, q, hits)
		return
	}
	unnamedVariant := !q.namesServerless()
	for i := range hits {
		hits[i].Score *= byDoc[hits[i].Doc]
		if unnamedVariant && f.variant[hits[i].Doc] {
			hits[i].Score *= unnamedServerless
		}
	}
}

// serverlessTag marks the runbooks of TKE Serverless, a product of its own
// next to standard TKE clusters: a CLB, security group or log question that
// does not name Serverless (or its super nodes) is about a standard cluster
// first, and gets the Serverless runbook only when it matches clearly better.
const serverlessTag = "serverless"

// unnamedServerless is what a Serverless runbook scores times when the
// question names no Serverless concept.
const unnamedServerless = 0.97

// namesServerless reports whether the question names TKE Serverless or its
// super nodes.
func (q *query) namesServerless() bool {
	for _, t := range q.all {
		if t.Text == "@serverless" || t.Text == "@supernode" {
			return true
		}
	}
	return false
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

// genericTie is how close (as a share of the top answer's score) a generic
// runbook must come to a provider runbook ranked above it to answer instead,
// when the question names no provider.
const genericTie = 0.05

// preferGeneric lets a question that names no provider get the generic
// answer when retrieval cannot tell it from a provider runbook's: the first
// generic answer whose score is within genericTie of a provider top answer
// moves to the top. A provider runbook answers a question that names none of
// its products only when it matches clearly better ("원격 터미널이 끊겨요"),
// not because its words repeat the symptom a little more often ("팟이
// 스케줄링이 안 돼요": the generic Pending runbook, not TKE Serverless's subnet
// running out of IPs). The answers it passes show no higher confidence than
// the new top answer. It is ProviderPrior's last step, run by Ask once the
// answers' confidences are known: hits, sigs and confs are parallel, best
// first; named is the provider the question names ("" for none); providers
// is each document's provider.
func preferGeneric(hits []index.Hit, sigs []Signals, confs []float64, named string, providers []string) {
	if named != "" || len(hits) < 2 || providers[hits[0].Doc] == "generic" {
		return
	}
	for i := 1; i < len(hits); i++ {
		if hits[i].Score < hits[0].Score*(1-genericTie) {
			return
		}
		if providers[hits[i].Doc] != "generic" {
			continue
		}
		promote(hits, sigs, confs, i, confs[i])
		return
	}
}
