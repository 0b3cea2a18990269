#!/usr/bin/env bats
# process.terminal with --console-socket (runc's protocol): the pty master reaches the socket
# by SCM_RIGHTS (tests/helpers/recvtty.c receives it), the container's stdio is the slave
# (seen from the host), consoleSize is applied, input typed into the master arrives.
load ../helpers/common

setup() {
  td_setup_roots
  B=$TEST_TMP/bundle
  td_make_busybox_rootfs "$B/rootfs"
  (cd "$B" && "$TINYRUN" spec)
  RECVTTY=$BUILD_DIR/tests/helpers/td-recvtty
  SOCK=$TEST_TMP/tty.sock
  RPID=
}

teardown() {
  [ -z "$RPID" ] || kill "$RPID" 2>/dev/null || true
  for id in $("$TINYRUN" --root "$TR_ROOT" list -q 2>/dev/null); do
    "$TINYRUN" --root "$TR_ROOT" delete --force "$id" || true
  done
  td_teardown_roots
}

trn() { "$TINYRUN" --root "$TR_ROOT" "$@"; }

config() { # jq filter applied to config.json
  jq "$1" "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
}

# td-recvtty in the background, output in $TEST_TMP/tty.out; waits until it listens
start_recvtty() { # [input]
  "$RECVTTY" "$SOCK" "$@" >"$TEST_TMP/tty.out" 2>&1 &
  RPID=$!
  for _ in $(seq 100); do [ -S "$SOCK" ] && return 0; sleep 0.05; done
  return 1
}

wait_recvtty() {
  wait "$RPID"
  RPID=
}

# rdev "major:minor" (decimal) of an open fd of pid, read from the host
fd_rdev() { # pid fd
  local t
  t=$(stat -L -c '%t %T' "/proc/$1/fd/$2")
  printf '%d:%d' "0x${t% *}" "0x${t#* }"
}

@test "create --console-socket: master arrives, stdio is the pty, consoleSize, input reaches the container" {
  config '.process.terminal=true | .process.consoleSize={height:31,width:97}
    | .process.args=["sh","-c","stty size; read line; echo got:$line"]'
  start_recvtty hello
  trn create --bundle "$B" --console-socket "$SOCK" t1
  pid=$(trn state t1 | jq -r .pid)
  # before start, as the runtime left it: the master is a ptmx, the size is on the tty
  for _ in $(seq 50); do grep -q '^winsize' "$TEST_TMP/tty.out" && break; sleep 0.1; done
  grep -qx 'name: /dev/ptmx' "$TEST_TMP/tty.out"
  grep -qx 'link: /dev/pts/ptmx' "$TEST_TMP/tty.out"
  grep -qx 'winsize: 31 97' "$TEST_TMP/tty.out"
  n=$(sed -n 's/^pty: //p' "$TEST_TMP/tty.out")
  [ "$n" -ge 0 ]
  # the init's fds 0 1 2 are that pty's slave (major 136 = /dev/pts), and it is its ctty
  for fd in 0 1 2; do [ "$(fd_rdev "$pid" $fd)" = "136:$n" ]; done
  [ "$(readlink /proc/$pid/fd/0)" = "/dev/pts/$n" ]
  tty_nr=$(awk '{print $7}' /proc/$pid/stat)
  [ "$tty_nr" -eq $((136 * 256 + n)) ]
  trn start t1
  wait_recvtty
  tr -d '\r' <"$TEST_TMP/tty.out" >"$TEST_TMP/tty.txt"
  grep -qx '31 97' "$TEST_TMP/tty.txt"
  grep -qx 'got:hello' "$TEST_TMP/tty.txt"
  [ "$(trn state t1 | jq -r .status)" = stopped ]
  trn delete t1
}

@test "run -d --console-socket: the container keeps its terminal after the runtime exits" {
  config '.process.terminal=true | .process.args=["sh","-c","read line; echo got:$line"]'
  start_recvtty world
  trn run -d --bundle "$B" --console-socket "$SOCK" t2
  wait_recvtty
  grep -q 'got:world' "$TEST_TMP/tty.out"
  trn delete --force t2
}

@test "terminal without --console-socket, or a socket without terminal: one-line error, nothing left" {
  config '.process.terminal=true | .process.args=["true"]'
  run trn create --bundle "$B" t3
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"process.terminal is true but no --console-socket"* ]]
  run trn run -d --bundle "$B" t3
  [ "$status" -ne 0 ]
  [[ "$output" == *"no --console-socket"* ]]
  [ ! -e "$TR_ROOT/t3" ]
  [ ! -e /sys/fs/cgroup/memory/tinyrun/t3 ]
  # a socket nobody listens on: create fails after the clone and undoes everything
  run trn create --bundle "$B" --console-socket "$TEST_TMP/nobody.sock" t3
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"connect to console socket"* ]]
  [ ! -e "$TR_ROOT/t3" ]
  [ ! -e /sys/fs/cgroup/memory/tinyrun/t3 ]
  [ -z "$(trn list -q)" ]
  config '.process.terminal=false'
  run trn create --bundle "$B" --console-socket "$SOCK" t3
  [ "$status" -ne 0 ]
  [[ "$output" == *"--console-socket needs process.terminal"* ]]
  [ ! -e "$TR_ROOT/t3" ]
}

@test "exec --tty --console-socket: the exec'd process gets its own pty, input and output pass" {
  config '.process.terminal=false | .process.args=["sleep","100"]'
  trn run -d --bundle "$B" t4
  init=$(trn state t4 | jq -r .pid)
  start_recvtty ping
  trn exec -d --tty --console-socket "$SOCK" --pid-file "$TEST_TMP/exec.pid" t4 \
    sh -c 'read line; echo got:$line; tty; read forever'
  pid=$(cat "$TEST_TMP/exec.pid")
  for _ in $(seq 50); do grep -q '^winsize' "$TEST_TMP/tty.out" && break; sleep 0.1; done
  n=$(sed -n 's/^pty: //p' "$TEST_TMP/tty.out")
  for fd in 0 1 2; do [ "$(fd_rdev "$pid" $fd)" = "136:$n" ]; done
  # the init keeps its own (non-tty) stdio
  [ "$(stat -L -c %t "/proc/$init/fd/1")" != 88 ]
  for _ in $(seq 50); do grep -q '^/dev/pts' "$TEST_TMP/tty.out" && break; sleep 0.1; done
  kill -KILL "$pid" # its end of the pty closes: td-recvtty sees EIO and exits
  wait_recvtty
  tr -d '\r' <"$TEST_TMP/tty.out" >"$TEST_TMP/tty.txt"
  grep -qx 'got:ping' "$TEST_TMP/tty.txt"
  grep -qx "/dev/pts/$n" "$TEST_TMP/tty.txt"
  trn delete --force t4
}

@test "exec --process with terminal and consoleSize; foreground exec waits for it" {
  config '.process.terminal=false | .process.args=["sleep","100"]'
  trn run -d --bundle "$B" t5
  jq -n '{terminal:true, consoleSize:{height:12,width:34}, cwd:"/", env:["PATH=/bin"],
    args:["sh","-c","stty size; exit 5"]}' >"$TEST_TMP/proc.json"
  start_recvtty
  run trn exec --process "$TEST_TMP/proc.json" --console-socket "$SOCK" t5
  [ "$status" -eq 5 ]
  wait_recvtty
  grep -qx 'winsize: 12 34' "$TEST_TMP/tty.out"
  tr -d '\r' <"$TEST_TMP/tty.out" | grep -qx '12 34'
  trn delete --force t5
}

@test "exec: --tty -d without --console-socket, or a socket without --tty: error, nothing runs" {
  config '.process.terminal=false | .process.args=["sleep","100"]'
  trn run -d --bundle "$B" t6
  run trn exec -d --tty t6 touch /tmp/ran
  [ "$status" -ne 0 ]
  [[ "$output" == *"no --console-socket"* ]]
  run trn exec --console-socket "$SOCK" t6 touch /tmp/ran
  [ "$status" -ne 0 ]
  [[ "$output" == *"--console-socket needs process.terminal"* ]]
  [ ! -e "$B/rootfs/tmp/ran" ]
  [ "$(trn ps --format json t6 | jq length)" -eq 1 ]
  trn delete --force t6
}
