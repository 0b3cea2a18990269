#!/usr/bin/env bats
# Host-side permissions (docs/security.md, "Host-side permissions"): what the engine and tinyrun
# create on the host has docker's/runc's modes or stricter under any umask of the caller, and a
# real unprivileged local user (nobody, through setpriv) can neither read nor reach a root
# container: not its store, logs, records, rootfs (setuid programs, CVE-2021-41091), attach
# socket or monitor. The tmp dir above the roots is opened to others (0711) so that only the
# engine's own modes stand in the way.
bats_require_minimum_version 1.5.0
load ../helpers/common
load ../helpers/registry

td() { "$TINYDOCKER" --root "$TD_ROOT" "$@"; }
TDI() { "$BUILD_DIR/tinydocker-image" --root "$TD_ROOT" "$@"; }
# A command as the unprivileged user nobody:nogroup, without supplementary groups. Through a
# shell: setpriv keeps root's effective capabilities until its own execve (so that execve may
# pass a 0700 directory); the shell's execve of the command is nobody's, without any.
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- /bin/sh -c 'exec "$@"' sh "$@"; }
with_umask() { (umask "$1" && shift && "$@"); }

setup() {
  command -v setpriv >/dev/null || skip "setpriv (util-linux) missing"
  id nobody >/dev/null 2>&1 || skip "no user nobody"
  td_setup_roots
  chmod 0711 "$TEST_TMP"
  # the build must be reachable by nobody for the CLI tests (it is under /work, 0755)
  as_nobody test -x "$TINYDOCKER" || skip "nobody cannot run $TINYDOCKER"
}

teardown() {
  reg_stop
  local ids
  ids=$(td ps -aq --no-trunc 2>/dev/null) || true
  [ -z "$ids" ] || td rm -f $ids >/dev/null 2>&1 || true
  if [ -n "${TRR:-}" ]; then
    for id in $("$TINYRUN" --root "$TRR" list -q 2>/dev/null); do
      "$TINYRUN" --root "$TRR" delete --force "$id" >/dev/null 2>&1 || true
    done
  fi
  td_teardown_roots
}

# Entries of a store that others could write (symlinks aside, whose mode means nothing),
# leaving out the contents of images, containers' layers and volumes (the image's own modes,
# /tmp 1777 and the like, reachable only through the 0700 directories above them).
others_writable() { # dir
  find "$1" \( -path '*/layers/*/diff/*' -o -path '*/containers/*/rootfs/*' \
    -o -path '*/containers/*/upper/*' -o -path '*/containers/*/work/*' \
    -o -path '*/volumes/*/_data/*' \) -prune -o ! -type l -perm /o+w -printf '%m %p\n'
}

# errno name of connecting to a unix socket as nobody and reading from it: "hung-up" when the
# other end closes at once, "open" when it keeps the connection (3 s), else the errno name.
connect_as_nobody() { # socket path
  as_nobody /usr/bin/python3 -c '
import errno, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(3)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print(errno.errorcode[e.errno]); sys.exit(0)
try:
    print("hung-up" if s.recv(4096) == b"" else "open")
except socket.timeout:
    print("open")
except OSError as e:
    print("hung-up" if e.errno in (errno.ECONNRESET, errno.EPIPE) else errno.errorcode[e.errno])
' "$1"
}

# errno name of kill(pid, sig) as nobody, or "ok"
kill_as_nobody() { # pid sig
  as_nobody /usr/bin/python3 -c '
import errno, os, sys
try:
    os.kill(int(sys.argv[1]), int(sys.argv[2])); print("ok")
except OSError as e:
    print(errno.errorcode[e.errno])
' "$1" "$2"
}

wait_file() { # path
  local i
  for i in $(seq 100); do
    [ -e "$1" ] && return 0
    sleep 0.05
  done
  return 1
}

@test "perms: under umask 000 the store has no entry others can write; roots and dirs 0700" {
  (
    umask 000
    td create-default >/dev/null
    td run -d --name c1 -v vol1:/data busybox sh -c 'echo hello; sleep 1000' >/dev/null
    td volume create v2 >/dev/null
    td run --rm --network none busybox true
  )
  id=$(td inspect -f '{{.Id}}' c1)
  D=$TD_ROOT/containers/$id
  wait_file "$D/attach.sock"
  run others_writable "$TD_ROOT"
  echo "$output"
  [ -z "$output" ]
  # the roots (TD_ROOT was made 0755 by the test's setup: the engine tightens an existing one,
  # as docker does for its data root since CVE-2021-41091) and every directory above content
  [ "$(stat -c %a "$TD_ROOT")" = 700 ]
  for d in containers containers/names images layers volumes networks run tmp "containers/$id"; do
    echo "$d $(stat -c %a "$TD_ROOT/$d")"
    [ "$(stat -c %a "$TD_ROOT/$d")" = 700 ]
  done
  for l in "$TD_ROOT"/layers/*; do [ "$(stat -c %a "$l")" = 700 ]; done
  # records, bundle config, log and lock: not readable by others; the log 0640 as docker's
  for f in container.json config.json lock creator; do
    echo "$f $(stat -c %a "$D/$f")"
    [ "$(stat -c %a "$D/$f")" = 600 ]
  done
  [ "$(stat -c %a "$D/$id-json.log")" = 640 ]
  [ "$(stat -c %a "$D/attach.sock")" = 600 ]
  # the runtime state: runc's modes (state dir 0711 for a non-root init, state.json 0600)
  [ "$(stat -c %a "$TD_ROOT/run/$id")" = 711 ]
  [ "$(stat -c %a "$TD_ROOT/run/$id/state.json")" = 600 ]
  run find "$TD_ROOT/run" -name '*.bpf' ! -perm 600
  [ -z "$output" ]
  # files bound into the container stay readable for its non-root users
  [ "$(stat -c %a "$D/hosts")" = 644 ]
}

@test "perms: under umask 077 a container's non-root user still runs its image and reads /etc/hosts" {
  with_umask 077 td create-default >/dev/null
  run with_umask 077 td run --rm --network none --user 65534 busybox \
    sh -c 'id -u; head -c 0 /etc/hosts && echo hosts-ok'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 65534 ]
  [ "${lines[1]}" = hosts-ok ]
  [ "$(stat -c %a "$TD_ROOT"/layers/*/diff)" = 755 ]
}

@test "perms: a local user cannot list the store, read a log or record, or run a setuid program of a rootfs" {
  td create-default >/dev/null
  td run -d --name sx --network none -e SECRET_ENV=hunter2 busybox sh -c \
    'cp /bin/busybox /su && chmod 4755 /su && touch /ready && echo log-secret && sleep 1000' >/dev/null
  id=$(td inspect -f '{{.Id}}' sx)
  D=$TD_ROOT/containers/$id
  wait_file "$D/rootfs/ready"
  # as root, the targets are all there: the setuid program, the log line, the record
  [ "$(stat -c %a "$D/rootfs/su")" = 4755 ]
  grep -q log-secret "$D/$id-json.log"
  grep -q hunter2 "$D/config.json"
  # as nobody, none of them
  run ! as_nobody ls "$TD_ROOT"
  [[ "$output" == *"Permission denied"* ]]
  run ! as_nobody ls "$TD_ROOT/containers"
  for f in "$D/$id-json.log" "$D/container.json" "$D/config.json" "$TD_ROOT/run/$id/state.json"; do
    run ! as_nobody cat "$f"
    [[ "$output" == *"Permission denied"* ]]
    [[ "$output" != *hunter2* && "$output" != *log-secret* ]]
  done
  # CVE-2021-41091: a setuid program of the container's merged rootfs, or of an image layer
  run ! as_nobody "$D/rootfs/su" id -u
  [[ "$output" == *"Permission denied"* ]]
  run ! as_nobody "$D/upper/su" id -u
  [[ "$output" == *"Permission denied"* ]]
  layer=$(ls -d "$TD_ROOT"/layers/*/diff | head -1)
  run ! as_nobody "$layer/bin/busybox" true
  [[ "$output" == *"Permission denied"* ]]
  run ! as_nobody ls "$TD_ROOT/volumes"
}

@test "perms: a local user cannot attach to, read the logs of, inspect or kill a root container" {
  td create-default >/dev/null
  td run -d --name ax --network none -e SECRET_ENV=hunter2 busybox sh -c 'echo log-secret; sleep 1000' >/dev/null
  pid=$(td inspect -f '{{.State.Pid}}' ax)
  mon=$(awk '/^PPid/ {print $2}' "/proc/$pid/status")
  for cmd in "logs ax" "inspect ax" "attach ax" "kill ax" "stop -t 0 ax" "exec ax true" "rm -f ax"; do
    run ! as_nobody timeout 10 "$TINYDOCKER" --root "$TD_ROOT" $cmd </dev/null
    echo "$cmd: $status $output"
    [ "$status" -ne 124 ]
    [[ "$output" != *hunter2* && "$output" != *log-secret* ]]
  done
  # the kernel's own check: nobody cannot signal the monitor or the init
  [ "$(kill_as_nobody "$mon" 0)" = EPERM ]
  [ "$(kill_as_nobody "$pid" 15)" = EPERM ]
  [ "$(td inspect -f '{{.State.Status}}' ax)" = running ]
  [ -d "/proc/$mon" ]
}

@test "perms: the attach socket is 0600 and the monitor hangs up on a non-root peer even with loosened modes" {
  td create-default >/dev/null
  td run -d --name mx --network none busybox sh -c 'echo out; sleep 1000' >/dev/null
  id=$(td inspect -f '{{.Id}}' mx)
  D=$TD_ROOT/containers/$id
  pid=$(td inspect -f '{{.State.Pid}}' mx)
  mon=$(awk '/^PPid/ {print $2}' "/proc/$pid/status")
  wait_file "$D/attach.sock"
  [ "$(stat -c %a "$D/attach.sock")" = 600 ]
  # as the modes stand, nobody does not even reach the socket
  # (through a short link: a unix socket path has 108 bytes; the kernel checks the real path)
  ln -s "$D" "$TEST_TMP/c"
  [ "$(connect_as_nobody "$TEST_TMP/c/attach.sock")" = EACCES ]
  # wait for the hand-over to the small idle program (its own libc-free loop serves the socket)
  for i in $(seq 100); do
    [[ "$(readlink "/proc/$mon/exe")" == */tinydocker-monitor ]] && break
    sleep 0.05
  done
  [[ "$(readlink "/proc/$mon/exe")" == */tinydocker-monitor ]]
  # an admin loosens the modes by hand: SO_PEERCRED still keeps nobody out
  chmod 0711 "$TD_ROOT" "$TD_ROOT/containers" "$D"
  chmod 0666 "$D/attach.sock"
  run connect_as_nobody "$TEST_TMP/c/attach.sock"
  chmod 0700 "$TD_ROOT" "$TD_ROOT/containers" "$D"
  chmod 0600 "$D/attach.sock"
  echo "$output"
  [ "$output" = hung-up ]
  # root still attaches and reads the output
  run timeout 5 "$TINYDOCKER" --root "$TD_ROOT" logs mx
  [ "$output" = out ]
  [ "$(td inspect -f '{{.State.Status}}' mx)" = running ]
}

@test "perms: auth.json after login is 0600 under umask 000, in a 0700 root nobody cannot read" {
  command -v docker-registry >/dev/null || skip "docker-registry missing"
  hash=$(python3 -W ignore -c 'import crypt; print(crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH)))')
  mkdir -p "$TEST_TMP/auth"
  echo "tester:$hash" >"$TEST_TMP/auth/htpasswd"
  reg_start "$TEST_TMP/auth/htpasswd"
  (umask 000 && echo s3cret | td login -u tester --password-stdin "$REG")
  [ "$(stat -c %a "$TD_ROOT/auth.json")" = 600 ]
  [ "$(stat -c %a "$TD_ROOT")" = 700 ]
  run ! as_nobody cat "$TD_ROOT/auth.json"
  [[ "$output" == *"Permission denied"* ]]
  [[ "$output" != *auths* ]]
}

@test "perms: save -o writes 0600 (docker's CLI mode), whatever the umask" {
  td create-default >/dev/null
  (umask 000 && td save -o "$TEST_TMP/bb.tar" busybox)
  [ "$(stat -c %a "$TEST_TMP/bb.tar")" = 600 ]
}

@test "perms: tinyrun --root is 0700 under umask 000 (runc's mode); nobody cannot read a state or signal" {
  B=$TEST_TMP/bundle
  td_make_busybox_rootfs "$B/rootfs"
  (cd "$B" && "$TINYRUN" spec)
  jq '.process.terminal=false | .process.args=["sleep","1000"]' "$B/config.json" >"$B/c"
  mv "$B/c" "$B/config.json"
  TRR=$TEST_TMP/trun/state
  (umask 000 && "$TINYRUN" --root "$TRR" create --bundle "$B" p1 </dev/null >/dev/null 2>&1)
  run others_writable "$TRR"
  echo "$output"
  # only runc's exec fifo (0622, for a non-root init), below the 0700 root
  [ -z "$(echo "$output" | grep -v '^622 .*/p1/exec.fifo$')" ]
  [ "$(stat -c %a "$TRR")" = 700 ]
  [ "$(stat -c %a "$TEST_TMP/trun")" = 700 ]
  [ "$(stat -c %a "$TRR/p1")" = 711 ]
  [ "$(stat -c %a "$TRR/p1/state.json")" = 600 ]
  run find "$TRR" -name '*.bpf' ! -perm 600
  [ -z "$output" ]
  pid=$("$TINYRUN" --root "$TRR" state p1 | jq .pid)
  run ! as_nobody "$TINYRUN" --root "$TRR" state p1
  [[ "$output" != *'"pid"'* ]]
  run ! as_nobody "$TINYRUN" --root "$TRR" kill p1 KILL
  run ! as_nobody "$TINYRUN" --root "$TRR" start p1
  run ! as_nobody sh -c "echo x >'$TRR/p1/exec.fifo'"
  [ "$(kill_as_nobody "$pid" 9)" = EPERM ]
  [ "$("$TINYRUN" --root "$TRR" state p1 | jq -r .status)" = created ]
}
