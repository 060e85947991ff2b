#!/usr/bin/env bash
# bench/netpol: one command, prints the figures of podnetd netpol (see BENCHMARKS.md). Run as root.
#   bench/netpol/run.sh                 1,000 policies x 1,000 pods
#   bench/netpol/run.sh --pods 200 --policies 200 --rounds 5 --pairs 10   (smoke)
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/pn-bench-netpol.XXXXXX)
trap 'rm -rf "$work"' EXIT
dotnet build -c Release bench/netpol -o "$work/bin" --nologo -v q >/dev/null
dotnet "$work/bin/Podnet.Bench.Netpol.dll" "$@"
echo "machine: $(nproc) CPUs, load average after the run $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC')"
