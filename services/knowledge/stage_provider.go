package knowledge

import (
	_ "embed"
	"fmt"
	"strings"

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
		if ep := e.providers[hits[i].Doc]; p != "" && ep != p && ep != "generic" {
			hits[i].Score *= providerMismatch
		} else if p == "" && ep != "generic" {
			hits[i].Score *= unnamedProvider
		}
	}
}

// namedProvider is the one provider whose products the question names, or "".
func (q *query) namedProvider() string {
	found := ""
	for _, t := range q.all {
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
