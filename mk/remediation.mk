# Guarded remediation (services/remediation, issue 9).
#
# bench-remediation drains a node running 50 pods on the real control-plane
# harness, through kubemedic and with kubectl drain's own library and flags,
# and reports both "s/drain" figures (kubemedic also reports "s/plan").

.PHONY: bench-remediation test-remediation

## bench-remediation: drain of a 50-pod node, kubemedic vs kubectl drain (same flags, same cluster)
bench-remediation: cluster-bins
	cd services && $(GO) test -run '^$$' -bench Drain50Pods -benchtime 3x ./remediation/e2e/

## test-remediation: remediation unit tests and every action against the real control plane
test-remediation: cluster-bins
	cd services && $(GO) test ./remediation/... ./cmd/kubemedic/
