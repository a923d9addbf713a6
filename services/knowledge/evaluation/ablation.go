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

// Variants returns the ablation ladder: the whole-word baseline, then one
// stage added at a time, ending with the full pipeline (DefaultTuning). Every
// variant uses the same no-answer threshold.
func Variants() []Variant {
	full := knowledge.DefaultTuning()
	t := knowledge.Tuning{Calibration: full.Calibration, MinConfidence: full.MinConfidence}
	var out []Variant
	add := func(name string) { out = append(out, Variant{name, t}) }
	add("whole words (baseline)")
	t.Features.Segment = true
	add("+ NFKC, Hangul/Latin split, error strings")
	t.Features.Stem = true
	add("+ particle/ending stripping")
	t.Features.Bigrams = true
	add("+ Hangul bigrams")
	t.Features.Glossary = true
	t.Features.Phrases = true
	add("+ glossary, phrases")
	t.Fuzzy = true
	add("+ typo tolerance (jamo distance)")
	t.FieldWeights = true
	add("+ field weights")
	t.WordGroups = true
	add("+ one score per question word = full pipeline")
	if t != full {
		// Keep the ladder honest: its last rung must be the product.
		out[len(out)-1].Tuning = full
		out[len(out)-1].Name += " (adjusted to DefaultTuning)"
	}
	return out
}

// Ablation runs cases against each variant built over entries.
func Ablation(ctx context.Context, entries []knowledge.Entry, cases []Case, variants []Variant) ([]Report, error) {
	var out []Report
	for _, v := range variants {
		b, err := knowledge.New(entries, v.Tuning)
		if err != nil {
			return nil, fmt.Errorf("ablation %q: %w", v.Name, err)
		}
		out = append(out, Run(ctx, v.Name, b, cases))
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
