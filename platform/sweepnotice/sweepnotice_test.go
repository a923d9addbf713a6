package sweepnotice

import (
	"fmt"
	"strings"
	"testing"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

func pod(cluster, name string) *kubemedicv1.Finding {
	return &kubemedicv1.Finding{
		Fingerprint: cluster + "/" + name,
		Object:      &kubemedicv1.ObjectRef{Cluster: cluster, Kind: "Pod", Namespace: "shop", Name: name},
		Code:        "CrashLoopBackOff",
		Severity:    kubemedicv1.Severity_SEVERITY_ERROR,
		Title:       &kubemedicv1.LocalizedText{Ko: "컨테이너가 반복해서 종료됩니다", En: "container keeps crashing"},
	}
}

func TestFromSweep(t *testing.T) {
	many := make([]*kubemedicv1.Finding, 60)
	for i := range many {
		many[i] = pod("a", fmt.Sprintf("p%02d", i))
	}
	tests := []struct {
		name        string
		sweep       *kubemedicv1.Sweep
		changed     bool
		summaryKo   string
		summaryEn   string
		details     int
		firstDetail string
		lastDetail  string
	}{
		{
			name: "nothing changed",
			sweep: &kubemedicv1.Sweep{Id: "s1", Selector: "env=prod",
				Clusters:          []*kubemedicv1.SweepProgress{{Cluster: "a", Done: true}},
				StillOpenFindings: []*kubemedicv1.Finding{pod("a", "web")}},
			summaryKo: "클러스터 점검 s1 (`env=prod`, 1개): 새 문제 0, 해결 0, 계속 1, 연결 실패 0",
			summaryEn: "Sweep s1 (`env=prod`, 1 clusters): 0 new, 0 resolved, 1 still open, 0 unreachable",
		},
		{
			name: "unreachable first, then new, then resolved",
			sweep: &kubemedicv1.Sweep{Id: "s2",
				Clusters:         []*kubemedicv1.SweepProgress{{Cluster: "b", Done: true, Error: "connection refused"}, {Cluster: "a", Done: true}},
				NewFindings:      []*kubemedicv1.Finding{pod("a", "api")},
				ResolvedFindings: []*kubemedicv1.Finding{pod("a", "web")}},
			changed:     true,
			summaryKo:   "클러스터 점검 s2 (전체 클러스터, 2개): 새 문제 1, 해결 1, 계속 0, 연결 실패 1",
			summaryEn:   "Sweep s2 (all clusters, 2 clusters): 1 new, 1 resolved, 0 still open, 1 unreachable",
			details:     3,
			firstDetail: "unreachable b: connection refused",
			lastDetail:  "resolved a Pod shop/web: container keeps crashing",
		},
		{
			name:        "thread capped",
			sweep:       &kubemedicv1.Sweep{Id: "s3", Clusters: []*kubemedicv1.SweepProgress{{Cluster: "a", Done: true}}, NewFindings: many},
			changed:     true,
			summaryKo:   "새 문제 60",
			summaryEn:   "60 new",
			details:     maxDetails,
			firstDetail: "new [error] a Pod shop/p00: container keeps crashing",
			lastDetail:  "… 11 more: kubemedic sweep show s3",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := FromSweep("C1", tt.sweep)
			if n.Channel != "C1" || n.SweepID != tt.sweep.GetId() || n.Sweep != tt.sweep || n.Changed != tt.changed {
				t.Errorf("notice = %+v", n)
			}
			if !strings.Contains(n.Summary.Ko, tt.summaryKo) || !strings.Contains(n.Summary.En, tt.summaryEn) {
				t.Errorf("summary = %q / %q", n.Summary.Ko, n.Summary.En)
			}
			if len(n.Details) != tt.details {
				t.Fatalf("%d details, want %d", len(n.Details), tt.details)
			}
			if tt.details > 0 && (n.Details[0].En != tt.firstDetail || n.Details[len(n.Details)-1].En != tt.lastDetail) {
				t.Errorf("details first %q last %q", n.Details[0].En, n.Details[len(n.Details)-1].En)
			}
			for _, d := range n.Details {
				if d.Ko == "" || d.En == "" {
					t.Errorf("detail without both languages: %+v", d)
				}
			}
		})
	}
}
