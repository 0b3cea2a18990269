#!/usr/bin/env bats
# Issue 16's resource flags of run/create, seen from the host: the container's cgroup files
# (v1 controllers, or the v2 unified dir), /proc/PID/oom_score_adj, devices.list on v1;
# docker's inspect values; bad input refused with one line, exit 125, nothing created; and the
# attacks: a --cgroup-parent that climbs out of the hierarchy (it stays beneath the root and
# nothing is made outside), a device cgroup rule for a host disk (it grants what it says, no
# more).
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() {
  td_engine_setup
  MARK=tdres$$x${BATS_TEST_NUMBER}
}
teardown() {
  td_engine_teardown
  # the parents a --cgroup-parent test made (the runtime removes the levels it created; this
  # is for a failed test only): this test's own marker, never anything else
  local d
  for d in $(find /sys/fs/cgroup -maxdepth 3 -type d -name "$MARK*" 2>/dev/null); do
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
}
teardown_file() { td_engine_teardown_file; }

v2() { [ -f /sys/fs/cgroup/cgroup.controllers ]; }

# The container's cgroup dir for a v1 controller (or the v2 unified dir), from /proc/PID/cgroup.
cgdir() { # pid controller
  local line
  if v2; then
    line=$(grep '^0::' "/proc/$1/cgroup")
    echo "/sys/fs/cgroup${line#0::}"
    return
  fi
  line=$(grep -E "^[0-9]+:([^:]*,)?$2(,[^:]*)?:" "/proc/$1/cgroup")
  echo "/sys/fs/cgroup/$2${line##*:}"
}

pid_of() { td inspect -f '{{.State.Pid}}' "$1"; }

# A host block device and its major:minor (stat of the node, as the engine does).
blkdev() {
  local d
  for d in /dev/vda /dev/sda /dev/nvme0n1 /dev/zram0 /dev/loop0; do
    [ -b "$d" ] && { echo "$d $(stat -c '%t %T' "$d" | while read -r a b; do echo "$((16#$a)):$((16#$b))"; done)"; return 0; }
  done
  return 1
}

# A block device that root on the host can open read-write (nothing is ever written to it):
# the attack test needs an open that only the device cgroup can refuse.
openable_blkdev() {
  local d
  for d in /dev/loop0 /dev/loop1 /dev/zram0 /dev/vda /dev/sda; do
    [ -b "$d" ] || continue
    if (exec 3<>"$d") 2>/dev/null; then
      echo "$d $(stat -c '%t %T' "$d" | while read -r a b; do echo "$((16#$a)) $((16#$b))"; done)"
      return 0
    fi
  done
  return 1
}

@test "--oom-score-adj: /proc/PID/oom_score_adj of the container's process, inspect OomScoreAdj" {
  id=$(td run -d --oom-score-adj 500 busybox sleep 100)
  [ "$(cat "/proc/$(pid_of "$id")/oom_score_adj")" = 500 ]
  [ "$(td inspect -f '{{.HostConfig.OomScoreAdj}}' "$id")" = 500 ]
  # lowering it takes CAP_SYS_RESOURCE, which root in some sandboxes lacks (docker's runc then
  # fails with "can't get final child's PID from pipe"): ours says why, in one line
  if (echo -1 >/proc/self/oom_score_adj) 2>/dev/null; then
    id2=$(td run -d --oom-score-adj=-700 busybox sleep 100)
    [ "$(cat "/proc/$(pid_of "$id2")/oom_score_adj")" = -700 ]
  else
    run td run -d --oom-score-adj=-700 busybox sleep 100
    [ "$status" -eq 125 ]
    [[ "$output" == *"set oom_score_adj -700: Permission denied."* ]] # the start failed: docker run's dot
  fi
  id3=$(td create busybox true)
  [ "$(td inspect -f '{{.HostConfig.OomScoreAdj}}' "$id3")" = 0 ]
}

@test "--oom-score-adj unset: the container gets docker's 0, not the caller's own value" {
  # a caller that raised its own (no privilege needed; lowering back to 0 needs none either)
  id=$(sh -c 'echo 300 >/proc/self/oom_score_adj && exec "$0" run -d busybox sleep 100' "$TINYDOCKER")
  [ "$(cat "/proc/$(pid_of "$id")/oom_score_adj")" = 0 ]
  id2=$(sh -c 'echo 300 >/proc/self/oom_score_adj && exec "$0" run -d --oom-score-adj 200 busybox sleep 100' "$TINYDOCKER")
  [ "$(cat "/proc/$(pid_of "$id2")/oom_score_adj")" = 200 ]
}

@test "--memory-swappiness: memory.swappiness on v1; v2 discards it with docker's warning" {
  run td run -d --memory-swappiness 30 busybox sleep 100
  [ "$status" -eq 0 ]
  id=${lines[-1]}
  if v2; then
    [[ "$output" == *"WARNING: Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded."* ]]
    [ "$(td inspect -f '{{json .HostConfig.MemorySwappiness}}' "$id")" = null ]
  else
    [ "$(cat "$(cgdir "$(pid_of "$id")" memory)/memory.swappiness")" = 30 ]
    [ "$(td inspect -f '{{json .HostConfig.MemorySwappiness}}' "$id")" = 30 ]
  fi
  # unset (or docker's -1): null
  id2=$(td create --memory-swappiness -1 busybox true)
  [ "$(td inspect -f '{{json .HostConfig.MemorySwappiness}}' "$id2")" = null ]
}

@test "--memory-reservation: the soft limit in the cgroup (v1 soft_limit_in_bytes, v2 memory.low)" {
  id=$(td run -d --memory-reservation 32m busybox sleep 100)
  d=$(cgdir "$(pid_of "$id")" memory)
  if v2; then f=$d/memory.low; else f=$d/memory.soft_limit_in_bytes; fi
  [ "$(cat "$f")" = 33554432 ]
  [ "$(td inspect -f '{{.HostConfig.MemoryReservation}}' "$id")" = 33554432 ]
}

@test "--kernel-memory: docker 20.10's deprecation warning, recorded, not applied; under 6MB refused" {
  run td run -d --kernel-memory 10m busybox sleep 100
  [ "$status" -eq 0 ]
  [[ "$output" == *"WARNING: Specifying a kernel memory limit is deprecated and will be removed in a future release."* ]]
  id=${lines[-1]}
  if [ -f /sys/fs/cgroup/memory/memory.kmem.limit_in_bytes ]; then
    [ "$(td inspect -f '{{.HostConfig.KernelMemory}}' "$id")" = 10485760 ]
  else
    [[ "$output" == *"Your kernel does not support kernel memory limit capabilities"* ]]
    [ "$(td inspect -f '{{.HostConfig.KernelMemory}}' "$id")" = 0 ]
  fi
  # the minimum is checked after the discard, as docker does: only where kmem is there
  if [ -f /sys/fs/cgroup/memory/memory.kmem.limit_in_bytes ]; then
    run td create --kernel-memory 1k busybox true
    [ "$status" -eq 1 ] # docker create: the daemon's answer
    [ "${lines[-1]}" = "Error response from daemon: Minimum kernel memory limit allowed is 6MB" ]
    [ "$(td_count)" -eq 1 ]
  fi
}

@test "--cgroup-parent: the container's cgroup is PARENT/ID on every hierarchy, removed with it" {
  id=$(td run -d --cgroup-parent "/$MARK/p" busybox sleep 100)
  pid=$(pid_of "$id")
  cat "/proc/$pid/cgroup"
  if v2; then
    grep -qx "0::/$MARK/p/$id" "/proc/$pid/cgroup"
  else
    for c in memory pids devices blkio; do grep -qE "^[0-9]+:([^:]*,)?$c(,[^:]*)?:/$MARK/p/$id\$" "/proc/$pid/cgroup"; done
  fi
  [ "$(td inspect -f '{{.HostConfig.CgroupParent}}' "$id")" = "/$MARK/p" ]
  td rm -f "$id"
  [ -z "$(find /sys/fs/cgroup -maxdepth 4 -name "$MARK" 2>/dev/null)" ]
}

@test "attack: --cgroup-parent ../../x or /../../x stays beneath the cgroup root, nothing made outside" {
  for parent in "../../$MARK" "/../../../../$MARK" "/..//./../$MARK/../$MARK"; do
    id=$(td run -d --cgroup-parent "$parent" busybox sleep 100)
    pid=$(pid_of "$id")
    if v2; then
      grep -qx "0::/$MARK/$id" "/proc/$pid/cgroup"
    else
      grep -qE "^[0-9]+:memory:/$MARK/$id\$" "/proc/$pid/cgroup"
      [ -d "/sys/fs/cgroup/memory/$MARK/$id" ]
    fi
    # inspect shows what was asked, as docker does
    [ "$(td inspect -f '{{.HostConfig.CgroupParent}}' "$id")" = "$parent" ]
    td rm -f "$id"
  done
  # nothing above the hierarchy: not in /sys/fs, /sys, / or the cwd
  [ ! -e "/sys/fs/$MARK" ] && [ ! -e "/sys/$MARK" ] && [ ! -e "/$MARK" ] && [ ! -e "$MARK" ]
  [ -z "$(find /sys/fs/cgroup -maxdepth 4 -name "$MARK" 2>/dev/null)" ]
}

@test "--device-cgroup-rule: the rule in devices.list (v1) and inspect; unset is null" {
  id=$(td run -d --device-cgroup-rule 'c 42:* rm' --device-cgroup-rule 'b 7:120 r' busybox sleep 100)
  [ "$(td inspect -f '{{json .HostConfig.DeviceCgroupRules}}' "$id")" = '["c 42:* rm","b 7:120 r"]' ]
  if ! v2; then
    l=$(cgdir "$(pid_of "$id")" devices)/devices.list
    cat "$l"
    grep -qx 'c 42:\* rm' "$l"
    grep -qx 'b 7:120 r' "$l"
    ! grep -qx 'a \*:\* rwm' "$l"
  fi
  id2=$(td create busybox true)
  [ "$(td inspect -f '{{json .HostConfig.DeviceCgroupRules}}' "$id2")" = null ]
}

@test "attack: a device rule for a host disk grants what it says, no more" {
  read -r dev maj min < <(openable_blkdev) || skip "no block device the host can open"
  echo "$dev $maj:$min"
  # no rule: the node can be made (docker's 'b *:* m') but not opened
  run td run --rm busybox sh -c "mknod /dev/d b $maj $min && head -c 1 /dev/d >/dev/null && echo OPENED"
  [[ "$output" != *OPENED* ]]
  [[ "$output" == *"Operation not permitted"* ]]
  # read only: the read open works, a read-write open is refused, and a neighbour is refused
  nb=$((min + 1))
  run td run --rm --device-cgroup-rule "b $maj:$min r" busybox sh -c \
    "mknod /dev/d b $maj $min; mknod /dev/n b $maj $nb; (exec 3</dev/d) && echo READ; (exec 3<>/dev/d) && echo RW; (exec 3</dev/n) && echo NEIGHBOUR; true"
  echo "$output"
  [[ "$output" == *READ* ]]
  [[ "$output" != *RW* ]]
  [[ "$output" != *NEIGHBOUR* ]]
}

@test "--device-read-bps/--device-write-bps/--device-read-iops/--device-write-iops: MAJ:MIN from the host's node" {
  read -r dev mm < <(blkdev) || skip "no block device"
  id=$(td run -d --device-read-bps "$dev:1mb" --device-write-bps "$dev:2mb" \
    --device-read-iops "$dev:100" --device-write-iops "$dev:200" busybox sleep 100)
  d=$(cgdir "$(pid_of "$id")" blkio)
  if v2; then
    cat "$d/io.max"
    grep -qx "$mm rbps=1048576 wbps=2097152 riops=100 wiops=200" "$d/io.max"
  else
    [ "$(cat "$d/blkio.throttle.read_bps_device")" = "$mm 1048576" ]
    [ "$(cat "$d/blkio.throttle.write_bps_device")" = "$mm 2097152" ]
    [ "$(cat "$d/blkio.throttle.read_iops_device")" = "$mm 100" ]
    [ "$(cat "$d/blkio.throttle.write_iops_device")" = "$mm 200" ]
  fi
  [ "$(td inspect -f '{{json .HostConfig.BlkioDeviceReadBps}}' "$id")" = "[{\"Path\":\"$dev\",\"Rate\":1048576}]" ]
  [ "$(td inspect -f '{{json .HostConfig.BlkioDeviceWriteBps}}' "$id")" = "[{\"Path\":\"$dev\",\"Rate\":2097152}]" ]
  [ "$(td inspect -f '{{json .HostConfig.BlkioDeviceReadIOps}}' "$id")" = "[{\"Path\":\"$dev\",\"Rate\":100}]" ]
  [ "$(td inspect -f '{{json .HostConfig.BlkioDeviceWriteIOps}}' "$id")" = "[{\"Path\":\"$dev\",\"Rate\":200}]" ]
}

@test "--blkio-weight-device: the weight where the host has weight_device, else docker's warning and []" {
  read -r dev mm < <(blkdev) || skip "no block device"
  run td run -d --blkio-weight-device "$dev:300" busybox sleep 100
  echo "$output"
  [ "$status" -eq 0 ]
  id=${lines[-1]}
  d=$(cgdir "$(pid_of "$id")" blkio)
  if [[ "$output" == *"WARNING: Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded."* ]]; then
    [ "$(td inspect -f '{{json .HostConfig.BlkioWeightDevice}}' "$id")" = "[]" ]
  else
    [ "$(td inspect -f '{{json .HostConfig.BlkioWeightDevice}}' "$id")" = "[{\"Path\":\"$dev\",\"Weight\":300}]" ]
    if v2 && [[ "$output" == *"weight of device $mm not applied"* ]]; then
      # io.weight refuses a device weight without the io cost controller on that device
      # (runc skips it without BFQ): a warning, and the kernel's file has no line for it
      [ -z "$(grep "^$mm " "$d/io.weight" 2>/dev/null)" ]
    elif v2 && [ -f "$d/io.bfq.weight" ]; then # BFQ takes 300 as is
      grep -q "^$mm 300" "$d/io.bfq.weight"
    elif v2; then
      # io.weight (converted to its 1-10000 range) took the write: the kernel lists a device's
      # weight only once the cgroup has done I/O on it, which this container cannot
      [ -f "$d/io.weight" ]
    else
      cat "$d"/blkio*weight_device | grep -q "^$mm 300"
    fi
  fi
}

@test "--cpu-rt-period/--cpu-rt-runtime: the cpu.rt_* files on v1; a runtime past the parent's budget is one clear error" {
  if v2 || [ ! -f /sys/fs/cgroup/cpu/cpu.rt_period_us ]; then
    run td run -d --cpu-rt-period 1000 busybox sleep 100
    [[ "$output" == *"WARNING: Your kernel does not support cgroup cpu real-time period. Period discarded."* ]]
    return 0
  fi
  id=$(td run -d --cpu-rt-period 1000 busybox sleep 100)
  [ "$(cat "$(cgdir "$(pid_of "$id")" cpu)/cpu.rt_period_us")" = 1000 ]
  [ "$(td inspect -f '{{.HostConfig.CpuRealtimePeriod}} {{.HostConfig.CpuRealtimeRuntime}}' "$id")" = "1000 0" ]
  # docker: runc's write error at start unless the daemon gave its parent real-time runtime;
  # ours says so before anything is created
  run td run --cpu-rt-runtime 950 busybox true
  [ "$status" -eq 125 ]
  [ "${lines[0]}" = "tinydocker: Error response from daemon: --cpu-rt-runtime 950: the parent cgroup /tinydocker has 0 us of real-time runtime (cpu.rt_runtime_us): give it the budget first, as docker's daemon --cpu-rt-runtime does." ]
  run td run --cgroup-parent "/$MARK" --cpu-rt-runtime 950 busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"the parent cgroup /$MARK has 0 us"* ]]
  [ "$(td_count)" -eq 1 ]
  [ -z "$(find /sys/fs/cgroup -maxdepth 4 -name "$MARK" 2>/dev/null)" ]
  # a parent with the budget (the root's, when it has one): the kernel's file shows it
  if [ "$(cat /sys/fs/cgroup/cpu/cpu.rt_runtime_us)" -ge 950 ]; then
    id2=$(td run -d --cgroup-parent / --cpu-rt-runtime 950 busybox sleep 100)
    [ "$(cat "/sys/fs/cgroup/cpu/$id2/cpu.rt_runtime_us")" = 950 ]
    [ "$(cat "$(cgdir "$(pid_of "$id2")" cpu)/cpu.rt_runtime_us")" = 950 ]
    [ "$(td inspect -f '{{.HostConfig.CpuRealtimeRuntime}}' "$id2")" = 950 ]
  fi
}

@test "bad input: one line, exit 125, nothing created" {
  while IFS='|' read -r args msg; do
    # without real-time cgroup support docker discards the values (a warning) before it
    # compares them
    if [[ "$args" == *cpu-rt-runtime* ]] && { v2 || [ ! -f /sys/fs/cgroup/cpu/cpu.rt_period_us ]; }; then
      continue
    fi
    run td create $args busybox true
    echo "$args => $output"
    # docker create's words: the daemon's answer as it is (exit 1); a flag error bare, or the
    # CLI's own "tinydocker: <msg>.", then the help line (125)
    if [ "$status" -eq 1 ]; then
      [ "$output" = "Error response from daemon: $msg" ]
    else
      [ "$status" -eq 125 ]
      [ "${#lines[@]}" -eq 2 ] && [ "${lines[1]}" = "See 'tinydocker create --help'." ]
      [ "${lines[0]}" = "$msg" ] || [ "${lines[0]}" = "tinydocker: ${msg%.}." ]
    fi
  done <<'EOF'
--oom-score-adj 1001|Invalid value 1001, range for oom score adj is [-1000, 1000]
--oom-score-adj=-1001|Invalid value -1001, range for oom score adj is [-1000, 1000]
--oom-score-adj x|invalid argument "x" for "--oom-score-adj" flag: strconv.ParseInt: parsing "x": invalid syntax
--memory-swappiness 101|invalid value: 101. Valid memory swappiness range is 0-100.
--memory-swappiness=-2|invalid value: -2. Valid memory swappiness range is 0-100.
--device-cgroup-rule bad|invalid argument "bad" for "--device-cgroup-rule" flag: invalid device cgroup format 'bad'
--device-cgroup-rule=a|invalid argument "a" for "--device-cgroup-rule" flag: invalid device cgroup format 'a'
--device-read-bps bad|invalid argument "bad" for "--device-read-bps" flag: bad format: bad
--device-write-bps /x:1|invalid argument "/x:1" for "--device-write-bps" flag: bad format for device path: /x:1
--device-read-iops /dev/vda:x|invalid argument "/dev/vda:x" for "--device-read-iops" flag: invalid rate for device: /dev/vda:x. The correct format is <device-path>:<number>. Number must be a positive integer
--device-write-bps /dev/vda:-1|invalid argument "/dev/vda:-1" for "--device-write-bps" flag: invalid rate for device: /dev/vda:-1. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb
--blkio-weight-device /dev/vda:5|invalid argument "/dev/vda:5" for "--blkio-weight-device" flag: invalid weight for device: /dev/vda:5
--cpu-rt-period x|invalid argument "x" for "--cpu-rt-period" flag: strconv.ParseInt: parsing "x": invalid syntax
--cpu-rt-period 1000 --cpu-rt-runtime 2000|cpu real-time runtime cannot be higher than cpu real-time period
--storage-opt size=1G|--storage-opt is supported only for overlay over xfs with 'pquota' mount option
--storage-opt size|invalid storage option.
--device-read-bps /dev/td-no-such-disk:1mb|stat /dev/td-no-such-disk: no such file or directory
--device-read-bps /dev/null:1mb|/dev/null is not a block device
EOF
  [ "$(td_count)" -eq 0 ]
  [ -z "$(ls "$TD_ROOT/containers" 2>/dev/null | grep -E '^[0-9a-f]{64}$')" ]
}

@test "inspect: docker's HostConfig values for a container without these flags" {
  id=$(td create busybox true)
  run td inspect -f '{{.HostConfig.OomScoreAdj}} {{json .HostConfig.MemorySwappiness}} {{.HostConfig.KernelMemory}} "{{.HostConfig.CgroupParent}}" {{json .HostConfig.DeviceCgroupRules}} {{json .HostConfig.BlkioWeightDevice}} {{json .HostConfig.BlkioDeviceReadBps}} {{json .HostConfig.BlkioDeviceWriteBps}} {{json .HostConfig.BlkioDeviceReadIOps}} {{json .HostConfig.BlkioDeviceWriteIOps}} {{.HostConfig.CpuRealtimePeriod}} {{.HostConfig.CpuRealtimeRuntime}} {{json .HostConfig.StorageOpt}}' "$id"
  # docker 20.10: BlkioWeightDevice [], the throttle lists null (nil), StorageOpt absent
  [ "$output" = '0 null 0 "" null [] null null null null 0 0 null' ]
  # and they survive a start (the record saved again)
  td start "$id" >/dev/null
  [ "$(td inspect -f '{{json .HostConfig.MemorySwappiness}} {{json .HostConfig.BlkioDeviceReadBps}}' "$id")" = 'null null' ]
}

@test "update: --kernel-memory and --cpu-rt-* recorded as docker 20.10's update does; the rest kept" {
  id=$(td run -d --oom-score-adj 300 --device-cgroup-rule 'c 42:7 r' busybox sleep 100)
  run td update --kernel-memory 20m --cpu-rt-period 2000 --cpu-rt-runtime 10 "$id"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Specifying a kernel memory limit is deprecated and will be removed in a future release."* ]]
  [ "$(td inspect -f '{{.HostConfig.KernelMemory}} {{.HostConfig.CpuRealtimePeriod}} {{.HostConfig.CpuRealtimeRuntime}} {{.HostConfig.OomScoreAdj}} {{json .HostConfig.DeviceCgroupRules}}' "$id")" = '20971520 2000 10 300 ["c 42:7 r"]' ]
  run td update --kernel-memory 1k "$id"
  [ "$status" -eq 1 ]
  [ "${lines[-1]}" = "Error response from daemon: Minimum kernel memory limit allowed is 6MB" ]
  # the process and its cgroup as they were
  [ "$(cat "/proc/$(pid_of "$id")/oom_score_adj")" = 300 ]
}

@test "rm -f after a lost monitor and runtime state: the cgroup under --cgroup-parent is found and removed" {
  id=$(td run -d --cgroup-parent "/$MARK" busybox sleep 100)
  pid=$(pid_of "$id")
  mon=$(ps -o ppid= -p "$pid" | tr -d ' ')
  [ "$(cat "/proc/$mon/comm")" = td-monitor ]
  kill -9 "$mon"
  rm -rf "${TD_ROOT:?}/run/$id"
  td rm -f "$id"
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  ! kill -0 "$pid" 2>/dev/null
  [ -z "$(find /sys/fs/cgroup -maxdepth 4 -name "$MARK" 2>/dev/null)" ]
}
