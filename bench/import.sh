#!/usr/bin/env bash
# `import` of a generated ~100 MB rootfs tarball (a busybox tree plus 1,000 small files and
# 4 x 24 MB of random data): tinydocker-image import vs podman import, side by side with
# hyperfine. Then the cost of mounting a container rootfs from an image with 1 layer vs 20, and
# of `run --rm true` from each.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RUNS=${RUNS:-5}
W=$(bench_tmpdir)
PODMAN="podman --root $W/podman/root --runroot $W/podman/run --storage-driver overlay --events-backend none"
cleanup() { $PODMAN rmi -a -f >/dev/null 2>&1 || true; bench_cleanup "$W"; }
trap cleanup EXIT

BATS_TEST_DIRNAME=$PWD/tests/bats . tests/helpers/common.bash
td_make_busybox_rootfs "$W/src"
mkdir -p "$W/src/data/small"
for i in $(seq 1 1000); do echo "file $i" >"$W/src/data/small/f$i"; done
for i in 1 2 3 4; do head -c 24000000 /dev/urandom >"$W/src/data/blob$i"; done
tar -C "$W/src" -cf "$W/rootfs.tar" .
echo "tarball: $(du -m "$W/rootfs.tar" | cut -f1) MB, $(tar -tf "$W/rootfs.tar" | wc -l) entries" >&2

TDI=$PWD/build/tinydocker-image
cmds=(-n "tinydocker import" --prepare "rm -rf $W/td" "$TDI --root $W/td import $W/rootfs.tar bench:1")
if command -v podman >/dev/null; then
  cmds+=(-n "podman import" --prepare "$PODMAN rmi -a -f"
         "$PODMAN import -q $W/rootfs.tar bench:1")
fi
hyperfine --warmup 1 --runs "$RUNS" --export-markdown "$W/import.md" "${cmds[@]}" >&2
cat "$W/import.md"

# rootfs mount: 1 layer vs 20 layers (each mount is what `tinydocker run` does per container)
R=$W/layers
$TDI --root "$R" create-default >/dev/null
prev=busybox
for i in $(seq 2 20); do
  $TDI --root "$R" mount-rootfs "$prev" "$W/c$i" >/dev/null
  echo "$i" >"$W/c$i/rootfs/layer$i"
  $TDI --root "$R" umount-rootfs "$W/c$i" --release
  $TDI --root "$R" commit-container --upper "$W/c$i/upper" --image "$prev" "l:$i" >/dev/null
  prev=l:$i
done
echo
echo "Rootfs mount (image_rootfs_mount, in-process mean, what \`tinydocker run\` pays per container):"
echo
for r in 1 2; do
  $TDI --root "$R" mount-bench busybox "$W/mb" "${MOUNT_RUNS:-200}"
  $TDI --root "$R" mount-bench l:20 "$W/mb" "${MOUNT_RUNS:-200}"
done | sed 's/^/    /'

# the issue's measure: starting a container (run --rm, no network) from the 20-layer image
# against the 1-layer one, side by side
TD="$PWD/build/tinydocker --root $R"
echo
echo "### run --rm true: image of 1 layer vs 20 layers"
echo
hyperfine -N --warmup 3 --runs "${RUN_RUNS:-30}" --export-markdown "$W/layers.md" \
  -n "1 layer" "$TD run --rm --network none busybox true" \
  -n "20 layers" "$TD run --rm --network none l:20 true" >&2
cat "$W/layers.md"
