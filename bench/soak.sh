#!/usr/bin/env bash
# Issue 18's soak: the stress mix (tests/stress/stress.sh, its leak checks after every round)
# for DURATION seconds (1800) on one root beside long-lived containers, sampling the RSS, PSS
# and open fds of their monitors and inits every INTERVAL seconds (60):
#   idle     run -d --network none busybox sleep 1d
#   port     run -d -p 80 busybox sleep 1d                 (default network, a published port)
#   logger   a line a second, --log-opt max-size=64k,max-file=2 (the log rotates)
#   restart  --restart always, exits 1 every 30 s           (the monitor hands over again)
# A process whose fds or RSS grow is a leak: the verdict compares the last sample with the
# first (fds: equal; RSS: at most SLACK_KB (16) more). Markdown on stdout, progress on stderr;
# the samples in $OUT (bench/results/soak.csv).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
. bench/lib.sh
DURATION=${DURATION:-1800}
INTERVAL=${INTERVAL:-60}
SLACK_KB=${SLACK_KB:-16}
TD=${TINYDOCKER:-$PWD/build/tinydocker}
OUT=${OUT:-bench/results/soak.csv}
mkdir -p "$(dirname "$OUT")"
W=$(bench_tmpdir)
export TINYDOCKER_ROOT=$W/root
spid=""
cleanup() {
  set +e
  [ -z "$spid" ] || kill "$spid" 2>/dev/null
  [ -z "$spid" ] || wait "$spid" 2>/dev/null
  ids=$("$TD" ps -aq --no-trunc 2>/dev/null)
  [ -z "$ids" ] || "$TD" rm -f $ids >/dev/null 2>&1
  "$TD" network cleanup >/dev/null 2>&1
  bench_cleanup "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"$TD" create-default >/dev/null
"$TD" run -d --name idle --network none busybox sleep 1d >/dev/null || exit 1
"$TD" run -d --name port -p 80 busybox sleep 1d >/dev/null || exit 1
"$TD" run -d --name logger --log-opt max-size=64k --log-opt max-file=2 busybox \
  sh -c 'i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 1; done' >/dev/null || exit 1
"$TD" run -d --name restart --restart always busybox sh -c 'sleep 30; exit 1' >/dev/null || exit 1
sleep 2

# one sample of a container's monitor and init: "rss pss fds" of each, taken while the monitor
# is the idle program (a restart runs the whole engine for a moment: try again a little later)
sample() { # name
  local pid mon
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    pid=$("$TD" inspect -f '{{.State.Pid}}' "$1" 2>/dev/null)
    if [ -n "$pid" ] && [ "$pid" != 0 ] && [ -d "/proc/$pid" ]; then
      mon=$(awk '/^PPid/ {print $2}' "/proc/$pid/status" 2>/dev/null)
      if [ -n "$mon" ] && [ "$(cat "/proc/$mon/comm" 2>/dev/null)" = td-monitor ] &&
        [[ "$(tr '\0' ' ' <"/proc/$mon/cmdline" 2>/dev/null)" == tinydocker-monitor* ]]; then
        echo "$mon $(awk '/^VmRSS/ {print $2}' "/proc/$mon/status") $(awk '/^Pss:/ {print $2}' "/proc/$mon/smaps_rollup") $(ls "/proc/$mon/fd" | wc -l)" \
          "$pid $(awk '/^VmRSS/ {print $2}' "/proc/$pid/status") $(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup") $(ls "/proc/$pid/fd" | wc -l)"
        return 0
      fi
    fi
    sleep 0.5
  done
  echo "- - - - - - - -"
}

echo "minute,container,monitor_pid,monitor_rss_kb,monitor_pss_kb,monitor_fds,init_pid,init_rss_kb,init_pss_kb,init_fds" >"$OUT"
sample_all() { # minute
  local c
  for c in idle port logger restart; do
    echo "$1,$c,$(sample "$c" | tr ' ' ',')" >>"$OUT"
  done
}

echo "# soak: ${DURATION}s of the stress mix beside 4 long-lived containers, a sample every ${INTERVAL}s" >&2
t0=$(date +%s)
sample_all 0
STRESS_ROOT=$TINYDOCKER_ROOT DURATION=$DURATION TINYDOCKER=$TD \
  EVIDENCE=${EVIDENCE:-/tmp/td-soak-evidence.$$.txt} tests/stress/stress.sh >"$W/stress.log" 2>&1 &
spid=$!
m=0
while kill -0 "$spid" 2>/dev/null; do
  sleep "$INTERVAL" &
  wait $! 2>/dev/null
  kill -0 "$spid" 2>/dev/null || break
  m=$((m + 1))
  sample_all "$m"
  echo "# minute $m: $(grep -c 'round .*: ok' "$W/stress.log") rounds ok" >&2
done
wait "$spid"
src=$?
cp "$W/stress.log" "${OUT%.csv}.stress.log"
spid=""
m=$((m + 1))
sample_all "$m"
restarts=$("$TD" inspect -f '{{.RestartCount}}' restart 2>/dev/null)

echo "Machine: $(nproc) CPUs, kernel $(uname -r), $(date -u '+%F %H:%M UTC'), ${DURATION}s from $(date -u -d "@$t0" +%H:%M), load $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo
echo "stress mix: $(grep "^stress: " "$W/stress.log" | tail -1) (exit $src)"
grep -E 'FAIL|hang evidence|^  [<>]' "$W/stress.log" | head -40
echo
echo "| process | samples | RSS first / last / max (KB) | PSS first / last (KB) | fds first / last / max | verdict |"
echo "| --- | --- | --- | --- | --- | --- |"
verdict=0
for c in idle port logger restart; do
  for who in monitor init; do
    col=4
    [ $who = monitor ] || col=8
    line=$(awk -F, -v c="$c" -v k="$col" -v slack="$SLACK_KB" '$2 == c && $(k) != "-" {
        n++; rss = $(k); pss = $(k + 1); fds = $(k + 2)
        if (n == 1) { r0 = rss; p0 = pss; f0 = fds }
        if (rss > rmax) rmax = rss; if (fds > fmax) fmax = fds }
      END { v = (fds == f0 && rss - r0 <= slack) ? "flat" : "GROWS"
        printf "%d | %d / %d / %d | %d / %d | %d / %d / %d | %s", n, r0, rss, rmax, p0, pss, f0, fds, fmax, v }' "$OUT")
    [ "$c" = restart ] && [ $who = init ] && line="$line (a new init every 30 s: $restarts restarts)"
    echo "| $c: $who | $line |"
    [[ $line != *GROWS* ]] || [ "$c $who" = "restart init" ] || verdict=1
  done
done
echo
[ "$src" = 0 ] || verdict=1
[ $verdict = 0 ] && echo "verdict: flat, stress passed" || echo "verdict: FAILED (a growth above, or the stress mix failed)"
exit $verdict
