#!/usr/bin/env bats
# `diff` (`container diff`): the container's changes to its image as docker lists them (A, C,
# D for a whiteout, sorted by path); symlinks in the upper dir are listed, never followed.
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() { td_engine_setup; }
teardown() { td_engine_teardown; }
teardown_file() { td_engine_teardown_file; }

@test "diff: added, changed and deleted paths, sorted, as docker prints them" {
  td run --name df1 busybox sh -c 'touch /tmp/x; rm /bin/ls; mkdir -p /newd/sub; echo root:x:0:0::/:/bin/sh >/etc/passwd'
  run td diff df1
  [ "$status" -eq 0 ]
  [ "$output" = "C /bin
D /bin/ls
C /etc
C /etc/passwd
A /newd
A /newd/sub
C /tmp
A /tmp/x" ]
  run td container diff df1
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 8 ]
}

@test "diff: a fresh container has no changes; bad use exits 1" {
  td create --name df2 busybox true >/dev/null
  run td diff df2
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  run td diff
  [ "$status" -eq 1 ]
  [[ "$output" == *'diff" requires exactly 1 argument'* ]]
  run td diff nosuch
  [ "$status" -eq 1 ]
  [[ "$output" == *"No such container: nosuch"* ]]
}

@test "attack: diff lists the container's symlinks but never walks through them" {
  mkdir -p "$TEST_TMP/hostdir/secret"
  td run --name df3 busybox sh -c "ln -s /etc /tmp/hostetc; rm -rf /var; ln -s $TEST_TMP/hostdir /var; ln -s / /rootlink"
  run td diff df3
  [ "$status" -eq 0 ]
  [[ "$output" == *"A /tmp/hostetc"* ]]
  [[ "$output" == *"C /var"* ]]
  [[ "$output" == *"A /rootlink"* ]]
  # nothing below a symlink: not the host's /etc, nor the host dir it names
  ! [[ "$output" == *"/tmp/hostetc/"* ]]
  ! [[ "$output" == *"/var/"* ]]
  ! [[ "$output" == *"secret"* ]]
  ! [[ "$output" == *"/rootlink/"* ]]
  [ "${#lines[@]}" -eq 4 ]
}
