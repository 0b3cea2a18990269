#!/usr/bin/env bats
# Locks and parallel use (issue 18): a wait on a store lock has a bound (TD_LOCK_TIMEOUT, 60 s
# by default) and fails naming the lock and its holder (pid and command line, from
# /proc/locks), with nothing changed; and parallel workers on one root never hang.
bats_require_minimum_version 1.5.0
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() {
  td_engine_setup
  HOLDER=
}
teardown() {
  [ -z "$HOLDER" ] || { kill "$HOLDER" 2>/dev/null; wait "$HOLDER" 2>/dev/null || true; }
  td_engine_teardown
}
teardown_file() { td_engine_teardown_file; }

# A process of ours holds an exclusive flock on file (the lock taken by bash's flock on fd 9,
# then held by the sleep the subshell becomes): its pid in HOLDER.
hold_lock() { # file
  mkdir -p "$(dirname "$1")"
  (
    exec 9>>"$1"
    flock 9
    exec sleep 60
  ) &
  HOLDER=$!
  local i
  for i in $(seq 100); do
    flock -n "$1" true 2>/dev/null || return 0
    sleep 0.05
  done
  return 1
}

# cmd fails after the bound (2 s here), exit 125, naming what and the holder.
expect_timeout() { # what cmd...
  local what=$1
  shift
  local t0=$SECONDS
  TD_LOCK_TIMEOUT=2 run "$@"
  [ "$status" -eq 1 ] || [ "$status" -eq 125 ] # docker: 125 for run, 1 for the other commands
  echo "$output"
  [ $((SECONDS - t0)) -ge 2 ]
  [ $((SECONDS - t0)) -le 20 ]
  [[ "$output" == *"waiting for $what, held by pid $HOLDER (sleep 60): timed out"* ]]
}

@test "network store held: network create fails after the bound, naming the holder; no network" {
  td network ls >/dev/null # the store exists
  hold_lock "$TD_ROOT/networks/.lock"
  expect_timeout "the network store" td network create lk-net
  kill "$HOLDER"
  wait "$HOLDER" 2>/dev/null || true
  HOLDER=
  run td network ls --format '{{.Name}}'
  [[ "$output" != *lk-net* ]]
  ! ls "$TD_ROOT/networks" | grep -q '\.tmp' || false
}

@test "volume store held: volume create fails after the bound, naming the holder; no volume" {
  hold_lock "$TD_ROOT/volumes/.lock"
  expect_timeout "the volume store" td volume create lk-vol
  [ ! -e "$TD_ROOT/volumes/lk-vol" ]
  kill "$HOLDER"
  HOLDER=
  run td volume ls -q
  [[ "$output" != *lk-vol* ]]
}

@test "image store held: tag fails after the bound, naming the holder; no tag" {
  hold_lock "$TD_ROOT/images/.lock"
  expect_timeout "the image store" td tag busybox lk-img:1
  kill "$HOLDER"
  HOLDER=
  run td images --format '{{.Repository}}'
  [[ "$output" != *lk-img* ]]
}

@test "a container's lock held: rm -f fails after the bound, naming the container and holder" {
  id=$(td create --name lk-ctr busybox true)
  hold_lock "$TD_ROOT/containers/$id/lock"
  expect_timeout "container ${id:0:12}" td rm -f lk-ctr
  kill "$HOLDER"
  HOLDER=
  [ "$(td inspect -f '{{.Name}}' lk-ctr)" = /lk-ctr ]
}

@test "network store held: run -d -p fails after the bound with the monitor's error naming the holder" {
  td network ls >/dev/null
  hold_lock "$TD_ROOT/networks/.lock"
  expect_timeout "the network store" td run -d --name lk-run -p 80 busybox sleep 30
  # the start failed: created, not running, and no monitor left for it
  [ "$(td inspect -f '{{.State.Status}}' lk-run)" = created ]
  local p
  for p in $(pgrep -x td-monitor); do
    ! tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "TINYDOCKER_ROOT=$TD_ROOT" || false
  done
}

@test "TD_LOCK_TIMEOUT takes fractions of a second" {
  hold_lock "$TD_ROOT/networks/.lock"
  TD_LOCK_TIMEOUT=0.5 run -1 td network create lk-net2
  [[ "$output" == *"waiting for the network store, held by pid $HOLDER (sleep 60): timed out after 0.5 s"* ]]
}

# The mix that hung (issue 18): six workers, each looping run --rm with a published port,
# run -d, exec and rm -f, on one root. A hang fails the test (timeout), so does any failed
# command or anything left behind.
@test "six parallel workers (run --rm -p, run -d, exec, rm -f) on one root: no hang, no error, nothing left" {
  td network ls >/dev/null
  local n=${TD_LOCK_STRESS_N:-12} w
  worker() {
    local w=$1 i
    for i in $(seq "$n"); do
      "$TINYDOCKER" run --rm -p 80 busybox true >/dev/null || echo "w$w.$i run --rm: $?"
      "$TINYDOCKER" run -d --name "s$w-$i" busybox sleep 30 >/dev/null || echo "w$w.$i run -d: $?"
      "$TINYDOCKER" exec "s$w-$i" true || echo "w$w.$i exec: $?"
      "$TINYDOCKER" rm -f "s$w-$i" >/dev/null || echo "w$w.$i rm -f: $?"
    done
  }
  export -f worker
  export n TINYDOCKER
  run timeout -k 5 50 bash -c 'for w in 1 2 3 4 5 6; do worker $w 2>&1 & done; wait'
  echo "$output"
  [ "$status" -eq 0 ] # 124: a hang
  [ -z "$output" ]
  td_wait_trash || true
  [ -z "$(td ps -aq)" ]
  # no monitor of this root left
  local p
  for p in $(pgrep -x td-monitor); do
    ! tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "TINYDOCKER_ROOT=$TD_ROOT" || false
  done
}

@test "an init stuck before ready (a createContainer hook that hangs): create gives up after the peer bound, naming it; nothing left" {
  b=$BATS_TEST_TMPDIR/hb
  mkdir -p "$b/rootfs/bin" "$b/rootfs/proc" "$b/rootfs/dev" "$b/rootfs/sys"
  cp /bin/busybox "$b/rootfs/bin/"
  ln -s busybox "$b/rootfs/bin/sh"
  (cd "$b" && "$TINYRUN" spec)
  jq '.process.terminal=false | .process.args=["/bin/sh","-c","true"] |
      .hooks={"createContainer":[{"path":"/bin/sleep","args":["sleep","677"]}]}' \
    "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  t0=$SECONDS
  # the bound is 3 lock bounds + 10 s: 11.5 s here
  TD_LOCK_TIMEOUT=0.5 run timeout 60 "$TINYRUN" --root "$b/state" create --bundle "$b" hung1
  echo "$output"
  [ "$status" -ne 0 ] && [ "$status" -ne 124 ]
  [[ "$output" == *"waiting for the container init (pid "*") to be ready: no word after 11 s"* ]]
  [ $((SECONDS - t0)) -le 40 ]
  run "$TINYRUN" --root "$b/state" list -q
  [ -z "$output" ]
  ! pgrep -f "sleep 677"
}
