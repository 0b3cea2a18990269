#!/usr/bin/env bash
# Builds the VM test's initramfs for one unpacked kernel (scripts/vm/kernels.sh):
#   scripts/vm/initramfs.sh build-vm/kernels/<release> OUT.cpio.gz
# Its content: busybox-static, scripts/vm/init (stage 1) and the modules that stage needs to
# reach the host's files over 9p (virtio-pci, 9pnet_virtio, 9p and what modules.dep says they
# need), decompressed (busybox insmod takes plain .ko) and listed in load order in /modules.
# Everything else (bash, bats, the build, the other modules) comes over 9p in stage 2.
set -euo pipefail
kdir=$(cd "$1" && pwd)
out=$2
rel=$(basename "$kdir")
mods=$kdir/lib/modules/$rel
here=$(cd "$(dirname "$0")" && pwd)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,dev,proc,sys,mnt,newroot,lib/modules}
cp /bin/busybox "$work/bin/busybox"
for a in sh mount umount mkdir insmod switch_root cat echo sleep ls cp ln poweroff chmod; do
  ln -s busybox "$work/bin/$a"
done
cp "$here/init" "$work/init"
chmod 755 "$work/init"

# the modules, dependencies first (modules.dep lists each module's dependencies, all of them)
declare -A seen=()
order=()
add() { # module path relative to $mods
  local m=$1 d
  [ -n "${seen[$m]:-}" ] && return 0
  seen[$m]=1
  for d in $(awk -v m="$m:" '$1 == m { $1 = ""; print }' "$mods/modules.dep"); do add "$d"; done
  order+=("$m")
}
for name in virtio_pci 9pnet_virtio 9p; do
  # built in (modules.builtin) or a module (modules.dep)
  if grep -qE "/$name\.ko(\.[a-z]+)?$" "$mods/modules.builtin"; then continue; fi
  m=$(awk -F: -v n="$name" '{ f = $1; sub(/.*\//, "", f); sub(/\.ko.*$/, "", f); gsub(/-/, "_", f); if (f == n) { print $1; exit } }' "$mods/modules.dep")
  [ -n "$m" ] || { echo "vm-initramfs: $rel has no module $name" >&2; exit 1; }
  add "$m"
done
: >"$work/modules"
for m in "${order[@]}"; do
  b=$(basename "$m")
  case $b in
    *.ko.xz) xz -dc "$mods/$m" >"$work/lib/modules/${b%.xz}"; b=${b%.xz} ;;
    *.ko.zst) zstd -qdc "$mods/$m" >"$work/lib/modules/${b%.zst}"; b=${b%.zst} ;;
    *.ko.gz) gzip -dc "$mods/$m" >"$work/lib/modules/${b%.gz}"; b=${b%.gz} ;;
    *) cp "$mods/$m" "$work/lib/modules/$b" ;;
  esac
  echo "$b" >>"$work/modules"
done
(cd "$work" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
