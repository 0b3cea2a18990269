#!/usr/bin/env bats
# A container whose monitor was killed (issue 18, item 3): the next command adopts it
# (engine/monitor/adopt.c): its own exit code is recorded with State.Error saying what
# happened, --rm and the restart policy still apply; where nothing could hear the exit, ps and
# inspect say so. Then a short round of tests/crash/crash.sh (kill -9 at random points of every
# state-changing command and of the monitor).
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() { td_engine_setup; }
teardown() { td_engine_teardown; }
teardown_file() { td_engine_teardown_file; }

# The monitor of a running container: its init's parent, checked by name (a monitor handing
# over to the idle program is renamed just after its exec: tried again for a second).
monitor_of() { # ref
  local pid mon i
  pid=$(td inspect -f '{{.State.Pid}}' "$1")
  for i in $(seq 20); do
    mon=$(awk '/^PPid/ {print $2}' "/proc/$pid/status")
    [ "$(cat "/proc/$mon/comm")" = td-monitor ] && echo "$mon" && return 0
    sleep 0.05
  done
  return 1
}

# Wait (5 s) until a container has gone from the store.
wait_gone() { # name
  local i
  for i in $(seq 100); do
    ! td inspect "$1" >/dev/null 2>&1 && [ ! -e "$TD_ROOT/containers/names/$1" ] && return 0
    sleep 0.05
  done
  return 1
}

@test "monitor killed while the container runs: its own exit code is recorded, State.Error says why" {
  td run -d --name a1 busybox sh -c 'sleep 4; exit 5' >/dev/null
  pid=$(td inspect -f '{{.State.Pid}}' a1)
  mon=$(monitor_of a1)
  kill -9 "$mon"
  for i in $(seq 50); do [ -e "/proc/$mon" ] || break; sleep 0.02; done
  # the next command (here ps) sees it and hands it to an adopter; the container runs on
  run td ps --format '{{.Names}} {{.State}}'
  [ "$output" = "a1 running" ]
  for i in $(seq 60); do
    tracer=$(awk '/^TracerPid/ {print $2}' "/proc/$pid/status" 2>/dev/null)
    [ "$tracer" != 0 ] && break
    sleep 0.05
  done
  # the kernel's view: the init is watched by the adopter, now the record's monitor
  [ "$tracer" != 0 ]
  [ "$(td inspect -f '{{.State.Status}}' a1)" = running ]
  [[ "$(td inspect -f '{{.State.Error}}' a1)" == *"monitor was killed"* ]]
  td_wait_status a1 exited 200
  [ "$(td inspect -f '{{.State.ExitCode}}' a1)" -eq 5 ]
  [[ "$(td inspect -f '{{.State.Error}}' a1)" == *"monitor was killed"*"exit code is its own"* ]]
  [[ "$(td ps -a --format '{{.Status}}')" == "Exited (5)"* ]]
  [ "$(td inspect -f '{{.State.FinishedAt}}' a1)" != 0001-01-01T00:00:00Z ]
  # nothing of it left running: no monitor, no adopter
  ! pgrep -f "sh -c sleep 4; exit 5" >/dev/null
  td rm a1
}

@test "monitor killed: a --rm container is removed once it ends" {
  id=$(td run -d --rm --name a2 busybox sh -c 'sleep 1; exit 3')
  mon=$(monitor_of a2)
  kill -9 "$mon"
  for i in $(seq 50); do [ -e "/proc/$mon" ] || break; sleep 0.02; done
  td ps -a >/dev/null
  wait_gone a2
  td_wait_trash
  [ ! -e "$TD_ROOT/containers/$id" ]
  [ -z "$(td_cgroup_dirs "$id")" ]
  [ "$(td_mounts_under_root)" -eq 0 ]
  [ ! -e "$TD_ROOT/run/$id" ]
}

@test "monitor killed: wait on a --rm container gets its own exit code from the adopter" {
  td run -d --rm --name a4 busybox sh -c 'sleep 2; exit 3' >/dev/null
  mon=$(monitor_of a4)
  kill -9 "$mon"
  for i in $(seq 50); do [ -e "/proc/$mon" ] || break; sleep 0.02; done
  td ps >/dev/null
  # the adopter claims it (State.Error says so), then listens on the container's socket
  for i in $(seq 100); do
    [[ "$(td inspect -f '{{.State.Error}}' a4 2>/dev/null)" == *adopted* ]] && break
    sleep 0.05
  done
  sleep 0.3
  run td wait a4
  [ "$status" -eq 0 ]
  [ "$output" = 3 ]
  wait_gone a4
}

@test "monitor killed: the restart policy restarts the container, under a new monitor" {
  td run -d --name a3 --restart always busybox sh -c 'sleep 1; exit 3' >/dev/null
  pid=$(td inspect -f '{{.State.Pid}}' a3)
  mon=$(monitor_of a3)
  kill -9 "$mon"
  for i in $(seq 50); do [ -e "/proc/$mon" ] || break; sleep 0.02; done
  td ps >/dev/null
  for i in $(seq 100); do
    [ "$(td inspect -f '{{.RestartCount}}' a3)" -ge 1 ] && [ "$(td inspect -f '{{.State.Status}}' a3)" = running ] && break
    sleep 0.05
  done
  [ "$(td inspect -f '{{.RestartCount}}' a3)" -ge 1 ]
  new=$(td inspect -f '{{.State.Pid}}' a3)
  [ "$new" != "$pid" ]
  [ -e "/proc/$new" ]
  # its parent is a monitor again (the adopter became it): the next exit is heard as usual
  monitor_of a3 >/dev/null
  td rm -f a3
}

@test "monitor and init both gone before any command: Exited (255), the reason, --rm and restart still happen" {
  # plain: exited 255, State.Error says the code is lost
  td run -d --name b1 busybox sleep 30201 >/dev/null
  # --rm: the next command removes it
  td run -d --rm --name b2 busybox sleep 30202 >/dev/null
  # restart always: restarted, although the code is lost
  td run -d --name b3 --restart always busybox sleep 30203 >/dev/null
  for n in b1 b2 b3; do
    pid=$(td inspect -f '{{.State.Pid}}' $n)
    mon=$(monitor_of $n)
    kill -STOP "$mon"
    kill -9 "$pid"
    kill -9 "$mon"
  done
  sleep 0.3
  run td ps -a --format '{{.Names}} {{.Status}}'
  [[ "$output" == *"b1 Exited (255)"* ]]
  td_wait_status b1 exited
  [ "$(td inspect -f '{{.State.ExitCode}}' b1)" -eq 255 ]
  [[ "$(td inspect -f '{{.State.Error}}' b1)" == *"monitor was killed"*"exit code is lost"* ]]
  wait_gone b2
  for i in $(seq 100); do
    [ "$(td inspect -f '{{.State.Status}} {{.RestartCount}}' b3)" = "running 1" ] && break
    sleep 0.05
  done
  [ "$(td inspect -f '{{.State.Status}} {{.RestartCount}}' b3)" = "running 1" ]
  [ -e "/proc/$(td inspect -f '{{.State.Pid}}' b3)" ]
  td rm -f b1 b3
}

@test "the adopter killed as well: the next command adopts again" {
  td run -d --name c1 busybox sh -c 'sleep 2; exit 6' >/dev/null
  pid=$(td inspect -f '{{.State.Pid}}' c1)
  kill -9 "$(monitor_of c1)"
  sleep 0.1
  td ps >/dev/null
  for i in $(seq 50); do
    tracer=$(awk '/^TracerPid/ {print $2}' "/proc/$pid/status")
    [ "$tracer" != 0 ] && break
    sleep 0.05
  done
  [ "$tracer" != 0 ]
  kill -9 "$tracer"
  for i in $(seq 50); do [ -e "/proc/$tracer" ] || break; sleep 0.02; done
  # the container lives on, untraced; ps hands it to a new adopter
  [ "$(awk '/^TracerPid/ {print $2}' "/proc/$pid/status")" = 0 ]
  td ps >/dev/null
  td_wait_status c1 exited 100
  [ "$(td inspect -f '{{.State.ExitCode}}' c1)" -eq 6 ]
  td rm c1
}

@test "an adopted container's signals and stops are its own (the adopter passes them on)" {
  td run -d --name d1 busybox sh -c 'trap "exit 7" USR1; while :; do sleep 0.1; done' >/dev/null
  pid=$(td inspect -f '{{.State.Pid}}' d1)
  kill -9 "$(monitor_of d1)"
  sleep 0.1
  td ps >/dev/null
  for i in $(seq 50); do
    [ "$(awk '/^TracerPid/ {print $2}' "/proc/$pid/status")" != 0 ] && break
    sleep 0.05
  done
  # SIGSTOP stops it, SIGCONT goes on (a group stop is listened through, not swallowed)
  kill -STOP "$pid"
  for i in $(seq 50); do [ "$(awk '{print $3}' /proc/$pid/stat)" = T ] && break; sleep 0.02; done
  [[ "$(awk '{print $3}' /proc/$pid/stat)" == [Tt] ]]
  kill -CONT "$pid"
  for i in $(seq 50); do [[ "$(awk '{print $3}' /proc/$pid/stat)" != [Tt] ]] && break; sleep 0.02; done
  [[ "$(awk '{print $3}' /proc/$pid/stat)" != [Tt] ]]
  # the container's own handler gets USR1 and its exit code is kept
  td kill -s USR1 d1
  td_wait_status d1 exited 100
  [ "$(td inspect -f '{{.State.ExitCode}}' d1)" -eq 7 ]
  td rm d1
}

@test "a monitor killed between the runtime's create and the start: start works again" {
  id=$(td create --name e1 busybox sleep 30204)
  # what such a monitor leaves: runtime state "created", the init waiting on its exec fifo,
  # reparented away from any monitor (made here by tinyrun, whose create then exits)
  "$TINYRUN" --root "$TD_ROOT/run" create --bundle "$TD_ROOT/containers/$id" "$id"
  old=$("$TINYRUN" --root "$TD_ROOT/run" state "$id" | jq -r .pid)
  [ -e "/proc/$old" ]
  [ "$(td inspect -f '{{.State.Status}}' e1)" = created ]
  td start e1
  [ "$(td inspect -f '{{.State.Status}}' e1)" = running ]
  new=$(td inspect -f '{{.State.Pid}}' e1)
  [ "$new" != "$old" ]
  monitor_of e1 >/dev/null
  # the stale init was killed (gone, or a zombie its new parent has not reaped yet)
  dead_or_zombie() { [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
  for i in $(seq 100); do dead_or_zombie "$old" && break; sleep 0.02; done
  dead_or_zombie "$old"
  td rm -f e1
}

@test "a create killed before its record: the next ps removes what it left, name included" {
  id=$(printf 'f%.0s' $(seq 64))
  mkdir "$TD_ROOT/containers/$id"
  # its creator: a pid with another start time than the live process of that pid (pid 1)
  echo "1 1" >"$TD_ROOT/containers/$id/creator"
  ln -s "$id" "$TD_ROOT/containers/names/half1"
  # a directory being written or emptied right now is left alone: this one was just made
  run td ps -a --format '{{.Names}} {{.State}}'
  [ "$output" = "half1 dead" ]
  # once quiet for a while (its mtime), the next ps removes it
  touch -d '-1 min' "$TD_ROOT/containers/$id"
  run td ps -a --format '{{.Names}} {{.State}}'
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  [ ! -e "$TD_ROOT/containers/$id" ]
  [ ! -L "$TD_ROOT/containers/names/half1" ]
  # one still being created (its creator alive: this shell) is left alone
  mkdir "$TD_ROOT/containers/$id"
  echo "$$ $(awk '{print $22}' /proc/$$/stat)" >"$TD_ROOT/containers/$id/creator"
  touch -d '-1 min' "$TD_ROOT/containers/$id"
  td ps -a >/dev/null
  [ -d "$TD_ROOT/containers/$id" ]
  rm -rf "$TD_ROOT/containers/$id"
}

@test "image temp files of a killed writer are removed by the next taker of the store lock, a live writer's kept" {
  dead=$(bash -c 'echo $$')
  mkdir -p "$TD_ROOT/tmp/load-$dead-aaaaaa/blobs" "$TD_ROOT/exports/export-$dead-bbbbbb"
  echo x >"$TD_ROOT/tmp/blob-$dead-cccccc"
  echo '{}' >"$TD_ROOT/images/index.json.tmp.$dead"
  # a writer at work (this shell): a pull downloading outside the lock, say
  echo x >"$TD_ROOT/tmp/blob-$$-dddddd"
  td save -o "$BATS_TEST_TMPDIR/bb.tar" busybox
  td load -i "$BATS_TEST_TMPDIR/bb.tar" >/dev/null
  [ ! -e "$TD_ROOT/tmp/load-$dead-aaaaaa" ]
  [ ! -e "$TD_ROOT/exports/export-$dead-bbbbbb" ]
  [ ! -e "$TD_ROOT/tmp/blob-$dead-cccccc" ]
  [ ! -e "$TD_ROOT/images/index.json.tmp.$dead" ]
  [ -e "$TD_ROOT/tmp/blob-$$-dddddd" ]
  rm "$TD_ROOT/tmp/blob-$$-dddddd"
}

@test "kill -9 at random points of every state-changing command and of the monitor (one round)" {
  run env BUILD_DIR="$BUILD_DIR" timeout 400 "$REPO/tests/crash/crash.sh" 1
  echo "$output"
  [ "$status" -eq 0 ]
}
