package findings_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/platform/embeddednats"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis"
	"github.com/kubemedic/kubemedic/services/findings"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func finding(cluster, ns, name, code, title string, sev kubemedicv1.Severity) *kubemedicv1.Finding {
	f := &kubemedicv1.Finding{
		Object:   &kubemedicv1.ObjectRef{Cluster: cluster, Kind: "Pod", Namespace: ns, Name: name},
		Code:     code,
		Severity: sev,
		Title:    &kubemedicv1.LocalizedText{Ko: title, En: title},
	}
	f.Fingerprint = diagnosis.FingerprintOf(f)
	return f
}

func connect(t *testing.T, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

func all(*kubemedicv1.Finding) bool { return true }

func changes(evs []*findings.Event) map[string]kubemedicv1.FindingChange {
	out := map[string]kubemedicv1.FindingChange{}
	for _, e := range evs {
		out[e.GetFinding().GetObject().GetName()+"/"+e.GetFinding().GetCode()] = e.GetChange()
	}
	return out
}

// TestLifecycle walks findings through opened, unchanged, updated and
// resolved, checks first/last seen, the cover, and that changes are
// published for watchers.
func TestLifecycle(t *testing.T) {
	ns, err := embeddednats.Start(embeddednats.Options{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Stop)
	js := connect(t, ns.URL())
	ctx := t.Context()
	l, err := findings.Open(ctx, findings.Options{JetStream: js, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *findings.Event, 16)
	stop, err := findings.Watch(ctx, js, "prod", quiet, func(e *findings.Event) { got <- e })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	a := finding("prod", "shop", "web-1", "PodUnschedulable", "CPU 부족", kubemedicv1.Severity_SEVERITY_ERROR)
	b := finding("prod", "shop", "api-1", "CrashLoopBackOff", "재시작 반복", kubemedicv1.Severity_SEVERITY_ERROR)
	other := finding("staging", "shop", "web-1", "PodUnschedulable", "CPU 부족", kubemedicv1.Severity_SEVERITY_ERROR)

	evs, err := l.Apply(ctx, "prod", []*kubemedicv1.Finding{a, b}, all, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Apply(ctx, "staging", []*kubemedicv1.Finding{other}, all, t0); err != nil {
		t.Fatal(err)
	}
	want := map[string]kubemedicv1.FindingChange{
		"web-1/PodUnschedulable": kubemedicv1.FindingChange_FINDING_CHANGE_OPENED,
		"api-1/CrashLoopBackOff": kubemedicv1.FindingChange_FINDING_CHANGE_OPENED,
	}
	if c := changes(evs); len(c) != 2 || c["web-1/PodUnschedulable"] != want["web-1/PodUnschedulable"] || c["api-1/CrashLoopBackOff"] != want["api-1/CrashLoopBackOff"] {
		t.Fatalf("first apply: %v, want %v", c, want)
	}

	// Same content later: no event, last_seen moves, first_seen stays.
	t1 := t0.Add(30 * time.Second)
	evs, err = l.Apply(ctx, "prod", []*kubemedicv1.Finding{a, b}, all, t1)
	if err != nil || len(evs) != 0 {
		t.Fatalf("unchanged apply: %v events, err %v", changes(evs), err)
	}
	// Changed title on a, b gone but outside the cover (another namespace
	// was analysed): a updated, b stays open.
	a2 := finding("prod", "shop", "web-1", "PodUnschedulable", "CPU 부족: 요청 2", kubemedicv1.Severity_SEVERITY_ERROR)
	t2 := t1.Add(30 * time.Second)
	onlyWeb := func(f *kubemedicv1.Finding) bool { return f.GetObject().GetName() == "web-1" }
	evs, err = l.Apply(ctx, "prod", []*kubemedicv1.Finding{a2}, onlyWeb, t2)
	if err != nil {
		t.Fatal(err)
	}
	if c := changes(evs); len(c) != 1 || c["web-1/PodUnschedulable"] != kubemedicv1.FindingChange_FINDING_CHANGE_UPDATED {
		t.Fatalf("narrow apply: %v, want only web-1 updated", c)
	}
	if u := evs[0].GetFinding(); !u.GetFirstSeen().AsTime().Equal(t0) || !u.GetLastSeen().AsTime().Equal(t2) {
		t.Errorf("updated finding first/last seen %v/%v, want %v/%v", u.GetFirstSeen().AsTime(), u.GetLastSeen().AsTime(), t0, t2)
	}
	if n := len(l.List(findings.Filter{Cluster: "prod"})); n != 2 {
		t.Fatalf("prod has %d open findings, want 2 (api-1 was outside the cover)", n)
	}
	// Whole-cluster analysis without b: b resolved; staging untouched.
	evs, err = l.Apply(ctx, "prod", []*kubemedicv1.Finding{a2}, all, t2.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if c := changes(evs); len(c) != 1 || c["api-1/CrashLoopBackOff"] != kubemedicv1.FindingChange_FINDING_CHANGE_RESOLVED {
		t.Fatalf("full apply: %v, want only api-1 resolved", c)
	}
	if n := len(l.List(findings.Filter{Cluster: "staging"})); n != 1 {
		t.Errorf("staging has %d open findings, want 1", n)
	}

	// Watchers of prod saw exactly: opened, opened, updated, resolved.
	var seq []kubemedicv1.FindingChange
	timeout := time.After(5 * time.Second)
	for len(seq) < 4 {
		select {
		case e := <-got:
			if e.GetFinding().GetObject().GetCluster() != "prod" {
				t.Fatalf("watch of prod got a finding of %s", e.GetFinding().GetObject().GetCluster())
			}
			seq = append(seq, e.GetChange())
		case <-timeout:
			t.Fatalf("watch got %v, want 4 changes", seq)
		}
	}
	wantSeq := []kubemedicv1.FindingChange{
		kubemedicv1.FindingChange_FINDING_CHANGE_OPENED, kubemedicv1.FindingChange_FINDING_CHANGE_OPENED,
		kubemedicv1.FindingChange_FINDING_CHANGE_UPDATED, kubemedicv1.FindingChange_FINDING_CHANGE_RESOLVED,
	}
	for i := range wantSeq {
		if seq[i] != wantSeq[i] {
			t.Fatalf("watch sequence %v, want %v", seq, wantSeq)
		}
	}
}

// TestSurvivesRestart stops the NATS server, starts it again on the same
// store directory, and finds the open findings with their first_seen; a
// later analysis without them resolves them.
func TestSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ns, err := embeddednats.Start(embeddednats.Options{StoreDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	l, err := findings.Open(ctx, findings.Options{JetStream: connect(t, ns.URL()), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	a := finding("prod", "shop", "web-1", "PodUnschedulable", "CPU 부족", kubemedicv1.Severity_SEVERITY_ERROR)
	b := finding("prod", "", "node-1", "NodeNotReady", "노드 NotReady", kubemedicv1.Severity_SEVERITY_CRITICAL)
	if _, err := l.Apply(ctx, "prod", []*kubemedicv1.Finding{a, b}, all, t0); err != nil {
		t.Fatal(err)
	}
	ns.Stop()

	ns2, err := ns.Restart()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns2.Stop)
	l2, err := findings.Open(ctx, findings.Options{JetStream: connect(t, ns2.URL()), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	got := l2.List(findings.Filter{})
	if len(got) != 2 {
		t.Fatalf("after restart %d open findings, want 2", len(got))
	}
	if got[0].GetCode() != "NodeNotReady" || got[0].GetFingerprint() != b.GetFingerprint() {
		t.Errorf("most severe first: got %s %s", got[0].GetCode(), got[0].GetFingerprint())
	}
	for _, f := range got {
		if !f.GetFirstSeen().AsTime().Equal(t0) {
			t.Errorf("%s first_seen %v after restart, want %v", f.GetCode(), f.GetFirstSeen().AsTime(), t0)
		}
	}
	evs, err := l2.Apply(ctx, "prod", []*kubemedicv1.Finding{a}, all, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if c := changes(evs); len(c) != 1 || c["node-1/NodeNotReady"] != kubemedicv1.FindingChange_FINDING_CHANGE_RESOLVED {
		t.Fatalf("after restart: %v, want node-1 resolved and web-1 unchanged", c)
	}
	// The resolution is stored too: a third ledger sees one finding.
	l3, err := findings.Open(context.Background(), findings.Options{JetStream: connect(t, ns2.URL()), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if n := l3.Len(); n != 1 {
		t.Errorf("reopened ledger has %d findings, want 1", n)
	}
}

func TestFilter(t *testing.T) {
	f := finding("prod", "shop", "web-1", "PodUnschedulable", "x", kubemedicv1.Severity_SEVERITY_WARNING)
	for _, tc := range []struct {
		name string
		fl   findings.Filter
		want bool
	}{
		{"zero", findings.Filter{}, true},
		{"cluster", findings.Filter{Cluster: "prod"}, true},
		{"other cluster", findings.Filter{Cluster: "dev"}, false},
		{"namespace", findings.Filter{Namespaces: []string{"a", "shop"}}, true},
		{"other namespace", findings.Filter{Namespaces: []string{"a"}}, false},
		{"kind", findings.Filter{Kinds: []string{"Pod"}}, true},
		{"other kind", findings.Filter{Kinds: []string{"Node"}}, false},
		{"code", findings.Filter{Codes: []string{"PodUnschedulable"}}, true},
		{"other code", findings.Filter{Codes: []string{"OOMKilled"}}, false},
		{"severity at", findings.Filter{MinSeverity: kubemedicv1.Severity_SEVERITY_WARNING}, true},
		{"severity above", findings.Filter{MinSeverity: kubemedicv1.Severity_SEVERITY_ERROR}, false},
		{"object", findings.Filter{Objects: []*kubemedicv1.ObjectRef{{Kind: "Pod", Namespace: "shop", Name: "web-1"}}}, true},
		{"other object", findings.Filter{Objects: []*kubemedicv1.ObjectRef{{Kind: "Pod", Namespace: "other", Name: "web-1"}}}, false},
	} {
		if got := tc.fl.Match(f); got != tc.want {
			t.Errorf("%s: Match = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestMirrorAndHandover runs two ledgers on one bucket as two replicas do:
// the reader's mirror follows the writer's changes (Sync makes it current),
// and after a handover (Release, Adopt) the new writer continues from the
// old writer's state: no finding opened twice, the old one resolved.
func TestMirrorAndHandover(t *testing.T) {
	ns, err := embeddednats.Start(embeddednats.Options{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Stop)
	ctx := t.Context()
	open := func() *findings.Ledger {
		l, err := findings.Open(ctx, findings.Options{JetStream: connect(t, ns.URL()), Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(l.Close)
		return l
	}
	a, b := open(), open()
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	web := finding("prod", "shop", "web-1", "PodUnschedulable", "CPU 부족", kubemedicv1.Severity_SEVERITY_ERROR)
	api := finding("prod", "shop", "api-1", "CrashLoopBackOff", "재시작 반복", kubemedicv1.Severity_SEVERITY_ERROR)
	db := finding("prod", "shop", "db-0", "OOMKilled", "메모리 부족", kubemedicv1.Severity_SEVERITY_ERROR)

	if err := a.Adopt(ctx, "prod"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Apply(ctx, "prod", []*kubemedicv1.Finding{web, api}, all, t0); err != nil {
		t.Fatal(err)
	}
	if err := b.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := b.List(findings.Filter{Cluster: "prod"}); len(got) != 2 {
		t.Fatalf("reader after Sync lists %d findings, want 2", len(got))
	}
	// api resolves on the writer; the reader follows.
	if _, err := a.Apply(ctx, "prod", []*kubemedicv1.Finding{web}, all, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := b.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := b.List(findings.Filter{Cluster: "prod"}); len(got) != 1 || got[0].GetObject().GetName() != "web-1" {
		t.Fatalf("reader after the resolve lists %v, want only web-1", got)
	}

	// a's last application is cut short (its lease ended its context): in
	// its memory ghost opened and web resolved, in the bucket neither.
	ghost := finding("prod", "shop", "ghost-1", "OOMKilled", "메모리 부족", kubemedicv1.Severity_SEVERITY_ERROR)
	cut, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := a.Apply(cut, "prod", []*kubemedicv1.Finding{ghost}, all, t0.Add(1500*time.Millisecond)); err == nil {
		t.Fatal("an application with its context ended stored everything")
	}
	// Handover: a reads the cluster from the bucket again (no ghost, web
	// back); b writes from now on; web is still there, db is new.
	if err := a.Release(ctx, "prod"); err != nil {
		t.Fatal(err)
	}
	if got := a.List(findings.Filter{Cluster: "prod"}); len(got) != 1 || got[0].GetObject().GetName() != "web-1" {
		t.Fatalf("after Release the old writer lists %v, want web-1 as stored", got)
	}
	if err := b.Adopt(ctx, "prod"); err != nil {
		t.Fatal(err)
	}
	evs, err := b.Apply(ctx, "prod", []*kubemedicv1.Finding{web, db}, all, t0.Add(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if c := changes(evs); len(c) != 1 || c["db-0/OOMKilled"] != kubemedicv1.FindingChange_FINDING_CHANGE_OPENED {
		t.Fatalf("new writer's first apply: %v, want only db-0 opened", c)
	}
	evs, err = b.Apply(ctx, "prod", []*kubemedicv1.Finding{db}, all, t0.Add(3*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if c := changes(evs); len(c) != 1 || c["web-1/PodUnschedulable"] != kubemedicv1.FindingChange_FINDING_CHANGE_RESOLVED {
		t.Fatalf("new writer resolving web-1: %v", c)
	}
	if err := a.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	got := a.List(findings.Filter{Cluster: "prod"})
	if len(got) != 1 || got[0].GetObject().GetName() != "db-0" || !got[0].GetFirstSeen().AsTime().Equal(t0.Add(2*time.Second)) {
		t.Fatalf("old writer, now a reader, lists %v; want db-0 first seen %v", got, t0.Add(2*time.Second))
	}
}
