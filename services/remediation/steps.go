package remediation

import (
	"sync"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// stepLog batches execution steps. Actions report steps from many
// goroutines at once (a drain evicts pods in parallel); storing each with
// its own compare-and-set and audit acknowledgement inside the callback
// would slow the action itself down. Steps are queued and written by one
// goroutine, as fast as the store takes them, in order.
type stepLog struct {
	mu      sync.Mutex
	pending []*kubemedicv1.ExecutionStep
	wake    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
	flush   func([]*kubemedicv1.ExecutionStep)
}

func newStepLog(flush func([]*kubemedicv1.ExecutionStep)) *stepLog {
	l := &stepLog{wake: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{}), flush: flush}
	go l.loop()
	return l
}

// add queues a step; it never blocks on the store.
func (l *stepLog) add(s *kubemedicv1.ExecutionStep) {
	l.mu.Lock()
	l.pending = append(l.pending, s)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *stepLog) take() []*kubemedicv1.ExecutionStep {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.pending
	l.pending = nil
	return out
}

func (l *stepLog) loop() {
	defer close(l.stopped)
	for {
		select {
		case <-l.wake:
			if steps := l.take(); len(steps) > 0 {
				l.flush(steps)
			}
		case <-l.stop:
			if steps := l.take(); len(steps) > 0 {
				l.flush(steps)
			}
			return
		}
	}
}

// close writes what is queued and stops.
func (l *stepLog) close() {
	close(l.stop)
	<-l.stopped
}
