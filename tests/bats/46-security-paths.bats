#!/usr/bin/env bats
# Paths that cross between the host and a container (issue 13, findings 4 and 5 and their
# class): cp both ways with -L and -a, symlinks planted in the container (absolute, relative,
# dangling, swapped in a loop: CVE-2018-15664), nodes planted where cp writes, ownership and
# modes (CVE-2021-41089), volume copy-up through an image's symlink, export and commit of a
# rootfs whose links point out, and --read-only over /etc/hosts, /etc/hostname, resolv.conf.
# The host side of each attack is a marker under $T: a path the container has too,
# with other content, so that reading through the host shows as the wrong text.
bats_require_minimum_version 1.5.0
load ../helpers/engine

setup_file() { td_engine_setup_file; }
# each test its own directory T (the file's TEST_TMP is shared by its tests)
setup() {
  td_engine_setup
  T=$TEST_TMP/t$BATS_TEST_NUMBER
  mkdir -p "$T"
}
teardown() { td_engine_teardown; }
teardown_file() { td_engine_teardown_file; }

# A running container with the same absolute path $T/x/secret as the host, each with its
# own content, links to it, and a link to a host-only file.
secret_ctr() {
  mkdir -p "$T/x" && echo host-secret >"$T/x/secret" && echo host-only >"$T/hostonly"
  td run -d --name "$1" busybox sh -c "mkdir -p $T/x && echo ctr-secret >$T/x/secret &&
    ln -s $T/x/secret /abslink && ln -s ../../../../../../../../..$T/x/secret /tmp/rellink &&
    ln -s $T/x /dirlink && ln -s $T/hostonly /dangling && ln -s /dangling /chain &&
    touch /ready && sleep 60" >/dev/null
  for _ in $(seq 100); do td exec "$1" test -e /ready && return 0; sleep 0.05; done
  return 1
}

@test "cp -L copies the container's target of a symlink as a regular file, never the host's" {
  secret_ctr cl
  td cp -L cl:/abslink "$T/out"
  [ ! -L "$T/out" ]
  [ -f "$T/out" ]
  [ "$(cat "$T/out")" = ctr-secret ]
  td cp -L cl:/tmp/rellink "$T/out2"
  [ ! -L "$T/out2" ]
  [ "$(cat "$T/out2")" = ctr-secret ]
  # into an existing directory: the link's name, the target's content
  mkdir "$T/into"
  td cp --follow-link cl:/abslink "$T/into"
  [ -f "$T/into/abslink" ]
  [ ! -L "$T/into/abslink" ]
  [ "$(cat "$T/into/abslink")" = ctr-secret ]
  # a link to a directory: the container's directory
  td cp -L cl:/dirlink "$T/dcopy"
  [ -d "$T/dcopy" ]
  [ ! -L "$T/dcopy" ]
  [ "$(cat "$T/dcopy/secret")" = ctr-secret ]
  # the host's file is untouched
  [ "$(cat "$T/x/secret")" = host-secret ]
}

@test "cp -L of a link to a file the container lacks fails like docker, never copies the host's" {
  secret_ctr cd
  run td cp -L cd:/dangling "$T/out"
  [ "$status" -ne 0 ]
  [[ "$output" == *"No such container:path: cd:/dangling"* ]]
  [ ! -e "$T/out" ]
  [ ! -L "$T/out" ]
  run td cp -L cd:/chain "$T/out"
  [ "$status" -ne 0 ]
  [ ! -e "$T/out" ]
  [ ! -L "$T/out" ]
  # a trailing slash follows the link too, inside the root
  run td cp cd:/dangling/ "$T/out"
  [ "$status" -ne 0 ]
  [ ! -e "$T/out" ]
  # a missing source: docker's message and status 1
  run td cp cd:/nothing-here "$T/out"
  [ "$status" -eq 1 ]
  [ "$output" = "Error: No such container:path: cd:/nothing-here" ]
}

@test "cp without -L copies a symlink as a symlink (docker), its target text unchanged" {
  secret_ctr cs
  td cp cs:/abslink "$T/lnk"
  [ -L "$T/lnk" ]
  [ "$(readlink "$T/lnk")" = "$T/x/secret" ]
  # symlinks inside a copied directory stay links (-L is about SRC_PATH only)
  td exec cs sh -c 'mkdir /d && ln -s /etc/passwd /d/pw && echo f >/d/f'
  td cp -L cs:/d "$T/d"
  [ -L "$T/d/pw" ]
  [ "$(readlink "$T/d/pw")" = /etc/passwd ]
  [ "$(cat "$T/d/f")" = f ]
}

@test "cp into a container through its symlinks lands inside its root" {
  mkdir -p "$T/hostdir" && echo orig >"$T/hostdir/victim" && echo payload >"$T/in"
  td run -d --name ci busybox sh -c "mkdir -p /tmp/real && ln -s /etc /tmp/etclink &&
    ln -s ../../../../../../../.. /tmp/up && ln -s $T/hostdir /tmp/abs &&
    ln -s $T/hostdir/victim /tmp/vlink && sleep 60" >/dev/null
  sleep 0.3
  td cp "$T/in" ci:/tmp/etclink/td-in
  [ "$(td exec ci cat /etc/td-in)" = payload ]
  td cp "$T/in" "ci:/tmp/up/td-cp-up-$$"
  [ ! -e "/td-cp-up-$$" ]
  [ "$(td exec ci cat "/td-cp-up-$$")" = payload ]
  # a link to a host path the container lacks: no such directory inside, nothing on the host
  run td cp "$T/in" ci:/tmp/abs/new
  [ "$status" -ne 0 ]
  [ ! -e "$T/hostdir/new" ]
  # the last name a link to a host file: the link is replaced, the host file untouched
  td cp "$T/in" ci:/tmp/vlink
  [ "$(cat "$T/hostdir/victim")" = orig ]
  [ "$(td exec ci cat /tmp/vlink)" = payload ]
  [ "$(td exec ci sh -c 'test -L /tmp/vlink || echo regular')" = regular ]
  # a directory copied over the links
  mkdir -p "$T/tree/abs" && echo deep >"$T/tree/abs/f"
  td cp "$T/tree/." ci:/tmp/
  [ ! -e "$T/hostdir/f" ]
  [ "$(td exec ci cat /tmp/abs/f)" = deep ]
}

@test "cp into a container replaces a fifo planted on the path, never writes through it" {
  echo payload >"$T/in"
  td run -d --name cf busybox sh -c 'mkfifo /tmp/fifo && (cat /tmp/fifo >/tmp/got &) && sleep 60' >/dev/null
  sleep 0.3
  run timeout 10 "$TINYDOCKER" cp "$T/in" cf:/tmp/fifo
  [ "$status" -eq 0 ]
  [ "$(td exec cf cat /tmp/fifo)" = payload ]
  [ -z "$(td exec cf cat /tmp/got)" ]
  # reading out: a fifo is skipped, never opened (no hang)
  td exec cf mkfifo /tmp/fifo2
  run timeout 10 "$TINYDOCKER" cp cf:/tmp/fifo2 "$T/fifo-out"
  [ "$status" -eq 0 ]
  [ ! -e "$T/fifo-out" ]
}

@test "CVE-2018-15664: cp racing a symlink swap inside a running container stays inside its root" {
  mkdir -p "$T/hostdir" && echo host-secret >"$T/hostdir/secret" && echo payload >"$T/in"
  # /w/d flips between a directory and a link to $T/hostdir (which exists in the container
  # too, with its own secret): a path resolved through the host would show host-secret
  td run -d --name race busybox sh -c "mkdir -p $T/hostdir /w/d && echo ctr-secret >$T/hostdir/secret &&
    echo real >/w/d/secret && ln -s $T/hostdir /w/l &&
    while :; do mv /w/d /w/t; mv /w/l /w/d; mv /w/d /w/l; mv /w/t /w/d; done" >/dev/null
  sleep 0.3
  for i in $(seq 60); do
    "$TINYDOCKER" cp "$T/in" "race:/w/d/escape$i" 2>/dev/null || true
    rm -f "$T/out"
    "$TINYDOCKER" cp race:/w/d/secret "$T/out" 2>/dev/null || true
    [ ! -e "$T/out" ] || [ "$(cat "$T/out")" != host-secret ]
  done
  [ -z "$(ls "$T/hostdir" | grep escape)" ]
  # the race ran: copies landed, all of them inside the container
  n=$(td exec race sh -c "ls /w/d/ /w/t/ /w/l/ $T/hostdir/ 2>/dev/null | grep -c escape")
  [ "$n" -gt 0 ]
  [ "$(cat "$T/hostdir/secret")" = host-secret ]
}

@test "cp -a keeps uid/gid by fd; without -a the caller owns the copy and set-id bits drop" {
  mkdir -p "$T/victim" && chmod 0750 "$T/victim"
  td run -d --name ca busybox sh -c "mkdir -p /d && echo f >/d/f && chown 1234:5678 /d/f &&
    chmod 4755 /d/f && ln -s $T/victim /d/lnk && chown -h 1234:5678 /d/lnk && chown 1234 /d &&
    chmod 0777 /d && sleep 60" >/dev/null
  sleep 0.3
  td cp -a ca:/d "$T/a"
  [ "$(stat -c %u:%g:%a "$T/a/f")" = 1234:5678:4755 ]
  [ "$(stat -c %u "$T/a")" = 1234 ]
  [ -L "$T/a/lnk" ]
  [ "$(stat -c %u:%g "$T/a/lnk")" = 1234:5678 ]
  # CVE-2021-41089: the link's target on the host is never chowned or chmodded
  [ "$(stat -c %u:%g:%a "$T/victim")" = 0:0:750 ]
  td cp ca:/d "$T/n"
  [ "$(stat -c %u:%g:%a "$T/n/f")" = 0:0:755 ]
  [ "$(stat -c %u:%g:%a "$T/victim")" = 0:0:750 ]
  # into the container: -a keeps the host's owner
  echo h >"$T/h" && chown 4321:8765 "$T/h"
  td cp -a "$T/h" ca:/tmp/h
  [ "$(td exec ca stat -c %u:%g /tmp/h)" = 4321:8765 ]
  # without -a too: docker's CLI sends the host file's uid/gid
  td cp "$T/h" ca:/tmp/h2
  [ "$(td exec ca stat -c %u:%g /tmp/h2)" = 4321:8765 ]
}

@test "cp keeps docker's path rules: /. for contents, DEST dir, a missing DEST dir" {
  td run -d --name cr busybox sh -c 'mkdir -p /src/sub && echo a >/src/a && echo b >/src/sub/b && ln -s /src /srclink && sleep 60' >/dev/null
  sleep 0.3
  mkdir "$T/exist"
  td cp cr:/src "$T/exist"
  [ "$(cat "$T/exist/src/a")" = a ]
  td cp cr:/src/. "$T/exist"
  [ "$(cat "$T/exist/a")" = a ]
  [ "$(cat "$T/exist/sub/b")" = b ]
  td cp cr:/src "$T/new"
  [ "$(cat "$T/new/sub/b")" = b ]
  run td cp cr:/src/a "$T/nodir/"
  [ "$status" -ne 0 ]
  [ ! -e "$T/nodir" ]
  run td cp cr:/src "$T/new/a"
  [ "$status" -ne 0 ]
  run td cp cr:/src/a/ "$T/x"
  [ "$status" -ne 0 ]
  # -L on a link inside the container to a directory of the container
  td cp -L cr:/srclink "$T/viaL"
  [ -d "$T/viaL" ]
  [ "$(cat "$T/viaL/a")" = a ]
  # host to container, and a stopped container
  mkdir -p "$T/hd/s" && echo z >"$T/hd/s/z"
  td cp "$T/hd/." cr:/dst-new
  [ "$(td exec cr cat /dst-new/s/z)" = z ]
  td stop -t 0 cr >/dev/null
  td cp -L cr:/srclink/a "$T/stopped"
  [ "$(cat "$T/stopped")" = a ]
  [ "$(td_mounts_under_root)" -eq 0 ]
}

@test "volume copy-up through an image symlink reads the container's tree, never the host's" {
  mkdir -p "$T/hostdir" && echo host-secret >"$T/hostdir/secret"
  td run --name mk busybox sh -c "ln -s $T/hostdir /vol && mkdir -p /v2 && echo img >/v2/f && ln -s /v2 /vol2" >/dev/null
  td commit mk td-symimg >/dev/null
  run td run --rm -v symvol:/vol td-symimg ls /vol
  [ "$status" -eq 0 ]
  [[ "$output" != *secret* ]]
  run td run --rm -v symvol2:/vol2 td-symimg cat /vol2/f
  [ "$output" = img ]
  data=$(td volume inspect -f '{{.Mountpoint}}' symvol)
  [ ! -e "$data/secret" ]
  [ "$(cat "$T/hostdir/secret")" = host-secret ]
  td volume rm symvol symvol2 >/dev/null
  td rmi td-symimg >/dev/null
}

@test "export and commit archive a rootfs's outward symlinks as links, never their host targets" {
  echo host-secret >"$T/hostfile"
  td run --name ex busybox sh -c "ln -s $T/hostfile /tmp/hl && ln -s / /tmp/rootlink && ln -s ../../../../.. /tmp/up" >/dev/null
  td export -o "$T/ex.tar" ex
  tar -tvf "$T/ex.tar" | grep -q "tmp/hl -> $T/hostfile"
  tar -tvf "$T/ex.tar" | grep -q "tmp/rootlink -> /"
  ! grep -q host-secret "$T/ex.tar"
  td commit ex td-eximg >/dev/null
  run td run --rm td-eximg sh -c 'readlink /tmp/hl; cat /tmp/hl'
  [ "${lines[0]}" = "$T/hostfile" ]
  [[ "$output" != *host-secret* ]]
  td rmi td-eximg >/dev/null
}

@test "--read-only: /etc/hosts, /etc/hostname and /etc/resolv.conf are read-only (docker)" {
  id=$(td run -d --read-only busybox sleep 60)
  for f in hosts hostname resolv.conf; do
    run td exec "$id" sh -c "echo x >>/etc/$f"
    [ "$status" -ne 0 ]
    [[ "$output" == *"Read-only file system"* ]]
  done
  pid=$(td inspect -f '{{.State.Pid}}' "$id")
  for f in hosts hostname resolv.conf; do
    opts=$(awk -v m="/etc/$f" '$5 == m {print $6}' "/proc/$pid/mountinfo")
    [[ "$opts" == ro,* ]]
  done
  # the state files on the host are unchanged
  [ "$(td exec "$id" cat /etc/hostname)" = "${id:0:12}" ]
  # without --read-only they stay writable, as docker has them
  id2=$(td run -d busybox sleep 60)
  td exec "$id2" sh -c 'echo "10.9.9.9 extra" >>/etc/hosts'
  pid2=$(td inspect -f '{{.State.Pid}}' "$id2")
  opts=$(awk '$5 == "/etc/hosts" {print $6}' "/proc/$pid2/mountinfo")
  [[ "$opts" == rw,* ]]
}

@test "cp with a running container sees its mounts (volumes, /etc files), never its kernel filesystems" {
  mkdir -p "$T/bind" && echo payload >"$T/in"
  td run -d --name cv -v "$T/bind:/data" -v namedvol:/nv busybox sh -c 'ln -s /proc/1/environ /envlink && ln -s /proc/sys /tmp/sys && sleep 60' >/dev/null
  sleep 0.3
  # into a bind volume and a named volume: the volume gets it, as with docker
  td cp "$T/in" cv:/data/f
  [ "$(cat "$T/bind/f")" = payload ]
  td cp "$T/in" cv:/nv/f
  [ "$(td exec cv cat /nv/f)" = payload ]
  # out of the container's own /etc/hostname (a bind mount of its state file)
  td cp cv:/etc/hostname "$T/hn"
  [ "$(cat "$T/hn")" = "$(td exec cv hostname)" ]
  # a link to /proc, followed with -L, or a path through it: refused, nothing written
  run td cp -L cv:/envlink "$T/env"
  [ "$status" -ne 0 ]
  [ ! -e "$T/env" ]
  run td cp "$T/in" cv:/tmp/sys/kernel/td-x
  [ "$status" -ne 0 ]
  # the whole root: the rootfs and volumes, not /proc or /sys
  td cp cv:/ "$T/all"
  [ "$(cat "$T/all/data/f")" = payload ]
  [ -d "$T/all/bin" ]
  [ ! -e "$T/all/proc/1" ]
  [ ! -e "$T/all/proc/self" ]
  [ ! -e "$T/all/sys/kernel" ]
  td volume rm -f namedvol >/dev/null 2>&1 || true
}

@test "cp into a running --read-only container fails (docker), its rootfs unchanged" {
  echo payload >"$T/in"
  id=$(td run -d --read-only busybox sleep 60)
  run td cp "$T/in" "$id:/td-ro"
  [ "$status" -ne 0 ]
  [[ "$output" == *"Read-only file system"* ]]
  [ ! -e "$TD_ROOT/containers/$id/upper/td-ro" ]
}

@test "CVE-2019-14271: cp -a loads and runs nothing of the container's (no nss library, no exec)" {
  command -v strace >/dev/null || skip "strace not installed"
  td run -d --name nss busybox sh -c 'mkdir -p /lib64 /lib/x86_64-linux-gnu &&
    for d in /lib /lib64 /lib/x86_64-linux-gnu; do echo evil >$d/libnss_files.so.2; done &&
    echo "passwd: files" >/etc/nsswitch.conf && chown 1234:5678 /etc/passwd && sleep 60' >/dev/null
  sleep 0.3
  strace -f -e trace=execve,open,openat,openat2 -o "$T/trace" "$TINYDOCKER" cp -a nss:/etc/passwd "$T/pw"
  [ "$(stat -c %u:%g "$T/pw")" = 1234:5678 ]
  [ "$(grep -c 'execve(' "$T/trace")" -eq 1 ]
  ! grep -q 'libnss\|nsswitch' "$T/trace"
}
