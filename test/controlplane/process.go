package controlplane

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// process is one running component. Each component leads its own process
// group so that Stop also ends anything it forked.
type process struct {
	Name string `json:"name"`
	PID  int    `json:"pid"`
	Bin  string `json:"bin"`
	Log  string `json:"log"`

	args     []string      // the command line, for a restart
	detached bool          // started in its own session
	cmd      *exec.Cmd     // nil for a process found through a state file
	done     chan struct{} // closed when cmd.Wait returns; nil when cmd is nil
	err      error         // cmd.Wait's result, valid after done is closed
}

// startProcess starts bin with args, logging stdout and stderr to
// <dir>/logs/<name>.log. A detached process gets its own session and outlives
// the caller; otherwise the kernel kills it when the caller dies (Pdeathsig).
func startProcess(dir, name, bin string, args []string, detached bool) (*process, error) {
	logPath := filepath.Join(dir, "logs", name+".log")
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return nil, fmt.Errorf("create log directory: %w", err)
	}
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log of %s: %w", name, err)
	}
	defer logFile.Close()

	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	if detached {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	} else {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s (%s): %w", name, bin, err)
	}
	p := &process{Name: name, PID: cmd.Process.Pid, Bin: bin, Log: logPath, args: args, detached: detached, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process is known to have ended, with its error.
func (p *process) exited() (bool, error) {
	if p.done == nil {
		return !p.alive(), nil
	}
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// alive reports whether the process still exists and is still the binary we
// started (a recycled PID is not ours to kill).
func (p *process) alive() bool {
	if p.done != nil {
		select {
		case <-p.done:
			return false
		default:
			return true
		}
	}
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", p.PID))
	if err != nil {
		return false
	}
	exe = strings.TrimSuffix(exe, " (deleted)")
	same, _ := sameFile(exe, p.Bin)
	if !same {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.PID))
	if err != nil {
		return false
	}
	// A zombie has state Z after the command name in parentheses.
	if i := bytes.LastIndexByte(stat, ')'); i > 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
		return false
	}
	return true
}

func sameFile(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}

// stop sends SIGTERM to the process group, waits up to grace, then SIGKILLs the
// group and waits for the process to be gone.
func (p *process) stop(grace time.Duration) error {
	if !p.alive() {
		p.killGroup(syscall.SIGKILL) // children left behind by a dead leader
		return nil
	}
	p.killGroup(syscall.SIGTERM)
	if p.wait(grace) {
		p.killGroup(syscall.SIGKILL)
		return nil
	}
	p.killGroup(syscall.SIGKILL)
	if !p.wait(10 * time.Second) {
		return fmt.Errorf("%s (pid %d) did not exit after SIGKILL", p.Name, p.PID)
	}
	return nil
}

func (p *process) killGroup(sig syscall.Signal) {
	// The process leads its group (Setpgid or Setsid), so -PID is the group.
	if err := syscall.Kill(-p.PID, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		_ = syscall.Kill(p.PID, sig)
	}
}

func (p *process) wait(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if !p.alive() {
			return true
		}
		if p.done != nil {
			select {
			case <-p.done:
				return true
			case <-time.After(50 * time.Millisecond):
			}
			continue
		}
		time.Sleep(50 * time.Millisecond)
	}
	return !p.alive()
}

// logTail returns the last n lines of the process log.
func (p *process) logTail(n int) string {
	return tail(p.Log, n)
}

func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// rssBytes is the resident memory of the process, from /proc.
func (p *process) rssBytes() (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.PID))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				break
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return 0, err
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", p.PID)
}
