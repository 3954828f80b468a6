# evod — see README.md. `make demo` and `make test` do all the set-up on a fresh Debian 12 machine.
SWIFT ?= swift
RELEASE_BIN = .build/release
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: deps build release demo test bench clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product evoctl

## The main job. Until the island daemon exists: describe and export the standard losses.
demo: release
	@scripts/demo.sh $(RELEASE_BIN)/evoctl

## Every test, debug build.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## Speed targets, release build, one core; compares with numpy side by side.
bench: deps
	$(SWIFT) build -c release --product EvodBench
	@scripts/bench.sh $(RELEASE_BIN)/EvodBench

clean:
	rm -rf .build
