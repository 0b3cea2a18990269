#!/usr/bin/env bash
# Installs everything the build, the tests, the interop tests and the benches need.
# Idempotent: safe to run again; skips apt entirely when every package is present.
set -euo pipefail

PKGS=(
  # build
  build-essential clang clang-format pkg-config meson ninja-build
  libjansson-dev libseccomp-dev libcap-dev libarchive-dev
  libcurl4-openssl-dev libssl-dev libnl-3-dev libnftables-dev
  # default image and tests
  busybox-static bats tmux iproute2 nftables jq util-linux procps psmisc curl python3 strace
  # --storage-opt size= tests (69-storage-quota): mkfs.xfs, xfs_io, xfs_quota on a loop file
  xfsprogs
  # man pages: made by scripts/gen-man.py (python3), checked with man -l / groff
  man-db groff-base
  # interop and benches
  podman crun runc containerd skopeo umoci docker-registry hyperfine
  # the references the compatibility and build tests start on their own (private data roots)
  docker.io buildah
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# clang's sanitizer and libFuzzer runtimes (libclang-rt-N-dev) are only a Recommends of clang
# on Debian, and apt runs here without recommends: name the package of the clang in use.
if command -v clang >/dev/null 2>&1; then
  rt=$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a)
  if [ ! -e "$rt" ]; then
    major=$(clang -dumpversion | cut -d. -f1)
    missing+=("libclang-rt-$major-dev")
  fi
else
  missing+=(clang-rt-after-clang) # resolved below, once clang is installed
fi
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: run as root (missing: ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Packages with daemons (docker.io, containerd, docker-registry) must not start system services
# here: the tests start their own, with private roots and sockets. Debian's invoke-rc.d and
# deb-systemd-invoke ask /usr/sbin/policy-rc.d; 101 means "not now". Only one we made is removed.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -q
pkgs=()
for p in "${missing[@]}"; do [ "$p" = clang-rt-after-clang ] || pkgs+=("$p"); done
apt-get install -y -q --no-install-recommends "${pkgs[@]}"
if [ ! -e "$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a)" ]; then
  apt-get install -y -q --no-install-recommends "libclang-rt-$(clang -dumpversion | cut -d. -f1)-dev"
fi
# docker-registry's Debian package starts a system service on :5000; the tests start
# their own on a free port, so keep the packaged one out of the way.
if command -v systemctl >/dev/null 2>&1; then
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
  systemctl disable docker.service docker.socket containerd.service >/dev/null 2>&1 || true
fi
