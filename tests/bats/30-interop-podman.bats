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

@test "podman run -it under tmux: the pty comes through tinyrun's --console-socket" {
  command -v tmux >/dev/null || skip "tmux missing"
  sess=td-pm-$$
  # the command line is built here so that the session's shell does not re-split it
  printf -v cmd '%q ' "${PM[@]}" run -it --rm --name trt "${OPTS[@]}" localhost/tr-bb:test /bin/sh
  tmux new-session -d -s "$sess" -x 90 -y 25 "$cmd; echo EXITED=\$?; sleep 30"
  for _ in $(seq 60); do
    "${PM[@]}" inspect -f '{{.State.Status}}' trt 2>/dev/null | grep -q running && break
    sleep 0.5
  done
  sleep 1
  tmux send-keys -t "$sess" 'tty; stty size; echo PID1=$(cat /proc/1/comm)' Enter
  sleep 1
  # the host's view: the container's pid 1 has a pty of podman's devpts as its stdin
  pid=$("${PM[@]}" inspect -f '{{.State.Pid}}' trt)
  link=$(readlink "/proc/$pid/fd/0")
  tmux send-keys -t "$sess" 'exit 3' Enter
  for _ in $(seq 40); do
    tmux capture-pane -p -t "$sess" | grep -q EXITED= && break
    sleep 0.5
  done
  out=$(tmux capture-pane -p -t "$sess")
  tmux kill-session -t "$sess"
  echo "$out"; echo "fd0=$link"
  [[ "$link" == /dev/pts/* ]]
  echo "$out" | grep -q '^/dev/pts/0'
  echo "$out" | grep -q '^25 90'
  echo "$out" | grep -q 'PID1=sh'
  echo "$out" | grep -q 'EXITED=3'
}
