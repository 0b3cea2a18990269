#!/usr/bin/env bats
# Health checks (issues 16 and 17), as docker 20.10 runs them: --health-* / --no-healthcheck and
# the image's HEALTHCHECK, Config.Healthcheck and State.Health in inspect, the ps status and
# its health filter, health_status events. The probes run in a small checker process the
# monitor spawns per start (engine/monitor/health.c); checked from the host: the checker's
# /proc entry, its parent, its end with the container, the files in the container's dir. The
# attack tests show a probe runs inside the container's confinement and cannot grow the
# host's state without bound.
bats_require_minimum_version 1.5.0
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() {
  td_engine_setup
  T=$TEST_TMP/t$BATS_TEST_NUMBER
  mkdir -p "$T"
}
teardown() { td_engine_teardown; }
teardown_file() { td_engine_teardown_file; }

# The pids of the health checkers of container id in this test's root (their argv names both,
# then the init's pid).
checkers_of() { # id [init-pid]
  local f
  for f in $(grep -lsa -- __health-check /proc/[0-9]*/cmdline); do
    { tr '\0' ' ' <"$f"; } 2>/dev/null | grep -q "^tinydocker __health-check $TD_ROOT .* $1 ${2:-}" &&
      { f=${f#/proc/}; echo "${f%/cmdline}"; }
  done
  return 0
}

# Wait until the container's health is status (tries of 0.1 s, default 50).
wait_health() { # ref status [tries]
  local i
  for i in $(seq "${3:-50}"); do
    [ "$(td inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$1")" = "$2" ] && return 0
    sleep 0.1
  done
  td inspect -f '{{json .State.Health}}' "$1" >&2
  return 1
}

# Wait until a pid is gone (tries of 0.05 s, default 100).
wait_gone() { # pid
  local i
  for i in $(seq "${2:-100}"); do
    [ -e "/proc/$1" ] || return 0
    sleep 0.05
  done
  return 1
}

@test "health: healthy after a passing probe, inspect's Config.Healthcheck and State.Health, ps" {
  id=$(td run -d --network none --health-cmd 'echo ok' --health-interval 200ms busybox sleep 30)
  [ "$(td inspect -f '{{json .Config.Healthcheck}}' "$id")" = \
    '{"Test":["CMD-SHELL","echo ok"],"Interval":200000000}' ]
  # starting until the first probe (docker's first probe comes after one interval)
  run td ps --format '{{.Status}}'
  [[ "$output" == "Up "*" (health: starting)" ]] || [[ "$output" == "Up "*" (healthy)" ]]
  wait_health "$id" healthy
  [ "$(td inspect -f '{{.State.Health.FailingStreak}}' "$id")" = 0 ]
  run td inspect -f '{{range .State.Health.Log}}{{.ExitCode}}|{{printf "%q" .Output}}|{{.Start}}|{{.End}}{{"\n"}}{{end}}' "$id"
  echo "$output"
  [[ "${lines[0]}" =~ ^0\|\"ok\\n\"\|20[0-9-]+T[0-9:.]+Z\|20[0-9-]+T[0-9:.]+Z$ ]]
  [[ "$(td ps --format '{{.Status}}')" == "Up "*" (healthy)" ]]
  # the log keeps the last 5 results
  sleep 1.5
  [ "$(td inspect -f '{{len .State.Health.Log}}' "$id")" = 5 ]
}

@test "health: unhealthy after --health-retries consecutive failures, not before" {
  id=$(td run -d --network none --health-cmd 'echo bad >&2; exit 3' --health-interval 150ms \
    --health-retries 3 busybox sleep 30)
  wait_health "$id" unhealthy
  run td inspect -f '{{.State.Health.FailingStreak}} {{len .State.Health.Log}} {{(index .State.Health.Log 0).ExitCode}} {{printf "%q" (index .State.Health.Log 0).Output}}' "$id"
  echo "$output"
  read -r streak n code out <<<"$output"
  [ "$streak" -ge 3 ]
  [ "$n" -ge 3 ]
  [ "$code" = 3 ]
  [ "$out" = '"bad\n"' ]
  [[ "$(td ps --format '{{.Status}}')" == "Up "*" (unhealthy)" ]]
  # the events: one change, to unhealthy (never healthy, and not at every probe)
  run td events --since 1m --until 0s --filter "container=$id"
  echo "$output"
  [ "$(grep -c 'health_status: unhealthy' <<<"$output")" = 1 ]
  ! grep -q 'health_status: healthy' <<<"$output"
}

@test "health: a probe past --health-timeout is killed and fails with docker's output" {
  id=$(td run -d --network none --health-cmd 'echo started; exec sleep 7' --health-interval 100ms \
    --health-timeout 300ms --health-retries 1 busybox sleep 30)
  wait_health "$id" unhealthy 60
  run td inspect -f '{{(index .State.Health.Log 0).ExitCode}}|{{(index .State.Health.Log 0).Output}}' "$id"
  [ "$output" = "-1|Health check exceeded timeout (300ms)" ]
  # the timed-out probe was killed at its timeout: it ended ~300 ms after its start, and probes
  # do not pile up in the container (a new one every 400 ms, each would sleep 7 s)
  start=$(date -d "$(td inspect -f '{{(index .State.Health.Log 0).Start}}' "$id")" +%s%N)
  end=$(date -d "$(td inspect -f '{{(index .State.Health.Log 0).End}}' "$id")" +%s%N)
  echo "took $(((end - start) / 1000000)) ms"
  [ $((end - start)) -ge 300000000 ]
  [ $((end - start)) -lt 1500000000 ]
  sleep 2
  run td top "$id"
  echo "$output"
  [ "$(grep -c 'sleep 7' <<<"$output")" -le 1 ]
}

@test "health: failures in --health-start-period do not count; after it they do" {
  id=$(td run -d --network none --health-cmd false --health-interval 150ms --health-retries 1 \
    --health-start-period 2s busybox sleep 30)
  sleep 1
  # probes ran and failed, yet the container is still starting with no streak
  [ "$(td inspect -f '{{.State.Health.Status}} {{.State.Health.FailingStreak}}' "$id")" = "starting 0" ]
  [ "$(td inspect -f '{{len .State.Health.Log}}' "$id")" -ge 3 ]
  [ "$(td ps --filter health=starting -q)" = "${id:0:12}" ]
  wait_health "$id" unhealthy 40
}

@test "health: the image's HEALTHCHECK (tinydocker build) runs; flags override it field by field; --no-healthcheck" {
  mkdir -p "$T/ctx"
  printf 'FROM busybox\nHEALTHCHECK --interval=200ms --retries=1 CMD ["/bin/sh", "-c", "echo img"]\n' >"$T/ctx/Dockerfile"
  td build -q -t hc "$T/ctx" >/dev/null
  a=$(td run -d --network none hc sleep 30)
  [ "$(td inspect -f '{{json .Config.Healthcheck}}' "$a")" = \
    '{"Test":["CMD","/bin/sh","-c","echo img"],"Interval":200000000,"Retries":1}' ]
  wait_health "$a" healthy
  [ "$(td inspect -f '{{printf "%q" (index .State.Health.Log 0).Output}}' "$a")" = '"img\n"' ]
  # --health-cmd replaces the test, the image's interval and retries stay
  b=$(td run -d --network none --health-cmd false hc sleep 30)
  [ "$(td inspect -f '{{json .Config.Healthcheck}}' "$b")" = \
    '{"Test":["CMD-SHELL","false"],"Interval":200000000,"Retries":1}' ]
  wait_health "$b" unhealthy
  # --no-healthcheck: ["NONE"], no State.Health, no checker, no file, "Up ..." alone
  c=$(td run -d --network none --no-healthcheck hc sleep 30)
  [ "$(td inspect -f '{{json .Config.Healthcheck}}' "$c")" = '{"Test":["NONE"]}' ]
  sleep 0.5
  [ "$(td inspect -f '{{json .State.Health}}' "$c")" = null ]
  [ -z "$(checkers_of "$c")" ]
  [ ! -e "$TD_ROOT/containers/$c/health.json" ]
  [[ "$(td ps --filter "id=$c" --format '{{.Status}}')" =~ ^Up\ [^\(]*$ ]]
}

@test "health: ps --filter health=healthy|unhealthy|starting|none and a bad value" {
  h=$(td run -d --network none --health-cmd true --health-interval 100ms busybox sleep 30)
  u=$(td run -d --network none --health-cmd false --health-interval 100ms --health-retries 1 busybox sleep 30)
  s=$(td run -d --network none --health-cmd true --health-interval 1h busybox sleep 30)
  n=$(td run -d --network none busybox sleep 30)
  wait_health "$h" healthy
  wait_health "$u" unhealthy
  [ "$(td ps -q --filter health=healthy)" = "${h:0:12}" ]
  [ "$(td ps -q --filter health=unhealthy)" = "${u:0:12}" ]
  [ "$(td ps -q --filter health=starting)" = "${s:0:12}" ]
  [ "$(td ps -q --filter health=none)" = "${n:0:12}" ]
  [ "$(td ps -q --filter health=healthy --filter health=unhealthy | sort)" = "$(printf '%s\n' "${h:0:12}" "${u:0:12}" | sort)" ]
  run td ps --filter health=sick
  [ "$status" -eq 1 ]
  [[ "$output" == *"Unrecognised filter value for health: sick"* ]]
}

@test "health: events health_status: healthy; the checker outlives the monitor's hand-over" {
  id=$(td run -d --network none --health-cmd true --health-interval 300ms busybox sleep 30)
  wait_health "$id" healthy
  run td events --since 1m --until 0s --filter "container=$id" --format '{{.Action}}'
  echo "$output"
  [[ "$output" == *"health_status: healthy"* ]]
  # each probe is an exec, with docker's events for it
  [[ "$output" == *"exec_create: /bin/sh -c true"* ]]
  [[ "$output" == *"exec_start: /bin/sh -c true"* ]]
  [[ "$output" == *"exec_die"* ]]
  # the monitor is tinydocker-monitor by now (100 ms), the checker still its child and probing
  pid=$(td inspect -f '{{.State.Pid}}' "$id")
  mon=$(awk '/^PPid/ {print $2}' "/proc/$pid/status")
  [[ "$(readlink "/proc/$mon/exe")" == */tinydocker-monitor ]]
  chk=$(checkers_of "$id")
  [ -n "$chk" ]
  [ "$(awk '/^PPid/ {print $2}' "/proc/$chk/status")" = "$mon" ]
  [ "$(cat "/proc/$chk/comm")" = td-health ]
  n=$(td inspect -f '{{len .State.Health.Log}}' "$id")
  sleep 0.8
  [ "$(td inspect -f '{{len .State.Health.Log}}' "$id")" -gt "$n" ] || [ "$n" = 5 ]
}

@test "health: the checker stops with the container, a restart starts a new one, rm -f leaves nothing" {
  id=$(td run -d --network none --health-cmd true --health-interval 200ms busybox sleep 30)
  wait_health "$id" healthy
  chk=$(checkers_of "$id")
  [ -n "$chk" ]
  td stop -t 0 "$id"
  wait_gone "$chk"
  # docker 20.10 (CloseMonitorChannel): a stopped container's health is "unhealthy", its log
  # and streak kept
  [ "$(td inspect -f '{{.State.Health.Status}} {{.State.Health.FailingStreak}}' "$id")" = "unhealthy 0" ]
  [ "$(td inspect -f '{{(index .State.Health.Log 0).ExitCode}}' "$id")" = 0 ]
  td start "$id"
  # a start is "starting" again, with a new checker
  wait_health "$id" healthy
  chk2=$(checkers_of "$id")
  [ -n "$chk2" ]
  [ "$chk2" != "$chk" ]
  td restart -t 0 "$id"
  wait_gone "$chk2"
  wait_health "$id" healthy
  chk3=$(checkers_of "$id")
  [ -n "$chk3" ]
  [ "$(echo "$chk3" | wc -l)" = 1 ]
  td rm -f "$id"
  wait_gone "$chk3"
  [ ! -e "$TD_ROOT/containers/$id" ]
  [ -z "$(checkers_of "$id")" ]
}

@test "health: a restart policy's restart gets its checker again" {
  # the first run exits 1 after 2 s, the policy's restart runs on
  id=$(td run -d --network none --restart on-failure:2 --health-cmd true --health-interval 100ms \
    busybox sh -c '[ -e /again ] && exec sleep 30; touch /again; sleep 2; exit 1')
  init=$(td inspect -f '{{.State.Pid}}' "$id")
  for i in $(seq 30); do
    chk=$(checkers_of "$id" "$init")
    [ -z "$chk" ] || break
    sleep 0.1
  done
  [ -n "$chk" ]
  # the first run's checker ends with it; the restart spawns a new one for the new init
  wait_gone "$chk" 100
  for i in $(seq 50); do
    init2=$(td inspect -f '{{.State.Pid}}' "$id")
    [ "$init2" != 0 ] && [ "$init2" != "$init" ] && chk2=$(checkers_of "$id" "$init2")
    [ -z "${chk2:-}" ] || break
    sleep 0.1
  done
  [ -n "$chk2" ]
  [ "$chk2" != "$chk" ]
  [ "$(td inspect -f '{{.RestartCount}}' "$id")" = 1 ]
  wait_health "$id" healthy
  td stop -t 0 "$id"
  wait_gone "$chk2"
  [ -z "$(checkers_of "$id")" ]
}

@test "health: the monitor killed: its checker dies with it, the adopter spawns a new one" {
  id=$(td run -d --network none --health-cmd true --health-interval 100ms busybox sleep 30)
  wait_health "$id" healthy
  pid=$(td inspect -f '{{.State.Pid}}' "$id")
  chk=$(checkers_of "$id" "$pid")
  [ -n "$chk" ]
  mon=$(awk '/^PPid/ {print $2}' "/proc/$chk/status")
  kill -9 "$mon"
  wait_gone "$chk" # PR_SET_PDEATHSIG
  # the next command hands the container to an adopter, which probes it again
  td ps >/dev/null
  for i in $(seq 50); do
    chk2=$(checkers_of "$id" "$pid")
    [ -z "$chk2" ] || break
    sleep 0.1
  done
  [ -n "$chk2" ]
  adopter=$(awk '/^PPid/ {print $2}' "/proc/$chk2/status")
  [ "$(td inspect -f '{{.State.Status}}' "$id")" = running ]
  [ "$(awk '/^TracerPid/ {print $2}' "/proc/$pid/status")" = "$adopter" ]
  n=$(td inspect -f '{{range .State.Health.Log}}{{.End}}{{end}}' "$id")
  sleep 0.6
  [ "$(td inspect -f '{{range .State.Health.Log}}{{.End}}{{end}}' "$id")" != "$n" ]
  [ "$(td inspect -f '{{.State.Health.Status}}' "$id")" = healthy ]
  td stop -t 0 "$id"
  wait_gone "$chk2"
  [ -z "$(checkers_of "$id")" ]
}

@test "health: a container of another runtime (--runtime runc) is probed through its exec" {
  command -v runc >/dev/null || skip "no runc"
  id=$(td run -d --network none --runtime runc --health-interval 100ms \
    --health-cmd 'tr "\0" " " </proc/1/cmdline' busybox sleep 32)
  wait_health "$id" healthy
  [ "$(td inspect -f '{{(index .State.Health.Log 0).Output}}' "$id")" = "sleep 32 " ]
  td rm -f "$id"
  [ -z "$(checkers_of "$id")" ]
}

@test "health: no health check costs nothing: no checker process, no health.json" {
  id=$(td run -d --network none busybox sleep 30)
  sleep 0.3
  [ -z "$(checkers_of "$id")" ]
  pid=$(td inspect -f '{{.State.Pid}}' "$id")
  mon=$(awk '/^PPid/ {print $2}' "/proc/$pid/status")
  [ "$(cat "/proc/$mon/task/$mon/children")" = "$pid " ]
  [ ! -e "$TD_ROOT/containers/$id/health.json" ]
  [ "$(td inspect -f '{{json .State.Health}} {{json .Config.Healthcheck}}' "$id")" = "null null" ]
}

@test "health: bad input is refused as docker does, nothing created" {
  before=$(td_count)
  run td run --no-healthcheck --health-retries 2 busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"--no-healthcheck conflicts with --health-* options"* ]]
  run td create --health-interval -1s busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"--health-interval cannot be negative"* ]]
  run td create --health-timeout -1s busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"--health-timeout cannot be negative"* ]]
  run td create --health-start-period -2m busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"--health-start-period cannot be negative"* ]]
  run td create --health-retries -1 busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"--health-retries cannot be negative"* ]]
  run td create --health-retries x busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *'invalid argument "x" for "--health-retries" flag'* ]]
  run td create --health-interval 1 busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *'invalid argument "1" for "--health-interval" flag: time: missing unit in duration "1"'* ]]
  run td create --health-timeout soon busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *'invalid argument "soon" for "--health-timeout" flag: time: invalid duration "soon"'* ]]
  run td create --health-interval 500us busybox true
  [ "$status" -eq 1 ] # the daemon's check: docker's create prints it as it is, exit 1
  [[ "$output" == *"Interval in Healthcheck cannot be less than 1ms"* ]]
  run td create --health-timeout 10ns busybox true
  [ "$status" -eq 1 ] # the daemon's check: docker's create prints it as it is, exit 1
  [[ "$output" == *"Timeout in Healthcheck cannot be less than 1ms"* ]]
  run td create --health-start-period 999us busybox true
  [ "$status" -eq 1 ] # the daemon's check: docker's create prints it as it is, exit 1
  [[ "$output" == *"StartPeriod in Healthcheck cannot be less than 1ms"* ]]
  [ "$(td_count)" = "$before" ]
}

@test "health attack: a probe runs in the container (pid 1 is its init, files land in its rootfs, its user and caps)" {
  mark="hc-escape-$BATS_TEST_NUMBER-$$"
  id=$(td run -d --network none -u 1000 --cap-drop ALL --health-interval 100ms \
    --health-cmd "tr '\\0' ' ' </proc/1/cmdline; echo; id -u; grep CapEff /proc/self/status; cat /proc/self/cgroup; echo x >/tmp/$mark" \
    busybox sleep 31)
  wait_health "$id" healthy
  out=$(td inspect -f '{{(index .State.Health.Log 0).Output}}' "$id")
  echo "$out"
  # pid 1 of the probe's pid namespace is the container's init, not the host's
  [ "$(sed -n 1p <<<"$out")" = "sleep 31 " ]
  # the container's user and (no) capabilities
  [ "$(sed -n 2p <<<"$out")" = 1000 ]
  [[ "$(sed -n 3p <<<"$out")" == *"0000000000000000" ]]
  # the container's cgroup (what the init itself sees)
  pid=$(td inspect -f '{{.State.Pid}}' "$id")
  [ "$(sed -n '4,$p' <<<"$out")" = "$(td exec "$id" cat /proc/1/cgroup)" ]
  # the file it wrote is in the container, not on the host
  [ "$(td exec "$id" cat "/tmp/$mark")" = x ]
  [ ! -e "/tmp/$mark" ]
  # and the probe process was in the container's namespaces: the checker's mount namespace is
  # the host's, the probe's is not (it saw the container's /tmp)
  chk=$(checkers_of "$id")
  [ "$(readlink /proc/$chk/ns/mnt)" = "$(readlink /proc/self/ns/mnt)" ]
  [ "$(readlink /proc/$pid/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ]
}

@test "health attack: a probe printing gigabytes keeps 4 KiB in the log; the state file stays small" {
  # 8 MB: 2000 times what is kept, and quick enough for an emulated guest (timeout 60 s)
  id=$(td run -d --network none --health-interval 200ms --health-timeout 60s \
    --health-cmd 'head -c 8000000 /dev/zero | tr "\0" a; printf "\377\376"' busybox sleep 300)
  wait_health "$id" healthy 600
  out=$(td inspect -f '{{(index .State.Health.Log 0).Output}}' "$id")
  [ "${#out}" = 4099 ]
  [[ "$out" == aaaa*"..." ]]
  size=$(stat -c %s "$TD_ROOT/containers/$id/health.json")
  echo "size $size"
  [ "$size" -lt 30000 ]
  # the checker's memory stays small too
  chk=$(checkers_of "$id")
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$chk/status")
  echo "rss $rss KB"
  [ "$rss" -lt 20000 ]
}

@test "health attack: output that is not UTF-8 is stored as docker does (U+FFFD), the state still reads" {
  id=$(td run -d --network none --health-interval 100ms --health-cmd 'printf "a\377\376b"' busybox sleep 30)
  wait_health "$id" healthy
  [ "$(td inspect -f '{{(index .State.Health.Log 0).Output}}' "$id")" = $'a\xef\xbf\xbd\xef\xbf\xbdb' ]
  [[ "$(td ps --format '{{.Status}}')" == *"(healthy)" ]]
}
