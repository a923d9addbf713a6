package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

// remediationFlags are shared by the remediation commands.
type remediationFlags struct {
	clientFlags
	asJSON bool
}

func (f *remediationFlags) register(cmd *cobra.Command) {
	f.clientFlags.register(cmd)
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print JSON (objects with an id field)")
}

func (f *remediationFlags) client() (kubemedicv1connect.RemediationServiceClient, error) {
	ep, err := f.endpoint()
	if err != nil {
		return nil, err
	}
	return kubemedicv1connect.NewRemediationServiceClient(ep.HTTPClient(), ep.URL, ep.ClientOptions()...), nil
}

// printJSON writes m as indented protojson.
func printJSON(w io.Writer, m proto.Message) error {
	b, err := protojson.MarshalOptions{UseProtoNames: false}.Marshal(m)
	if err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// splitRef parses "namespace/name".
func splitRef(arg, what string) (string, string, error) {
	ns, name, ok := strings.Cut(arg, "/")
	if !ok || ns == "" || name == "" || strings.Contains(name, "/") {
		return "", "", fmt.Errorf("%s %q: 네임스페이스/이름 형식으로 쓰세요 (want namespace/name, e.g. default/web)", what, arg)
	}
	return ns, name, nil
}

// planOptions are the flags of `kubemedic plan`.
type planOptions struct {
	cluster            string
	kind               string
	deleteEmptyDirData bool
	allowUnreplicated  bool
	timeout            time.Duration
	gracePeriod        int
	remove             []string
}

// buildAction turns `plan <action> <target> [args]` into a typed action.
func buildAction(args []string, o planOptions) (*kubemedicv1.Action, error) {
	if len(args) < 2 {
		return nil, errors.New("사용법: kubemedic plan <cordon|uncordon|drain|scale|patch-cm|restart|delete-pod> <대상> [인자] (usage: kubemedic plan <action> <target> [args])")
	}
	verb, target, rest := args[0], args[1], args[2:]
	a := &kubemedicv1.Action{Cluster: o.cluster}
	want := func(n int, usage string) error {
		if len(rest) != n {
			return fmt.Errorf("사용법 (usage): kubemedic plan %s", usage)
		}
		return nil
	}
	switch verb {
	case "cordon", "uncordon":
		if err := want(0, verb+" <node>"); err != nil {
			return nil, err
		}
		if verb == "cordon" {
			a.Kind = &kubemedicv1.Action_Cordon{Cordon: &kubemedicv1.CordonAction{Node: target}}
		} else {
			a.Kind = &kubemedicv1.Action_Uncordon{Uncordon: &kubemedicv1.UncordonAction{Node: target}}
		}
	case "drain":
		if err := want(0, "drain <node> [--delete-emptydir-data] [--allow-unreplicated] [--drain-timeout 5m] [--grace-period N]"); err != nil {
			return nil, err
		}
		d := &kubemedicv1.DrainAction{Node: target, DeleteEmptydirData: o.deleteEmptyDirData, AllowUnreplicated: o.allowUnreplicated}
		if o.timeout > 0 {
			d.Timeout = durationpb.New(o.timeout)
		}
		if o.gracePeriod >= 0 {
			g := int32(o.gracePeriod)
			d.GracePeriodSeconds = &g
		}
		a.Kind = &kubemedicv1.Action_Drain{Drain: d}
	case "scale":
		if err := want(1, "scale <namespace>/<name> <replicas> [--kind StatefulSet]"); err != nil {
			return nil, err
		}
		ns, name, err := splitRef(target, "scale")
		if err != nil {
			return nil, err
		}
		n, err := strconv.ParseInt(rest[0], 10, 32)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("레플리카 수 %q가 0 이상의 정수가 아닙니다 (replicas %q is not a whole number >= 0)", rest[0], rest[0])
		}
		a.Kind = &kubemedicv1.Action_Scale{Scale: &kubemedicv1.ScaleAction{Namespace: ns, Name: name, Kind: o.kind, Replicas: int32(n)}}
	case "patch-cm", "patch-configmap":
		ns, name, err := splitRef(target, verb)
		if err != nil {
			return nil, err
		}
		if len(rest) == 0 && len(o.remove) == 0 {
			return nil, errors.New("사용법 (usage): kubemedic plan patch-cm <namespace>/<name> key=value ... [--remove key]")
		}
		set := map[string]string{}
		for _, kv := range rest {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return nil, fmt.Errorf("%q: 키=값 형식으로 쓰세요 (want key=value)", kv)
			}
			if _, dup := set[k]; dup {
				return nil, fmt.Errorf("키 %q가 두 번 나옵니다 (key %q given twice)", k, k)
			}
			set[k] = v
		}
		a.Kind = &kubemedicv1.Action_PatchConfigMap{PatchConfigMap: &kubemedicv1.PatchConfigMapAction{Namespace: ns, Name: name, Set: set, Remove: o.remove}}
	case "restart", "rollout-restart":
		if err := want(0, "restart <namespace>/<name> [--kind StatefulSet|DaemonSet]"); err != nil {
			return nil, err
		}
		ns, name, err := splitRef(target, verb)
		if err != nil {
			return nil, err
		}
		a.Kind = &kubemedicv1.Action_RolloutRestart{RolloutRestart: &kubemedicv1.RolloutRestartAction{Namespace: ns, Name: name, Kind: o.kind}}
	case "delete-pod":
		if err := want(0, "delete-pod <namespace>/<pod>"); err != nil {
			return nil, err
		}
		ns, name, err := splitRef(target, verb)
		if err != nil {
			return nil, err
		}
		a.Kind = &kubemedicv1.Action_DeletePod{DeletePod: &kubemedicv1.DeletePodAction{Namespace: ns, Name: name}}
	default:
		return nil, fmt.Errorf("알 수 없는 조치 %q: cordon, uncordon, drain, scale, patch-cm, restart, delete-pod 중 하나 (unknown action %q)", verb, verb)
	}
	return a, nil
}

func newPlanCommand() *cobra.Command {
	var (
		f remediationFlags
		o planOptions
	)
	cmd := &cobra.Command{
		Use:   "plan <action> <target> [args]",
		Short: "조치 계획: dry-run, diff, 영향 범위, 가드 결과 (plan a guarded fix)",
		Long: `조치를 계획합니다. 서버 측 dry-run과 diff, 영향 범위, 가드 결과를 보여 주고 승인을 기다립니다.

  kubemedic plan cordon node-1
  kubemedic plan drain node-1 --drain-timeout 10m
  kubemedic plan scale default/web 3
  kubemedic plan patch-cm kube-system/ncloud-config lbSubnetNo=94465
  kubemedic plan restart default/web
  kubemedic plan delete-pod default/web-1

Plans a fix: server-side dry-run, diff, blast radius and guard verdicts; it then waits for approval.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := buildAction(args, o)
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
			defer cancel()
			resp, err := c.Plan(ctx, connect.NewRequest(&kubemedicv1.PlanRequest{Action: a}))
			if err != nil {
				return err
			}
			if f.asJSON {
				return printJSON(cmd.OutOrStdout(), resp.Msg.GetPlan())
			}
			printPlan(cmd.OutOrStdout(), resp.Msg.GetPlan())
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&o.cluster, "cluster", "default", "cluster name (see kubemedic clusters)")
	cmd.Flags().StringVar(&o.kind, "kind", "", "workload kind for scale/restart: Deployment (default), StatefulSet, DaemonSet")
	cmd.Flags().BoolVar(&o.deleteEmptyDirData, "delete-emptydir-data", false, "drain: allow evicting pods with emptyDir volumes (data is lost)")
	cmd.Flags().BoolVar(&o.allowUnreplicated, "allow-unreplicated", false, "drain: allow evicting pods no controller re-creates")
	cmd.Flags().DurationVar(&o.timeout, "drain-timeout", 0, "drain: give up after this long, PDB waits included (default: server setting)")
	cmd.Flags().IntVar(&o.gracePeriod, "grace-period", -1, "drain: pod termination grace period in seconds (default: each pod's own)")
	cmd.Flags().StringSliceVar(&o.remove, "remove", nil, "patch-cm: data keys to delete")
	return cmd
}

var planStateKo = map[kubemedicv1.PlanState]string{
	kubemedicv1.PlanState_PLAN_STATE_PENDING_APPROVAL: "승인 대기 (pending approval)",
	kubemedicv1.PlanState_PLAN_STATE_APPROVED:         "승인됨 (approved)",
	kubemedicv1.PlanState_PLAN_STATE_REJECTED:         "거부됨 (rejected)",
	kubemedicv1.PlanState_PLAN_STATE_EXECUTED:         "실행됨 (executed)",
	kubemedicv1.PlanState_PLAN_STATE_EXPIRED:          "만료됨 (expired)",
	kubemedicv1.PlanState_PLAN_STATE_REFUSED:          "거부됨: 가드 또는 dry-run 실패 (refused by a guard or the dry-run)",
}

func printPlan(w io.Writer, p *kubemedicv1.Plan) {
	risk := "낮음 (low)"
	if p.GetRisk() == kubemedicv1.Risk_RISK_HIGH {
		risk = "높음 (high): 요청자가 아닌 사람이 승인해야 합니다 (someone other than the requester must approve)"
	}
	fmt.Fprintf(w, "계획 (plan) %s — %s\n", p.GetId(), planStateKo[p.GetState()])
	fmt.Fprintf(w, "요청자 (requester): %s\n", p.GetRequester().GetKubernetesUser())
	fmt.Fprintf(w, "위험도 (risk): %s; 필요한 승인 (approvals needed): %d, 받은 승인 (received): %d\n", risk, p.GetApprovalsRequired(), len(p.GetApprovals()))
	fmt.Fprintf(w, "만료 (expires): %s\n", p.GetExpiresAt().AsTime().Local().Format(time.RFC3339))
	fmt.Fprintf(w, "영향 (blast radius): %s\n  %s\n", p.GetBlastRadius().GetSummary().GetKo(), p.GetBlastRadius().GetSummary().GetEn())
	if p.GetDryRun().GetOk() {
		fmt.Fprintln(w, "dry-run: 성공 (ok)")
	} else {
		fmt.Fprintln(w, "dry-run: 실패 (failed)")
	}
	if m := p.GetDryRun().GetMessage(); m != "" {
		fmt.Fprintf(w, "  %s\n", m)
	}
	fmt.Fprintln(w, "가드 (guards):")
	for _, g := range p.GetGuards() {
		mark := "✓"
		if !g.GetAllowed() {
			mark = "✗"
		}
		fmt.Fprintf(w, "  %s %-24s %s\n", mark, g.GetGuard(), g.GetReason().GetKo())
	}
	fmt.Fprintln(w, "diff:")
	fmt.Fprint(w, p.GetDiff())
	if p.GetState() == kubemedicv1.PlanState_PLAN_STATE_PENDING_APPROVAL {
		fmt.Fprintf(w, "\n승인하려면 (to approve): kubemedic approve %s --hash %s\n", p.GetId(), p.GetHash())
	}
	if p.GetState() == kubemedicv1.PlanState_PLAN_STATE_APPROVED {
		fmt.Fprintf(w, "\n실행하려면 (to execute): kubemedic execute %s\n", p.GetId())
	}
}

func newApproveCommand() *cobra.Command {
	var (
		f    remediationFlags
		hash string
	)
	cmd := &cobra.Command{
		Use:   "approve <plan-id> --hash <plan-hash>",
		Short: "계획 승인: 본 계획의 hash로 묶입니다 (approve exactly the plan you reviewed)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if hash == "" {
				return errors.New("--hash가 필요합니다: kubemedic plan이 출력한 hash로 승인하세요 (--hash is required: approve the hash kubemedic plan printed)")
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
			defer cancel()
			resp, err := c.Approve(ctx, connect.NewRequest(&kubemedicv1.ApproveRequest{PlanId: args[0], PlanHash: hash}))
			if err != nil {
				return err
			}
			if f.asJSON {
				return printJSON(cmd.OutOrStdout(), resp.Msg.GetPlan())
			}
			printPlan(cmd.OutOrStdout(), resp.Msg.GetPlan())
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&hash, "hash", "", "hash of the plan you reviewed (printed by kubemedic plan)")
	return cmd
}

func newRejectCommand() *cobra.Command {
	var (
		f      remediationFlags
		reason string
	)
	cmd := &cobra.Command{
		Use:   "reject <plan-id>",
		Short: "계획 거부 (reject a plan)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
			defer cancel()
			resp, err := c.Reject(ctx, connect.NewRequest(&kubemedicv1.RejectRequest{PlanId: args[0], Reason: reason}))
			if err != nil {
				return err
			}
			if f.asJSON {
				return printJSON(cmd.OutOrStdout(), resp.Msg.GetPlan())
			}
			fmt.Fprintf(cmd.OutOrStdout(), "계획 %s을(를) 거부했습니다 (plan %s rejected)\n", args[0], args[0])
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&reason, "reason", "", "why, for the audit trail")
	return cmd
}

func newExecuteCommand() *cobra.Command {
	var (
		f      remediationFlags
		follow time.Duration
	)
	cmd := &cobra.Command{
		Use:   "execute <plan-id>",
		Short: "승인된 계획 실행, 진행 상황 표시 (run an approved plan and follow its progress)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
			resp, err := c.Execute(ctx, connect.NewRequest(&kubemedicv1.ExecuteRequest{PlanId: args[0]}))
			cancel()
			if err != nil {
				return err
			}
			fctx, fcancel := context.WithTimeout(cmd.Context(), follow)
			defer fcancel()
			bar := isTerminal(cmd.OutOrStdout())
			e, err := followExecution(fctx, c, args[0], resp.Msg.GetExecution(), func(e *kubemedicv1.Execution, from int) {
				if !f.asJSON {
					printSteps(cmd.OutOrStdout(), e, from, bar)
				}
			})
			if err != nil {
				return err
			}
			if f.asJSON {
				return printJSON(cmd.OutOrStdout(), e)
			}
			printExecution(cmd.OutOrStdout(), e)
			if e.GetState() == kubemedicv1.ExecutionState_EXECUTION_STATE_FAILED {
				return errors.New("실행 실패 (execution failed)")
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().DurationVar(&follow, "follow", 30*time.Minute, "how long to follow the execution's progress")
	return cmd
}

// followExecution streams progress with GetExecution; where the gateway
// does not stream it yet, it asks Execute again (which returns the same
// execution, never a second run) once a second.
func followExecution(ctx context.Context, c kubemedicv1connect.RemediationServiceClient, planID string, e *kubemedicv1.Execution, onUpdate func(*kubemedicv1.Execution, int)) (*kubemedicv1.Execution, error) {
	shown := 0
	update := func(x *kubemedicv1.Execution) {
		onUpdate(x, shown)
		shown = len(x.GetSteps())
		e = x
	}
	update(e)
	if e.GetState() != kubemedicv1.ExecutionState_EXECUTION_STATE_RUNNING {
		return e, nil
	}
	stream, err := c.GetExecution(ctx, connect.NewRequest(&kubemedicv1.GetExecutionRequest{ExecutionId: e.GetId(), Follow: true}))
	if err == nil {
		for stream.Receive() {
			update(stream.Msg().GetExecution())
		}
		err = stream.Err()
		if err == nil {
			return e, nil
		}
	}
	if connect.CodeOf(err) != connect.CodeUnimplemented {
		return e, err
	}
	for e.GetState() == kubemedicv1.ExecutionState_EXECUTION_STATE_RUNNING {
		select {
		case <-ctx.Done():
			return e, fmt.Errorf("실행 %s을(를) 더 기다리지 않습니다 (stopped following execution %s): %w", e.GetId(), e.GetId(), ctx.Err())
		case <-time.After(time.Second):
		}
		resp, err := c.Execute(ctx, connect.NewRequest(&kubemedicv1.ExecuteRequest{PlanId: planID}))
		if err != nil {
			return e, err
		}
		update(resp.Msg.GetExecution())
	}
	return e, nil
}

// countRE finds the "(done/total)" an action puts in its progress steps.
var countRE = regexp.MustCompile(`\((\d+)/(\d+)\)`)

// printSteps prints new steps; on a terminal, counted steps (a drain's
// evictions) redraw one progress bar instead of a line each.
func printSteps(w io.Writer, e *kubemedicv1.Execution, from int, bar bool) {
	for _, s := range e.GetSteps()[min(from, len(e.GetSteps())):] {
		if m := countRE.FindStringSubmatch(s.GetMessage().GetEn()); bar && m != nil && s.GetError() == "" {
			done, _ := strconv.Atoi(m[1])
			total, _ := strconv.Atoi(m[2])
			fmt.Fprintf(w, "\r  %s %d/%d", progressBar(done, total, 30), done, total)
			if done == total {
				fmt.Fprintln(w)
			}
			continue
		}
		line := fmt.Sprintf("  [%s] %s", s.GetTime().AsTime().Local().Format("15:04:05"), s.GetMessage().GetKo())
		if s.GetError() != "" {
			line += " — " + s.GetError()
		}
		if bar {
			line = "\r\033[K" + line
		}
		fmt.Fprintln(w, line)
	}
}

// progressBar draws [#####-----] for done of total in width cells.
func progressBar(done, total, width int) string {
	if total <= 0 {
		return "[" + strings.Repeat("-", width) + "]"
	}
	n := min(done*width/total, width)
	return "[" + strings.Repeat("#", n) + strings.Repeat("-", width-n) + "]"
}

var execStateKo = map[kubemedicv1.ExecutionState]string{
	kubemedicv1.ExecutionState_EXECUTION_STATE_RUNNING:   "진행 중 (running)",
	kubemedicv1.ExecutionState_EXECUTION_STATE_SUCCEEDED: "성공 (succeeded)",
	kubemedicv1.ExecutionState_EXECUTION_STATE_FAILED:    "실패 (failed)",
}

func printExecution(w io.Writer, e *kubemedicv1.Execution) {
	fmt.Fprintf(w, "실행 (execution) %s — %s\n", e.GetId(), execStateKo[e.GetState()])
	if e.GetError() != "" {
		fmt.Fprintf(w, "오류 (error): %s\n", e.GetError())
	}
	if e.GetUndoable() {
		fmt.Fprintf(w, "되돌리려면 (to undo): kubemedic undo %s\n", e.GetId())
	}
}

func newUndoCommand() *cobra.Command {
	var f remediationFlags
	cmd := &cobra.Command{
		Use:   "undo <execution-id>",
		Short: "실행 되돌리기 계획 (plan the undo of an execution; it needs approval too)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
			defer cancel()
			resp, err := c.Undo(ctx, connect.NewRequest(&kubemedicv1.UndoRequest{ExecutionId: args[0]}))
			if err != nil {
				return err
			}
			if f.asJSON {
				return printJSON(cmd.OutOrStdout(), resp.Msg.GetPlan())
			}
			printPlan(cmd.OutOrStdout(), resp.Msg.GetPlan())
			return nil
		},
	}
	f.register(cmd)
	return cmd
}

func newAuditCommand() *cobra.Command {
	var (
		f       remediationFlags
		cluster string
		planID  string
		limit   int
	)
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "조치 감사 기록 (remediation audit trail, oldest first)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
			defer cancel()
			var records []*kubemedicv1.AuditRecord
			token := ""
			for {
				size := min(limit-len(records), 1000)
				resp, err := c.ListAudit(ctx, connect.NewRequest(&kubemedicv1.ListAuditRequest{Cluster: cluster, PlanId: planID, PageSize: int32(size), PageToken: token}))
				if err != nil {
					return err
				}
				records = append(records, resp.Msg.GetRecords()...)
				token = resp.Msg.GetNextPageToken()
				if token == "" || len(records) >= limit {
					break
				}
			}
			if f.asJSON {
				return printJSON(cmd.OutOrStdout(), &kubemedicv1.ListAuditResponse{Records: records})
			}
			return printAudit(cmd.OutOrStdout(), records)
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&cluster, "cluster", "", "only this cluster")
	cmd.Flags().StringVar(&planID, "plan", "", "only this plan")
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many records")
	return cmd
}

func printAudit(w io.Writer, records []*kubemedicv1.AuditRecord) error {
	if len(records) == 0 {
		fmt.Fprintln(w, "감사 기록이 없습니다 (no audit records)")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tTIME\tTYPE\tACTOR\tCLUSTER\tPLAN\tEXECUTION\tMESSAGE")
	for _, r := range records {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.GetSequence(), r.GetTime().AsTime().Local().Format("01-02 15:04:05"),
			strings.TrimPrefix(r.GetType().String(), "AUDIT_EVENT_TYPE_"), r.GetActor().GetKubernetesUser(), r.GetCluster(),
			r.GetPlanId(), r.GetExecutionId(), r.GetMessage())
	}
	return tw.Flush()
}
