#!/usr/bin/env bats
# Interop with podman (private --root/--runroot in the test's temp dir): archives written by
# `podman save` load in tinydocker and `tinydocker save` output loads in podman, both formats.
load ../helpers/common

setup() {
  command -v podman >/dev/null || skip "podman not installed"
  td_setup_roots
  IMG="$BUILD_DIR/tinydocker-image"
  PM=(podman --root "$TEST_TMP/pm-root" --runroot "$TEST_TMP/pm-run" --storage-driver vfs
      --cgroup-manager cgroupfs --events-backend none)
}

teardown() {
  [ -n "${TEST_TMP:-}" ] && "${PM[@]}" rmi -a -f >/dev/null 2>&1
  td_teardown_roots
}

img() { "$IMG" --root "$TD_ROOT" "$@"; }

podman_image() { # name: a two-layer image built by podman from tarballs
  local d=$TEST_TMP/pm-src
  td_make_busybox_rootfs "$d"
  echo base >"$d/base-marker"
  tar -C "$d" -cf "$TEST_TMP/base.tar" .
  "${PM[@]}" import --change 'CMD ["sh"]' "$TEST_TMP/base.tar" "$1" >/dev/null
}

@test "podman save docker-archive and oci-archive load in tinydocker" {
  podman_image localhost/pmimg:1
  pid=$("${PM[@]}" image inspect --format '{{.Id}}' localhost/pmimg:1)
  "${PM[@]}" save -o "$TEST_TMP/pd.tar" localhost/pmimg:1
  "${PM[@]}" save --format oci-archive -o "$TEST_TMP/po.tar" localhost/pmimg:1
  run img load -i "$TEST_TMP/pd.tar"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: localhost/pmimg:1" ]
  [ "$(img image inspect -f '{{.Id}}' localhost/pmimg:1)" = "sha256:$pid" ]
  img rmi localhost/pmimg:1 >/dev/null
  run img load -i "$TEST_TMP/po.tar"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: localhost/pmimg:1" ]
  [ "$(img image inspect -f '{{.Id}}' localhost/pmimg:1)" = "sha256:$pid" ]
  [ "$(img image inspect -f '{{json .Config.Cmd}}' localhost/pmimg:1)" = '["sh"]' ]
  layer=$(ls -d "$TD_ROOT"/layers/*/diff)
  [ "$(cat "$layer/base-marker")" = base ]
}

@test "tinydocker save loads in podman, both formats" {
  img create-default >/dev/null
  id=$(img image inspect -f '{{.Id}}' busybox)
  img save -o "$TEST_TMP/d.tar" busybox
  img save --format oci-archive -o "$TEST_TMP/o.tar" busybox
  run "${PM[@]}" load -i "$TEST_TMP/d.tar"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Loaded image"*"busybox:latest"* ]]
  [ "sha256:$("${PM[@]}" image inspect --format '{{.Id}}' localhost/busybox:latest)" = "$id" ]
  "${PM[@]}" rmi -a -f >/dev/null
  run "${PM[@]}" load -i "$TEST_TMP/o.tar"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Loaded image"*"docker.io/library/busybox:latest"* ]]
  [ "sha256:$("${PM[@]}" image inspect --format '{{.Id}}' docker.io/library/busybox:latest)" = "$id" ]
  [ "$("${PM[@]}" image inspect --format '{{.Config.Cmd}}' busybox)" = "[sh]" ]
}

@test "a committed two-layer image survives podman and back" {
  img create-default >/dev/null
  C=$TEST_TMP/ctr
  img mount-rootfs busybox "$C" >/dev/null
  echo two >"$C/rootfs/second"
  rm "$C/rootfs/etc/hosts"
  img umount-rootfs "$C" --release
  img commit-container --upper "$C/upper" --image busybox two:layers >/dev/null
  id=$(img image inspect -f '{{.Id}}' two:layers)
  img save --format oci-archive -o "$TEST_TMP/o.tar" two:layers
  "${PM[@]}" load -i "$TEST_TMP/o.tar" >/dev/null
  "${PM[@]}" save -o "$TEST_TMP/back.tar" docker.io/library/two:layers
  R2=$TEST_TMP/root2
  run "$IMG" --root "$R2" load -i "$TEST_TMP/back.tar"
  [ "$status" -eq 0 ]
  [ "$("$IMG" --root "$R2" image inspect -f '{{.Id}}' "${output#Loaded image: }")" = "$id" ]
  C2=$TEST_TMP/ctr2
  "$IMG" --root "$R2" mount-rootfs "$id" "$C2" >/dev/null
  [ "$(cat "$C2/rootfs/second")" = two ]
  [ ! -e "$C2/rootfs/etc/hosts" ]
  [ -e "$C2/rootfs/etc/passwd" ]
  "$IMG" --root "$R2" umount-rootfs "$C2" --release
}
