# Knowledge base: answer quality and speed (services/knowledge, issue 3).
#
# bench-faq evaluates the embedded knowledge base on the shared dev sample
# (../shared/eval/faq-dev.jsonl, skipped with a note when ../shared is absent),
# the runbook writers' held-out sets and our own paraphrase/out-of-domain sets,
# and prints ablation tables built from the retrieval stage list (stages added one
# at a time from a whole-word baseline; the full pipeline with each stage left out).

KB_DEV      ?= ../shared/eval/faq-dev.jsonl
KB_HELDOUT  ?= $(sort $(wildcard services/knowledge/testdata/eval/*.jsonl))
KB_OWN      ?= $(sort $(wildcard services/knowledge/evaluation/testdata/*.jsonl))
KB_BLIND    ?= $(wildcard services/knowledge/testdata/blind/*.jsonl)
# English questions and hard negatives written before the English work; held
# out from calibration (see their README).
KB_ENGLISH  ?= $(sort $(wildcard services/knowledge/evaluation/testdata/english/*.jsonl))
# Second-round hard negatives and in-domain probes written before the second
# refusal change; held out from tuning and calibration (see their README).
KB_PROBES   ?= $(sort $(wildcard services/knowledge/evaluation/testdata/probes/*.jsonl))
# Sets we may tune on (see their README); the separation stage of the
# confidence model is fitted on them besides faq-dev and our own sets.
KB_TUNING   ?= $(sort $(wildcard services/knowledge/evaluation/testdata/tuning/*.jsonl))
KB_CASES     = $(wildcard $(KB_DEV)) $(KB_HELDOUT) $(KB_OWN) $(KB_ENGLISH) $(KB_PROBES) $(KB_BLIND)

.PHONY: bench-faq bench-knowledge kb-calibrate

## bench-faq: knowledge base answer quality (top-1, MRR@3, out-of-domain refusal, ablation)
bench-faq:
	@[ -f "$(KB_DEV)" ] || echo "note: $(KB_DEV) not found; evaluating the held-out and own sets only"
	$(GO) run ./services/cmd/kubemedic kb eval $(foreach f,$(KB_CASES),--dev $(f))

## bench-knowledge: knowledge base speed (Ask p50/p99/p99.9 wall and CPU in-process, index build)
# 3 s per benchmark gives BenchmarkAskMix tens of thousands of timed Asks, so
# p99.9 rests on dozens of samples; the load average printed first says how
# much other processes stretched the wall-clock tail (BenchmarkAskMixOnCPU
# reports the tail of Ask's own CPU time next to it).
bench-knowledge:
	@uptime
	cd services && $(GO) test -run '^$$' -bench . -benchmem -benchtime 3s ./knowledge/...

## kb-calibrate: refit the confidence model on faq-dev + own sets (separation also on the tuning sets), check it on the held-out sets
kb-calibrate:
	$(GO) run ./services/cmd/kubemedic kb calibrate $(foreach f,$(wildcard $(KB_DEV)) $(KB_OWN),--dev $(f)) \
	  $(foreach f,$(KB_TUNING),--separation-dev $(f)) \
	  $(foreach f,$(KB_HELDOUT) $(KB_ENGLISH) $(KB_PROBES),--test $(f))
