#!/usr/bin/env bash
# make bench: every bench script, side by side with crun/runc/podman/skopeo, into
# bench/results/latest.md (the README's table comes from there).
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
out=bench/results/latest.md
{
  echo "# Benchmarks"
  echo
  echo "Machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%d GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(date -u +%Y-%m-%d)"
  for b in ${BENCHES:-runtime engine net pull import}; do
    [ -x "bench/$b.sh" ] || continue
    echo
    echo "## $b"
    echo
    "bench/$b.sh" 2>/dev/null || echo "(bench/$b.sh failed)"
  done
} | tee "$out"
