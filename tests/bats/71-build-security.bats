#!/usr/bin/env bats
# `tinydocker build` where it crosses between the host and the build (issue 17): sources
# outside the context (../, absolute and relative symlinks out of it, through a directory
# link), links inside a copied tree, destinations through the image's symlinks, an ADD archive
# whose entries climb out, RUN with docker's defaults (capabilities, seccomp, masked paths, no
# network unless --network host), and what a failing, a killed and many builds leave behind
# (mounts, cgroups, runtime state, work dirs, processes, images). The host side of each attack
# is a marker under $T that must not change or appear.
bats_require_minimum_version 1.5.0
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() {
  td_engine_setup
  C=$REPO/tests/build
  T=$TEST_TMP/t$BATS_TEST_NUMBER
  mkdir -p "$T/ctx"
}
teardown() { td_engine_teardown; }
teardown_file() { td_engine_teardown_file; }

# nothing of a build left: no mounts under the test root, no work dirs, no RUN container state
no_build_leftovers() {
  [ "$(td_mounts_under_root)" -eq 0 ] || { echo "mounts left"; return 1; }
  [ -z "$(ls -A "$TD_ROOT/builds" 2>/dev/null)" ] || { echo "work dirs left"; return 1; }
  [ -z "$(ls "$TD_ROOT/run" 2>/dev/null | grep -E '^[0-9a-f]{64}$')" ] || { echo "runtime state left"; return 1; }
  [ -z "$(ls -A "$TD_ROOT/tmp" 2>/dev/null)" ] || { echo "temp files left"; return 1; }
}

@test "build attack: COPY ../file and symlinks out of the context are refused" {
  echo host-secret >"$T/secret"
  echo in-ctx >"$T/ctx/inside"
  ln -s "$T/secret" "$T/ctx/abslink"
  ln -s ../secret "$T/ctx/rellink"
  ln -s .. "$T/ctx/updir"
  for src in ../secret abslink rellink updir/secret /../secret; do
    printf 'FROM busybox\nCOPY %s /got\n' "$src" >"$T/ctx/Dockerfile"
    run td build -t esc "$T/ctx"
    [ "$status" -eq 1 ]
    [[ "$output" == *"COPY failed: forbidden path outside the build context: "* ]]
    run td image inspect esc
    [ "$status" -ne 0 ]
  done
  # a glob cannot reach out either
  printf 'FROM busybox\nCOPY ../sec* /got/\n' >"$T/ctx/Dockerfile"
  run td build -t esc "$T/ctx"
  [ "$status" -eq 1 ]
  # the corpus' own cases
  run td build "$C/escape-dotdot"
  [ "$status" -eq 1 ]
  run td build "$C/escape-symlink"
  [ "$status" -eq 1 ]
  run td build -f "$C/escape-symlink/Dockerfile.dir" "$C/escape-symlink"
  [ "$status" -eq 1 ]
  no_build_leftovers
}

@test "build attack: a symlink inside a copied directory is copied as a link, never followed" {
  echo host-secret >"$T/secret"
  mkdir "$T/ctx/d"
  ln -s "$T/secret" "$T/ctx/d/abs"
  ln -s ../../secret "$T/ctx/d/rel"
  printf 'FROM busybox\nCOPY d /d/\n' >"$T/ctx/Dockerfile"
  run td build -t links "$T/ctx"
  [ "$status" -eq 0 ]
  run td run --rm links sh -c 'readlink /d/abs; readlink /d/rel; cat /d/abs 2>&1 || echo unreadable'
  [ "${lines[0]}" = "$T/secret" ]
  [ "${lines[1]}" = ../../secret ]
  [[ "$output" != *host-secret* ]]
}

@test "build attack: COPY and WORKDIR through the image's symlinks stay inside the rootfs" {
  echo host >"$T/marker"
  echo payload >"$T/ctx/f"
  printf 'FROM busybox\nARG T\nRUN mkdir -p $T && echo image >$T/marker && ln -s $T /link && ln -s / /rootlink\nCOPY f /link/marker\nCOPY f /rootlink/../../..%s/new\nWORKDIR /link/wd\n' "$T" >"$T/ctx/Dockerfile"
  run td build --build-arg T="$T" -t through "$T/ctx"
  [ "$status" -eq 0 ]
  [ "$(cat "$T/marker")" = host ]
  [ ! -e "$T/new" ]
  [ ! -e "$T/wd" ]
  run td run --rm through sh -c "cat $T/marker $T/new; test -d $T/wd && echo wd"
  [ "$output" = "$(printf 'payload\npayload\nwd')" ]
}

@test "build attack: ADD of an archive whose entries climb out or link out writes only inside" {
  python3 - "$T/ctx/evil.tar" "$T" <<'EOF'
import io, sys, tarfile
out, t = sys.argv[1], sys.argv[2]
with tarfile.open(out, "w") as tf:
    def add(name, data=b"x", **kw):
        ti = tarfile.TarInfo(name)
        for k, v in kw.items():
            setattr(ti, k, v)
        if ti.type == tarfile.REGTYPE:
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
        else:
            tf.addfile(ti)
    add("ok.txt", b"fine")
    add("../../../../../../../.." + t + "/climbed", b"escaped")
    add("abs", type=tarfile.SYMTYPE, linkname=t)
    add("abs/through-link", b"escaped")
EOF
  printf 'FROM busybox\nADD evil.tar /x/\n' >"$T/ctx/Dockerfile"
  run td build -t evil "$T/ctx"
  [ ! -e "$T/climbed" ]
  [ ! -e "$T/through-link" ]
  no_build_leftovers
}

@test "build: RUN has docker's defaults (capabilities, seccomp, masked paths) and the network asked for" {
  printf 'FROM busybox\nRUN grep -E "^(CapEff|Seccomp):" /proc/self/status; echo timer_list=$(head -c 20 /proc/timer_list | wc -c); cat /proc/net/dev | tail -n +3 | cut -d: -f1; touch /sys/x 2>&1 || true\n' >"$T/ctx/Dockerfile"
  run td build --no-cache --network none "$T/ctx"
  [ "$status" -eq 0 ]
  [[ "$output" == *"CapEff:	00000000a80425fb"* ]]
  [[ "$output" == *"Seccomp:	2"* ]]
  [[ "$output" == *"Read-only file system"* ]]
  [[ "$output" == *"timer_list=0"* ]]
  # --network none: only the loopback interface, in a network namespace of its own
  [ "$(sed -n '/Running in/,/Removing/p' <<<"$output" | grep -cE '^ *[a-z0-9]+$')" -eq 1 ]
  [[ "$output" == *"    lo"* ]]
  # --network host: the host's interfaces
  run td build --no-cache --network host "$T/ctx"
  [ "$status" -eq 0 ]
  # (the host's default route interface: others come and go with the tests beside this one)
  hif=$(ip route show default | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") print $(i + 1) }' | head -1)
  [ -n "$hif" ]
  sed -n '/Running in/,/Removing/p' <<<"$output" | grep -qE "^ *$hif\$"
  # default: the engine's default bridge, as docker's classic builder runs RUN on docker0; the
  # gateway answers; the endpoint is gone after the step
  printf 'FROM busybox\nRUN ip -4 addr show eth0 | grep -o "inet [0-9.]*"; gw=$(ip route | awk "/default/ {print \\$3}"); ping -c1 -W2 $gw >/dev/null && echo gateway-ok\n' >"$T/ctx/Dockerfile"
  run td build --no-cache "$T/ctx"
  [ "$status" -eq 0 ]
  [[ "$output" == *"inet 10."* || "$output" == *"inet 172."* || "$output" == *"inet 192."* ]]
  [[ "$output" == *gateway-ok* ]]
  # its endpoint record and address released (looked at before any network command, which
  # would reclaim an endpoint whose veth is gone), its veth gone
  nid=$(ls "$TD_ROOT/networks" | grep -E '^[0-9a-f]{64}$')
  [ -n "$nid" ]
  [ -z "$(ls "$TD_ROOT/networks/$nid" | grep -E '^[0-9a-f]{64}\.json$')" ]
  [ -z "$(ls -A "$TD_ROOT/networks/$nid/ips")" ]
  br=$(td network inspect bridge | jq -r '.[0].Options["com.docker.network.bridge.name"]')
  [ -n "$br" ]
  [ "$(ip -o link show master "$br" | wc -l)" -eq 0 ]
}

@test "build: a failing RUN shows its output and code, leaves no container, mount, cgroup or image" {
  n=$(td images -aq | sort -u | wc -l)
  run td build -t failed "$C/fail"
  [ "$status" -eq 3 ]
  [[ "$output" == *visible-output* ]]
  [[ "$output" == *to-stderr* ]]
  [[ "$output" == *"tinydocker: The command '/bin/sh -c echo visible-output; echo to-stderr >&2; touch /half; exit 3' returned a non-zero code: 3"* ]]
  [[ "$output" != *never* ]]
  id=$(grep -o 'Running in [0-9a-f]*' <<<"$output" | cut -d' ' -f3)
  [ -n "$id" ]
  [ -z "$(find /sys/fs/cgroup -maxdepth 4 -type d -name "$id*" 2>/dev/null)" ]
  run td image inspect failed
  [ "$status" -ne 0 ]
  [ "$(td images -aq | sort -u | wc -l)" -eq "$n" ]
  no_build_leftovers
}

@test "build: kill -9 of the build during a RUN leaves no process, cgroup, mount or work dir" {
  printf 'FROM busybox\nRUN echo started; exec sleep 1000\n' >"$T/ctx/Dockerfile"
  "$TINYDOCKER" build --no-cache "$T/ctx" >"$T/out" 2>&1 &
  for _ in $(seq 100); do grep -qx started "$T/out" && break; sleep 0.05; done
  grep -qx started "$T/out"
  bpid=$(pgrep -f "tinydocker-build --root $TD_ROOT --no-cache $T/ctx" | head -1)
  [ -n "$bpid" ]
  id=$(grep -o 'Running in [0-9a-f]*' "$T/out" | cut -d' ' -f3)
  cg=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "$id*" 2>/dev/null | head -1)
  [ -n "$cg" ]
  spid=$(head -1 "$cg/cgroup.procs")
  [ -n "$spid" ]
  # "started" is echoed before the exec: the shell may not be sleep yet on a loaded machine
  for _ in $(seq 100); do [ "$(cat /proc/$spid/comm)" = sleep ] && break; sleep 0.05; done
  [ "$(cat /proc/$spid/comm)" = sleep ] || { kill -9 "$bpid"; false; }
  kill -9 "$bpid"
  wait || true
  for _ in $(seq 100); do
    [ -z "$(ls -A "$TD_ROOT/builds" 2>/dev/null)" ] && break
    sleep 0.05
  done
  [ -z "$(find /sys/fs/cgroup -maxdepth 4 -type d -name "$id*" 2>/dev/null)" ]
  for _ in $(seq 100); do kill -0 "$spid" 2>/dev/null || break; sleep 0.05; done
  ! kill -0 "$spid" 2>/dev/null
  no_build_leftovers
}

@test "build: 51 builds in a row (cached, uncached, failing) leave nothing behind" {
  printf 'FROM busybox\nARG N\nRUN echo $N >/n\nCOPY Dockerfile /\n' >"$T/ctx/Dockerfile"
  for i in $(seq 17); do
    td build -q --build-arg N=$i "$T/ctx" >/dev/null
    td build -q --build-arg N=$i "$T/ctx" >/dev/null
    run td build -f "$C/fail/Dockerfile" "$C/fail"
    [ "$status" -eq 3 ]
  done
  no_build_leftovers
}
