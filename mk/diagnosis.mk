# Diagnosis benchmarks (issue 8). Targets: analysis pass alone < 100 ms and the
# one-shot CLI <= 1 s and <= 200 MB RSS at 500 nodes / 10,000 pods.

DIAG_NODES ?= 500
DIAG_PODS  ?= 10000
# Pin the load pods to nodes (spec.nodeName, one Deployment per node) so the
# cluster fills in a minute or two instead of waiting on kube-scheduler;
# DIAG_PIN= schedules them instead.
DIAG_PIN   ?= -pin
# The benchmark cluster gets its own directory, so it never touches a cluster
# started by `make cluster-up`.
DIAG_DIR   ?= $(CURDIR)/.cache/diagnose-bench-$(shell id -u)-$(notdir $(CURDIR))

.PHONY: bench-diagnose bench-diagnose-analysis bench-diagnose-cli

## bench-diagnose: analysis pass over an in-memory 500-node/10k-pod snapshot, the one-shot CLI and the live server against harness clusters of that size
bench-diagnose: bench-diagnose-analysis bench-diagnose-cli bench-diagnose-server

## bench-diagnose-analysis: the analysis pass alone (and incremental re-analysis after one pod change)
bench-diagnose-analysis:
	cd services && GOTOOLCHAIN=local go test -run '^$$' -bench . -benchmem -count 3 ./diagnosis/

## bench-diagnose-cli: `kubemedic diagnose` wall time and peak RSS against DIAG_NODES nodes / DIAG_PODS pods (three runs)
bench-diagnose-cli: cluster-bins
	@mkdir -p $(DIAG_DIR)
	cd services && GOTOOLCHAIN=local go build -o $(DIAG_DIR)/kubemedic ./cmd/kubemedic
	@rc=0; ($(KMCLUSTER) up -dir $(DIAG_DIR)/cluster -nodes $(DIAG_NODES) -pods $(DIAG_PODS) $(DIAG_PIN)) || rc=$$?; \
	  if [ $$rc -eq 0 ]; then for i in 1 2 3; do \
	    code=0; /usr/bin/time -f "kubemedic diagnose: wall %e s, user %U s, sys %S s, peak RSS %M KB" $(DIAG_DIR)/kubemedic diagnose \
	      --kubeconfig $(DIAG_DIR)/cluster/kubeconfig --json > $(DIAG_DIR)/findings.json || code=$$?; \
	    [ $$code -le 1 ] || rc=$$code; \
	  done; \
	  printf 'findings: '; grep -c '"code"' $(DIAG_DIR)/findings.json || true; fi; \
	  ($(KMCLUSTER) down -dir $(DIAG_DIR)/cluster); rm -rf $(DIAG_DIR); exit $$rc

.PHONY: bench-diagnose-server

## bench-diagnose-server: live diagnosis against DIAG_NODES nodes / DIAG_PODS pods: start to first complete diagnosis, whole-cluster Diagnose (< 50 ms), change to WatchFindings (< 100 ms), peak RSS (< 300 MB)
bench-diagnose-server: cluster-bins
	@mkdir -p $(DIAG_DIR)-server
	@rc=0; ($(KMCLUSTER) up -dir $(DIAG_DIR)-server/cluster -nodes $(DIAG_NODES) -pods $(DIAG_PODS) $(DIAG_PIN)) || rc=$$?; \
	  if [ $$rc -eq 0 ]; then \
	    (cd services && KUBEMEDIC_BENCH_KUBECONFIG=$(DIAG_DIR)-server/cluster/kubeconfig GOTOOLCHAIN=local \
	      go test -run '^$$' -bench . -benchtime 20x -timeout 20m ./e2e/livebench/) || rc=$$?; fi; \
	  ($(KMCLUSTER) down -dir $(DIAG_DIR)-server/cluster); rm -rf $(DIAG_DIR)-server; exit $$rc
