#!/usr/bin/env bats
# The compatibility suite (tests/compat/run.sh) against the reference, Debian's docker.io 20.10
# started with private roots and socket: every case runs in both and is compared after
# normalisation. This test fails when a case that tests/compat/expected.txt lists as identical
# to docker's is no longer identical (a regression), and prints the counts (README table).
load ../helpers/common

setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "needs root"
}

@test "compat: no case identical to docker's regressed; the counts" {
  [ -x /usr/sbin/dockerd ] || skip "docker.io is not installed (scripts/install-deps.sh installs it)"
  out=${BUILD_DIR:-build}/compat
  run "$REPO/tests/compat/run.sh" -q -o "$out"
  echo "$output" | tail -20
  [ "$status" -eq 0 ]
  [[ "$output" == *"compat: "*" identical"* ]]
}

@test "compat: the suite notices a difference (a broken CLI is not identical)" {
  [ -x /usr/sbin/dockerd ] || skip "docker.io is not installed"
  fake=$BATS_TEST_TMPDIR/fake-tinydocker
  printf '#!/bin/sh\necho not-docker\n' >"$fake"
  chmod +x "$fake"
  run env TINYDOCKER="$fake" "$REPO/tests/compat/run.sh" -q -k '^run-echo$' -o "$BATS_TEST_TMPDIR/o"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"REGRESSION: run-echo"* ]]
}
