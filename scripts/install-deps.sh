#!/usr/bin/env bash
# Installs everything the build, the tests, the interop tests and the benches need.
# Idempotent: safe to run again; skips apt entirely when every package is present.
set -euo pipefail

PKGS=(
  # build
  build-essential clang pkg-config meson ninja-build
  libjansson-dev libseccomp-dev libcap-dev libarchive-dev
  libcurl4-openssl-dev libssl-dev libmnl-dev libnftables-dev
  # default image and tests
  busybox-static bats tmux iproute2 nftables jq util-linux procps psmisc curl python3
  # interop and benches
  podman crun runc containerd skopeo umoci docker-registry hyperfine
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: run as root (missing: ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
# docker-registry's Debian package starts a system service on :5000; the tests start
# their own on a free port, so keep the packaged one out of the way.
if command -v systemctl >/dev/null 2>&1; then
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi
