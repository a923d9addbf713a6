package launch_test

import (
	"context"
	"errors"
	"io"
	"math"
	"os"
	"runtime/debug"
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

// TestGarbageCollectorSettings checks that runtime.gc_percent and
// runtime.memory_limit reach the Go runtime, and that the standard GOGC
// and GOMEMLIMIT environment variables win over them.
func TestGarbageCollectorSettings(t *testing.T) {
	prevPercent, prevLimit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(prevPercent); debug.SetMemoryLimit(prevLimit) })
	tests := []struct {
		name        string
		env         map[string]string
		runtime     config.Runtime
		wantPercent int
		wantLimit   int64
	}{
		{name: "config", runtime: config.Runtime{GCPercent: 250, MemoryLimit: 1 << 30}, wantPercent: 250, wantLimit: 1 << 30},
		{name: "default", wantPercent: 100, wantLimit: math.MaxInt64},
		{name: "environment wins", env: map[string]string{"GOGC": "50", "GOMEMLIMIT": "512MiB"}, runtime: config.Runtime{GCPercent: 250, MemoryLimit: 1 << 30}, wantPercent: 100, wantLimit: math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The runtime read GOGC and GOMEMLIMIT at start; here only
			// whether they are set matters, so the runtime keeps 100 and
			// no limit when they are.
			for _, k := range []string{"GOGC", "GOMEMLIMIT"} {
				if v, ok := tt.env[k]; ok {
					t.Setenv(k, v)
				} else if old, ok := os.LookupEnv(k); ok {
					t.Setenv(k, old) // restored after the test
					os.Unsetenv(k)
				}
			}
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(math.MaxInt64)
			env := map[string]string{"KUBEMEDIC_ADMIN_ADDR": "off", "KUBEMEDIC_DATA_DIR": t.TempDir()}
			cfg, err := config.LoadWithEnv("", func(k string) (string, bool) { v, ok := env[k]; return v, ok })
			if err != nil {
				t.Fatal(err)
			}
			if tt.runtime != (config.Runtime{}) {
				cfg.Runtime = tt.runtime
			}
			if _, err := launch.New(context.Background(), "test", cfg, io.Discard); err != nil {
				t.Fatal(err)
			}
			percent := debug.SetGCPercent(100)
			if limit := debug.SetMemoryLimit(-1); percent != tt.wantPercent || limit != tt.wantLimit {
				t.Errorf("GC percent %d, memory limit %d; want %d, %d", percent, limit, tt.wantPercent, tt.wantLimit)
			}
		})
	}
}
