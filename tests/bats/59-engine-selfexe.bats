#!/usr/bin/env bats
# CVE-2019-5736 class, engine side: the monitor and every process it clones into a container
# run tinydocker from a detached read-only mount of the binary, so a container can never
# reopen /proc/PID/exe for writing. A private copy of the binary is used (nothing else runs
# it, so no ETXTBSY can hide the result, and nothing real is at stake).
load ../helpers/common

setup() {
  td_setup_roots
  mkdir -p "$TEST_TMP/bin"
  cp "$TINYDOCKER" "$TEST_TMP/bin/tinydocker"
  ln -s "$BUILD_DIR/tinydocker-image" "$TEST_TMP/bin/tinydocker-image"
  ln -s "$BUILD_DIR/engine/tinydocker-init" "$TEST_TMP/bin/tinydocker-init"
  T=$TEST_TMP/bin/tinydocker
  "$T" create-default >/dev/null
}

teardown() {
  for c in $("$T" ps -aq --no-trunc 2>/dev/null); do "$T" rm -f "$c" >/dev/null 2>&1; done
  td_teardown_roots
}

@test "the monitor runs the engine binary from a read-only mount: its exe cannot be written" {
  id=$("$T" run -d --network none busybox sleep 300)
  pid=$("$T" inspect -f '{{.State.Pid}}' "$id")
  mon=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status")
  # the monitor is our copy (same inode), not the build's binary
  [ "$(stat -L -c %d:%i "/proc/$mon/exe")" = "$(stat -c %d:%i "$T")" ]
  run reopen_exe_after_kill "$mon"
  [ "$output" = EROFS ]
  cmp "$TINYDOCKER" "$T"
  # the re-execution left no mount behind on the host
  ! grep -q "$TEST_TMP/bin" /proc/self/mountinfo || false
}

@test "after the re-execution the engine still finds its helpers (image tool, --init)" {
  run "$T" images
  [ "$status" -eq 0 ]
  [[ "$output" == *busybox* ]]
  run "$T" run --rm --init --network none busybox cat /proc/1/comm
  [ "$status" -eq 0 ]
  [ "$output" = docker-init ]
  id=$("$T" run -d --network none busybox sleep 300)
  run "$T" exec "$id" echo in
  [ "$output" = in ]
  run "$T" commit "$id" mine:1
  [ "$status" -eq 0 ]
}

@test "the check can fail: a program not re-executed keeps a writable exe" {
  cp /bin/sleep "$TEST_TMP/bin/sleep"
  "$TEST_TMP/bin/sleep" 300 &
  run reopen_exe_after_kill $!
  [ "$output" = writable ]
}
