package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"connectrpc.com/connect"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

func newSweepCommand() *cobra.Command {
	var (
		f           clientFlags
		asJSON      bool
		selector    string
		minSeverity string
	)
	cmd := &cobra.Command{
		Use:   "sweep [--selector env=prod] [--json]",
		Short: "모든(또는 선택한) 클러스터를 지금 점검합니다 (sweep the fleet now)",
		Long: `클러스터를 한 번씩 진단하고 이전 점검과 비교해 새 문제, 해결된 문제, 계속되는 문제를 보여 줍니다.
터미널에서는 진행 막대를 표시합니다. "kubemedic sweep show ID"로 지난 점검을 봅니다.

Diagnoses every cluster (or those matching --selector) once and compares with the previous sweep
of the same selector: new, resolved and still-open findings, unreachable clusters with the reason.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sev, err := parseSeverity(minSeverity)
			if err != nil {
				return err
			}
			ep, err := f.endpoint()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
			defer cancel()
			fleet := kubemedicv1connect.NewFleetServiceClient(ep.HTTPClient(), ep.URL, ep.ClientOptions()...)
			stream, err := fleet.RunSweep(ctx, connect.NewRequest(&kubemedicv1.RunSweepRequest{Selector: selector, MinSeverity: sev}))
			if err != nil {
				return err
			}
			defer stream.Close()
			var (
				bar  *progressbar.ProgressBar
				last *kubemedicv1.Sweep
			)
			showBar := !asJSON && isTerminal(cmd.ErrOrStderr())
			for stream.Receive() {
				switch ev := stream.Msg().GetEvent().(type) {
				case *kubemedicv1.RunSweepResponse_Sweep:
					last = ev.Sweep
					if last.GetState() == kubemedicv1.SweepState_SWEEP_STATE_RUNNING && showBar && bar == nil {
						bar = progressbar.NewOptions(len(last.GetClusters()),
							progressbar.OptionSetWriter(cmd.ErrOrStderr()),
							progressbar.OptionSetDescription("점검 중 (sweeping) "+last.GetId()),
							progressbar.OptionShowCount(),
							progressbar.OptionClearOnFinish())
					}
				case *kubemedicv1.RunSweepResponse_Progress:
					if bar != nil {
						bar.Describe("점검 중 (sweeping): " + ev.Progress.GetCluster())
						_ = bar.Add(1)
					}
				}
			}
			if bar != nil {
				_ = bar.Finish()
			}
			if err := stream.Err(); err != nil {
				return err
			}
			if last == nil || last.GetState() == kubemedicv1.SweepState_SWEEP_STATE_RUNNING {
				return errors.New("the sweep stream ended before the sweep finished; see `kubemedic sweeps`")
			}
			if err := printSweep(cmd.OutOrStdout(), last, asJSON); err != nil {
				return err
			}
			if last.GetState() == kubemedicv1.SweepState_SWEEP_STATE_FAILED {
				return errors.New("어떤 클러스터도 점검하지 못했습니다 (no cluster could be swept)")
			}
			return nil
		},
	}
	f.register(cmd)
	f.timeout = 30 * time.Minute
	cmd.Flags().Lookup("timeout").DefValue = f.timeout.String()
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the finished sweep as JSON")
	cmd.Flags().StringVarP(&selector, "selector", "l", "", "label selector, e.g. env=prod,team!=data (default: every cluster)")
	cmd.Flags().StringVar(&minSeverity, "min-severity", "", "drop findings below info, warning, error or critical")
	cmd.AddCommand(newSweepShowCommand())
	return cmd
}

func newSweepShowCommand() *cobra.Command {
	var (
		f      clientFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "show ID|latest",
		Short: "지난 점검 하나를 봅니다 (show one sweep)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ep, err := f.endpoint()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
			defer cancel()
			fleet := kubemedicv1connect.NewFleetServiceClient(ep.HTTPClient(), ep.URL, ep.ClientOptions()...)
			resp, err := fleet.GetSweep(ctx, connect.NewRequest(&kubemedicv1.GetSweepRequest{Id: args[0]}))
			if err != nil {
				return err
			}
			return printSweep(cmd.OutOrStdout(), resp.Msg.GetSweep(), asJSON)
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newSweepsCommand() *cobra.Command {
	var (
		f      clientFlags
		asJSON bool
		limit  int
	)
	cmd := &cobra.Command{
		Use:   "sweeps [--json]",
		Short: "지난 점검 목록, 최신순 (list past sweeps, newest first)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 1 || limit > 100 {
				return fmt.Errorf("--limit %d: 1부터 100까지 (want 1 to 100)", limit)
			}
			ep, err := f.endpoint()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
			defer cancel()
			fleet := kubemedicv1connect.NewFleetServiceClient(ep.HTTPClient(), ep.URL, ep.ClientOptions()...)
			resp, err := fleet.ListSweeps(ctx, connect.NewRequest(&kubemedicv1.ListSweepsRequest{PageSize: int32(limit)}))
			if err != nil {
				return err
			}
			if asJSON {
				return writeProtoJSON(cmd.OutOrStdout(), resp.Msg)
			}
			w := cmd.OutOrStdout()
			if len(resp.Msg.GetSweeps()) == 0 {
				fmt.Fprintln(w, "아직 점검 기록이 없습니다. `kubemedic sweep`으로 시작하세요. (No sweeps yet: run `kubemedic sweep`.)")
				return nil
			}
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSTATE\tSTARTED\tDURATION\tCLUSTERS\tUNREACHABLE\tCRIT/ERR/WARN/INFO\tSELECTOR\tSCHEDULE")
			for _, s := range resp.Msg.GetSweeps() {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", s.GetId(), state(s.GetState()),
					s.GetStartedAt().AsTime().Local().Format(time.DateTime), duration(s), len(s.GetClusters()),
					s.GetUnreachableClusters(), counts(s.GetTotals()), orDash(s.GetSelector()), orDash(s.GetSchedule()))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if resp.Msg.GetNextPageToken() != "" {
				fmt.Fprintf(w, "(더 오래된 점검이 있습니다 / older sweeps exist: --limit %d)\n", min(100, limit*2))
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&limit, "limit", 20, "how many sweeps (1-100)")
	return cmd
}

// writeProtoJSON prints m as indented JSON with the proto field names.
func writeProtoJSON(w io.Writer, m proto.Message) error {
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  ", UseProtoNames: true}.Marshal(m)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}

// printSweep prints one sweep: clusters, then the changes.
func printSweep(w io.Writer, s *kubemedicv1.Sweep, asJSON bool) error {
	if asJSON {
		return writeProtoJSON(w, s)
	}
	fmt.Fprintf(w, "점검 (sweep) %s: %s, %s", s.GetId(), state(s.GetState()), duration(s))
	if s.GetSelector() != "" {
		fmt.Fprintf(w, ", selector %s", s.GetSelector())
	}
	if s.GetSchedule() != "" {
		fmt.Fprintf(w, ", schedule %s", s.GetSchedule())
	}
	if s.GetPreviousSweepId() != "" {
		fmt.Fprintf(w, "\n이전 점검과 비교 (compared with) %s", s.GetPreviousSweepId())
	} else {
		fmt.Fprint(w, "\n첫 점검입니다: 모든 문제를 새 문제로 표시합니다 (first sweep of this selector: every finding is new)")
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLUSTER\tSTATUS\tCRIT/ERR/WARN/INFO\tTIME\tREASON")
	for _, c := range s.GetClusters() {
		status := "ok"
		switch {
		case c.GetError() != "":
			status = "unreachable"
		case !c.GetDone():
			status = "running"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.GetCluster(), status, counts(c.GetCounts()),
			(time.Duration(c.GetDurationMs()) * time.Millisecond).String(), c.GetError())
	}
	fmt.Fprintf(tw, "TOTAL\t%d unreachable\t%s\t\t\n", s.GetUnreachableClusters(), counts(s.GetTotals()))
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, sec := range []struct {
		title string
		fs    []*kubemedicv1.Finding
	}{
		{"새 문제 (new)", s.GetNewFindings()},
		{"해결됨 (resolved)", s.GetResolvedFindings()},
		{"계속됨 (still open)", s.GetStillOpenFindings()},
	} {
		fmt.Fprintf(w, "\n%s: %d\n", sec.title, len(sec.fs))
		for _, f := range sec.fs {
			o := f.GetObject()
			obj := o.GetKind() + " " + o.GetName()
			if o.GetNamespace() != "" {
				obj = o.GetKind() + " " + o.GetNamespace() + "/" + o.GetName()
			}
			title := f.GetTitle().GetKo()
			if title == "" {
				title = f.GetTitle().GetEn()
			}
			fmt.Fprintf(w, "  [%s] %s %s %s: %s\n", severityName(f.GetSeverity()), o.GetCluster(), obj, f.GetCode(), title)
		}
	}
	return nil
}

func state(s kubemedicv1.SweepState) string {
	return strings.ToLower(strings.TrimPrefix(s.String(), "SWEEP_STATE_"))
}

func counts(c *kubemedicv1.SeverityCounts) string {
	return fmt.Sprintf("%d/%d/%d/%d", c.GetCritical(), c.GetError(), c.GetWarning(), c.GetInfo())
}

func duration(s *kubemedicv1.Sweep) string {
	if s.GetFinishedAt() == nil {
		return "-"
	}
	return s.GetFinishedAt().AsTime().Sub(s.GetStartedAt().AsTime()).Round(time.Millisecond).String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
