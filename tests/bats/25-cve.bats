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
load ../helpers/cve

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
