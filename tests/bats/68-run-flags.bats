#!/usr/bin/env bats
# run/create/exec flags of issue 16: --expose, --cidfile, --platform, --label-file, --link,
# --volumes-from, --mac-address, --dns-option, --runtime, exec --env-file, --privileged's
# devices. Each feature read from the host and from inside; each bad input refused with
# nothing created; an attack test where the host and the container cross.
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() {
  td_engine_setup
  T=$TEST_TMP/t$BATS_TEST_NUMBER # this test's own files (TEST_TMP is the file's)
  mkdir -p "$T"
}
teardown() { td_engine_teardown; }
teardown_file() { td_engine_teardown_file; }

@test "--expose: Config.ExposedPorts (ranges, protocols), -P publishes them" {
  td create --name ex --expose 80 --expose 90/udp --expose 100-101 busybox
  run td inspect -f '{{json .Config.ExposedPorts}}' ex
  [ "$output" = '{"100/tcp":{},"101/tcp":{},"80/tcp":{},"90/udp":{}}' ]
  td run -d --name pub -P --expose 8080 busybox sleep 30
  run td port pub 8080/tcp
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^0\.0\.0\.0:[0-9]+$ ]]
}

@test "--expose bad input: docker's error, exit 125, nothing created" {
  for bad in bad 80-x 70000 90-80; do
    run td run --rm --expose "$bad" busybox true
    [ "$status" -eq 125 ]
    [[ "$output" == *"invalid range format for --expose: $bad, error: "* ]]
  done
  run td run --rm --expose 80/xyz busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"invalid proto: xyz"* ]]
  [ "$(td_count)" -eq 0 ]
}

@test "--cidfile: the id written after create; an existing file refused; a failed create leaves none" {
  cid=$T/cid
  id=$(td run -d --cidfile "$cid" busybox sleep 30)
  [ "$(cat "$cid")" = "$id" ]
  run td run --rm --cidfile "$cid" busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"container ID file found, make sure the other container isn't running or delete $cid"* ]]
  [ "$(cat "$cid")" = "$id" ]
  run td create --cidfile "$T/cid2" nosuchimage-td
  [ "$status" -eq 1 ] # docker create: the daemon's answer, exit 1
  [ ! -e "$T/cid2" ]
}

@test "attack: --cidfile through a planted symlink writes nothing through it" {
  ln -s "$T/victim" "$T/cid"
  run td run --rm --cidfile "$T/cid" busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"container ID file found"* ]]
  [ ! -e "$T/victim" ]
  echo keep >"$T/victim2"
  ln -s "$T/victim2" "$T/cid2"
  run td create --cidfile "$T/cid2" busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"container ID file found"* ]]
  [ "$(cat "$T/victim2")" = keep ]
  [ -L "$T/cid2" ]
  [ "$(td_count)" -eq 0 ]
}

@test "--platform: this machine's accepted, others refused before anything is made" {
  case $(uname -m) in x86_64) arch=amd64 other=arm64 ;; aarch64) arch=arm64 other=amd64 ;; *) skip ;; esac
  run td run --rm --platform "linux/$arch" busybox echo ok
  [ "$status" -eq 0 ]
  [ "$output" = ok ]
  run td run --rm --platform linux busybox echo ok
  [ "$output" = ok ]
  run td run --rm --platform "linux/$other" busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"does not match the specified platform: wanted linux/$other"* ]]
  run td run --rm --platform bogus busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *'error parsing specified platform: "bogus"'* ]]
  [ "$(td_count)" -eq 0 ]
}

@test "--label-file: KEY=VALUE lines, comments and bare keys dropped, --label after; a missing file refused" {
  printf 'a=1\n# comment\n\nb\nc=x y\n' >"$T/lf"
  td create --name lf --label-file "$T/lf" --label a=2 busybox
  run td inspect -f '{{json .Config.Labels}}' lf
  [ "$output" = '{"a":"2","c":"x y"}' ]
  run td create --label-file "$T/nope" busybox
  [ "$status" -eq 125 ]
  [ "$(td_count)" -eq 1 ]
}

@test "--link on the default bridge: the target's hosts line inside, HostConfig.Links as docker" {
  td run -d --name tgt busybox sleep 30
  ip=$(td inspect -f '{{.NetworkSettings.IPAddress}}' tgt)
  short=$(td inspect -f '{{.Id}}' tgt | cut -c1-12)
  run td run --rm --link tgt:db busybox sh -c 'grep -w db /etc/hosts; ping -c1 -W2 db >/dev/null && echo reached'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$ip	db $short tgt" ]
  [ "${lines[1]}" = reached ]
  # docker's line: alias, the target's hostname, its name (when not the alias)
  td run -d --name tgh --hostname myhost busybox sleep 30
  iph=$(td inspect -f '{{.NetworkSettings.IPAddress}}' tgh)
  run td run --rm --link tgh busybox grep -w tgh /etc/hosts
  [ "$output" = "$iph	tgh myhost" ]
  td create --name me --link tgt:db busybox
  run td inspect -f '{{json .HostConfig.Links}}' me
  [ "$output" = '["/tgt:/me/db"]' ]
  run td run --rm --link nosuch:x busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"could not get container for nosuch: No such container: nosuch"* ]]
  # docker's refusals: links with host or container: networking (its CLI's words: links on a
  # --network that is not user-defined), malformed links
  run td run --rm --network host --link tgt:db busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"links are only supported for user-defined networks"* ]]
  run td run --rm --network container:tgt --link tgt:db busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"links are only supported for user-defined networks"* ]]
  run td run --rm --link tgt: busybox true
  [ "$status" -eq 125 ]
  [ "$(td_count)" -eq 3 ]
}

@test "--link on a user network: an alias of a target on that network" {
  td network create rfnet
  td run -d --name t2 --network rfnet busybox sleep 30
  ip=$(td inspect -f '{{(index .NetworkSettings.Networks "rfnet").IPAddress}}' t2)
  run td run --rm --network rfnet --link t2:al2 busybox sh -c 'grep -w al2 /etc/hosts'
  [ "$status" -eq 0 ]
  [ "$output" = "$ip	al2" ]
  td rm -f t2
  td network rm rfnet
}

@test "attack: --link to a container on another network reaches nothing there" {
  td network create rfnet2
  td run -d --name other --network rfnet2 busybox sleep 30
  # default bridge: docker's refusal, the container is not started
  run td run --rm --link other:x busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"Cannot link to /other, as it does not belong to the default network"* ]]
  # another user network: no line, no address of the other network in the hosts file
  ip=$(td inspect -f '{{(index .NetworkSettings.Networks "rfnet2").IPAddress}}' other)
  td network create rfnet3
  run td run --rm --network rfnet3 --link other:x busybox cat /etc/hosts
  [ "$status" -eq 0 ]
  [[ "$output" != *"$ip"* ]]
  [[ "$output" != *"	x"* ]]
  td rm -f other
  td network rm rfnet2 rfnet3
}

@test "--volumes-from: the other container's binds and volumes at the same paths, :ro honoured" {
  mkdir -p "$T/bsrc"
  echo hi >"$T/bsrc/f"
  td create --name vsrc -v "$T/bsrc:/b" -v /anon busybox
  run td run --rm --volumes-from vsrc busybox sh -c 'cat /b/f; echo w >/b/g; echo v >/anon/v; grep -E " /(b|anon) " /proc/mounts | cut -d" " -f2,4 | cut -d, -f1'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = hi ]
  [ "$(cat "$T/bsrc/g")" = w ]
  [[ "$output" == *"/b rw"* ]]
  [[ "$output" == *"/anon rw"* ]]
  # the same volume: what one wrote the other sees
  vol=$(td inspect -f '{{range .Mounts}}{{if eq .Type "volume"}}{{.Source}}{{end}}{{end}}' vsrc)
  [ "$(cat "$vol/v")" = v ]
  run td run --rm --volumes-from vsrc:ro busybox sh -c 'grep -E " /(b|anon) " /proc/mounts | cut -d" " -f4 | cut -d, -f1; touch /b/x'
  [ "$status" -ne 0 ]
  [ "${lines[0]}" = ro ]
  [ "${lines[1]}" = ro ]
  [ ! -e "$T/bsrc/x" ]
  td create --name vf --volumes-from vsrc busybox
  run td inspect -f '{{json .HostConfig.VolumesFrom}}' vf
  [ "$output" = '["vsrc"]' ]
}

@test "--volumes-from bad input: a missing container, a bad mode; nothing created" {
  td create --name vsrc -v /anon busybox
  run td run --rm --volumes-from nosuch busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"No such container: nosuch"* ]]
  run td run --rm --volumes-from vsrc:bad busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"invalid mode: bad"* ]]
  [ "$(td_count)" -eq 1 ]
}

@test "attack: --volumes-from of a container whose bind source was replaced by a symlink" {
  mkdir -p "$T/bsrc" "$T/secret"
  echo secret >"$T/secret/s"
  td create --name vsrc -v "$T/bsrc:/b" busybox
  rmdir "$T/bsrc"
  ln -s "$T/secret" "$T/bsrc"
  run td run --rm --volumes-from vsrc busybox cat /b/s
  [ "$status" -eq 125 ]
  [[ "$output" == *"is now a symlink"* ]]
  [[ "$output" != *secret$'\n'* ]]
  [ "$(td_count)" -eq 1 ]
}

@test "--mac-address: the veth's address inside, Config.MacAddress and NetworkSettings.MacAddress" {
  td run -d --name mac --mac-address 02:42:ac:11:00:99 busybox sleep 30
  pid=$(td inspect -f '{{.State.Pid}}' mac)
  run nsenter -t "$pid" -n ip -o link show eth0
  [[ "$output" == *"link/ether 02:42:ac:11:00:99 "* ]]
  run td exec mac cat /sys/class/net/eth0/address
  [ "$output" = 02:42:ac:11:00:99 ]
  run td inspect -f '{{.Config.MacAddress}} {{.NetworkSettings.MacAddress}}' mac
  [ "$output" = "02:42:ac:11:00:99 02:42:ac:11:00:99" ]
}

@test "--mac-address bad input: docker's error, exit 125, nothing created" {
  run td run --rm --network container:nosuch --mac-address 02:42:ac:11:00:99 busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"conflicting options: mac-address and the network mode"* ]]
  for bad in bad 02:42:ac:11:00 02:42:ac:11:00:99:aa zz:42:ac:11:00:99 02:42-ac:11:00:99 "02:42:ac:11:00:9"; do
    run td run --rm --mac-address "$bad" busybox true
    [ "$status" -eq 125 ]
    [[ "$output" == *"$bad is not a valid mac address"* ]]
  done
  [ "$(td_count)" -eq 0 ]
}

@test "--dns-option: resolv.conf's options line" {
  run td run --rm --dns-option ndots:3 --dns-option debug busybox grep '^options' /etc/resolv.conf
  [ "$status" -eq 0 ]
  [ "$output" = "options ndots:3 debug" ]
  td create --name dnso --dns-option ndots:2 busybox
  run td inspect -f '{{json .HostConfig.DnsOptions}}' dnso
  [ "$output" = '["ndots:2"]' ]
}

@test "exec --env-file: the file's variables, -e after it; a missing file exits 1" {
  td run -d --name ee busybox sleep 30
  printf 'X=1\nY=2\n# c\n' >"$T/ef"
  run td exec --env-file "$T/ef" -e Y=3 ee sh -c 'echo $X $Y'
  [ "$status" -eq 0 ]
  [ "$output" = "1 3" ]
  run td exec --env-file "$T/nope" ee true
  [ "$status" -eq 1 ]
  [[ "$output" == *"$T/nope"* ]]
}

@test "--privileged: every device node of the host's /dev, no pts/shm/mqueue copies; none without it" {
  # a host device node that no container gets by default
  dev=
  for d in /dev/loop-control /dev/kmsg /dev/vda /dev/sda /dev/nvme0n1 /dev/tty1; do
    [ -c "$d" ] || [ -b "$d" ] && { dev=$d; break; }
  done
  [ -n "$dev" ] || skip "no device node to compare"
  want=$(stat -c '%t:%T %F' "$dev")
  run td run --rm --privileged busybox stat -c '%t:%T %F' "$dev"
  [ "$status" -eq 0 ]
  [ "$output" = "$want" ]
  # every host node under /dev (not pts, shm, mqueue, console) is there
  hostn=$(find /dev -path /dev/pts -prune -o -path /dev/shm -prune -o -path /dev/mqueue -prune -o -path /dev/fd -prune -o \( -type c -o -type b \) -print | grep -v -e '^/dev/console$' -e '^/dev/ptmx$' -e '^/dev/\.' | wc -l)
  run td run --rm --privileged busybox sh -c 'find /dev -path /dev/pts -prune -o -path /dev/shm -prune -o -path /dev/mqueue -prune -o \( -type c -o -type b \) -print | wc -l; grep -c " /dev/pts " /proc/mounts; grep -c " /dev/shm " /proc/mounts; grep -c " /dev/mqueue " /proc/mounts; ls /dev/pts | grep -vc ptmx; readlink /dev/ptmx'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" -ge "$hostn" ]
  [ "${lines[1]}" = 1 ]
  [ "${lines[2]}" = 1 ]
  [ "${lines[3]}" = 1 ]
  [ "${lines[4]}" = 0 ]
  [ "${lines[5]}" = pts/ptmx ]
  run td run --rm busybox ls "$dev"
  [ "$status" -ne 0 ]
}

@test "--runtime runc: detached under runc (its state, the init a child of our monitor), exec, pause, stop and rm -f" {
  [ -x /usr/sbin/runc ] || [ -x /usr/bin/runc ] || skip "runc not installed"
  id=$(td run -d --runtime runc --name rr busybox sleep 30)
  run td inspect -f '{{.HostConfig.Runtime}} {{.State.Status}}' rr
  [ "$output" = "runc running" ]
  run runc --root "$TD_ROOT/run/runc" state "$id"
  [ "$status" -eq 0 ]
  [[ "$output" == *'"status": "running"'* ]]
  pid=$(td inspect -f '{{.State.Pid}}' rr)
  ppid=$(awk '/^PPid:/{print $2}' "/proc/$pid/status")
  [ "$(cat "/proc/$ppid/comm")" = td-monitor ]
  [ "$(readlink "/proc/$pid/ns/pid")" != "$(readlink /proc/self/ns/pid)" ]
  # exec through runc's exec: in the container's namespaces, the exit code, env and -i
  run td exec -e A=1 rr sh -c 'echo $A $(readlink /proc/self/ns/pid); exit 5'
  [ "$status" -eq 5 ]
  [ "$output" = "1 $(readlink "/proc/$pid/ns/pid")" ]
  run sh -c "echo piped | '$TINYDOCKER' exec -i rr cat"
  [ "$output" = piped ]
  run td exec -t rr tty
  [ "$status" -eq 0 ]
  [[ "$output" == /dev/pts/* ]]
  [ -z "$(ls "$TD_ROOT/containers/$id" | grep '^exec-')" ]
  # pause through runc: its state and the kernel's (the freezer) say so
  td pause rr
  [ "$(td inspect -f '{{.State.Status}}' rr)" = paused ]
  run runc --root "$TD_ROOT/run/runc" state "$id"
  [[ "$output" == *'"status": "paused"'* ]]
  td unpause rr
  run runc --root "$TD_ROOT/run/runc" state "$id"
  [[ "$output" == *'"status": "running"'* ]]
  td pause rr
  td stop -t 1 rr
  [ "$(td inspect -f '{{.State.Status}} {{.State.ExitCode}}' rr)" = "exited 137" ]
  [ ! -e "$TD_ROOT/run/runc/$id" ]
  td start rr
  td_wait_status rr running
  td rm -f rr
  [ ! -e "$TD_ROOT/run/runc/$id" ]
  [ -z "$(td_cgroup_dirs "$id")" ]
}

@test "--runtime runc attached: output, stdin, a terminal and the exit code" {
  [ -x /usr/sbin/runc ] || [ -x /usr/bin/runc ] || skip "runc not installed"
  run td run --rm --runtime runc busybox sh -c 'echo out; echo err >&2; exit 7'
  [ "$status" -eq 7 ]
  [[ "$output" == *out* ]]
  [[ "$output" == *err* ]]
  run sh -c "echo piped | '$TINYDOCKER' run --rm -i --runtime runc busybox cat"
  [ "$output" = piped ]
  # -t: runc's console socket; the pty is the container's, its size ours
  run script -qec "stty rows 31 cols 101; '$TINYDOCKER' run --rm -t --runtime runc busybox sh -c 'tty; stty size; exit 4'" /dev/null
  [ "$status" -eq 4 ]
  [[ "$output" == *"/dev/pts/0"* ]]
  [[ "$output" == *"31 101"* ]]
  td_wait_trash
  [ "$(td_count)" -eq 0 ]
  [ -z "$(ls "$TD_ROOT/run/runc")" ]
}

@test "attack: --runtime with a path or an unknown name is refused, nothing created or run" {
  cat >"$T/evil" <<EOF
#!/bin/sh
touch $T/ran
EOF
  chmod +x "$T/evil"
  for rt in "$T/evil" /usr/sbin/runc ../../usr/sbin/runc nope runc/ ""; do
    run td run --rm --runtime "$rt" busybox true
    if [ -z "$rt" ]; then [ "$status" -eq 0 ]; continue; fi # docker: the default
    [ "$status" -eq 125 ]
    [[ "$output" == *"Unknown runtime specified $rt"* ]]
  done
  [ ! -e "$T/ran" ]
  [ "$(td_count)" -eq 0 ]
  td create --name dflt busybox
  [ "$(td inspect -f '{{.HostConfig.Runtime}}' dflt)" = tinyrun ]
  # the names info offers are the configured ones, each with its program
  run td info --format '{{json .Runtimes}}'
  [[ "$output" == '{"tinyrun":{"path":"(in-process)"}'* ]]
  [[ "$output" != *"$T/evil"* ]]
}
