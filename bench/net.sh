#!/usr/bin/env bash
# Network costs, tinydocker side by side with podman (runc, CNI bridge + portmap) where it
# applies, each with private roots:
#  1. attach of one netns through td-nettool (veth + addresses + routes + record), on a network
#     with 1 and with N containers, with one published port with 1 and with N published;
#  2. `run --rm busybox true`: the default network against --network none;
#  3. `run --rm -p 80 busybox true` with 1 and with N containers running, each publishing a
#     port (podman with PN, smaller: about 1 s per container here);
#  4. TCP throughput container -> host (the network's gateway address), one stream.
# Only our own netns, bridges, podman's bridge and loopback carry traffic.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RUNS=${RUNS:-20}
PRUNS=${PRUNS:-10}
N=${N:-500}
PN=${PN:-50}
MB=${MB:-2000}
W=$(bench_tmpdir)
NT=$PWD/build/tests/helpers/td-nettool
TDB=$PWD/build/tinydocker
TD="$TDB --root $W/td"
PODMAN="podman --root $W/podman --runroot $W/podman-run --runtime runc --cgroup-manager cgroupfs --events-backend none"
# CAP_SYS_RESOURCE is absent here: podman's default rlimits cannot be set
PODRUN="--ulimit nofile=20000:20000 --ulimit nproc=32768:32768"
have_podman=0
command -v podman >/dev/null && command -v runc >/dev/null && have_podman=1
cni_bridge_before=0
ip link show cni-podman0 >/dev/null 2>&1 && cni_bridge_before=1
cni_nat_before=0
iptables -t nat -S CNI-HOSTPORT-DNAT >/dev/null 2>&1 && cni_nat_before=1
P=tdb$$
SRV=
cleanup() {
  set +e
  [ -z "$SRV" ] || kill "$SRV" 2>/dev/null
  for ns in $(ip netns list | awk '{print $1}' | grep "^$P-"); do
    ip netns pids "$ns" | xargs -r kill -9 2>/dev/null
    ip netns del "$ns"
  done
  TINYDOCKER_ROOT=$W/root "$NT" network cleanup >/dev/null 2>&1
  ids=$($TD ps -aq --no-trunc 2>/dev/null)
  [ -z "$ids" ] || $TD rm -f $ids >/dev/null 2>&1
  $TD network cleanup >/dev/null 2>&1
  if [ $have_podman = 1 ]; then
    $PODMAN rm -af -t 0 >/dev/null 2>&1
    $PODMAN system reset -f >/dev/null 2>&1
    # podman's bridge, if this bench made it and nothing else uses it
    if [ $cni_bridge_before = 0 ] && [ -z "$(ip -o link show master cni-podman0 2>/dev/null)" ]; then
      ip link del cni-podman0 2>/dev/null
    fi
    # the portmap plugin's global nat chains, if this bench made them and they are empty
    if [ $cni_nat_before = 0 ] && [ "$(iptables -t nat -S CNI-HOSTPORT-DNAT 2>/dev/null | wc -l)" = 1 ]; then
      iptables -t nat -D PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
      iptables -t nat -D OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
      iptables -t nat -D POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" \
        -j CNI-HOSTPORT-MASQ
      for c in CNI-HOSTPORT-DNAT CNI-HOSTPORT-MASQ CNI-HOSTPORT-SETMARK; do
        iptables -t nat -F "$c" && iptables -t nat -X "$c"
      done
    fi
  fi
  bench_cleanup "$W"
}
trap cleanup EXIT

median_ms() { # hyperfine json -> "name median"
  python3 -c 'import json,sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("| %s | %.1f | %.1f | %.1f |" % (r["command"], r["median"]*1000, r["min"]*1000, r["max"]*1000))' "$1"
}

echo "machine: $(nproc) cores, $(uname -r), load before: $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
echo

# 1. attach alone ----------------------------------------------------------------------
export TINYDOCKER_ROOT=$W/root
"$NT" network create "$P" >/dev/null
ip netns add "$P-probe"
attach_bench() { # label extra-flags...
  local label=$1
  shift
  hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$W/a.json" \
    --prepare "$NT network _detach probe" \
    -n "$label" "$NT network _attach --network $P $* probe /run/netns/$P-probe" >&2
  median_ms "$W/a.json"
}
echo "### attach one container (td-nettool: process start + netlink + record), $RUNS runs"
echo
echo "| case | median [ms] | min [ms] | max [ms] |"
echo "|:---|---:|---:|---:|"
attach_bench "no port, 1 on the network"
attach_bench "1 published port, 1 on the network" -p 80
for i in $(seq 1 "$N"); do
  ip netns add "$P-m$i"
  "$NT" network _attach --network "$P" -p 80 "m$i" "/run/netns/$P-m$i" >/dev/null
done
attach_bench "no port, $((N + 1)) on the network"
attach_bench "1 published port, $((N + 1)) published" -p 80
"$NT" network _detach probe >/dev/null
table=
for t in $(nft list tables | awk '$2 == "inet" && $3 ~ /^tinydocker/ {print $3}'); do
  # grep -c reads it all (grep -q would cut nft off: a SIGPIPE under pipefail)
  if [ "$(nft list table inet "$t" 2>/dev/null | grep -cF "comment \"$(realpath "$W/root")\"")" -gt 0 ]; then
    table=$t
  fi
done
echo
echo "nft rules in our table with $N containers published: $(nft -a list table inet "$table" | grep -c '# handle') (elements are not rules)"
for ns in $(ip netns list | awk '{print $1}' | grep "^$P-"); do ip netns del "$ns"; done
"$NT" network cleanup >/dev/null
unset TINYDOCKER_ROOT

# engine level: tinydocker and podman with the same busybox image -------------------------
$TD create-default >/dev/null
if [ $have_podman = 1 ]; then
  $TD save -o "$W/busybox.tar" busybox:latest
  $PODMAN load -q -i "$W/busybox.tar" >/dev/null
fi

echo
echo "### run --rm busybox true: default network vs --network none (median of $RUNS, podman $PRUNS)"
echo
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$W/r1.json" \
  -n "tinydocker --network none" "$TD run --rm --network none busybox true" \
  -n "tinydocker (default bridge)" "$TD run --rm busybox true" >&2
echo "| command | median [ms] | min [ms] | max [ms] |"
echo "|:---|---:|---:|---:|"
median_ms "$W/r1.json"
if [ $have_podman = 1 ]; then
  hyperfine -N --warmup 2 --runs "$PRUNS" --export-json "$W/r2.json" \
    -n "podman --network none" "$PODMAN run --rm $PODRUN --network none busybox true" \
    -n "podman (default CNI bridge)" "$PODMAN run --rm $PODRUN busybox true" >&2
  median_ms "$W/r2.json"
fi
# hyperfine runs one command's runs, then the other's: on this shared VM the load drifts
# between the two (one run gave none 84 ms, default 61 ms). Pairs, interleaved, compare under
# the same load: "after none" alternates none/default (each default run follows a none run),
# "back to back" times the second of two default runs against the second of two none runs
# (a default run right after another, whose veth the kernel is still deleting)
pairs() { # mode -> "none_median default_median paired_median"
  python3 - "$1" "$RUNS" $TD <<'PY'
import statistics, subprocess, sys, time
mode, n, td = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
none = td + ["run", "--rm", "--network", "none", "busybox", "true"]
dflt = td + ["run", "--rm", "busybox", "true"]
def t(c):
    s = time.perf_counter(); subprocess.run(c, check=True); return (time.perf_counter() - s) * 1000
a, b = [], []
for i in range(n):
    if mode == "interleaved":
        if i % 2: a.append(t(none)); b.append(t(dflt))
        else: b.append(t(dflt)); a.append(t(none))
    else:
        t(dflt); b.append(t(dflt)); t(none); a.append(t(none))
print("%.1f %.1f %+.1f" % (statistics.median(a), statistics.median(b),
                           statistics.median([y - x for x, y in zip(a, b)])))
PY
}
echo
echo "### the same in $RUNS pairs under the same load (medians)"
echo
echo "| pairs | --network none [ms] | default [ms] | default - none, paired [ms] |"
echo "|:---|---:|---:|---:|"
read -r n d p < <(pairs interleaved)
echo "| interleaved | $n | $d | $p |"
read -r n d p < <(pairs back-to-back)
echo "| back to back | $n | $d | $p |"

echo
echo "### run --rm -p 80 busybox true, with 1 and with many containers running (each publishing a port);"
echo "### --network none alongside: what the other containers cost without any network"
echo
echo "| command | median [ms] | min [ms] | max [ms] |"
echo "|:---|---:|---:|---:|"
pub_bench() { # label engine runs json: with -p 80, and without a network for comparison
  local label=$1 eng=$2 runs=$3 extra=
  [ "$eng" = "$TD" ] || extra=$PODRUN
  hyperfine -N --warmup 2 --runs "$runs" --export-json "$W/$4" \
    -n "$label, -p 80" "$eng run --rm $extra -p 80 busybox true" \
    -n "$label, --network none" "$eng run --rm $extra --network none busybox true" >&2
  median_ms "$W/$4"
}
start_many() { # engine count
  local extra=
  [ "$1" = "$TD" ] || extra=$PODRUN
  for i in $(seq 1 "$2"); do $1 run -d $extra -p 80 busybox sleep 3600 >/dev/null; done
}
start_many "$TD" 1
pub_bench "tinydocker, 1 running" "$TD" "$RUNS" p1.json
t=$(date +%s%N)
start_many "$TD" $((N - 1))
td_start=$((($(date +%s%N) - t) / 1000000))
pub_bench "tinydocker, $N running" "$TD" "$RUNS" p2.json
$TD rm -f $($TD ps -aq --no-trunc) >/dev/null
if [ $have_podman = 1 ]; then
  start_many "$PODMAN" 1
  pub_bench "podman, 1 running" "$PODMAN" "$PRUNS" p3.json
  t=$(date +%s%N)
  start_many "$PODMAN" $((PN - 1))
  p_start=$((($(date +%s%N) - t) / 1000000))
  pub_bench "podman, $PN running" "$PODMAN" "$PRUNS" p4.json
  $PODMAN rm -af -t 0 >/dev/null
fi
echo
echo "starting the background containers (run -d -p 80): tinydocker $((N - 1)) in $td_start ms${p_start:+, podman $((PN - 1)) in $p_start ms}"

echo
echo "### TCP throughput container -> host (gateway address, one stream of $MB MiB)"
echo
mkdir -p "$W/tb"
cc -O2 -static -o "$W/tb/tcp_stream" bench/tcp_stream.c
tput() { # label engine gateway
  local extra= port=$((20000 + RANDOM % 20000))
  [ "$2" = "$TD" ] || extra=$PODRUN
  "$W/tb/tcp_stream" server "$port" >"$W/tput" &
  SRV=$!
  sleep 0.3
  # through sh: tinydocker looks the command up in the image before the volume is mounted
  $2 run --rm $extra -v "$W/tb:/tb:ro" busybox sh -c "/tb/tcp_stream client $3 $port $MB"
  wait "$SRV"
  SRV=
  echo "| $1 | $(cat "$W/tput") |"
}
echo "| engine | throughput |"
echo "|:---|---:|"
gw=$($TD network inspect bridge | jq -r '.[0].IPAM.Config[0].Gateway')
tput tinydocker "$TD" "$gw"
if [ $have_podman = 1 ]; then
  $PODMAN run --rm $PODRUN busybox true
  pgw=$($PODMAN network inspect podman | jq -r '.[0].subnets[0].gateway')
  tput "podman (CNI bridge)" "$PODMAN" "$pgw"
fi
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
