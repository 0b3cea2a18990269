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
  [ -z "${AGENT_PID:-}" ] || kill "$AGENT_PID" 2>/dev/null || true
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

@test "the created init is not dumpable: without CAP_SYS_PTRACE its exe and fds stay closed" {
  sec_config '.process.args = ["sleep", "100"]'
  trn() { timeout 30 "$TINYRUN" --root "$TR_ROOT" "$@"; }
  trn create --bundle "$B" "$ID" </dev/null >/dev/null 2>&1
  pid=$(trn state "$ID" | jq -r .pid)
  # while it waits on the fifo it holds stdio, the sync socket and the state dir (O_PATH),
  # nothing else of the host (no cgroup dirs, no caller's fds)
  run ls /proc/$pid/fd
  [ "$(echo "$output" | sort -n | tr '\n' ' ')" = "0 1 2 $(ls /proc/$pid/fd | sort -n | tail -1) " ]
  ! ls -l /proc/$pid/fd | grep -q /sys/fs/cgroup || false
  hostfd=$(ls /proc/$pid/fd | sort -n | tail -1)
  [ "$(readlink /proc/$pid/fd/$hostfd)" = "$TR_ROOT/$ID" ]
  # with CAP_SYS_PTRACE (the host's root) it is the runtime binary, as cloned
  [ "$(stat -L -c %d:%i /proc/$pid/exe)" = "$(stat -L -c %d:%i "$TINYRUN")" ]
  # a root process without CAP_SYS_PTRACE, as every container process is: refused
  run setpriv --bounding-set=-sys_ptrace readlink /proc/$pid/exe
  [ "$status" -ne 0 ]
  run setpriv --bounding-set=-sys_ptrace readlink /proc/$pid/fd/$hostfd
  [ "$status" -ne 0 ]
  # from inside: a process exec'd into the created container cannot reach its pid 1
  run trn exec "$ID" sh -c "readlink /proc/1/exe; echo exe=\$?; cat /proc/1/fd/$hostfd/config.json; echo fd=\$?"
  [ "$status" -eq 0 ]
  [[ "$output" == *"exe=1"* ]]
  [[ "$output" == *"fd=1"* ]]
  [[ "$output" != *ociVersion* ]]
  # after start pid 1 is the user's program, dumpable again: the same reads now work
  trn start "$ID"
  run trn exec "$ID" sh -c 'readlink /proc/1/exe; echo exe=$?'
  [[ "$output" == *"/bin/busybox"*"exe=0"* ]]
  run setpriv --bounding-set=-sys_ptrace readlink /proc/$pid/exe
  [ "$status" -eq 0 ]
  [ "$(ls /proc/$pid/fd | sort -n | tr '\n' ' ')" = "0 1 2 " ]
}

@test "a caller's pipe does not stay open in a created container" {
  sec_config '.process.args = ["sleep", "100"]'
  # fd 7 is a pipe: if the init kept it, the reader would wait until the container ends
  run timeout 20 sh -c "\"$TINYRUN\" --root \"$TR_ROOT\" create --bundle \"$B\" $ID 7>&1 >/dev/null 2>&1 </dev/null | cat"
  [ "$status" -eq 0 ]
  [ "$("$TINYRUN" --root "$TR_ROOT" state "$ID" | jq -r .status)" = created ]
}

@test "the runtime binary cannot be reopened for writing through /proc/PID/exe of its clones" {
  # a private copy of the runtime: nothing else executes it (so no ETXTBSY hides the
  # result), and nothing real is at stake if the protection were missing
  cp "$TINYRUN" "$TEST_TMP/tinyrun"
  T=$TEST_TMP/tinyrun
  sec_config '.process.args = ["sleep", "100"]'
  timeout 30 "$T" --root "$TR_ROOT" create --bundle "$B" "$ID" </dev/null >/dev/null 2>&1
  pid=$("$T" --root "$TR_ROOT" state "$ID" | jq -r .pid)
  # the init (a clone of the runtime) runs the copy, from a read-only mount of it
  [ "$(stat -L -c %d:%i /proc/$pid/exe)" = "$(stat -c %d:%i "$T")" ]
  # CVE-2019-5736: hold the exe open, let the runtime's clone go, reopen it for writing
  run reopen_exe_after_kill "$pid"
  [ "$output" = EROFS ]
  cmp "$TINYRUN" "$T"
  # and the re-executed runtime left no mount behind on the host
  ! grep -q "$TEST_TMP/tinyrun" /proc/self/mountinfo || false
}

# td-seccomp-agent in the background (answer: ERRNO|ok|cont); $AGENT_SOCK, $TEST_TMP/agent.*
start_agent() {
  AGENT_SOCK=$TEST_TMP/agent.sock
  "$BUILD_DIR/tests/helpers/td-seccomp-agent" "$AGENT_SOCK" "$TEST_TMP/agent.state" "$1" \
    >"$TEST_TMP/agent.out" 2>&1 &
  AGENT_PID=$!
  for _ in $(seq 100); do [ -S "$AGENT_SOCK" ] && return 0; sleep 0.05; done
  return 1
}

stop_agent() {
  kill "$AGENT_PID" 2>/dev/null || true
  wait "$AGENT_PID" 2>/dev/null || true
}

notify_config() { # args...: the process; mkdir/mkdirat go to the listener
  local a
  a=$(printf '%s\n' "$@" | jq -R . | jq -s .)
  sec_config
  jq --arg sock "$AGENT_SOCK" --argjson a "$a" '.process.args = $a
    | .annotations = {"org.test": "yes"}
    | .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", listenerPath: $sock,
        listenerMetadata: "meta-1",
        syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}]}' \
    "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
}

@test "seccomp notify: listenerPath gets the fd and the state; the agent's errno is mkdir's" {
  start_agent 28 # ENOSPC
  notify_config sh -c 'mkdir /tmp/a; echo rc=$?; grep Seccomp: /proc/self/status'
  sec_run
  stop_agent
  [ "$status" -eq 0 ]
  [[ "$output" == *"No space left on device"* ]]
  [[ "$output" == *"rc=1"* ]]
  [[ "$output" == *"Seccomp:	2"* ]]
  [ ! -e "$B/rootfs/tmp/a" ]
  grep -q '^notify ' "$TEST_TMP/agent.out"
  # the container process state of runtime-spec, with the fd named
  st=$(head -1 "$TEST_TMP/agent.state")
  [ "$(echo "$st" | jq -c .fds)" = '["seccompFd"]' ]
  [ "$(echo "$st" | jq -r .metadata)" = meta-1 ]
  [ "$(echo "$st" | jq -r .ociVersion)" = 1.2.0 ]
  [ "$(echo "$st" | jq -r .state.id)" = "$ID" ]
  [ "$(echo "$st" | jq -r .state.status)" = creating ]
  [ "$(echo "$st" | jq -r .state.bundle)" = "$B" ]
  [ "$(echo "$st" | jq -r '.state.annotations["org.test"]')" = yes ]
  [ "$(echo "$st" | jq -r .pid)" -gt 0 ]
  [ "$(echo "$st" | jq -r .pid)" = "$(echo "$st" | jq -r .state.pid)" ]
}

@test "seccomp notify: an agent answering success without running the call" {
  start_agent ok
  notify_config sh -c 'mkdir /tmp/b; echo rc=$?; ls -d /tmp/b; echo ls=$?'
  sec_run
  stop_agent
  [[ "$output" == *"rc=0"* ]]
  [[ "$output" == *"ls=1"* ]]
  [ ! -e "$B/rootfs/tmp/b" ]
  # and with CONTINUE the call really runs
  start_agent cont
  notify_config sh -c 'mkdir /tmp/c; echo rc=$?'
  sec_run
  stop_agent
  [[ "$output" == *"rc=0"* ]]
  [ -d "$B/rootfs/tmp/c" ]
}

@test "seccomp notify: exec sends its own listener fd, with the exec'd pid and the init's state" {
  start_agent 13 # EACCES
  notify_config sleep 100
  timeout 30 "$TINYRUN" --root "$TR_ROOT" run -d --bundle "$B" "$ID" </dev/null >/dev/null 2>&1
  init=$("$TINYRUN" --root "$TR_ROOT" state "$ID" | jq -r .pid)
  run timeout 30 "$TINYRUN" --root "$TR_ROOT" exec --pid-file "$TEST_TMP/exec.pid" "$ID" \
    sh -c 'mkdir /tmp/d; echo rc=$?'
  stop_agent
  [[ "$output" == *"Permission denied"* ]]
  [[ "$output" == *"rc=1"* ]]
  [ ! -e "$B/rootfs/tmp/d" ]
  [ "$(wc -l <"$TEST_TMP/agent.state")" -eq 2 ]
  st=$(sed -n 2p "$TEST_TMP/agent.state")
  [ "$(echo "$st" | jq -r .state.status)" = running ]
  [ "$(echo "$st" | jq -r .state.pid)" = "$init" ]
  [ "$(echo "$st" | jq -r .pid)" = "$(cat "$TEST_TMP/exec.pid")" ]
}

@test "seccomp notify: nobody on listenerPath: create fails with one line, nothing left" {
  AGENT_SOCK=$TEST_TMP/nobody.sock
  notify_config true
  run timeout 30 "$TINYRUN" --root "$TR_ROOT" create --bundle "$B" "$ID"
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"seccomp listener: connect to $AGENT_SOCK"* ]]
  [ ! -e "$TR_ROOT/$ID" ]
  [ ! -e "/sys/fs/cgroup/memory/tinyrun/$ID" ]
}

@test "exec takes the bundle's filter from the runtime's compile cache: Seccomp 2, same rules" {
  sec_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [{names: ["mount"], action: "SCMP_ACT_ERRNO", errnoRet: 38},
                 {names: ["chroot"], action: "SCMP_ACT_ERRNO"}]}
    | .process.args = ["sleep", "100"]'
  timeout 30 "$TINYRUN" --root "$TR_ROOT" run -d --bundle "$B" "$ID" </dev/null >/dev/null 2>&1
  [ "$(ls "$TR_ROOT/.seccomp-cache" | wc -l)" -eq 1 ]
  cached=$TR_ROOT/.seccomp-cache/$(ls "$TR_ROOT/.seccomp-cache")
  run timeout 60 strace -f -qq -e trace=openat -o "$TEST_TMP/strace" \
    "$TINYRUN" --root "$TR_ROOT" exec "$ID" sh -c '/probe seccomp; /probe syscall mount chroot getpid'
  [ "$status" -eq 0 ]
  [[ "$output" == *"Seccomp:	2"* ]]
  [[ "$output" == *"mount ENOSYS"* ]]
  [[ "$output" == *"chroot EPERM"* ]]
  [[ "$output" == *"getpid ok"* ]]
  # the runtime read the program the create compiled (a hit), and compiled nothing new
  grep "openat(AT_FDCWD, \"$cached\"" "$TEST_TMP/strace" | grep -qv ENOENT
  [ "$(ls "$TR_ROOT/.seccomp-cache" | wc -l)" -eq 1 ]
  # the cache is no container: `list` shows only the one container
  [ "$("$TINYRUN" --root "$TR_ROOT" list -q)" = "$ID" ]
}

@test "held in its execve (seccomp notify), the runtime's clone is not dumpable and holds no host fd" {
  start_agent hold
  notify_config sleep 100
  jq '.linux.seccomp.syscalls = [{names: ["execve"], action: "SCMP_ACT_NOTIFY"}]' \
    "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
  trn() { timeout 30 "$TINYRUN" --root "$TR_ROOT" "$@"; }
  trn create --bundle "$B" "$ID" </dev/null >/dev/null 2>&1
  pid=$(trn state "$ID" | jq -r .pid)
  trn start "$ID"
  # the init waits in execve for the agent: still the runtime's clone, not dumpable
  for _ in $(seq 100); do grep -q '^notify' "$TEST_TMP/agent.out" && break; sleep 0.05; done
  [ "$(stat -L -c %d:%i /proc/$pid/exe)" = "$(stat -L -c %d:%i "$TINYRUN")" ]
  run setpriv --bounding-set=-sys_ptrace readlink /proc/$pid/exe
  [ "$status" -ne 0 ]
  touch "$TEST_TMP/agent.state.go1"
  for _ in $(seq 100); do [ "$(stat -L -c %d:%i /proc/$pid/exe)" != "$(stat -L -c %d:%i "$TINYRUN")" ] && break; sleep 0.05; done
  run setpriv --bounding-set=-sys_ptrace readlink /proc/$pid/exe
  [ "$status" -eq 0 ]
  # an exec'd process, held the same way before its program runs
  trn exec "$ID" true </dev/null >/dev/null 2>&1 &
  epid_runtime=$!
  for _ in $(seq 100); do [ "$(grep -c '^notify' "$TEST_TMP/agent.out")" -ge 2 ] && break; sleep 0.05; done
  epid=$(grep '^notify' "$TEST_TMP/agent.out" | sed -n 2p | awk '{print $3}')
  [ "$(stat -L -c %d:%i /proc/$epid/exe)" = "$(stat -L -c %d:%i "$TINYRUN")" ]
  run setpriv --bounding-set=-sys_ptrace readlink /proc/$epid/exe
  [ "$status" -ne 0 ]
  # stdio and the sync socket only: no pidfd of the init, no cgroup dir, nothing of the caller
  [ "$(ls /proc/$epid/fd | wc -l)" -eq 4 ]
  ! ls -l /proc/$epid/fd | grep -q -e anon_inode -e /sys/fs/cgroup -e "$TR_ROOT" || false
  touch "$TEST_TMP/agent.state.go2"
  wait "$epid_runtime"
  stop_agent
}
