package launch_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/launch"
)

func newProcess(t *testing.T) *launch.Process {
	t.Helper()
	env := map[string]string{"KUBEMEDIC_ADMIN_ADDR": "off", "KUBEMEDIC_DATA_DIR": t.TempDir()}
	cfg, err := config.LoadWithEnv("", func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	p, err := launch.New(context.Background(), "test", cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// waiter is a component that runs until its context ends.
func waiter(stopped chan<- string, name string) launch.Component {
	return launch.Component{Name: name, Run: func(ctx context.Context) error {
		<-ctx.Done()
		stopped <- name
		return ctx.Err()
	}}
}

func TestRunStopsEverythingWhenOneComponentFails(t *testing.T) {
	p := newProcess(t)
	stopped := make(chan string, 2)
	closed := make(chan struct{})
	p.OnClose(func() { close(closed) })
	p.Add(waiter(stopped, "a"), launch.Component{Name: "broken", Run: func(context.Context) error {
		return errors.New("port taken")
	}}, waiter(stopped, "b"))
	err := p.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "broken: port taken") {
		t.Fatalf("Run = %v, want the failing component's error", err)
	}
	for range 2 {
		select {
		case <-stopped:
		case <-time.After(time.Second):
			t.Fatal("a component kept running after another failed")
		}
	}
	select {
	case <-closed:
	default:
		t.Error("cleanups did not run")
	}
}

func TestRunStopsCleanlyWhenContextEnds(t *testing.T) {
	p := newProcess(t)
	stopped := make(chan string, 1)
	p.Add(waiter(stopped, "a"))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if err := p.Run(ctx); err != nil {
		t.Fatalf("Run = %v, want nil after a clean shutdown", err)
	}
	if got := <-stopped; got != "a" {
		t.Errorf("stopped %q", got)
	}
}
