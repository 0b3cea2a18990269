#!/usr/bin/env bash
# make demo: create the default busybox image (from the host's busybox-static, no network) if
# it is missing, then run a container that shows its isolation: its own hostname, its first
# process as PID 1, its own mounts, its cgroup limits, docker's capabilities and seccomp.
# TINYDOCKER_ROOT (default /var/lib/tinydocker) selects the store.
set -euo pipefail
cd "$(dirname "$0")/.."
TD=${TD:-build/tinydocker}
name=td-demo-$$
"$TD" --version
if ! "$TD" image inspect busybox:latest >/dev/null 2>&1; then
  echo "== creating the default image busybox:latest from the host's busybox"
  "$TD" create-default
fi
trap '"$TD" rm -f "$name" >/dev/null 2>&1 || true' EXIT
step() { echo; echo "\$ $*"; "$@"; }
step "$TD" run -d --name "$name" -m 100m --cpus 0.5 --pids-limit 64 --network none busybox sleep 300
step "$TD" ps
step "$TD" exec "$name" hostname
step "$TD" exec "$name" ps -o pid,user,args
step "$TD" exec "$name" sh -c 'grep -E " (/|/proc|/dev|/sys|/dev/shm|/etc/hosts) " /proc/self/mounts | cut -c1-110'
cg=/sys/fs/cgroup
if "$TD" exec "$name" test -f $cg/memory/memory.limit_in_bytes; then
  step "$TD" exec "$name" cat $cg/memory/memory.limit_in_bytes $cg/cpu/cpu.cfs_quota_us $cg/cpu/cpu.cfs_period_us $cg/pids/pids.max
else
  step "$TD" exec "$name" cat $cg/memory.max $cg/cpu.max $cg/pids.max
fi
step "$TD" exec "$name" grep -E "^(CapEff|Seccomp|NoNewPrivs):" /proc/self/status
step "$TD" stats --no-stream "$name"
step "$TD" rm -f "$name"
trap - EXIT
