# Gateway throughput (issue 11): Ask through gateway -> NATS -> analyzer with
# 64 concurrent grpc-go callers, and the gateway's own grpc health check in
# the same run as the ceiling. Targets: Ask >= 0.5x health throughput, Ask
# p99 < 10 ms, zero errors. GATEWAY_BENCH_SECONDS sets each phase's length;
# GATEWAY_PROFILE=1 writes CPU profiles to .cache/profiles/ (read them with
# `go tool pprof -top .cache/profiles/gateway.cpu`); GATEWAY_BENCH_ONLY=ask
# (or health) runs that phase alone, for a profile of one path.

GATEWAY_BENCH_SECONDS ?= 5
GATEWAY_PROFILE ?=
GATEWAY_BENCH_ONLY ?=

.PHONY: bench-gateway

## bench-gateway: Ask vs health throughput and p50/p99 through the gateway (64 gRPC callers)
bench-gateway:
	@mkdir -p .cache/profiles
	cd services && KUBEMEDIC_BENCH_SECONDS=$(GATEWAY_BENCH_SECONDS) KUBEMEDIC_BENCH_ONLY=$(GATEWAY_BENCH_ONLY) $(GO) test -run '^$$' \
	  -bench '^BenchmarkGatewayLoad$$' -benchtime 1x -count 1 -v \
	  $(if $(GATEWAY_PROFILE),-cpuprofile $(CURDIR)/.cache/profiles/gateway.cpu -o $(CURDIR)/.cache/profiles/allinone.test) \
	  ./allinone/ | grep -vE '^(=== RUN|goos|goarch|pkg|cpu):?'
