#!/usr/bin/env bats
# The monitor's hand-over: once the container has run for a moment, the monitor execs the small
# static tinydocker-monitor (same pid: the init stays its child), which serves the log,
# attach, stdin and signals, and execs tinydocker again at the exit to record it, clean up
# (--rm) and restart. Everything is checked from the host (/proc) and from the records.
bats_require_minimum_version 1.5.0
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() { td_engine_setup; }
teardown() { td_engine_teardown; }
teardown_file() { td_engine_teardown_file; }

# The monitor of a running container: the parent of its init.
monitor_of() { awk '/^PPid/ {print $2}' "/proc/$(td inspect -f '{{.State.Pid}}' "$1")/status"; }

# Wait until pid runs tinydocker-monitor (the hand-over happened).
wait_idle() { # pid
  local i
  for i in $(seq 200); do
    [[ "$(readlink "/proc/$1/exe")" == */tinydocker-monitor ]] && return 0
    sleep 0.05
  done
  return 1
}

@test "an idle monitor is tinydocker-monitor: no libc mapped, RSS under 500 KB, the init its child" {
  td run -d --name idle busybox sleep 30
  mon=$(monitor_of idle)
  wait_idle "$mon"
  [ "$(cat /proc/$mon/comm)" = td-monitor ]
  # no shared library at all in the process (it is static and needs no libc)
  ! grep -q '\.so' "/proc/$mon/maps" || false
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$mon/status")
  echo "rss $rss KB"
  [ "$rss" -le 500 ]
  # still the child subreaper whose child is the container's init
  pid=$(td inspect -f '{{.State.Pid}}' idle)
  [ "$(awk '/^PPid/ {print $2}' /proc/$pid/status)" = "$mon" ]
  # the monitor pid and start time are what the record says: ps shows it running
  [ "$(td ps --format '{{.Names}} {{.State}}')" = "idle running" ]
  # sleep as PID 1 ignores SIGTERM: stop kills it after 1 s, the exit is recorded (137)
  td stop -t 1 idle
  [ "$(td inspect -f '{{.State.Status}} {{.State.ExitCode}}' idle)" = "exited 137" ]
  # the monitor (tinydocker again after the exit) ends
  for i in $(seq 100); do [ "$(cat /proc/$mon/comm 2>/dev/null)" = td-monitor ] || break; sleep 0.05; done
  [ "$(cat /proc/$mon/comm 2>/dev/null)" != td-monitor ]
}

@test "after the hand-over: json-file log lines, exit code, wait, FinishedAt" {
  id=$(td run -d busybox sh -c 'echo one; sleep 1; echo two; echo err >&2; exit 3')
  wait_idle "$(monitor_of "$id")"
  run td wait "$id"
  [ "$output" = 3 ]
  [ "$(td inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}' "$id")" = "exited 3 false" ]
  [[ "$(td inspect -f '{{.State.FinishedAt}}' "$id")" == 20* ]]
  log="$TD_ROOT/containers/$id/$id-json.log"
  [ "$(wc -l <"$log")" -eq 3 ]
  # docker's RFC3339Nano: trailing zeros of the fraction dropped (and the dot with all of them)
  grep -q '^{"log":"two\\n","stream":"stdout","time":"20[0-9-]*T[0-9:]*\(\.[0-9]\{1,9\}\)\?Z"}$' "$log"
  grep -q '"log":"err\\n","stream":"stderr"' "$log"
  # the timestamp the idle program wrote is today's date (its own gmtime)
  grep -q "\"time\":\"$(date -u +%Y-%m-%d)T" "$log"
  run td logs "$id"
  [ "$output" = "$(printf 'one\ntwo\nerr')" ]
}

@test "a partial line pending at the hand-over is kept whole" {
  id=$(td run -d busybox sh -c 'printf abc; sleep 1; echo def')
  wait_idle "$(monitor_of "$id")"
  td wait "$id"
  run td logs "$id"
  [ "$output" = abcdef ]
}

@test "foreground run across the hand-over: output, stdin, exit code" {
  run td run --rm busybox sh -c 'sleep 0.6; echo late; exit 7'
  [ "$status" -eq 7 ]
  [ "$output" = late ]
  [ "$(td_count)" -eq 0 ]
  run bash -c "echo hello | $TINYDOCKER run -i --rm busybox sh -c 'sleep 0.6; cat; exit 5'"
  [ "$status" -eq 5 ]
  [ "$output" = hello ]
}

@test "attach and signals served by the idle program" {
  td run -d --name at busybox sh -c 'trap "echo got-term; exit 9" TERM; while :; do sleep 0.1; done'
  mon=$(monitor_of at)
  wait_idle "$mon"
  (sleep 0.5; kill -TERM "$mon") &
  run td attach at
  [ "$status" -eq 9 ]
  [[ "$output" == *got-term* ]]
  [ "$(td inspect -f '{{.State.ExitCode}}' at)" = 9 ]
}

@test "restart policy and --rm after the hand-over" {
  id=$(td run -d --restart on-failure:1 busybox sh -c 'sleep 0.5; exit 2')
  wait_idle "$(monitor_of "$id")"
  td_wait_status "$id" exited 200
  [ "$(td inspect -f '{{.RestartCount}} {{.State.ExitCode}}' "$id")" = "1 2" ]
  id=$(td run -d --rm busybox sleep 0.5)
  wait_idle "$(monitor_of "$id")"
  for i in $(seq 100); do [ -d "$TD_ROOT/containers/$id" ] || break; sleep 0.05; done
  [ ! -d "$TD_ROOT/containers/$id" ]
  td_wait_trash
  [ -z "$(td_cgroup_dirs "$id")" ]
  [ "$(td_mounts_under_root)" -eq 0 ]
}

@test "log rotation by the idle program" {
  # the output starts after the hand-over: 2 s leaves a loaded machine time for the run, the
  # inspect of the pid and the exec of the idle program (0.5 s was short under load)
  id=$(td run -d --log-opt max-size=1k --log-opt max-file=2 busybox \
    sh -c 'sleep 2; i=0; while [ $i -lt 60 ]; do echo line-$i; i=$((i+1)); done')
  wait_idle "$(monitor_of "$id")"
  td wait "$id"
  log="$TD_ROOT/containers/$id/$id-json.log"
  [ -s "$log.1" ]
  [ "$(stat -c %s "$log")" -le 1024 ]
  [ ! -e "$log.2" ]
  grep -q '"log":"line-59\\n"' "$log"
}
