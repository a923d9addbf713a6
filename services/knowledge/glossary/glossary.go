// Package glossary maps the many ways people write a Kubernetes term — English
// (pods, node pool), Korean (파드, 노드 풀), transliterations and chat spellings
// (팟, 포드, 낫레디, 펜딩, 디플로이) — to one canonical English concept, so that
// a Korean question finds an English-worded runbook and the other way round.
//
// Words are compared by their key: the normalised text for Latin words and the
// particle-stripped stem (korean.Stem) for Hangul words, so 파드가 and 파드를
// both find the concept pod. Multi-word variants ("node pool", "로드 밸런서",
// "not ready") are phrases matched over consecutive keys.
package glossary

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubemedic/kubemedic/services/knowledge/korean"
	"github.com/kubemedic/kubemedic/services/knowledge/wordlist"
)

// Glossary is an immutable term table. The zero value is empty; use Default
// or Parse.
type Glossary struct {
	words    map[string][]string // key → concepts
	phrases  map[string][]string // keys joined by one space → concepts
	maxWords int
	concepts []string
	everyday map[string]bool
	cluster  map[string]bool
}

// Key returns the form under which a word is looked up: korean.Stem for Hangul
// words, the word itself otherwise. The word must already be normalised.
func Key(word string) string {
	if korean.HasHangul(word) {
		return korean.Stem(word)
	}
	return word
}

var defaultGlossary = func() *Glossary {
	g, err := Parse(table)
	if err == nil {
		err = g.markEveryday(wordlist.Parse(everydayList))
	}
	if err == nil {
		err = g.markCluster(wordlist.Parse(clusterList))
	}
	if err != nil {
		// The table is a constant checked by TestDefault; failing here means
		// the source is broken, not the input.
		panic(err)
	}
	return g
}()

// markEveryday records which concepts are everyday IT words.
func (g *Glossary) markEveryday(names []string) error {
	set, err := g.conceptSet("everyday", names)
	if err != nil {
		return err
	}
	g.everyday = set
	return nil
}

// markCluster records which concepts name a part of a Kubernetes cluster.
// None may be everyday: markEveryday runs first.
func (g *Glossary) markCluster(names []string) error {
	set, err := g.conceptSet("cluster", names)
	if err != nil {
		return err
	}
	for n := range set {
		if g.everyday[n] {
			return fmt.Errorf("glossary: cluster concept %q is an everyday concept", n)
		}
	}
	g.cluster = set
	return nil
}

// conceptSet is names as a set, each of which must be a concept of the
// table; kind names the list in the error.
func (g *Glossary) conceptSet(kind string, names []string) (map[string]bool, error) {
	known := map[string]bool{}
	for _, c := range g.concepts {
		known[c] = true
	}
	set := map[string]bool{}
	for _, n := range names {
		if !known[n] {
			return nil, fmt.Errorf("glossary: %s concept %q is not in the table", kind, n)
		}
		set[n] = true
	}
	return set, nil
}

// Cluster reports whether a concept names a part of a Kubernetes cluster or
// of a managed Kubernetes service (pod, node, kubelet, CNI, AKS), rather than
// something machines and other systems outside a cluster have too (VM, disk,
// load balancer, service, job). A question naming one is about a cluster.
func (g *Glossary) Cluster(concept string) bool { return g.cluster[concept] }

// Everyday reports whether a concept is ordinary IT vocabulary (error, log,
// password, Linux) rather than Kubernetes or cloud vocabulary (pod, ingress,
// CLB). Questions outside the domain name everyday concepts as often as real
// ones do, so they are weak evidence that a question is about Kubernetes.
func (g *Glossary) Everyday(concept string) bool { return g.everyday[concept] }

// Default returns the built-in Kubernetes/cloud glossary.
func Default() *Glossary { return defaultGlossary }

// Parse reads a table of "concept: variant, variant, ..." lines. Blank lines
// and "#" comments (to the end of the line) are ignored. The concept name
// itself is always a variant.
func Parse(text string) (*Glossary, error) {
	g := &Glossary{words: map[string][]string{}, phrases: map[string][]string{}}
	seen := map[string]bool{}
	for n, line := range strings.Split(text, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, list, ok := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, fmt.Errorf("glossary line %d: want \"concept: variant, ...\", got %q", n+1, line)
		}
		if seen[name] {
			return nil, fmt.Errorf("glossary line %d: concept %q defined twice", n+1, name)
		}
		seen[name] = true
		g.concepts = append(g.concepts, name)
		for _, v := range append([]string{name}, strings.Split(list, ",")...) {
			if err := g.add(name, v); err != nil {
				return nil, fmt.Errorf("glossary line %d: %w", n+1, err)
			}
		}
	}
	return g, nil
}

func (g *Glossary) add(concept, variant string) error {
	variant = korean.Normalize(strings.TrimSpace(variant))
	if variant == "" {
		return fmt.Errorf("concept %q has an empty variant", concept)
	}
	fields := strings.Fields(variant)
	keys := make([]string, 0, len(fields))
	for _, f := range fields {
		keys = append(keys, Key(f))
	}
	if len(keys) == 1 {
		g.words[keys[0]] = addUnique(g.words[keys[0]], concept)
		if keys[0] != variant { // also the surface form: 죽어요, 안돼요
			g.words[variant] = addUnique(g.words[variant], concept)
		}
		return nil
	}
	k := strings.Join(keys, " ")
	g.phrases[k] = addUnique(g.phrases[k], concept)
	g.maxWords = max(g.maxWords, len(keys))
	return nil
}

func addUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// Lookup returns the concepts of a single normalised word or key, or nil.
func (g *Glossary) Lookup(key string) []string {
	return g.words[key]
}

// Phrase returns the concepts of consecutive keys, or nil.
func (g *Glossary) Phrase(keys []string) []string {
	if len(keys) < 2 || len(keys) > g.maxWords {
		return nil
	}
	return g.phrases[strings.Join(keys, " ")]
}

// PhraseKey returns the concepts of consecutive keys already joined by one
// space (what Phrase joins), or nil.
func (g *Glossary) PhraseKey(joined string) []string {
	return g.phrases[joined]
}

// PhraseKeys lists the keys of every multi-word variant, each joined by one
// space, in no particular order.
func (g *Glossary) PhraseKeys() []string {
	out := make([]string, 0, len(g.phrases))
	for k := range g.phrases {
		out = append(out, k)
	}
	return out
}

// MaxPhraseWords is the length, in words, of the longest phrase.
func (g *Glossary) MaxPhraseWords() int { return g.maxWords }

// Concepts lists the canonical concept names in table order.
func (g *Glossary) Concepts() []string { return g.concepts }

// Words lists every single-word key, sorted; fuzzy matching uses it as a
// dictionary of known spellings.
func (g *Glossary) Words() []string {
	out := make([]string, 0, len(g.words))
	for w := range g.words {
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}
