#!/usr/bin/env bats
# run/create's namespace flags (issue 16): --ipc --pid --uts --userns --cgroupns --group-add
# --domainname, and --network container:X's hostname. Each asserts the kernel's view: the
# /proc/<pid>/ns/* links of the container's init against the host's or the other
# container's. The attack tests: a join never lands in the host's namespaces (a stale pid
# that a host process took, a target that exits during the join, a target that has the
# host's), and a non-shareable IPC namespace is not joined.
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() { td_engine_setup; }
teardown() {
  [ -z "${HOSTPID:-}" ] || kill "$HOSTPID" 2>/dev/null || true
  td_engine_teardown
}
teardown_file() { td_engine_teardown_file; }

ns() { readlink "/proc/$1/ns/$2"; } # pid type
ctr_pid() { td inspect -f '{{.State.Pid}}' "$1"; }

@test "defaults: private ipc, pid, uts; the host's cgroup ns on v1 (docker's); inspect keys" {
  td run -d --name d1 busybox sleep 30
  p=$(ctr_pid d1)
  for t in ipc pid uts mnt net; do [ "$(ns "$p" $t)" != "$(ns $$ $t)" ]; done
  [ "$(ns "$p" user)" = "$(ns $$ user)" ]
  run td inspect -f '{{json .HostConfig.IpcMode}} {{json .HostConfig.PidMode}} {{json .HostConfig.UTSMode}} {{json .HostConfig.UsernsMode}} {{json .HostConfig.GroupAdd}} {{json .Config.Domainname}}' d1
  [ "$output" = '"private" "" "" "" null ""' ]
  cg=$(td inspect -f '{{.HostConfig.CgroupnsMode}}' d1)
  if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
    [ "$cg" = private ] && [ "$(ns "$p" cgroup)" != "$(ns $$ cgroup)" ]
  else
    [ "$cg" = host ] && [ "$(ns "$p" cgroup)" = "$(ns $$ cgroup)" ]
  fi
}

@test "--ipc host|none|shareable, --pid host, --uts host, --userns host, --cgroupns private|host" {
  td run -d --name h1 --ipc host --pid host --uts host --userns host --cgroupns host busybox sleep 30
  p=$(ctr_pid h1)
  for t in ipc pid uts user cgroup; do [ "$(ns "$p" $t)" = "$(ns $$ $t)" ]; done
  [ "$(ns "$p" mnt)" != "$(ns $$ mnt)" ]
  run td exec h1 hostname
  [ "$output" = "$(hostname)" ]
  run td inspect -f '{{.HostConfig.IpcMode}} {{.HostConfig.PidMode}} {{.HostConfig.UTSMode}} {{.HostConfig.UsernsMode}} {{.HostConfig.CgroupnsMode}}' h1
  [ "$output" = "host host host host host" ]
  # --pid host: the host's pid 1 is visible
  run td exec h1 cat /proc/1/comm
  [ "$output" = "$(cat /proc/1/comm)" ]
  td run -d --name h2 --ipc none --cgroupns private busybox sleep 30
  p=$(ctr_pid h2)
  [ "$(ns "$p" ipc)" != "$(ns $$ ipc)" ]
  [ "$(ns "$p" cgroup)" != "$(ns $$ cgroup)" ]
  run td exec h2 sh -c 'grep -c " /dev/shm " /proc/mounts'
  [ "$output" = 0 ]
  [ "$(td inspect -f '{{.HostConfig.IpcMode}} {{.HostConfig.CgroupnsMode}}' h2)" = "none private" ]
  td run -d --name h3 --ipc shareable busybox sleep 30
  [ "$(ns "$(ctr_pid h3)" ipc)" != "$(ns $$ ipc)" ]
}

@test "--ipc container:X (shareable) and --pid container:X join X's namespaces; inspect says X's id" {
  xid=$(td run -d --name sx --ipc shareable busybox sleep 31)
  td run -d --name jx --ipc container:sx --pid container:sx busybox sleep 30
  px=$(ctr_pid sx) pj=$(ctr_pid jx)
  [ "$(ns "$pj" ipc)" = "$(ns "$px" ipc)" ]
  [ "$(ns "$pj" pid)" = "$(ns "$px" pid)" ]
  [ "$(ns "$pj" uts)" != "$(ns "$px" uts)" ]
  [ "$(td inspect -f '{{.HostConfig.IpcMode}} {{.HostConfig.PidMode}}' jx)" = "container:$xid container:$xid" ]
  # POSIX shared memory: X's /dev/shm is the joiner's (docker binds X's shm directory)
  td exec sx sh -c 'echo fromx >/dev/shm/x'
  run td exec jx cat /dev/shm/x
  [ "$output" = fromx ]
  td exec jx sh -c 'echo fromj >/dev/shm/j'
  [ "$(td exec sx cat /dev/shm/j)" = fromj ]
  run td run --rm busybox ls /dev/shm
  [ -z "$output" ]
  # create, then start: resolved at the start, written to the bundle
  td create --name jy --pid container:sx busybox sleep 30
  td start jy
  [ "$(ns "$(ctr_pid jy)" pid)" = "$(ns "$px" pid)" ]
  jyid=$(td inspect -f '{{.Id}}' jy)
  jq -e --arg p "/proc/$px/ns/pid" '.linux.namespaces[] | select(.type == "pid") | .path == $p' "$TD_ROOT/containers/$jyid/config.json"
  # X's processes are the joiner's: X's sleep is its pid 1
  run td exec jx sh -c "tr '\0' ' ' </proc/1/cmdline"
  [ "$output" = "sleep 31 " ]
}

@test "--network container:X shares X's netns and hostname; -p and --hostname are refused" {
  xid=$(td run -d --name nx --hostname xhost --domainname xdom busybox sleep 30)
  td run -d --name nj --network container:nx busybox sleep 30
  [ "$(ns "$(ctr_pid nj)" net)" = "$(ns "$(ctr_pid nx)" net)" ]
  run td exec nj hostname
  [ "$output" = xhost ]
  [ "$(td inspect -f '{{.Config.Hostname}} {{.Config.Domainname}} {{.HostConfig.NetworkMode}}' nj)" = "xhost xdom container:$xid" ]
  n=$(td_count)
  run td run --network container:nx -p 8080:80 busybox true
  [ "$status" -eq 125 ]
  [ "$output" = "tinydocker: conflicting options: port publishing and the container type network mode" ]
  run td create --network container:nx -P busybox true
  [ "$status" -eq 125 ]
  run td run --network container:nx --hostname other busybox true
  [ "$status" -eq 125 ]
  [ "$output" = "tinydocker: conflicting options: hostname and the network mode" ]
  [ "$(td_count)" -eq "$n" ]
}

@test "--domainname sets the kernel's NIS domain name in the container's own UTS ns" {
  td run -d --name dn --domainname example.org busybox sleep 30
  [ "$(ns "$(ctr_pid dn)" uts)" != "$(ns $$ uts)" ]
  [ "$(td exec dn cat /proc/sys/kernel/domainname)" = example.org ]
  [ "$(cat /proc/sys/kernel/domainname)" != example.org ]
  [ "$(td inspect -f '{{.Config.Domainname}}' dn)" = example.org ]
}

@test "--group-add: names through the image's /etc/group, numbers as they are" {
  run td run --rm --group-add daemon --group-add 1234 --group-add 0 busybox id
  [ "$status" -eq 0 ]
  [[ "$output" == *"groups=0(root),1(daemon),1234"* ]]
  td run -d --name ga --group-add 4321 busybox sleep 30
  grep -q '^Groups:.*\b4321\b' "/proc/$(ctr_pid ga)/status"
  [ "$(td inspect -f '{{json .HostConfig.GroupAdd}}' ga)" = '["4321"]' ]
}

@test "bad input: docker's one-line errors and exit codes, nothing created" {
  td run -d --name bx busybox sleep 30
  n=$(td_count)
  run td run --pid bogus busybox true
  [ "$status" -eq 125 ]
  [ "${lines[0]}" = "tinydocker: --pid: invalid PID mode." ]
  run td create --uts container:bx busybox true
  [ "$status" -eq 125 ]
  [ "${lines[0]}" = "tinydocker: --uts: invalid UTS mode." ]
  run td run --userns private busybox true
  [ "$status" -eq 125 ]
  [ "${lines[0]}" = "tinydocker: --userns: invalid USER mode." ]
  run td run --cgroupns bogus busybox true
  [ "$status" -eq 125 ]
  [ "${lines[0]}" = "tinydocker: --cgroupns: invalid CGROUP mode." ]
  run td run --ipc bogus busybox true
  [ "$status" -eq 125 ]
  [ "$output" = "tinydocker: Invalid IPC mode: bogus" ]
  run td run --ipc container:nosuch busybox true
  [ "$status" -eq 125 ]
  [ "$output" = "tinydocker: No such container: nosuch" ]
  run td run --pid container:nosuch busybox true
  [ "$status" -eq 125 ]
  run td run --uts host --hostname h busybox true
  [ "$status" -eq 125 ]
  [ "$output" = "tinydocker: conflicting options: hostname and the UTS mode" ]
  run td run --group-add nosuchgroup busybox true
  [ "$status" -eq 125 ]
  [ "$output" = "tinydocker: Unable to find group nosuchgroup: no matching entries in group file" ]
  run td run --group-add -5 busybox true
  [ "$status" -eq 125 ]
  [ "$output" = "tinydocker: uids and gids must be in range 0-2147483647" ]
  [ "$(td_count)" -eq "$n" ]
}

@test "attack: --ipc container:X of a non-shareable (private) X is refused, as docker does" {
  xid=$(td run -d --name px busybox sleep 30)
  n=$(td_count)
  run td run --ipc container:px busybox true
  [ "$status" -eq 125 ]
  [ "$output" = "tinydocker: can't join IPC of container $xid: non-shareable IPC (hint: use IpcMode:shareable for the donor container)" ]
  [ "$(td_count)" -eq "$n" ]
}

@test "attack: a join of a stopped container is refused (create and start); never a stale pid" {
  xid=$(td run -d --name sx2 --ipc shareable busybox sleep 30)
  old=$(ctr_pid sx2)
  td create --name j2 --pid container:sx2 --ipc container:sx2 busybox sleep 30
  td kill sx2
  td_wait_status sx2 exited
  # a host process takes the stopped init's pid (ns_last_pid): /proc/$old/ns is the host's
  # (one shell does it, without the test's job control; the sleep outlives it, killed by pid
  # in teardown)
  HOSTPID=$(bash -c 'for i in $(seq 30); do
      echo $(($1 - 1)) >/proc/sys/kernel/ns_last_pid || exit 0
      sleep 60 </dev/null >/dev/null 2>&1 &
      [ $! = "$1" ] && { echo $!; exit 0; }
      kill $!
    done' _ "$old")
  echo "old pid $old, host process ${HOSTPID:-none}"
  run td start j2
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"is not running"* ]]
  [ "$(td inspect -f '{{.State.Running}}' j2)" = false ]
  # nothing of the host's was joined: no process of j2 exists in the host's pid ns
  run td run --pid container:sx2 busybox true
  [ "$status" -eq 125 ]
  [ "$output" = "tinydocker: container $xid is not running" ]
  run td run --ipc container:sx2 busybox true
  [ "$status" -eq 125 ]
  [ "$output" = "tinydocker: can't join IPC of container $xid: container $xid is not running" ]
  run td run --network container:sx2 busybox true
  [ "$status" -eq 125 ]
  [ "$output" = "tinydocker: cannot join network of a non running container: $xid" ]
}

@test "attack: --ipc host with an IPC sysctl is refused before create (it would be the host's)" {
  before=$(cat /proc/sys/kernel/shmmni)
  run td create --ipc host --sysctl kernel.shmmni=1000 busybox true
  [ "$status" -eq 125 ]
  [ "$output" = 'tinydocker: sysctl "kernel.shmmni" is not allowed in the hosts ipc namespace' ]
  [ "$(td_count)" -eq 0 ]
  [ "$(cat /proc/sys/kernel/shmmni)" = "$before" ]
  # its own IPC namespace: set there, the host's untouched
  run td run --rm --sysctl kernel.shmmni=1000 busybox cat /proc/sys/kernel/shmmni
  [ "$output" = 1000 ]
  [ "$(cat /proc/sys/kernel/shmmni)" = "$before" ]
}

@test "attack: X's /dev/shm swapped for a symlink: the joiner's start fails, nothing is bound" {
  td run -d --name sy --privileged --ipc shareable busybox sleep 30
  td exec sy sh -c 'umount /dev/shm && rmdir /dev/shm && ln -s / /dev/shm'
  run td run --rm --ipc container:sy busybox ls /dev/shm
  [ "$status" -eq 125 ]
  [[ "$output" == *"share its /dev/shm"* ]]
}

@test "attack: --pid container:X, X with the host's pid ns: refused (the host's pids stay hidden)" {
  td run -d --name hp --pid host --ipc shareable busybox sleep 30
  run td run --pid container:hp busybox ls /proc
  [ "$status" -eq 125 ]
  [[ "$output" == *"it is the host's"* ]]
}

@test "attack: the target exits while the joiner starts: it fails cleanly or joins X, never the host" {
  for i in $(seq 8); do
    td run -d --name r$i --ipc shareable busybox sleep 30 >/dev/null
    (sleep 0.0$((i % 4)); td kill r$i >/dev/null 2>&1) &
    killer=$!
    run td run -d --name j$i --pid container:r$i --ipc container:r$i busybox sleep 30
    wait "$killer" || true
    if [ "$status" -eq 0 ]; then
      p=$(ctr_pid j$i)
      if [ "$p" -gt 0 ] 2>/dev/null && [ -e "/proc/$p/ns/pid" ]; then
        [ "$(ns "$p" pid)" != "$(ns $$ pid)" ]
        [ "$(ns "$p" ipc)" != "$(ns $$ ipc)" ]
      fi
    else
      # a clean failure: one error line, the joiner not running (its pid ns lost its init
      # when X's did, so a late exit kills it: the kernel's rule, docker's too)
      echo "j$i: $output"
      [ "$status" -eq 125 ] && [ "${#lines[@]}" -eq 1 ] && [[ "$output" == "tinydocker: "* ]]
      [ "$(td inspect -f '{{.State.Running}}' j$i 2>/dev/null || echo false)" = false ]
    fi
  done
}
