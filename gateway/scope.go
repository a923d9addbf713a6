package gateway

import (
	"errors"
	"fmt"
	"slices"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"github.com/kubemedic/kubemedic/proto/kubemedic/v1/kubemedicv1connect"
)

// Scope is a permission an API token holds.
type Scope string

// The scopes, from least to most powerful.
const (
	// ScopeRead reads clusters, findings, sweeps, plans and the audit log.
	ScopeRead Scope = "read"
	// ScopeAsk asks the knowledge base.
	ScopeAsk Scope = "ask"
	// ScopePlan plans changes, executes approved plans and undoes them.
	ScopePlan Scope = "plan"
	// ScopeApprove approves or rejects plans.
	ScopeApprove Scope = "approve"
	// ScopeAdmin changes kubemedic itself (the cluster registry).
	ScopeAdmin Scope = "admin"
)

// AllScopes lists every scope.
var AllScopes = []Scope{ScopeRead, ScopeAsk, ScopePlan, ScopeApprove, ScopeAdmin}

// scopes is the scope each RPC requires, by procedure. Every method of
// Services must be here: New refuses to start otherwise, and a test walks
// the descriptors, so a new RPC cannot ship without a decision.
var scopes = map[string]Scope{
	kubemedicv1connect.KnowledgeServiceAskProcedure:            ScopeAsk,
	kubemedicv1connect.KnowledgeServiceGetEntryProcedure:       ScopeAsk,
	kubemedicv1connect.KnowledgeServiceListEntriesProcedure:    ScopeAsk,
	kubemedicv1connect.KnowledgeServiceRecordFeedbackProcedure: ScopeAsk, // rating an answer belongs with asking

	kubemedicv1connect.DiagnosisServiceDiagnoseProcedure:      ScopeRead,
	kubemedicv1connect.DiagnosisServiceListFindingsProcedure:  ScopeRead,
	kubemedicv1connect.DiagnosisServiceWatchFindingsProcedure: ScopeRead,

	kubemedicv1connect.RemediationServicePlanProcedure:         ScopePlan,
	kubemedicv1connect.RemediationServiceExecuteProcedure:      ScopePlan,
	kubemedicv1connect.RemediationServiceUndoProcedure:         ScopePlan,
	kubemedicv1connect.RemediationServiceApproveProcedure:      ScopeApprove,
	kubemedicv1connect.RemediationServiceRejectProcedure:       ScopeApprove,
	kubemedicv1connect.RemediationServiceGetExecutionProcedure: ScopeRead,
	kubemedicv1connect.RemediationServiceListAuditProcedure:    ScopeRead,

	kubemedicv1connect.FleetServiceListClustersProcedure:      ScopeRead,
	kubemedicv1connect.FleetServiceRunSweepProcedure:          ScopeRead,
	kubemedicv1connect.FleetServiceListSweepsProcedure:        ScopeRead,
	kubemedicv1connect.FleetServiceGetSweepProcedure:          ScopeRead,
	kubemedicv1connect.FleetServiceRegisterClusterProcedure:   ScopeAdmin,
	kubemedicv1connect.FleetServiceDeregisterClusterProcedure: ScopeAdmin,
}

// ScopeOf returns the scope procedure requires.
func ScopeOf(procedure string) (Scope, bool) {
	s, ok := scopes[procedure]
	return s, ok
}

// checkScope refuses a caller without the scope need, naming it.
func checkScope(c Caller, procedure string, need Scope) error {
	if slices.Contains(c.Scopes, need) {
		return nil
	}
	err := connect.NewError(connect.CodePermissionDenied, fmt.Errorf("토큰 %s에는 %q 권한(scope)이 없어 %s을(를) 호출할 수 없습니다. / token %s lacks scope %q, which %s requires", c.Name, need, procedure, c.Name, need, procedure))
	if d, derr := connect.NewErrorDetail(&errdetails.ErrorInfo{Reason: "MISSING_SCOPE", Domain: "kubemedic", Metadata: map[string]string{"scope": string(need), "procedure": procedure, "token": c.Name}}); derr == nil {
		err.AddDetail(d)
	}
	return err
}

// errNoScope is returned by New for a method without a scope entry.
var errNoScope = errors.New("has no entry in the gateway's scope table (gateway/scope.go): decide which scope it requires")
