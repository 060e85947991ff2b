#!/usr/bin/env bash
# Installs the Debian packages Podnet's build, lab, tests and benchmarks use. Idempotent.
set -euo pipefail
pkgs=(iproute2 nftables iputils-ping dnsutils tcpdump procps psmisc
      containernetworking-plugins iperf3 curl python3 podman runc busybox-static)
pkgs+=(libc6-dev) # podnet-cni links statically against libc.a (see src/Podnet.Cni/Podnet.Cni.csproj)
pkgs+=(knot dnsperf) # cluster DNS: Knot is a forwarding peer in tests and the anchor of bench/dns
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Knot is only ever started by tests and benchmarks on high loopback ports; never as a system service.
if command -v systemctl >/dev/null && systemctl is-enabled knot.service >/dev/null 2>&1; then systemctl disable --now knot.service >/dev/null 2>&1 || true; fi
command -v dotnet >/dev/null || { echo "dotnet SDK not found on PATH" >&2; exit 1; }
