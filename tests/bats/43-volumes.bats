#!/usr/bin/env bats
# Volumes: create/ls/inspect/rm/prune with docker's output, a named volume filled from the
# image content on first use, in-use protection, anonymous volumes.
load ../helpers/common

setup() {
  td_setup_roots
  IMG="$BUILD_DIR/tinydocker-image"
}

teardown() {
  td_teardown_roots
}

img() { "$IMG" --root "$TD_ROOT" "$@"; }

@test "volume create, ls, inspect, rm" {
  run img volume create data1
  [ "$output" = data1 ]
  run img volume create --label team=a data1
  [ "$status" -eq 0 ]
  run img volume create
  [[ "$output" =~ ^[0-9a-f]{64}$ ]]
  anon=$output
  run img volume ls
  [ "${lines[0]}" = "DRIVER    VOLUME NAME" ]
  [[ "$output" == *"local     data1"* ]]
  run img volume inspect data1
  echo "$output" | python3 -c '
import json,sys
v=json.load(sys.stdin)[0]
assert v["Name"]=="data1" and v["Driver"]=="local" and v["Scope"]=="local"
assert v["Mountpoint"].endswith("/volumes/data1/_data")
'
  [ -d "$(img volume inspect -f '{{.Mountpoint}}' data1)" ]
  run img volume rm data1 "$anon"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'data1\n%s' "$anon")" ]
  run img volume ls -q
  [ -z "$output" ]
}

@test "bad names and unknown volumes fail cleanly" {
  run img volume create 'bad/name'
  [ "$status" -eq 1 ]
  [[ "$output" == *"includes invalid characters"* ]]
  run img volume inspect nosuch
  [ "$status" -eq 1 ]
  [[ "$output" == *"No such volume: nosuch"* ]]
  run img volume rm nosuch
  [ "$status" -eq 1 ]
  run img volume rm -f nosuch
  [ "$status" -eq 0 ]
  [ ! -d "$TD_ROOT/volumes/bad" ]
}

@test "a named volume is filled from the image at its path on first use only" {
  img create-default >/dev/null
  C=$TEST_TMP/ctr
  img mount-rootfs busybox "$C" >/dev/null
  mkdir -p "$C/rootfs/srv/sub"
  echo seed >"$C/rootfs/srv/sub/f"
  ln -s /etc/passwd "$C/rootfs/srv/link"
  chown 65534:65534 "$C/rootfs/srv"
  chmod 0750 "$C/rootfs/srv"
  run img volume-prepare vol1 "$C" "$C/rootfs" /srv
  [ "$status" -eq 0 ]
  data=$output
  [ "$(cat "$data/sub/f")" = seed ]
  [ "$(readlink "$data/link")" = /etc/passwd ]
  [ "$(stat -c '%u %a' "$data")" = "65534 750" ]
  # in use: rm refuses, prune keeps it
  run img volume rm vol1
  [ "$status" -eq 1 ]
  [[ "$output" == *"volume is in use"* ]]
  # second use: not copied again
  echo changed >"$data/sub/f"
  rm "$C/rootfs/srv/sub/f"
  C2=$TEST_TMP/ctr2
  mkdir -p "$C2"
  img volume-prepare vol1 "$C2" "$C/rootfs" /srv >/dev/null
  [ "$(cat "$data/sub/f")" = changed ]
  img volume-release "$C"
  img volume-release "$C2"
  img umount-rootfs "$C" --release
  run img volume rm vol1
  [ "$status" -eq 0 ]
}

@test "the image path is resolved inside the rootfs (a symlink cannot point the copy out)" {
  img create-default >/dev/null
  mkdir -p "$TEST_TMP/secret" && echo hostsecret >"$TEST_TMP/secret/s"
  C=$TEST_TMP/ctr
  img mount-rootfs busybox "$C" >/dev/null
  ln -s "$TEST_TMP/secret" "$C/rootfs/data"
  run img volume-prepare vol2 "$C" "$C/rootfs" /data
  [ "$status" -eq 0 ]
  [ ! -e "$output/s" ]
  img volume-release "$C"
  img umount-rootfs "$C" --release
}

@test "anonymous volumes: released by rm, removed by prune; named ones only with -a" {
  img create-default >/dev/null
  C=$TEST_TMP/ctr
  mkdir -p "$C/rootfs"
  run img volume-prepare '' "$C" "$C/rootfs" /x
  [ "$status" -eq 0 ]
  img volume create named >/dev/null
  run img volume prune -f
  [[ "$output" != *"Deleted"* ]]
  run img volume-release "$C"
  [[ "$output" =~ ^[0-9a-f]{64}$ ]]
  run img volume prune -f
  [[ "$output" == *"Deleted Volumes:"* ]]
  run img volume ls -q
  [ "$output" = named ]
  run img volume prune -a -f
  run img volume ls -q
  [ -z "$output" ]
}

@test "a <root>/volumes/NAME/_data made without a record is adopted" {
  mkdir -p "$TD_ROOT/volumes/adhoc/_data"
  run img volume ls -q
  [ "$output" = adhoc ]
  run img volume inspect -f '{{.Mountpoint}}' adhoc
  [ "$output" = "$TD_ROOT/volumes/adhoc/_data" ]
  run img volume rm adhoc
  [ "$status" -eq 0 ]
  [ ! -e "$TD_ROOT/volumes/adhoc" ]
}
