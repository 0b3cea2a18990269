#!/usr/bin/env bats
# Exhausted resources: a full disk (a small tmpfs as the --root, filled with a file), out of
# fds (ulimit -n), out of processes (a pids cgroup of the test's own), an exhausted IPAM
# subnet, and many containers. Each failure names its real cause, exits 125 and leaves nothing
# half-done: no partial image, layer, blob, temp file, volume, file, mount or cgroup.
load ../helpers/engine
load ../helpers/registry

TDI() { "$BUILD_DIR/tinydocker-image" --root "$TD_ROOT" "$@"; }

setup() {
  td_setup_roots
  SMALL=
  CG=
}

teardown() {
  reg_stop
  td_engine_teardown
  "$TINYDOCKER" network cleanup >/dev/null 2>&1 || true
  if [ -n "$CG" ] && [ -d "$CG" ]; then
    echo max >"$CG/pids.max" 2>/dev/null || true
    for _ in $(seq 50); do [ -z "$(cat "$CG/cgroup.procs" 2>/dev/null)" ] && break; sleep 0.1; done
    rmdir "$CG" 2>/dev/null || true
  fi
  if [ -n "$SMALL" ]; then
    rm -f "$TD_ROOT/fill"
    umount -l "$TD_ROOT" 2>/dev/null || true
  fi
  td_teardown_roots
}

# The --root on a 20 MiB tmpfs of this test's own, with the default busybox image.
small_root() {
  mount -t tmpfs -o size=20m,mode=0711 tmpfs "$TD_ROOT"
  SMALL=1
  "$TINYDOCKER" create-default >/dev/null
}

# Fill the tmpfs until it is full; free it again.
fill_root() { dd if=/dev/zero of="$TD_ROOT/fill" bs=64k 2>/dev/null || true; }
unfill_root() { rm -f "$TD_ROOT/fill"; }
# Leave about $1 KiB free.
fill_root_but() {
  local free
  unfill_root
  free=$(df -k --output=avail "$TD_ROOT" | tail -1)
  dd if=/dev/zero of="$TD_ROOT/fill" bs=1k count=$((free - $1)) 2>/dev/null
}

# What the image store holds: index, blobs, layers, volumes, and the temp dir (empty after
# any command).
store_state() {
  (cd "$TD_ROOT" && find images layers volumes tmp 2>/dev/null | sort)
  cat "$TD_ROOT/images/index.json" 2>/dev/null
}

assert_no_partial() { # state-before
  local now
  now=$(store_state)
  [ "$1" = "$now" ] || { diff <(echo "$1") <(echo "$now"); return 1; }
  [ -z "$(ls -A "$TD_ROOT/tmp" 2>/dev/null)" ]
}

# docker's exit code (1 outside run/create/exec), and the error's cause (the end of its line)
# is the full disk: not a generic EIO, nor a parse error (EINVAL) of a stream cut short by it.
assert_enospc() {
  [ "$status" -eq 1 ] || [ "$status" -eq 125 ]
  echo "$output" | grep -qE '^(tinydocker: |Error response from daemon: |Error: ).*: No space left on device$'
  [[ "$output" != *"Input/output error"* ]]
  [[ "$output" != *"Invalid argument"* ]]
}

@test "full disk: build names ENOSPC, leaves no image, layer, mount or temp file" {
  small_root
  ctx=$BATS_TEST_TMPDIR/ctx
  mkdir -p "$ctx"
  head -c 3000000 /dev/urandom >"$ctx/big"
  printf 'FROM busybox\nCOPY big /big\n' >"$ctx/Dockerfile"
  fill_root_but 512
  run td build -t full:1 "$ctx"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"No space left on device"* ]]
  [[ "$output" != *"Input/output error"* ]]
  run td image inspect full:1
  [ "$status" -ne 0 ]
  # no overlay of the step left mounted, no temp file left
  ! findmnt -rn -t overlay -o TARGET | grep -q "^$TD_ROOT"
  [ -z "$(ls -A "$TD_ROOT/tmp" 2>/dev/null)" ]
  # with room again the same build works
  unfill_root
  td build -q -t full:1 "$ctx" >/dev/null
  td run --rm full:1 sh -c 'test -s /big'
}

@test "full disk: commit says 'No space left on device' (libarchive's errno) and adds nothing" {
  small_root
  td run --name c1 --network none busybox sh -c 'head -c 3000000 /dev/urandom >/big'
  fill_root
  before=$(store_state)
  run td commit c1 big:1
  echo "$output"
  assert_enospc
  [[ "$output" == *"commit"* ]]
  assert_no_partial "$before"
  run td image inspect big:1
  [ "$status" -ne 0 ]
  # with room again the same commit works
  unfill_root
  td commit c1 big:1 >/dev/null
}

@test "full disk: import says 'No space left on device' and adds nothing" {
  small_root
  head -c 3000000 /dev/urandom >"$TEST_TMP/r"
  tar -C "$TEST_TMP" -cf "$TEST_TMP/imp.tar" r
  fill_root
  before=$(store_state)
  run td import "$TEST_TMP/imp.tar" imp:1
  echo "$output"
  assert_enospc
  assert_no_partial "$before"
  unfill_root
  td import "$TEST_TMP/imp.tar" imp:1 >/dev/null
}

@test "full disk: load fails cleanly, save -o onto a full disk leaves no partial file" {
  small_root
  td save -o "$TEST_TMP/bb.tar" busybox
  td rmi busybox >/dev/null
  fill_root
  before=$(store_state)
  run td load -i "$TEST_TMP/bb.tar"
  echo "$output"
  assert_enospc
  assert_no_partial "$before"
  unfill_root
  td load -i "$TEST_TMP/bb.tar" >/dev/null
  # save -o to a file on the full disk
  fill_root
  run td save -o "$TD_ROOT/out.tar" busybox
  echo "$output"
  assert_enospc
  [ ! -e "$TD_ROOT/out.tar" ]
}

@test "full disk: cp into a container leaves no partial file; volume create leaves no dir" {
  small_root
  td create --name c1 --network none busybox true >/dev/null
  id=$(td inspect -f '{{.Id}}' c1)
  head -c 3000000 /dev/urandom >"$TEST_TMP/r"
  mkdir -p "$TEST_TMP/tree/sub"
  cp "$TEST_TMP/r" "$TEST_TMP/tree/sub/r"
  fill_root
  run td cp "$TEST_TMP/r" c1:/r
  echo "$output"
  assert_enospc
  [ ! -e "$TD_ROOT/containers/$id/upper/r" ]
  run td cp "$TEST_TMP/tree" c1:/tree
  echo "$output"
  assert_enospc
  [ ! -e "$TD_ROOT/containers/$id/upper/tree" ]
  run td volume create v1
  echo "$output"
  assert_enospc
  [ ! -e "$TD_ROOT/volumes/v1" ]
  run td volume ls -q
  [ -z "$output" ]
  unfill_root
  td cp "$TEST_TMP/r" c1:/r
  cmp "$TEST_TMP/r" "$TD_ROOT/containers/$id/upper/r"
}

@test "full disk: pull from a local registry names ENOSPC (config and layer) and adds nothing" {
  reg_start
  # the image is made and pushed from a root of its own
  src=$TEST_TMP/src
  mkdir -p "$src"
  TINYDOCKER_ROOT=$src "$TINYDOCKER" create-default >/dev/null
  TINYDOCKER_ROOT=$src "$TINYDOCKER" run --name bigsrc --network none busybox \
    sh -c 'head -c 4000000 /dev/urandom >/big'
  TINYDOCKER_ROOT=$src "$TINYDOCKER" commit bigsrc "$REG/big:1" >/dev/null
  TINYDOCKER_ROOT=$src "$TINYDOCKER" push -q "$REG/big:1" >/dev/null
  TINYDOCKER_ROOT=$src "$TINYDOCKER" rm -f bigsrc >/dev/null
  small_root
  fill_root
  before=$(store_state)
  run td pull "$REG/big:1"
  echo "$output"
  assert_enospc
  assert_no_partial "$before"
  # room for the config and the busybox layer, not for the 4 MB one
  fill_root_but 2048
  before=$(store_state)
  run td pull "$REG/big:1"
  echo "$output"
  assert_enospc
  assert_no_partial "$before"
  unfill_root
  td pull -q "$REG/big:1" >/dev/null
  TINYDOCKER_ROOT=$src "$TINYDOCKER" rmi "$REG/big:1" >/dev/null || true
}

@test "full disk: a container's log drops whole entries, never blocks it, warns in engine.log" {
  small_root
  mkdir "$TEST_TMP/ctl"
  td run -d --name talker --network none -v "$TEST_TMP/ctl:/ctl" busybox sh -c '
    echo before
    until [ -e /ctl/go ]; do sleep 0.05; done
    i=0; while [ $i -lt 3000 ]; do echo "while full $i: some padding to fill the disk"; i=$((i+1)); done
    touch /ctl/done1
    until [ -e /ctl/go2 ]; do sleep 0.05; done
    echo after' >/dev/null
  id=$(td inspect -f '{{.Id}}' talker)
  log=$TD_ROOT/containers/$id/$id-json.log
  for _ in $(seq 100); do [ -s "$log" ] && break; sleep 0.05; done
  fill_root
  touch "$TEST_TMP/ctl/go"
  # the monitor keeps draining the pipe: the container gets through 3000 lines
  for _ in $(seq 200); do [ -e "$TEST_TMP/ctl/done1" ] && break; sleep 0.05; done
  [ -e "$TEST_TMP/ctl/done1" ]
  unfill_root
  touch "$TEST_TMP/ctl/go2"
  td_wait_status talker exited 200
  [ "$(td inspect -f '{{.State.ExitCode}}' talker)" = 0 ]
  # the warning when dropping starts is best effort (engine.log is on the full disk too);
  # the one when writing resumes counts what was lost and names the cause
  cat "$TD_ROOT/engine.log"
  grep -Eq "log $log: writing again after [0-9]+ entries dropped: no space left on device" \
    "$TD_ROOT/engine.log"
  # every line of the log is a whole JSON entry (no half-written line), and it goes on
  jq -e . "$log" >/dev/null
  run td logs talker
  [ "${lines[0]}" = before ]
  [ "${lines[-1]}" = after ]
}

@test "out of fds: every failure says 'Too many open files' (never 'not found'), nothing left" {
  "$TINYDOCKER" create-default >/dev/null
  fails=0
  for n in 6 8 10 12 13 14 15 16 18 20 22 24 26 28 30 34 40; do
    run bash -c "ulimit -n $n; exec \"\$0\" run -d --network none busybox true" "$TINYDOCKER"
    echo "ulimit -n $n: $status $output"
    [ "$status" -eq 0 ] && continue
    fails=$((fails + 1))
    [ "$status" -eq 125 ]
    [[ "$output" == *"Too many open files"* ]]
    [[ "$output" != *"not found"* ]]
  done
  [ "$fails" -gt 0 ]
  # --rm: a container that failed to start is removed, whoever could clean it
  for n in 8 10 12 14 16 18 20 24 28; do
    run bash -c "ulimit -n $n; exec \"\$0\" run --rm --network none busybox true" "$TINYDOCKER"
    echo "--rm ulimit -n $n: $status $output"
  done
  td_wait_trash
  for _ in $(seq 100); do
    [ -z "$(td ps -q)" ] && break
    sleep 0.05
  done
  run td ps -a --format '{{.ID}} {{.Status}} {{.Command}}'
  echo "$output"
  cat "$TD_ROOT/engine.log" 2>/dev/null || true
  # the failed ones stay Created (docker's way; "dead" when even the undo of create ran out
  # of fds) with no mount and no cgroup; a --rm one left is one whose monitor could not
  # remove it for the same want of fds, and engine.log says so
  for id in $(td ps -aq --no-trunc); do
    st=$(td inspect -f '{{.State.Status}}' "$id")
    [ "$st" = exited ] && continue
    [ "$st" = created ] || [ "$st" = dead ]
    [ -z "$(td_cgroup_dirs "$id")" ]
    ! findmnt -rn -o TARGET | grep -q "$id"
    if [ "$(td inspect -f '{{.HostConfig.AutoRemove}}' "$id")" = true ]; then
      grep -q "${id:0:12}: warning: remove the container (--rm).*Too many open files" \
        "$TD_ROOT/engine.log"
    fi
  done
  [ "$(td_mounts_under_root)" -eq 0 ]
  # with fds again, rm -f removes every one of them (a record-less "dead" one may go to the
  # store's own sweep between the ps and the rm, which then names it missing: what counts is
  # that none is left)
  run td rm -f $(td ps -aq)
  echo "$output"
  [ "$status" -eq 0 ] || [[ "$output" == *"No such container"* ]]
  td_wait_trash
  [ -z "$(td ps -aq)" ]
  [ -z "$(ls "$TD_ROOT/containers" | grep -E '^[0-9a-f]{64}$')" ]
}

@test "out of processes (a pids cgroup): the error names the process limit, nothing left" {
  if [ -d /sys/fs/cgroup/pids ]; then
    CG=/sys/fs/cgroup/pids/td-test-pids.$$
  elif grep -qw pids /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
    CG=/sys/fs/cgroup/td-test-pids.$$
  else
    skip "no pids controller to make a cgroup in"
  fi
  mkdir "$CG"
  "$TINYDOCKER" create-default >/dev/null
  fails=0
  for m in 1 2 3 4 5 8; do
    echo "$m" >"$CG/pids.max"
    run bash -c "echo \$\$ >$CG/cgroup.procs; exec \"\$0\" run -d --network none busybox true" \
      "$TINYDOCKER"
    echo "pids.max $m: $status $output"
    [ "$status" -eq 0 ] && continue
    fails=$((fails + 1))
    [ "$status" -eq 125 ]
    [[ "$output" == *"out of processes"* ]]
  done
  [ "$fails" -gt 0 ]
  echo max >"$CG/pids.max"
  for id in $(td ps -aq --no-trunc --filter status=created); do
    [ -z "$(td_cgroup_dirs "$id")" ]
  done
  [ "$(td_mounts_under_root)" -eq 0 ]
}

@test "IPAM exhaustion: a /30 says 'no available IPv4 address', the failed run holds nothing" {
  "$TINYDOCKER" create-default >/dev/null
  for _ in 1 2 3 4 5; do # a /30 nobody else on this host uses
    sub=10.$((120 + RANDOM % 30)).$((RANDOM % 256))
    td network create --subnet "$sub.0/30" rsub >/dev/null 2>&1 && break
    sub=
  done
  [ -n "$sub" ] || skip "no free /30 found"
  # .1 is the gateway, .2 the only host address
  td run -d --name a1 --network rsub busybox sleep 300 >/dev/null
  [ "$(td inspect -f '{{.NetworkSettings.Networks.rsub.IPAddress}}' a1)" = "$sub.2" ]
  run td run -d --name a2 --network rsub busybox sleep 300
  echo "$output"
  [ "$status" -eq 125 ]
  [[ "$output" == *"no available IPv4 address on network rsub ($sub.0/30)"* ]]
  [[ "$output" != *"No space left on device"* ]]
  # the failed container: created, no address, no mount, no veth, no cgroup
  [ "$(td inspect -f '{{.State.Status}}' a2)" = created ]
  [[ "$(td inspect -f '{{json .NetworkSettings}}' a2)" != *"$sub."* ]]
  id2=$(td inspect -f '{{.Id}}' a2)
  ! findmnt -rn -o TARGET | grep -q "$id2"
  [ -z "$(td_cgroup_dirs "$id2")" ]
  # the earlier one still works
  [ "$(td inspect -f '{{.State.Status}}' a1)" = running ]
  pid=$(td inspect -f '{{.State.Pid}}' a1)
  grep -q "$sub.2" "/proc/$pid/net/fib_trie"
  # freeing the address gives it to the next container; the failed one never held it
  td rm -f a1 a2 >/dev/null
  td run -d --name a3 --network rsub busybox sleep 300 >/dev/null
  [ "$(td inspect -f '{{.NetworkSettings.Networks.rsub.IPAddress}}' a3)" = "$sub.2" ]
  td rm -f a3 >/dev/null
  td network rm rsub >/dev/null
}

@test "50 containers on one store: no fixed-size table overflows (ps, inspect, rm -f all)" {
  "$TINYDOCKER" create-default >/dev/null
  for i in $(seq 50); do
    td run -d --name "many$i" --network none busybox sleep 300 >/dev/null
  done
  [ "$(td ps -q | wc -l)" -eq 50 ]
  [ "$(td ps -q --filter name=many5 | wc -l)" -eq 2 ] # many5 and many50
  run td inspect -f '{{.State.Status}}' $(td ps -q)
  [ "$(echo "$output" | grep -c running)" -eq 50 ]
  td rm -f $(td ps -aq) >/dev/null
  td_wait_trash
  [ -z "$(td ps -aq)" ]
  [ "$(td_mounts_under_root)" -eq 0 ]
}
