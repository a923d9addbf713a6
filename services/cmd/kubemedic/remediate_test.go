package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/kubemedic/kubemedic/platform/config"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/allinone"
	"github.com/kubemedic/kubemedic/test/clustertest"
	"github.com/kubemedic/kubemedic/test/controlplane"
)

func TestMain(m *testing.M) { clustertest.Main(m) }

func TestBuildAction(t *testing.T) {
	tests := []struct {
		args    []string
		opts    planOptions
		want    string // protojson-ish check: a substring of the action's text form
		wantErr string
	}{
		{args: []string{"cordon", "node-1"}, want: `cordon:{node:"node-1"}`},
		{args: []string{"drain", "node-1"}, opts: planOptions{timeout: time.Minute, gracePeriod: -1, deleteEmptyDirData: true}, want: `delete_emptydir_data:true`},
		{args: []string{"scale", "default/web", "3"}, want: `scale:{namespace:"default" name:"web" replicas:3}`},
		{args: []string{"scale", "default/web", "0"}, want: `scale:{namespace:"default" name:"web"}`},
		{args: []string{"patch-cm", "kube-system/ncloud-config", "lbSubnetNo=94465"}, want: `set:{key:"lbSubnetNo" value:"94465"}`},
		{args: []string{"restart", "shop/api"}, opts: planOptions{kind: "StatefulSet"}, want: `kind:"StatefulSet"`},
		{args: []string{"delete-pod", "default/web-1"}, want: `delete_pod:{namespace:"default" name:"web-1"}`},
		{args: []string{"scale", "web", "3"}, wantErr: "namespace/name"},
		{args: []string{"scale", "default/web", "-1"}, wantErr: "0 이상"},
		{args: []string{"scale", "default/web"}, wantErr: "usage"},
		{args: []string{"patch-cm", "default/cm", "novalue"}, wantErr: "key=value"},
		{args: []string{"patch-cm", "default/cm", "a=1", "a=2"}, wantErr: "twice"},
		{args: []string{"reboot", "node-1"}, wantErr: "unknown action"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			if tt.opts.gracePeriod == 0 {
				tt.opts.gracePeriod = -1
			}
			a, err := buildAction(tt.args, tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(strings.Fields(a.String()), " "); !strings.Contains(got, tt.want) {
				t.Errorf("action %s lacks %s", got, tt.want)
			}
		})
	}
}

// The CLI drives plan → approve → execute → undo → audit through a real
// all-in-one server (gateway, NATS, remediation) against a real cluster.
func TestRemediationCommands(t *testing.T) {
	env := clustertest.Namespace(t)
	node := env.AddNode(t, "cli", controlplane.NodeOptions{})
	err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		n, err := env.Client.CoreV1().Nodes().Get(ctx, node.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "config.yaml")
	yaml := `data_dir: ` + dir + `
gateway: {addr: "127.0.0.1:0"}
admin: {addr: "off"}
nats: {listen: "127.0.0.1:0"}
log: {level: error}
clusters:
  - name: default
    kubeconfig: ` + env.Cluster.AdminKubeconfig + `
remediation:
  local_admin: {kubernetes_user: cli-tester, kubernetes_groups: ["system:masters"]}
  limits: {max_cordoned_nodes: 50, max_cordoned_percent: 90}
`
	if err := os.WriteFile(cfgFile, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadWithEnv(cfgFile, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := allinone.New(ctx, cfg, io.Discard)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	cli := func(args ...string) string {
		t.Helper()
		out, errOut, err := run(t, newRootCommand, "", append(args, "--data-dir", dir)...)
		if err != nil {
			t.Fatalf("kubemedic %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
		}
		return out
	}
	var plan struct {
		ID, Hash, State string
		Requester       struct{ KubernetesUser string }
	}
	if err := json.Unmarshal([]byte(cli("plan", "cordon", node.Name, "--json")), &plan); err != nil {
		t.Fatal(err)
	}
	if plan.ID == "" || plan.Hash == "" || plan.State != "PLAN_STATE_PENDING_APPROVAL" || plan.Requester.KubernetesUser != "cli-tester" {
		t.Fatalf("plan %+v", plan)
	}
	// Human output is Korean first and says how to approve.
	human := cli("plan", "uncordon", node.Name)
	if !strings.Contains(human, "가드 (guards)") || !strings.Contains(human, "✗ node-state") {
		t.Errorf("human plan output:\n%s", human)
	}
	if out, _, err := run(t, newRootCommand, "", "approve", plan.ID, "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "--hash") {
		t.Errorf("approve without --hash: %v %s", err, out)
	}
	if out := cli("approve", plan.ID, "--hash", plan.Hash); !strings.Contains(out, "승인됨") {
		t.Errorf("approve output:\n%s", out)
	}
	out := cli("execute", plan.ID)
	if !strings.Contains(out, "성공 (succeeded)") || !strings.Contains(out, "kubemedic undo x-") {
		t.Fatalf("execute output:\n%s", out)
	}
	if n, _ := env.Client.CoreV1().Nodes().Get(t.Context(), node.Name, metav1.GetOptions{}); !n.Spec.Unschedulable {
		t.Fatal("node not cordoned")
	}
	execID := out[strings.Index(out, "kubemedic undo ")+len("kubemedic undo "):]
	execID = strings.TrimSpace(execID)
	var undo struct{ ID, UndoOf string }
	if err := json.Unmarshal([]byte(cli("undo", execID, "--json")), &undo); err != nil || undo.UndoOf != execID || undo.ID == "" {
		t.Fatalf("undo plan %+v (%v)", undo, err)
	}
	var raw struct {
		Records []struct {
			Type, PlanID, Message string
		}
	}
	if err := json.Unmarshal([]byte(cli("audit", "--json", "--plan", plan.ID)), &raw); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, r := range raw.Records {
		types = append(types, r.Type)
	}
	for _, want := range []string{"AUDIT_EVENT_TYPE_PLANNED", "AUDIT_EVENT_TYPE_APPROVED", "AUDIT_EVENT_TYPE_EXECUTION_STARTED", "AUDIT_EVENT_TYPE_EXECUTION_FINISHED"} {
		if !strings.Contains(strings.Join(types, " "), want) {
			t.Errorf("audit lacks %s: %v", want, types)
		}
	}
	if out := cli("audit"); !strings.Contains(out, "SEQ") || !strings.Contains(out, plan.ID) {
		t.Errorf("human audit:\n%s", out)
	}
}

func TestPrintStepsProgressBar(t *testing.T) {
	e := &kubemedicv1.Execution{}
	for i := 1; i <= 4; i++ {
		e.Steps = append(e.Steps, &kubemedicv1.ExecutionStep{Message: &kubemedicv1.LocalizedText{
			Ko: fmt.Sprintf("파드 축출 완료 (%d/4)", i), En: fmt.Sprintf("evicted pod ns/p%d (%d/4)", i, i)}})
	}
	e.Steps = append(e.Steps, &kubemedicv1.ExecutionStep{Message: &kubemedicv1.LocalizedText{Ko: "드레인 완료", En: "drained"}})
	var tty, plain strings.Builder
	printSteps(&tty, e, 0, true)
	printSteps(&plain, e, 0, false)
	if !strings.Contains(tty.String(), "\r  [###############---------------] 2/4") || !strings.Contains(tty.String(), "[##############################] 4/4\n") {
		t.Errorf("terminal output %q", tty.String())
	}
	if strings.Count(plain.String(), "\n") != 5 || strings.Contains(plain.String(), "#") || !strings.Contains(plain.String(), "파드 축출 완료 (3/4)") {
		t.Errorf("plain output %q", plain.String())
	}
}
