#!/usr/bin/env bash
# The main job: a 3-node Kubernetes network on this machine, running the cafe example.
# Installs what it needs, builds, brings the lab up (vxlan overlay, service proxy and cluster DNS),
# applies examples/cafe, shows the nodes, pods and services, sends real traffic between pods (TCP,
# UDP, HTTP, across nodes, by ClusterIP and by DNS name), and takes the lab down again — leaving no namespace, link, process or file behind.
set -euo pipefail
cd "$(dirname "$0")"
[ "$(id -u)" = 0 ] || { echo "demo.sh must run as root (the lab creates network namespaces)" >&2; exit 1; }
scripts/deps.sh
scripts/build.sh
export PATH="$PWD/out/bin:$PATH"
export PODNET_LAB=cafe-demo

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

if podnet lab status "$PODNET_LAB" >/dev/null 2>&1 && [ -d "/run/podnet/$PODNET_LAB" ]; then
  echo "a lab named $PODNET_LAB exists already; remove it with: podnet lab down $PODNET_LAB" >&2; exit 1
fi
trap 'say "lab down"; podnet lab down "$PODNET_LAB"' EXIT

say "lab up: fabric, outside world, 3 nodes, control plane, podnetd (vxlan overlay + service proxy), kubelets, cluster DNS"
run podnet lab up --nodes 3
run podnet get nodes -o wide

say "apply the cafe: coffee and tea Deployments with Services, and a client pod"
run podnet apply -f examples/cafe/cafe.yaml
printf 'waiting for 6 pods to be Running and Ready'
for _ in $(seq 1 300); do
  ready=$(podnet get pods --no-headers 2>/dev/null | awk '{split($2, r, "/"); if ($3 == "Running" && r[1] == r[2]) n++} END {print n + 0}')
  [ "$ready" -ge 6 ] && break
  printf '.'; sleep 0.1
done
echo
run podnet get pods -o wide
run podnet get services
run podnet get endpointslices

# Pod IPs from the table (column 6 of -o wide), one coffee and one tea pod on different nodes when possible.
pods=$(podnet get pods -o wide --no-headers)
client_node=$(echo "$pods" | awk '$1 == "client" {print $7}')
tea=$(echo "$pods" | awk -v n="$client_node" '$1 ~ /^tea-/ && $7 != n {print $1, $6, $7; exit}')
[ -n "$tea" ] || tea=$(echo "$pods" | awk '$1 ~ /^tea-/ {print $1, $6, $7; exit}')
coffee=$(echo "$pods" | awk '$1 ~ /^coffee-/ {print $1, $6, $7; exit}')
read -r tea_pod tea_ip tea_node <<<"$tea"
read -r coffee_pod coffee_ip coffee_node <<<"$coffee"
client_ip=$(echo "$pods" | awk '$1 == "client" {print $6}')

say "traffic: client ($client_ip on $client_node) → tea ($tea_ip on $tea_node), no NAT between pods"
run podnet exec client -c client -- curl -sS "http://$tea_ip:8080/hostname"; echo
run podnet exec client -c client -- curl -sS "http://$tea_ip:8080/clientip"; echo
run podnet exec client -c client -- curl -sS "http://$tea_ip:8080/echo?msg=one+cup+of+tea"; echo

say "traffic: TCP and UDP probes from the client to every coffee and tea pod"
echo "$pods" | awk '$1 ~ /^(coffee|tea)-/ {print $1, $6, $7}' | while read -r pod ip node; do
  for proto in tcp udp; do
    port=8080; [ $proto = udp ] && port=8081
    printf '%-26s %-12s %-7s %s/%s: ' "$pod" "$ip" "$node" $proto $port
    podnet exec client -c client -- agnhost connect "$ip:$port" --protocol $proto --timeout 2s
  done
done

say "a Service: the client calls coffee's ClusterIP; podnetd proxy spreads the calls over the coffee pods"
coffee_vip=$(podnet get service coffee -o jsonpath='{.spec.clusterIP}')
for i in 1 2 3 4 5 6; do
  run podnet exec client -c client -- curl -sS --max-time 2 "http://$coffee_vip:80/hostname"; echo
done

say "cluster DNS: coredns pods (podnet dns) behind kube-dns 10.96.0.10; the client finds coffee by its short name"
run podnet get pods -n kube-system -o wide
run podnet exec client -c client -- cat /etc/resolv.conf
run podnet exec client -c client -- getent hosts coffee
run podnet exec client -c client -- curl -sS --max-time 2 "http://coffee/hostname"; echo

say "two containers of one pod share localhost"
run podnet logs client -c sidecar

say "every node reaches every pod (from node-1's namespace, ip netns exec); routes via the vxlan device"
run ip netns exec "pn-$PODNET_LAB-node-1" curl -sS "http://$coffee_ip:8080/hostname"; echo
run ip -n "pn-$PODNET_LAB-node-1" route

say "lab status"
run podnet lab status
