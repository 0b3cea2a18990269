#!/usr/bin/env bash
# Issue 18's scale figures: N (1000) detached containers (`run -d busybox sleep 1d`) on one
# root, for each network in NETWORKS ("none bridge"): the host's limits first (which one would
# stop it), then the start rate, `ps` and `ps -a` with N, the memory of an idle container (PSS
# and RSS of its monitor and its init from /proc/PID/smaps_rollup, the kernel memory its
# cgroup is charged, and MemAvailable's drop over all N), and `rm -f` of all of them.
# Markdown on stdout, progress on stderr. A `run` that fails stops the series and is reported
# with its error (the limit that stopped it).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
. bench/lib.sh
N=${N:-1000}
NETWORKS=${NETWORKS:-none bridge}
TD_BIN=${TINYDOCKER:-$PWD/build/tinydocker}
W=$(bench_tmpdir)
export TINYDOCKER_ROOT=$W/root
TD=("$TD_BIN")
trap 'set +e; ids=$("${TD[@]}" ps -aq --no-trunc 2>/dev/null); [ -z "$ids" ] || "${TD[@]}" rm -f $ids >/dev/null 2>&1; "${TD[@]}" network cleanup >/dev/null 2>&1; bench_cleanup "$W"' EXIT
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
kb() { awk -v k="$2" '$1 == k":" {print $2}' "$1" 2>/dev/null; }
# a cgroup file of a container, the first hierarchy that has it (v1 memory, or v2)
cgfile() { # id file
  local f
  for f in /sys/fs/cgroup/memory/tinydocker/"$1"/"$2" /sys/fs/cgroup/tinydocker/"$1"/"$2"; do
    [ -r "$f" ] && { echo "$f"; return; }
  done
}

echo "Machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(date -u '+%F %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "### Limits that $N containers meet (each: a monitor, an init, a cgroup per hierarchy, a mount, a veth pair on a network)"
echo
procs=$(ps -e --no-headers | wc -l)
echo "| limit | value | $N containers need |"
echo "| --- | --- | --- |"
echo "| kernel.pid_max | $(cat /proc/sys/kernel/pid_max) ($procs processes now) | $((2 * N)) pids (monitor + init) |"
echo "| kernel.threads-max | $(cat /proc/sys/kernel/threads-max) | $((2 * N)) |"
echo "| RLIMIT_NPROC (root: not enforced) | $(ulimit -u) | - |"
echo "| fs.file-max / open now | $(cat /proc/sys/fs/file-max) / $(cut -f1 /proc/sys/fs/file-nr) | ~10 per monitor: ~$((10 * N)) |"
echo "| RLIMIT_NOFILE of the CLI | $(ulimit -n) | a monitor's own fds only (per process) |"
echo "| fs.inotify.max_user_instances / watches | $(cat /proc/sys/fs/inotify/max_user_instances) / $(cat /proc/sys/fs/inotify/max_user_watches) | none held by an idle container (only cgroup v2 OOM waits use one, briefly) |"
echo "| fs.mount-max (per namespace) | $(cat /proc/sys/fs/mount-max 2>/dev/null || echo -) ($(findmnt -rn | wc -l) host mounts now) | $N overlays in the host's namespace |"
echo "| MemAvailable | $(awk '/MemAvailable/ {printf "%d MiB", $2/1024}' /proc/meminfo) | see below |"
echo "| default network | 172.x/16 | $N addresses |"
echo

"${TD[@]}" create-default >/dev/null

for net in $NETWORKS; do
  echo "### $N containers, --network $net"
  echo
  sync
  "${TD[@]}" run --rm --network "$net" busybox true >/dev/null # warm-up (the network, caches)
  avail0=$(kb /proc/meminfo MemAvailable)
  load0=$(cut -d' ' -f1 /proc/loadavg)
  t=$(date +%s%N)
  started=0 why=""
  slowest=0
  for i in $(seq "$N"); do
    t1=$(date +%s%N)
    if ! out=$("${TD[@]}" run -d --network "$net" busybox sleep 1d 2>&1); then
      why="container $i: $out"
      break
    fi
    d=$((($(date +%s%N) - t1) / 1000000))
    [ "$d" -le "$slowest" ] || slowest=$d
    started=$i
    [ $((i % 100)) != 0 ] || echo "# $net: $i started, $(ms_since "$t") ms" >&2
  done
  t_start=$(ms_since "$t")
  sleep 2 # the monitors hand over to the idle program after 100 ms
  avail1=$(kb /proc/meminfo MemAvailable)
  rate=$(awk -v n="$started" -v ms="$t_start" 'BEGIN {printf "%.1f", n * 1000 / ms}')
  hyperfine -N --warmup 2 --runs "${PS_RUNS:-10}" --export-json "$W/ps.json" \
    "${TD[*]} ps" "${TD[*]} ps -a" >&2 2>/dev/null
  ps_ms=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(" / ".join("%.1f" % (x["median"]*1000) for x in r))' "$W/ps.json")
  # memory: every container's monitor and init
  mem=$("${TD[@]}" ps -q --no-trunc | while read -r id; do
    pid=$("${TD[@]}" inspect -f '{{.State.Pid}}' "$id")
    mon=$(awk '/^PPid/ {print $2}' "/proc/$pid/status")
    k=$(cgfile "$id" memory.kmem.usage_in_bytes)
    if [ -n "$k" ]; then k=$(cat "$k"); else
      k=$(cgfile "$id" memory.stat)
      k=$([ -n "$k" ] && awk '$1 == "kernel" {print $2}' "$k")
    fi
    u=$(cgfile "$id" memory.usage_in_bytes)
    u=$([ -n "$u" ] && cat "$u" || cat "$(cgfile "$id" memory.current)" 2>/dev/null)
    echo "$(kb /proc/$mon/smaps_rollup Pss) $(kb /proc/$mon/smaps_rollup Rss) $(kb /proc/$pid/smaps_rollup Pss) $(kb /proc/$pid/smaps_rollup Rss) ${k:-0} ${u:-0} $(ls /proc/$mon/fd | wc -l)"
  done | awk '{n++; for (i = 1; i <= 7; i++) s[i] += $i} END {if (n) printf "%d %.0f %.0f %.0f %.0f %.0f %.0f %.1f", n, s[1]/n, s[2]/n, s[3]/n, s[4]/n, s[5]/n/1024, s[6]/n/1024, s[7]/n}')
  read -r mn mpss mrss ipss irss kmem cgmem mfds <<<"$mem"
  t=$(date +%s%N)
  ids=$("${TD[@]}" ps -aq --no-trunc)
  "${TD[@]}" rm -f $ids >/dev/null || echo "# rm -f failed" >&2
  t_rm=$(ms_since "$t")
  left=$("${TD[@]}" ps -aq | wc -l)
  echo "| figure | value |"
  echo "| --- | --- |"
  echo "| started | $started of $N${why:+ (stopped by: $why)} |"
  echo "| start all, one \`run -d\` after another | $t_start ms: **$rate containers/s** (slowest run $slowest ms; load $load0 before, $(cut -d' ' -f1 /proc/loadavg) after) |"
  echo "| \`ps\` / \`ps -a\` with $started (median of ${PS_RUNS:-10}) | **$ps_ms ms** |"
  echo "| monitor per container (PSS / RSS, fds) | **$mpss / $mrss KB**, $mfds fds (mean of $mn) |"
  echo "| init (\`sleep\`) per container (PSS / RSS) | $ipss / $irss KB |"
  echo "| cgroup's charge per container (all / kernel) | $cgmem / $kmem KB |"
  echo "| MemAvailable drop per container (everything: processes, kernel, netns, mounts, page cache of records) | **$(((avail0 - avail1) / (started > 0 ? started : 1))) KB** |"
  echo "| \`rm -f\` of all $started in one command | **$t_rm ms** ($left left) |"
  echo
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
