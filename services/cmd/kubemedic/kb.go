package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kubemedic/kubemedic/services/knowledge"
	"github.com/kubemedic/kubemedic/services/knowledge/evaluation"
	"github.com/kubemedic/kubemedic/services/knowledge/faqimport"
)

// newKBCommand returns `kubemedic kb`: import, eval and list.
func newKBCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kb",
		Short: "지식 베이스 관리: 가져오기, 평가, 목록 (manage the knowledge base)",
	}
	cmd.AddCommand(newKBImportCommand(), newKBEvalCommand(), newKBCalibrateCommand(), newKBListCommand(), newKBGapsCommand())
	return cmd
}

func newKBImportCommand() *cobra.Command {
	var (
		out      string
		provider string
		force    bool
		dryRun   bool
		prefer   bool
	)
	cmd := &cobra.Command{
		Use:   "import FILE...",
		Short: "팀 문서(Markdown·텍스트·위키 HTML)를 런북으로 변환합니다 (convert team documents into runbooks)",
		Long: `팀이 쓴 문서를 절(section) 단위로 런북 형식 파일로 바꿉니다. Markdown 제목 계층(증상/원인/확인 방법/해결 방법
하위 제목은 한 항목의 부분이 됩니다), 번호 붙은 제목, Q:/A: 와 질문/답변 블록, 물음표로 끝나는 질문 줄, 밑줄·번호 제목의
텍스트 문서, 위키(Confluence/Notion)에서 내보낸 HTML, 영어 절을 읽습니다. 항목마다 예시 질문과 키워드를 만들고
원본 파일과 절 앵커를 기록합니다. --dry-run 은 만들어질 항목(제목, 부분, 예시 질문)만 보여 줍니다.
--out 이 없으면 결과를 표준 출력에 씁니다. 만든 디렉터리는 --kb-dir 로 불러올 수 있습니다
(--kb-dir 에 원본 문서를 그대로 두어도 불러올 때 같은 방식으로 변환됩니다).

Turns team documents into runbook-format files, one entry per section: Markdown heading hierarchies
(증상/원인/확인 방법/해결 방법 or Symptoms/Cause/Fix sub-headings become parts of one entry), numbered
headings, Q:/A: and 질문/답변 blocks, question lines, plain text with underlined or numbered titles,
wiki HTML exports, English sections. Each entry gets example questions and keywords, and records its
source file and section anchor. --dry-run shows what would be created. Without --out the runbooks go
to stdout. Load them with --kb-dir (raw documents in a --kb-dir are converted the same way on load).`,
		Example: `  kubemedic kb import --dry-run team-wiki.md
  kubemedic kb import --provider tke --out ./kb faq.md notes.txt export.html
  kubemedic serve --kb-dir ./kb`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := (knowledge.Filter{Provider: provider}).Validate(); err != nil {
				return fmt.Errorf("--provider: %w", err)
			}
			if out != "" && !dryRun {
				if err := os.MkdirAll(out, 0o755); err != nil {
					return fmt.Errorf("create --out directory: %w", err)
				}
			}
			var failed []string
			written := 0
			opts := faqimport.Options{Provider: provider, Prefer: prefer}
			for _, file := range args {
				if dryRun {
					if err := previewFile(cmd, file, opts); err != nil {
						fmt.Fprintln(cmd.ErrOrStderr(), err)
						failed = append(failed, file)
					}
					continue
				}
				n, err := importFile(cmd, file, out, opts, force)
				written += n
				if err != nil {
					fmt.Fprintln(cmd.ErrOrStderr(), err)
					failed = append(failed, file)
				}
			}
			if out != "" && !dryRun {
				fmt.Fprintf(cmd.ErrOrStderr(), "%d개 항목을 %s 에 썼습니다 (wrote %d entries to %s)\n", written, out, written, out)
			}
			if len(failed) > 0 {
				return fmt.Errorf("import failed for %d file(s): %s", len(failed), strings.Join(failed, ", "))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory to write runbook files to (default: stdout)")
	cmd.Flags().StringVar(&provider, "provider", "generic", "provider of the imported entries: generic, tke, aks, nks")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite existing files in --out")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show the entries that would be created (titles, parts, example questions) and write nothing")
	cmd.Flags().BoolVar(&prefer, "prefer", false, "mark the entries to win ties against built-in runbooks (your team's procedure answers first)")
	return cmd
}

// previewFile prints what importing file would create, without writing.
func previewFile(cmd *cobra.Command, file string, opts faqimport.Options) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	entries, problems := faqimport.Convert(file, data, opts)
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "%s: 항목 %d개 (%d entries)\n", file, len(entries), len(entries))
	for _, e := range entries {
		var parts []string
		for _, l := range strings.Split(e.Body, "\n") {
			if h, ok := strings.CutPrefix(l, "## "); ok {
				parts = append(parts, h)
			}
		}
		fmt.Fprintf(w, "\n  %s  %s\n", e.ID, e.TitleKo)
		fmt.Fprintf(w, "    출처 (source): %s:%d\n", e.Source, e.Origin.BodyLine)
		fmt.Fprintf(w, "    부분 (parts): %s\n", strings.Join(parts, ", "))
		fmt.Fprintf(w, "    예시 질문 (example questions):\n")
		for _, q := range e.Questions {
			fmt.Fprintf(w, "      - %s\n", q)
		}
		if len(e.Keywords) > 0 {
			fmt.Fprintf(w, "    키워드 (keywords): %s\n", strings.Join(e.Keywords, ", "))
		}
	}
	for _, p := range problems {
		fmt.Fprintln(cmd.ErrOrStderr(), p)
	}
	if len(entries) == 0 {
		return fmt.Errorf("%s: no sections found", file)
	}
	return nil
}

// importFile converts one file and writes its entries; it returns how many
// were written.
func importFile(cmd *cobra.Command, file, out string, opts faqimport.Options, force bool) (int, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", file, err)
	}
	entries, problems := faqimport.Convert(file, data, opts)
	for _, p := range problems {
		fmt.Fprintln(cmd.ErrOrStderr(), p)
	}
	if len(entries) == 0 {
		return 0, fmt.Errorf("%s: no sections found", file)
	}
	n := 0
	for _, e := range entries {
		md, err := e.Markdown()
		if err != nil {
			return n, fmt.Errorf("%s:%d: %w", file, e.Origin.BodyLine, err)
		}
		if out == "" {
			if _, err := cmd.OutOrStdout().Write(md); err != nil {
				return n, err
			}
			n++
			continue
		}
		path := filepath.Join(out, e.ID+".md")
		flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
		if force {
			flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		}
		f, err := os.OpenFile(path, flags, 0o644)
		if errors.Is(err, os.ErrExist) {
			return n, fmt.Errorf("%s already exists; use --force to overwrite", path)
		}
		if err != nil {
			return n, err
		}
		_, werr := f.Write(md)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return n, fmt.Errorf("write %s: %w", path, werr)
		}
		n++
	}
	return n, nil
}

func newKBEvalCommand() *cobra.Command {
	var (
		devFiles []string
		kbDirs   []string
		ablation bool
	)
	cmd := &cobra.Command{
		Use:   "eval --dev FILE...",
		Short: "질문 세트로 검색 품질을 측정합니다 (measure answer quality)",
		Long: `JSON Lines 질문 파일마다 top-1 정확도, MRR@3, 범위 밖 질문 거절률을 출력하고, 단계별 비교(ablation)도 보여 줍니다.

For each JSON Lines case file prints top-1 accuracy, MRR@3, out-of-domain refusal and false refusals,
every failing question, and ablation tables built from the retrieval stage list: stages added one at a time
from a whole-word baseline to the full pipeline, and the full pipeline with each stage left out.`,
		Example: `  kubemedic kb eval --dev ../shared/eval/faq-dev.jsonl --dev services/knowledge/testdata/eval/tke.jsonl`,
		RunE: func(cmd *cobra.Command, args []string) error {
			devFiles = append(devFiles, args...)
			if len(devFiles) == 0 {
				return errors.New("no case files: pass --dev FILE (JSON Lines with id, q, must, ood, expect)")
			}
			kb, err := openKnowledge(cmd.Context(), kbDirs, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			var all []evaluation.Case
			for _, f := range devFiles {
				cases, err := evaluation.ReadFile(f)
				if err != nil {
					return err
				}
				all = append(all, cases...)
				evaluation.Run(cmd.Context(), f, kb, cases).WriteSummary(w)
				fmt.Fprintln(w)
			}
			if len(devFiles) > 1 {
				r := evaluation.Run(cmd.Context(), "all files", kb, all)
				r.Outcomes = nil // failures were listed per file
				r.WriteSummary(w)
				r.WriteReliability(w)
				fmt.Fprintln(w)
			}
			// Korean and English questions apart, each with its reliability
			// table.
			byLang := map[string][]evaluation.Case{}
			for _, c := range all {
				l := knowledge.DetectLanguage(c.Q)
				byLang[l] = append(byLang[l], c)
			}
			for _, l := range []struct{ code, name string }{{"ko", "Korean"}, {"en", "English"}} {
				if len(byLang[l.code]) == 0 {
					continue
				}
				r := evaluation.Run(cmd.Context(), "all files, "+l.name+" questions", kb, byLang[l.code])
				r.Outcomes = nil
				r.WriteSummary(w)
				r.WriteReliability(w)
				fmt.Fprintln(w)
			}
			if !ablation {
				return nil
			}
			entries := kb.Entries(knowledge.Filter{})
			var sets [][]evaluation.Case
			for _, f := range devFiles {
				cases, err := evaluation.ReadFile(f)
				if err != nil {
					return err
				}
				sets = append(sets, cases)
			}
			perFile, err := evaluation.AblationSets(cmd.Context(), entries, sets, evaluation.Variants())
			if err != nil {
				return err
			}
			for i, f := range devFiles {
				evaluation.WriteTable(w, "ablation: "+f, perFile[i])
				fmt.Fprintln(w)
			}
			reports, err := evaluation.Ablation(cmd.Context(), entries, all, evaluation.LeaveOneOut())
			if err != nil {
				return err
			}
			evaluation.WriteTable(w, "ablation, one stage left out: all files", reports)
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&devFiles, "dev", nil, "JSON Lines case file (repeatable)")
	cmd.Flags().StringArrayVar(&kbDirs, "kb-dir", nil, "extra knowledge directory of runbooks (repeatable)")
	cmd.Flags().BoolVar(&ablation, "ablation", true, "also print the ablation table")
	return cmd
}

func newKBCalibrateCommand() *cobra.Command {
	var (
		devFiles  []string
		sepFiles  []string
		testFiles []string
	)
	cmd := &cobra.Command{
		Use:   "calibrate --dev FILE... [--separation-dev FILE...] [--test FILE...]",
		Short: "신뢰도 모델 계수를 다시 맞춥니다 (refit the confidence model)",
		Long: `--dev 질문으로 신뢰도(로지스틱) 모델 계수를 맞추고, 그 계수로 --dev 와 --test 결과를 보여 줍니다.
출력된 계수를 knowledge.DefaultCalibration 에 옮기면 됩니다. 분리(separation) 단계는 현재 신뢰도 모델 위에서
--dev 와 --separation-dev 질문으로 맞추며, 출력된 계수를 knowledge.DefaultSeparation 에 옮기면 됩니다.

Fits the confidence model (logistic regression over coverage, known share, concept count and score) on the
--dev cases, then evaluates the fitted model on --dev and on the held-out --test cases. Copy the printed
coefficients into knowledge.DefaultCalibration. The separation stage (how clearly the top answer leads the
runner-up) is fitted over the current evidence model, which decides refusals, on the answered --dev and
--separation-dev cases; copy it into knowledge.DefaultSeparation (after copying a new evidence model, run
calibrate again so that the separation is fitted over it).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(devFiles) == 0 {
				return errors.New("no training cases: pass --dev FILE (JSON Lines)")
			}
			read := func(files []string) ([]evaluation.Case, error) {
				var all []evaluation.Case
				for _, f := range files {
					cases, err := evaluation.ReadFile(f)
					if err != nil {
						return nil, err
					}
					all = append(all, cases...)
				}
				return all, nil
			}
			dev, err := read(devFiles)
			if err != nil {
				return err
			}
			test, err := read(testFiles)
			if err != nil {
				return err
			}
			kb, err := openKnowledge(cmd.Context(), nil, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			cal, err := evaluation.Fit(evaluation.Samples(cmd.Context(), kb, dev))
			if err != nil {
				return err
			}
			sepCases, err := read(sepFiles)
			if err != nil {
				return err
			}
			evidence := knowledge.DefaultTuning()
			evidence.Separation = knowledge.Separation{}
			unseparated, err := knowledge.New(kb.Entries(knowledge.Filter{}), evidence)
			if err != nil {
				return err
			}
			sep, err := evaluation.FitSeparation(evaluation.SeparationSamples(cmd.Context(), unseparated,
				append(slices.Clip(dev), sepCases...), evidence.MinConfidence))
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "fitted: %+v\ncurrent: %+v\n", cal, knowledge.DefaultCalibration())
			fmt.Fprintf(w, "separation fitted: %+v\nseparation current: %+v\n\n", sep, knowledge.DefaultSeparation())
			tuning := knowledge.DefaultTuning()
			tuning.Calibration = cal
			fitted, err := knowledge.New(kb.Entries(knowledge.Filter{}), tuning)
			if err != nil {
				return err
			}
			tuning = knowledge.DefaultTuning()
			tuning.Separation = sep
			separated, err := knowledge.New(kb.Entries(knowledge.Filter{}), tuning)
			if err != nil {
				return err
			}
			var reports []evaluation.Report
			for _, set := range []struct {
				name  string
				cases []evaluation.Case
			}{{"dev", dev}, {"test", test}} {
				if len(set.cases) == 0 {
					continue
				}
				reports = append(reports,
					evaluation.Run(cmd.Context(), set.name+", current calibration", kb, set.cases),
					evaluation.Run(cmd.Context(), set.name+", fitted calibration", fitted, set.cases),
					evaluation.Run(cmd.Context(), set.name+", fitted separation", separated, set.cases))
			}
			evaluation.WriteTable(w, "calibration", reports)
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&devFiles, "dev", nil, "JSON Lines cases to fit on (repeatable)")
	cmd.Flags().StringArrayVar(&sepFiles, "separation-dev", nil, "more JSON Lines cases to fit the separation stage on, besides --dev (repeatable)")
	cmd.Flags().StringArrayVar(&testFiles, "test", nil, "held-out JSON Lines cases to check the fit on (repeatable)")
	return cmd
}

func newKBListCommand() *cobra.Command {
	var (
		kbDirs []string
		filter knowledge.Filter
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "지식 베이스 항목과 불러오기 문제를 보여 줍니다 (list entries and load problems)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := filter.Validate(); err != nil {
				return err
			}
			kb, err := openKnowledge(cmd.Context(), kbDirs, io.Discard)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPROVIDER\tAREA\tTITLE")
			entries := kb.Entries(filter)
			for _, e := range entries {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.ID, e.Provider, e.Origin.Area, e.TitleKo)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "\n%d개 항목 (%d entries)\n", len(entries), len(entries))
			if problems := kb.Problems(); len(problems) > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "\n불러오기 문제 %d건 (load problems):\n", len(problems))
				for _, p := range problems {
					fmt.Fprintf(cmd.ErrOrStderr(), "  %v\n", p)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&kbDirs, "kb-dir", nil, "extra knowledge directory of runbooks (repeatable)")
	cmd.Flags().StringVar(&filter.Provider, "provider", "", "only this provider: generic, tke, aks, nks")
	cmd.Flags().StringVar(&filter.Area, "area", "", "only this runbook directory (tke, aks, nks, troubleshooting, administration)")
	cmd.Flags().StringVar(&filter.Tag, "tag", "", "only entries with this tag")
	cmd.Flags().StringVar(&filter.Finding, "finding", "", "only entries for this finding code")
	return cmd
}
