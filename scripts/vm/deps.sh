#!/usr/bin/env bash
# What `make test-vm` needs beyond scripts/install-deps.sh: qemu (TCG, or KVM where /dev/kvm
# exists), kmod (depmod for the unpacked kernels), cpio and xz (the initramfs). Idempotent.
set -euo pipefail
PKGS=(qemu-system-x86 kmod cpio xz-utils busybox-static)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# the kernels come from apt's lists (scripts/vm/kernels.sh): make sure there are some
need_update=
apt-cache show linux-image-amd64 >/dev/null 2>&1 || need_update=1
if [ "${#missing[@]}" -eq 0 ] && [ -z "$need_update" ]; then
  echo "vm-deps: all packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "vm-deps: run as root (missing: ${missing[*]:-} ${need_update:+apt lists})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
[ "${#missing[@]}" -eq 0 ] || apt-get install -y -q --no-install-recommends "${missing[@]}"
