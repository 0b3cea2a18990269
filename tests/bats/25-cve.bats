#!/usr/bin/env bats
# The CVE regression suite: one named test per published escape of runc, moby (docker) and
# containerd that applies to a runtime and engine like ours, each written from the public
# advisory: the attack as the advisory describes it, run against tinyrun and tinydocker where
# both apply, and the result read from the host (the kernel's view: /proc/PID/status,
# /proc/PID/mountinfo, /proc/PID/cwd, the host file's content). Races run in a bounded loop.
# Where a CVE cannot apply to our design, its test asserts the property that makes it so.
# docs/security.md lists each CVE with what it was and why it applies or not.
bats_require_minimum_version 1.5.0
load ../helpers/engine
load ../helpers/probe

DOCKER_CAPS='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"]'

setup_file() {
  td_engine_setup_file
  td_build_probe
}

setup() {
  td_engine_setup
  td_build_probe
  # each test: its own bundle and tinyrun ids
  T_DIR=$TEST_TMP/t$BATS_TEST_NUMBER
  B=$T_DIR/bundle
  mkdir -p "$T_DIR"
  td_make_busybox_rootfs "$B/rootfs"
  td_install_probe "$B/rootfs"
  ID=cve-$$-$BATS_TEST_NUMBER
  BG=()
}

teardown() {
  local p id
  for p in "${BG[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${BG[@]}"; do wait "$p" 2>/dev/null || true; done
  for id in $("$TINYRUN" --root "$TR_ROOT" list -q 2>/dev/null); do
    "$TINYRUN" --root "$TR_ROOT" delete --force "$id" >/dev/null 2>&1 || true
  done
  td_engine_teardown
  [ -z "${T_DIR:-}" ] || {
    findmnt -rn -o TARGET | grep "^$T_DIR" | sort -r | while read -r m; do umount -l "$m"; done
    rm -rf "$T_DIR"
  }
}

teardown_file() { td_engine_teardown_file; }

trn() { timeout 60 "$TINYRUN" --root "$TR_ROOT" "$@"; }

# $B/config.json: a small container (pid, mount, ipc, uts, net namespaces, docker's caps),
# then the jq filter $1
cve_config() {
  jq -n --argjson caps "$DOCKER_CAPS" '{
    ociVersion: "1.2.0",
    process: {terminal: false, user: {uid: 0, gid: 0}, args: ["sleep", "300"],
              env: ["PATH=/bin:/usr/bin"], cwd: "/", noNewPrivileges: true,
              capabilities: {bounding: $caps, effective: $caps, permitted: $caps}},
    root: {path: "rootfs"},
    hostname: "cve",
    mounts: [{destination: "/proc", type: "proc", source: "proc"}],
    linux: {namespaces: [{type: "pid"}, {type: "mount"}, {type: "ipc"}, {type: "uts"},
                         {type: "network"}]}
  }' | jq "${1:-.}" >"$B/config.json"
}

# tinyrun create, its status and output in $status/$output (not bats' run: the created init
# would hold run's pipe open)
trn_create() { # args...
  status=0
  trn create "$@" </dev/null >"$T_DIR/create.out" 2>&1 || status=$?
  output=$(cat "$T_DIR/create.out")
  echo "create: $status $output"
}

# create + start a tinyrun container from $B; its host pid in $PID
trn_up() { # id
  trn create --bundle "$B" "$1" </dev/null >/dev/null 2>&1
  trn start "$1"
  PID=$(trn state "$1" | jq -r .pid)
}

# the host pid of an engine container's init
ctr_pid() { td inspect -f '{{.State.Pid}}' "$1"; }

# a line of /proc/PID/status, from the host
status_of() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

# mount points (field 5) and types of /proc/PID/mountinfo
mounts_of() { awk '{for (i = 7; $i != "-"; i++); print $5, $(i + 1)}' "/proc/$1/mountinfo"; }

# ---------------------------------------------------------------------------------------------
# runc

@test "CVE-2016-9962: a process entering the container by exec shows the container no host cwd or fd" {
  # runc exec's init joined the container holding host fds, and was ptrace-able by the
  # container's root until it exec'd. Here an attacker in the container watches every process
  # that appears (cwd, root, each fd) while the host runs exec in a loop from a host directory.
  # An exec'd process shows up in the container's pid namespace only after its chdir and fd
  # closing, so this catches a wrong order; the non-dumpable flag behind it (without it this
  # test still passes) is checked on a clone held in its execve by 21-tinyrun-security.bats
  # "held in its execve (seccomp notify), the runtime's clone is not dumpable and holds no
  # host fd".
  cd "$T_DIR"
  prefixes=("$T_DIR" "$TEST_TMP" "$BUILD_DIR" /sys/fs/cgroup "$REPO")
  cve_config
  trn_up "$ID"
  trn exec "$ID" sh -c "/probe leakwatch 6 ${prefixes[*]} >/tmp/watch.out 2>&1" &
  BG+=($!)
  sleep 0.3
  for _ in $(seq 40); do trn exec "$ID" true; done
  cid=$(td run -d --network none -v "$PROBE:/probe:ro" busybox sleep 300)
  td exec "$cid" sh -c "/probe leakwatch 6 ${prefixes[*]} >/tmp/watch.out 2>&1" &
  BG+=($!)
  sleep 0.3
  for _ in $(seq 40); do td exec "$cid" true; done
  wait "${BG[@]}"
  run cat "$B/rootfs/tmp/watch.out"
  echo "tinyrun: $output"
  [[ "$output" == *"leakwatch done"* ]]
  [[ "$output" != *leak\ * ]]
  [ "$(echo "$output" | awk '/leakwatch done/ {print $3}')" -gt 40 ]
  run td exec "$cid" cat /tmp/watch.out
  echo "tinydocker: $output"
  [[ "$output" == *"leakwatch done"* ]]
  [[ "$output" != *leak\ * ]]
}

@test "CVE-2019-5736: the runtime binary cannot be overwritten through /proc/self/exe" {
  # The container's program is '#!/proc/self/exe': the host's exec runs the runtime itself
  # inside the container, where its root holds /proc/PID/exe by O_PATH, kills it and reopens
  # the binary for writing. Private copies of the binaries: nothing real is at stake, and no
  # other user can hide the result with ETXTBSY.
  mkdir -p "$T_DIR/bin"
  cp "$TINYRUN" "$T_DIR/bin/tinyrun"
  TR=$T_DIR/bin/tinyrun
  printf '#!/proc/self/exe\n' >"$B/rootfs/evil"
  chmod +x "$B/rootfs/evil"
  cve_config
  "$TR" --root "$TR_ROOT" create --bundle "$B" "$ID" </dev/null >/dev/null 2>&1
  "$TR" --root "$TR_ROOT" start "$ID"
  "$TR" --root "$TR_ROOT" exec "$ID" sh -c "/probe grabexe 8 $(stat -c %i "$TR") >/tmp/grab.out 2>&1" &
  BG+=($!)
  for _ in $(seq 100); do
    "$TR" --root "$TR_ROOT" exec "$ID" /evil >/dev/null 2>&1 || true
    grep -q caught "$B/rootfs/tmp/grab.out" 2>/dev/null && break
  done
  wait "${BG[@]}"
  run cat "$B/rootfs/tmp/grab.out"
  echo "$output"
  # the attack reached the runtime's process at least once, and got EROFS every time
  [[ "$output" == *"caught ino"* ]]
  [[ "$output" != *writable* ]]
  cmp "$TINYRUN" "$TR"
  # the engine: its own copy as the exec CLI; the container's '#!/proc/self/exe' meets the
  # read-only entry program (or the read-only engine)
  mkdir -p "$T_DIR/ebin"
  cp "$TINYDOCKER" "$T_DIR/ebin/tinydocker"
  for h in tinydocker-image engine/tinydocker-init engine/tinydocker-entry; do
    ln -s "$BUILD_DIR/$h" "$T_DIR/ebin/${h#engine/}"
  done
  E=$T_DIR/ebin/tinydocker
  cid=$("$E" run -d --network none -v "$PROBE:/probe:ro" -v "$B/rootfs/evil:/evil:ro" busybox sleep 300)
  inos="$(stat -c %i "$E") $(stat -L -c %i "$BUILD_DIR/engine/tinydocker-entry")"
  "$E" exec "$cid" sh -c "/probe grabexe 8 $inos >/tmp/grab.out 2>&1" &
  BG+=($!)
  for _ in $(seq 100); do
    "$E" exec "$cid" /evil >/dev/null 2>&1 || true
    "$E" exec "$cid" grep -q caught /tmp/grab.out 2>/dev/null && break
  done
  wait "${BG[@]}"
  run "$E" exec "$cid" cat /tmp/grab.out
  echo "$output"
  [[ "$output" == *"caught ino"* ]]
  [[ "$output" != *writable* ]]
  cmp "$TINYDOCKER" "$E"
  cmp "$BUILD_DIR/engine/tinydocker-entry" "$(readlink -f "$T_DIR/ebin/tinydocker-entry")"
}

@test "CVE-2019-16884: nothing but a procfs is mounted on /proc, so the runtime's procfs writes cannot go to a fake" {
  # The image (a VOLUME) put a plain directory over /proc; the runtime then wrote the LSM
  # label into the fake /proc/self/attr/exec and the container ran unconfined. Here the fake
  # /proc is a host directory holding the file a procfs write would go to.
  mkdir -p "$T_DIR/fakeproc/sys/kernel" "$T_DIR/fakeproc/self/attr"
  echo orig >"$T_DIR/fakeproc/sys/kernel/domainname"
  echo orig >"$T_DIR/fakeproc/self/attr/exec"
  cve_config '.mounts += [{destination: "/proc", type: "bind", source: "'"$T_DIR/fakeproc"'", options: ["rbind"]}]
    | .linux.sysctl = {"kernel.domainname": "pwned"} | .process.args = ["stat", "-f", "-c", "%T", "/proc"]'
  run trn run --bundle "$B" "$ID"
  echo "$output"
  # refused (runc: "cannot be mounted on /proc"), or /proc in the container is a procfs
  [ "$status" -ne 0 ] || [ "$output" = proc ]
  [[ "$output" == *"/proc"* ]]
  [ "$(cat "$T_DIR/fakeproc/sys/kernel/domainname")" = orig ]
  [ "$(cat "$T_DIR/fakeproc/self/attr/exec")" = orig ]
  # the engine: a volume on /proc
  run td run --rm --network none -v "$T_DIR/fakeproc:/proc" --sysctl kernel.domainname=pwned \
    busybox stat -f -c %T /proc
  echo "$output"
  [ "$status" -ne 0 ] || [ "$output" = proc ]
  [ "$(cat "$T_DIR/fakeproc/sys/kernel/domainname")" = orig ]
  [ "$(cat "$T_DIR/fakeproc/self/attr/exec")" = orig ]
}

@test "CVE-2019-19921: a volume whose mount target is raced into a symlink to /proc never covers /proc" {
  # Two containers share a volume; one swaps a directory in it for a symlink to /proc while the
  # runtime mounts the other's volume there, so the mount lands on /proc (the LSM write then
  # goes to a fake file). The attacker's loop runs on the shared directory (what a container
  # sharing it does), against 40 container starts.
  S=$T_DIR/shared
  mkdir -p "$S/x"
  ( while :; do rm -rf "$S/x" 2>/dev/null; ln -s /proc "$S/x" 2>/dev/null; rm -f "$S/x"; mkdir "$S/x" 2>/dev/null; done ) &
  BG+=($!)
  cve_config '.mounts += [{destination: "/shared", type: "bind", source: "'"$S"'", options: ["rbind"]},
                          {destination: "/shared/x", type: "tmpfs", source: "tmpfs", options: ["size=64k"]}]
    | .process.args = ["stat", "-f", "-c", "%T", "/proc"]'
  ok=0
  for i in $(seq 40); do
    run trn run --bundle "$B" "$ID-$i"
    trn delete --force "$ID-$i" >/dev/null 2>&1 || true
    if [ "$status" -eq 0 ]; then
      [ "$output" = proc ] || { echo "try $i: /proc is $output"; false; }
      ok=$((ok + 1))
    fi
  done
  echo "started: $ok of 40"
  # and the host's /proc is untouched
  [ "$(stat -f -c %T /proc)" = proc ]
}

@test "CVE-2021-30465: a mount target raced into a symlink is resolved inside the rootfs" {
  # The runtime checked a mount target inside the rootfs, then mount(2) followed the path
  # again: a symlink swapped in between sent the mount outside the container. Target here: a
  # directory of a shared volume swapped for a symlink to /tmp, an absolute path that exists
  # on the host and in the container. Resolved in the rootfs the tmpfs (size 128k, our
  # mark) is on the container's /shared/x or /tmp; followed on the host it is on no path the
  # container sees. 40 starts against the swapping loop.
  S=$T_DIR/shared
  mkdir -p "$S/x"
  before=$(grep -c 'size=128k' /proc/self/mountinfo || true)
  ( while :; do rm -rf "$S/x" 2>/dev/null; ln -s /tmp "$S/x" 2>/dev/null; rm -f "$S/x"; mkdir "$S/x" 2>/dev/null; done ) &
  BG+=($!)
  cve_config '.mounts += [{destination: "/shared", type: "bind", source: "'"$S"'", options: ["rbind"]},
                          {destination: "/shared/x", type: "tmpfs", source: "tmpfs", options: ["size=128k"]}]
    | .process.args = ["grep", "-c", "size=128k", "/proc/self/mountinfo"]'
  ok=0
  for i in $(seq 40); do
    run trn run --bundle "$B" "$ID-$i"
    trn delete --force "$ID-$i" >/dev/null 2>&1 || true
    if [ "$status" -eq 0 ]; then
      [ "$output" = 1 ] || { echo "try $i: the tmpfs is not in the container: $output"; false; }
      ok=$((ok + 1))
    fi
  done
  echo "started: $ok of 40"
  [ "$ok" -gt 0 ]
  # nothing landed in the host's mount namespace
  [ "$(grep -c 'size=128k' /proc/self/mountinfo || true)" = "$before" ]
}

@test "CVE-2022-29162: exec --cap gives no inheritable capabilities" {
  # runc exec --cap added the capability to the inheritable set too (so a program with
  # inheritable file capabilities gained it). The exec'd process, read from the host.
  cve_config
  trn_up "$ID"
  trn exec -d --pid-file "$T_DIR/exec.pid" --cap CAP_NET_ADMIN "$ID" sleep 300
  p=$(cat "$T_DIR/exec.pid")
  status_of "$p" CapInh
  [ "$(status_of "$p" CapInh)" = 0000000000000000 ]
  # the --cap did reach the process (CAP_NET_ADMIN is bit 12)
  [ $((0x$(status_of "$p" CapEff) & 0x1000)) -ne 0 ]
  [ "$(status_of "$PID" CapInh)" = 0000000000000000 ]
  # the engine's exec: --privileged asks for every capability
  cid=$(td run -d --network none -v "$PROBE:/probe:ro" busybox sleep 300)
  run td exec --privileged "$cid" /probe caps
  echo "$output"
  [[ "$output" == *"CapInh:	0000000000000000"* ]]
  [[ "$output" != *"CapEff:	0000000000000000"* ]]
}

@test "CVE-2023-27561: a mount target that is a symlink to /proc in the image does not cover /proc" {
  # The regression of CVE-2019-19921 (runc 1.1.4): a volume's target in the image is a
  # symlink to /proc, no race needed. tinyrun with the symlink in the rootfs, and the engine
  # with an image committed with it.
  ln -s /proc "$B/rootfs/evil"
  mkdir -p "$T_DIR/vol"
  echo orig >"$T_DIR/vol/marker"
  cve_config '.mounts += [{destination: "/evil", type: "bind", source: "'"$T_DIR/vol"'", options: ["rbind"]}]
    | .process.args = ["stat", "-f", "-c", "%T", "/proc"]'
  run trn run --bundle "$B" "$ID"
  echo "$output"
  [ "$status" -ne 0 ] || [ "$output" = proc ]
  cve_config '.mounts += [{destination: "/evil/sys", type: "tmpfs", source: "tmpfs"}]
    | .process.args = ["stat", "-f", "-c", "%T", "/proc/sys"]'
  run trn run --bundle "$B" "$ID-b"
  echo "$output"
  [ "$status" -ne 0 ] || [ "$output" = proc ]
  cid=$(td create --network none busybox true)
  td start -a "$cid" >/dev/null
  td rm "$cid" >/dev/null
  cid=$(td run -d --network none busybox sh -c 'ln -s /proc /evil; sleep 300')
  for _ in $(seq 50); do td exec "$cid" test -L /evil && break; sleep 0.1; done
  td commit "$cid" cve27561:1 >/dev/null
  td rm -f "$cid" >/dev/null
  run td run --rm --network none -v "$T_DIR/vol:/evil" cve27561:1 stat -f -c %T /proc
  echo "$output"
  [ "$status" -ne 0 ] || [ "$output" = proc ]
  run td run --rm --network none --tmpfs /evil cve27561:1 stat -f -c %T /proc
  echo "$output"
  [ "$status" -ne 0 ] || [ "$output" = proc ]
  [ "$(cat "$T_DIR/vol/marker")" = orig ]
}

@test "CVE-2023-28642: a /proc that is a symlink in the rootfs does not move the procfs elsewhere" {
  # The image's /proc is a symlink: runc mounted the procfs on its target and the LSM write
  # went through a path the image controls. From the host: the init's mount table has a procfs
  # exactly on /proc, nothing on the symlink's target (or the start was refused).
  rmdir "$B/rootfs/proc"
  mkdir -p "$B/rootfs/fakeproc"
  ln -s /fakeproc "$B/rootfs/proc"
  cve_config
  trn_create --bundle "$B" "$ID"
  echo "$output"
  if [ "$status" -eq 0 ]; then
    PID=$(trn state "$ID" | jq -r .pid)
    mounts_of "$PID"
    mounts_of "$PID" | grep -qx '/proc proc'
    ! mounts_of "$PID" | grep -q '^/fakeproc ' || false
  fi
  # the host side of the rootfs is unchanged
  [ -L "$B/rootfs/proc" ]
  [ -z "$(ls -A "$B/rootfs/fakeproc")" ]
}

@test "CVE-2024-21626: a working directory of /proc/self/fd/N never starts a process on the host" {
  # WORKDIR /proc/self/fd/N (or process.cwd, exec --cwd) made the process start in a host
  # directory the runtime still held open; '../' from there reaches the host's /. A host
  # marker file that the container does not have tells.
  echo HOSTMARKER >"$T_DIR/marker"
  up=../../../../../../../../../../../../..$T_DIR/marker
  for n in $(seq 3 12); do
    cve_config '.process.cwd = "/proc/self/fd/'"$n"'" | .process.args = ["cat", "'"$up"'"]'
    run trn run --bundle "$B" "$ID-$n"
    echo "tinyrun cwd fd $n: $status $output"
    [[ "$output" != *HOSTMARKER* ]]
    trn delete --force "$ID-$n" >/dev/null 2>&1 || true
  done
  cve_config
  trn_up "$ID"
  for n in $(seq 3 12); do
    run trn exec --cwd "/proc/self/fd/$n" "$ID" cat "$up"
    echo "tinyrun exec --cwd fd $n: $status $output"
    [[ "$output" != *HOSTMARKER* ]]
  done
  cid=$(td run -d --network none busybox sleep 300)
  for n in $(seq 3 12); do
    run td run --rm --network none -w "/proc/self/fd/$n" busybox cat "$up"
    echo "run -w fd $n: $status $output"
    [[ "$output" != *HOSTMARKER* ]]
    run td exec -w "/proc/self/fd/$n" "$cid" cat "$up"
    echo "exec -w fd $n: $status $output"
    [[ "$output" != *HOSTMARKER* ]]
  done
  [ "$(cat "$T_DIR/marker")" = HOSTMARKER ]
}

@test "CVE-2025-31133: masked paths are covered by the real /dev/null, never by what the image put there" {
  # The image's /dev/null is a symlink to a procfs file (or a plain file): bind-mounting
  # "/dev/null" over the masked paths then exposed, writable, what it points to. Without a
  # /dev tmpfs in the config the rootfs's own /dev is used. From the host: the masked path is
  # the null device, or the start was refused.
  mkdir -p "$B/rootfs/dev"
  ln -sfn /proc/sys/kernel/core_pattern "$B/rootfs/dev/null"
  cve_config '.linux.maskedPaths = ["/proc/kcore", "/proc/timer_list"]'
  trn_create --bundle "$B" "$ID"
  echo "$output"
  if [ "$status" -eq 0 ]; then
    PID=$(trn state "$ID" | jq -r .pid)
    [ "$(stat -L -c '%F %t:%T' "/proc/$PID/root/proc/timer_list")" = "character special file 1:3" ]
  fi
  trn delete --force "$ID" >/dev/null 2>&1 || true
  rm -f "$B/rootfs/dev/null"
  echo secret-of-the-image >"$B/rootfs/dev/null"
  trn_create --bundle "$B" "$ID-b"
  echo "$output"
  if [ "$status" -eq 0 ]; then
    PID=$(trn state "$ID-b" | jq -r .pid)
    [ "$(stat -L -c '%F %t:%T' "/proc/$PID/root/proc/timer_list")" = "character special file 1:3" ]
  fi
  # the engine gives every container a private /dev of its own nodes: the masked paths of a
  # running container are the null device
  cid=$(td run -d --network none busybox sleep 300)
  p=$(ctr_pid "$cid")
  [ "$(stat -L -c '%F %t:%T' "/proc/$p/root/proc/timer_list")" = "character special file 1:3" ]
}

@test "CVE-2025-52565: the console is bound on /dev/console only, never through what the image put there" {
  # runc bind-mounted the pty on /dev/console following what the image (or a race) put
  # there: a symlink to a procfs file got the pty mounted over that file instead. From the
  # host: the pty is on /dev/console and nothing is mounted on the symlink's target (or the
  # create is refused). The static form of the attack (the link is in the image).
  mkdir -p "$B/rootfs/dev/pts"
  ln -sfn /proc/sys/kernel/core_pattern "$B/rootfs/dev/console"
  SOCK=$T_DIR/tty.sock
  "$BUILD_DIR/tests/helpers/td-recvtty" "$SOCK" >"$T_DIR/tty.out" 2>&1 &
  BG+=($!)
  for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
  cve_config '.process.terminal = true
    | .mounts += [{destination: "/dev/pts", type: "devpts", source: "devpts",
                   options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]}]'
  trn_create --bundle "$B" --console-socket "$SOCK" "$ID"
  echo "$output"
  if [ "$status" -eq 0 ]; then
    PID=$(trn state "$ID" | jq -r .pid)
    mounts_of "$PID"
    ! mounts_of "$PID" | grep -q '^/proc/sys/kernel/core_pattern ' || false
    mounts_of "$PID" | grep -qx '/dev/console devpts'
  fi
  [ -L "$B/rootfs/dev/console" ]
}

@test "CVE-2025-52881: the runtime's procfs writes land on the file they name, not on a file mounted over it" {
  # With a mount over a procfs file (config or race), runc's write of a sysctl or LSM label
  # went to another procfs file of the attacker's choosing (even core_pattern). Here the
  # redirect is harmless and visible: the host's /proc/sys/kernel/hostname bound over the
  # container's /proc/sys/kernel/domainname; a write of the domainname through the mount
  # would set the container's hostname (the file acts on the writer's UTS namespace).
  cve_config '.mounts += [{destination: "/proc/sys/kernel/domainname", type: "bind",
                           source: "/proc/sys/kernel/hostname", options: ["bind"]}]
    | .linux.sysctl = {"kernel.domainname": "pwned"}
    | .process.args = ["sh", "-c", "hostname; cat /proc/sys/kernel/hostname"]'
  host_hn=$(cat /proc/sys/kernel/hostname)
  host_dn=$(cat /proc/sys/kernel/domainname)
  run trn run --bundle "$B" "$ID"
  echo "$output"
  [[ "$output" != *pwned* ]]
  [ "$status" -ne 0 ] || [ "${lines[0]}" = cve ]
  # the engine: docker's CLI refuses kernel.domainname outright (not on its list); an allowed
  # sysctl of the container's own IPC namespace with the same kind of bind over it as a volume:
  # the write must land on the real kernel.shmmax (or the run be refused), never on the
  # hostname file mounted over it
  run td run --rm --network none --sysctl kernel.domainname=pwned busybox true
  [ "$status" -eq 125 ]
  host_shm=$(cat /proc/sys/kernel/shmmax)
  run td run --rm --network none --sysctl kernel.shmmax=424242 \
    -v /proc/sys/kernel/hostname:/proc/sys/kernel/shmmax busybox hostname
  echo "$output"
  [ "$status" -ne 0 ] || [ "${lines[0]}" != 424242 ]
  [ "$(cat /proc/sys/kernel/shmmax)" = "$host_shm" ]
  [ "$(cat /proc/sys/kernel/hostname)" = "$host_hn" ]
  [ "$(cat /proc/sys/kernel/domainname)" = "$host_dn" ]
}

# ---------------------------------------------------------------------------------------------
# moby (docker)

@test "CVE-2018-15664: cp through a path the container swaps for a symlink stays in the container" {
  # docker cp resolved the path in the container, then used it: a container swapping a
  # directory for a symlink to / in between made cp read and write host files. The container
  # holds a file at the same path as a host marker; 100 copies each way against the swap.
  echo HOST >"$T_DIR/secret"
  cid=$(td run -d --network none busybox sh -c "
    mkdir -p /w/real$T_DIR '$T_DIR'; echo CONTAINER-dir >/w/real$T_DIR/secret
    echo CONTAINER-root >$T_DIR/secret
    cd /w; while :; do mv real d; mv d real; ln -s / d; rm d; done")
  for _ in $(seq 50); do td exec "$cid" test -e "$T_DIR/secret" && break; sleep 0.1; done
  echo in >"$T_DIR/in"
  got=0
  for i in $(seq 100); do
    rm -f "$T_DIR/out"
    if td cp "$cid:/w/d$T_DIR/secret" "$T_DIR/out" 2>/dev/null; then
      got=$((got + 1))
      [[ "$(cat "$T_DIR/out")" == CONTAINER-* ]] || { echo "try $i: $(cat "$T_DIR/out")"; false; }
    fi
    td cp "$T_DIR/in" "$cid:/w/d$T_DIR/victim-$i" 2>/dev/null || true
    [ ! -e "$T_DIR/victim-$i" ]
  done
  echo "copies out: $got of 100"
  [ "$(cat "$T_DIR/secret")" = HOST ]
}

@test "CVE-2019-14271: cp loads no program or library of the container (a static engine, on the host's /)" {
  # docker cp ran docker-tar chrooted in the container, which loaded the image's libnss: code
  # of the image as host root. Not applicable here: the engine is static, and neither it
  # nor a helper it runs is ever chrooted into the container. Tested on a container that
  # plants the libraries docker-tar loaded: no loader in the engine, and the whole copy
  # (strace -f) runs one program (the engine), changes no root and opens no library or
  # nsswitch file.
  ! td_is_dynamic "$TINYDOCKER" || skip "a dynamic (sanitizer) build"
  command -v strace >/dev/null || skip "strace not installed"
  cid=$(td run -d --network none busybox sh -c 'for d in /lib /lib64 /lib/x86_64-linux-gnu; do
      mkdir -p $d; echo evil >$d/libnss_files.so.2; done
    echo "passwd: files" >/etc/nsswitch.conf; head -c 4000000 /dev/urandom >/big; sleep 300')
  for _ in $(seq 50); do [ "$(td exec "$cid" stat -c %s /big 2>/dev/null)" = 4000000 ] && break; sleep 0.1; done
  strace -f -qq -e trace=execve,execveat,chroot,pivot_root,open,openat,openat2 \
    -o "$T_DIR/trace" "$TINYDOCKER" cp -a "$cid:/big" "$T_DIR/big"
  [ "$(stat -c %s "$T_DIR/big")" = 4000000 ]
  grep -E 'execve|chroot|pivot_root|\.so|nsswitch' "$T_DIR/trace" || true
  [ "$(grep -cE 'execve(at)?\(' "$T_DIR/trace")" -eq 1 ]
  ! grep -qE 'chroot\(|pivot_root\(|\.so[".]|nsswitch' "$T_DIR/trace" || false
}

@test "CVE-2021-41089: cp into a container whose path is a symlink to a host path changes no host permission" {
  # docker cp into a specially crafted container chmod'ed host files (widening their access).
  # The container's /target is a symlink to an absolute path that exists on the host (a
  # 0700 directory with a 0600 file); cp a file, a directory and a tar stream whose entry
  # for the path carries mode 0777.
  mkdir -p "$T_DIR/hostdir"
  chmod 700 "$T_DIR/hostdir"
  echo host >"$T_DIR/hostdir/f"
  chmod 600 "$T_DIR/hostdir/f"
  before=$(stat -c '%a %u %g %Y' "$T_DIR/hostdir" "$T_DIR/hostdir/f")
  cid=$(td run -d --network none busybox sh -c "ln -s $T_DIR/hostdir /target; sleep 300")
  for _ in $(seq 50); do td exec "$cid" test -L /target && break; sleep 0.1; done
  mkdir -p "$T_DIR/src/target"
  echo in >"$T_DIR/src/target/f"
  chmod 777 "$T_DIR/src/target"
  chmod 666 "$T_DIR/src/target/f"
  td cp "$T_DIR/src/target/f" "$cid:/target/f" 2>&1 || true
  td cp -a "$T_DIR/src/target" "$cid:/" 2>&1 || true
  (cd "$T_DIR/src" && tar -c target) | td cp - "$cid:/" 2>&1 || true
  [ "$(stat -c '%a %u %g %Y' "$T_DIR/hostdir" "$T_DIR/hostdir/f")" = "$before" ]
  [ "$(cat "$T_DIR/hostdir/f")" = host ]
  [ "$(ls -A "$T_DIR/hostdir")" = f ]
}

@test "CVE-2021-41091: a local unprivileged user cannot reach a container's files or setuid programs on the host" {
  # The data directory's subdirectories were traversable by anyone: an unprivileged host user
  # could run a setuid program of a container's rootfs as root, or read its files. A root the
  # engine creates itself, inside a directory everyone may traverse (so only the engine's own
  # modes count); the container makes a setuid-root program and a secret.
  chmod 755 "$TEST_TMP"
  R=$T_DIR/varlib
  chmod 755 "$T_DIR"
  export TINYDOCKER_ROOT=$R
  td create-default >/dev/null
  cid=$(td run -d --network none busybox sh -c 'cp /bin/busybox /suid; chmod 4755 /suid; echo s3cret >/secret; chmod 644 /secret; sleep 300')
  for _ in $(seq 50); do td exec "$cid" test -u /suid && break; sleep 0.1; done
  paths=$(find "$R" \( -name suid -o -name secret \) -type f || true)
  echo "host paths: $paths"
  [ -n "$paths" ]
  for f in $paths; do
    run setpriv --reuid 65534 --regid 65534 --clear-groups -- cat "$f"
    [ "$status" -ne 0 ]
    [[ "$output" != *s3cret* ]]
    # nobody cannot even execute it (setpriv: 126 or 127), let alone as root
    run sh -c 'setpriv --reuid 65534 --regid 65534 --clear-groups -- "$0" id -u 2>&1; echo "rc=$?"' "$f"
    echo "$output"
    [[ "$output" != *rc=0* ]]
    [ "${lines[0]}" != 0 ]
  done
  td rm -f "$cid" >/dev/null
  TINYDOCKER_ROOT=$R td network cleanup >/dev/null 2>&1 || true
  export TINYDOCKER_ROOT=$TD_ROOT
}

@test "CVE-2022-24769: containers start with no inheritable capabilities" {
  # moby started containers with inheritable = the container's capabilities, so a program
  # with inheritable file capabilities gained them across execve even as a non-root user.
  # From the host: CapInh of the init (run, --cap-add, --privileged, a user) and of exec.
  for opts in "" "--cap-add NET_ADMIN" "--privileged" "-u 1000:1000"; do
    cid=$(td run -d --network none $opts busybox sleep 300)
    p=$(ctr_pid "$cid")
    echo "run $opts: CapInh $(status_of "$p" CapInh) CapEff $(status_of "$p" CapEff)"
    [ "$(status_of "$p" CapInh)" = 0000000000000000 ]
    [ "$(status_of "$p" CapAmb)" = 0000000000000000 ]
  done
  td exec -d "$cid" sleep 301
  for _ in $(seq 50); do pgrep -f 'sleep 301' >/dev/null && break; sleep 0.1; done
  for p in $(pgrep -x sleep); do
    [ "$(tr '\0' ' ' </proc/$p/cmdline)" = "sleep 301 " ] || continue
    grep -q "$cid" "/proc/$p/cgroup" || continue
    [ "$(status_of "$p" CapInh)" = 0000000000000000 ]
    found=1
  done
  [ "${found:-}" = 1 ]
  # tinyrun, docker's caps with no inheritable list
  cve_config
  trn_up "$ID"
  [ "$(status_of "$PID" CapInh)" = 0000000000000000 ]
  [ "$(status_of "$PID" CapEff)" = 00000000a80425fb ]
}

# ---------------------------------------------------------------------------------------------
# containerd

@test "CVE-2020-15257: no control socket of ours is an abstract socket a host-network container can reach" {
  # containerd-shim listened on an abstract unix socket: abstract names belong to the network
  # namespace, so a --network host container could connect and run commands as root. Our
  # monitor and attach sockets must be path sockets (a path is resolved in the mount namespace
  # the container does not share), and what a --network host container sees in
  # /proc/net/unix must name none of ours reachable.
  cid=$(td run -d --network host -v "$PROBE:/probe:ro" busybox sleep 300)
  p=$(ctr_pid "$cid")
  mon=$(status_of "$p" PPid)
  echo "init $p monitor $mon ($(readlink /proc/$mon/exe))"
  inodes=$(for q in $mon $p; do ls -l /proc/$q/fd 2>/dev/null; done | sed -n 's/.*socket:\[\([0-9]*\)\].*/\1/p')
  echo "socket inodes: $inodes"
  [ -n "$inodes" ]
  # /proc/net/unix as the container sees it (the host's network namespace)
  td exec "$cid" cat /proc/net/unix >"$T_DIR/unix"
  [ "$(wc -l <"$T_DIR/unix")" -gt 1 ]
  for i in $inodes; do
    line=$(awk -v i="$i" '$7 == i' "$T_DIR/unix")
    echo "$i: $line"
    name=$(echo "$line" | awk '{print $8}')
    [[ "$name" != @* ]]
    if [ -n "$name" ]; then
      # a path socket: not there in the container's mount namespace
      run td exec "$cid" test -e "$name"
      [ "$status" -ne 0 ]
    fi
  done
  # no abstract name of this engine or container at all
  ! grep -E "@.*(tinydocker|tinyrun|$cid)" "$T_DIR/unix" || false
  # tinyrun: a created container in the host's network namespace holds no socket
  cve_config '.linux.namespaces = [{type: "pid"}, {type: "mount"}, {type: "ipc"}, {type: "uts"}]'
  trn create --bundle "$B" "$ID" </dev/null >/dev/null 2>&1
  PID=$(trn state "$ID" | jq -r .pid)
  ! ls -l /proc/$PID/fd | grep -q socket: || false
}
