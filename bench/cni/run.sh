#!/usr/bin/env bash
# ADD/DEL latency of podnet-cni vs the reference bridge + host-local (containernetworking-plugins),
# same subnet and options, in throwaway pnt-cnibench-* namespaces. Usage:
#   bench/cni/run.sh                 # 200 pods, 16 concurrent callers
#   bench/cni/run.sh --pods 8 --callers 4   # smoke size
#   extra options: --rounds N (alternate the order), --masq (ipMasq on for both)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" = 0 ] || { echo "run as root (creates network namespaces)" >&2; exit 1; }
[ -x /usr/lib/cni/bridge ] || { echo "needs containernetworking-plugins (/usr/lib/cni/bridge)" >&2; exit 1; }
[ -x out/bin/podnet-cni ] || scripts/build.sh
dotnet build bench/cni/Driver -c Release --nologo -v q -o out/bench/cni >/dev/null
exec dotnet out/bench/cni/cni-bench.dll --podnet-bin "$PWD/out/bin" "$@"
