#!/usr/bin/env bats
# Behaviour that matches docker 20.10 (issue 16, "Wrong behaviour"): each check reads the real
# effect (files on the host, /proc/mounts in the container, exit codes), with an attack test
# where the host and the container cross.
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() { td_engine_setup; }
teardown() { td_engine_teardown; }
teardown_file() { td_engine_teardown_file; }

@test "-w /tmp/new/dir: the missing working directory is made inside the container" {
  run td run --rm -w /tmp/new/dir busybox sh -c 'pwd; stat -c %a /tmp/new/dir'
  [ "$status" -eq 0 ]
  [ "$output" = "/tmp/new/dir
755" ]
}

@test "attack: -w through a symlink pointing out of the root makes nothing on the host" {
  td_make_busybox_rootfs "$TEST_TMP/rootfs"
  out=$TEST_TMP/outside
  ln -s "../../../../../../../../..$out" "$TEST_TMP/rootfs/evil"
  ln -s "$out" "$TEST_TMP/rootfs/evil2"
  run td run --rm --rootfs "$TEST_TMP/rootfs" -w /evil/made /bin/pwd
  [ "$status" -eq 0 ]
  run td run --rm --rootfs "$TEST_TMP/rootfs" -w /evil2/made /bin/pwd
  [ "$status" -eq 0 ]
  [ ! -e "$out" ]
  # resolved beneath the root instead: the directory is inside it
  [ -d "$TEST_TMP/rootfs$out/made" ]
}

@test "-v /host/missing:/x makes the host directory; --mount type=bind refuses it" {
  run td run --rm -v "$TEST_TMP/newhv/sub:/x" busybox sh -c 'echo hi >/x/f'
  [ "$status" -eq 0 ]
  [ -d "$TEST_TMP/newhv/sub" ]
  [ "$(stat -c %a "$TEST_TMP/newhv/sub")" = 755 ]
  [ "$(cat "$TEST_TMP/newhv/sub/f")" = hi ]
  run td run --rm --mount "type=bind,source=$TEST_TMP/nomount,target=/x" busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"bind source path does not exist: $TEST_TMP/nomount"* ]]
  [ ! -e "$TEST_TMP/nomount" ]
}

@test "attack: -v auto-create does not follow a symlink another user planted in the path" {
  mkdir -m 1777 "$TEST_TMP/shared"
  mkdir "$TEST_TMP/victim"
  ln -s "$TEST_TMP/victim" "$TEST_TMP/shared/link"
  chown -h 65534:65534 "$TEST_TMP/shared/link"
  run td run --rm -v "$TEST_TMP/shared/link/made:/x" busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"not following the symlink link owned by uid 65534"* ]]
  [ ! -e "$TEST_TMP/victim/made" ]
  # root's own symlink in root's directory is followed, as docker's MkdirAll does
  ln -s "$TEST_TMP/victim" "$TEST_TMP/rootlink"
  run td run --rm -v "$TEST_TMP/rootlink/made:/x" busybox true
  [ "$status" -eq 0 ]
  [ -d "$TEST_TMP/victim/made" ]
}

@test "--tmpfs and --mount type=tmpfs: rw,nosuid,nodev,noexec as docker" {
  run td run --rm --tmpfs /t busybox sh -c 'grep " /t " /proc/mounts'
  [ "$status" -eq 0 ]
  [[ "$output" == *"rw,nosuid,nodev,noexec,relatime"* ]]
  run td run --rm --mount type=tmpfs,target=/m busybox sh -c 'grep " /m " /proc/mounts'
  [ "$status" -eq 0 ]
  [[ "$output" == *"rw,nosuid,nodev,noexec,relatime"* ]]
  # a binary on it cannot run; --tmpfs /t:exec gives exec back
  run td run --rm --tmpfs /t busybox sh -c 'cp /bin/busybox /t/busybox && /t/busybox true'
  [ "$status" -ne 0 ]
  run td run --rm --tmpfs /t:exec busybox sh -c 'cp /bin/busybox /t/busybox && /t/busybox true'
  [ "$status" -eq 0 ]
}

@test "run -it / exec -it with stdin not a terminal: the input device is not a TTY, exit 1" {
  run td run --rm -it busybox true </dev/null
  [ "$status" -eq 1 ]
  [ "$output" = "the input device is not a TTY" ] # bare, as docker's CLI
  [ "$(td ps -aq | wc -l)" -eq 0 ]
  td run -d --name c1 busybox sleep 100 >/dev/null
  run td exec -it c1 true </dev/null
  [ "$status" -eq 1 ]
  [ "$output" = "the input device is not a TTY" ]
  run td exec -it nosuch true </dev/null
  [ "$status" -eq 1 ]
  [ "$output" = "Error: No such container: nosuch" ] # docker's CLI looks it up
}

@test "--add-host foo:bar is refused, exit 125, nothing created" {
  run td run --rm --add-host foo:bar busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *'invalid IP address in add-host: "bar"'* ]]
  [ "$(td ps -aq | wc -l)" -eq 0 ]
  run td run --rm --add-host foo:10.1.2.3 --add-host v6:::1 busybox cat /etc/hosts
  [ "$status" -eq 0 ]
  [[ "$output" == *"10.1.2.3"*foo* ]]
}

@test "-u 1000:1000: the process's groups are its gid (docker: groups=1000), run and exec" {
  run td run --rm -u 1000:1000 busybox sh -c 'id; grep ^Groups: /proc/self/status'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "uid=1000 gid=1000 groups=1000" ]
  [[ "${lines[1]}" == "Groups:"*1000* ]]
  td run -d --name g1 busybox sleep 100 >/dev/null
  run td exec -u 1000:1000 g1 sh -c 'grep ^Groups: /proc/self/status'
  [ "$(echo "$output" | tr -s ' \t' ' ')" = "Groups: 1000 " ] || [ "$(echo "$output" | tr -s ' \t' ' ')" = "Groups: 1000" ]
}

@test "root's groups: its gid and the image's /etc/group memberships" {
  td_make_busybox_rootfs "$TEST_TMP/rootfs"
  printf 'root:x:0:\nwheel:x:10:root\nother:x:20:nobody\n' >"$TEST_TMP/rootfs/etc/group"
  run td run --rm --rootfs "$TEST_TMP/rootfs" /bin/id
  [ "$status" -eq 0 ]
  [ "$output" = "uid=0(root) gid=0(root) groups=0(root),10(wheel)" ]
}

@test "exec that cannot start: docker's line on stdout, exit 126 (a directory, a missing program)" {
  td run -d --name x1 busybox sleep 100 >/dev/null
  run td exec x1 /etc
  [ "$status" -eq 126 ]
  [ "$output" = $'OCI runtime exec failed: exec failed: unable to start container process: exec: "/etc": permission denied: unknown\r' ]
  run td exec x1 /nosuch
  [ "$status" -eq 126 ]
  [[ "$output" == *'exec: "/nosuch": no such file or directory: unknown'$'\r' ]]
  run td exec x1 nosuchcmd
  [ "$status" -eq 126 ]
  [[ "$output" == *'exec: "nosuchcmd": executable file not found in $PATH: unknown'$'\r' ]]
  # the container runs on
  run td exec x1 true
  [ "$status" -eq 0 ]
}

@test "ps --filter name= is a regular expression; unknown keys and statuses are refused" {
  td create --name c1 busybox >/dev/null
  td create --name c12 busybox >/dev/null
  run td ps -a --filter 'name=^c1$' --format '{{.Names}}'
  [ "$status" -eq 0 ]
  [ "$output" = c1 ]
  run td ps -a --filter 'name=^/c1[0-9]$' --format '{{.Names}}'
  [ "$output" = c12 ]
  run td ps -a --filter 'name=1' --format '{{.Names}}'
  [ "$(echo "$output" | sort | tr '\n' ' ')" = "c1 c12 " ]
  run td ps --filter nosuch=1
  [ "$status" -eq 1 ]
  [[ "$output" == *"Invalid filter 'nosuch'" ]]
  run td ps --filter status=bogus
  [ "$status" -eq 1 ]
  [[ "$output" == *"Invalid filter 'status=bogus'" ]]
}

@test "load of a file that is no tar: dockerd's words (short: unexpected EOF, else an invalid header), exit 1, nothing loaded" {
  before=$(td images -q | wc -l)
  echo garbage >"$BATS_TEST_TMPDIR/short.tar"
  run td load -i "$BATS_TEST_TMPDIR/short.tar"
  [ "$status" -eq 1 ]
  [ "$output" = "Error processing tar file(exit status 1): unexpected EOF" ]
  head -c 2000 /dev/zero | tr '\0' x >"$BATS_TEST_TMPDIR/long.tar"
  run td load <"$BATS_TEST_TMPDIR/long.tar"
  [ "$status" -eq 1 ]
  [ "$output" = "Error processing tar file(exit status 1): archive/tar: invalid tar header" ]
  [ "$(td images -q | wc -l)" -eq "$before" ]
}
