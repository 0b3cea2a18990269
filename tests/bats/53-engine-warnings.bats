#!/usr/bin/env bats
# Best-effort steps that fail are warned about, never dropped: a teardown failure (here an
# anonymous volume that cannot be removed: a mount inside it) shows on the CLI's stderr, or,
# when the monitor meets it, in the store's engine.log.
bats_require_minimum_version 1.5.0
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() { td_engine_setup; }
teardown() {
  unbusy || true
  td_engine_teardown
}

# the test's own mounts under the store's volumes (the volume may have been renamed)
unbusy() {
  local m
  for m in $(findmnt -rn -o TARGET | grep "^$TD_ROOT/volumes/" || true); do umount "$m"; done
}
teardown_file() { td_engine_teardown_file; }

# a file of the volume made busy by a bind mount on it: the removal cannot finish
busy_volume() { # container -> sets VOL
  VOL=$(td inspect -f '{{range .Mounts}}{{.Name}}{{end}}' "$1")
  [ -n "$VOL" ]
  local dir="$TD_ROOT/volumes/$VOL/_data"
  [ -d "$dir" ]
  touch "$dir/busy"
  mount --bind /dev/null "$dir/busy"
}

@test "rm -f -v: an anonymous volume that cannot be removed is a warning on stderr" {
  id=$(td run -d -v /data --name w1 busybox sleep 60)
  busy_volume w1
  run --separate-stderr td rm -f -v w1
  unbusy
  echo "$stderr"
  [ "$status" -eq 0 ]
  [ "$output" = w1 ]
  [[ "$stderr" == "tinydocker: warning: container $id: remove its anonymous volume: "*"$VOL"* ]]
  [ "$(echo "$stderr" | wc -l)" -eq 1 ]
  # the container is gone all the same
  run td inspect w1
  [ "$status" -ne 0 ]
  rm -rf "$TD_ROOT"/volumes/.rm-*"$VOL"
}

@test "run --rm: the monitor's teardown warning lands in engine.log (0600), naming the container" {
  id=$(td run -d --rm -v /data --name w2 busybox sh -c 'while [ ! -e /data/go ]; do sleep 0.05; done')
  busy_volume w2
  touch "$TD_ROOT/volumes/$VOL/_data/go"
  for _ in $(seq 100); do
    [ -d "$TD_ROOT/containers/$id" ] || break
    sleep 0.1
  done
  td_wait_trash || true
  unbusy
  cat "$TD_ROOT/engine.log"
  grep -q "^tinydocker-monitor ${id:0:12}: warning: container $id: remove its anonymous volume: .*$VOL" \
    "$TD_ROOT/engine.log"
  [ "$(stat -c %a "$TD_ROOT/engine.log")" = 600 ]
  rm -rf "$TD_ROOT"/volumes/.rm-*"$VOL"
}

@test "a clean rm and run --rm warn about nothing" {
  before=$(cat "$TD_ROOT/engine.log" 2>/dev/null || true)
  td run -d -v /data --name w3 busybox sleep 60 >/dev/null
  run --separate-stderr td rm -f -v w3
  [ "$status" -eq 0 ]
  [ -z "$stderr" ]
  run --separate-stderr td run --rm -v /data busybox true
  [ "$status" -eq 0 ]
  [ -z "$stderr" ]
  [ "$(cat "$TD_ROOT/engine.log" 2>/dev/null || true)" = "$before" ]
}
