# Loaded by every bats file: `load ../helpers/common`.
# Gives each test its own temporary state roots and the paths of the built programs.
REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build}
TINYDOCKER=$BUILD_DIR/tinydocker
TINYRUN=$BUILD_DIR/tinyrun
# shellcheck source=offline.bash
. "$REPO/tests/helpers/offline.bash"

# Per-test roots: TD_ROOT for the engine (--root), TR_ROOT for the runtime state.
# True when the program has a dynamic loader (sanitizer builds); the normal builds of tinyrun
# and tinydocker are static (ldd cannot tell: it says "statically linked" with status 0 for a
# static-pie program).
td_is_dynamic() { readelf -l "$1" 2>/dev/null | grep -q 'program interpreter'; }

td_setup_roots() {
  TEST_TMP=$(mktemp -d /tmp/td-test.XXXXXX)
  export TD_ROOT=$TEST_TMP/root TR_ROOT=$TEST_TMP/run
  mkdir -p "$TD_ROOT" "$TR_ROOT"
  export TINYDOCKER_ROOT=$TD_ROOT
}

td_teardown_roots() {
  [ -n "${TEST_TMP:-}" ] || return 0
  td_wait_trash
  # networks made under this root (the default "bridge" appears on the first run): their
  # bridges, veths and nft table live outside the tmp dir
  if [ -d "${TD_ROOT:-}/networks" ] && [ -x "$BUILD_DIR/tests/helpers/td-nettool" ]; then
    TINYDOCKER_ROOT=$TD_ROOT "$BUILD_DIR/tests/helpers/td-nettool" network cleanup >/dev/null 2>&1 || true
  fi
  # unmount anything a failed test left under its own tmp dir, deepest first
  findmnt -rn -o TARGET | grep "^$TEST_TMP" | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  rm -rf "$TEST_TMP"
}

# Wait (up to 10 s) until the --rm removers of this root are done: `run --rm` returns once the
# container is out of every view, its teardown (cgroups, files) finishes just after
# (engine/container/trash.c). True when the trash is empty.
td_wait_trash() {
  local i
  for i in $(seq 200); do
    [ -n "$(ls -A "${TD_ROOT:-/nonexistent}/trash" 2>/dev/null)" ] || return 0
    sleep 0.05
  done
  return 1
}

# A busybox rootfs directory from the host's busybox-static (no network). The first call of a
# bats run makes a template in $BATS_RUN_TMPDIR (one symlink per applet: ~400 processes, which
# take a minute in a TCG guest, see docs/hosts.md); every call copies it with one cp.
td_make_busybox_rootfs() { # dir
  local d=$1 t=${BATS_RUN_TMPDIR:-}/td-busybox-rootfs
  if [ -z "${BATS_RUN_TMPDIR:-}" ] || [ ! -d "$t" ]; then
    local m=$d
    [ -n "${BATS_RUN_TMPDIR:-}" ] && m=$t.$$
    mkdir -p "$m"/{bin,sbin,etc,proc,sys,dev,tmp,root,usr/bin,usr/sbin,var,run}
    cp /bin/busybox "$m/bin/busybox"
    local a
    for a in $("$m/bin/busybox" --list); do
      [ -e "$m/bin/$a" ] || ln -s busybox "$m/bin/$a"
    done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$m/etc/passwd"
    echo 'nobody:x:65534:65534:nobody:/:/bin/false' >>"$m/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$m/etc/group"
    chmod 1777 "$m/tmp"
    [ "$m" = "$d" ] && return 0
    mv -T "$m" "$t" 2>/dev/null || rm -rf "$m"
  fi
  mkdir -p "$d"
  cp -a "$t/." "$d/"
}

# Open /proc/PID/exe by O_PATH, kill PID, wait until it is gone, then try to reopen the
# binary for writing through that handle; prints "writable" or the errno name.
reopen_exe_after_kill() { # pid
  python3 -c '
import errno, os, sys, time
pid = int(sys.argv[1])
fd = os.open("/proc/%d/exe" % pid, os.O_PATH)
os.kill(pid, 9)
for _ in range(100):
    if not os.path.exists("/proc/%d" % pid):
        break
    time.sleep(0.05)
try:
    os.close(os.open("/proc/self/fd/%d" % fd, os.O_WRONLY))
    print("writable")
except OSError as e:
    print(errno.errorcode[e.errno])
' "$1"
}
