#!/usr/bin/env bats
# cgroups: the live C test (v1/hybrid and forced v2 backends), then tinyrun applying
# linux.resources, checked in the cgroup files from the host.
load ../helpers/common

setup() { td_setup_roots; }
teardown() {
  if [ -n "${CID:-}" ]; then "$TINYRUN" --root "$TR_ROOT" delete --force "$CID" 2>/dev/null || true; fi
  td_teardown_roots
}

@test "cgroup backends: live test (create, limits, freeze, OOM, kill, destroy, v2 eBPF devices)" {
  [ -x "$BUILD_DIR/unit-cgroup-live" ] || skip "unit-cgroup-live not built"
  run "$BUILD_DIR/unit-cgroup-live"
  echo "$output"
  [ "$status" -eq 0 ]
  ! grep -q '^not ok' <<<"$output"
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

tinyrun_works() {
  "$TINYRUN" spec --help >/dev/null 2>&1 || return 1
  ! "$TINYRUN" --help 2>&1 | grep -q "not implemented"
}

@test "tinyrun create applies linux.resources; delete removes the cgroup" {
  tinyrun_works || skip "tinyrun not implemented yet"
  local parent=/td-test-bats-$$ B=$TEST_TMP/bundle
  make_bundle "$B" "$parent/ctr"
  CID=cg-$$
  run "$TINYRUN" --root "$TR_ROOT" create --bundle "$B" "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  local m=/sys/fs/cgroup/memory$parent/ctr
  [ "$(cat $m/memory.limit_in_bytes)" = 104857600 ]
  [ "$(cat $m/memory.memsw.limit_in_bytes)" = 209715200 ]
  [ "$(cat $m/memory.soft_limit_in_bytes)" = 52428800 ]
  [ "$(cat /sys/fs/cgroup/cpu$parent/ctr/cpu.shares)" = 512 ]
  [ "$(cat /sys/fs/cgroup/cpu$parent/ctr/cpu.cfs_quota_us)" = 20000 ]
  [ "$(cat /sys/fs/cgroup/cpuset$parent/ctr/cpuset.cpus)" = 0 ]
  [ "$(cat /sys/fs/cgroup/pids$parent/ctr/pids.max)" = 64 ]
  grep -qx 'c 1:3 rwm' /sys/fs/cgroup/devices$parent/ctr/devices.list
  local pid
  pid=$("$TINYRUN" --root "$TR_ROOT" state "$CID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  grep -qx "$pid" $m/cgroup.procs
  run "$TINYRUN" --root "$TR_ROOT" delete --force "$CID"
  [ "$status" -eq 0 ]
  CID=
  [ ! -d $m ] && [ ! -d /sys/fs/cgroup/cpu$parent/ctr ] && [ ! -d /sys/fs/cgroup/unified$parent/ctr ]
}

@test "tinyrun: a systemd-form cgroupsPath is refused clearly, nothing left" {
  tinyrun_works || skip "tinyrun not implemented yet"
  local B=$TEST_TMP/bundle
  make_bundle "$B" "system.slice:td-test:x$$"
  run "$TINYRUN" --root "$TR_ROOT" create --bundle "$B" sd-$$
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"systemd"* ]]
  [ ! -e "$TR_ROOT/sd-$$" ]
}
