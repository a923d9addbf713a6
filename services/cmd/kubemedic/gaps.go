package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"
	"golang.org/x/text/width"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/services/asklog"
)

// natsURLFile is where `kubemedic serve` records its embedded NATS URL,
// relative to the data dir.
const natsURLFile = "nats.url"

func newKBGapsCommand() *cobra.Command {
	var (
		configFile string
		dataDir    string
		natsURL    string
		kbDirs     []string
		since      string
		asJSON     bool
		opts       asklog.GapOptions
		timeout    time.Duration
	)
	cmd := &cobra.Command{
		Use:   "gaps [--since 7d] [--json]",
		Short: "답하지 못한 질문을 묶어 보여 줍니다: 다음에 쓸 런북 (questions the knowledge base did not answer well)",
		Long: `서버가 기록한 질문(JetStream 스트림 KUBEMEDIC_ASKS) 가운데 거절된 질문, 신뢰도가 낮은 답, Slack에서
"도움 안 됨"으로 표시된 답을 비슷한 질문끼리 묶어 많은 순서로 보여 줍니다. 그룹마다 런북 하나를 쓰면 됩니다.
로컬 서버(kubemedic serve)는 데이터 디렉터리의 nats.url 로 찾고, 외부 NATS 는 설정의 nats.url 이나 --nats 로 지정합니다.

Lists the asked questions (JetStream stream KUBEMEDIC_ASKS) that were refused, answered with low
confidence, or rated unhelpful in Slack, grouped by similarity, largest group first: each group is a
runbook to write. It reads the stream over NATS: the local server's embedded NATS is found through
<data_dir>/nats.url; for an external NATS set nats.url in the config or pass --nats.`,
		Example: `  kubemedic kb gaps
  kubemedic kb gaps --since 30d --json
  kubemedic kb gaps --config /etc/kubemedic/config.yaml --min-confidence 0.7`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := parseSince(since)
			if err != nil {
				return err
			}
			if opts.MinConfidence < 0 || opts.MinConfidence > 1 || opts.Similarity < 0 || opts.Similarity > 1 {
				return fmt.Errorf("--min-confidence %v, --similarity %v: 0에서 1 사이 값을 주세요 (want values from 0 to 1)", opts.MinConfidence, opts.Similarity)
			}
			cfg, err := loadConfig(configFile, dataDir, "")
			if err != nil {
				return err
			}
			nc, err := connectAskLog(cfg, natsURL, timeout)
			if err != nil {
				return err
			}
			defer nc.Close()
			ctx := cmd.Context()
			kb, err := openKnowledge(ctx, append(cfg.Knowledge.Dirs, kbDirs...), io.Discard)
			if err != nil {
				return err
			}
			opts.Corpus = asklog.Corpus(kb)
			js, err := jetstream.New(nc)
			if err != nil {
				return err
			}
			rep, err := asklog.Gaps(ctx, js, time.Now().Add(-d), opts)
			if err != nil {
				return fmt.Errorf("질문 기록을 읽지 못했습니다 (reading the ask log): %w", err)
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			return printGaps(cmd.OutOrStdout(), rep, since)
		},
	}
	cmd.Flags().StringVar(&configFile, "config", "", "YAML config file (to find the data dir, NATS and extra runbooks)")
	cmd.Flags().StringVar(&dataDir, "data-dir", "", "data directory of the local server (default: <user cache dir>/kubemedic)")
	cmd.Flags().StringVar(&natsURL, "nats", "", "NATS URL (default: nats.url of the config, else the local server's <data_dir>/nats.url)")
	cmd.Flags().StringArrayVar(&kbDirs, "kb-dir", nil, "extra knowledge directory of runbooks the server loads (repeatable)")
	cmd.Flags().StringVar(&since, "since", "7d", "how far back to look: 7d, 36h, 90m")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().Float64Var(&opts.MinConfidence, "min-confidence", asklog.DefaultMinConfidence, "answers below this confidence count as gaps")
	cmd.Flags().Float64Var(&opts.Similarity, "similarity", asklog.DefaultSimilarity, "how alike two questions must be to share a group, 0..1")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "NATS connect timeout")
	return cmd
}

// parseSince accepts a Go duration or a number of days ("7d").
func parseSince(s string) (time.Duration, error) {
	bad := fmt.Errorf("--since %q: 7d, 36h, 90m 같은 기간을 주세요 (want a period such as 7d, 36h or 90m)", s)
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil {
			return 0, bad
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, bad
		}
	}
	if d <= 0 {
		return 0, bad
	}
	return d, nil
}

// connectAskLog connects to the NATS that holds the ask log: --nats, else
// the configured external NATS, else the local server's embedded one.
func connectAskLog(cfg *config.Config, url string, timeout time.Duration) (*nats.Conn, error) {
	if url == "" {
		url = cfg.NATS.URL
	}
	if url == "" {
		p := filepath.Join(cfg.DataDir, natsURLFile)
		b, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("실행 중인 kubemedic 서버를 찾지 못했습니다: %s 가 없습니다. `kubemedic serve`를 시작하거나 --nats URL을 주세요 "+
				"(no running kubemedic server found: start one with `kubemedic serve` or pass --nats URL)", p)
		}
		if err != nil {
			return nil, err
		}
		url = strings.TrimSpace(string(b))
	}
	opts := []nats.Option{nats.Name("kubemedic kb gaps"), nats.Timeout(timeout), nats.NoReconnect()}
	if cfg.NATS.CredentialsFile != "" {
		opts = append(opts, nats.UserCredentials(cfg.NATS.CredentialsFile))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("NATS %s 에 연결하지 못했습니다. 서버가 실행 중인가요? (cannot connect to NATS %s; is the server running?): %w", url, url, err)
	}
	return nc, nil
}

var whyNames = []struct {
	why    asklog.Why
	ko, en string
}{
	{asklog.WhyRefused, "거절", "refused"},
	{asklog.WhyLowConfidence, "낮은 신뢰도", "low confidence"},
	{asklog.WhyUnhelpful, "도움 안 됨", "unhelpful"},
}

// printGaps writes the report as a table, Korean first.
func printGaps(w io.Writer, rep *asklog.Report, since string) error {
	fmt.Fprintf(w, "최근 %s 질문 %d건 중 %d건이 답하지 못했거나 약했습니다, %d개 그룹\n", since, rep.Asks, rep.Gaps, len(rep.Groups))
	fmt.Fprintf(w, "(last %s: %d of %d questions were gaps, in %d groups)\n", since, rep.Gaps, rep.Asks, len(rep.Groups))
	if rep.Truncated {
		fmt.Fprintf(w, "오래된 질문은 빠졌습니다: 최근 %d건만 읽었습니다 (older questions left out: read the newest %d)\n", rep.Asks, rep.Asks)
	}
	if len(rep.Groups) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	rows := [][]string{{"#", "건수 COUNT", "이유 WHY", "언어 LANG", "최근 LAST SEEN", "제시된 답 ANSWERED", "대표 질문 QUESTION"}}
	for i, g := range rep.Groups {
		var why []string
		for _, n := range whyNames {
			if c := g.Why[n.why]; c > 0 {
				why = append(why, fmt.Sprintf("%s(%s) %d", n.ko, n.en, c))
			}
		}
		var answers []string
		for _, a := range g.Answers {
			answers = append(answers, fmt.Sprintf("%s×%d", a.ID, a.Count))
		}
		if len(answers) == 0 {
			answers = []string{"-"}
		}
		rows = append(rows, []string{strconv.Itoa(i + 1), strconv.Itoa(g.Count), strings.Join(why, ", "), strings.Join(g.Languages, ","),
			g.LastSeen.Local().Format("2006-01-02 15:04"), strings.Join(answers, " "), g.Representative})
	}
	writeGapsTable(w, rows)
	first := true
	for i, g := range rep.Groups {
		if len(g.Examples) == 0 {
			continue
		}
		if first {
			fmt.Fprintln(w, "\n비슷한 질문 (similar questions):")
			first = false
		}
		fmt.Fprintf(w, "  %d. %s\n", i+1, strings.Join(g.Examples, " · "))
	}
	return nil
}

// writeTable aligns columns by display width: Hangul takes two terminal
// cells, which text/tabwriter does not know.
func writeGapsTable(w io.Writer, rows [][]string) {
	widths := map[int]int{}
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
			}
		}
		fmt.Fprintln(w, b.String())
	}
}

func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}
