#!/usr/bin/env bats
# The image commands through the engine binary (`tinydocker IMAGE-COMMAND` execs
# tinydocker-image), and images used by containers: run, commit, export, rmi while in use.
load ../helpers/common

setup() {
  td_setup_roots
  run "$TINYDOCKER" --root "$TD_ROOT" images
  if [ "$status" -ne 0 ] || [[ "$output" != REPOSITORY* ]]; then
    skip "tinydocker does not dispatch image commands yet"
  fi
}

teardown() {
  if [ -n "${TEST_TMP:-}" ]; then
    for c in $("$TINYDOCKER" --root "$TD_ROOT" ps -aq 2>/dev/null); do
      "$TINYDOCKER" --root "$TD_ROOT" rm -f "$c" >/dev/null 2>&1
    done
  fi
  td_teardown_roots
}

td() { "$TINYDOCKER" --root "$TD_ROOT" "$@"; }

@test "tinydocker image commands: create-default, images, tag, history, inspect, save, load, rmi" {
  run td create-default
  [ "$status" -eq 0 ]
  run td images
  [[ "${lines[1]}" == busybox*latest* ]]
  td tag busybox mine:1
  run td image ls -q
  [ "${#lines[@]}" -eq 2 ]
  run td history -q busybox
  [[ "$output" =~ ^[0-9a-f]{12}$ ]]
  run td image inspect -f '{{json .Config.Cmd}}' mine:1
  [ "$output" = '["sh"]' ]
  td save -o "$TEST_TMP/s.tar" mine:1
  run "$TINYDOCKER" --root "$TEST_TMP/r2" load -i "$TEST_TMP/s.tar"
  [ "$output" = "Loaded image: mine:1" ]
  run td rmi mine:1
  [ "$output" = "Untagged: mine:1" ]
  run td rmi nosuch
  [ "$status" -eq 1 ]
}

@test "a container from the image: run, commit, export, rmi refused while it exists" {
  td create-default >/dev/null
  run td run --name c1 busybox sh -c 'echo hello >/greeting; rm /etc/hosts.bak 2>/dev/null; true'
  [ "$status" -eq 0 ] || skip "tinydocker run does not work here yet: $output"
  run td rmi busybox
  [ "$status" -eq 1 ]
  [[ "$output" == *"must force"* ]]
  run td commit -m snap c1 snap:1
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^sha256: ]]
  run td run --rm snap:1 cat /greeting
  [ "$output" = hello ]
  run td export -o "$TEST_TMP/c1.tar" c1
  [ "$status" -eq 0 ]
  tar -xOf "$TEST_TMP/c1.tar" greeting | grep -qx hello
  td rm c1 >/dev/null
  run td rmi snap:1 busybox
  [ "$status" -eq 0 ]
  [ -z "$(ls "$TD_ROOT/layers")" ]
  ! findmnt -rn | grep -q "$TD_ROOT"
}

@test "the engine does not load the heavy libraries for run" {
  td create-default >/dev/null
  run td run --rm busybox cat /proc/self/maps
  [ "$status" -eq 0 ] || skip "tinydocker run does not work here yet"
  # the container's own maps are busybox's; check the engine binary's dependencies instead
  run ldd "$TINYDOCKER"
  [[ "$output" != *libarchive* && "$output" != *libcurl* && "$output" != *libcrypto* ]]
}
