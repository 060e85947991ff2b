#!/usr/bin/env bash
# The main job (until the lab exists): two pod namespaces wired through podnet-cni exactly as a
# container runtime would do it (CNI_* variables, config on stdin, result on stdout), then a ping
# between them and to their gateway. The plugin runs inside a throwaway "node" namespace, so the
# bridge, routes and nft rules live there; the root namespace is never touched. Cleans up on exit.
set -euo pipefail
cd "$(dirname "$0")"
[ "$(id -u)" = 0 ] || { echo "demo.sh must run as root (it creates network namespaces)" >&2; exit 1; }
scripts/deps.sh
scripts/build.sh
bin="$PWD/out/bin"
tag=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
node="pn-demo$tag-node"; pods=("pn-demo$tag-p-1" "pn-demo$tag-p-2")
data=$(mktemp -d /tmp/pn-demo-XXXXXX)
conf=$(cat <<JSON
{"cniVersion":"1.1.0","name":"demo","type":"podnet-cni","bridge":"cni0","isGateway":true,
 "isDefaultGateway":true,"ipMasq":true,"mtu":1500,
 "ipam":{"type":"podnet-ipam","dataDir":"$data","ranges":[[{"subnet":"10.244.1.0/24"}]]}}
JSON
)
cni() { # cni COMMAND POD_INDEX
  echo "$conf" | ip netns exec "$node" env CNI_COMMAND="$1" CNI_CONTAINERID="demo-$2" \
    CNI_NETNS="/var/run/netns/${pods[$2]}" CNI_IFNAME=eth0 CNI_PATH="$bin" "$bin/podnet-cni"
}
cleanup() {
  set +e
  for i in 0 1; do cni DEL "$i" >/dev/null 2>&1; done
  for ns in "${pods[@]}" "$node"; do ip netns pids "$ns" 2>/dev/null | xargs -r kill -9; ip netns del "$ns" 2>/dev/null; done
  rm -rf "$data"
}
trap cleanup EXIT
ip netns add "$node"
for ns in "${pods[@]}"; do ip netns add "$ns"; done

declare -a ips
for i in 0 1; do
  echo "== CNI ADD ${pods[$i]}"
  result=$(cni ADD "$i")
  echo "$result" | python3 -m json.tool
  ips[$i]=$(echo "$result" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ips"][0]["address"].split("/")[0])')
done
echo "== node $node"; ip -n "$node" -br addr; ip netns exec "$node" nft list table inet podnet-cni | head -20
echo "== ping ${pods[0]} (${ips[0]}) -> ${pods[1]} (${ips[1]})"
ip netns exec "${pods[0]}" ping -c 3 -W 1 "${ips[1]}"
echo "== ping ${pods[1]} -> gateway 10.244.1.1"
ip netns exec "${pods[1]}" ping -c 3 -W 1 10.244.1.1
for i in 0 1; do echo "== CNI DEL ${pods[$i]}"; cni DEL "$i"; done
echo "== IPAM directory after DEL: $(ls "$data/demo" | tr "\n" " ")"
echo "demo OK"
