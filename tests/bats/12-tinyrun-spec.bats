#!/usr/bin/env bats
# config.json through the tinyrun command line: `spec` and `features` documents, and every
# kind of bad config.json rejected by `create` with a one-line error naming the JSON path,
# leaving nothing behind (no state directory, no cgroup, no process).
load ../helpers/common

setup() {
  td_setup_roots
  B=$TEST_TMP/bundle
  td_make_busybox_rootfs "$B/rootfs"
  ID=spec-$$-$BATS_TEST_NUMBER
}

teardown() {
  [ -n "${TEST_TMP:-}" ] || return 0
  "$TINYRUN" --root "$TR_ROOT" delete --force "$ID" >/dev/null 2>&1 || true
  td_teardown_roots
}

# A valid config.json running /bin/true, changed by the jq filter $1.
spec_config() {
  jq -n '{
    ociVersion: "1.2.0",
    process: {args: ["/bin/true"], cwd: "/", env: ["PATH=/bin"], user: {uid: 0, gid: 0}},
    root: {path: "rootfs"},
    mounts: [{destination: "/proc", type: "proc", source: "proc"}],
    linux: {namespaces: [{type: "pid"}, {type: "mount"}, {type: "ipc"}, {type: "uts"}]}
  }' | jq "${1:-.}" >"$B/config.json"
}

# create must fail with a message containing $1 and leave nothing behind.
rejects() {
  run "$TINYRUN" --root "$TR_ROOT" create --bundle "$B" "$ID"
  echo "status=$status output=$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"$1"* ]]
  [ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
  [ ! -e "$TR_ROOT/$ID" ]
  run ls /sys/fs/cgroup/memory/tinyrun/"$ID" /sys/fs/cgroup/pids/tinyrun/"$ID"
  [ "$status" -ne 0 ]
  run pgrep -f -- "$ID"
  [ "$status" -ne 0 ]
}

@test "spec: writes runc's template, refuses to overwrite" {
  cd "$B"
  "$TINYRUN" spec
  jq -e '.ociVersion == "1.2.0" and .process.terminal == true and .process.args == ["sh"]
         and .root.path == "rootfs" and (.mounts | length) == 7
         and ([.linux.namespaces[].type] | sort) == ["cgroup","ipc","mount","network","pid","uts"]
         and .process.rlimits[0].type == "RLIMIT_NOFILE"' config.json
  run "$TINYRUN" spec
  [ "$status" -ne 0 ]
  [[ "$output" == *"exists"* ]]
}

@test "spec --rootless: user namespace mapping the caller, no network namespace" {
  "$TINYRUN" spec --rootless --bundle "$B"
  jq -e --argjson u "$(id -u)" '([.linux.namespaces[].type] | index("user")) != null
         and ([.linux.namespaces[].type] | index("network")) == null
         and .linux.uidMappings == [{containerID: 0, hostID: $u, size: 1}]
         and .linux.resources == null' "$B/config.json"
}

@test "spec: the default document runs once args and terminal are set" {
  "$TINYRUN" spec --bundle "$B"
  jq '.process.terminal = false | .process.args = ["/bin/sh", "-c", "echo spec-ok; cat /sys/class/net/lo/flags"]' \
    "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
  run "$TINYRUN" --root "$TR_ROOT" run --bundle "$B" "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *spec-ok* ]]
  # a new network namespace gets its loopback up, as runc does
  [[ "$output" == *0x9* ]]
}

@test "features: runtime-spec features document" {
  run "$TINYRUN" features
  [ "$status" -eq 0 ]
  echo "$output" | jq -e '.ociVersionMin == "1.0.0" and .ociVersionMax == "1.2.0"
    and (.hooks | length) == 6 and (.mountOptions | index("rro")) != null
    and (.linux.namespaces | length) == 8 and (.linux.capabilities | index("CAP_SYS_ADMIN")) != null
    and .linux.seccomp.enabled == true and (.linux.seccomp.actions | index("SCMP_ACT_NOTIFY")) != null
    and .linux.mountExtensions.idmap.enabled == true'
}

@test "features: what it lists is this kernel's: seccomp's supportedFlags probed (and each works), idmap where mount_setattr exists" {
  run "$TINYRUN" features
  [ "$status" -eq 0 ]
  flags=$(echo "$output" | jq -c .linux.seccomp.supportedFlags)
  echo "$flags"
  v=$(uname -r); maj=${v%%.*}; min=${v#*.}; min=${min%%.*}
  # WAIT_KILLABLE_RECV came in 5.19, LOG in 4.14, SPEC_ALLOW in 4.17
  if [ "$maj" -gt 5 ] || { [ "$maj" -eq 5 ] && [ "$min" -ge 19 ]; }; then want=true; else want=false; fi
  [ "$(echo "$flags" | jq 'index("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") != null')" = "$want" ]
  echo "$flags" | jq -e 'index("SECCOMP_FILTER_FLAG_LOG") != null and index("SECCOMP_FILTER_FLAG_SPEC_ALLOW") != null'
  # every flag it lists works here: a container with all of them runs
  spec_config ".linux.seccomp = {defaultAction: \"SCMP_ACT_ALLOW\", flags: $flags, syscalls: [{names: [\"mknod\"], action: \"SCMP_ACT_ERRNO\"}]}"
  run "$TINYRUN" --root "$TR_ROOT" run --bundle "$B" "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  # idmap: mount_setattr (5.12+) is there on every kernel we support
  [ "$("$TINYRUN" features | jq .linux.mountExtensions.idmap.enabled)" = true ]
}

@test "create: a missing config.json" {
  rejects "config.json"
}

@test "create: a malformed config.json names line and column" {
  printf '{\n  "ociVersion": "1.2.0",\n  "process": {,\n}\n' >"$B/config.json"
  rejects "line 3"
}

@test "create: an unknown namespace type" {
  spec_config '.linux.namespaces += [{type: "foo"}]'
  rejects 'config.json: linux.namespaces[4].type: unknown namespace type "foo"'
}

@test "create: a duplicate namespace type" {
  spec_config '.linux.namespaces += [{type: "pid"}]'
  rejects 'config.json: linux.namespaces[4].type: duplicate namespace type "pid"'
}

@test "create: process without args or with a relative cwd" {
  spec_config 'del(.process.args)'
  rejects 'config.json: process.args: is required'
  spec_config '.process.cwd = "tmp"'
  rejects 'config.json: process.cwd: "tmp" is not an absolute path'
}

@test "create: wrong types and out-of-range values" {
  spec_config '.process.user.uid = "root"'
  rejects 'config.json: process.user.uid: must be an integer, not a string'
  spec_config '.process.oomScoreAdj = 5000'
  rejects 'config.json: process.oomScoreAdj: 5000 is out of range [-1000, 1000]'
  spec_config '.mounts[0].options = ["ro", 3]'
  rejects 'config.json: mounts[0].options[1]: must be a string, not an integer'
  spec_config '.process.capabilities = {bounding: [true]}'
  rejects 'config.json: process.capabilities.bounding[0]: must be a string, not a boolean'
}

@test "create: unknown rlimit, device type, seccomp action, propagation" {
  spec_config '.process.rlimits = [{type: "RLIMIT_FOO", soft: 1, hard: 1}]'
  rejects 'config.json: process.rlimits[0].type: unknown rlimit "RLIMIT_FOO"'
  spec_config '.linux.devices = [{type: "x", path: "/dev/x", major: 1, minor: 1}]'
  rejects 'config.json: linux.devices[0].type: unknown device type "x"'
  spec_config '.linux.seccomp = {defaultAction: "SCMP_ACT_MAYBE"}'
  rejects 'config.json: linux.seccomp.defaultAction: unknown seccomp action "SCMP_ACT_MAYBE"'
  spec_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_Z80"]}'
  rejects 'config.json: linux.seccomp.architectures[0]: unknown seccomp architecture'
  spec_config '.linux.rootfsPropagation = "sideways"'
  rejects 'config.json: linux.rootfsPropagation: unknown propagation "sideways"'
  spec_config '.hooks = {prestart: [{path: "relative/hook"}]}'
  rejects 'config.json: hooks.prestart[0].path: "relative/hook" is not an absolute path'
}

@test "create: unknown fields and unknown capability names are ignored" {
  spec_config '.someFutureField = {x: 1} | .process.capabilities = {bounding: ["CAP_KILL", "CAP_FUTURE"]}
               | .linux.someFutureField = [1]'
  run "$TINYRUN" --root "$TR_ROOT" run --bundle "$B" "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "run: an rlimit of 2^64-1 (above int64) is RLIM_INFINITY in the container" {
  [ "$(ulimit -Hc)" = unlimited ] || skip "the host's hard RLIMIT_CORE is limited"
  spec_config '.process.args = ["/bin/sh", "-c", "ulimit -c; ulimit -Hc"]'
  # jq cannot write 18446744073709551615 exactly: splice the literal in
  sed -i 's|"process": {|"process": {"rlimits": [{"type": "RLIMIT_CORE", "soft": 18446744073709551615, "hard": 18446744073709551615}],|' "$B/config.json"
  grep -q 18446744073709551615 "$B/config.json"
  run "$TINYRUN" --root "$TR_ROOT" run --bundle "$B" "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'unlimited\nunlimited')" ]
}

@test "state prints runc's fields in runc's order: rootfs the resolved root.path, annotations when set" {
  spec_config '.process.args = ["/bin/sleep", "30"] | .annotations = {"org.example.k": "v"}'
  "$TINYRUN" --root "$TR_ROOT" create --bundle "$B" "$ID"
  run "$TINYRUN" --root "$TR_ROOT" state "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -c keys_unsorted)" = \
    '["ociVersion","id","pid","status","bundle","rootfs","created","annotations","owner"]' ]
  [ "$(echo "$output" | jq -r .rootfs)" = "$(realpath "$B/rootfs")" ]
  [ "$(echo "$output" | jq -r .bundle)" = "$(realpath "$B")" ]
  [ "$(echo "$output" | jq -r .status)" = created ]
  [ "$(echo "$output" | jq -r '.annotations["org.example.k"]')" = v ]
  pid=$(echo "$output" | jq -r .pid)
  [ "$pid" -gt 0 ] && [ -d "/proc/$pid" ]
  # list's json carries the same rootfs (runc's list uses the same document)
  [ "$("$TINYRUN" --root "$TR_ROOT" list --format json | jq -r '.[0].rootfs')" = "$(realpath "$B/rootfs")" ]
  # a root.path given absolute is printed as is; no annotations: no key
  "$TINYRUN" --root "$TR_ROOT" delete --force "$ID"
  spec_config ".root.path = \"$(realpath "$B/rootfs")\""
  "$TINYRUN" --root "$TR_ROOT" create --bundle "$B" "$ID"
  run "$TINYRUN" --root "$TR_ROOT" state "$ID"
  [ "$(echo "$output" | jq -c keys_unsorted)" = \
    '["ociVersion","id","pid","status","bundle","rootfs","created","owner"]' ]
  [ "$(echo "$output" | jq -r .rootfs)" = "$(realpath "$B/rootfs")" ]
}
