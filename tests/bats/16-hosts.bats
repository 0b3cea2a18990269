#!/usr/bin/env bats
# Other hosts: kernel features probed once per boot and cached under the run directory
# (<root>/run/features for a private root), and the overlay mounts of kernels before 6.8 (no
# "lowerdir+": the classic "lowerdir=a:b" string) forced on this kernel through that cache,
# for run, commit and export; `info` as docker's for this host.
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() { td_engine_setup; }
teardown() { td_engine_teardown; }
teardown_file() { td_engine_teardown_file; }

FEAT() { echo "$TD_ROOT/run/features"; }
BOOT=$(cat /proc/sys/kernel/random/boot_id)

# 1 where this kernel takes lowerdir+ (Linux 6.8+), else 0.
kernel_lowerdir_plus() {
  local v=$(uname -r) maj min
  maj=${v%%.*}; min=${v#*.}; min=${min%%.*}
  if [ "$maj" -gt 6 ] || { [ "$maj" -eq 6 ] && [ "$min" -ge 8 ]; }; then echo 1; else echo 0; fi
}

# The overlay options of a mount at $2 in the mount table of pid $1.
ovl_opts() { awk -v t="$2" '$5 == t {for (i = 7; i <= NF; i++) if ($i == "-") {print $(i + 3); exit}}' "/proc/$1/mountinfo"; }

@test "the lowerdir+ probe runs once per boot: cached with the boot id, a stale boot id probes again" {
  rm -f "$(FEAT)"
  id=$(td run -d busybox sleep 30)
  cat "$(FEAT)"
  [ "$(head -1 "$(FEAT)")" = "boot_id $BOOT" ]
  grep -qx "overlay_lowerdir_plus $(kernel_lowerdir_plus)" "$(FEAT)"
  # the mount used what the probe found
  o=$(ovl_opts self "$TD_ROOT/containers/$id/rootfs")
  echo "$o"
  if [ "$(kernel_lowerdir_plus)" = 1 ]; then [[ "$o" == *lowerdir+=* ]]; else [[ "$o" == *lowerdir=* ]]; fi
  # a second container reads the answer: the file is not written again
  ino=$(stat -c %i "$(FEAT)")
  td run --rm busybox true
  [ "$(stat -c %i "$(FEAT)")" = "$ino" ]
  # no probe directory left in the run dir
  [ -z "$(ls -A "$TD_ROOT/run" | grep ovl-probe)" ]
  # another boot's answer is not trusted
  printf 'boot_id 00000000-0000-0000-0000-000000000000\noverlay_lowerdir_plus 9\n' >"$(FEAT)"
  td run --rm busybox true
  [ "$(head -1 "$(FEAT)")" = "boot_id $BOOT" ]
  grep -qx "overlay_lowerdir_plus $(kernel_lowerdir_plus)" "$(FEAT)"
}

@test "a kernel without lowerdir+ (the cache says so): run, commit and export mount the classic lowerdir= string" {
  printf 'boot_id %s\noverlay_lowerdir_plus 0\n' "$BOOT" >"$(FEAT)"
  # run: the rootfs of a one-layer image
  td run --name fb1 busybox sh -c 'echo fallback >/made-here; rm /bin/true'
  id=$(td inspect -f '{{.Id}}' fb1)
  # commit reads the upper dir; the image it makes has two layers
  td commit fb1 td-fallback:1 >/dev/null
  id2=$(td run -d td-fallback:1 sleep 30)
  o=$(ovl_opts self "$TD_ROOT/containers/$id2/rootfs")
  echo "$o"
  [[ "$o" == rw,lowerdir=*:*,upperdir=* ]]
  [[ "$o" != *lowerdir+* ]]
  [ "$(td exec "$id2" cat /made-here)" = fallback ]
  run td exec "$id2" ls /bin/true
  [ "$status" -ne 0 ]
  # export: a read-only overlay in the helper's private mount namespace, seen from its
  # mountinfo while the tar waits on a full pipe
  mkfifo "$TEST_TMP/fifo"
  td export fb1 >"$TEST_TMP/fifo" &
  epid=$!
  exec 7<"$TEST_TMP/fifo"
  o=
  for i in $(seq 100); do
    o=$(cat /proc/[0-9]*/mountinfo 2>/dev/null | awk -v r="$TD_ROOT/exports/export-" \
      'index($5, r) == 1 {for (i = 7; i <= NF; i++) if ($i == "-") {print $(i + 3); exit}}')
    [ -n "$o" ] && break
    sleep 0.05
  done
  cat <&7 >"$TEST_TMP/fb1.tar"
  exec 7<&-
  wait "$epid"
  echo "export: $o"
  [[ "$o" == ro,lowerdir=*/upper:*/diff ]] || [[ "$o" == ro,lowerdir=*/upper:*/diff,* ]]
  tar -tf "$TEST_TMP/fb1.tar" | grep -qx made-here
  ! tar -tf "$TEST_TMP/fb1.tar" | grep -qx bin/true || false
  tar -tf "$TEST_TMP/fb1.tar" | grep -qx bin/sh
  td rmi -f td-fallback:1 >/dev/null 2>&1 || true
}

@test "TD_FORCE_LEGACY_OVERLAY=1 forces the classic string too, whatever the cache says" {
  rm -f "$(FEAT)"
  id=$(TD_FORCE_LEGACY_OVERLAY=1 td run -d busybox sleep 30)
  o=$(ovl_opts self "$TD_ROOT/containers/$id/rootfs")
  echo "$o"
  [[ "$o" == rw,lowerdir=* ]]
}

@test "info: this host's kernel, OS, cgroup version, storage driver and its status, security options" {
  run td info
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *" Kernel Version: $(uname -r)"$'\n'* ]]
  os=$(. /etc/os-release && echo "$PRETTY_NAME")
  [[ "$output" == *" Operating System: $os"$'\n'* ]]
  if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then v=2; else v=1; fi
  [[ "$output" == *" Cgroup Driver: cgroupfs"$'\n'" Cgroup Version: $v"$'\n'* ]]
  [[ "$output" == *" Storage Driver: overlay2"$'\n'"  Backing Filesystem: "* ]]
  [[ "$output" == *"  Supports d_type: true"$'\n'* ]]
  [[ "$output" == *" Security Options:"$'\n'"  seccomp"$'\n'"   Profile: builtin"$'\n'* ]]
  case "$(stat -f -c %T "$TD_ROOT")" in
  ext2/ext3) [[ "$output" == *"  Backing Filesystem: extfs"$'\n'* ]] ;;
  xfs) [[ "$output" == *"  Backing Filesystem: xfs"$'\n'* ]] ;;
  tmpfs) [[ "$output" == *"  Backing Filesystem: tmpfs"$'\n'* ]] ;;
  esac
  if [ "$v" = 2 ]; then [[ "$output" == *"   Profile: builtin"$'\n'"  cgroupns"$'\n'* ]]; fi
  # the template sees docker's fields
  [ "$(td info --format '{{.Driver}} {{.OSType}} {{.CgroupVersion}} {{.KernelVersion}}')" = "overlay2 linux $v $(uname -r)" ]
  td info --format '{{json .}}' | jq -e '.DriverStatus[0][0] == "Backing Filesystem" and
    (.SecurityOptions | index("name=seccomp,profile=builtin")) != null and (.Warnings | type) == "array"'
}

@test "info: docker's warnings on stderr for what this host lacks, both ways against fake cgroup trees" {
  # this host: a blkio weight warning exactly where there are no weight files (v1)
  if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
    td info 2>"$TEST_TMP/err" >"$TEST_TMP/out"
    cat "$TEST_TMP/err"
    ! grep -q WARNING "$TEST_TMP/out" || false
    if [ -e /sys/fs/cgroup/blkio/blkio.weight ] || [ -e /sys/fs/cgroup/blkio/blkio.bfq.weight ]; then
      ! grep -qx "WARNING: No blkio weight support" "$TEST_TMP/err" || false
    else
      grep -qx "WARNING: No blkio weight support" "$TEST_TMP/err"
      td info --format '{{json .Warnings}}' | jq -e 'index("WARNING: No blkio weight support") != null'
    fi
  fi
  # a v1 tree with nothing but a memory hierarchy without swap accounting
  fake=$TEST_TMP/fakecg
  mkdir -p "$fake/memory" "$fake/blkio" "$fake/cpu" "$fake/cpuset" "$fake/pids"
  : >"$fake/memory/memory.limit_in_bytes"
  TINYRUN_CGROUP_ROOT=$fake TINYRUN_CGROUP_MODE=v1 td info 2>"$TEST_TMP/err" >/dev/null
  cat "$TEST_TMP/err"
  for w in "No swap limit support" "No blkio weight support" "No blkio weight_device support" \
    "No cpu cfs quota support" "No cpu shares support" "No oom kill disable support"; do
    grep -qx "WARNING: $w" "$TEST_TMP/err"
  done
  ! grep -q "No memory limit support" "$TEST_TMP/err" || false
  # everything there: no cgroup warning left
  for f in memory/memory.memsw.limit_in_bytes memory/memory.kmem.tcp.limit_in_bytes \
    memory/memory.oom_control cpu/cpu.shares cpu/cpu.cfs_quota_us cpuset/cpuset.cpus pids/pids.max \
    blkio/blkio.weight blkio/blkio.weight_device blkio/blkio.throttle.read_bps_device; do
    : >"$fake/$f"
  done
  TINYRUN_CGROUP_ROOT=$fake TINYRUN_CGROUP_MODE=v1 td info 2>"$TEST_TMP/err" >/dev/null
  cat "$TEST_TMP/err"
  ! grep -qE "WARNING: No (memory|swap|kernel|oom|cpu|blkio)" "$TEST_TMP/err" || false
  # pure v2 without io: docker's io.weight wording; cgroupns among the security options
  mkdir -p "$fake/v2"
  echo "cpuset cpu memory pids" >"$fake/v2/cgroup.controllers"
  TINYRUN_CGROUP_ROOT=$fake/v2 TINYRUN_CGROUP_MODE=v2 td info 2>"$TEST_TMP/err" >"$TEST_TMP/out"
  grep -qx "WARNING: No io.weight support" "$TEST_TMP/err"
  grep -qx "WARNING: No io.max (rbps) support" "$TEST_TMP/err"
  ! grep -q "oom kill" "$TEST_TMP/err" || false
  grep -qx " Cgroup Version: 2" "$TEST_TMP/out"
  grep -qx "  cgroupns" "$TEST_TMP/out"
}

@test "attack: a root whose path holds ',' cannot smuggle overlay options into the classic lowerdir= string" {
  evil=$TEST_TMP/evil
  mkdir -p "$evil"
  r="$TEST_TMP/r,upperdir=$evil"
  TINYDOCKER_ROOT=$r "$TINYDOCKER" create-default >/dev/null
  printf 'boot_id %s\noverlay_lowerdir_plus 0\n' "$BOOT" >"$r/run/features"
  run env TINYDOCKER_ROOT="$r" "$TINYDOCKER" run --rm --network none busybox true
  echo "$output"
  [ "$status" -eq 125 ]
  [[ "$output" == *"cannot go in overlay's lowerdir= options"* ]]
  # one line, then docker's pointer to the help
  [ "${#lines[@]}" -eq 2 ] && [ "${lines[1]}" = "See 'tinydocker run --help'." ]
  # nothing mounted, nothing written where the name pointed
  ! findmnt -rn -o TARGET | grep -qF "$TEST_TMP/r," || false
  [ -z "$(ls -A "$evil")" ]
  [ -z "$(TINYDOCKER_ROOT=$r "$TINYDOCKER" ps -aq)" ]
  rm -rf "$r"
}
