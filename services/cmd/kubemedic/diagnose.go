package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"
	"k8s.io/client-go/tools/clientcmd"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
	"github.com/kubemedic/kubemedic/services/diagnosis/live"
	"github.com/kubemedic/kubemedic/services/diagnosis/snapshot"
)

// diagnoseMemoryLimit is the soft heap limit of a one-shot diagnosis.
const diagnoseMemoryLimit = 128 << 20

// Exit codes of `kubemedic diagnose` (see README).
const (
	exitFindings = 1 // at least one finding of severity warning or worse
	exitError    = 2 // the diagnosis could not run
)

// exitCodeError carries a process exit code; Err (may be nil) is printed.
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitCodeError) Unwrap() error { return e.err }

// newDiagnoseCommand returns `kubemedic diagnose`: a one-shot diagnosis of a
// cluster (one LIST per kind) or of a snapshot directory, without a server.
func newDiagnoseCommand() *cobra.Command {
	var (
		kubeconfig, kubeContext, snapshotDir, lang, minSeverity string
		cpuProfile                                              string
		namespaces, kinds                                       []string
		asJSON                                                  bool
	)
	cmd := &cobra.Command{
		Use:   "diagnose",
		Short: "클러스터를 진단해 문제와 원인, 해결 방법을 보여줍니다 (diagnose a cluster)",
		Long: `클러스터(또는 --snapshot 디렉터리)를 한 번 읽어 규칙으로 진단합니다. 서버가 필요 없습니다.
리소스 종류마다 LIST 한 번만 보냅니다.

Diagnoses a cluster (or a --snapshot directory) once with the built-in rules, without a server.
--snapshot reads a "kubectl cluster-info dump --output-directory" tree or a folder of
"kubectl get -o yaml|json" files; unreadable files are reported as "file: reason" and skipped.

Exit status: 0 no finding of severity warning or worse, 1 such findings, 2 error.`,
		Example: `  kubemedic diagnose
  kubemedic diagnose --context prod -n shop -n payments
  kubemedic diagnose --snapshot ./dump --json
  kubemedic diagnose --lang en --min-severity warning`,
		RunE: func(cmd *cobra.Command, args []string) error {
			cmd.SilenceUsage = true
			if cpuProfile != "" {
				stop, err := startCPUProfile(cpuProfile)
				if err != nil {
					return &exitCodeError{exitError, err}
				}
				defer stop()
			}
			if os.Getenv("GOMEMLIMIT") == "" {
				// A one-shot run holds one copy of the cluster; a soft limit
				// makes the GC keep the peak near it instead of doubling.
				debug.SetMemoryLimit(diagnoseMemoryLimit)
			}
			if len(args) > 0 {
				return &exitCodeError{exitError, fmt.Errorf("diagnose takes no arguments (got %q); use -n NAMESPACE to limit namespaces", args)}
			}
			if lang != "ko" && lang != "en" {
				return &exitCodeError{exitError, fmt.Errorf("--lang must be ko or en, got %q", lang)}
			}
			sev, err := parseSeverity(minSeverity)
			if err != nil {
				return &exitCodeError{exitError, err}
			}
			for _, k := range kinds {
				if !isKind(k) {
					return &exitCodeError{exitError, fmt.Errorf("--kind %q is not a kind kubemedic reads; use one of %s", k, strings.Join(cluster.Kinds, ", "))}
				}
			}
			ctx := cmd.Context()
			start := time.Now()
			// The engine (rules and the runbook links) builds while the
			// cluster is read; Analyze waits for it.
			go func() { _, _ = diagnosis.Default(ctx) }()
			var (
				st          cluster.State
				clusterName string
				source      string
				problems    []string
			)
			if snapshotDir != "" {
				if kubeconfig != "" || kubeContext != "" {
					return &exitCodeError{exitError, errors.New("--snapshot reads files only; drop --kubeconfig/--context")}
				}
				res, err := snapshot.Read(ctx, snapshotDir)
				if err != nil {
					return &exitCodeError{exitError, err}
				}
				for _, p := range res.Problems {
					problems = append(problems, p.Error())
					fmt.Fprintf(cmd.ErrOrStderr(), "경고/warning: %s\n", p.Error())
				}
				st, clusterName, source = res.State, "snapshot", "snapshot:"+snapshotDir
			} else {
				rules := clientcmd.NewDefaultClientConfigLoadingRules()
				rules.ExplicitPath = kubeconfig
				cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: kubeContext})
				raw, err := cc.RawConfig()
				if err != nil {
					return &exitCodeError{exitError, fmt.Errorf("read kubeconfig: %w", err)}
				}
				cfg, err := cc.ClientConfig()
				if err != nil {
					return &exitCodeError{exitError, fmt.Errorf("kubeconfig: %w (give --kubeconfig or set KUBECONFIG)", err)}
				}
				clusterName = kubeContext
				if clusterName == "" {
					clusterName = raw.CurrentContext
				}
				if clusterName == "" {
					clusterName = "default"
				}
				res, err := live.Collect(ctx, live.Options{Config: cfg, Namespaces: namespaces})
				if err != nil {
					return &exitCodeError{exitError, fmt.Errorf("클러스터를 읽지 못했습니다 (cannot read the cluster): %w", err)}
				}
				for _, s := range res.Skipped {
					msg := fmt.Sprintf("%s: %v", s.Kind, s.Err)
					problems = append(problems, msg)
					fmt.Fprintf(cmd.ErrOrStderr(), "경고/warning: %s 건너뜀 (skipped)\n", msg)
				}
				st, source = res.State, "cluster:"+clusterName
			}
			findings, err := diagnosis.Analyze(ctx, st, diagnosis.Options{
				Cluster: clusterName, Namespaces: namespaces, Kinds: kinds, MinSeverity: sev,
			})
			if err != nil {
				return &exitCodeError{exitError, err}
			}
			sum := summarize(findings, source, clusterName, time.Since(start), problems)
			out := cmd.OutOrStdout()
			if asJSON {
				err = writeJSON(out, findings, sum, lang)
			} else {
				err = writeTable(out, findings, sum, lang, isTerminal(out))
			}
			if err != nil {
				return &exitCodeError{exitError, fmt.Errorf("write result: %w", err)}
			}
			if sum.Warning+sum.Error+sum.Critical > 0 {
				cmd.SilenceErrors = true // the findings are the message
				return &exitCodeError{code: exitFindings}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
	f.StringVar(&kubeContext, "context", "", "kubeconfig context (default: the current context)")
	f.StringArrayVarP(&namespaces, "namespace", "n", nil, "limit to this namespace (repeatable); node findings need all namespaces")
	f.StringArrayVar(&kinds, "kind", nil, "only findings about this kind, e.g. Pod, Deployment, Node (repeatable)")
	f.StringVar(&snapshotDir, "snapshot", "", "diagnose files in this directory instead of a live cluster")
	f.BoolVar(&asJSON, "json", false, `print {"findings":[…],"summary":{…}} as JSON`)
	f.StringVar(&lang, "lang", "ko", "language of titles and summaries: ko or en")
	f.StringVar(&minSeverity, "min-severity", "info", "drop findings below: info, warning, error, critical")
	f.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file (for benchmarks)")
	_ = f.MarkHidden("cpuprofile")
	return cmd
}

// startCPUProfile profiles the process into path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func isKind(k string) bool {
	for _, c := range cluster.Kinds {
		if c == k {
			return true
		}
	}
	return false
}

func parseSeverity(s string) (kubemedicv1.Severity, error) {
	switch strings.ToLower(s) {
	case "", "info":
		return kubemedicv1.Severity_SEVERITY_INFO, nil
	case "warning":
		return kubemedicv1.Severity_SEVERITY_WARNING, nil
	case "error":
		return kubemedicv1.Severity_SEVERITY_ERROR, nil
	case "critical":
		return kubemedicv1.Severity_SEVERITY_CRITICAL, nil
	}
	return 0, fmt.Errorf("--min-severity must be info, warning, error or critical, got %q", s)
}

// severityName is the JSON and table spelling of a severity.
func severityName(s kubemedicv1.Severity) string {
	return strings.ToLower(strings.TrimPrefix(s.String(), "SEVERITY_"))
}

// diagnoseSummary is the "summary" object of --json.
type diagnoseSummary struct {
	Cluster    string   `json:"cluster"`
	Source     string   `json:"source"`
	Findings   int      `json:"findings"`
	Critical   int      `json:"critical"`
	Error      int      `json:"error"`
	Warning    int      `json:"warning"`
	Info       int      `json:"info"`
	DurationMs int64    `json:"duration_ms"`
	Problems   []string `json:"problems"`
}

func summarize(fs []*kubemedicv1.Finding, source, clusterName string, d time.Duration, problems []string) diagnoseSummary {
	s := diagnoseSummary{Cluster: clusterName, Source: source, Findings: len(fs), DurationMs: d.Milliseconds(), Problems: problems}
	if s.Problems == nil {
		s.Problems = []string{}
	}
	for _, f := range fs {
		switch f.Severity {
		case kubemedicv1.Severity_SEVERITY_CRITICAL:
			s.Critical++
		case kubemedicv1.Severity_SEVERITY_ERROR:
			s.Error++
		case kubemedicv1.Severity_SEVERITY_WARNING:
			s.Warning++
		default:
			s.Info++
		}
	}
	return s
}

type jsonEvidence struct {
	Type       string `json:"type"`
	Reason     string `json:"reason"`
	Message    string `json:"message"`
	Source     string `json:"source"`
	Count      int32  `json:"count"`
	ObservedAt string `json:"observed_at,omitempty"`
}

type jsonFinding struct {
	Code      string            `json:"code"`
	Reason    string            `json:"reason"`
	Severity  string            `json:"severity"`
	Cluster   string            `json:"cluster"`
	Namespace string            `json:"namespace"`
	Kind      string            `json:"kind"`
	Name      string            `json:"name"`
	Title     string            `json:"title"`
	Summary   string            `json:"summary"`
	Evidence  []jsonEvidence    `json:"evidence"`
	Runbooks  []string          `json:"runbooks"`
	Actions   []json.RawMessage `json:"actions"`
}

func pick(t *kubemedicv1.LocalizedText, lang string) string {
	if lang == "en" && t.GetEn() != "" {
		return t.GetEn()
	}
	return t.GetKo()
}

func writeJSON(w io.Writer, fs []*kubemedicv1.Finding, sum diagnoseSummary, lang string) error {
	out := struct {
		Findings []jsonFinding   `json:"findings"`
		Summary  diagnoseSummary `json:"summary"`
	}{Findings: make([]jsonFinding, 0, len(fs)), Summary: sum}
	marshal := protojson.MarshalOptions{UseProtoNames: true}
	for _, f := range fs {
		o := f.GetObject()
		jf := jsonFinding{
			Code: f.Code, Reason: f.SubReason, Severity: severityName(f.Severity),
			Cluster: o.GetCluster(), Namespace: o.GetNamespace(), Kind: o.GetKind(), Name: o.GetName(),
			Title: pick(f.Title, lang), Summary: pick(f.Summary, lang),
			Evidence: make([]jsonEvidence, 0, len(f.Evidence)), Runbooks: f.RunbookIds, Actions: []json.RawMessage{},
		}
		if jf.Runbooks == nil {
			jf.Runbooks = []string{}
		}
		for _, e := range f.Evidence {
			je := jsonEvidence{Type: strings.ToLower(strings.TrimPrefix(e.Type.String(), "EVIDENCE_TYPE_")), Reason: e.Reason, Message: e.Message, Source: e.Source, Count: e.Count}
			if e.ObservedAt != nil {
				je.ObservedAt = e.ObservedAt.AsTime().UTC().Format(time.RFC3339)
			}
			jf.Evidence = append(jf.Evidence, je)
		}
		for _, a := range f.SuggestedActions {
			b, err := marshal.Marshal(a)
			if err != nil {
				return err
			}
			jf.Actions = append(jf.Actions, b)
		}
		out.Findings = append(out.Findings, jf)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

var severityColor = map[kubemedicv1.Severity]string{
	kubemedicv1.Severity_SEVERITY_CRITICAL: "\x1b[1;31m",
	kubemedicv1.Severity_SEVERITY_ERROR:    "\x1b[31m",
	kubemedicv1.Severity_SEVERITY_WARNING:  "\x1b[33m",
	kubemedicv1.Severity_SEVERITY_INFO:     "\x1b[36m",
}

// writeTable prints one row per finding, then each finding's summary,
// runbooks and actions, then the totals.
func writeTable(w io.Writer, fs []*kubemedicv1.Finding, sum diagnoseSummary, lang string, color bool) error {
	en := lang == "en"
	if len(fs) == 0 {
		if en {
			fmt.Fprintf(w, "No findings in %s (%d ms).\n", sum.Source, sum.DurationMs)
		} else {
			fmt.Fprintf(w, "%s에서 발견된 문제가 없습니다 (%d ms).\n", sum.Source, sum.DurationMs)
		}
		return nil
	}
	head := "심각도\t코드\t대상\t제목"
	if en {
		head = "SEVERITY\tCODE\tOBJECT\tTITLE"
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, head)
	for _, f := range fs {
		sev := severityName(f.Severity)
		if color {
			sev = severityColor[f.Severity] + sev + "\x1b[0m"
		}
		code := f.Code
		if f.SubReason != "" {
			code += "/" + f.SubReason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", sev, code, objectName(f.GetObject()), pick(f.Title, lang))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	labels := map[bool][3]string{false: {"런북", "제안 조치", "합계"}, true: {"runbooks", "suggested actions", "total"}}[en]
	for i, f := range fs {
		fmt.Fprintf(w, "\n[%d] %s %s\n    %s\n", i+1, f.Code, objectName(f.GetObject()), pick(f.Summary, lang))
		if len(f.RunbookIds) > 0 {
			fmt.Fprintf(w, "    %s: %s\n", labels[0], strings.Join(f.RunbookIds, ", "))
		}
		if len(f.SuggestedActions) > 0 {
			var acts []string
			for _, a := range f.SuggestedActions {
				acts = append(acts, actionText(a))
			}
			fmt.Fprintf(w, "    %s: %s\n", labels[1], strings.Join(acts, "; "))
		}
	}
	fmt.Fprintf(w, "\n%s: %d (critical %d, error %d, warning %d, info %d), %d ms\n", labels[2], sum.Findings, sum.Critical, sum.Error, sum.Warning, sum.Info, sum.DurationMs)
	return nil
}

func objectName(o *kubemedicv1.ObjectRef) string {
	if o.GetNamespace() == "" {
		return o.GetKind() + "/" + o.GetName()
	}
	return o.GetKind() + "/" + o.GetNamespace() + "/" + o.GetName()
}

func actionText(a *kubemedicv1.Action) string {
	switch k := a.Kind.(type) {
	case *kubemedicv1.Action_Cordon:
		return "cordon " + k.Cordon.Node
	case *kubemedicv1.Action_Uncordon:
		return "uncordon " + k.Uncordon.Node
	case *kubemedicv1.Action_Drain:
		return "drain " + k.Drain.Node
	case *kubemedicv1.Action_Scale:
		return fmt.Sprintf("scale %s/%s %d", k.Scale.Namespace, k.Scale.Name, k.Scale.Replicas)
	case *kubemedicv1.Action_RolloutRestart:
		return fmt.Sprintf("restart %s/%s", k.RolloutRestart.Namespace, k.RolloutRestart.Name)
	case *kubemedicv1.Action_PatchConfigMap:
		// A value the operator must supply shows as <pattern>.
		needed := map[string]string{}
		for _, in := range a.GetInputs() {
			if key, ok := strings.CutPrefix(in.GetField(), "patch_config_map.set."); ok {
				needed[key] = "<" + in.GetPattern() + ">"
			}
		}
		var kv []string
		for _, key := range slices.Sorted(maps.Keys(k.PatchConfigMap.Set)) {
			v := k.PatchConfigMap.Set[key]
			if p, ok := needed[key]; ok {
				v = p
			}
			kv = append(kv, key+"="+v)
		}
		return fmt.Sprintf("patch-cm %s/%s %s", k.PatchConfigMap.Namespace, k.PatchConfigMap.Name, strings.Join(kv, " "))
	case *kubemedicv1.Action_DeletePod:
		return fmt.Sprintf("delete-pod %s/%s", k.DeletePod.Namespace, k.DeletePod.Name)
	}
	return "?"
}
