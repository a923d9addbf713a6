# Fleet sweep benchmark (issue 11). Target: a sweep of 100 clusters in under
# 60 s, extrapolated from a 50-cluster sweep (sweeps are bound by the
# replicas' concurrency, so wall time grows linearly with the cluster count).

SWEEP_BENCH_FLAGS ?= -run '^$$' -bench BenchmarkSweep -benchtime 3x -timeout 20m

.PHONY: bench-sweep

## bench-sweep: 50-cluster sweep, two replicas x 4: sweep overhead alone (1 NATS server, 3-node R3) and over two real control planes; wall time, per-cluster cost, 100-cluster extrapolation
bench-sweep: cluster-bins
	cd services && $(GO) test $(SWEEP_BENCH_FLAGS) ./fleet/
