#!/usr/bin/env bash
# Drives podnet-cni through podman's CNI backend (libcni). Run as:
#   nsenter --net=<node netns> unshare --mount --propagation private bash podman.sh DIR
# so podman's CNI calls land in the throwaway node namespace, and its netns files (/run/netns) and
# libcni result cache (/var/lib/cni, on a private tmpfs over /var/lib) are private bind mounts of DIR:
# nothing outside is touched.
set -euo pipefail
T=$1
mount --bind "$T/netns" /run/netns
# A fresh machine has no /var/lib/cni (podman creates it on first use); the cache goes on a private
# tmpfs over /var/lib instead of a new directory on the host. podman's own state is under --root/--runroot.
mount -t tmpfs -o mode=0755 pnt-podman-varlib /var/lib
mkdir /var/lib/cni
mount --bind "$T/cni-cache" /var/lib/cni
PM=(env CONTAINERS_CONF="$T/containers.conf" podman --root "$T/root" --runroot "$T/runroot" --cni-config-dir "$T/cni")
R=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --network pmnet --rootfs "$T/rootfs")
trap '"${PM[@]}" rm -f -t 0 a b >/dev/null 2>&1 || true' EXIT

"${PM[@]}" run --rm "${R[@]}" /bin/sh -c "ip -4 addr show eth0; ping -c1 -W2 10.66.0.1" && echo "STEP one-shot OK"
"${PM[@]}" run -d --name a "${R[@]}" /bin/sleep 120 >/dev/null
"${PM[@]}" run -d --name b "${R[@]}" /bin/sleep 120 >/dev/null
ipb=$("${PM[@]}" inspect -f '{{(index .NetworkSettings.Networks "pmnet").IPAddress}}' b)
echo "IP b $ipb"
"${PM[@]}" exec a ping -c1 -W2 "$ipb" && echo "STEP ping OK"
echo "CACHED $(ls /var/lib/cni/results | grep -c pmnet || true)"
"${PM[@]}" rm -f -t 0 b >/dev/null && echo "STEP rm b OK"
echo "CACHED-MID $(ls /var/lib/cni/results | grep -c pmnet || true)"
"${PM[@]}" rm -f -t 0 a >/dev/null && echo "STEP rm OK"
echo "CACHED-AFTER $(ls /var/lib/cni/results | grep -c pmnet || true)"
