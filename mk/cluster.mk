# Real Kubernetes control plane on 127.0.0.1 for tests, benchmarks and the demo.
# See docs/cluster-harness.md. Binaries are built from the Go module proxy into
# .cache/bin (first build: several minutes; then cached); the cluster started by
# cluster-up lives in .cache/cluster.

# The test module builds on its own (GOWORK=off), whatever go.work lists.
CLUSTER_GO     ?= GOTOOLCHAIN=local GOWORK=off go
KMCLUSTER      ?= cd test && $(CLUSTER_GO) run ./cmd/kmcluster
NODES          ?= 3
PODS           ?= 0
BENCH_NODES    ?= 500
BENCH_PODS     ?= 10000
CLUSTER_TEST_FLAGS ?= -count=1 -timeout 25m

.PHONY: cluster-bins cluster-up cluster-down cluster-status test-cluster bench-cluster demo

## cluster-bins: build (or reuse) etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok
cluster-bins:
	$(KMCLUSTER) bins

## cluster-up: start a detached cluster with NODES fake nodes (and PODS pods); prints the kubeconfig path
cluster-up:
	$(KMCLUSTER) up -nodes $(NODES) -pods $(PODS)

## cluster-down: stop the cluster started by cluster-up; leaves no process behind
cluster-down:
	$(KMCLUSTER) down

cluster-status:
	$(KMCLUSTER) status

## test-cluster: the harness's own tests against real clusters
# (test/deploycheck shares the module but runs in check-deploy, not here.)
test-cluster: cluster-bins
	cd test && $(CLUSTER_GO) vet ./... && $(CLUSTER_GO) test $(CLUSTER_TEST_FLAGS) $$($(CLUSTER_GO) list ./... | grep -v /deploycheck)

## bench-cluster: warm start/stop benchmark, then time and memory of BENCH_NODES nodes running BENCH_PODS pods
bench-cluster: cluster-bins
	cd test && $(CLUSTER_GO) test -run '^$$' -bench . -benchtime 3x ./controlplane
	@($(KMCLUSTER) down) >/dev/null
	@rc=0; ($(KMCLUSTER) up -nodes $(BENCH_NODES) -pods $(BENCH_PODS)) || rc=$$?; \
	  cat .cache/cluster/scale-report.txt 2>/dev/null; \
	  ($(KMCLUSTER) down); exit $$rc

## demo: cluster with healthy and broken workloads, then kubemedic serve against it
demo: cluster-bins
	@($(KMCLUSTER) down) >/dev/null
	$(KMCLUSTER) up -nodes $(NODES) -demo
	@if [ -d services/cmd/kubemedic ]; then \
	  echo "starting kubemedic serve (Ctrl-C to stop it; the cluster keeps running until make cluster-down)"; \
	  GOTOOLCHAIN=local go run ./services/cmd/kubemedic serve --kubeconfig .cache/cluster/kubeconfig; \
	else \
	  echo "services/cmd/kubemedic does not exist yet; the demo cluster runs: KUBECONFIG=.cache/cluster/kubeconfig kubectl get pods -A"; \
	fi
