#!/usr/bin/env bats
# Resource limits seen from the host's cgroup files and from the kernel's behaviour:
# the seeds' memory hog (137, OOMKilled), cpu quota/shares and a busy loop near 20% of a CPU,
# cpuset pinning, pids limit.
load ../helpers/engine
load ../helpers/probe

setup_file() {
  td_engine_setup_file
  td_build_probe
}
setup() {
  td_engine_setup
  td_build_probe
}
teardown() { td_engine_teardown; }
teardown_file() { td_engine_teardown_file; }

# The container's cgroup file, v1 (controller dir) or v2 (unified).
cg_file() { # id v1-controller v1-file v2-file
  local f
  f=$(find /sys/fs/cgroup/$2 -path "*/$1/$3" 2>/dev/null | head -1)
  [ -n "$f" ] || f=$(find /sys/fs/cgroup -maxdepth 3 -path "*/$1/$4" 2>/dev/null | head -1)
  echo "$f"
}

@test "seed: a memory hog under -m 100m --memory-swap 100m exits 137 with OOMKilled true" {
  id=$(td create -m 100m --memory-swap 100m busybox /probe memhog 400)
  td cp "$PROBE" "$id:/probe"
  run td start -a "$id"
  [ "$status" -eq 137 ]
  [ "$(td inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' "$id")" = "true 137" ]
  run td ps -a --filter exited=137 -q
  [ "$output" = "${id:0:12}" ]
}

@test "seed: cgroup files show --cpu-cfs-quota 20000 and --cpu-share 512; a busy loop stays near 20%" {
  id=$(td create --cpu-cfs-quota 20000 --cpu-share 512 -m 64m busybox /probe spin 30)
  td cp "$PROBE" "$id:/probe"
  td start "$id"
  q=$(cg_file "$id" cpu cpu.cfs_quota_us cpu.max)
  s=$(cg_file "$id" cpu cpu.shares cpu.weight)
  m=$(cg_file "$id" memory memory.limit_in_bytes memory.max)
  echo "$q $s $m"
  [[ "$(cat "$q")" == 20000* ]]
  if [[ "$s" == *cpu.shares ]]; then [ "$(cat "$s")" = 512 ]; else [ "$(cat "$s")" -gt 0 ]; fi
  [ "$(cat "$m")" = 67108864 ]
  # cpu usage over ~2 s from the cgroup's own counter
  acct=$(cg_file "$id" cpuacct cpuacct.usage cpu.stat)
  read_ns() { if [[ "$acct" == *cpu.stat ]]; then echo $(($(awk '/usage_usec/ {print $2}' "$acct") * 1000)); else cat "$acct"; fi; }
  sleep 0.5
  # never above the quota in any 2 s window; near it in one of up to 5 (a host busy with other
  # work, e.g. CI's VM guests beside the suite, may starve the loop below 10% for a while)
  near=0
  for _ in 1 2 3 4 5; do
    a=$(read_ns); t0=$(date +%s%N)
    sleep 2
    b=$(read_ns); t1=$(date +%s%N)
    pct=$(((b - a) * 100 / (t1 - t0)))
    echo "cpu: $pct% (load $(cut -d' ' -f1 /proc/loadavg))"
    [ "$pct" -le 30 ]
    if [ "$pct" -ge 10 ]; then near=1; break; fi
  done
  [ "$near" -eq 1 ]
}

@test "--cpus 0.5 sets quota 50000 / period 100000 in the cgroup" {
  id=$(td run -d --cpus 0.5 busybox sleep 30)
  q=$(cg_file "$id" cpu cpu.cfs_quota_us cpu.max)
  [[ "$(cat "$q")" == 50000* ]]
  # docker 20.10: NanoCpus carries it, CpuQuota and CpuPeriod stay 0
  [ "$(td inspect -f '{{.HostConfig.NanoCpus}} {{.HostConfig.CpuQuota}} {{.HostConfig.CpuPeriod}}' "$id")" = "500000000 0 0" ]
}

@test "--cpuset-cpus pins the container (Cpus_allowed_list)" {
  id=$(td run -d --cpuset-cpus 0 busybox sleep 30)
  pid=$(td inspect -f '{{.State.Pid}}' "$id")
  [ "$(awk '/Cpus_allowed_list/ {print $2}' /proc/$pid/status)" = 0 ]
  run td exec "$id" grep Cpus_allowed_list /proc/self/status
  [[ "$output" == *"	0" ]]
}

@test "--memory-reservation, --oom-kill-disable, --pids-limit reach the cgroup" {
  id=$(td run -d -m 64m --memory-reservation 32m --pids-limit 10 busybox sleep 30)
  r=$(cg_file "$id" memory memory.soft_limit_in_bytes memory.low)
  [ "$(cat "$r")" = 33554432 ]
  p=$(cg_file "$id" pids pids.max pids.max)
  [ "$(cat "$p")" = 10 ]
  # the pids limit bites
  run td exec "$id" sh -c 'for i in $(seq 20); do sleep 5 & done; wait'
  [[ "$output" == *"can't fork"* || "$output" == *"Resource temporarily unavailable"* ]]
}

@test "stats --no-stream reports memory, limit and pids from the cgroup" {
  id=$(td run -d --name st -m 64m busybox sleep 30)
  run td stats --no-stream st
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "CONTAINER ID"*"NAME"*"CPU %"*"MEM USAGE / LIMIT"*"PIDS" ]]
  [[ "${lines[1]}" == "${id:0:12}"*" st "*"/ 64MiB"* ]]
  run td stats --no-stream --format '{{.Name}} {{.PIDs}}' st
  [ "$output" = "st 1" ]
}

# Does the host take blkio weights? v1: CFQ's or BFQ's weight file; v2: the io controller
# (docker's pkg/sysinfo). This kernel without BFQ has none, a host with BFQ has one.
host_blkio_weight() {
  if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
    grep -qw io /sys/fs/cgroup/cgroup.controllers
  else
    [ -e /sys/fs/cgroup/blkio/blkio.weight ] || [ -e /sys/fs/cgroup/blkio/blkio.bfq.weight ]
  fi
}

WEIGHT_WARNING="WARNING: Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded."

@test "--blkio-weight on this host: applied where the host has weights, else docker's warning and discarded" {
  if host_blkio_weight; then
    run td run -d --blkio-weight 300 busybox sleep 30
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" != *WARNING* ]]
    id=${lines[-1]}
    f=$(cg_file "$id" blkio blkio.bfq.weight io.bfq.weight)
    [ -n "$f" ] || f=$(cg_file "$id" blkio blkio.weight io.weight)
    echo "$f: $(cat "$f")"
    [[ "$(cat "$f")" == *300* ]] || [[ "$f" == */io.weight ]]
    [ "$(td inspect -f '{{.HostConfig.BlkioWeight}}' "$id")" = 300 ]
  else
    run td run --rm --blkio-weight 300 busybox echo ran
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "$WEIGHT_WARNING" ]
    [ "${lines[1]}" = ran ]
    run td create --blkio-weight 300 busybox true
    id=${lines[-1]}
    [ "$(td inspect -f '{{.HostConfig.BlkioWeight}}' "$id")" = 0 ]
    [ "$(jq -c '.linux.resources.blockIO' "$TD_ROOT/containers/$id/config.json")" = null ]
    # docker checks the range only after the discard: a bad weight is no error here
    run td create --blkio-weight 5 busybox true
    [ "$status" -eq 0 ]
  fi
}

@test "--blkio-weight against a fake cgroup tree: both branches of the host check, whatever this host has" {
  fake=$TEST_TMP/fakecg
  mkdir -p "$fake/blkio" "$fake/memory"
  : >"$fake/memory/memory.limit_in_bytes"
  : >"$fake/memory/memory.memsw.limit_in_bytes"
  # no weight file: warning, weight discarded from the record and the bundle
  run env TINYRUN_CGROUP_ROOT="$fake" TINYRUN_CGROUP_MODE=v1 "$TINYDOCKER" create --blkio-weight 300 busybox true
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$WEIGHT_WARNING" ]
  id=${lines[-1]}
  [ "$(jq -c '.linux.resources.blockIO' "$TD_ROOT/containers/$id/config.json")" = null ]
  # BFQ's weight file: no warning, the weight in the bundle for the runtime
  : >"$fake/blkio/blkio.bfq.weight"
  run env TINYRUN_CGROUP_ROOT="$fake" TINYRUN_CGROUP_MODE=v1 "$TINYDOCKER" create --blkio-weight 300 busybox true
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" != *WARNING* ]]
  id=${lines[-1]}
  [ "$(jq -c '.linux.resources.blockIO' "$TD_ROOT/containers/$id/config.json")" = '{"weight":300}' ]
  [ "$(td inspect -f '{{.HostConfig.BlkioWeight}}' "$id")" = 300 ]
  # where weights exist docker's range applies (exit 125, nothing created)
  n=$(td_count)
  run env TINYRUN_CGROUP_ROOT="$fake" TINYRUN_CGROUP_MODE=v1 "$TINYDOCKER" create --blkio-weight 5 busybox true
  [ "$status" -eq 1 ] # docker's create: the daemon's refusal as it is, exit 1
  [[ "$output" == *"Range of blkio weight is from 10 to 1000"* ]]
  [ "$(td_count)" = "$n" ]
  # no swap accounting: -m keeps its limit, swap unlimited (-1), docker's warning
  rm "$fake/memory/memory.memsw.limit_in_bytes"
  run env TINYRUN_CGROUP_ROOT="$fake" TINYRUN_CGROUP_MODE=v1 "$TINYDOCKER" create -m 64m busybox true
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "WARNING: Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap." ]
  id=${lines[-1]}
  [ "$(jq -c '.linux.resources.memory' "$TD_ROOT/containers/$id/config.json")" = '{"limit":67108864,"swap":-1}' ]
  [ "$(td inspect -f '{{.HostConfig.MemorySwap}}' "$id")" = -1 ]
  # pure v2 shape: io in cgroup.controllers means weights (docker's view)
  mkdir -p "$fake/v2"
  echo "cpu memory pids" >"$fake/v2/cgroup.controllers"
  run env TINYRUN_CGROUP_ROOT="$fake/v2" TINYRUN_CGROUP_MODE=v2 "$TINYDOCKER" create --blkio-weight 300 busybox true
  [ "${lines[0]}" = "$WEIGHT_WARNING" ]
  echo "cpu io memory pids" >"$fake/v2/cgroup.controllers"
  run env TINYRUN_CGROUP_ROOT="$fake/v2" TINYRUN_CGROUP_MODE=v2 "$TINYDOCKER" create --blkio-weight 300 busybox true
  [[ "$output" != *WARNING* ]]
}
