#!/usr/bin/env bats
# The container's filesystem through `tinyrun run`: every mount type and option, propagation,
# /dev contents, masked and read-only paths, root.readonly, sysctl, and hostile rootfs trees
# whose symlinks try to send a mount target out of the rootfs. What the container sees is
# read from the kernel (/proc/self/mountinfo, stat) inside it; the host side from the host.
load ../helpers/common

setup_file() {
  # one busybox tree per file (making it costs seconds); each test gets a copy
  export MNT_TEMPLATE=$BATS_FILE_TMPDIR/rootfs
  td_make_busybox_rootfs "$MNT_TEMPLATE"
}

setup() {
  td_setup_roots
  B=$TEST_TMP/bundle
  R=$B/rootfs
  mkdir -p "$B"
  cp -a "$MNT_TEMPLATE" "$R"
  ID=mnt-$$-$BATS_TEST_NUMBER
  PID=
}

teardown() {
  [ -n "${TEST_TMP:-}" ] || return 0
  mnt_delete
  td_teardown_roots
}

mnt_delete() {
  timeout -s KILL 5 "$TINYRUN" --root "$TR_ROOT" delete --force "$ID" >/dev/null 2>&1 || true
  # our own container init, if delete could not take it down
  if [ -n "$PID" ] && [ -d "/proc/$PID" ]; then
    kill -9 "$PID" 2>/dev/null || true
    sleep 0.2
    timeout 20 "$TINYRUN" --root "$TR_ROOT" delete --force "$ID" >/dev/null 2>&1 || true
  fi
  PID=
}

# Write $B/config.json with docker's usual mounts, then the jq filter $1. The process is a
# shell that is never started: the checks look at the created container from the host.
mnt_config() {
  jq -n '{
    ociVersion: "1.2.0",
    process: {terminal: false, user: {uid: 0, gid: 0}, args: ["/bin/sh"],
              env: ["PATH=/bin:/usr/bin:/sbin"], cwd: "/"},
    root: {path: "rootfs"},
    hostname: "mnt",
    mounts: [
      {destination: "/proc", type: "proc", source: "proc"},
      {destination: "/dev", type: "tmpfs", source: "tmpfs",
       options: ["nosuid", "strictatime", "mode=755", "size=65536k"]},
      {destination: "/dev/pts", type: "devpts", source: "devpts",
       options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
      {destination: "/dev/shm", type: "tmpfs", source: "shm",
       options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
      {destination: "/dev/mqueue", type: "mqueue", source: "mqueue",
       options: ["nosuid", "noexec", "nodev"]},
      {destination: "/sys", type: "sysfs", source: "sysfs",
       options: ["nosuid", "noexec", "nodev", "ro"]},
      {destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
       options: ["nosuid", "noexec", "nodev", "relatime", "ro"]}
    ],
    linux: {namespaces: [{type: "pid"}, {type: "mount"}, {type: "ipc"}, {type: "uts"},
                         {type: "network"}]}
  }' | jq "${1:-.}" >"$B/config.json"
}

# `tinyrun create`: on success $PID is the container init (waiting on its exec fifo, with its
# whole filesystem set up) and $MI its mountinfo as the kernel shows it.
mnt_create() {
  # the init keeps the stdio it was given: never a pipe that `run` would wait on
  status=0
  "$TINYRUN" --root "$TR_ROOT" create "$@" --bundle "$B" "$ID" </dev/null >"$TEST_TMP/out" \
    2>"$TEST_TMP/err" || status=$?
  output=$(cat "$TEST_TMP/err")
  mapfile -t lines <"$TEST_TMP/err"
  if [ "$status" -eq 0 ]; then
    PID=$("$TINYRUN" --root "$TR_ROOT" state "$ID" | jq -r .pid)
    MI=$(cat "/proc/$PID/mountinfo")
    CR=/proc/$PID/root
  fi
}

# The mountinfo line of a mount point in the container: "mountpoint opts [tags] - fstype src
# superopts"; the last one listed is the one on top.
mi_line() {
  printf '%s\n' "$MI" | awk -v mp="$1" '$5 == mp { s = $5; for (i = 6; i <= NF; i++) s = s " " $i; l = s } END { print l }'
}

mi_root() {
  printf '%s\n' "$MI" | awk -v mp="$1" '$5 == mp { r = $4 } END { print r }'
}

nothing_left() {
  [ -z "$(ls -A "$TR_ROOT")" ]
  ! grep -q "$TEST_TMP" /proc/self/mountinfo || false
  ! ls -d /sys/fs/cgroup/*/tinyrun/"$ID" /sys/fs/cgroup/tinyrun/"$ID" 2>/dev/null | grep -q . || false
}

@test "docker's mounts: proc, /dev tmpfs, devpts, shm, mqueue, sysfs ro, cgroup ro" {
  mnt_config
  mnt_create
  [ "$status" -eq 0 ]
  [[ "$(mi_line /proc)" == *" - proc "* ]]
  [[ "$(mi_line /dev)" == "/dev rw,nosuid"*" - tmpfs "*"size=65536k"*"mode=755"* ]]
  [[ "$(mi_line /dev/pts)" == *" - devpts "*"ptmxmode=666"* ]]
  [[ "$(mi_line /dev/shm)" == "/dev/shm rw,nosuid,nodev,noexec"*" - tmpfs shm "* ]]
  [[ "$(mi_line /dev/mqueue)" == *" - mqueue "* ]]
  [[ "$(mi_line /sys)" == "/sys ro,"*" - sysfs "* ]]
  [[ "$(mi_line /sys/fs/cgroup)" == "/sys/fs/cgroup ro,"* ]]
  # pivot_root done and the old root detached: nothing of the host's tree is left
  ! printf '%s\n' "$MI" | awk '{print $5}' | grep -q "^$TEST_TMP" || false
  [ "$(printf '%s\n' "$MI" | awk '$5 == "/" {print $4}')" = "$R" ]
}

@test "/dev holds only the standard nodes, with their numbers and modes" {
  mnt_config
  mnt_create
  [ "$status" -eq 0 ]
  want="fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero"
  [ -e /proc/kcore ] && want="core $want"
  [ "$(ls -A "$CR/dev" | sort | tr '\n' ' ')" = "$want " ]
  run stat -c "%n %F %t:%T %a %u" "$CR/dev/null" "$CR/dev/zero" "$CR/dev/full" \
    "$CR/dev/random" "$CR/dev/urandom" "$CR/dev/tty"
  [[ "${lines[0]}" == *"/dev/null character special file 1:3 666 0" ]]
  [[ "${lines[1]}" == *"/dev/zero character special file 1:5 666 0" ]]
  [[ "${lines[2]}" == *"/dev/full character special file 1:7 666 0" ]]
  [[ "${lines[3]}" == *"/dev/random character special file 1:8 666 0" ]]
  [[ "${lines[4]}" == *"/dev/urandom character special file 1:9 666 0" ]]
  [[ "${lines[5]}" == *"/dev/tty character special file 5:0 666 0" ]]
  [ "$(readlink "$CR/dev/ptmx")" = pts/ptmx ]
  [ "$(readlink "$CR/dev/fd")" = /proc/self/fd ]
  [ "$(readlink "$CR/dev/stdin")" = /proc/self/fd/0 ]
  [ "$(readlink "$CR/dev/stderr")" = /proc/self/fd/2 ]
  [ -z "$(ls -A "$R/dev")" ] # all of it on the container's tmpfs, not in the image
}

@test "linux.devices: mknod with type, numbers, fileMode, uid and gid" {
  mnt_config '.linux.devices = [
       {path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 384, uid: 1000, gid: 1001},
       {path: "/dev/loop-test", type: "b", major: 7, minor: 200, fileMode: 432},
       {path: "/dev/sub/fifo", type: "p", fileMode: 420},
       {path: "/dev/null", type: "c", major: 1, minor: 3, fileMode: 432}]'
  mnt_create
  [ "$status" -eq 0 ]
  run stat -c "%F %t:%T %a %u:%g" "$CR/dev/fuse" "$CR/dev/loop-test" "$CR/dev/sub/fifo" "$CR/dev/null"
  [ "${lines[0]}" = "character special file a:e5 600 1000:1001" ]
  [ "${lines[1]}" = "block special file 7:c8 660 0:0" ]
  [ "${lines[2]}" = "fifo 0:0 644 0:0" ]
  [ "${lines[3]}" = "character special file 1:3 660 0:0" ] # the spec's entry replaces ours
}

@test "bind mounts: relative source, file target, ro, nosuid/nodev/noexec by remount" {
  mkdir -p "$B/data" && echo hostdata >"$B/data/f" && echo hostfile >"$B/file"
  mnt_config '.mounts += [
       {destination: "/data", type: "bind", source: "data", options: ["bind", "ro", "nosuid", "nodev", "noexec"]},
       {destination: "/etc/cfg.txt", type: "bind", source: "file", options: ["rbind"]},
       {destination: "/rw", type: "bind", source: "data", options: ["rbind", "rw"]}]'
  mnt_create
  [ "$status" -eq 0 ]
  [ "$(cat "$CR/data/f")" = hostdata ]
  [ "$(cat "$CR/etc/cfg.txt")" = hostfile ]
  [[ "$(mi_line /data)" == "/data ro,nosuid,nodev,noexec"* ]]
  [[ "$(mi_line /rw)" == "/rw rw"* ]]
  ! touch "$CR/data/x" 2>/dev/null || false
  touch "$CR/rw/y"
  [ -e "$B/data/y" ]
  [ -f "$R/etc/cfg.txt" ] # the file target was created inside the rootfs
}

@test "rro makes the submounts of an rbind read-only too; ro alone only the top" {
  mkdir -p "$B/tree/sub"
  mount -t tmpfs -o size=1m td-sub "$B/tree/sub"
  mnt_config '.mounts += [
       {destination: "/rro", type: "bind", source: "tree", options: ["rbind", "rro"]},
       {destination: "/ro", type: "bind", source: "tree", options: ["rbind", "ro"]}]'
  mnt_create
  umount "$B/tree/sub"
  [ "$status" -eq 0 ]
  [[ "$(mi_line /rro)" == "/rro ro"* ]]
  [[ "$(mi_line /rro/sub)" == "/rro/sub ro"* ]]
  [[ "$(mi_line /ro)" == "/ro ro"* ]]
  [[ "$(mi_line /ro/sub)" == "/ro/sub rw"* ]]
}

@test "tmpfs with size, mode and noexec; tmpcopyup; any filesystem type by name" {
  mkdir -p "$R/opt/app" && echo image >"$R/opt/app/f"
  mnt_config '.mounts += [
       {destination: "/scratch", type: "tmpfs", source: "tmpfs", options: ["noexec", "size=1m", "mode=750"]},
       {destination: "/opt", type: "tmpfs", source: "tmpfs", options: ["tmpcopyup", "ro"]},
       {destination: "/r", type: "ramfs", source: "ramfs", options: ["nodev"]}]'
  mnt_create
  [ "$status" -eq 0 ]
  [[ "$(mi_line /scratch)" == *noexec*" - tmpfs "*"size=1024k"*"mode=750"* ]]
  [[ "$(mi_line /r)" == *nodev*" - ramfs "* ]]
  [ "$(stat -c %a "$CR/scratch")" = 750 ]
  [[ "$(mi_line /opt)" == "/opt ro"*" - tmpfs "* ]]
  [ "$(cat "$CR/opt/app/f")" = image ]
}

@test "mount propagation options and linux.rootfsPropagation" {
  mkdir -p "$B/data"
  mnt_config '.mounts += [
       {destination: "/shared", type: "bind", source: "data", options: ["rbind", "rshared"]},
       {destination: "/private", type: "bind", source: "data", options: ["rbind", "rprivate"]}]
     | .linux.rootfsPropagation = "shared"'
  mnt_create
  [ "$status" -eq 0 ]
  [[ "$(mi_line /shared)" == *" shared:"* ]]
  [[ "$(mi_line /private)" != *" shared:"* ]]
  [[ "$(mi_line /private)" != *" master:"* ]]
  [[ "$(mi_line /)" == *" shared:"* ]]
  mnt_delete

  mnt_config '.linux.rootfsPropagation = "rprivate"'
  mnt_create
  [ "$status" -eq 0 ]
  [[ "$(mi_line /)" != *" shared:"* ]]
  [[ "$(mi_line /)" != *" master:"* ]]
  mnt_delete

  # runc fails here (an unbindable parent cannot be bound onto itself); we make it private
  mnt_config '.linux.rootfsPropagation = "runbindable"'
  mnt_create
  [ "$status" -eq 0 ]
  [[ "$(mi_line /)" == *" unbindable "* ]]
}

@test "default propagation is rslave: a host mount below a bind source reaches the container" {
  mkdir -p "$B/data/late"
  mnt_config '.mounts += [{destination: "/data", type: "bind", source: "data", options: ["rbind"]}]'
  mount --bind "$B/data" "$B/data" && mount --make-shared "$B/data"
  mnt_create
  [ "$status" -eq 0 ]
  [[ "$(mi_line /data)" == *" master:"* ]]
  mount -t tmpfs -o size=1m td-late "$B/data/late"
  grep -q " /data/late " "/proc/$PID/mountinfo"
  umount "$B/data/late"
  umount "$B/data"
}

@test "maskedPaths and readonlyPaths (docker's lists), missing ones skipped" {
  mnt_config '.linux.maskedPaths = ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
       "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
       "/proc/scsi", "/sys/firmware", "/nonexistent/x"]
     | .linux.readonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
       "/proc/sysrq-trigger", "/nonexistent/y"]'
  mnt_create
  [ "$status" -eq 0 ]
  [ "$(wc -c <"$CR/proc/keys")" = 0 ]
  [ "$(ls -A "$CR/sys/firmware" | wc -l)" = 0 ]
  [[ "$(mi_line /sys/firmware)" == "/sys/firmware ro"*" - tmpfs "* ]]
  [[ "$(mi_line /proc/keys)" == *" - tmpfs "* ]] # the container's /dev/null, on its /dev
  [ "$(mi_root /proc/keys)" = /null ]
  [[ "$(mi_line /proc/sys)" == "/proc/sys ro"*" - proc "* ]]
  if [ -e /proc/sysrq-trigger ]; then
    [[ "$(mi_line /proc/sysrq-trigger)" == "/proc/sysrq-trigger ro"* ]]
  fi
  ! grep -q nonexistent "/proc/$PID/mountinfo" || false
}

@test "root.readonly: / is read-only, /dev and /dev/shm stay writable" {
  mnt_config '.root.readonly = true'
  mnt_create
  [ "$status" -eq 0 ]
  [[ "$(mi_line /)" == "/ ro"* ]]
  ! touch "$CR/x" 2>/dev/null || false
  touch "$CR/dev/shm/y"
  [ ! -e "$R/x" ]
}

@test "sysctl: written in the container's namespaces, even under a read-only /proc/sys" {
  mnt_config '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmni": "1234",
       "net.ipv4.ping_group_range": "0 0"}
     | .linux.readonlyPaths = ["/proc/sys"]'
  local before
  before=$(cat /proc/sys/kernel/shmmni)
  mnt_create
  [ "$status" -eq 0 ]
  [ "$(nsenter -t "$PID" -n cat /proc/sys/net/ipv4/ip_forward)" = 1 ]
  [ "$(nsenter -t "$PID" -i cat /proc/sys/kernel/shmmni)" = 1234 ]
  [ "$(nsenter -t "$PID" -n cat /proc/sys/net/ipv4/ping_group_range | tr -s '\t ' ' ')" = "0 0" ]
  [ "$(cat /proc/sys/kernel/shmmni)" = "$before" ] # the host keeps its own
}

@test "sysctl: a key with .. or / is refused, nothing left behind" {
  mnt_config '.linux.sysctl = {"net.ipv4/../../kernel.hostname": "x"}'
  mnt_create
  [ "$status" -ne 0 ]
  [[ "$output" == *"invalid key"* ]]
  [ "${#lines[@]}" -eq 1 ]
  nothing_left
}

@test "symlink escape: /etc/evil -> /, a host path, a ../ chain all resolve inside the rootfs" {
  mkdir -p "$B/data" "$TEST_TMP/victim" && echo hostdata >"$B/data/f"
  echo untouched >"$TEST_TMP/victim/file"
  ln -s / "$R/etc/evil"
  ln -s "$TEST_TMP/victim" "$R/hostpath"
  ln -s ../../../../../../../../.. "$R/up"
  mnt_config '.mounts += [
       {destination: "/etc/evil/x", type: "bind", source: "data", options: ["rbind"]},
       {destination: "/hostpath/file", type: "bind", source: "data/f", options: ["bind"]},
       {destination: "/up/deep", type: "bind", source: "data", options: ["rbind"]},
       {destination: "/hostpath/../inside", type: "bind", source: "data", options: ["rbind"]}]'
  mnt_create
  [ "$status" -eq 0 ]
  [ "$(cat "$CR/x/f")" = hostdata ]
  [ "$(cat "$CR/deep/f")" = hostdata ]
  [ "$(cat "$CR/inside/f")" = hostdata ]
  [ "$(cat "$CR$TEST_TMP/victim/file")" = hostdata ]
  [ -d "$R/x" ] && [ -d "$R/deep" ] && [ -d "$R/inside" ] || false
  [ -f "$R$TEST_TMP/victim/file" ]                 # the target was made inside the rootfs...
  [ "$(cat "$TEST_TMP/victim/file")" = untouched ] # ...and the host victim is untouched
  [ ! -e /x ] && [ ! -e /deep ] && [ ! -e /inside ] || false
  ! grep -q " $TEST_TMP/victim" /proc/self/mountinfo || false
}

@test "forced openat2 fallback: the same escapes stay inside" {
  mkdir -p "$B/data" "$TEST_TMP/victim" && echo hostdata >"$B/data/f"
  echo untouched >"$TEST_TMP/victim/file"
  ln -s / "$R/etc/evil"
  ln -s "$TEST_TMP/victim" "$R/hostpath"
  mnt_config '.mounts += [
       {destination: "/etc/evil/x", type: "bind", source: "data", options: ["rbind"]},
       {destination: "/hostpath/file", type: "bind", source: "data/f", options: ["bind"]}]'
  TD_FORCE_NO_OPENAT2=1 mnt_create
  [ "$status" -eq 0 ]
  [ "$(cat "$CR/x/f")" = hostdata ]
  [ -d "$R/x" ] && [ ! -e /x ] || false
  [ "$(cat "$TEST_TMP/victim/file")" = untouched ]
}

@test "a mount inside /proc, directly or through a symlink, is refused" {
  ln -s /proc/sys "$R/toproc"
  mnt_config '.mounts += [{destination: "/toproc/kernel", type: "tmpfs", source: "tmpfs"}]'
  mnt_create
  [ "$status" -ne 0 ]
  [[ "$output" == *"inside /proc"* ]]
  nothing_left
  mnt_config '.mounts += [{destination: "/proc/sys", type: "tmpfs", source: "tmpfs"}]'
  mnt_create
  [ "$status" -ne 0 ]
  [[ "$output" == *"inside /proc"* ]]
  nothing_left
}

@test "a missing bind source, a relative masked path: clear errors, nothing left" {
  mnt_config '.mounts += [{destination: "/d", type: "bind", source: "/nonexistent-src", options: ["bind"]}]'
  mnt_create
  [ "$status" -ne 0 ]
  [[ "$output" == *"/nonexistent-src"* ]]
  [ ! -e "$R/d" ]
  nothing_left
  mnt_config '.linux.maskedPaths = ["relative"]'
  mnt_create
  [ "$status" -ne 0 ]
  [[ "$output" == *"not an absolute path"* ]]
  nothing_left
}

@test "cgroup mount shows the container's own cgroups, read-only" {
  mnt_config
  mnt_create
  [ "$status" -eq 0 ]
  ! touch "$CR/sys/fs/cgroup/x" 2>/dev/null || false
  if [ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ]; then
    [[ "$(mi_line /sys/fs/cgroup/memory)" == "/sys/fs/cgroup/memory ro,"*" - cgroup "*memory* ]]
    [ "$(mi_root /sys/fs/cgroup/memory)" != / ] # our cgroup, not the hierarchy's root
    [ -e "$CR/sys/fs/cgroup/memory/memory.limit_in_bytes" ]
  else
    [[ "$(mi_line /sys/fs/cgroup)" == *" - cgroup2 "* ]]
    [ "$(mi_root /sys/fs/cgroup)" != / ]
  fi
}

@test "cgroup namespace: the hierarchies are mounted afresh, rooted at the namespace" {
  mnt_config '.linux.namespaces += [{type: "cgroup"}]'
  mnt_create
  [ "$status" -eq 0 ]
  if [ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ]; then
    [[ "$(mi_line /sys/fs/cgroup/memory)" == "/sys/fs/cgroup/memory ro,"*" - cgroup "* ]]
  else
    [[ "$(mi_line /sys/fs/cgroup)" == *" - cgroup2 "* ]]
  fi
}

@test "--no-pivot: MS_MOVE + chroot gives the same tree" {
  mnt_config
  mnt_create --no-pivot
  [ "$status" -eq 0 ]
  [[ "$(mi_line /proc)" == *" - proc "* ]]
  [ -x "/proc/$PID/root/bin/busybox" ]
}

@test "tinyrun run: the container itself sees its tree" {
  mnt_config '.process.args = ["/bin/sh", "-c", "cat /proc/self/mountinfo; ls -A /dev | tr \"\\n\" \" \""] | .root.readonly = true'
  run timeout -s KILL 30 "$TINYRUN" --root "$TR_ROOT" run --bundle "$B" "$ID"
  [ "$status" -eq 0 ]
  MI=$output
  [[ "$(mi_line /)" == "/ ro"* ]]
  [[ "$(mi_line /proc)" == *" - proc "* ]]
  [[ "$output" == *"null ptmx pts random shm"* ]]
}

@test "root.path \".\": the bundle is the rootfs (runtime-tools' layout), with each rootfsPropagation" {
  local p
  for p in shared rshared rslave private; do
    mnt_config ".root.path = \".\" | .linux.rootfsPropagation = \"$p\""
    mv "$B/config.json" "$R/config.json"
    B=$R mnt_create
    [ "$status" -eq 0 ]
    # the init is alive in `created`, its pid in state, and / is the bundle dir itself
    [ "$PID" -gt 0 ]
    [ -d "/proc/$PID" ]
    [ "$(stat -c %d:%i "$CR/")" = "$(stat -c %d:%i "$R")" ]
    [ -e "$CR/config.json" ]
    # (a slave of this VM's private / has no master: only shared vs not is host-independent)
    case $p in
    *shared) [[ "$(mi_line /)" == *" shared:"* ]] ;;
    *) [[ "$(mi_line /)" != *" shared:"* ]] ;;
    esac
    mnt_delete
    rm "$R/config.json"
  done
  nothing_left
}
