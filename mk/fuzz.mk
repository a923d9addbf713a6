# Fuzzing: Go fuzz targets for every parser of outside input.
#
# `make test` runs each target's committed seeds (testdata/fuzz/<Target>/)
# as ordinary tests; `make fuzz` explores each target for FUZZTIME. Add a
# target with one line `FUZZ_TARGETS += <package dir>:<FuzzName>`; a new
# finding lands in that package's testdata/fuzz and should be committed with
# the fix.

FUZZTIME ?= 20s

# Slack bot (issue 7 §5): slash-command text and form, interactivity payload,
# Events API envelope, request signature.
FUZZ_TARGETS += bot/command:FuzzParse
FUZZ_TARGETS += bot:FuzzSlashCommandForm
FUZZ_TARGETS += bot:FuzzInteractionPayload
FUZZ_TARGETS += bot:FuzzEventEnvelope
FUZZ_TARGETS += bot:FuzzVerify
FUZZ_TARGETS += bot:FuzzClick

.PHONY: fuzz

## fuzz: run every fuzz target for FUZZTIME each (default 20s; FUZZ_TARGETS lists pkgdir:FuzzName)
fuzz:
	@for t in $(FUZZ_TARGETS); do dir=$${t%%:*}; name=$${t##*:}; \
	  echo "fuzz $$dir $$name ($(FUZZTIME))"; \
	  (cd $$dir && $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) .) || exit 1; \
	done
