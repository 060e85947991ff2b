#!/usr/bin/env bash
# bench/overlay: iperf3 TCP throughput between pods on two different nodes for each podnetd
# backend (host-gw, vxlan, udp), and between the two node namespaces directly, in one run.
# Everything lives in pnt-ovb-* namespaces; a fresh control plane per backend; all removed on exit.
# Every path runs the same iperf3 command (one TCP stream, first second omitted as warm-up) once
# per round; paths alternate within a round, so a ratio compares transfers made minutes apart at
# most. Reported: median and min–max per path, and each ratio as the median of the per-round ratios.
# Two fabrics: the classic one (64 KiB GSO, a NIC without BIG TCP) and a BIG TCP one (192 KiB
# super-packets on every fabric link and node uplink, as the lab's fabric): a property of the
# underlay, so the direct anchor gets it exactly as the pods' traffic does. Pods get what podnetd
# writes into the conflist (gsoMaxSize), applied as podnet-cni does (bridge and both veth ends).
# Usage: bench/overlay/run.sh [seconds per transfer (default 5)] [rounds (default 3)]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${1:-5}
ROUNDS=${2:-3}
BIN=${PODNET_BIN:-$PWD/out/bin}
[ -x "$BIN/podnetd" ] && [ -x "$BIN/podnet" ] || { echo "need $BIN/podnetd and $BIN/podnet (scripts/build.sh)" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "need iperf3 (apt-get install -y iperf3)" >&2; exit 1; }
TAG=$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
FAB=pnt-ovb-$TAG-f; N1=pnt-ovb-$TAG-n1; N2=pnt-ovb-$TAG-n2; P1=pnt-ovb-$TAG-p1; P2=pnt-ovb-$TAG-p2
WORK=$(mktemp -d /tmp/pnt-ovb-XXXXXX)
PIDS=()

# run_backend runs in a subshell ($(...)), so its PIDS are invisible to the EXIT trap: the control
# plane (root namespace, not found by `ip netns pids`) is also listed in $WORK/pids for cleanup.
stop_all() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  PIDS=()
  if [ -f "$WORK/pids" ]; then
    for p in $(cat "$WORK/pids"); do kill "$p" 2>/dev/null || true; done
    : > "$WORK/pids"
  fi
  for ns in $P1 $P2 $N1 $N2 $FAB; do
    if [ -e "/run/netns/$ns" ]; then
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
      ip netns del "$ns" 2>/dev/null || true
    fi
  done
}
cleanup() { stop_all; rm -rf "$WORK"; }

BIG=196608
# gso NS LINK SIZE: IFLA_GSO/GRO_(IPV4_)MAX_SIZE over rtnetlink (iproute2 6.1 cannot set the IPv4 ones).
gso() {
  ip netns exec "$1" python3 - "$2" "$3" <<'PY'
import socket, struct, sys
idx = socket.if_nametoindex(sys.argv[1]); size = int(sys.argv[2])
attrs = b"".join(struct.pack("=HHI", 8, t, size) for t in (41, 63, 58, 64))  # GSO, GSO_IPV4, GRO, GRO_IPV4
body = struct.pack("=BxHiII", 0, 0, idx, 0, 0) + attrs
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
s.send(struct.pack("=IHHII", 16 + len(body), 16, 0x5, 1, 0) + body)  # RTM_NEWLINK, REQUEST|ACK
err = struct.unpack("=i", s.recv(4096)[16:20])[0]
sys.exit(0 if err == 0 else "cannot set gso size %d on %s: errno %d" % (size, sys.argv[1], -err))
PY
}
trap cleanup EXIT INT TERM

# topology [GSO]: the fabric bridge and two nodes; GSO > 65536 makes it a BIG TCP fabric.
topology() {
  local fgso=${1:-65536}
  ip netns add $FAB; ip -n $FAB link add br0 type bridge; ip -n $FAB link set br0 up
  local i
  for i in 1 2; do
    local ns=pnt-ovb-$TAG-n$i
    ip netns add $ns
    ip -n $FAB link add n$i type veth peer name eth0 netns $ns
    ip -n $FAB link set n$i master br0 up
    if [ $fgso -gt 65536 ]; then gso $FAB n$i $fgso; gso $FAB br0 $fgso; gso $ns eth0 $fgso; fi
    ip -n $ns addr add 192.168.80.1$i/24 dev eth0
    ip -n $ns link set eth0 up; ip -n $ns link set lo up
  done
}

# pod NS on NODE behind cni0, address .10 of the node's leased subnet, at the advertised MTU and
# with the conflist's gsoMaxSize (if any) on cni0 and both veth ends, as podnet-cni sets them.
pod() {
  local node=$1 pod=$2 env=$3 conf=$4
  local sub mtu
  sub=$(sed -n 's/^FLANNEL_SUBNET=//p' "$env"); mtu=$(sed -n 's/^FLANNEL_MTU=//p' "$env")
  local gw=${sub%/*} len=${sub#*/}
  local ip=${gw%.*}.10
  ip netns add $pod
  ip -n $node link add cni0 type bridge
  ip -n $node addr add $gw/$len dev cni0
  ip -n $node link set cni0 mtu $mtu up
  ip -n $node link add veth0 mtu $mtu type veth peer name eth0 mtu $mtu netns $pod
  ip -n $node link set veth0 master cni0 up
  local pgso
  pgso=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["plugins"][0].get("gsoMaxSize", 0))' "$conf")
  if [ "$pgso" -gt 0 ]; then gso $node cni0 $pgso; gso $node veth0 $pgso; gso $pod eth0 $pgso; fi
  ip -n $pod addr add $ip/$len dev eth0
  ip -n $pod link set eth0 up; ip -n $pod link set lo up
  ip -n $pod route add default via $gw
  echo $ip
}

# iperf3 from namespace A to address IP in namespace B; prints Gbit/s received.
iperf() {
  local a=$1 b=$2 ip=$3
  ip netns exec $b iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
  local srv=$!
  sleep 0.3
  local out
  out=$(ip netns exec $a iperf3 -c $ip -p 5201 -t $SECS -O 1 -J 2>/dev/null || true)
  wait $srv 2>/dev/null || true
  python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print("%.2f" % (d["end"]["sum_received"]["bits_per_second"]/1e9))' <<<"$out" 2>/dev/null || echo "0.00"
}

run_direct() {
  topology ${1:-65536}
  iperf $N1 $N2 192.168.80.12
  stop_all
}

run_backend() {
  local backend=$1
  topology ${2:-65536}
  # A fresh directory per cluster: a subnet.env or conflist left by an earlier cluster would let
  # the pods start before this podnetd is ready, with the other fabric's gsoMaxSize.
  local dir; dir=$(mktemp -d "$WORK/$backend.XXXXXX"); mkdir -p $dir/n1 $dir/n2
  "$BIN/podnet" controlplane --socket $dir/api.sock --data $dir/data >$dir/cp.log 2>&1 &
  PIDS+=($!); echo $! >> "$WORK/pids"
  for _ in $(seq 100); do [ -S $dir/api.sock ] && break; sleep 0.1; done
  local i
  for i in 1 2; do
    ip netns exec pnt-ovb-$TAG-n$i "$BIN/podnetd" overlay --api $dir/api.sock --node node-$i --backend $backend \
      --iface eth0 --subnet-file $dir/n$i/subnet.env --cni-conf-dir $dir/n$i >$dir/n$i/podnetd.log 2>&1 &
    PIDS+=($!)
  done
  for i in 1 2; do
    # The conflist is written last, once the node is ready.
    for _ in $(seq 200); do [ -f $dir/n$i/10-podnet.conflist ] && break; sleep 0.1; done
    [ -f $dir/n$i/10-podnet.conflist ] || { echo "podnetd on node-$i did not start:" >&2; cat $dir/n$i/podnetd.log >&2; exit 1; }
  done
  pod $N1 $P1 $dir/n1/subnet.env $dir/n1/10-podnet.conflist >/dev/null
  local ip2; ip2=$(pod $N2 $P2 $dir/n2/subnet.env $dir/n2/10-podnet.conflist)
  for _ in $(seq 50); do ip netns exec $P1 ping -c1 -W1 $ip2 >/dev/null 2>&1 && break; sleep 0.2; done
  local g; g=$(iperf $P1 $P2 $ip2)
  # host-gw also measures node → node on these same nodes: podnetd's masquerade table makes the
  # kernel track connections in the node namespaces, which the bare anchor does not (context only).
  if [ $backend = host-gw ] && [ ${2:-65536} = 65536 ]; then g="$g $(iperf $N1 $N2 192.168.80.12)"; fi
  echo $g
  if [ -n "${DEBUG:-}" ]; then
    for n in $N1 $N2; do ip -n $n -s -d link show pn-tun0 >&2 2>/dev/null || true; ip netns exec $n nstat -az UdpRcvbufErrors UdpSndbufErrors UdpInErrors IpReasmFails IpReasmOKs IpFragCreates >&2 || true; done
    cat $dir/n1/podnetd.log >&2; ip netns exec $N1 ethtool -k pn-tun0 | grep -E "segmentation-offload|tx-checksumming|scatter" >&2; ip netns exec $P1 ethtool -k eth0 | grep -E "segmentation-offload|tx-checksumming" >&2; ip netns exec $N1 ethtool -k veth0 | grep -E "segmentation-offload|receive-offload" >&2
  fi
  stop_all
}

declare -A R
KINDS=${KINDS:-direct host-gw vxlan udp direct-big host-gw-big vxlan-big}
for k in direct host-gw vxlan udp nodes direct-big host-gw-big vxlan-big; do R[$k]=""; done
echo "bench/overlay: iperf3 TCP, ${SECS}s per transfer (+1s omitted), $ROUNDS rounds, $(nproc) cores, $(uname -r); load at start: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for r in $(seq $ROUNDS); do
  for k in $KINDS; do
    case $k in
      direct) g=$(run_direct); g2= ;;
      direct-big) g=$(run_direct $BIG); g2= ;;
      *-big) read -r g g2 <<<"$(run_backend ${k%-big} $BIG)" ;;
      *) read -r g g2 <<<"$(run_backend $k)" ;;
    esac
    echo "round $r  $k  $g Gbit/s${g2:+  (node → node on the same nodes: $g2)}" >&2
    R[$k]="${R[$k]} $g"
    [ -n "$g2" ] && R[nodes]="${R[nodes]:-} $g2"
  done
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
stat() { python3 -c 'import statistics,sys; v=[float(x) for x in sys.argv[1:]]; print("%.2f (%.2f–%.2f)" % (statistics.median(v), min(v), max(v)) if v else "not run")' ${R[$1]}; }
ratio() { python3 -c '
import statistics,sys
a=[float(x) for x in sys.argv[1].split()]; b=[float(x) for x in sys.argv[2].split()]
r=[x/y for x,y in zip(a,b) if y>0]
print("%.2f (rounds %s)" % (statistics.median(r), ", ".join("%.2f" % x for x in r)) if r else "n/a")' "${R[$1]}" "${R[$2]}"; }
echo
echo "| path (pod → pod on another node) | Gbit/s, median of $ROUNDS (min–max) |"
echo "|---|---|"
echo "| **fabric without BIG TCP (64 KiB GSO)** | |"
echo "| node → node directly (no Podnet) | $(stat direct) |"
echo "| host-gw | $(stat host-gw) |"
echo "| (context) node → node on the host-gw nodes, conntrack active | $(stat nodes) |"
echo "| vxlan | $(stat vxlan) |"
echo "| udp (userspace: TUN offloads + UDP GSO/GRO) | $(stat udp) |"
echo "| **BIG TCP fabric (192 KiB GSO on fabric and node uplinks)** | |"
echo "| node → node directly (no Podnet) | $(stat direct-big) |"
echo "| host-gw (pods get 192 KiB from podnetd) | $(stat host-gw-big) |"
echo "| vxlan (pods stay at 64 KiB: BIG TCP through the vxlan device collapses) | $(stat vxlan-big) |"
echo
echo "| ratio (median of per-round ratios) | measured | target |"
echo "|---|---|---|"
echo "| 64 KiB fabric: host-gw / direct | $(ratio host-gw direct) | ≥ 0.9 |"
echo "| (context) host-gw / node → node on the same nodes | $(ratio host-gw nodes) | |"
echo "| 64 KiB fabric: vxlan / host-gw | $(ratio vxlan host-gw) | ≥ 0.85 |"
echo "| udp / vxlan | $(ratio udp vxlan) | ≥ 0.6 |"
echo "| BIG TCP fabric: host-gw / direct | $(ratio host-gw-big direct-big) | ≥ 0.9 |"
echo "| BIG TCP fabric: vxlan / host-gw | $(ratio vxlan-big host-gw-big) | ≥ 0.85 |"
echo
echo "load average at end: $LOAD_END"
