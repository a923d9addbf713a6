package evaluation

import (
	"context"
	"fmt"
	"io"

	"github.com/kubemedic/kubemedic/services/knowledge"
)

// Variant is one pipeline of an ablation study.
type Variant struct {
	Name   string
	Tuning knowledge.Tuning
}

// Variants returns the ablation ladder built from the product's stage list:
// the whole-word baseline (no stage), then the stages of DefaultPipeline
// added one at a time in pipeline order, ending with the full pipeline. Every
// variant uses the same confidence model and no-answer threshold.
func Variants() []Variant {
	full := knowledge.DefaultTuning()
	out := []Variant{{Name: "whole words (baseline)", Tuning: withStages(full, nil)}}
	for i, s := range full.Stages {
		name := "+ " + s.Describe()
		if i == len(full.Stages)-1 {
			name += " = full pipeline"
		}
		out = append(out, Variant{Name: name, Tuning: withStages(full, full.Stages[:i+1])})
	}
	return out
}

// LeaveOneOut returns the full pipeline and, for each of its stages, the
// full pipeline without that stage: what each stage adds on top of all the
// others.
func LeaveOneOut() []Variant {
	full := knowledge.DefaultTuning()
	out := []Variant{{Name: "full pipeline", Tuning: full}}
	for _, s := range full.Stages {
		out = append(out, Variant{Name: "- " + s.Name(), Tuning: withStages(full, full.Stages.Without(s.Name()))})
	}
	return out
}

func withStages(t knowledge.Tuning, stages knowledge.Pipeline) knowledge.Tuning {
	t.Stages = append(knowledge.Pipeline(nil), stages...)
	return t
}

// Ablation runs cases against each variant built over entries.
func Ablation(ctx context.Context, entries []knowledge.Entry, cases []Case, variants []Variant) ([]Report, error) {
	out, err := AblationSets(ctx, entries, [][]Case{cases}, variants)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// AblationSets runs several case sets against each variant, building each
// variant's index once: out[set][variant].
func AblationSets(ctx context.Context, entries []knowledge.Entry, sets [][]Case, variants []Variant) ([][]Report, error) {
	out := make([][]Report, len(sets))
	for _, v := range variants {
		b, err := knowledge.New(entries, v.Tuning)
		if err != nil {
			return nil, fmt.Errorf("ablation %q: %w", v.Name, err)
		}
		for i, cases := range sets {
			out[i] = append(out[i], Run(ctx, v.Name, b, cases))
		}
	}
	return out, nil
}

// WriteTable prints reports as one table row each.
func WriteTable(w io.Writer, title string, reports []Report) {
	fmt.Fprintf(w, "%s\n", title)
	fmt.Fprintf(w, "  %-46s %7s %7s %9s %10s  %s\n", "pipeline", "top-1", "MRR@3", "OOD-ref", "false-ref", "retrieval only: top-1 MRR@3")
	for _, r := range reports {
		fmt.Fprintf(w, "  %-46s %7.3f %7.3f %9.3f %10.3f  %21.3f %5.3f\n", r.Name, r.Top1, r.MRR3, r.OODRefusal, r.FalseRefusal, r.RankTop1, r.RankMRR3)
	}
}
