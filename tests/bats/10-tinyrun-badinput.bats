#!/usr/bin/env bats
# Bad input: one-line error, non-zero exit, nothing left behind.
load ../helpers/common

setup() {
  td_setup_roots
  B=$TEST_TMP/bundle
  td_make_busybox_rootfs "$B/rootfs"
  (cd "$B" && "$TINYRUN" spec)
  jq '.process.terminal=false | .process.args=["sleep","100"]' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
}

teardown() {
  for id in $("$TINYRUN" --root "$TR_ROOT" list -q 2>/dev/null); do
    "$TINYRUN" --root "$TR_ROOT" delete --force "$id" || true
  done
  td_teardown_roots
}

trn() { "$TINYRUN" --root "$TR_ROOT" "$@"; }
edit() { jq "$1" "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"; }

nothing_left() {
  [ ! -e "$TR_ROOT/x" ]
  [ ! -e /sys/fs/cgroup/memory/tinyrun/x ]
  ! grep -q "$TEST_TMP" /proc/self/mountinfo || false
}

one_line_error() {
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "${lines[0]}" == "tinyrun: "* ]]
}

@test "missing config.json" {
  rm "$B/config.json"
  run trn create --bundle "$B" x
  one_line_error
  [[ "$output" == *"config.json not found"* ]]
  nothing_left
}

@test "malformed config.json" {
  echo '{"ociVersion": ' >"$B/config.json"
  run trn create --bundle "$B" x
  one_line_error
  nothing_left
}

@test "unknown namespace type" {
  edit '.linux.namespaces += [{"type":"bogus"}]'
  run trn create --bundle "$B" x
  one_line_error
  [[ "$output" == *"namespaces"* ]]
  nothing_left
}

@test "cwd missing" {
  edit '.process.cwd="/does/not/exist"'
  run trn create --bundle "$B" x
  one_line_error
  [[ "$output" == *"cwd"* ]]
  nothing_left
}

@test "args[0] not found" {
  edit '.process.args=["nosuchprog"]'
  run trn create --bundle "$B" x
  one_line_error
  [[ "$output" == *'exec: "nosuchprog": executable file not found in $PATH'* ]]
  nothing_left
}

@test "duplicate id" {
  trn create --bundle "$B" x
  run trn create --bundle "$B" x
  one_line_error
  [[ "$output" == *"container with id x already exists"* ]]
  trn delete --force x
  nothing_left
}

@test "delete of a running container without --force" {
  trn run -d --bundle "$B" x
  run trn delete x
  one_line_error
  [[ "$output" == *"not stopped"* ]]
  trn delete --force x
  nothing_left
}

@test "bad signal name" {
  trn run -d --bundle "$B" x
  run trn kill x NOSUCHSIG
  one_line_error
  [[ "$output" == *"invalid signal"* ]]
  [ "$(trn state x | jq -r .status)" = running ]
  trn delete --force x
  nothing_left
}

@test "mount target escaping through a symlink stays inside" {
  ln -s /../../../../tmp "$B/rootfs/escape"
  edit '.mounts += [{"destination":"/escape/x","type":"tmpfs","source":"tmpfs"}]'
  trn run -d --bundle "$B" x || true
  [ ! -e /tmp/x ] || [ -n "$(ls -A /tmp/x 2>/dev/null)" ] || true
  ! findmnt /tmp/x || false
  trn delete --force x 2>/dev/null || true
  nothing_left
}
