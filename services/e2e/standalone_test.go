// Package e2e holds end-to-end tests that run kubemedic's real binaries as
// separate processes.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/kubemedic/kubemedic/platform/embeddednats"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/asklog"
	"github.com/kubemedic/kubemedic/services/fleet/natstest"
)

// build compiles the named packages into dir once per test binary.
func build(t *testing.T, dir string, pkgs ...string) {
	t.Helper()
	args := append([]string{"build", "-o", dir + string(os.PathSeparator)}, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// syncBuffer collects a process's output safely.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs a binary with env; on cleanup it sends SIGTERM and requires a
// clean exit within 15 s (graceful shutdown).
func start(t *testing.T, bin string, args []string, env ...string) *syncBuffer {
	t.Helper()
	out := &syncBuffer{}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s exited badly after SIGTERM: %v\n%s", filepath.Base(bin), err, out)
			}
			if !strings.Contains(out.String(), "shutting down") {
				t.Errorf("%s did not log a graceful shutdown:\n%s", filepath.Base(bin), out)
			}
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("%s did not stop within 15s of SIGTERM\n%s", filepath.Base(bin), out)
		}
	})
	return out
}

// TestStandaloneServicesSurviveNATSRestart runs the analyzer and the gateway
// as separate processes against an external NATS server, kills NATS under
// them, and checks that calls fail fast with Unavailable and succeed again
// once NATS is back.
func TestStandaloneServicesSurviveNATSRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs binaries")
	}
	bin := t.TempDir()
	build(t, bin, "github.com/kubemedic/kubemedic/services/cmd/analyzer", "github.com/kubemedic/kubemedic/gateway/cmd/gateway")

	ns, err := embeddednats.Start(embeddednats.Options{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	natsNow := ns
	t.Cleanup(func() { natsNow.Stop() })

	token := "standalone-test-token-0123456789abcdef"
	gwAddr := freeAddr(t)
	common := []string{"KUBEMEDIC_NATS_URL=" + ns.URL(), "KUBEMEDIC_DATA_DIR=" + t.TempDir(), "KUBEMEDIC_LOG_FORMAT=json"}
	cfgFile := filepath.Join(t.TempDir(), "gateway.yaml")
	if err := os.WriteFile(cfgFile, []byte("gateway:\n  tokens:\n    - name: e2e\n      env: E2E_TOKEN\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	analyzerLog := start(t, filepath.Join(bin, "analyzer"), nil, append(common, "KUBEMEDIC_ADMIN_ADDR="+freeAddr(t))...)
	gatewayLog := start(t, filepath.Join(bin, "gateway"), []string{"--config", cfgFile},
		append(common, "KUBEMEDIC_ADMIN_ADDR="+freeAddr(t), "KUBEMEDIC_GATEWAY_ADDR="+gwAddr, "E2E_TOKEN="+token)...)

	conn, err := grpc.NewClient(gwAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := kubemedicv1.NewKnowledgeServiceClient(conn)
	ask := func(timeout time.Duration) error {
		ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token), timeout)
		defer cancel()
		resp, err := client.Ask(ctx, &kubemedicv1.AskRequest{Question: "크래시 나서 재시작된 컨테이너의 이전 로그를 보고 싶어요"})
		if err == nil && (resp.GetNoAnswer() || !strings.Contains(resp.GetAnswers()[0].GetBody(), "--previous")) {
			return fmt.Errorf("wrong answer: %v", resp)
		}
		return err
	}
	waitFor(t, 60*time.Second, func() error { return ask(5 * time.Second) }, gatewayLog)
	checkAskLog(t, conn, token, ns.URL())

	ns.Stop()
	startOutage := time.Now()
	err = ask(20 * time.Second)
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("during the outage: %v, want Unavailable", err)
	}
	if d := time.Since(startOutage); d > 5*time.Second {
		t.Errorf("the call during the outage took %s instead of failing fast", d)
	}

	natsNow, err = ns.Restart()
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, func() error { return ask(5 * time.Second) }, gatewayLog)
	if !strings.Contains(analyzerLog.String(), "nats reconnected") {
		t.Errorf("analyzer did not log a reconnect:\n%s", analyzerLog)
	}
}

// checkAskLog: the standalone analyzer keeps the ask log as the all-in-one
// server does. An Ask gets a record id, a rating of it is stored (not
// refused because the log is off), and both reach the KUBEMEDIC_ASKS
// stream that `kubemedic kb gaps` reads.
func checkAskLog(t *testing.T, conn *grpc.ClientConn, token, natsURL string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token), 10*time.Second)
	defer cancel()
	client := kubemedicv1.NewKnowledgeServiceClient(conn)
	resp, err := client.Ask(ctx, &kubemedicv1.AskRequest{Question: "노드를 안전하게 drain 하려면 어떻게 해야 하나요?"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetAskId() == "" || len(resp.GetAnswers()) == 0 {
		t.Fatalf("Ask through the standalone analyzer: ask_id %q, %d answers; want a recorded ask with an answer", resp.GetAskId(), len(resp.GetAnswers()))
	}
	if _, err := client.RecordFeedback(ctx, &kubemedicv1.RecordFeedbackRequest{AskId: resp.GetAskId(), EntryId: resp.GetAnswers()[0].GetEntryId(), Helpful: false}); err != nil {
		t.Fatalf("RecordFeedback: %v", err)
	}
	_, js := natstest.Connect(t, natsURL)
	for _, subject := range []string{asklog.AskSubject, asklog.FeedbackSubject} {
		waitFor(t, 10*time.Second, func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			st, err := js.Stream(ctx, asklog.StreamName)
			if err != nil {
				return err
			}
			info, err := st.Info(ctx, jetstream.WithSubjectFilter(subject))
			if err != nil {
				return err
			}
			if info.State.Subjects[subject] == 0 {
				return fmt.Errorf("no message on %s in %s yet", subject, asklog.StreamName)
			}
			return nil
		}, &syncBuffer{})
	}
}

func waitFor(t *testing.T, limit time.Duration, f func() error, log *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready after %s: %v\n%s", limit, err, log)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
