package live

import (
	"context"
	"io"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubemedic/kubemedic/platform/config"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/allinone"
	"github.com/kubemedic/kubemedic/test/clustertest"
)

// TestThroughGateway runs `kubemedic serve` against the harness cluster and
// uses the generated grpc-go clients on the gateway, as a platform would:
// WatchFindings and Diagnose streams, ListFindings, ListClusters and a
// grounded Ask.
func TestThroughGateway(t *testing.T) {
	env := clustertest.Namespace(t)
	vars := map[string]string{
		"KUBEMEDIC_DATA_DIR":     t.TempDir(),
		"KUBEMEDIC_GATEWAY_ADDR": "127.0.0.1:0",
		"KUBEMEDIC_ADMIN_ADDR":   "off",
		"KUBEMEDIC_NATS_LISTEN":  "127.0.0.1:0",
		"KUBEMEDIC_LOG_LEVEL":    "warn",
		"KUBEMEDIC_KUBECONFIG":   env.Cluster.AdminKubeconfig,
	}
	cfg, err := config.LoadWithEnv("", func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := allinone.New(ctx, cfg, io.Discard)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("server did not stop within 30s")
		}
	})
	conn, err := grpc.NewClient(s.GatewayAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rpc, stop := context.WithTimeout(metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+s.Token), 2*time.Minute)
	defer stop()
	diag := kubemedicv1.NewDiagnosisServiceClient(conn)

	// The first Diagnose starts watching the default cluster.
	first, err := diag.Diagnose(rpc, &kubemedicv1.DiagnoseRequest{Namespaces: []string{env.Namespace}})
	if err != nil {
		t.Fatal(err)
	}
	for {
		m, err := first.Recv()
		if err != nil {
			t.Fatalf("first Diagnose: %v", err)
		}
		if m.GetSummary() != nil {
			break
		}
	}
	watch, err := diag.WatchFindings(rpc, &kubemedicv1.WatchFindingsRequest{Namespaces: []string{env.Namespace}})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // let the stream open on the bus
	if _, err := env.Client.CoreV1().Pods(env.Namespace).Create(t.Context(), hungryPod(env.Namespace, "web-1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for {
		e, err := watch.Recv()
		if err != nil {
			t.Fatalf("WatchFindings: %v", err)
		}
		if e.GetChange() == kubemedicv1.FindingChange_FINDING_CHANGE_OPENED && e.GetFinding().GetObject().GetName() == "web-1" {
			if e.GetFinding().GetCode() != "PodUnschedulable" {
				t.Errorf("opened %s, want PodUnschedulable", e.GetFinding().GetCode())
			}
			break
		}
	}

	stream, err := diag.Diagnose(rpc, &kubemedicv1.DiagnoseRequest{Namespaces: []string{env.Namespace}, MinSeverity: kubemedicv1.Severity_SEVERITY_WARNING})
	if err != nil {
		t.Fatal(err)
	}
	var fs []*kubemedicv1.Finding
	var sum *kubemedicv1.DiagnoseSummary
	for sum == nil {
		m, err := stream.Recv()
		if err != nil {
			t.Fatalf("Diagnose: %v", err)
		}
		if f := m.GetFinding(); f != nil {
			fs = append(fs, f)
		}
		sum = m.GetSummary()
	}
	if got := codesOf(fs); len(got) != 1 || got["Pod/web-1"] != "PodUnschedulable" || sum.GetFindings() != 1 || sum.GetObjectsExamined() == 0 {
		t.Errorf("Diagnose through the gateway: %v, summary %v", got, sum)
	}

	list, err := diag.ListFindings(rpc, &kubemedicv1.ListFindingsRequest{Namespaces: []string{env.Namespace}, Codes: []string{"PodUnschedulable"}})
	if err != nil || len(list.GetFindings()) != 1 || list.GetFindings()[0].GetFingerprint() != fs[0].GetFingerprint() {
		t.Errorf("ListFindings: %v, %v", list.GetFindings(), err)
	}
	clusters, err := kubemedicv1.NewFleetServiceClient(conn).ListClusters(rpc, &kubemedicv1.ListClustersRequest{})
	if err != nil || len(clusters.GetClusters()) != 1 || clusters.GetClusters()[0].GetWatch().GetState() != kubemedicv1.WatchState_WATCH_STATE_SYNCED {
		t.Errorf("ListClusters: %v, %v", clusters.GetClusters(), err)
	}
	ans, err := kubemedicv1.NewKnowledgeServiceClient(conn).Ask(rpc, &kubemedicv1.AskRequest{Question: "web-1 파드가 왜 Pending이죠?"})
	if err != nil || len(ans.GetFindings()) != 1 || ans.GetFindings()[0].GetCode() != "PodUnschedulable" {
		t.Errorf("grounded Ask through the gateway: findings %v, %v", codesOf(ans.GetFindings()), err)
	}
	if _, err := diag.ListFindings(rpc, &kubemedicv1.ListFindingsRequest{Codes: []string{"NoSuchCode"}}); err == nil {
		t.Error("ListFindings with an unknown code succeeded")
	}
}
