#!/usr/bin/env bats
# cgroups: the live C test (v1/hybrid and forced v2 backends), then tinyrun applying
# linux.resources, checked in the cgroup files from the host.
load ../helpers/common

setup() {
  td_setup_roots
  PARENT=/td-test-bats-$$-$BATS_TEST_NUMBER
}

# Last resort when the runtime failed to clean up: kill what is left in our cgroup, remove it.
force_cleanup() {
  local h d
  for d in /sys/fs/cgroup/pids$PARENT/ctr /sys/fs/cgroup/unified$PARENT/ctr; do
    [ -f "$d/cgroup.procs" ] && xargs -r kill -9 <"$d/cgroup.procs" 2>/dev/null
  done
  sleep 0.2
  for h in /sys/fs/cgroup/*/; do
    [ -d "$h${PARENT#/}" ] || continue
    rmdir "$h${PARENT#/}/ctr" 2>/dev/null
    rmdir "$h${PARENT#/}" 2>/dev/null
  done
  return 0
}

teardown() {
  if [ -n "${CID:-}" ]; then
    timeout 20 "$TINYRUN" --root "$TR_ROOT" delete --force "$CID" </dev/null >/dev/null 2>&1 || true
  fi
  force_cleanup
  td_teardown_roots
}

@test "cgroup backends: live test (create, limits, freeze, OOM, kill, destroy, v2 eBPF devices)" {
  [ -x "$BUILD_DIR/unit-cgroup-live" ]
  run "$BUILD_DIR/unit-cgroup-live"
  echo "$output"
  [ "$status" -eq 0 ]
  ! grep -q '^not ok' <<<"$output" || false
}

# Pure cgroup v2 (/sys/fs/cgroup is the cgroup2 mount: 0x63677270), as in the VM guests.
cg_v2() { [ "$(stat -fc %t /sys/fs/cgroup)" = 63677270 ]; }
# A cgroup file of the container's cgroup: ctl is the v1 controller (ignored on v2).
cgf() { # ctl file
  if cg_v2; then echo "/sys/fs/cgroup$PARENT/ctr/$2"; else echo "/sys/fs/cgroup/$1$PARENT/ctr/$2"; fi
}

# A bundle whose config.json carries resources and a cgroupsPath below a td-test parent.
make_bundle() { # dir cgroups_path
  local b=$1
  td_make_busybox_rootfs "$b/rootfs"
  (cd "$b" && "$TINYRUN" spec) || return 1
  python3 - "$b/config.json" "$2" <<'EOF'
import json, sys
p, cgp = sys.argv[1], sys.argv[2]
c = json.load(open(p))
c["process"]["args"] = ["sleep", "300"]
c["process"]["terminal"] = False
c["linux"]["cgroupsPath"] = cgp
c["linux"]["resources"] = {
    "memory": {"limit": 104857600, "swap": 209715200, "reservation": 52428800},
    "cpu": {"shares": 512, "quota": 20000, "period": 100000, "cpus": "0", "mems": "0"},
    "pids": {"limit": 64},
    "devices": [{"allow": False, "access": "rwm"},
                {"allow": True, "type": "c", "major": 1, "minor": 3, "access": "rwm"}],
}
json.dump(c, open(p, "w"))
EOF
}

@test "tinyrun create applies linux.resources; delete removes the cgroup" {
  local parent=$PARENT B=$TEST_TMP/bundle
  make_bundle "$B" "$parent/ctr"
  CID=cg-$$
  # the container keeps create's stdio: give it a file, not bats' capture pipe
  timeout 20 "$TINYRUN" --root "$TR_ROOT" create --bundle "$B" "$CID" </dev/null \
    >"$TEST_TMP/create.out" 2>&1 || { cat "$TEST_TMP/create.out"; false; }
  local m=/sys/fs/cgroup/memory$parent/ctr
  if cg_v2; then
    # runc's v2 mapping: swap.max = swap - limit, reservation = memory.low, shares 512 = weight
    # 59 (the current curve), quota/period in cpu.max; devices are an eBPF program (unit-cgroup-live)
    m=/sys/fs/cgroup$parent/ctr
    [ "$(cat $m/memory.max)" = 104857600 ]
    [ "$(cat $m/memory.swap.max)" = 104857600 ]
    [ "$(cat $m/memory.low)" = 52428800 ]
    [ "$(cat $m/cpu.weight)" = 59 ]
    [ "$(cat $m/cpu.max)" = "20000 100000" ]
    [ "$(cat $m/cpuset.cpus)" = 0 ]
    [ "$(cat $m/pids.max)" = 64 ]
  else
    [ "$(cat $m/memory.limit_in_bytes)" = 104857600 ]
    [ "$(cat $m/memory.memsw.limit_in_bytes)" = 209715200 ]
    [ "$(cat $m/memory.soft_limit_in_bytes)" = 52428800 ]
    [ "$(cat /sys/fs/cgroup/cpu$parent/ctr/cpu.shares)" = 512 ]
    [ "$(cat /sys/fs/cgroup/cpu$parent/ctr/cpu.cfs_quota_us)" = 20000 ]
    [ "$(cat /sys/fs/cgroup/cpuset$parent/ctr/cpuset.cpus)" = 0 ]
    [ "$(cat /sys/fs/cgroup/pids$parent/ctr/pids.max)" = 64 ]
    grep -qx 'c 1:3 rwm' /sys/fs/cgroup/devices$parent/ctr/devices.list
  fi
  local pid
  pid=$(timeout 20 "$TINYRUN" --root "$TR_ROOT" state "$CID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  grep -qx "$pid" $m/cgroup.procs
  run timeout 20 "$TINYRUN" --root "$TR_ROOT" delete --force "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  CID=
  [ ! -d $m ] && [ ! -d /sys/fs/cgroup/cpu$parent/ctr ] && [ ! -d /sys/fs/cgroup/unified$parent/ctr ] || false
  [ ! -d "/sys/fs/cgroup$parent/ctr" ]
}

@test "tinyrun: linux.resources.blockIO.weight as runc: applied where the kernel has a weight file, else an error, nothing left" {
  [ -d /sys/fs/cgroup/blkio ] || skip "no cgroup v1 blkio hierarchy (the v2 io weights: unit-cgroup)"
  local parent=$PARENT B=$TEST_TMP/bundle
  make_bundle "$B" "$parent/ctr"
  jq '.linux.resources.blockIO = {weight: 300}' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
  # the weight file of this kernel: made for a leaf (BFQ's is not on the root), then removed
  mkdir -p /sys/fs/cgroup/blkio$parent/probe
  local wf=
  for f in blkio.weight blkio.bfq.weight; do
    [ -e /sys/fs/cgroup/blkio$parent/probe/$f ] && { wf=$f; break; }
  done
  rmdir /sys/fs/cgroup/blkio$parent/probe /sys/fs/cgroup/blkio$parent
  echo "weight file: ${wf:-none}"
  CID=bw-$$
  run timeout 20 "$TINYRUN" --root "$TR_ROOT" create --bundle "$B" "$CID" </dev/null
  echo "$output"
  if [ -n "$wf" ]; then
    [ "$status" -eq 0 ]
    [[ "$(cat /sys/fs/cgroup/blkio$parent/ctr/$wf)" == *300* ]]
  else
    [ "$status" -ne 0 ]
    [[ "$output" == *"no blkio.weight or blkio.bfq.weight"* ]]
    [ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
    CID=
    [ ! -e "$TR_ROOT/bw-$$" ]
    for h in /sys/fs/cgroup/*/; do [ ! -e "$h${parent#/}/ctr" ] || false; done
  fi
}

@test "tinyrun: a systemd-form cgroupsPath is refused clearly, nothing left" {
  local B=$TEST_TMP/bundle
  make_bundle "$B" "system.slice:td-test:x$$"
  CID=sd-$$
  ! timeout 20 "$TINYRUN" --root "$TR_ROOT" create --bundle "$B" "$CID" </dev/null \
    >"$TEST_TMP/create.out" 2>&1 || false
  cat "$TEST_TMP/create.out"
  grep -q systemd "$TEST_TMP/create.out"
  [ "$(wc -l <"$TEST_TMP/create.out")" -eq 1 ]
  [ ! -e "$TR_ROOT/sd-$$" ]
}

@test "tinyrun: a network classID on a host without net_cls is refused, nothing left" {
  [ ! -d /sys/fs/cgroup/net_cls ] || skip "this host mounts net_cls"
  ! cg_v2 || skip "pure cgroup v2 has no net_cls: classID is ignored there, as runc does"
  local B=$TEST_TMP/bundle
  make_bundle "$B" "$PARENT/ctr"
  jq '.linux.resources.network = {"classID": 1048577}' "$B/config.json" >"$B/c.json"
  mv "$B/c.json" "$B/config.json"
  CID=nc-$$
  ! timeout 20 "$TINYRUN" --root "$TR_ROOT" create --bundle "$B" "$CID" </dev/null \
    >"$TEST_TMP/create.out" 2>&1 || false
  cat "$TEST_TMP/create.out"
  grep -q "net_cls controller is not mounted" "$TEST_TMP/create.out"
  [ "$(wc -l <"$TEST_TMP/create.out")" -eq 1 ]
  [ ! -e "$TR_ROOT/$CID" ]
  [ ! -d "/sys/fs/cgroup/memory$PARENT/ctr" ]
  CID=
}

# create + start a sleeping container with resources; sets CID and PID_
start_sleeper() {
  local B=$TEST_TMP/bundle
  make_bundle "$B" "$PARENT/ctr"
  CID=cg-$$-$BATS_TEST_NUMBER
  timeout 20 "$TINYRUN" --root "$TR_ROOT" create --bundle "$B" "$CID" </dev/null \
    >"$TEST_TMP/create.out" 2>&1 || { cat "$TEST_TMP/create.out"; return 1; }
  timeout 20 "$TINYRUN" --root "$TR_ROOT" start "$CID" </dev/null >/dev/null 2>&1
  PID_=$(timeout 20 "$TINYRUN" --root "$TR_ROOT" state "$CID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
}

@test "tinyrun pause/resume freeze and thaw the container's cgroup" {
  start_sleeper
  run timeout 20 "$TINYRUN" --root "$TR_ROOT" pause "$CID"
  [ "$status" -eq 0 ]
  if cg_v2; then
    grep -qx 'frozen 1' "$(cgf freezer cgroup.events)"
  else
    # the v1 freezer parks its tasks in D (v2's shows them sleeping)
    [ "$(cat /sys/fs/cgroup/freezer$PARENT/ctr/freezer.state)" = FROZEN ]
    grep -q '^State:.D' /proc/$PID_/status
  fi
  timeout 20 "$TINYRUN" --root "$TR_ROOT" state "$CID" | grep -q '"paused"'
  run timeout 20 "$TINYRUN" --root "$TR_ROOT" resume "$CID"
  [ "$status" -eq 0 ]
  if cg_v2; then
    grep -qx 'frozen 0' "$(cgf freezer cgroup.events)"
  else
    [ "$(cat /sys/fs/cgroup/freezer$PARENT/ctr/freezer.state)" = THAWED ]
  fi
  timeout 20 "$TINYRUN" --root "$TR_ROOT" state "$CID" | grep -q '"running"'
}

@test "tinyrun update changes the limits in the cgroup files; ps lists the pids" {
  start_sleeper
  run timeout 20 "$TINYRUN" --root "$TR_ROOT" update --memory 209715200 --memory-swap 314572800 \
    --cpu-quota 50000 --pids-limit 99 "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  if cg_v2; then
    [ "$(cat "$(cgf memory memory.max)")" = 209715200 ]
    [ "$(cat "$(cgf memory memory.swap.max)")" = 104857600 ]
    [ "$(cat "$(cgf cpu cpu.max)")" = "50000 100000" ]
  else
    [ "$(cat /sys/fs/cgroup/memory$PARENT/ctr/memory.limit_in_bytes)" = 209715200 ]
    [ "$(cat /sys/fs/cgroup/memory$PARENT/ctr/memory.memsw.limit_in_bytes)" = 314572800 ]
    [ "$(cat /sys/fs/cgroup/cpu$PARENT/ctr/cpu.cfs_quota_us)" = 50000 ]
  fi
  [ "$(cat "$(cgf pids pids.max)")" = 99 ]
  echo '{"cpu": {"shares": 256}, "pids": {"limit": -1}}' >"$TEST_TMP/res.json"
  run timeout 20 "$TINYRUN" --root "$TR_ROOT" update --resources "$TEST_TMP/res.json" "$CID"
  [ "$status" -eq 0 ]
  if cg_v2; then
    [ "$(cat "$(cgf cpu cpu.weight)")" = 35 ]
  else
    [ "$(cat /sys/fs/cgroup/cpu$PARENT/ctr/cpu.shares)" = 256 ]
  fi
  [ "$(cat "$(cgf pids pids.max)")" = max ]
  run timeout 20 "$TINYRUN" --root "$TR_ROOT" update --cpuset-cpus 0-x "$CID"
  [ "$status" -ne 0 ]
  [[ "$output" == *"0-x"* ]]
  run timeout 20 "$TINYRUN" --root "$TR_ROOT" ps --format json "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"$PID_"* ]]
}
