#!/usr/bin/env bats
# The container's filesystem through `tinyrun run`: every mount type and option, propagation,
# /dev contents, masked and read-only paths, root.readonly, sysctl, and hostile rootfs trees
# whose symlinks try to send a mount target out of the rootfs. What the container sees is
# read from the kernel (/proc/self/mountinfo, stat) inside it; the host side from the host.
load ../helpers/common

setup() {
  if "$TINYRUN" run --bundle /nonexistent x 2>&1 | grep -q "not implemented"; then
    skip "tinyrun run is not implemented yet"
  fi
  td_setup_roots
  B=$TEST_TMP/bundle
  R=$B/rootfs
  td_make_busybox_rootfs "$R"
  ID=mnt-$$-$BATS_TEST_NUMBER
}

teardown() {
  [ -n "${TEST_TMP:-}" ] || return 0
  "$TINYRUN" --root "$TR_ROOT" delete --force "$ID" >/dev/null 2>&1 || true
  td_teardown_roots
}

# Write $B/config.json running `sh -c "$1"` with docker's usual mounts, then the jq filter $2.
mnt_config() {
  jq -n --arg cmd "$1" '{
    ociVersion: "1.2.0",
    process: {terminal: false, user: {uid: 0, gid: 0}, args: ["/bin/sh", "-c", $cmd],
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
  }' | jq "${2:-.}" >"$B/config.json"
}

mnt_run() {
  run "$TINYRUN" --root "$TR_ROOT" run --bundle "$B" "$ID"
}

# The mountinfo line of a mount point inside the container, from $output of a run that cat'ed
# /proc/self/mountinfo: "mountpoint opts - fstype source superopts".
mi_line() {
  printf '%s\n' "$output" | awk -v mp="$1" '$5 == mp { s = $5 " " $6; for (i = 7; i <= NF; i++) s = s " " $i; l = s } END { print l }'
}

mi_root() {
  printf '%s\n' "$output" | awk -v mp="$1" '$5 == mp { r = $4 } END { print r }'
}

nothing_left() {
  [ -z "$(ls -A "$TR_ROOT")" ]
  ! grep -q "$TEST_TMP" /proc/self/mountinfo
  ! ls -d /sys/fs/cgroup/*/tinyrun/"$ID" /sys/fs/cgroup/tinyrun/"$ID" 2>/dev/null | grep -q .
}

@test "docker's mounts: proc, /dev tmpfs, devpts, shm, mqueue, sysfs ro, cgroup ro" {
  mnt_config 'cat /proc/self/mountinfo'
  mnt_run
  [ "$status" -eq 0 ]
  [[ "$(mi_line /proc)" == *" - proc "* ]]
  [[ "$(mi_line /dev)" == *nosuid*" - tmpfs "*"mode=755"* ]]
  [[ "$(mi_line /dev)" == *"size=65536k"* ]]
  [[ "$(mi_line /dev/pts)" == *" - devpts "*"ptmxmode=666"* ]]
  [[ "$(mi_line /dev/shm)" == *"nosuid,nodev,noexec"*" - tmpfs "*"mode=1777"* ]]
  [[ "$(mi_line /dev/mqueue)" == *" - mqueue "* ]]
  [[ "$(mi_line /sys)" == "/sys ro,"*" - sysfs "* ]]
  [[ "$(mi_line /sys/fs/cgroup)" == "/sys/fs/cgroup ro,"* ]]
  # the old root is gone: only the container's own tree
  ! printf '%s\n' "$output" | awk '{print $5}' | grep -q "^$TEST_TMP"
}

@test "/dev holds only the standard nodes, with their numbers and modes" {
  mnt_config 'ls -A /dev | sort | tr "\n" " "; echo; stat -c "%n %F %t:%T %a" /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty; readlink /dev/ptmx /dev/fd /dev/stdin /dev/stdout /dev/stderr'
  mnt_run
  [ "$status" -eq 0 ]
  want="core fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero "
  [ -e /proc/kcore ] || want=${want#core }
  [ "${lines[0]}" = "$want" ]
  [[ "$output" == *"/dev/null character special file 1:3 666"* ]]
  [[ "$output" == *"/dev/zero character special file 1:5 666"* ]]
  [[ "$output" == *"/dev/full character special file 1:7 666"* ]]
  [[ "$output" == *"/dev/random character special file 1:8 666"* ]]
  [[ "$output" == *"/dev/urandom character special file 1:9 666"* ]]
  [[ "$output" == *"/dev/tty character special file 5:0 666"* ]]
  [[ "$output" == *"pts/ptmx"* ]]
  [[ "$output" == *"/proc/self/fd/2"* ]]
}

@test "linux.devices: mknod with type, numbers, fileMode, uid and gid" {
  mnt_config 'stat -c "%n %F %t:%T %a %u:%g" /dev/fuse /dev/loop-test /dev/sub/fifo' \
    '.linux.devices = [
       {path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 384, uid: 1000, gid: 1001},
       {path: "/dev/loop-test", type: "b", major: 7, minor: 200, fileMode: 432},
       {path: "/dev/sub/fifo", type: "p", fileMode: 420}]'
  mnt_run
  [ "$status" -eq 0 ]
  [[ "$output" == *"/dev/fuse character special file a:e5 600 1000:1001"* ]]
  [[ "$output" == *"/dev/loop-test block special file 7:c8 660 0:0"* ]]
  [[ "$output" == *"/dev/sub/fifo fifo 0:0 644 0:0"* ]]
}

@test "bind mounts: relative source, file target, ro, nosuid/nodev/noexec by remount" {
  mkdir -p "$B/data" && echo hostdata >"$B/data/f" && echo hostfile >"$B/file"
  mnt_config 'cat /data/f /etc/cfg.txt; cat /proc/self/mountinfo; touch /data/x 2>&1; echo t=$?; touch /rw/y; echo w=$?' \
    '.mounts += [
       {destination: "/data", type: "bind", source: "data", options: ["bind", "ro", "nosuid", "nodev", "noexec"]},
       {destination: "/etc/cfg.txt", type: "bind", source: "file", options: ["rbind"]},
       {destination: "/rw", type: "bind", source: "data", options: ["rbind", "rw"]}]'
  mnt_run
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = hostdata ]
  [ "${lines[1]}" = hostfile ]
  [[ "$(mi_line /data)" == "/data ro,nosuid,nodev,noexec"* ]]
  [[ "$(mi_line /rw)" == "/rw rw"* ]]
  [[ "$output" == *"t=1"* ]]
  [[ "$output" == *"w=0"* ]]
  [ -e "$B/data/y" ]
  [ -f "$R/etc/cfg.txt" ] # the file target was created inside the rootfs
}

@test "rro makes the submounts of an rbind read-only too; ro alone only the top" {
  mkdir -p "$B/tree/sub"
  mount -t tmpfs -o size=1m td-sub "$B/tree/sub"
  mnt_config 'cat /proc/self/mountinfo' \
    '.mounts += [
       {destination: "/rro", type: "bind", source: "tree", options: ["rbind", "rro"]},
       {destination: "/ro", type: "bind", source: "tree", options: ["rbind", "ro"]}]'
  mnt_run
  umount "$B/tree/sub"
  [ "$status" -eq 0 ]
  [[ "$(mi_line /rro)" == "/rro ro"* ]]
  [[ "$(mi_line /rro/sub)" == "/rro/sub ro"* ]]
  [[ "$(mi_line /ro)" == "/ro ro"* ]]
  [[ "$(mi_line /ro/sub)" == "/ro/sub rw"* ]]
}

@test "tmpfs with size, mode and noexec; any filesystem type by name" {
  mnt_config 'cat /proc/self/mountinfo; stat -c "%a" /scratch' \
    '.mounts += [
       {destination: "/scratch", type: "tmpfs", source: "tmpfs", options: ["noexec", "size=1m", "mode=1777"]},
       {destination: "/r", type: "ramfs", source: "ramfs", options: ["nodev"]}]'
  mnt_run
  [ "$status" -eq 0 ]
  [[ "$(mi_line /scratch)" == *noexec*" - tmpfs "*"size=1024k"*"mode=1777"* ]]
  [[ "$(mi_line /r)" == *nodev*" - ramfs "* ]]
  [ "${lines[-1]}" = 1777 ]
}

@test "mount propagation options and linux.rootfsPropagation" {
  mkdir -p "$B/data"
  mnt_config 'cat /proc/self/mountinfo' \
    '.mounts += [
       {destination: "/shared", type: "bind", source: "data", options: ["rbind", "rshared"]},
       {destination: "/private", type: "bind", source: "data", options: ["rbind", "rprivate"]}]
     | .linux.rootfsPropagation = "shared"'
  mnt_run
  [ "$status" -eq 0 ]
  [[ "$(mi_line /shared)" == *" shared:"* ]]
  [[ "$(mi_line /private)" != *" shared:"* ]]
  [[ "$(mi_line /private)" != *" master:"* ]]
  [[ "$(mi_line /)" == *" shared:"* ]]

  mnt_config 'cat /proc/self/mountinfo' '.linux.rootfsPropagation = "rprivate"'
  mnt_run
  [ "$status" -eq 0 ]
  [[ "$(mi_line /)" != *" shared:"* ]]
  [[ "$(mi_line /)" != *" master:"* ]]
}

@test "maskedPaths and readonlyPaths (docker's lists), missing ones skipped" {
  mnt_config 'wc -c </proc/kcore; ls -A /sys/firmware | wc -l; cat /proc/self/mountinfo; echo 1 >/proc/sys/kernel/domainname; echo d=$?; echo x >/proc/sysrq-trigger; echo s=$?' \
    '.linux.maskedPaths = ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
       "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
       "/proc/scsi", "/sys/firmware", "/nonexistent/x"]
     | .linux.readonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
       "/proc/sysrq-trigger", "/nonexistent/y"]'
  mnt_run
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 0 ]
  [ "${lines[1]}" = 0 ]
  [[ "$(mi_line /sys/firmware)" == "/sys/firmware ro"*" - tmpfs "* ]]
  [[ "$(mi_line /proc/kcore)" == *" - tmpfs "* || "$(mi_line /proc/kcore)" == *" - devtmpfs "* ]]
  [[ "$(mi_line /proc/sys)" == "/proc/sys ro,nosuid,nodev,noexec"*" - proc "* ]]
  [[ "$(mi_line /proc/sysrq-trigger)" == "/proc/sysrq-trigger ro"* ]]
  [[ "$output" == *"d=1"* ]]
  [[ "$output" == *"s=1"* ]]
}

@test "root.readonly: / is read-only, /dev and /dev/shm stay writable" {
  mnt_config 'touch /x; echo r=$?; touch /dev/shm/y; echo s=$?; cat /proc/self/mountinfo' \
    '.root.readonly = true'
  mnt_run
  [ "$status" -eq 0 ]
  [[ "$output" == *"r=1"* ]]
  [[ "$output" == *"s=0"* ]]
  [[ "$(mi_line /)" == "/ ro"* ]]
  [ ! -e "$R/x" ]
}

@test "sysctl: written in the container's namespaces, even under a read-only /proc/sys" {
  mnt_config 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni' \
    '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmni": "1234"}
     | .linux.readonlyPaths = ["/proc/sys"]'
  local before
  before=$(cat /proc/sys/kernel/shmmni)
  mnt_run
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 1 ]
  [ "${lines[1]}" = 1234 ]
  [ "$(cat /proc/sys/kernel/shmmni)" = "$before" ] # ipc namespace: the host keeps its own
}

@test "sysctl: a key with .. or / is refused, nothing left behind" {
  mnt_config 'true' '.linux.sysctl = {"net.ipv4/../../kernel.hostname": "x"}'
  mnt_run
  [ "$status" -ne 0 ]
  [[ "$output" == *"invalid key"* ]]
  [ "${#lines[@]}" -le 2 ]
  nothing_left
}

@test "symlink escape: /etc/evil -> / and -> a host path resolve inside the rootfs" {
  mkdir -p "$B/data" "$TEST_TMP/victim" && echo hostdata >"$B/data/f"
  echo untouched >"$TEST_TMP/victim/file"
  ln -s / "$R/etc/evil"
  ln -s "$TEST_TMP/victim" "$R/hostpath"
  ln -s ../../../../../../../../.. "$R/up"
  mnt_config 'cat /x/f /inside/f /deep/f' \
    '.mounts += [
       {destination: "/etc/evil/x", type: "bind", source: "data", options: ["rbind"]},
       {destination: "/hostpath/file", type: "bind", source: "data/f", options: ["bind"]},
       {destination: "/up/deep", type: "bind", source: "data", options: ["rbind"]},
       {destination: "/hostpath/../inside", type: "bind", source: "data", options: ["rbind"]}]'
  mnt_run
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = hostdata ]
  [ -d "$R/x" ] && [ -d "$R/deep" ] && [ -d "$R/inside" ]
  [ -f "$R$TEST_TMP/victim/file" ] # the target was made inside the rootfs...
  [ "$(cat "$TEST_TMP/victim/file")" = untouched ] # ...and the host victim is untouched
  [ ! -e /x ] && [ ! -e /deep ]
  ! grep -q "$TEST_TMP/victim" /proc/self/mountinfo
}

@test "a mount inside /proc, directly or through a symlink, is refused" {
  ln -s /proc/sys "$R/toproc"
  mnt_config 'true' '.mounts += [{destination: "/toproc/kernel", type: "tmpfs", source: "tmpfs"}]'
  mnt_run
  [ "$status" -ne 0 ]
  [[ "$output" == *"inside /proc"* ]]
  nothing_left
  mnt_config 'true' '.mounts += [{destination: "/proc/sys", type: "tmpfs", source: "tmpfs"}]'
  mnt_run
  [ "$status" -ne 0 ]
  [[ "$output" == *"inside /proc"* ]]
  nothing_left
}

@test "a missing bind source is a clear error and leaves nothing" {
  mnt_config 'true' '.mounts += [{destination: "/d", type: "bind", source: "/nonexistent-src", options: ["bind"]}]'
  mnt_run
  [ "$status" -ne 0 ]
  [[ "$output" == *"/nonexistent-src"* ]]
  [ ! -e "$R/d" ]
  nothing_left
}

@test "cgroup mount shows the container's own cgroups, read-only" {
  mnt_config 'cat /proc/self/mountinfo; ls /sys/fs/cgroup; touch /sys/fs/cgroup/x; echo t=$?'
  mnt_run
  [ "$status" -eq 0 ]
  [[ "$output" == *"t=1"* ]]
  if [ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ]; then
    [[ "$(mi_line /sys/fs/cgroup/memory)" == "/sys/fs/cgroup/memory ro,"*" - cgroup "*memory* ]]
    [ "$(mi_root /sys/fs/cgroup/memory)" != / ] # our cgroup, not the hierarchy's root
  fi
}

@test "--no-pivot: MS_MOVE + chroot gives the same tree" {
  mnt_config 'cat /proc/self/mountinfo; ls /'
  run "$TINYRUN" --root "$TR_ROOT" run --no-pivot --bundle "$B" "$ID"
  [ "$status" -eq 0 ]
  [[ "$(mi_line /proc)" == *" - proc "* ]]
  [[ "$output" == *busybox* || "$output" == *bin* ]]
}

@test "forced openat2 fallback: the escape stays inside" {
  mkdir -p "$B/data" && echo hostdata >"$B/data/f"
  ln -s / "$R/etc/evil"
  mnt_config 'cat /x/f' '.mounts += [{destination: "/etc/evil/x", type: "bind", source: "data", options: ["rbind"]}]'
  TD_FORCE_NO_OPENAT2=1 mnt_run
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = hostdata ]
  [ -d "$R/x" ] && [ ! -e /x ]
}
