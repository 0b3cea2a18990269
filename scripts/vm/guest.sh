#!/usr/bin/env bash
# Stage 2 of the VM test's guest (PID 1, after switch_root; see scripts/vm/init): sets up a
# host the way systemd leaves a pure cgroup v2 one (proc, sys, cgroup2, devtmpfs, tmpfs on
# /run, ext4 on /tmp, PID 1 in a child cgroup, every controller enabled in the root's
# subtree_control), the kernel's modules from the unpacked package (/vm/kernel), then runs
# tests/run.sh with the bats files named on the kernel command line (tdtests=a,b,...).
# Ends with a "vm-result: ..." line on the console and powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
export TERM=dumb
result() {
  echo "vm-result: $*"
  sync
  echo o >/proc/sysrq-trigger
  sleep 30
}
die() { echo "vm-guest: $*"; result "setup failed"; }

mount -t proc proc /proc || die "mount proc"
mount -t sysfs sys /sys || die "mount sys"
mount -t devtmpfs -o mode=755 dev /dev || die "mount devtmpfs"
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts /dev/pts || die "mount devpts"
mount -t tmpfs -o mode=1777 shm /dev/shm
mount -t mqueue mqueue /dev/mqueue
mount -t tmpfs -o mode=755 run /run || die "mount /run"
# modules: the kernel's own (the unpacked package, depmod'ed on the host), by kmod's modprobe
printf '#!/bin/sh\nexec /usr/sbin/modprobe -d /vm/kernel "$@"\n' >/vm/modprobe
chmod 755 /vm/modprobe
echo /vm/modprobe >/proc/sys/kernel/modprobe
for m in virtio_blk ext4 overlay veth bridge br_netfilter nf_tables nft_chain_nat nft_ct nft_nat nft_masq \
  nft_compat nft_fib_inet nft_reject_inet nft_limit nft_redir nf_conntrack \
  xt_conntrack tun dummy; do
  /vm/modprobe "$m" 2>/dev/null || grep -q "/$m.ko" "/vm/kernel/lib/modules/$(uname -r)/modules.builtin" ||
    echo "vm-guest: no module $m"
done
# /tmp (where the tests' roots, images and containers live) on ext4 like a Debian install's
# root filesystem: the scratch disk run.sh made; tmpfs when there is none (VM_DISK=0)
if [ -b /dev/vda ]; then
  mount -t ext4 /dev/vda /tmp || die "mount /dev/vda on /tmp"
else
  mount -t tmpfs tmp /tmp || die "mount /tmp"
fi
chmod 1777 /tmp
# a checkout under /tmp (where a CI clone may be) is hidden by that mount: share it again
repo=$(sed -n 's/.*tdrepo=\([^ ]*\).*/\1/p' /proc/cmdline)
case "$repo/" in
  /tmp/*)
    mkdir -p "$repo"
    mount --bind /vm/repo "$repo" || die "bind the repository again on $repo"
    ;;
esac
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup || die "mount cgroup2"
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
# pure v2: nothing of v1 may be on (cgroup_no_v1=all), and the magic of the mount is cgroup2's
[ "$(stat -fc %t /sys/fs/cgroup)" = 63677270 ] || die "/sys/fs/cgroup is not cgroup2"
grep -qE '^cgroup ' /proc/mounts && die "a cgroup v1 hierarchy is mounted"
# PID 1 into a leaf first (no internal processes), then every controller for the children
mkdir /sys/fs/cgroup/init.scope
echo $$ >/sys/fs/cgroup/init.scope/cgroup.procs || die "move PID 1 to init.scope"
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
  echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control || die "enable $c"
done

hostname vm
ip link set lo up
sysctl -qw kernel.panic_on_oops=1 net.ipv4.ip_forward=1 2>/dev/null

repo=
tests=
timeout=1500
for x in $(cat /proc/cmdline); do
  case $x in
    tdrepo=*) repo=${x#tdrepo=} ;;
    tdtests=*) tests=${x#tdtests=} ;;
    tdtimeout=*) timeout=${x#tdtimeout=} ;;
    tdfiletimeout=*) filetimeout=${x#tdfiletimeout=} ;;
  esac
done
cd "$repo" || die "no repository at $repo"
echo "vm-guest: kernel $(uname -r), cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
echo "vm-guest: $(nproc) CPUs, $(awk '/MemTotal/ {print $2 / 1024 " MiB"}' /proc/meminfo)"
# what a process costs here (TCG): 20 execs of a dynamic program (its libraries over 9p) and
# of the static busybox (on the ext4 /tmp)
t0=$(date +%s%N)
for i in $(seq 20); do /usr/bin/true; done
t1=$(date +%s%N)
mkdir -p /tmp/vm-bb && cp /usr/bin/busybox /tmp/vm-bb/busybox 2>/dev/null || cp /bin/busybox /tmp/vm-bb/busybox
for i in $(seq 20); do /tmp/vm-bb/busybox true; done
t2=$(date +%s%N)
rm -rf /tmp/vm-bb
echo "vm-guest: one exec: $(((t1 - t0) / 20000000)) ms dynamic (9p), $(((t2 - t1) / 20000000)) ms static"
files=
for t in ${tests//,/ }; do files+="tests/bats/$t.bats "; done
start=$(date +%s)
out=/tmp/vm-run.out
# tests/run.sh: the unit tests of the (static) build, then each bats file with its leak check
SKIP_ASAN=1 SKIP_FUZZ=1 TESTS="$files" TEST_FILE_TIMEOUT=${filetimeout:-400} \
  timeout -k 10 "$timeout" tests/run.sh </dev/null 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
took=$(($(date +%s) - start))
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1)
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
  result "timeout after ${took}s (${summary:-no summary}) kernel $(uname -r)"
fi
result "rc=$rc ${summary:-no summary} in ${took}s kernel $(uname -r)"
