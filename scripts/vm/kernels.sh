#!/usr/bin/env bash
# Fetches and unpacks the Debian 12 kernels the VM test boots, into $VM_CACHE (default build-vm/):
#   build-vm/kernels/<release>/boot/vmlinuz-<release>
#   build-vm/kernels/<release>/lib/modules/<release>/ (with modules.dep made by depmod)
# Prints one "<release>" line per kernel. Kernels: Debian 12's own 6.1 (the newest
# linux-image-6.1.0-N-amd64 apt knows) and its 6.12 (the newest linux-image-6.12.N+deb12-amd64,
# from bookworm-security). VM_KERNELS="6.1 6.12" picks a subset; needs `apt-get update` done
# (scripts/vm/deps.sh does it).
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE=${VM_CACHE:-build-vm}
mkdir -p "$CACHE/debs" "$CACHE/kernels"

newest() { # regex: the newest package name apt knows that matches
  apt-cache search --names-only "$1" | awk '{print $1}' | grep -E "$1" | sort -V | tail -1
}

for k in ${VM_KERNELS:-6.1 6.12}; do
  case $k in
    6.1) pkg=$(newest '^linux-image-6\.1\.0-[0-9]+-amd64$') ;;
    6.12) pkg=$(newest '^linux-image-6\.12\.[0-9]+\+deb12-amd64$') ;;
    *) echo "vm-kernels: unknown kernel $k (6.1 or 6.12)" >&2; exit 2 ;;
  esac
  [ -n "$pkg" ] || { echo "vm-kernels: no package for $k in apt's lists (apt-get update?)" >&2; exit 1; }
  rel=${pkg#linux-image-}
  dir=$CACHE/kernels/$rel
  if [ ! -e "$dir/lib/modules/$rel/modules.dep" ] || [ ! -e "$dir/boot/vmlinuz-$rel" ]; then
    deb=$(ls "$CACHE/debs/${pkg}_"*.deb 2>/dev/null | head -1 || true)
    if [ -z "$deb" ]; then
      (cd "$CACHE/debs" && apt-get download -q "$pkg" >&2)
      deb=$(ls "$CACHE/debs/${pkg}_"*.deb | head -1)
    fi
    rm -rf "$dir.tmp"
    dpkg-deb -x "$deb" "$dir.tmp"
    # the package's modules.dep is made by its postinst (depmod): make it here
    depmod -b "$dir.tmp" "$rel"
    rm -rf "$dir"
    mv "$dir.tmp" "$dir"
  fi
  echo "$rel"
done
