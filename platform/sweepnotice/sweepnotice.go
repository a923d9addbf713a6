// Package sweepnotice is what a finished fleet sweep says in chat: one short
// summary of what changed since the previous sweep, and details meant for the
// summary's thread. The sweep service builds a Notice from the finished
// kubemedicv1.Sweep and hands it to a Notifier; the Slack bot implements
// Notifier and renders the Notice (summary as the channel message, each
// detail as a reply in its thread). The package lives in platform so both
// sides can import it without Kubernetes dependencies.
package sweepnotice

import (
	"context"
	"fmt"
	"sort"
	"strings"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// Notifier posts a Notice. Implementations must be safe for concurrent use
// and should return promptly; the sweep is already stored when it is called.
type Notifier interface {
	NotifySweep(ctx context.Context, n Notice) error
}

// Text is one user-facing text in Korean and English.
type Text struct {
	Ko string
	En string
}

// Notice is one finished sweep, ready to post.
type Notice struct {
	// Channel is the configured channel (fleet.slack_channel).
	Channel string
	// SweepID identifies the sweep (for `kubemedic sweep show <id>`).
	SweepID string
	// Changed is false when nothing changed since the previous sweep (no new
	// or resolved finding, every cluster reachable): a renderer may post it
	// quietly or not at all.
	Changed bool
	// Summary is one short line: how many clusters, new/resolved findings,
	// unreachable clusters.
	Summary Text
	// Details are the thread replies: unreachable clusters with the reason,
	// then new findings, then resolved findings, one per entry.
	Details []Text
	// Sweep is the full sweep for renderers that want more.
	Sweep *kubemedicv1.Sweep
}

// maxDetails caps the thread so a broken fleet does not flood it; the last
// detail then says how many were left out.
const maxDetails = 50

// FromSweep builds the Notice of a finished sweep.
func FromSweep(channel string, s *kubemedicv1.Sweep) Notice {
	n := Notice{Channel: channel, SweepID: s.GetId(), Sweep: s}
	var unreachable []*kubemedicv1.SweepProgress
	for _, c := range s.GetClusters() {
		if c.GetError() != "" {
			unreachable = append(unreachable, c)
		}
	}
	nNew, nRes, nOpen := len(s.GetNewFindings()), len(s.GetResolvedFindings()), len(s.GetStillOpenFindings())
	n.Changed = nNew > 0 || nRes > 0 || len(unreachable) > 0
	scope := "전체 클러스터"
	scopeEn := "all clusters"
	if sel := s.GetSelector(); sel != "" {
		scope, scopeEn = "`"+sel+"`", "`"+sel+"`"
	}
	n.Summary = Text{
		Ko: fmt.Sprintf("클러스터 점검 %s (%s, %d개): 새 문제 %d, 해결 %d, 계속 %d, 연결 실패 %d",
			s.GetId(), scope, len(s.GetClusters()), nNew, nRes, nOpen, len(unreachable)),
		En: fmt.Sprintf("Sweep %s (%s, %d clusters): %d new, %d resolved, %d still open, %d unreachable",
			s.GetId(), scopeEn, len(s.GetClusters()), nNew, nRes, nOpen, len(unreachable)),
	}
	sort.Slice(unreachable, func(i, j int) bool { return unreachable[i].GetCluster() < unreachable[j].GetCluster() })
	for _, c := range unreachable {
		n.Details = append(n.Details, Text{
			Ko: fmt.Sprintf("연결 실패 %s: %s", c.GetCluster(), c.GetError()),
			En: fmt.Sprintf("unreachable %s: %s", c.GetCluster(), c.GetError()),
		})
	}
	for _, f := range s.GetNewFindings() {
		n.Details = append(n.Details, Text{
			Ko: fmt.Sprintf("새 문제 [%s] %s %s: %s", severity(f.GetSeverity()), f.GetObject().GetCluster(), object(f), firstNonEmpty(f.GetTitle().GetKo(), f.GetTitle().GetEn(), f.GetCode())),
			En: fmt.Sprintf("new [%s] %s %s: %s", severity(f.GetSeverity()), f.GetObject().GetCluster(), object(f), firstNonEmpty(f.GetTitle().GetEn(), f.GetTitle().GetKo(), f.GetCode())),
		})
	}
	for _, f := range s.GetResolvedFindings() {
		n.Details = append(n.Details, Text{
			Ko: fmt.Sprintf("해결됨 %s %s: %s", f.GetObject().GetCluster(), object(f), firstNonEmpty(f.GetTitle().GetKo(), f.GetTitle().GetEn(), f.GetCode())),
			En: fmt.Sprintf("resolved %s %s: %s", f.GetObject().GetCluster(), object(f), firstNonEmpty(f.GetTitle().GetEn(), f.GetTitle().GetKo(), f.GetCode())),
		})
	}
	if len(n.Details) > maxDetails {
		left := len(n.Details) - (maxDetails - 1)
		n.Details = append(n.Details[:maxDetails-1], Text{
			Ko: fmt.Sprintf("… 외 %d건: kubemedic sweep show %s", left, s.GetId()),
			En: fmt.Sprintf("… %d more: kubemedic sweep show %s", left, s.GetId()),
		})
	}
	return n
}

func severity(s kubemedicv1.Severity) string {
	return strings.ToLower(strings.TrimPrefix(s.String(), "SEVERITY_"))
}

func object(f *kubemedicv1.Finding) string {
	o := f.GetObject()
	if o.GetNamespace() != "" {
		return o.GetKind() + " " + o.GetNamespace() + "/" + o.GetName()
	}
	return o.GetKind() + " " + o.GetName()
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
