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
  a=$(read_ns); t0=$(date +%s%N)
  sleep 2
  b=$(read_ns); t1=$(date +%s%N)
  pct=$(((b - a) * 100 / (t1 - t0)))
  echo "cpu: $pct%"
  [ "$pct" -ge 10 ] && [ "$pct" -le 30 ] || false
}

@test "--cpus 0.5 sets quota 50000 / period 100000" {
  id=$(td run -d --cpus 0.5 busybox sleep 30)
  q=$(cg_file "$id" cpu cpu.cfs_quota_us cpu.max)
  [[ "$(cat "$q")" == 50000* ]]
  [ "$(td inspect -f '{{.HostConfig.NanoCpus}} {{.HostConfig.CpuQuota}} {{.HostConfig.CpuPeriod}}' "$id")" = "500000000 50000 100000" ]
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
