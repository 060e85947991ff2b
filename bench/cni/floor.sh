#!/usr/bin/env bash
# bench/cni/floor.sh [pods (default 40)] [concurrent pods (200)] [callers (16)]: what a CNI call costs here
# before the plugin does any work, and ADD/DEL of podnet-cni against the reference bridge + host-local, one
# at a time and from concurrent callers, all started by
# a minimal C launcher (fork, execve, wait) instead of .NET's Process.Start, so the harness adds as
# little as possible to either side. Prints the tables; the floor rows explain why the ADD and DEL
# targets of issue 2 (5x and 10x) are out of reach for a NativeAOT program on this machine.
# Everything lives in pnt-cnifloor-* namespaces and a temp dir, removed on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
PODS=${1:-40}
CPODS=${2:-200}    # the concurrent table: CPODS pods from CALLERS callers at once
CALLERS=${3:-16}
[ "$(id -u)" = 0 ] || { echo "run as root (creates network namespaces)" >&2; exit 1; }
for v in "$PODS" "$CPODS"; do
  [[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -ge 1 ] && [ "$v" -le 250 ] || { echo "pods must be 1..250, got '$v'" >&2; exit 1; }
done
[[ "$CALLERS" =~ ^[0-9]+$ ]] && [ "$CALLERS" -ge 1 ] && [ "$CALLERS" -le 64 ] || { echo "callers must be 1..64, got '$CALLERS'" >&2; exit 1; }
[ -x /usr/lib/cni/bridge ] || { echo "needs containernetworking-plugins (/usr/lib/cni/bridge)" >&2; exit 1; }
command -v gcc >/dev/null || { echo "needs gcc (apt-get install -y gcc libc6-dev)" >&2; exit 1; }
[ -x out/bin/podnet-cni ] || scripts/build.sh
TAG=$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
WORK=$(mktemp -d /var/tmp/pnt-cnifloor-XXXXXX)   # IPAM data on the root file system, as on a node
cleanup() {
  for ns in $(ip netns list | awk '{print $1}' | grep "^pnt-cnifloor-$TAG-" || true); do ip netns del "$ns"; done
  rm -rf "$WORK"
}
trap cleanup EXIT
F=bench/cni/Floor
gcc -O2 -o "$WORK/launch" $F/launch.c
gcc -O2 -o "$WORK/cpuid" $F/cpuid.c
gcc -O2 -static -o "$WORK/empty-glibc-static" $F/empty.c
gcc -O2 -o "$WORK/empty-glibc-dynamic" $F/empty.c
command -v musl-gcc >/dev/null && musl-gcc -O2 -static -o "$WORK/empty-musl-static" $F/empty.c
dotnet publish $F/Empty -c Release -r linux-x64 -o "$WORK/aot" --nologo -v q -p:DebugType=none >/dev/null
echo '{}' > "$WORK/empty.json"
L="$WORK/launch"
row() { # row LABEL COMMAND...: runs a launch command, prints its table row, remembers its p50
  local label=$1 p90 cpu failed; shift
  read -r P50 p90 cpu failed < <("$@")
  printf '| %s | %s | %s | %s |%s\n' "$label" "$P50" "$p90" "$cpu" "$([ "$failed" = 0 ] || echo " $failed calls FAILED")"
}

echo "CNI call floor, $(nproc) CPUs, kernel $(uname -r), $(grep -c . /proc/self/mountinfo) mounts, load average $(cut -d' ' -f1 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "one CPUID instruction: $("$WORK/cpuid") µs (a VM exit in a virtual machine)"
echo
echo "| program (run 200 times, one after another) | wall p50 ms | wall p90 ms | CPU per call ms |"
echo "|---|---|---|---|"
row "empty C, static glibc" "$L" 200 "$WORK/empty-glibc-static" "$WORK/empty.json"
[ -x "$WORK/empty-musl-static" ] && row "empty C, static musl" "$L" 200 "$WORK/empty-musl-static" "$WORK/empty.json"
row "empty C, dynamic glibc" "$L" 200 "$WORK/empty-glibc-dynamic" "$WORK/empty.json"
row "empty C# (NativeAOT, podnet-cni's settings)" "$L" 200 "$WORK/aot/empty-aot" "$WORK/empty.json"
row "podnet-cni VERSION" "$L" 200 out/bin/podnet-cni "$WORK/empty.json" CNI_COMMAND=VERSION
row "reference bridge VERSION (Go)" "$L" 200 /usr/lib/cni/bridge "$WORK/empty.json" CNI_COMMAND=VERSION
row "reference host-local VERSION (Go)" "$L" 200 /usr/lib/cni/host-local "$WORK/empty.json" CNI_COMMAND=VERSION

echo
declare -A p50
# pods KIND N CALLERS: a fresh node namespace with N pod namespaces; ADD all, then DEL all, from
# CALLERS concurrent callers; prints the two table rows, records the p50s under KIND-CALLERS-CMD and
# removes the namespaces again.
pods() {
  local kind=$1 n=$2 callers=$3 node=pnt-cnifloor-$TAG-$1-$3 type ipam dir i
  ip netns add "$node"; ip -n "$node" link set lo up
  for ((i = 0; i < n; i++)); do ip netns add "$node-$i"; done
  ip netns add "$node-warm"
  if [ $kind = podnet-cni ]; then type=podnet-cni; ipam=podnet-ipam; dir=$PWD/out/bin; else type=bridge; ipam=host-local; dir=/usr/lib/cni; fi
  printf '{"cniVersion":"1.0.0","name":"floor","type":"%s","bridge":"cni0","isGateway":true,"ipam":{"type":"%s","subnet":"10.88.0.0/24","dataDir":"%s"}}\n' \
    "$type" "$ipam" "$WORK/ipam-$kind-$callers" > "$WORK/$kind.json"
  local common=(CNI_IFNAME=eth0 "CNI_PATH=$dir")
  # The first ADD creates cni0; it is not measured.
  ip netns exec "$node" "$L" 1 "$dir/$type" "$WORK/$kind.json" CNI_COMMAND=ADD CNI_CONTAINERID=warm \
    "CNI_NETNS=/var/run/netns/$node-warm" "${common[@]}" >/dev/null
  for cmd in ADD DEL; do
    row "$kind $cmd" env LAUNCH_CALLERS=$callers ip netns exec "$node" "$L" "$n" "$dir/$type" "$WORK/$kind.json" \
      CNI_COMMAND=$cmd "CNI_CONTAINERID=c%d" "CNI_NETNS=/var/run/netns/$node-%d" "${common[@]}"
    p50[$kind-$callers-$cmd]=$P50
  done
  # Every netns is a mount, and a .NET process reads all of them at start-up (mountinfo): the next
  # measurement must not pay for this one's namespaces.
  for ((i = 0; i < n; i++)); do ip netns del "$node-$i"; done
  ip netns del "$node-warm"; ip netns del "$node"
}
ratios() { # ratios CALLERS
  local cmd
  for cmd in ADD DEL; do
    echo "$cmd ratio reference / podnet-cni, $1 caller(s): $(awk -v r="${p50[reference-$1-$cmd]}" -v o="${p50[podnet-cni-$1-$cmd]}" 'BEGIN { printf "%.1fx", r / o }') (target $([ $cmd = ADD ] && echo 5x || echo 10x))"
  done
}

echo "| $PODS pods, one at a time, fresh node namespace each | wall p50 ms | wall p90 ms | CPU per call ms |"
echo "|---|---|---|---|"
for kind in reference podnet-cni; do pods $kind "$PODS" 1; done
echo
ratios 1
echo
echo "| $CPODS pods, $CALLERS concurrent callers, fresh node namespace each | wall p50 ms | wall p90 ms | CPU per call ms |"
echo "|---|---|---|---|"
for kind in reference podnet-cni; do pods $kind "$CPODS" "$CALLERS"; done
echo
ratios "$CALLERS"
