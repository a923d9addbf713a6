package knowledge

import (
	"fmt"
	"strings"

	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
	"github.com/kubemedic/kubemedic/services/knowledge/index"
)

// Stage is one named step of retrieval, in the spirit of Alertmanager's
// notify stages: a small type in its own file (stage_*.go) that does one
// thing. A stage takes part in building the engine, in turning a question into
// a query, or in ranking, by implementing one or more of the hooks below;
// leaving a stage out of the Pipeline switches exactly that step off, which is
// what an ablation study does.
type Stage interface {
	// Name is the stage's short name, used to leave it out ("typo").
	Name() string
	// Describe says in a few words what the stage adds ("typo tolerance
	// (jamo distance)"), for ablation tables.
	Describe() string
}

// Pipeline is the ordered list of retrieval stages. DefaultPipeline is the
// product; evaluation builds its ablation variants from it.
type Pipeline []Stage

// DefaultPipeline is the retrieval pipeline the product uses, in order.
func DefaultPipeline() Pipeline {
	return Pipeline{
		// Text → terms, the same analyzer for runbooks and questions.
		Segmentation{},    // NFKC, case folding, Hangul/Latin split, error strings whole and in parts
		Stemming{},        // Korean particles and endings, English plural s
		EnglishStemming{}, // English inflection: restarting, restarts → restart
		Bigrams{},         // Hangul bigrams for compounds and words the stemmer misses
		Concepts{},        // glossary: Korean ↔ English, formal ↔ chat words
		Phrases{},         // runbook keywords of several words matched whole
		// Question → query.
		ObjectNames{},   // the asker's own object names: "payments 파드" is about a pod
		Loanwords{},     // Hangul spellings of Latin words: 피브이씨 → pvc, 콘트랙 → conntrack
		Compounds{},     // hyphenated compounds: config-map → configmap, node-pool → node pool
		MachineNodes{},  // a machine, server or VM next to a cluster word is a node
		TypoTolerance{}, // unknown words: known head, English completion, edit distance
		// Index → ranking.
		FieldWeights{},  // BM25F: title and questions > keywords > tags > body
		WordGroups{},    // each question word scores once, by its best evidence
		ProviderPrior{}, // a question naming one provider's product favours its runbooks
		QuestionMatch{}, // the runbook with an example question like this one stands out
		// Answer or refuse.
		DomainGate{}, // general IT words without any Kubernetes word need a confident answer
	}
}

// Names lists the stage names in order.
func (p Pipeline) Names() []string {
	out := make([]string, len(p))
	for i, s := range p {
		out[i] = s.Name()
	}
	return out
}

// Without returns the pipeline minus the named stages.
func (p Pipeline) Without(names ...string) Pipeline {
	out := make(Pipeline, 0, len(p))
	for _, s := range p {
		drop := false
		for _, n := range names {
			drop = drop || s.Name() == n
		}
		if !drop {
			out = append(out, s)
		}
	}
	return out
}

// String is the stage names joined by " → ".
func (p Pipeline) String() string { return strings.Join(p.Names(), " → ") }

// validate reports a nil or repeated stage.
func (p Pipeline) validate() error {
	seen := map[string]bool{}
	for i, s := range p {
		if s == nil {
			return fmt.Errorf("retrieval pipeline: stage %d is nil", i)
		}
		if seen[s.Name()] {
			return fmt.Errorf("retrieval pipeline: stage %q appears twice", s.Name())
		}
		seen[s.Name()] = true
	}
	return nil
}

// The hooks a stage may implement. Each runs in pipeline order among the
// stages that implement it.
type (
	// analyzerStage switches on a step of the text analyzer.
	analyzerStage interface {
		configureAnalyzer(f *analysis.Features)
	}
	// indexStage adjusts the BM25F parameters before runbooks are indexed.
	indexStage interface {
		configureIndex(p *index.Params)
	}
	// bindingStage prepares per-corpus state once the index is built and
	// returns the stage that holds it (a typo dictionary).
	bindingStage interface {
		bind(e *engine) Stage
	}
	// queryStage rewrites an analysed question before its words are
	// weighed: it may add terms to a word or drop a word.
	queryStage interface {
		rewrite(e *engine, q *query)
	}
	// shapeStage adjusts the index query built from the question's terms.
	shapeStage interface {
		shape(q *query)
	}
	// rankStage rescales search hits before they are sorted.
	rankStage interface {
		rank(e *engine, q *query, hits []index.Hit)
	}
	// gateStage decides that a question is not for the knowledge base,
	// given its top answer (document top) and that answer's confidence, and
	// says why ("" lets it through).
	gateStage interface {
		gate(e *engine, q *query, top int, confidence float64) string
	}
)

// compiled is a pipeline sorted by hook, ready to run.
type compiled struct {
	rewrite []queryStage
	shape   []shapeStage
	rank    []rankStage
	gate    []gateStage
	// preferGeneric is set when ProviderPrior is in the pipeline: Ask then
	// reorders its answers with preferGeneric once their confidences are
	// known (a direct call, so that the answers' arrays stay on the stack).
	preferGeneric bool
	// kubernetesTerms is set when DomainGate is in the pipeline: a question
	// it let through that names something only Kubernetes has, which its top
	// answer names too, may then be answered below MinConfidence
	// (kubernetesTermMin).
	kubernetesTerms bool
}

func (c *compiled) add(s Stage) {
	if h, ok := s.(queryStage); ok {
		c.rewrite = append(c.rewrite, h)
	}
	if h, ok := s.(shapeStage); ok {
		c.shape = append(c.shape, h)
	}
	if h, ok := s.(rankStage); ok {
		c.rank = append(c.rank, h)
	}
	if h, ok := s.(gateStage); ok {
		c.gate = append(c.gate, h)
	}
	if _, ok := s.(*providerFactors); ok {
		c.preferGeneric = true
	}
	if _, ok := s.(*domainModel); ok {
		c.kubernetesTerms = true
	}
}

// analyzerFeatures are the analyzer steps the pipeline's stages switch on.
func (p Pipeline) analyzerFeatures() analysis.Features {
	var f analysis.Features
	for _, s := range p {
		if h, ok := s.(analyzerStage); ok {
			h.configureAnalyzer(&f)
		}
	}
	return f
}
