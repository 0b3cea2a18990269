#!/usr/bin/env bats
# Crash consistency: kill -9 of the CLI and of the monitor at points of run, stop and rm;
# afterwards `ps -a` tells the truth and `rm -f` leaves nothing behind (record, name, mounts,
# cgroups, runtime state, processes).
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() { td_engine_setup; }
teardown() { td_engine_teardown; }
teardown_file() { td_engine_teardown_file; }

# Nothing of ours left for these ids.
assert_clean() { # ids...
  local id
  td_wait_trash || { echo "trash not emptied"; return 1; }
  for id in "$@"; do
    [ ! -d "$TD_ROOT/containers/$id" ] || { echo "dir $id left"; return 1; }
    [ ! -d "$TD_ROOT/run/$id" ] || { echo "runtime state $id left"; return 1; }
    [ -z "$(td_cgroup_dirs "$id")" ] || { echo "cgroup $id left"; return 1; }
  done
  [ -z "$(ls "$TD_ROOT/containers/names")" ] || { echo "names left"; return 1; }
  [ "$(td_mounts_under_root)" -eq 0 ] || { echo "mounts left"; return 1; }
  ! pgrep -f "sleep 3010[0-9]" >/dev/null || { echo "process left"; return 1; }
}

@test "kill -9 of the monitor: ps -a shows the true status, rm -f cleans up" {
  id=$(td run -d --name m1 busybox sleep 30101)
  pid=$(td inspect -f '{{.State.Pid}}' m1)
  mon=$(awk '/^PPid/ {print $2}' /proc/$pid/status)
  [ "$(cat /proc/$mon/comm)" = td-monitor ]
  kill -9 "$mon"
  sleep 0.3
  st=$(td inspect -f '{{.State.Status}}' m1)
  if [ -e /proc/$pid ]; then [ "$st" = running ]; else [ "$st" = exited ]; fi
  run td ps -a --format '{{.Names}} {{.State}}'
  [ "$output" = "m1 $st" ]
  td rm -f m1
  assert_clean "$id"
}

@test "kill -9 of a foreground run: the container lives on and can be removed" {
  "$TINYDOCKER" run --name fg busybox sleep 30102 &
  cli=$!
  td_wait_status fg running
  kill -9 "$cli"
  wait "$cli" || true
  [ "$(td inspect -f '{{.State.Status}}' fg)" = running ]
  id=$(td inspect -f '{{.Id}}' fg)
  td rm -f fg
  assert_clean "$id"
}

@test "kill -9 at random points of run -d: ps -a works and rm -f removes everything" {
  for i in $(seq 12); do
    "$TINYDOCKER" run -d --name "k$i" busybox sleep 30103 >/dev/null 2>&1 &
    cli=$!
    sleep "0.0$((RANDOM % 10))"
    kill -9 "$cli" 2>/dev/null || true
    wait "$cli" 2>/dev/null || true
  done
  sleep 0.5
  run td ps -a --format '{{.Names}} {{.State}}'
  [ "$status" -eq 0 ]
  echo "$output"
  for s in $(td ps -a --format '{{.State}}'); do
    [[ "$s" =~ ^(created|running|exited|dead)$ ]]
  done
  ids=$(ls "$TD_ROOT/containers" | grep -E '^[0-9a-f]{64}$' || true)
  [ -z "$ids" ] || td rm -f $ids
  assert_clean $ids
}

@test "kill -9 of stop and of rm -f, then rm -f again" {
  id=$(td run -d --name s1 busybox sleep 30104)
  "$TINYDOCKER" stop -t 5 s1 &
  cli=$!
  sleep 0.2
  kill -9 "$cli"
  wait "$cli" || true
  sleep 0.2
  st=$(td inspect -f '{{.State.Status}}' s1)
  pid=$(td inspect -f '{{.State.Pid}}' s1)
  if [ "$st" = running ]; then [ -e "/proc/$pid" ]; else [ "$st" = exited ]; fi
  "$TINYDOCKER" rm -f s1 &
  cli=$!
  sleep 0.0$((RANDOM % 10))
  kill -9 "$cli" 2>/dev/null || true
  wait "$cli" || true
  ids=$(td ps -aq --no-trunc)
  [ -z "$ids" ] || td rm -f $ids
  assert_clean "$id"
}

@test "a stopped container whose monitor died before recording the exit" {
  id=$(td run -d --name m2 busybox sleep 30105)
  pid=$(td inspect -f '{{.State.Pid}}' m2)
  mon=$(awk '/^PPid/ {print $2}' /proc/$pid/status)
  kill -STOP "$mon"
  kill -9 "$pid"
  kill -9 "$mon"
  sleep 0.3
  [ "$(td inspect -f '{{.State.Status}} {{.State.Running}}' m2)" = "exited false" ]
  [[ "$(td ps -a --format '{{.Status}}')" == Exited* ]]
  td rm m2
  assert_clean "$id"
}

@test "run --rm returns with the container out of every view; its teardown follows" {
  td tag busybox rmview:1
  run td run --rm --name rmv rmview:1 sh -c 'echo out; exit 4'
  [ "$status" -eq 4 ]
  [ "$output" = out ]
  # at once: no record, no name, no rootfs mount, the image free to remove
  [ "$(td_count)" -eq 0 ]
  [ -z "$(td ps -aq)" ]
  [ -z "$(ls "$TD_ROOT/containers/names")" ]
  [ "$(td_mounts_under_root)" -eq 0 ]
  td rmi rmview:1 >/dev/null
  # the name is free at once
  id=$(td create --rm --name rmv busybox true)
  td rm "$id" >/dev/null
  # and the rest (runtime state, cgroups, files) goes just after
  td_wait_trash
  # no container's runtime state (the run dir also holds the per-boot host features cache)
  [ -z "$(ls "$TD_ROOT/run" | grep -Ev '^features$')" ]
  [ -z "$(ls -A "$TD_ROOT/trash")" ]
}

@test "a --rm remover killed half way: the next ps finishes its teardown, not before" {
  id=$(td run -d --rm --name half busybox sleep 30106)
  pid=$(td inspect -f '{{.State.Pid}}' half)
  mon=$(awk '/^PPid/ {print $2}' /proc/$pid/status)
  [ -n "$(td_cgroup_dirs "$id")" ]
  # the first half as the monitor would do it, then the monitor dies before the second
  kill -STOP "$mon"
  mkdir -p "$TD_ROOT/trash"
  rm "$TD_ROOT/containers/names/half"
  mv "$TD_ROOT/containers/$id" "$TD_ROOT/trash/$id"
  kill -9 "$pid" "$mon"
  for i in $(seq 50); do [ -e "/proc/$mon" ] || break; sleep 0.05; done
  # a live remover's lock is respected
  exec 9>"$TD_ROOT/trash/$id/lock"
  flock 9
  td ps -a >/dev/null
  [ -d "$TD_ROOT/trash/$id" ]
  [ "$(td_mounts_under_root)" -eq 1 ]
  exec 9>&-
  # the lock is free: ps finishes the dead remover's work
  [ -z "$(td ps -aq)" ]
  [ ! -e "$TD_ROOT/trash/$id" ]
  assert_clean "$id"
}
