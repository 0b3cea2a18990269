#!/usr/bin/env bats
# --runtime runc|crun (engine/monitor/extrt.c): exec -t/-it through the runtime's console socket
# relayed as our own exec's pty, exec -d/-u/-w/-e and ExecIDs as docker, the console socket's
# attack surface, nothing left behind by --rm, and crun on this host's cgroup layout.
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() {
  td_engine_setup
  T=$TEST_TMP/t$BATS_TEST_NUMBER
  mkdir -p "$T"
}
teardown() { td_engine_teardown; }
teardown_file() { td_engine_teardown_file; }

need_runc() { [ -x /usr/sbin/runc ] || [ -x /usr/bin/runc ] || skip "runc not installed"; }

# crun refuses a hybrid host whose cgroup2 hierarchy holds a controller (whatever its options)
crun_refused_here() {
  [ "$(stat -fc %T /sys/fs/cgroup)" = tmpfs ] && grep -q . /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null
}

@test "--runtime runc: exec -t and -it relay the runtime's pty: its tty, our size, input and the exit code" {
  need_runc
  td run -d --runtime runc --name xt busybox sleep 60
  pid=$(td inspect -f '{{.State.Pid}}' xt)
  run script -qec "stty rows 27 cols 93; '$TINYDOCKER' exec -t xt sh -c 'tty; stty size; readlink /proc/self/ns/pid; exit 6'" /dev/null </dev/null
  [ "$status" -eq 6 ]
  [[ "$output" == */dev/pts/* ]]
  [[ "$output" == *"27 93"* ]]
  [[ "$output" == *"$(readlink "/proc/$pid/ns/pid")"* ]]
  # -it: what we type reaches the process through the relay
  run bash -c "printf 'echo in-\$((6*7))\nexit 3\n' | script -qec \"'$TINYDOCKER' exec -it xt sh\" /dev/null"
  [ "$status" -eq 3 ]
  [[ "$output" == *in-42* ]]
  # the detach keys: the CLI leaves with 0 and the process runs on, as docker's, also where the
  # CLI was its terminal's session leader (script's shell execs it)
  # (the keys once the process runs and the relay has its raw terminal: typed before, the
  # terminal's own IXON would take ctrl-q)
  run bash -c "(for i in \$(seq 100); do [ -e /proc/$pid/root/tmp/dk ] && break; sleep 0.1; done; sleep 0.5
    printf '\020\021'; sleep 1) | script -qec \"'$TINYDOCKER' exec -it xt sh -c 'touch /tmp/dk; read x' dk-mark\" /dev/null"
  [ "$status" -eq 0 ]
  sleep 1
  run td exec xt ps -o args
  [[ "$output" == *"read x dk-mark"* ]]
  # nothing of the exec left: its process file, pid file and console socket directory
  [ -z "$(ls "$TD_ROOT/containers/$(td inspect -f '{{.Id}}' xt)" | grep '^exec-')" ]
  [ -z "$(ls "$TD_ROOT/run/runc" | grep '^cs-')" ]
}

@test "--runtime runc: exec -d, -u, -w, -e and ExecIDs as docker; a missing command is docker's 126" {
  need_runc
  td run -d --runtime runc --name xd busybox sleep 60
  run td exec -u 1000:1001 -w /tmp -e A=b xd sh -c 'echo $(id -u):$(id -g) $PWD $A'
  [ "$status" -eq 0 ]
  [ "$output" = "1000:1001 /tmp b" ]
  [ "$(td inspect -f '{{json .ExecIDs}}' xd)" = null ]
  # -d: the CLI returns at once, the process runs in the container, inspect lists its exec
  run td exec -d xd sleep 40
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  run td exec xd ps -o args
  [[ "$output" == *"sleep 40"* ]]
  run td inspect -f '{{len .ExecIDs}}' xd
  [ "$output" = 1 ]
  [[ "$(td inspect -f '{{index .ExecIDs 0}}' xd)" =~ ^[0-9a-f]{64}$ ]]
  # the exec's events, as for our own
  run td events --since 0 --until "$(($(date +%s) + 1))" --filter container=xd --format '{{.Action}}'
  [[ "$output" == *"exec_create: sleep 40"* ]]
  [[ "$output" == *"exec_start: sleep 40"* ]]
  # docker's line and code for a command that is not there
  run td exec xd /nope
  [ "$status" -eq 126 ]
  [[ "$output" == *'OCI runtime exec failed: exec failed: unable to start container process: exec: "/nope": stat /nope: no such file or directory: unknown'* ]]
}

@test "exec -dt and -d: the process keeps its terminal and outlives the CLI, also its terminal's session leader (tinyrun and runc)" {
  for rt in tinyrun runc; do
    [ "$rt" = tinyrun ] || [ -x /usr/sbin/runc ] || [ -x /usr/bin/runc ] || continue
    td run -d --runtime $rt --name dt$rt busybox sleep 60
    td exec -dt dt$rt sh -c 'tty >/tmp/tty; sleep 40'
    # the CLI as the session leader of a terminal (script's shell execs it), as docker's CLI
    # run so: its exit hangs nothing up and kills nothing of the container's
    script -qc "'$TINYDOCKER' exec -dt dt$rt sleep 41" /dev/null </dev/null
    script -qc "'$TINYDOCKER' exec -d dt$rt sleep 42" /dev/null </dev/null
    sleep 1
    run td exec dt$rt ps -o args
    [[ "$output" == *"sleep 40"* ]]
    [[ "$output" == *"sleep 41"* ]]
    [[ "$output" == *"sleep 42"* ]]
    run td exec dt$rt cat /tmp/tty
    [[ "$output" == /dev/pts/* ]]
    td rm -f dt$rt
  done
}

@test "--runtime runc: run -it and attach leave with the detach keys; the container runs on" {
  need_runc
  # the CLI as its terminal's session leader (script's shell execs it)
  run bash -c "(for i in \$(seq 100); do p=\$('$TINYDOCKER' inspect -f '{{.State.Pid}}' xr 2>/dev/null)
      [ -n \"\$p\" ] && [ -e /proc/\$p/root/tmp/dk ] && break; sleep 0.1; done; sleep 0.5
    printf '\020\021'; sleep 1) | script -qec \"'$TINYDOCKER' run -it --runtime runc --name xr busybox sh -c 'touch /tmp/dk; read x'\" /dev/null"
  [ "$status" -eq 0 ]
  sleep 0.5
  [ "$(td inspect -f '{{.State.Status}}' xr)" = running ]
  run bash -c "(sleep 1; printf '\020\021'; sleep 1) | script -qec \"'$TINYDOCKER' attach xr\" /dev/null"
  [ "$status" -eq 0 ]
  sleep 0.5
  [ "$(td inspect -f '{{.State.Status}}' xr)" = running ]
  pid=$(td inspect -f '{{.State.Pid}}' xr)
  [ -d "/proc/$pid" ]
}

@test "attack: runc's console socket: nothing of it reaches the container, nothing connects after the master came" {
  need_runc
  td run -d --runtime runc --name xa busybox sleep 60
  script -qec "'$TINYDOCKER' exec -t xa sh -c 'ls /proc/self/fd >/tmp/fds; sleep 30'" /dev/null </dev/null >/dev/null &
  sp=$!
  for i in $(seq 100); do
    td exec xa test -s /tmp/fds && break
    sleep 0.1
  done
  # the exec'd process holds its pty only (0 1 2, and ls's own directory fd)
  [ "$(td exec xa cat /tmp/fds | tr '\n' ' ')" = "0 1 2 3 " ]
  # the socket's directory is gone and no socket is bound there any more: no second
  # connection can hand the relay another fd
  [ -z "$(ls "$TD_ROOT/run/runc" | grep '^cs-')" ]
  ! grep -q "$TD_ROOT/run" /proc/net/unix
  # the exec'd process is the child of our keeper (an `exec -t xa` process of the host), not
  # of anything the runtime left
  sl=$(pgrep -f "^sleep 30$" | while read -r p; do
    grep -q "$TD_ROOT" "/proc/$(awk '/^PPid:/{print $2}' "/proc/$p/status")/environ" 2>/dev/null && echo "$p"
  done | head -1)
  [ -n "$sl" ]
  ppid=$(awk '/^PPid:/{print $2}' "/proc/$sl/status")
  [[ "$(tr '\0' ' ' <"/proc/$ppid/cmdline")" == *"exec -t xa"* ]]
  kill "$sp" 2>/dev/null || true
  wait "$sp" || true
}

@test "--rm under runc leaves nothing; kill, stop, restart, pause and unpause act on runc's container" {
  need_runc
  id=$(td run -d --rm --runtime runc busybox sleep 1)
  [ -n "$(td_cgroup_dirs "$id")" ]
  [ -d "$TD_ROOT/run/runc/$id" ]
  td wait "$id" >/dev/null 2>&1 || true
  td_wait_trash
  [ ! -e "$TD_ROOT/run/runc/$id" ]
  [ -z "$(td_cgroup_dirs "$id")" ]
  [ -z "$(findmnt -rn -o TARGET | grep "$TD_ROOT/containers/$id")" ]
  id=$(td run -d --runtime runc --name xk busybox sh -c 'trap "exit 9" TERM; while :; do sleep 0.1; done')
  td kill -s TERM xk
  td_wait_status xk exited
  [ "$(td inspect -f '{{.State.ExitCode}}' xk)" = 9 ]
  [ ! -e "$TD_ROOT/run/runc/$id" ]
  td restart -t 1 xk
  td_wait_status xk running
  pid=$(td inspect -f '{{.State.Pid}}' xk)
  run runc --root "$TD_ROOT/run/runc" state "$id"
  [[ "$output" == *"\"pid\": $pid"* ]]
  td pause xk
  run runc --root "$TD_ROOT/run/runc" state "$id"
  [[ "$output" == *'"status": "paused"'* ]]
  # the kernel's freezer says so (v1's freezer hierarchy, or v2's cgroup.freeze)
  grep -qx FROZEN "/sys/fs/cgroup/freezer/tinydocker/$id/freezer.state" 2>/dev/null ||
    grep -qx 1 "/sys/fs/cgroup/tinydocker/$id/cgroup.freeze"
  td unpause xk
  [ "$(td inspect -f '{{.State.Status}}' xk)" = running ]
  td stop -t 5 xk
  [ "$(td inspect -f '{{.State.ExitCode}}' xk)" = 9 ]
  td rm xk
  [ ! -e "$TD_ROOT/run/runc/$id" ]
  [ -z "$(td_cgroup_dirs "$id")" ]
}

@test "crun on a hybrid host whose cgroup2 holds a controller: one clear line, exit 125, nothing made" {
  [ -x /usr/bin/crun ] || skip "crun not installed"
  crun_refused_here || skip "this host's cgroup layout is one crun runs on"
  run td run --rm --runtime crun busybox true
  [ "$status" -eq 125 ]
  [[ "${lines[0]}" == *"runtime crun cannot run on this host: cgroup v1 with the controllers "*" on the cgroup v2 hierarchy /sys/fs/cgroup/unified, a hybrid layout crun refuses"* ]]
  [ "$(td_count)" -eq 0 ]
  [ ! -e "$TD_ROOT/run/crun" ] || [ -z "$(ls "$TD_ROOT/run/crun")" ]
}

@test "--runtime crun: run, exec, exec -t and --rm leave nothing" {
  [ -x /usr/bin/crun ] || skip "crun not installed"
  crun_refused_here && skip "crun refuses this hybrid cgroup layout (controllers on /sys/fs/cgroup/unified)"
  run td run --rm --runtime crun busybox sh -c 'echo out; exit 7'
  [ "$status" -eq 7 ]
  [ "$output" = out ]
  id=$(td run -d --runtime crun --name xc busybox sleep 60)
  run crun --root "$TD_ROOT/run/crun" state "$id"
  [[ "$output" == *'"status": "running"'* ]]
  run td exec -e A=1 xc sh -c 'echo $A; exit 5'
  [ "$status" -eq 5 ]
  [ "$output" = 1 ]
  # the default dispositions and mask, as docker's: crun (C, unlike runc's Go, which resets
  # what it ignored) would pass on the keeper's ignored SIGINT/SIGHUP/SIGPIPE without
  # run_prog's reset
  run td exec xc grep -E '^Sig(Ign|Blk)' /proc/self/status
  [ "${lines[0]}" = "SigBlk:	0000000000000000" ]
  [ "${lines[1]}" = "SigIgn:	0000000000000000" ]
  run script -qec "stty rows 27 cols 93; '$TINYDOCKER' exec -t xc sh -c 'stty size; exit 4'" /dev/null </dev/null
  [ "$status" -eq 4 ]
  [[ "$output" == *"27 93"* ]]
  td rm -f xc
  [ ! -e "$TD_ROOT/run/crun/$id" ]
  [ -z "$(td_cgroup_dirs "$id")" ]
  td_wait_trash
  [ "$(td_count)" -eq 0 ]
}
