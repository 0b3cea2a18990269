#!/usr/bin/env bats
# CVE-2019-5736 class, engine side: every process the engine starts in a container execs its
# program through tinydocker-entry, a small static program executed from a detached read-only
# mount (runtime/core/entry.c), so no container process ever runs, or can reopen for
# writing, the engine binary through /proc/PID/exe. A private copy of the binary is used
# (nothing else runs it, so no ETXTBSY can hide the result, and nothing real is at stake).
bats_require_minimum_version 1.5.0
load ../helpers/common

setup() {
  td_setup_roots
  mkdir -p "$TEST_TMP/bin"
  cp "$TINYDOCKER" "$TEST_TMP/bin/tinydocker"
  ln -s "$BUILD_DIR/tinydocker-image" "$TEST_TMP/bin/tinydocker-image"
  ln -s "$BUILD_DIR/engine/tinydocker-init" "$TEST_TMP/bin/tinydocker-init"
  ln -s "$BUILD_DIR/engine/tinydocker-entry" "$TEST_TMP/bin/tinydocker-entry"
  T=$TEST_TMP/bin/tinydocker
  "$T" create-default >/dev/null
  printf '#!/proc/self/exe\n' >"$TEST_TMP/evil"
  chmod +x "$TEST_TMP/evil"
}

teardown() {
  for c in $("$T" ps -aq --no-trunc 2>/dev/null); do "$T" rm -f "$c" >/dev/null 2>&1; done
  td_teardown_roots
}

@test "a program whose #! interpreter is /proc/self/exe meets the read-only entry program, not the engine" {
  # as the container's command: the init's last exec
  run "$T" run --rm --network none -v "$TEST_TMP/evil:/evil" busybox /evil
  echo "$output"
  [ "$status" -eq 126 ]
  [ "$output" = "tinydocker-entry: not started by the runtime" ]
  # and through exec (the container's monitor runs the build's binary: nothing but the exec
  # CLI below runs the copy, so no ETXTBSY can answer for EROFS)
  id=$("$TINYDOCKER" run -d --network none -v "$TEST_TMP/evil:/evil" busybox sleep 300)
  run "$T" exec "$id" /evil
  [ "$status" -eq 126 ]
  [ "$output" = "tinydocker-entry: not started by the runtime" ]
  # exec joins a populated pid namespace: its CLI (whose clone joins) re-executes read-only
  "$T" exec "$id" sleep 300 3>&- &
  cli=$!
  for _ in $(seq 50); do [ "$(readlink /proc/$cli/exe)" = / ] && break; sleep 0.1; done
  [ "$(stat -L -c %d:%i "/proc/$cli/exe")" = "$(stat -c %d:%i "$T")" ]
  run reopen_exe_after_kill "$cli"
  [ "$output" = EROFS ]
  cmp "$TINYDOCKER" "$T"
  # the read-only trees are detached: no mount of ours left on the host
  ! grep -q "$TEST_TMP/bin\|$BUILD_DIR/engine" /proc/self/mountinfo || false
}

@test "the entry program runs the program it is given, with its argv, and refuses anything else" {
  run "$T" run --rm --network none busybox sh -c 'echo "$0 $1"; cat /proc/self/cmdline | tr "\0" " "' a0 a1
  [ "${lines[0]}" = "a0 a1" ]
  [ "${lines[1]}" = "cat /proc/self/cmdline " ]
  # exit codes of a missing program stay docker's
  run -127 "$T" run --rm --network none busybox /nonexistent
  # called by hand it refuses to act as anything but the runtime's last exec
  run "$BUILD_DIR/engine/tinydocker-entry" /bin/true
  [ "$status" -eq 126 ]
}

@test "the engine finds its helpers next to itself (image tool, --init, entry)" {
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
