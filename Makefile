# VmNet: the two set-up commands are `make demo` and `make test` (fresh Debian, as root).
SHELL := /bin/bash
CONFIGURATION ?= Release
DOTNET ?= dotnet
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

.PHONY: all deps build test demo bench sandbox sandbox-down clean

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	$(DOTNET) build VmNet.slnx -c $(CONFIGURATION) -nologo -clp:ErrorsOnly

test: build
	@CONFIGURATION=$(CONFIGURATION) ./scripts/run-tests.sh

demo: build
	$(DOTNET) run --no-build -c $(CONFIGURATION) --project src/Sandbox -- demo

bench: build
	$(DOTNET) run --no-build -c $(CONFIGURATION) --project tests/Bench -- $(or $(BENCH),all)

clean:
	$(DOTNET) clean VmNet.slnx -nologo -v q
	rm -rf artifacts
