#!/usr/bin/env bats
# Issue 13, findings 2 and 3 and their class: every setting that acts on a namespace (a
# sysctl, the hostname and domainname, time offsets, network devices, id mappings) is checked
# against the namespaces the container really has, in tinyrun (runc's validator) and in the
# engine (docker's --sysctl rules). The host's values are read from the host's /proc/sys and
# must be unchanged after each attempt; nothing is saved or restored: an attempt that got
# through would show as a changed value. The allowed cases apply inside the container only.
load ../helpers/common

setup_file() {
  export NS_TEMPLATE=$BATS_FILE_TMPDIR/rootfs
  td_make_busybox_rootfs "$NS_TEMPLATE"
}

setup() {
  td_setup_roots
  B=$TEST_TMP/bundle
  mkdir -p "$B"
  cp -a "$NS_TEMPLATE" "$B/rootfs"
  ID=ns-$$-$BATS_TEST_NUMBER
  PID=
}

teardown() {
  [ -n "${TEST_TMP:-}" ] || return 0
  timeout -s KILL 10 "$TINYRUN" --root "$TR_ROOT" delete --force "$ID" >/dev/null 2>&1 || true
  if [ -d "${TD_ROOT:-}/containers" ]; then
    ids=$("$TINYDOCKER" ps -aq --no-trunc 2>/dev/null) || true
    [ -z "$ids" ] || "$TINYDOCKER" rm -f $ids >/dev/null 2>&1 || true
  fi
  td_teardown_roots
}

# config.json with every namespace but the ones named in $1 (space-separated OCI names),
# then the jq filter $2. The process is a shell that is never started.
ns_config() {
  jq -n --arg drop "${1:-}" '{
    ociVersion: "1.2.0",
    process: {terminal: false, user: {uid: 0, gid: 0}, args: ["/bin/sh"],
              env: ["PATH=/bin:/usr/bin:/sbin"], cwd: "/"},
    root: {path: "rootfs"},
    mounts: [{destination: "/proc", type: "proc", source: "proc"}],
    linux: {namespaces: ([{type: "pid"}, {type: "mount"}, {type: "ipc"}, {type: "uts"},
                          {type: "network"}]
                         | map(select(.type as $t | ($drop | split(" ") | index($t)) == null)))}
  }' | jq "${2:-.}" >"$B/config.json"
}

# `tinyrun create`; on success $PID is the init.
ns_create() {
  status=0
  "$TINYRUN" --root "$TR_ROOT" create --bundle "$B" "$ID" </dev/null >"$TEST_TMP/out" \
    2>"$TEST_TMP/err" || status=$?
  output=$(cat "$TEST_TMP/err")
  mapfile -t lines <"$TEST_TMP/err"
  if [ "$status" -eq 0 ]; then
    PID=$("$TINYRUN" --root "$TR_ROOT" state "$ID" | jq -r .pid)
  fi
}

# create refused with one line containing $1, and nothing made: no state, no cgroup, no
# mount, no process.
refused() {
  ns_create
  echo "status=$status output=$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"$1"* ]]
  [ "${#lines[@]}" -eq 1 ]
  [ -z "$(ls -A "$TR_ROOT")" ]
  ! grep -q "$TEST_TMP" /proc/self/mountinfo || false
  ! ls -d /sys/fs/cgroup/*/tinyrun/"$ID" /sys/fs/cgroup/tinyrun/"$ID" 2>/dev/null | grep -q . || false
}

hostval() { cat "/proc/sys/$1"; }
# a value other than the host's current one (so a write that got through would show)
other() { echo $(($(hostval "$1") == 1 ? 2 : $(hostval "$1") - 1)); }
other01() { echo $((1 - $(hostval "$1"))); }

# --- tinyrun: finding 3, hostname and domainname without a UTS namespace of its own --------

@test "tinyrun: hostname without a UTS namespace is refused, the host keeps its name (finding 3)" {
  before=$(hostname)
  ns_config uts '.hostname = "td-evil-host"'
  refused "unable to set hostname without a private UTS namespace"
  [ "$(hostname)" = "$before" ]
  [ "$(hostval kernel/hostname)" = "$before" ]
}

@test "tinyrun: domainname without a UTS namespace is refused, the host keeps its own" {
  before=$(hostval kernel/domainname)
  ns_config uts '.domainname = "td-evil-domain"'
  refused "unable to set domainname without a private UTS namespace"
  [ "$(hostval kernel/domainname)" = "$before" ]
}

@test "tinyrun: a UTS namespace joined by a path to the host's own is not private" {
  before=$(hostname)
  ns_config uts ".linux.namespaces += [{type: \"uts\", path: \"/proc/$$/ns/uts\"}]
                 | .hostname = \"td-evil-host\""
  refused "unable to set hostname without a private UTS namespace"
  [ "$(hostname)" = "$before" ]
}

@test "tinyrun: hostname and domainname with a UTS namespace: set inside only" {
  before=$(hostname) dbefore=$(hostval kernel/domainname)
  ns_config "" '.hostname = "inside-host" | .domainname = "inside-dom"'
  ns_create
  [ "$status" -eq 0 ]
  [ "$(nsenter -t "$PID" -u cat /proc/sys/kernel/hostname)" = inside-host ]
  [ "$(nsenter -t "$PID" -u cat /proc/sys/kernel/domainname)" = inside-dom ]
  [ "$(hostname)" = "$before" ]
  [ "$(hostval kernel/domainname)" = "$dbefore" ]
}

@test "tinyrun: a hostname longer than 64 bytes is refused before anything is made" {
  ns_config "" ".hostname = \"$(printf 'h%.0s' $(seq 65))\""
  refused "longer than 64 bytes"
}

# --- tinyrun: finding 2's class, sysctls only in a namespace of the container's own --------

@test "tinyrun: vm.swappiness and vm.overcommit_ratio are the host's: refused, unchanged (finding 2)" {
  for k in vm.swappiness vm.overcommit_ratio; do
    f=${k//.//}
    before=$(hostval "$f")
    ns_config "" ".linux.sysctl = {\"$k\": \"$(other "$f")\"}"
    refused "sysctl \"$k\" is not in a separate kernel namespace"
    [ "$(hostval "$f")" = "$before" ]
  done
}

@test "tinyrun: other host-wide sysctls (kernel.*, fs.*, dev.*) refused even with every namespace" {
  for k in kernel.pid_max fs.file-max kernel.core_pattern kernel.randomize_va_space; do
    f=${k//.//}
    before=$(hostval "$f")
    ns_config "" ".linux.sysctl = {\"$k\": \"1\"}"
    refused "sysctl \"$k\" is not in a separate kernel namespace"
    [ "$(hostval "$f")" = "$before" ]
  done
}

@test "tinyrun: net.* without a network namespace is refused, the host's value unchanged" {
  before=$(hostval net/ipv4/ip_forward)
  ns_config network ".linux.sysctl = {\"net.ipv4.ip_forward\": \"$(other01 net/ipv4/ip_forward)\"}"
  refused 'sysctl "net.ipv4.ip_forward" not allowed in host network namespace'
  [ "$(hostval net/ipv4/ip_forward)" = "$before" ]
}

@test "tinyrun: net.* with the network namespace joined by a path to the host's own: refused" {
  before=$(hostval net/ipv4/ip_forward)
  ns_config network ".linux.namespaces += [{type: \"network\", path: \"/proc/$$/ns/net\"}]
     | .linux.sysctl = {\"net.ipv4.ip_forward\": \"$(other01 net/ipv4/ip_forward)\"}"
  refused 'sysctl "net.ipv4.ip_forward" not allowed in host network namespace'
  [ "$(hostval net/ipv4/ip_forward)" = "$before" ]
  # a path that is no namespace at all is an error too, not "private"
  ns_config network '.linux.namespaces += [{type: "network", path: "/nonexistent/net"}]
     | .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
  refused "invalid network namespace path"
}

@test "tinyrun: IPC sysctls without an IPC namespace are refused, the host's unchanged" {
  before=$(hostval kernel/shmmax) mq=$(hostval fs/mqueue/msg_max)
  ns_config ipc '.linux.sysctl = {"kernel.shmmax": "12345678"}'
  refused 'sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace'
  ns_config ipc ".linux.sysctl = {\"fs.mqueue.msg_max\": \"$(other fs/mqueue/msg_max)\"}"
  refused 'sysctl "fs.mqueue.msg_max" is not allowed in the hosts ipc namespace'
  [ "$(hostval kernel/shmmax)" = "$before" ]
  [ "$(hostval fs/mqueue/msg_max)" = "$mq" ]
}

@test "tinyrun: kernel.domainname needs a UTS namespace; kernel.hostname conflicts with hostname" {
  before=$(hostval kernel/domainname)
  ns_config uts '.linux.sysctl = {"kernel.domainname": "td-evil"}'
  refused "not in a separate kernel namespace"
  [ "$(hostval kernel/domainname)" = "$before" ]
  ns_config "" '.hostname = "a" | .linux.sysctl = {"kernel.hostname": "b"}'
  refused "conflicts with the OCI \"hostname\" field"
  ns_config "" '.linux.sysctl = {"kernel.domainname": "ctr-dom"}'
  ns_create
  [ "$status" -eq 0 ]
  [ "$(nsenter -t "$PID" -u cat /proc/sys/kernel/domainname)" = ctr-dom ]
  [ "$(hostval kernel/domainname)" = "$before" ]
}

@test "tinyrun: net.* with a private netns and kernel.shmmax with an IPC ns apply inside only" {
  fwd=$(hostval net/ipv4/ip_forward) shm=$(hostval kernel/shmmax)
  want_fwd=$(other01 net/ipv4/ip_forward)
  ns_config "" ".linux.sysctl = {\"net.ipv4.ip_forward\": \"$want_fwd\",
                                 \"kernel.shmmax\": \"12345678\", \"fs.mqueue.msg_max\": \"17\"}"
  ns_create
  [ "$status" -eq 0 ]
  [ "$(nsenter -t "$PID" -n cat /proc/sys/net/ipv4/ip_forward)" = "$want_fwd" ]
  [ "$(nsenter -t "$PID" -i cat /proc/sys/kernel/shmmax)" = 12345678 ]
  [ "$(nsenter -t "$PID" -i cat /proc/sys/fs/mqueue/msg_max)" = 17 ]
  [ "$(hostval net/ipv4/ip_forward)" = "$fwd" ]
  [ "$(hostval kernel/shmmax)" = "$shm" ]
}

@test "tinyrun: sysctl names that walk out of their directory are refused before anything is made" {
  sw=$(hostval vm/swappiness) hn=$(hostval kernel/hostname)
  for k in 'net/../../../sys/vm/swappiness' 'net.ipv4/../../kernel.hostname' \
    'net.ipv4.conf/all' 'net..ipv4.ip_forward' 'net.ipv4.ip_forward.' '.net.ipv4' 'net.ipv4..ip_forward' \
    'net.ipv4.conf.all/../../../../vm.swappiness' 'net./proc/sys/vm/swappiness'; do
    ns_config "" "$(jq -n --arg k "$k" '".linux.sysctl = {\($k | tojson): \"1\"}"' -r)"
    refused "invalid key"
  done
  [ "$(hostval vm/swappiness)" = "$sw" ]
  [ "$(hostval kernel/hostname)" = "$hn" ]
}

# --- tinyrun: the rest of runc's namespace rules ------------------------------------------

@test "tinyrun: time offsets without a time namespace are refused" {
  ns_config "" '.linux.timeOffsets = {monotonic: {secs: 3600, nanosecs: 0}}'
  refused "time namespace offsets specified, but time namespace isn't enabled"
  ns_config "" ".linux.namespaces += [{type: \"time\", path: \"/proc/$$/ns/time\"}]
                 | .linux.timeOffsets = {boottime: {secs: 60}}"
  refused "time namespace offsets apply to a new time namespace"
}

@test "tinyrun: time offsets with a new time namespace apply inside only" {
  [ -e /proc/self/ns/time ] || skip "no time namespaces"
  ns_config "" '.linux.namespaces += [{type: "time"}]
                | .linux.timeOffsets = {boottime: {secs: 86400000, nanosecs: 0}}'
  ns_create
  [ "$status" -eq 0 ]
  [ "$(awk '$1 == "boottime" {print $2}' "/proc/$PID/timens_offsets")" = 86400000 ]
  [ "$(awk '$1 == "boottime" {print $2}' /proc/self/timens_offsets)" = 0 ]
}

@test "tinyrun: netDevices without a network namespace of its own are refused" {
  ns_config network '.linux.netDevices = {"dummy0": {}}'
  refused "unable to move network devices without a private NET namespace"
  ns_config network ".linux.namespaces += [{type: \"network\", path: \"/proc/$$/ns/net\"}]
                     | .linux.netDevices = {\"eth0\": {name: \"ctr0\"}}"
  refused "unable to move network devices without a private NET namespace"
  ns_config "" '.linux.netDevices = {"../x": {}}'
  refused "invalid network device name"
  ns_config "" '.linux.netDevices = {"eth0": {name: "a/b"}}'
  refused "invalid network device name"
}

@test "tinyrun: id mappings need a user namespace, a new user namespace needs mappings" {
  ns_config "" '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
                | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
  refused "user namespace mappings specified, but USER namespace isn't enabled"
  ns_config "" '.linux.namespaces += [{type: "user"}]'
  refused "user namespaces enabled, but no uid mappings found"
  ns_config "" '.linux.namespaces += [{type: "user"}]
                | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
  refused "user namespaces enabled, but no gid mappings found"
}

@test "tinyrun: an rlimit with soft above hard is refused at parse time, naming it" {
  ns_config "" '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 4096, hard: 2048}]'
  refused "RLIMIT_NOFILE: soft limit 4096 is greater than the hard limit 2048"
}

# --- the engine: docker's --sysctl rules -------------------------------------------------

eng_setup() {
  "$TINYDOCKER" create-default >/dev/null
}

# refused with exit 125, one line, and no container left in the store
eng_refused() { # message, then the run/create arguments
  local msg=$1
  shift
  run "$TINYDOCKER" "$@"
  echo "status=$status output=$output"
  # docker's codes: run 125; create prints the daemon's refusal as it is, exit 1
  if [ "$1" = create ] && [[ "$output" == "Error response from daemon: "* ]]; then
    [ "$status" -eq 1 ]
  else
    [ "$status" -eq 125 ]
  fi
  [[ "$output" == *"$msg"* ]]
  # one line, then docker's pointer to the help
  [ "${#lines[@]}" -eq 1 ] || { [ "${#lines[@]}" -eq 2 ] && [[ "${lines[1]}" == "See 'tinydocker "*" --help'." ]]; }
  [ -z "$(ls -A "$TD_ROOT/containers" 2>/dev/null | grep -E '^[0-9a-f]{64}$')" ]
  [ -z "$("$TINYDOCKER" ps -aq)" ]
}

@test "engine: --sysctl vm.swappiness / vm.overcommit_ratio: not whitelisted, host unchanged (finding 2)" {
  eng_setup
  for k in vm.swappiness vm.overcommit_ratio; do
    f=${k//.//}
    before=$(hostval "$f")
    v=$(other "$f")
    eng_refused "sysctl '$k=$v' is not whitelisted" run --rm --sysctl "$k=$v" busybox true
    eng_refused "sysctl '$k=$v' is not whitelisted" create --sysctl "$k=$v" busybox true
    [ "$(hostval "$f")" = "$before" ]
  done
  eng_refused "is not whitelisted" run --rm --sysctl kernel.domainname=x busybox true
  eng_refused "is not whitelisted" run --rm --sysctl novalue busybox true
}

@test "engine: --network host --sysctl net.ipv4.ip_forward: refused, host unchanged (finding 2)" {
  eng_setup
  before=$(hostval net/ipv4/ip_forward)
  v=$(other01 net/ipv4/ip_forward)
  eng_refused 'sysctl "net.ipv4.ip_forward" not allowed in host network namespace' \
    run --rm --network host --sysctl "net.ipv4.ip_forward=$v" busybox true
  eng_refused 'not allowed in host network namespace' \
    create --net host --sysctl "net.ipv4.ip_forward=$v" busybox true
  [ "$(hostval net/ipv4/ip_forward)" = "$before" ]
}

@test "engine: --network container:X where X has the host's network: net.* refused" {
  eng_setup
  before=$(hostval net/ipv4/ip_forward)
  "$TINYDOCKER" run -d --name hostnet --network host busybox sleep 60
  run "$TINYDOCKER" run --rm --network container:hostnet \
    --sysctl "net.ipv4.ip_forward=$(other01 net/ipv4/ip_forward)" busybox true
  echo "status=$status output=$output"
  [ "$status" -eq 125 ]
  [[ "$output" == *'not allowed in host network namespace'* ]]
  [ "$("$TINYDOCKER" ps -aq | wc -l)" -eq 1 ]
  [ "$(hostval net/ipv4/ip_forward)" = "$before" ]
}

@test "engine: sysctl names that walk out of /proc/sys/net are refused, nothing created" {
  eng_setup
  sw=$(hostval vm/swappiness)
  eng_refused "is not whitelisted" run --rm --sysctl 'net/../../../sys/vm/swappiness=1' busybox true
  eng_refused "invalid key" run --rm --sysctl 'net.ipv4/../../../vm/swappiness=1' busybox true
  eng_refused "invalid key" run --rm --sysctl 'net..ipv4=1' busybox true
  [ "$(hostval vm/swappiness)" = "$sw" ]
}

@test "engine: net.* and kernel.shmmax in the container's own namespaces apply inside only" {
  eng_setup
  fwd=$(hostval net/ipv4/ip_forward) shm=$(hostval kernel/shmmax)
  want=$(other01 net/ipv4/ip_forward)
  run "$TINYDOCKER" run --rm --network none --sysctl "net.ipv4.ip_forward=$want" \
    --sysctl kernel.shmmax=12345678 busybox \
    sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax'
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf '%s\n12345678' "$want")" ]
  [ "$(hostval net/ipv4/ip_forward)" = "$fwd" ]
  [ "$(hostval kernel/shmmax)" = "$shm" ]
}
