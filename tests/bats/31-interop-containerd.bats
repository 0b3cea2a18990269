#!/usr/bin/env bats
# containerd (a private instance: own root, state and socket in the test's temp dir) running
# busybox with build/tinyrun as the runc binary of the runc v2 shim.
load ../helpers/common

setup() {
  command -v containerd >/dev/null || skip "containerd is not installed"
  command -v podman >/dev/null || skip "podman is needed to write the OCI archive"
  td_setup_roots
  T=$TEST_TMP
  td_make_busybox_rootfs "$T/fs"
  tar -C "$T/fs" -cf "$T/bb.tar" .
  PM=(podman --root "$T/pm-root" --runroot "$T/pm-run" --storage-driver vfs)
  "${PM[@]}" import "$T/bb.tar" localhost/tr-bb:test >/dev/null
  "${PM[@]}" save --format oci-archive -o "$T/bb-oci.tar" localhost/tr-bb:test >/dev/null 2>&1
  cat >"$T/containerd.toml" <<EOT
version = 2
root = "$T/c-root"
state = "$T/c-state"
[grpc]
  address = "$T/c.sock"
[ttrpc]
  address = "$T/c.sock.ttrpc"
[debug]
  address = "$T/c-debug.sock"
[metrics]
  address = ""
EOT
  containerd --config "$T/containerd.toml" >"$T/containerd.log" 2>&1 &
  CPID=$!
  C=(ctr --address "$T/c.sock" -n "trtest$$")
  for _ in $(seq 50); do "${C[@]}" version >/dev/null 2>&1 && break; sleep 0.2; done
  "${C[@]}" image import --base-name localhost/tr-bb "$T/bb-oci.tar" >/dev/null
}

teardown() {
  [ -n "${TEST_TMP:-}" ] || return 0
  if [ -n "${CPID:-}" ]; then
    for c in c1 c2; do
      timeout 20 "${C[@]}" task kill -s KILL "$c" >/dev/null 2>&1 || true
      timeout 20 "${C[@]}" task rm -f "$c" >/dev/null 2>&1 || true
      timeout 20 "${C[@]}" container rm "$c" >/dev/null 2>&1 || true
    done
    kill "$CPID" 2>/dev/null || true
    wait "$CPID" 2>/dev/null || true
  fi
  timeout 60 "${PM[@]}" system reset -f >/dev/null 2>&1 || true
  td_teardown_roots
}

@test "ctr run --rm with tinyrun: output and exit code" {
  run timeout 120 "${C[@]}" run --rm --runc-binary "$TINYRUN" localhost/tr-bb:test c1 \
    sh -c 'echo hi; exit 6'
  [ "$status" -eq 6 ]
  [ "$output" = hi ]
}

@test "ctr run -d, task exec, kill, rm" {
  timeout 120 "${C[@]}" run -d --runc-binary "$TINYRUN" localhost/tr-bb:test c2 sleep 1000
  run timeout 60 "${C[@]}" task exec --exec-id e1 c2 sh -c 'echo ex; exit 5'
  [ "$status" -eq 5 ]
  [ "$output" = ex ]
  timeout 30 "${C[@]}" task kill -s KILL c2
  for _ in $(seq 50); do "${C[@]}" task ls | grep -q 'c2.*STOPPED' && break; sleep 0.2; done
  "${C[@]}" task ls | grep -q 'c2.*STOPPED'
  timeout 30 "${C[@]}" task rm c2
  timeout 30 "${C[@]}" container rm c2
}
