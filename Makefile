# VmNet: the two set-up commands are `make demo` and `make test` (fresh Debian, as root).
SHELL := /bin/bash
CONFIGURATION ?= Release
DOTNET ?= dotnet
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

.PHONY: all deps cni build test test-dpdk demo bench sandbox sandbox-down clean

all: build

deps:
	@./scripts/install-deps.sh

# NativeAOT CNI plugin: artifacts/cni/vmnet, also answering as kube-ovn.
cni: deps
	$(DOTNET) publish src/Cni -c $(CONFIGURATION) -r linux-x64 -o artifacts/cni -nologo -clp:ErrorsOnly
	ln -sfn vmnet artifacts/cni/kube-ovn

build: deps cni
	$(DOTNET) build VmNet.slnx -c $(CONFIGURATION) -nologo -clp:ErrorsOnly

test: build
	@CONFIGURATION=$(CONFIGURATION) ./scripts/run-tests.sh

# Only the OVS-DPDK vhost-user e2e classes (also part of `make test`).
test-dpdk: build
	$(DOTNET) test tests/e2e/VmNet.E2E.Tests --no-build -c $(CONFIGURATION) --filter 'FullyQualifiedName~VmNet.E2E.Dpdk' --logger 'console;verbosity=normal'

# Guests: QEMU (TCG) when installed, else network namespaces; force with `make demo GUESTS=netns|qemu`.
DEMO_ARGS = $(if $(GUESTS),--guests=$(GUESTS))
demo: build
	$(DOTNET) run --no-build -c $(CONFIGURATION) --project src/Sandbox -- demo $(DEMO_ARGS)

# The sandbox keeps running in the background (state, kubeconfig and log in .sandbox/) until `make sandbox-down`.
SANDBOX_BIN = src/Sandbox/bin/$(CONFIGURATION)/net10.0/vmnet-sandbox
sandbox: build
	@mkdir -p .sandbox
	@setsid $(SANDBOX_BIN) serve $(DEMO_ARGS) >.sandbox/sandbox.log 2>&1 </dev/null & echo $$! >.sandbox/serve.pid
	@$(SANDBOX_BIN) wait-ready

sandbox-down:
	@$(SANDBOX_BIN) down

bench: build
	$(DOTNET) run --no-build -c $(CONFIGURATION) --project tests/Bench -- $(or $(BENCH),all)

clean:
	$(DOTNET) clean VmNet.slnx -nologo -v q
	rm -rf artifacts
