#!/usr/bin/env bats
# The working directory never leads out of the container (the CVE-2024-21626 class), in the
# engine (run -w, exec -w) and in tinyrun (process.cwd, exec --cwd), with openat2 and with the
# fallback walk (TD_FORCE_NO_OPENAT2=1): /proc/self/fd/N for every N in 3..20, symlinks out
# of the rootfs, a host marker file never readable, and the process's cwd as the host's
# kernel reports it (/proc/PID/cwd) beneath the container's root. Hooks run in the
# container's context get no host fd and no host cwd.
bats_require_minimum_version 1.5.0
load ../helpers/engine

UP=../../../../../../../../../../../../../../../..

setup_file() {
  td_engine_setup_file
  # the host's secret: the attack prints it if it ever reaches the host's /
  head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TEST_TMP/marker"
  # an image (and a tinyrun rootfs) with symlinks that try to point out of the root
  local d=$TEST_TMP/evilroot
  td_make_busybox_rootfs "$d"
  ln -s ../../../../../../../../.. "$d/evil"
  local n
  for n in $(seq 3 20); do ln -s "/proc/self/fd/$n" "$d/evilfd$n"; done
  ln -s /tmp "$d/abs"
  ln -s tmp "$d/rel"
  mkdir -p "$d/w/sub"
  printf '#!/bin/sh\nreadlink /proc/self/cwd >/tmp/hook-cwd\nls /proc/self/fd >/tmp/hook-fds\n' \
    >"$d/hook.sh"
  chmod +x "$d/hook.sh"
  tar -C "$d" -c . | "$TINYDOCKER" import - evil >/dev/null
}
setup() {
  td_engine_setup
  SECRET=$(cat "$TEST_TMP/marker")
  ATTACK="pwd; cat $UP$TEST_TMP/marker; ls $UP$TEST_TMP; exit 0"
  ROOTFS=$TEST_TMP/evilroot
  B=$TEST_TMP/bundle-$BATS_TEST_NUMBER
  mkdir -p "$B"
  ID=cwd-$$-$BATS_TEST_NUMBER
}
teardown() {
  "$TINYRUN" --root "$TR_ROOT" delete --force "$ID" >/dev/null 2>&1 || true
  rm -f "$ROOTFS"/tmp/hook-* "$TEST_TMP"/hook-*
  rm -rf "$B"
  td_engine_teardown
}
teardown_file() { td_engine_teardown_file; }

# $B/config.json: busybox in $ROOTFS with cwd $1 running args $2 (a shell line), jq filter $3.
cwd_config() {
  jq -n --arg root "$ROOTFS" --arg cwd "$1" --arg sh "$2" '{
    ociVersion: "1.2.0",
    process: {terminal: false, user: {uid: 0, gid: 0}, args: ["sh", "-c", $sh],
              env: ["PATH=/bin"], cwd: $cwd},
    root: {path: $root},
    mounts: [{destination: "/proc", type: "proc", source: "proc"}],
    linux: {namespaces: [{type: "pid"}, {type: "mount"}, {type: "ipc"}, {type: "uts"},
                         {type: "network"}]}
  }' | jq "${3:-.}" >"$B/config.json"
}

trn() { timeout 60 "$TINYRUN" --root "$TR_ROOT" "$@"; }

# The last run's output never holds the host's secret; a refusal is about the cwd.
no_escape() { # what
  if [[ "$output" == *"$SECRET"* ]]; then
    echo "ESCAPE ($1): $output" >&2
    return 1
  fi
  if [ "$status" -ne 0 ] && [[ "$output" != *'chdir to cwd ("'* ]]; then
    echo "unexpected failure ($1): $output" >&2
    return 1
  fi
  # a process that did start is inside: its pwd is a path of the container
  if [ "$status" -eq 0 ] && [[ "${lines[0]}" != /proc && "${lines[0]}" != /proc/* && "${lines[0]}" != / ]]; then
    echo "unexpected cwd ($1): $output" >&2
    return 1
  fi
}

# The host's view of pid's cwd: the directory $2 beneath its root (and beneath $3, the
# rootfs on the host, when given).
cwd_inside() { # pid path [rootfs]
  local pid=$1 want=$2 here
  here=$(stat -L -c %d:%i "/proc/$pid/cwd")
  [ "$(readlink "/proc/$pid/cwd")" = "$want" ] || {
    echo "cwd of $pid is $(readlink "/proc/$pid/cwd"), not $want" >&2
    return 1
  }
  [ "$here" = "$(stat -L -c %d:%i "/proc/$pid/root$want")" ] || {
    echo "cwd of $pid is not $want beneath its root" >&2
    return 1
  }
  [ -z "${3:-}" ] || [ "$here" = "$(stat -c %d:%i "$3$want")" ]
}

# The host pid of the process whose pid is $2 in the pid namespace of $1.
host_pid_of() { # init-pid ns-pid
  local p ns
  ns=$(readlink "/proc/$1/ns/pid")
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] || continue
    if awk '/^NSpid:/ {print $NF}' "$p/status" 2>/dev/null | grep -qx "$2"; then
      echo "${p#/proc/}"
      return 0
    fi
  done
  return 1
}

@test "engine run -w /proc/self/fd/N (3..20) stays inside, openat2 and fallback" {
  local n f
  for f in 0 1; do
    for n in $(seq 3 20); do
      TD_FORCE_NO_OPENAT2=$f run td run --rm -w "/proc/self/fd/$n" busybox sh -c "$ATTACK"
      no_escape "run -w /proc/self/fd/$n, fallback=$f"
    done
  done
  [ "$(td_count)" -eq 0 ]
}

@test "engine exec -w /proc/self/fd/N (3..20) stays inside, openat2 and fallback" {
  td run -d --name ex busybox sleep 1000 >/dev/null
  local n f
  for f in 0 1; do
    for n in $(seq 3 20); do
      TD_FORCE_NO_OPENAT2=$f run td exec -w "/proc/self/fd/$n" ex sh -c "$ATTACK"
      no_escape "exec -w /proc/self/fd/$n, fallback=$f"
    done
  done
}

@test "tinyrun process.cwd /proc/self/fd/N (3..20) stays inside, openat2 and fallback" {
  local n f
  for f in 0 1; do
    for n in $(seq 3 20); do
      cwd_config "/proc/self/fd/$n" "$ATTACK"
      TD_FORCE_NO_OPENAT2=$f run trn run --bundle "$B" "$ID"
      no_escape "process.cwd /proc/self/fd/$n, fallback=$f"
      trn delete --force "$ID" >/dev/null 2>&1 || true
    done
  done
}

@test "tinyrun exec --cwd /proc/self/fd/N (3..20) stays inside, openat2 and fallback" {
  cwd_config / 'exec sleep 1000'
  trn run --detach --bundle "$B" "$ID" </dev/null >/dev/null
  local n f
  for f in 0 1; do
    for n in $(seq 3 20); do
      TD_FORCE_NO_OPENAT2=$f run trn exec --cwd "/proc/self/fd/$n" "$ID" sh -c "$ATTACK"
      no_escape "exec --cwd /proc/self/fd/$n, fallback=$f"
    done
  done
}

@test "engine: a cwd symlink out of the image stays inside; the host sees the cwd beneath the root" {
  local f pid n
  for f in 0 1; do
    TD_FORCE_NO_OPENAT2=$f run td run --rm -w /evil evil sh -c "$ATTACK"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = / ]
    no_escape "run -w /evil, fallback=$f"
    for n in $(seq 3 20); do
      TD_FORCE_NO_OPENAT2=$f run td run --rm -w "/evilfd$n" evil sh -c "$ATTACK"
      no_escape "run -w /evilfd$n, fallback=$f"
    done
  done
  # legitimate links resolve as the container sees them
  run td run --rm -w /abs evil pwd
  [ "$output" = /tmp ]
  run td run --rm -w /rel evil pwd
  [ "$output" = /tmp ]
  # a missing cwd is made beneath the root, as docker does (tinyrun still refuses, as runc)
  rm -rf /td-nonexistent-cwd
  run td run --rm -w /td-nonexistent-cwd/sub evil pwd
  [ "$status" -eq 0 ]
  [ "$output" = /td-nonexistent-cwd/sub ]
  [ ! -e /td-nonexistent-cwd ]

  td run -d --name sym -w /evil evil sleep 1000 >/dev/null
  pid=$(td inspect -f '{{.State.Pid}}' sym)
  cwd_inside "$pid" /
  run td exec -w /nonexistent sym pwd
  [ "$status" -ne 0 ]
  [[ "$output" == *'chdir to cwd ("/nonexistent") set in config.json failed'* ]]
  td run -d --name abs -w /abs evil sleep 1000 >/dev/null
  cwd_inside "$(td inspect -f '{{.State.Pid}}' abs)" /tmp
  # exec: the same, seen from the host for the exec'd process itself
  for f in 0 1; do
    for n in $(seq 3 20); do
      TD_FORCE_NO_OPENAT2=$f run td exec -w "/evilfd$n" sym sh -c "$ATTACK"
      no_escape "exec -w /evilfd$n, fallback=$f"
    done
    td exec -d -w /evil sym sh -c "echo \$\$ >/tmp/exec-$f.pid; exec sleep 1000"
    local nspid="" i
    for i in $(seq 100); do
      nspid=$(cat "/proc/$pid/root/tmp/exec-$f.pid" 2>/dev/null) && [ -n "$nspid" ] && break
      sleep 0.05
    done
    cwd_inside "$(host_pid_of "$pid" "$nspid")" /
  done
}

@test "tinyrun: a cwd symlink out of the rootfs stays inside; the host sees the cwd beneath the rootfs" {
  local f n
  for f in 0 1; do
    cwd_config /evil "$ATTACK"
    TD_FORCE_NO_OPENAT2=$f run trn run --bundle "$B" "$ID"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = / ]
    no_escape "process.cwd /evil, fallback=$f"
    for n in $(seq 3 20); do
      cwd_config "/evilfd$n" "$ATTACK"
      TD_FORCE_NO_OPENAT2=$f run trn run --bundle "$B" "$ID"
      no_escape "process.cwd /evilfd$n, fallback=$f"
      trn delete --force "$ID" >/dev/null 2>&1 || true
    done
  done
  cwd_config /rel pwd
  run trn run --bundle "$B" "$ID"
  [ "$output" = /tmp ]
  # the created init has entered its cwd already: the host's view of it
  cwd_config /evil 'exec sleep 1000'
  trn create --bundle "$B" "$ID" </dev/null >/dev/null
  local pid
  pid=$(trn state "$ID" | jq .pid)
  cwd_inside "$pid" / "$ROOTFS"
  trn start "$ID"
  cwd_inside "$pid" / "$ROOTFS"
  trn exec --detach --pid-file "$B/exec.pid" --cwd /abs "$ID" sleep 1000
  cwd_inside "$(cat "$B/exec.pid")" /tmp "$ROOTFS"
  for f in 0 1; do
    for n in $(seq 3 20); do
      TD_FORCE_NO_OPENAT2=$f run trn exec --cwd "/evilfd$n" "$ID" sh -c "$ATTACK"
      no_escape "exec --cwd /evilfd$n, fallback=$f"
    done
    TD_FORCE_NO_OPENAT2=$f run trn exec --cwd /evil "$ID" sh -c "$ATTACK"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = / ]
  done
}

@test "tinyrun: hooks in the container's context get no host fd and no host cwd" {
  cat >"$TEST_TMP/hook-create.sh" <<EOF
#!/bin/sh
readlink /proc/self/cwd >"$TEST_TMP/hook-create-cwd"
ls /proc/self/fd >"$TEST_TMP/hook-create-fds"
EOF
  chmod +x "$TEST_TMP/hook-create.sh"
  cwd_config /w/sub true "
    .hooks.createContainer = [{path: \"$TEST_TMP/hook-create.sh\"}]
    | .hooks.startContainer = [{path: \"/hook.sh\"}]"
  # fd 7 is the caller's, open and inheritable: it must reach neither hook
  (cd / && trn run --bundle "$B" "$ID" 7<"$TEST_TMP/marker")
  # stdin, stdout, stderr and the fd ls reads the directory with
  [ "$(cat "$TEST_TMP/hook-create-fds" | tr '\n' ' ')" = "0 1 2 3 " ]
  [ "$(cat "$TEST_TMP/hook-create-cwd")" = "$ROOTFS" ]
  [ "$(cat "$ROOTFS/tmp/hook-cwd")" = /w/sub ]
  [ "$(cat "$ROOTFS/tmp/hook-fds" | tr '\n' ' ')" = "0 1 2 3 " ]
}
