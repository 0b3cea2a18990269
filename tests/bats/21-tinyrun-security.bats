#!/usr/bin/env bats
# Privileges of a tinyrun container as the kernel reports them, through the static probe:
# capability sets, seccomp rules, user/groups/umask, rlimits, no_new_privs, LSM requests.
load ../helpers/common
load ../helpers/probe

DOCKER_CAPS='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"]'

setup() {
  td_setup_roots
  td_build_probe
  B=$TEST_TMP/bundle
  td_make_busybox_rootfs "$B/rootfs"
  td_install_probe "$B/rootfs"
  ID=sec-$$-$BATS_TEST_NUMBER
}

teardown() {
  [ -n "${TEST_TMP:-}" ] || return 0
  "$TINYRUN" --root "$TR_ROOT" delete --force "$ID" >/dev/null 2>&1 || true
  td_teardown_roots
}

# Write $B/config.json: a small container running the probe, then the jq filter $1.
sec_config() {
  jq -n --argjson caps "$DOCKER_CAPS" '{
    ociVersion: "1.2.0",
    process: {terminal: false, user: {uid: 0, gid: 0}, args: ["/probe", "caps"],
              env: ["PATH=/bin:/usr/bin"], cwd: "/", noNewPrivileges: true,
              capabilities: {bounding: $caps, effective: $caps, permitted: $caps}},
    root: {path: "rootfs"},
    hostname: "sec",
    mounts: [{destination: "/proc", type: "proc", source: "proc"}],
    linux: {namespaces: [{type: "pid"}, {type: "mount"}, {type: "ipc"}, {type: "uts"},
                         {type: "network"}]}
  }' | jq "${1:-.}" >"$B/config.json"
}

sec_run() {
  run timeout 60 "$TINYRUN" --root "$TR_ROOT" run --bundle "$B" "$ID"
}

@test "docker's 14 capabilities: CapEff/CapPrm/CapBnd are 00000000a80425fb" {
  sec_config
  sec_run
  [ "$status" -eq 0 ]
  [[ "$output" == *"CapEff:	00000000a80425fb"* ]]
  [[ "$output" == *"CapPrm:	00000000a80425fb"* ]]
  [[ "$output" == *"CapBnd:	00000000a80425fb"* ]]
  [[ "$output" == *"CapInh:	0000000000000000"* ]]
  [[ "$output" == *"CapAmb:	0000000000000000"* ]]
}

@test "non-root user keeps its ambient CAP_NET_BIND_SERVICE" {
  sec_config '.process.user = {uid: 1000, gid: 1000}
    | .process.capabilities = {bounding: ["CAP_NET_BIND_SERVICE"],
        effective: ["CAP_NET_BIND_SERVICE"], permitted: ["CAP_NET_BIND_SERVICE"],
        inheritable: ["CAP_NET_BIND_SERVICE"], ambient: ["CAP_NET_BIND_SERVICE"]}'
  sec_run
  [ "$status" -eq 0 ]
  [[ "$output" == *"CapEff:	0000000000000400"* ]]
  [[ "$output" == *"CapAmb:	0000000000000400"* ]]
  [[ "$output" == *"CapBnd:	0000000000000400"* ]]
}

@test "no capabilities at all for an empty set" {
  sec_config '.process.capabilities = {bounding: [], effective: [], permitted: []}'
  sec_run
  [ "$status" -eq 0 ]
  [[ "$output" == *"CapEff:	0000000000000000"* ]]
  [[ "$output" == *"CapBnd:	0000000000000000"* ]]
}

@test "no capabilities object: no capabilities, as runc" {
  sec_config 'del(.process.capabilities)'
  sec_run
  [ "$status" -eq 0 ]
  [[ "$output" == *"CapEff:	0000000000000000"* ]]
  [[ "$output" == *"CapBnd:	0000000000000000"* ]]
}

@test "user, additionalGids and umask" {
  sec_config '.process.user = {uid: 1000, gid: 1001, additionalGids: [10, 20], umask: 63}
    | .process.args = ["/bin/sh", "-c", "/probe id; /probe umask"]'
  sec_run
  [ "$status" -eq 0 ]
  [[ "$output" == *"uid=1000 gid=1001 euid=1000 egid=1001 groups=10,20"* ]]
  [[ "$output" == *"0077"* ]]
}

@test "umask defaults to 0022 and root has no supplementary groups" {
  sec_config '.process.args = ["/bin/sh", "-c", "/probe id; /probe umask"]'
  sec_run
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "uid=0 gid=0 euid=0 egid=0 groups=" ]
  [ "${lines[1]}" = "0022" ]
}

@test "rlimits: NOFILE and CORE as asked" {
  sec_config '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 1024, hard: 2048},
                                  {type: "RLIMIT_CORE", soft: 0, hard: 0}]
    | .process.args = ["/bin/sh", "-c", "/probe rlimit NOFILE; /probe rlimit CORE"]'
  sec_run
  [ "$status" -eq 0 ]
  [[ "$output" == *"1024 2048"* ]]
  [[ "$output" == *"0 0"* ]]
}

@test "an rlimit the runtime cannot grant: clear error naming it" {
  sec_config '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 4096, hard: 2048}]'
  sec_run
  [ "$status" -ne 0 ]
  [[ "$output" == *"RLIMIT_NOFILE"* ]]
  [ ! -e "$TR_ROOT/$ID" ]
}

@test "noNewPrivileges: NoNewPrivs 1, and 0 when off" {
  sec_config '.process.args = ["/probe", "nnp"]'
  sec_run
  [ "$status" -eq 0 ]
  [[ "$output" == *"NoNewPrivs:	1"* ]]
  sec_config '.process.args = ["/probe", "nnp"] | .process.noNewPrivileges = false'
  ID=$ID-b
  sec_run
  [ "$status" -eq 0 ]
  [[ "$output" == *"NoNewPrivs:	0"* ]]
}

@test "seccomp errno rule with errnoRet, Seccomp mode 2" {
  sec_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [{names: ["mount"], action: "SCMP_ACT_ERRNO", errnoRet: 38},
                 {names: ["chroot"], action: "SCMP_ACT_ERRNO"}]}
    | .process.args = ["/bin/sh", "-c", "/probe seccomp; /probe syscall mount chroot getpid"]'
  sec_run
  [ "$status" -eq 0 ]
  [[ "$output" == *"Seccomp:	2"* ]]
  [[ "$output" == *"mount ENOSYS"* ]]
  [[ "$output" == *"chroot EPERM"* ]]
  [[ "$output" == *"getpid ok"* ]]
}

@test "seccomp argument conditions: two on the same argument are ORed" {
  sec_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [{names: ["personality"], action: "SCMP_ACT_ERRNO",
                  args: [{index: 0, value: 6, op: "SCMP_CMP_EQ"},
                         {index: 0, value: 8, op: "SCMP_CMP_EQ"}]}]}
    | .process.args = ["/probe", "syscall", "personality", "personality_bsd"]'
  sec_run
  [ "$status" -eq 0 ]
  # as one ANDed rule nothing could match; as separate rules PER_BSD (6) is refused
  [[ "$output" == *"personality ok"* ]]
  [[ "$output" == *"personality_bsd EPERM"* ]]
}

@test "seccomp MASKED_EQ: clone refused only with CLONE_NEWUSER in its flags" {
  sec_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [{names: ["clone"], action: "SCMP_ACT_ERRNO", errnoRet: 38,
                  args: [{index: 0, value: 268435456, valueTwo: 268435456,
                          op: "SCMP_CMP_MASKED_EQ"}]}]}
    | .process.args = ["/probe", "syscall", "fork", "clone_newuser"]'
  sec_run
  [ "$status" -eq 0 ]
  [[ "$output" == *"fork ok"* ]]
  [[ "$output" == *"clone_newuser ENOSYS"* ]]
}

@test "seccomp KILL action: the process dies of SIGSYS (exit 159)" {
  sec_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [{names: ["getpid"], action: "SCMP_ACT_KILL_PROCESS"}]}
    | .process.args = ["/probe", "syscall", "getpid"]'
  sec_run
  [ "$status" -eq 159 ]
}

@test "docker's default seccomp profile blocks unshare, mount, keyctl; allows normal work" {
  [ -x "$BUILD_DIR/tests/helpers/td-seccomp-json" ]
  "$BUILD_DIR/tests/helpers/td-seccomp-json" >"$TEST_TMP/docker.json"
  sec_config ".linux.seccomp = $(cat "$TEST_TMP/docker.json")
    | .process.args = [\"/bin/sh\", \"-c\", \"/probe seccomp; /probe syscall unshare mount keyctl clone_newuser personality personality_bsd fork getpid clone3 setns reboot; echo hello > /tmp/x && cat /tmp/x\"]"
  sec_run
  [ "$status" -eq 0 ]
  [[ "$output" == *"Seccomp:	2"* ]]
  for c in unshare mount keyctl clone_newuser personality_bsd setns reboot; do
    [[ "$output" == *"$c EPERM"* ]]
  done
  [[ "$output" == *"clone3 ENOSYS"* ]]
  [[ "$output" == *"personality ok"* ]]
  [[ "$output" == *"fork ok"* ]]
  [[ "$output" == *"hello"* ]]
}

@test "docker's profile without noNewPrivileges: CAP_SYS_ADMIN held for the load does not leak" {
  [ -x "$BUILD_DIR/tests/helpers/td-seccomp-json" ]
  "$BUILD_DIR/tests/helpers/td-seccomp-json" >"$TEST_TMP/docker.json"
  sec_config ".linux.seccomp = $(cat "$TEST_TMP/docker.json") | .process.noNewPrivileges = false
    | .process.args = [\"/bin/sh\", \"-c\", \"/probe seccomp; /probe nnp; /probe caps; /probe syscall unshare getpid\"]"
  sec_run
  [ "$status" -eq 0 ]
  [[ "$output" == *"Seccomp:	2"* ]]
  [[ "$output" == *"NoNewPrivs:	0"* ]]
  [[ "$output" == *"CapEff:	00000000a80425fb"* ]]
  [[ "$output" == *"CapPrm:	00000000a80425fb"* ]]
  [[ "$output" == *"unshare EPERM"* ]]
  [[ "$output" == *"getpid ok"* ]]
}

@test "only stdio fds reach the container" {
  sec_config '.process.args = ["/probe", "fds"]'
  sec_run 3</dev/null 7</dev/null
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | tail -1)" = "0 1 2" ]
}

@test "apparmor asked on a host without it: clear error, nothing left behind" {
  [ ! -e /sys/kernel/security/apparmor ] || skip "AppArmor is enabled here"
  sec_config '.process.apparmorProfile = "tinydocker-test"'
  sec_run
  [ "$status" -ne 0 ]
  [[ "$output" == *"AppArmor is not enabled"* ]]
  [ "$(echo "$output" | wc -l)" -eq 1 ]
  [ ! -e "$TR_ROOT/$ID" ]
  [ -z "$(find /sys/fs/cgroup -name "*$ID*" 2>/dev/null)" ]
}

@test "selinux asked on a host without it: clear error, nothing left behind" {
  [ ! -e /sys/fs/selinux ] || skip "SELinux is enabled here"
  sec_config '.process.selinuxLabel = "system_u:system_r:container_t:s0"'
  sec_run
  [ "$status" -ne 0 ]
  [[ "$output" == *"SELinux is not enabled"* ]]
  [ "$(echo "$output" | wc -l)" -eq 1 ]
  [ ! -e "$TR_ROOT/$ID" ]
  [ -z "$(find /sys/fs/cgroup -name "*$ID*" 2>/dev/null)" ]
}
