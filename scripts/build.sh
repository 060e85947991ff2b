#!/usr/bin/env bash
# Builds every Podnet binary into out/bin: podnet-cni and podnet-agnhost as NativeAOT (net10.0),
# podnet and podnetd as framework-dependent apps on the installed runtime.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=out/bin
mkdir -p "$bin"
for p in Podnet.Cni Podnet.Workload; do
  dotnet publish "src/$p" -c Release -r linux-x64 -o "$bin" --nologo -v q -p:DebugType=none
done
for p in Podnet.Cli Podnet.Agent; do
  dotnet publish "src/$p" -c Release -o "$bin" --nologo -v q -p:DebugType=none
done
# host-local compatibility: the same binary answers as the standalone IPAM plugin.
ln -sf podnet-cni "$bin/podnet-ipam"
echo "built: $(ls "$bin" | grep -E '^podnet' | tr '\n' ' ')"
