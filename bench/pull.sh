#!/usr/bin/env bash
# Pull the same generated multi-layer image (~100 MB, 4 layers) from a local docker-registry:
# tinydocker pull vs skopeo copy to an OCI dir vs podman pull, side by side with hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RUNS=${RUNS:-5}
W=$(bench_tmpdir)
BATS_TEST_DIRNAME=$PWD/tests/bats
. tests/helpers/registry.bash
cleanup() { reg_stop; bench_cleanup "$W"; }
trap cleanup EXIT
reg_start

# 4 layers of 25 MB of random bytes (incompressible: the transfer is the real size)
umoci init --layout "$W/oci" >/dev/null
umoci new --image "$W/oci:t" >/dev/null
umoci unpack --image "$W/oci:t" "$W/b" >/dev/null
for i in 1 2 3 4; do
  head -c 25000000 /dev/urandom >"$W/b/rootfs/layer$i.bin"
  umoci repack --refresh-bundle --image "$W/oci:t" "$W/b" >/dev/null
done
skopeo copy -q --dest-tls-verify=false "oci:$W/oci:t" "docker://$REG/bench:big"

TDI=$PWD/build/tinydocker-image
PODMAN="podman --root $W/podman/root --runroot $W/podman/run --storage-driver overlay"
cmds=(-n "tinydocker pull" --prepare "rm -rf $W/td" "$TDI --root $W/td pull -q $REG/bench:big"
      -n "skopeo copy (oci dir)" --prepare "rm -rf $W/skopeo"
      "skopeo copy -q --src-tls-verify=false docker://$REG/bench:big oci:$W/skopeo:x")
if command -v podman >/dev/null; then
  cmds+=(-n "podman pull" --prepare "$PODMAN rmi -a -f"
         "$PODMAN pull -q --tls-verify=false $REG/bench:big")
fi
hyperfine --warmup 1 --runs "$RUNS" --export-markdown "$W/pull.md" "${cmds[@]}" >&2
cat "$W/pull.md"
$PODMAN rmi -a -f >/dev/null 2>&1 || true
findmnt -rn -o TARGET | grep "^$W/podman" | sort -r | xargs -r umount -l 2>/dev/null || true
