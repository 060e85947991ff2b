#!/usr/bin/env bash
# bench/lab: `lab up` of 3 nodes + 12 pods Running and Ready, `lab down`, and pod start latency
# (API create → Ready with an IP) on real labs named b<hex> (namespaces pn-b…, all removed).
#   bench/lab/run.sh                 3 rounds, 30 pod starts each way (about 1 minute)
#   bench/lab/run.sh --smoke         1 round, 5 pod starts
#   PODNET=out/bin/podnet bench/lab/run.sh   daemons from the podnet binary instead of the bench host
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" = 0 ] || { echo "run as root (the lab creates network namespaces)" >&2; exit 1; }
args=(--rounds 3 --starts 30)
[ "${1:-}" = "--smoke" ] && args=(--rounds 1 --starts 5)
[ -n "${PODNET:-}" ] && args+=(--podnet "$(realpath "$PODNET")")
for b in podnet-cni podnet-ipam podnet-agnhost; do
  [ -x "out/bin/$b" ] || { echo "out/bin/$b missing: run scripts/build.sh" >&2; exit 1; }
done
work=$(mktemp -d /tmp/pn-bench-lab.XXXXXX)
trap 'rm -rf "$work"' EXIT
dotnet build -c Release bench/lab -o "$work/bin" --nologo -v q >/dev/null
PODNET_BIN="$PWD/out/bin" dotnet "$work/bin/Podnet.Lab.Bench.dll" run "${args[@]}"
