#!/usr/bin/env bats
# `update` (`container update`): docker's resource flags and --restart reach the live cgroup
# (read from the host), the record (inspect) and the bundle (a restart keeps them); docker's
# refusals change nothing; the update stays inside the container's own cgroup.
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() { td_engine_setup; }
teardown() { td_engine_teardown; }
teardown_file() { td_engine_teardown_file; }

# The container's cgroup file: v1 (controller dir) or v2 (unified).
cg_file() { # id v1-controller v1-file v2-file
  local f
  f=$(find /sys/fs/cgroup/$2 -path "*/$1/$3" 2>/dev/null | head -1)
  [ -n "$f" ] || f=$(find /sys/fs/cgroup -maxdepth 4 -path "*/$1/$4" 2>/dev/null | head -1)
  echo "$f"
}

@test "update --memory/--memory-swap: the cgroup's limit, inspect, and a restart keeps it" {
  id=$(td run -d --name upd busybox sleep 1000)
  run td update -m 50m --memory-swap 100m upd
  [ "$status" -eq 0 ]
  [ "$output" = "upd" ]
  f=$(cg_file "$id" memory memory.limit_in_bytes memory.max)
  [ -n "$f" ]
  [ "$(cat "$f")" = 52428800 ]
  [ "$(td inspect -f '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}' upd)" = "52428800 104857600" ]
  td stop -t 0 upd >/dev/null
  td start upd >/dev/null
  f=$(cg_file "$id" memory memory.limit_in_bytes memory.max)
  [ "$(cat "$f")" = 52428800 ]
}

@test "container update --cpus --pids-limit --cpuset-cpus --cpu-shares: each cgroup file" {
  id=$(td run -d busybox sleep 1000)
  run td container update --cpus 0.5 --pids-limit 20 --cpuset-cpus 0 --cpu-shares 512 "$id"
  [ "$status" -eq 0 ]
  q=$(cg_file "$id" cpu cpu.cfs_quota_us cpu.max)
  [[ "$(cat "$q")" == 50000* ]]
  [ "$(cat "$(cg_file "$id" pids pids.max pids.max)")" = 20 ]
  [ "$(cat "$(cg_file "$id" cpuset cpuset.cpus cpuset.cpus)")" = 0 ]
  s=$(cg_file "$id" cpu cpu.shares cpu.weight)
  [[ "$s" == */cpu.weight ]] || [ "$(cat "$s")" = 512 ]
  [ "$(td inspect -f '{{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.CpusetCpus}} {{.HostConfig.CpuShares}}' "$id")" = "500000000 20 0 512" ]
  # the pids limit is the kernel's: a fork bomb of 40 stops short
  run td exec "$id" sh -c 'for i in $(seq 40); do sleep 30 </dev/null >/dev/null 2>&1 & done'
  [[ "$output" == *"fork"* ]]
  [ "$(cat "$(cg_file "$id" pids pids.current pids.current)")" -le 20 ]
}

@test "update of a stopped container: recorded and applied at its next start" {
  id=$(td create busybox sleep 1000)
  run td update --pids-limit 33 "$id"
  [ "$status" -eq 0 ]
  td start "$id" >/dev/null
  [ "$(cat "$(cg_file "$id" pids pids.max pids.max)")" = 33 ]
}

@test "update --restart always: the running container's monitor restarts it at its exit" {
  id=$(td run -d busybox sh -c 'sleep 1; exit 3')
  run td update --restart always "$id"
  [ "$status" -eq 0 ]
  [ "$(td inspect -f '{{.HostConfig.RestartPolicy.Name}}' "$id")" = always ]
  for i in $(seq 60); do
    [ "$(td inspect -f '{{.RestartCount}}' "$id")" -ge 1 ] && break
    sleep 0.1
  done
  [ "$(td inspect -f '{{.RestartCount}}' "$id")" -ge 1 ]
}

@test "update: docker's refusals exit 1 and change nothing" {
  id=$(td run -d --name ref busybox sleep 1000)
  f=$(cg_file "$id" memory memory.limit_in_bytes memory.max)
  before=$(cat "$f")
  run td update -m 50m ref
  [ "$status" -eq 1 ]
  [ "$output" = "Error response from daemon: Cannot update container $id: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time" ]
  run td update -m 100m --memory-swap 50m ref
  [ "$status" -eq 1 ]
  [ "$output" = "Error response from daemon: Minimum memoryswap limit should be larger than memory limit, see usage" ]
  run td update -m 4m --memory-swap 4m ref
  [ "$status" -eq 1 ]
  [[ "$output" == *"Minimum memory limit allowed is 6MB"* ]]
  run td update ref
  [ "$status" -eq 1 ]
  [[ "$output" == *"you must provide one or more flags"* ]]
  # docker: a host without blkio weights discards it with a warning, else the range is checked
  run td update --blkio-weight 5 ref
  if [[ "$output" == *"Weight discarded"* ]]; then
    [ "$status" -eq 0 ]
  else
    [ "$status" -eq 1 ]
    [[ "$output" == *"Range of blkio weight is from 10 to 1000"* ]]
  fi
  run td update --cpus 1 nosuch
  [ "$status" -eq 1 ]
  [[ "$output" == *"No such container: nosuch"* ]]
  run td update --memory lots ref
  [ "$status" -eq 1 ]
  [ "$(cat "$f")" = "$before" ]
  [ "$(td inspect -f '{{.HostConfig.Memory}}' ref)" = 0 ]
  run td run -d --rm busybox sleep 1000
  run td update --restart always "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Restart policy cannot be updated because AutoRemove is enabled"* ]]
}

@test "update: a memory limit below what the container holds is refused, the old one stays" {
  id=$(td run -d -m 100m --memory-swap 100m busybox sh -c 'dd if=/dev/zero of=/dev/shm/f bs=1M count=40 2>/dev/null; touch /dev/shm/done; sleep 1000')
  for i in $(seq 100); do td exec "$id" test -e /dev/shm/done && break; sleep 0.1; done
  f=$(cg_file "$id" memory memory.limit_in_bytes memory.max)
  run td update -m 10m --memory-swap 10m "$id"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Cannot update container $id"* ]]
  [ "$(td inspect -f '{{.HostConfig.Memory}}' "$id")" = 104857600 ]
  # the kernel holds the container to what it had: the file is still there, whole
  [ "$(td exec "$id" stat -c %s /dev/shm/f)" = 41943040 ]
}

@test "attack: update writes only the container's own cgroup, never its parent or a sibling" {
  a=$(td run -d -m 64m busybox sleep 1000)
  b=$(td run -d -m 64m busybox sleep 1000)
  fa=$(cg_file "$a" memory memory.limit_in_bytes memory.max)
  fb=$(cg_file "$b" memory memory.limit_in_bytes memory.max)
  parent=$(dirname "$fa")/../$(basename "$fa")
  pbefore=$(cat "$parent")
  run td update -m 80m --memory-swap 160m "$a"
  [ "$status" -eq 0 ]
  [ "$(cat "$fa")" = 83886080 ]
  [ "$(cat "$fb")" = 67108864 ]
  [ "$(cat "$parent")" = "$pbefore" ]
}

@test "attack: cgroup values that are not numbers or cpu lists are refused before any write" {
  id=$(td run -d busybox sleep 1000)
  f=$(cg_file "$id" cpuset cpuset.cpus cpuset.cpus)
  before=$(cat "$f")
  run td update --cpuset-cpus $'0\n1' "$id"
  [ "$status" -eq 1 ]
  run td update --cpuset-cpus '../../x' "$id"
  [ "$status" -eq 1 ]
  run td update --pids-limit '10 20' "$id"
  [ "$status" -eq 1 ]
  [ "$(cat "$f")" = "$before" ]
  [ ! -e "$(dirname "$f")/x" ]
}
