package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubemedic/kubemedic/services/knowledge"
	"github.com/kubemedic/kubemedic/services/knowledge/faqimport"
)

// maxTop bounds --top.
const maxTop = 20

// newAskCommand returns `kubemedic ask`, which answers questions from the
// embedded knowledge base (plus --kb-dir directories) without a server.
func newAskCommand() *cobra.Command {
	var (
		kbDirs   []string
		asJSON   bool
		top      int
		provider string
		lang     string
	)
	cmd := &cobra.Command{
		Use:   "ask [QUESTION]",
		Short: "지식 베이스에 질문합니다 (ask the knowledge base)",
		Long: `지식 베이스(내장 런북과 --kb-dir 디렉터리)에서 질문에 가장 잘 맞는 답을 찾습니다. 서버가 필요 없습니다.
QUESTION 없이 실행하면 표준 입력에서 한 줄에 질문 하나씩 읽고, 질문마다 JSON 한 줄을 출력합니다.

Answers a question from the knowledge base (embedded runbooks plus --kb-dir directories), offline.
Without QUESTION it reads one question per line from stdin and prints one JSON object per line:
{"question":…, "no_answer":bool, "answers":[{"id","title","body","body_language","source","score","confidence"}]}.
The reply follows the question's language (English for a question in Latin letters without
Hangul) unless --lang says otherwise; a runbook without an English body answers in Korean.`,
		Example: `  kubemedic ask 파드가 계속 Pending이에요
  kubemedic ask --json --top 1 "NKS LoadBalancer가 External-IP를 못 받아요"
  kubemedic ask --lang en 노드가 NotReady예요
  printf '노드가 NotReady예요\nhow do I scale a deployment\n' | kubemedic ask`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if top < 1 || top > maxTop {
				return fmt.Errorf("--top must be between 1 and %d, got %d", maxTop, top)
			}
			if err := (knowledge.Filter{Provider: provider}).Validate(); err != nil {
				return fmt.Errorf("--provider: %w", err)
			}
			if lang != "" && lang != "ko" && lang != "en" {
				return fmt.Errorf("--lang must be ko or en (or empty to follow the question), got %q", lang)
			}
			kb, err := openKnowledge(cmd.Context(), kbDirs, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			opts := knowledge.AskOptions{Top: top, Provider: provider, Language: lang}
			if len(args) == 0 {
				return askLines(cmd.Context(), kb, opts, cmd.InOrStdin(), cmd.OutOrStdout())
			}
			question := strings.Join(args, " ")
			if strings.TrimSpace(question) == "" {
				return fmt.Errorf("the question is empty: write it after ask, e.g. kubemedic ask 파드가 Pending이에요")
			}
			res := kb.Ask(cmd.Context(), question, opts)
			if asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(res)
			}
			printResult(cmd.OutOrStdout(), res)
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&kbDirs, "kb-dir", nil, "extra knowledge directory of runbooks (repeatable)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	cmd.Flags().IntVar(&top, "top", 3, "number of answers (1-20)")
	cmd.Flags().StringVar(&lang, "lang", "", "reply language, ko or en; default: the question's language")
	cmd.Flags().StringVar(&provider, "provider", "", "only answers for this provider plus generic ones: tke, aks, nks, generic")
	return cmd
}

// openKnowledge loads the knowledge base, reporting file problems on errw.
func openKnowledge(ctx context.Context, dirs []string, errw io.Writer) (*knowledge.Base, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	log := slog.New(slog.NewTextHandler(errw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	kb, err := knowledge.Open(ctx, knowledge.Options{ExtraDirs: dirs, Logger: log, Convert: faqimport.Converter(faqimport.Options{})})
	if err != nil {
		return nil, fmt.Errorf("open knowledge base: %w", err)
	}
	return kb, nil
}

// askLines answers one question per input line with one JSON object per
// output line. Blank lines are skipped.
func askLines(ctx context.Context, kb *knowledge.Base, opts knowledge.AskOptions, in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	enc := json.NewEncoder(out)
	for sc.Scan() {
		q := strings.TrimSpace(sc.Text())
		if q == "" {
			continue
		}
		if err := enc.Encode(kb.Ask(ctx, q, opts)); err != nil {
			return fmt.Errorf("write answer: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read questions from stdin: %w", err)
	}
	return nil
}

// printResult writes a result for people: the best answer in full, the
// others by title.
func printResult(w io.Writer, res knowledge.Result) {
	en := res.Language == "en"
	if res.NoAnswer {
		if en {
			fmt.Fprintln(w, "Sorry, the knowledge base does not cover this question.")
		} else {
			fmt.Fprintln(w, "죄송합니다. 지식 베이스에서 다루지 않는 질문입니다. (No answer: not covered by the knowledge base.)")
		}
		if res.Reason != "" {
			fmt.Fprintf(w, "(%s)\n", res.Reason)
		}
		return
	}
	label := map[bool][3]string{false: {"출처", "신뢰도", "다른 후보"}, true: {"Source", "confidence", "Other matches"}}[en]
	best := res.Answers[0]
	fmt.Fprintf(w, "# %s\n(%s, %s %.2f)\n\n%s\n\n%s: %s\n", best.Title, best.ID, label[1], best.Confidence, best.Body, label[0], best.Source)
	if len(res.Answers) > 1 {
		fmt.Fprintf(w, "\n%s:\n", label[2])
		for _, a := range res.Answers[1:] {
			fmt.Fprintf(w, "  - %s (%s, %s %.2f)\n", a.Title, a.ID, label[1], a.Confidence)
		}
	}
}
