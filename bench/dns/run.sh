#!/usr/bin/env bash
# bench/dns: dnsperf against podnet dns and against Knot DNS serving the same zone, in the same run,
# on loopback (127.0.0.1, high ports; nothing leaves the machine). Prints a markdown table.
#   bench/dns/run.sh            full run (about 2 minutes)
#   bench/dns/run.sh --smoke    tiny sizes and 2-second runs, no figures worth keeping
set -euo pipefail
cd "$(dirname "$0")/../.."
smoke=0; [ "${1:-}" = "--smoke" ] && smoke=1
if [ $smoke = 1 ]; then services=50; endpoints=100; dur=2; big_s=200; big_e=1000; else services=1000; endpoints=5000; dur=15; big_s=10000; big_e=50000; fi
for t in dnsperf knotd; do command -v $t >/dev/null || { echo "missing $t: apt-get install -y dnsperf knot" >&2; exit 1; }; done

work=$(mktemp -d /tmp/pn-bench-dns.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

dotnet build -c Release bench/dns -o "$work/bin" --nologo -v q >/dev/null
bench="dotnet $work/bin/Podnet.Dns.Bench.dll"
$bench gen "$work/zone" $services $endpoints >/dev/null
$bench gen "$work/big" $big_s $big_e >/dev/null

port_pn=$((20000 + RANDOM % 20000)); port_knot=$((port_pn + 1))
mkdir -p "$work/knot"
cat > "$work/knot/knot.conf" <<CONF
server:
    rundir: "$work/knot"
    listen: 127.0.0.1@$port_knot
    udp-workers: 2
    tcp-workers: 1
    background-workers: 1
database:
    storage: "$work/knot"
log:
  - target: stderr
    any: error
zone:
  - domain: cluster.local
    file: "$work/zone/cluster.local.zone"
    journal-content: none
    zonefile-sync: -1
CONF
knotd -c "$work/knot/knot.conf" 2>"$work/knot.log" & pids+=($!); pid_knot=$!
$bench serve --state "$work/zone/state.json" --listen 127.0.0.1:$port_pn --upstream none --workers 2 2>"$work/pn.log" & pids+=($!); pid_pn=$!

wait_up() { for _ in $(seq 100); do dig @127.0.0.1 -p "$1" +time=1 +tries=1 dns-version.cluster.local TXT +short 2>/dev/null | grep -q 1.1.0 && return 0; sleep 0.2; done; echo "server on port $1 did not come up" >&2; cat "$work"/*.log >&2; exit 1; }
wait_up $port_pn; wait_up $port_knot

# Same answers from both (spot check): a ClusterIP name and a headless endpoint name.
q1=$(head -1 "$work/zone/queries.txt" | cut -d' ' -f1); q2=$(grep -m1 -- '-' "$work/zone/queries.txt" | cut -d' ' -f1)
for q in $q1 $q2; do
  a=$(dig @127.0.0.1 -p $port_pn "$q" A +short | sort); b=$(dig @127.0.0.1 -p $port_knot "$q" A +short | sort)
  [ "$a" = "$b" ] && [ -n "$a" ] || { echo "answers differ for $q: podnet [$a] knot [$b]" >&2; exit 1; }
done

# dnsperf: -c clients (source ports, spread over SO_REUSEPORT sockets), -q outstanding queries.
perf() { dnsperf -s 127.0.0.1 -p "$1" -d "$work/zone/queries.txt" -l "$2" -c 8 -q 256 -T 1 ${3:-} 2>&1; }
qps() { sed -nE 's/.*Queries per second: +([0-9.]+).*/\1/p'; }
lost() { sed -nE 's/.*Queries lost: +([0-9]+).*/\1/p'; }
perf $port_pn 2 >/dev/null; perf $port_knot 2 >/dev/null   # warm-up (JIT, caches)
# Server CPU time per answered query (utime+stime from /proc): unlike qps, it does not depend on how
# much of the machine the other processes leave to the server during the run.
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
declare -A Q C N
for round in 1 2; do
  for who in pn knot; do
    port=$port_pn; pid=$pid_pn; [ $who = knot ] && { port=$port_knot; pid=$pid_knot; }
    t0=$(ticks $pid); out=$(perf $port $dur); t1=$(ticks $pid)
    v=$(echo "$out" | qps); Q[$who,$round]=$v
    C[$who]=$(( ${C[$who]:-0} + t1 - t0 )); N[$who]=$(( ${N[$who]:-0} + $(echo "$out" | sed -nE 's/.*Queries completed: +([0-9]+).*/\1/p') ))
    echo "round $round $who: $v qps, lost $(echo "$out" | lost), cpu $((t1 - t0)) ticks" >&2
  done
done
us() { awk -v c="${C[$1]}" -v n="${N[$1]}" -v hz="$hz" 'BEGIN{printf "%.2f", c / hz * 1e6 / n}'; }
pn_us=$(us pn); knot_us=$(us knot)
best() { printf '%s\n%s\n' "${Q[$1,1]}" "${Q[$1,2]}" | sort -g | tail -1; }
pn_qps=$(best pn); knot_qps=$(best knot)

# Latency at a fixed rate: dnsperf -v prints each answer's latency (seconds, last field). Two rates:
# half of our peak, and half of the qps target (2 x 33,669 / 2), the load the p99 target speaks of.
# dnsperf and the pipeline reading its -v output share the 2 cores with the server, which inflates tails.
half=$(awk -v q="$pn_qps" 'BEGIN{printf "%d", q/2}')
target_half=33669
lat() {
  dnsperf -s 127.0.0.1 -p "$1" -d "$work/zone/queries.txt" -l $((dur < 5 ? dur : 5)) -c 8 -q 256 -Q "$2" -v 2>/dev/null \
    | awk '$1=="<" || $1==">" {print $NF}' | grep -E '^[0-9.]+$' | sort -g \
    | awk '{a[NR]=$1} END{if(NR==0){print "n/a n/a n/a"; exit} printf "%.3f %.3f %.3f\n", a[int(NR*0.5)+1]*1000, a[int(NR*0.99)+1]*1000, a[NR]*1000}'
}
read pn_p50 pn_p99 pn_max < <(lat $port_pn $half)
read kn_p50 kn_p99 kn_max < <(lat $port_knot $half)
read pt_p50 pt_p99 pt_max < <(lat $port_pn $target_half)
read kt_p50 kt_p99 kt_max < <(lat $port_knot $target_half)

# Memory with 10k Services / 50k endpoints, and time until a Service change is answered.
chg=$($bench change "$work/big/state.json" | tail -1)
rss=$(echo "$chg" | sed -nE 's/.*rss_mb=([0-9]+).*/\1/p')
chg_med=$(echo "$chg" | sed -nE 's/.*change_visible_ms_median=([0-9.]+).*/\1/p')
chg_max=$(echo "$chg" | sed -nE 's/.*change_visible_ms_max=([0-9.]+).*/\1/p')

ratio=$(awk -v a="$pn_qps" -v b="$knot_qps" 'BEGIN{printf "%.2f", a/b}')
vs_core=$(awk -v a="$pn_qps" 'BEGIN{printf "%.2f", a/33669}')
cat <<MD
| measure | podnet dns | Knot DNS $(knotd --version | awk '{print $NF}') | target |
|---|---|---|---|
| qps, cluster names (best of 2 × ${dur}s, dnsperf -c 8 -q 256) | $pn_qps | $knot_qps | ≥ 67,338 (2× CoreDNS 33,669); ≥ 0.8× Knot |
| ratio to Knot / to CoreDNS's 33,669 | ${ratio}× / ${vs_core}× | 1× | ≥ 0.8× / ≥ 2× |
| server CPU per answered query (all rounds) | ${pn_us} µs | ${knot_us} µs | |
| qps per fully used core (1 / CPU per query) | $(awk -v u=$pn_us 'BEGIN{printf "%d", 1e6/u}') | $(awk -v u=$knot_us 'BEGIN{printf "%d", 1e6/u}') | |
| latency at $half qps (half our peak): p50 / p99 / max ms | $pn_p50 / $pn_p99 / $pn_max | $kn_p50 / $kn_p99 / $kn_max | |
| latency at $target_half qps (half the qps target): p50 / p99 / max ms | $pt_p50 / $pt_p99 / $pt_max | $kt_p50 / $kt_p99 / $kt_max | p99 < 1 ms |
| RSS with $big_s Services / $big_e endpoints | ${rss} MB | | < 200 MB |
| Service change visible in answers: median / max of 5 | ${chg_med} / ${chg_max} ms | | < 100 ms |
MD
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC'); zone: $services services, $endpoints endpoints" 
