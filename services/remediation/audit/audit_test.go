package audit_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/platform/embeddednats"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/remediation/audit"
)

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

// The trail is on file storage: it survives a NATS restart, filters by
// cluster and plan on the server, and pages.
func TestAuditSurvivesRestartAndFilters(t *testing.T) {
	dir := t.TempDir()
	ns, err := embeddednats.Start(embeddednats.Options{StoreDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	log, err := audit.Open(ctx, audit.Options{JetStream: connect(t, ns.URL())})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 7 {
		cluster := []string{"prod", "dev.eu"}[i%2]
		_, err := log.Append(ctx, &kubemedicv1.AuditRecord{
			Type: kubemedicv1.AuditEventType_AUDIT_EVENT_TYPE_PLANNED, Cluster: cluster,
			PlanId: fmt.Sprintf("p-%d", i%3), Message: fmt.Sprintf("record %d", i),
			Actor: &kubemedicv1.Identity{KubernetesUser: "alice@example.com"},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	ns.Stop()
	ns2, err := ns.Restart()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns2.Stop)
	log, err = audit.Open(ctx, audit.Options{JetStream: connect(t, ns2.URL())})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		req  *kubemedicv1.ListAuditRequest
		want []string
	}{
		{"all", &kubemedicv1.ListAuditRequest{}, []string{"record 0", "record 1", "record 2", "record 3", "record 4", "record 5", "record 6"}},
		{"cluster", &kubemedicv1.ListAuditRequest{Cluster: "dev.eu"}, []string{"record 1", "record 3", "record 5"}},
		{"plan", &kubemedicv1.ListAuditRequest{PlanId: "p-0"}, []string{"record 0", "record 3", "record 6"}},
		{"cluster and plan", &kubemedicv1.ListAuditRequest{Cluster: "prod", PlanId: "p-0"}, []string{"record 0", "record 6"}},
		{"nothing", &kubemedicv1.ListAuditRequest{Cluster: "nope"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			resp, err := log.List(ctx, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("List took %s: it must not wait for messages that do not exist", d)
			}
			var got []string
			for _, r := range resp.GetRecords() {
				got = append(got, r.GetMessage())
				if r.GetSequence() == 0 || r.GetActor().GetKubernetesUser() != "alice@example.com" || r.GetTime() == nil {
					t.Errorf("record %v incomplete", r)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("records %v, want %v", got, tt.want)
			}
		})
	}

	// Paging: 3 + 3 + 1.
	var pages [][]string
	token := ""
	for {
		resp, err := log.List(ctx, &kubemedicv1.ListAuditRequest{PageSize: 3, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		var page []string
		for _, r := range resp.GetRecords() {
			page = append(page, r.GetMessage())
		}
		pages = append(pages, page)
		token = resp.GetNextPageToken()
		if token == "" {
			break
		}
		if len(pages) > 5 {
			t.Fatal("paging does not end")
		}
	}
	if fmt.Sprint(pages) != "[[record 0 record 1 record 2] [record 3 record 4 record 5] [record 6]]" {
		t.Errorf("pages %v", pages)
	}
	if _, err := log.List(ctx, &kubemedicv1.ListAuditRequest{PageToken: "banana"}); err != audit.ErrBadPageToken {
		t.Errorf("bad token: %v", err)
	}
}
