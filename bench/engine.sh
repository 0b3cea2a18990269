#!/usr/bin/env bash
# tinydocker vs podman (runc), side by side in one run, both with --network none and private
# roots: `run --rm busybox true`, the idle monitor's RSS vs conmon's, and N (200) detached
# containers: start them all, `ps`, then `rm -f` them all. Medians (the issue's goals are
# medians), with the load average before and after (the figures mean little on a busy host).
# NO_PODMAN=1 skips podman (a quick run of tinydocker's own figures).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RUNS=${RUNS:-30}
N=${N:-200}
PN=${PN:-$N} # podman bulk count (it takes ~1 s per container here)
W=$(bench_tmpdir)
TD="$PWD/build/tinydocker --root $W/td"
PODMAN="podman --root $W/podman --runroot $W/podman-run --runtime runc --cgroup-manager cgroupfs --events-backend none"
PODRUN="--network none --ulimit nofile=20000:20000 --ulimit nproc=32768:32768"
have_podman=0
[ "${NO_PODMAN:-0}" = 1 ] || { command -v podman >/dev/null && command -v runc >/dev/null && have_podman=1; }
# median and mean CPU (user + system) of hyperfine's first result, in ms
hf_median() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]; print("%.1f" % (r["median"]*1000))' "$@"; }
hf_cpu() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]; print("%.1f" % ((r["user"]+r["system"])*1000))' "$@"; }
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
cleanup() {
  set +e # lib.sh pipelines may fail harmlessly; the cleanup must run to the end
  $TD rm -f $($TD ps -aq --no-trunc 2>/dev/null) >/dev/null 2>&1 || true
  $TD network cleanup >/dev/null 2>&1 || true
  [ $have_podman = 0 ] || $PODMAN rm -af -t 0 >/dev/null 2>&1 || true
  [ $have_podman = 0 ] || $PODMAN system reset -f >/dev/null 2>&1 || true
  bench_cleanup "$W"
}
trap cleanup EXIT

$TD create-default >/dev/null
if [ $have_podman = 1 ]; then
  $TD save -o "$W/busybox.tar" busybox:latest
  $PODMAN load -q -i "$W/busybox.tar" >/dev/null
  # podman's load leaves ~10 s of writeback and discards on this ext4 (mounted with
  # discard): runs timed in them took 20-24 ms instead of 14-17 (seen in session 6)
  sync
  sleep "${SETTLE:-15}"
fi

echo "### run --rm busybox true"
echo
cmds=(-n "tinydocker run --rm" "$TD run --rm --network none busybox true")
[ $have_podman = 0 ] || cmds+=(-n "podman --runtime runc run --rm" "$PODMAN run --rm $PODRUN busybox true")
hyperfine -N --warmup 3 --runs "$RUNS" --export-markdown "$W/run.md" --export-json "$W/run.json" \
  "${cmds[@]}" >&2
cat "$W/run.md"
echo
echo "tinydocker median: $(hf_median "$W/run.json" 0) ms (CPU $(hf_cpu "$W/run.json" 0) ms)"
[ $have_podman = 0 ] || echo "podman median: $(hf_median "$W/run.json" 1) ms"

echo
echo "### idle monitor RSS"
echo
id=$($TD run -d --network none busybox sleep 600)
pid=$($TD inspect -f '{{.State.Pid}}' "$id")
mon=$(awk '/^PPid/ {print $2}' "/proc/$pid/status")
sleep 0.5
echo "| process | RSS (KB) |"
echo "| --- | --- |"
echo "| tinydocker monitor | $(awk '/^VmRSS/ {print $2}' "/proc/$mon/status") |"
$TD rm -f "$id" >/dev/null
if [ $have_podman = 1 ]; then
  pid=$($PODMAN run -d $PODRUN busybox sleep 600)
  ppid=$($PODMAN inspect -f '{{.State.ConmonPid}}' "$pid")
  sleep 0.5
  echo "| podman's conmon | $(awk '/^VmRSS/ {print $2}' "/proc/$ppid/status") |"
  $PODMAN rm -f -t 0 "$pid" >/dev/null
fi

echo
echo "### $N detached containers"
echo
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
echo "| step | tinydocker, $N containers (ms) | podman, $PN containers (ms) |"
echo "| --- | --- | --- |"
t=$(date +%s%N)
for i in $(seq "$N"); do $TD run -d --network none busybox sleep 600 >/dev/null; done
td_start=$(ms "$t")
hyperfine -N --warmup 3 --runs 20 --export-json "$W/ps.json" "$TD ps" >&2
td_ps="$(hf_median "$W/ps.json" 0) (CPU $(hf_cpu "$W/ps.json" 0))"
t=$(date +%s%N)
$TD rm -f $($TD ps -aq --no-trunc) >/dev/null
td_rm=$(ms "$t")
p_start=- p_ps=- p_rm=-
if [ $have_podman = 1 ]; then
  t=$(date +%s%N)
  for i in $(seq "$PN"); do $PODMAN run -d $PODRUN busybox sleep 600 >/dev/null; done
  p_start=$(ms "$t")
  hyperfine -N --warmup 1 --runs 5 --export-json "$W/pps.json" "$PODMAN ps" >&2
  p_ps=$(hf_median "$W/pps.json" 0)
  t=$(date +%s%N)
  $PODMAN rm -af -t 0 >/dev/null
  p_rm=$(ms "$t")
fi
echo "| start all with run -d | $td_start | $p_start |"
echo "| ps (median) | $td_ps | $p_ps |"
echo "| rm -f all | $td_rm | $p_rm |"
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
