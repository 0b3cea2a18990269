#!/usr/bin/env bats
# podman driving build/tinyrun as its OCI runtime, on a busybox image imported into a private
# podman store (--root/--runroot in the test's temp dir; vfs, no network).
load ../helpers/common

setup() {
  command -v podman >/dev/null || skip "podman is not installed"
  td_setup_roots
  td_make_busybox_rootfs "$TEST_TMP/fs"
  tar -C "$TEST_TMP/fs" -cf "$TEST_TMP/bb.tar" .
  PM=(podman --root "$TEST_TMP/pm-root" --runroot "$TEST_TMP/pm-run" --storage-driver vfs
      --cgroup-manager cgroupfs --runtime "$TINYRUN")
  # the ulimits are needed on this VM (podman's defaults exceed its hard limits)
  OPTS=(--network none --ulimit nofile=20000:20000 --ulimit nproc=32768:32768)
  "${PM[@]}" import "$TEST_TMP/bb.tar" localhost/tr-bb:test >/dev/null
}

teardown() {
  [ -n "${TEST_TMP:-}" ] || return 0
  timeout 60 "${PM[@]}" rm -af -t 0 >/dev/null 2>&1 || true
  timeout 60 "${PM[@]}" system reset -f >/dev/null 2>&1 || true
  td_teardown_roots
}

@test "podman run --rm: output and exit code pass through" {
  run timeout 120 "${PM[@]}" run --rm "${OPTS[@]}" localhost/tr-bb:test sh -c 'echo hi; exit 4'
  [ "$status" -eq 4 ]
  [ "$output" = hi ]
  run "${PM[@]}" ps -aq
  [ -z "$output" ]
}

@test "podman run -d, exec, stop, rm" {
  timeout 120 "${PM[@]}" run -d --name trd "${OPTS[@]}" localhost/tr-bb:test sleep 1000
  run timeout 60 "${PM[@]}" exec trd sh -c 'echo ex; exit 5'
  [ "$status" -eq 5 ]
  [ "$output" = ex ]
  run timeout 60 "${PM[@]}" exec trd cat /proc/1/cmdline
  [[ "$output" == sleep* ]]
  # sleep as pid 1 ignores TERM: podman falls back to KILL after the timeout
  timeout 60 "${PM[@]}" stop -t 1 trd
  [ "$("${PM[@]}" inspect -f '{{.State.Status}}' trd)" = exited ]
  timeout 60 "${PM[@]}" rm trd
  run "${PM[@]}" ps -aq
  [ -z "$output" ]
}
