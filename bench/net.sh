#!/usr/bin/env bash
# Network costs, side by side:
#  1. attach (veth + addresses + routes) of one netns, on a network with 1 and with 500
#     containers; with one published port, with 1 and with 500 published containers
#     (flat = O(1) rules: nft map elements, not chains);
#  2. `tinydocker run --rm` default network vs --network none (and podman's) once `run` works;
#  3. TCP throughput container -> host over veth + bridge.
# Only our own netns, bridges and loopback carry traffic.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RUNS=${RUNS:-20}
N=${N:-500}
W=$(bench_tmpdir)
export TINYDOCKER_ROOT=$W/root
NT=$PWD/build/net/td-nettool
TD=$PWD/build/tinydocker
P=tdb$$
cleanup() {
  for ns in $(ip netns list | awk '{print $1}' | grep "^$P-"); do
    ip netns pids "$ns" | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns"
  done
  TINYDOCKER_ROOT=$W/root "$NT" network cleanup >/dev/null 2>&1 || true
  if [ -n "${TDROOT2:-}" ]; then
    TINYDOCKER_ROOT=$TDROOT2 "$NT" network cleanup >/dev/null 2>&1 || true
  fi
  bench_cleanup "$W"
}
trap cleanup EXIT

"$NT" network create "$P" >/dev/null
for i in probe probep; do ip netns add "$P-$i"; done

attach_bench() { # label extra-flags...
  local label=$1
  shift
  hyperfine -N --warmup 3 --runs "$RUNS" --export-markdown "$W/a.md" \
    --prepare "$NT network _detach probe" \
    -n "$label" "$NT network _attach --network $P $* probe /run/netns/$P-probe" >&2
  tail -1 "$W/a.md"
}

echo "### attach one container (td-nettool: process start + netlink + record)"
echo
echo "| case | mean [ms] | min [ms] | max [ms] | relative |"
echo "|:---|---:|---:|---:|---:|"
attach_bench "no port, 1 on the network"
attach_bench "1 published port, 1 on the network" -p 80
for i in $(seq 1 "$N"); do
  ip netns add "$P-m$i"
  "$NT" network _attach --network "$P" -p 80 "m$i" "/run/netns/$P-m$i" >/dev/null
done
attach_bench "no port, $((N + 1)) on the network" 
attach_bench "1 published port, $((N + 1)) published" -p 80
"$NT" network _detach probe >/dev/null
echo
echo "nft rules in our table with $N containers published: $(nft -a list table inet "$(nft list tables | awk '/tinydocker-/ {print $3}' | head -1)" | grep -c handle) lines (elements are not rules)"

# throughput: a netns on the network sends to the host's gateway address
cc -O2 -o "$W/tcp_stream" bench/tcp_stream.c
gw=$("$NT" network inspect "$P" | jq -r '.[0].IPAM.Config[0].Gateway')
"$NT" network _attach --network "$P" probe "/run/netns/$P-probe" >/dev/null
"$W/tcp_stream" server 5201 >"$W/tput" &
sleep 0.3
ip netns exec "$P-probe" "$W/tcp_stream" client "$gw" 5201 2000
wait
echo
echo "TCP throughput container -> host (veth + bridge, 2000 MiB, one stream): $(cat "$W/tput")"

# engine level, when `tinydocker run` works
if "$TD" run --help >/dev/null 2>&1 && "$TD" images >/dev/null 2>&1; then
  TDROOT2=$W/eroot
  export TINYDOCKER_ROOT=$TDROOT2
  mkdir -p "$W/rootfs"
  BATS_TEST_DIRNAME=$PWD/tests/bats . tests/helpers/common.bash
  td_make_busybox_rootfs "$W/rootfs"
  if "$TD" run --rm --rootfs "$W/rootfs" --network none true >/dev/null 2>&1; then
    cmds=(-n "run --rm --network none" "$TD run --rm --rootfs $W/rootfs --network none true"
          -n "run --rm (default bridge)" "$TD run --rm --rootfs $W/rootfs true")
    hyperfine -N --warmup 3 --runs "$RUNS" --export-markdown "$W/run.md" "${cmds[@]}" >&2
    echo
    cat "$W/run.md"
  fi
fi
