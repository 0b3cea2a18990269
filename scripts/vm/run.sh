#!/usr/bin/env bash
# The VM test (`make test-vm`): boots each of Debian 12's kernels (6.1 and 6.12, see
# scripts/vm/kernels.sh) under qemu with pure cgroup v2 (cgroup_no_v1=all), 2 vCPUs and 3 GiB,
# and runs in it the unit tests and a set of bats files (tests/run.sh) against this checkout's
# build/. TCG (VM_ACCEL=kvm where a working /dev/kvm exists). Each guest's console goes to
# build-vm/console-<release>.log; this script prints each, then one line per kernel, and exits
# non-zero when a kernel fails to boot, a test fails or a guest runs past its time.
#   VM_KERNELS="6.1 6.12"   which kernels (default both)
#   VM_TESTS="15-cgroup,51-engine-run"   which bats files (default: the list below; "all": every
#                                        file that runs without podman/containerd)
#   VM_PARALLEL=0           boot the kernels one after the other (default: both at once; the
#                           guests wait on their tests often enough that the two share 2 CPUs well)
#   VM_TIMEOUT=2400         seconds per guest, boot included
#   VM_FILE_TIMEOUT=400     seconds per bats file in the guest
#   VM_DISK=0               /tmp on tmpfs instead of an ext4 scratch disk
#   VM_ACCEL=tcg|kvm        the accelerator (default tcg)
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
CACHE=${VM_CACHE:-build-vm}
mkdir -p "$CACHE"
cache=$(cd "$CACHE" && pwd)
timeout_s=${VM_TIMEOUT:-2400}

# the runtime, cgroup, engine, image and network paths, in what a 2-vCPU TCG guest runs in
# minutes (VM_TESTS=all: every bats file that needs no podman/containerd)
default_tests=10-tinyrun-lifecycle,15-cgroup,16-hosts,23-security-ns,44-images-engine,51-engine-run,52-engine-resources,55-engine-network,68-run-ns,69-run-resources,68-run-extrt,68-userns-remap,69-storage-quota
tests=${VM_TESTS:-$default_tests}
if [ "$tests" = all ]; then
  tests=$(ls tests/bats/*.bats | xargs -n1 basename | sed 's/\.bats$//' |
    grep -vE '^(00-build|30-interop-podman|31-interop-containerd|41-images-podman)$' | paste -sd,)
fi

[ -x build/tinydocker ] && [ -x build/tinyrun ] || { echo "test-vm: build/ first (make build)" >&2; exit 1; }
rels=$(VM_CACHE=$cache scripts/vm/kernels.sh) || { echo "test-vm: no kernels" >&2; exit 1; }
mapfile -t kernels <<<"$rels"
[ "${#kernels[@]}" -gt 0 ] || { echo "test-vm: no kernel" >&2; exit 1; }

# TCG by default: this project's machines have either no /dev/kvm or a nested one on which
# qemu's guest hangs before the kernel prints anything (and -cpu host aborts on MSR 0x10a).
accel=${VM_ACCEL:-tcg}
case $accel in
  kvm) accel_args=(-accel kvm -cpu host) ;;
  # one host thread per guest: with thread=multi a 6.12 guest died of an int3 Oops in
  # enqueue_entity (a jump label being patched while the other vCPU ran it: qemu's multi-threaded
  # TCG and x86's text_poke_bp); the two guests at once still use both host CPUs
  tcg) accel_args=(-accel tcg,thread=single -cpu max) ;;
  *) echo "test-vm: VM_ACCEL is kvm or tcg" >&2; exit 2 ;;
esac

boot() { # release: runs one guest, its console to $cache/console-<release>.log
  local rel=$1 k=$cache/kernels/$1 log=$cache/console-$1.log
  scripts/vm/initramfs.sh "$k" "$cache/initramfs-$rel.cpio.gz" || return 1
  local disk=()
  if [ "${VM_DISK:-1}" != 0 ]; then
    # a fresh sparse ext4 scratch disk for the guest's /tmp
    rm -f "$cache/disk-$rel.img"
    truncate -s 8G "$cache/disk-$rel.img" && mkfs.ext4 -q -F "$cache/disk-$rel.img" || return 1
    disk=(-drive "file=$cache/disk-$rel.img,if=virtio,format=raw,cache=unsafe")
  fi
  timeout -k 10 "$timeout_s" qemu-system-x86_64 "${accel_args[@]}" -smp 2 -m 3072 \
    -nographic -no-reboot -nic none -serial "file:$log" -monitor none \
    -kernel "$k/boot/vmlinuz-$rel" -initrd "$cache/initramfs-$rel.cpio.gz" \
    -append "console=ttyS0 loglevel=4 cgroup_no_v1=all panic=-1 tdrepo=$repo tdtests=$tests tdtimeout=$((timeout_s - 180)) tdfiletimeout=${VM_FILE_TIMEOUT:-400}" \
    "${disk[@]}" \
    -virtfs "local,path=/usr,mount_tag=usr,security_model=none,readonly=on,multidevs=remap" \
    -virtfs "local,path=/etc,mount_tag=etc,security_model=none,readonly=on,multidevs=remap" \
    -virtfs "local,path=$repo,mount_tag=repo,security_model=none,readonly=on,multidevs=remap" \
    -virtfs "local,path=$k,mount_tag=kernel,security_model=none,readonly=on,multidevs=remap" \
    </dev/null >"$cache/qemu-$rel.log" 2>&1
}

echo "test-vm: kernels ${kernels[*]}, accel $accel, tests $tests"
start=$(date +%s)
declare -A took=()
if [ "${VM_PARALLEL:-1}" != 0 ]; then
  pids=()
  for rel in "${kernels[@]}"; do
    rm -f "$cache/console-$rel.log"
    (s=$(date +%s); boot "$rel"; echo $(($(date +%s) - s)) >"$cache/took-$rel") &
    pids+=($!)
  done
  wait "${pids[@]}"
  for rel in "${kernels[@]}"; do took[$rel]=$(cat "$cache/took-$rel" 2>/dev/null || echo '?'); done
else
  for rel in "${kernels[@]}"; do
    rm -f "$cache/console-$rel.log"
    s=$(date +%s)
    boot "$rel"
    took[$rel]=$(($(date +%s) - s))
  done
fi

failed=0
summary=()
for rel in "${kernels[@]}"; do
  log=$cache/console-$rel.log
  echo "# ===== guest console, kernel $rel ====="
  tr -d '\r' <"$log" 2>/dev/null
  if [ -s "$cache/qemu-$rel.log" ]; then
    echo "# qemu:"; sed 's/^/#   /' "$cache/qemu-$rel.log"
  fi
  res=$(tr -d '\r' <"$log" 2>/dev/null | grep -E '^vm-result: ' | tail -1)
  if ! [[ $res =~ ^vm-result:\ rc=0\ [0-9]+\ passed,\ 0\ failed ]]; then
    failed=1
  fi
  rm -f "$cache/disk-$rel.img"
  summary+=("test-vm: $rel: ${res:-no result (the guest timed out or crashed)} (${took[$rel]}s with boot)")
done
printf '%s\n' "${summary[@]}"
echo "test-vm: $(($(date +%s) - start))s, $([ $failed -eq 0 ] && echo PASS || echo FAIL)"
exit $failed
