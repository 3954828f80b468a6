# evod — see README.md. `make demo` and `make test` do all the set-up on a fresh Debian 12 machine.
SWIFT ?= swift
RELEASE_BIN = .build/release
export OPENBLAS_NUM_THREADS ?= 1
# Release builds use AVX2 and FMA where this machine has them (x86-64). The evaluator's kernels are
# built on fused multiply-adds (bit-identical on every machine); on the x86-64 baseline each one is a
# libm call per lane: the full-path training run took 210 ms instead of 9.4 (docs/results/2026-12-05-speed.md).
# Such binaries need such a CPU: build on each kind of host, or `make RELEASE_FLAGS= release`.
RELEASE_FLAGS ?= $(shell [ "$$(uname -m)" = x86_64 ] && grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo && echo "-Xswiftc -target-cpu -Xswiftc haswell")

.PHONY: deps build release demo demo-llm llm trl dashboard-deps test check soak fuzz fuzz-check format lint bench clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product evoctl $(RELEASE_FLAGS)
	$(SWIFT) build -c release --product evod $(RELEASE_FLAGS)

## The main job: the 4-island cluster with its farm on loopback, for DEMO_SECONDS.
demo: release trl
	@scripts/demo.sh $(RELEASE_BIN)/evod $(RELEASE_BIN)/evoctl

## The LLM proposer against a real local LLM (llama.cpp + Gemma 3 270M, installed once into .venv-llm/).
demo-llm: release
	@scripts/demo-llm.sh $(RELEASE_BIN)/evod $(RELEASE_BIN)/evoctl

## llama.cpp's server and Gemma 3 270M in .venv-llm/ (cached); their paths in .build/llm-paths.
llm:
	@mkdir -p .build && scripts/llm-setup.sh > .build/llm-paths

## The TRL evaluator's Python environment (CPU torch, TRL 1.x, transformers) in .venv-trl/ (cached).
trl:
	@scripts/trl-setup.sh > /dev/null

## What the dashboard's browser test needs: Debian's chromium, chromium-driver and prometheus, and
## selenium in .venv-dash/ (cached).
dashboard-deps:
	@scripts/dashboard-setup.sh > /dev/null

## The source format (.swift-format, swift-format from the toolchain): `make format` rewrites the
## sources, `make lint` fails on any difference (part of `make check` and `make test`).
format:
	$(SWIFT) format format -i --configuration .swift-format -r Sources Tests Package.swift

lint:
	$(SWIFT) format lint --strict --configuration .swift-format -r Sources Tests Package.swift
	python3 scripts/check-docs.py

## The quick loop (a minute or two once built): lint, then every test but the ones that start
## daemons (DaemonTests: real processes, the real LLM); no llama.cpp, no TRL.
check: deps lint
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip DaemonTests

## Every test, debug build; the real-LLM test uses the server and model of `make llm`; then the TRL
## export and the tiny-LM evaluator (evaluators/trl/test_trl.py) against the real TRL of `make trl`.
test: deps lint llm trl dashboard-deps
	$(SWIFT) build --build-tests
	EVOD_LLM_SERVER="$$(sed -n 1p .build/llm-paths)" EVOD_LLM_MODEL="$$(sed -n 2p .build/llm-paths)" $(SWIFT) test --skip-build --skip InProcessDaemonTests
	# Alone: its islands run on Swift's cooperative pool (as wide as the cores), which the blocking
	# process tests beside it would hold for minutes on a 2-core machine.
	$(SWIFT) test --skip-build --filter InProcessDaemonTests
	EVOCTL=.build/debug/evoctl .venv-trl/bin/python -m unittest discover -s evaluators/trl -t evaluators/trl -v
	EVOD=.build/debug/evod EVOCTL=.build/debug/evoctl .venv-dash/bin/python -m unittest discover -s Tests/DashboardE2E -v
	$(MAKE) fuzz-check


## The chaos soak for as long as asked (SOAK_SECONDS, default 1800): random kill -9 and restart of
## every process of a running cluster, then the databases' invariants (make test runs it for 180 s).
## It prints its seed; SOAK_SEED=N replays that schedule of kills.
SOAK_SECONDS ?= 1800
SOAK_SEED ?=
soak: deps
	$(SWIFT) build --build-tests
	EVOD_SOAK_SECONDS=$(SOAK_SECONDS) EVOD_SOAK_SEED=$(SOAK_SEED) $(SWIFT) test --skip-build --filter ChaosSoakTests

## libFuzzer on the decoders (Sources/FuzzTargets: envelopes, control requests, both loss forms, config
## files), FUZZ_SECONDS each (default 60), built apart in .build/fuzz with -sanitize=fuzzer,address.
## Crashers land in fuzz/crashers/, which FuzzCorpusTests replays; make test runs fuzz-check.
FUZZ_SECONDS ?= 60
FUZZ_BUILD = $(SWIFT) build --scratch-path .build/fuzz --product EvodFuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DEVOD_LIBFUZZER
fuzz: deps
	$(FUZZ_BUILD)
	@scripts/fuzz.sh .build/fuzz/debug/EvodFuzz $(FUZZ_SECONDS)

## make test's share: 3,000 inputs per target from seed 1 on the checked-in corpus (deterministic).
fuzz-check: deps
	$(FUZZ_BUILD)
	@FUZZ_RUNS=3000 scripts/fuzz.sh .build/fuzz/debug/EvodFuzz

## Speed targets, release build: one core for the evaluator (numpy side by side), both for the farm.
bench: deps release
	$(SWIFT) build -c release --product EvodBench $(RELEASE_FLAGS)
	@scripts/bench.sh $(RELEASE_BIN)/EvodBench

clean:
	rm -rf .build
