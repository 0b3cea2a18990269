#!/usr/bin/env bats
# tinyrun's lifecycle as the host sees it: exit codes, signals, create/start/state/kill/delete,
# list/ps, pause/resume, update, exec, pid file, preserved fds, hooks, fd hygiene, bad input.
load ../helpers/common

setup() {
  td_setup_roots
  B=$TEST_TMP/bundle
  td_make_busybox_rootfs "$B/rootfs"
  ID=lc-$$-$BATS_TEST_NUMBER
  ( cd "$B" && "$TINYRUN" spec )
  lc_config '.'
}

teardown() {
  [ -n "${TEST_TMP:-}" ] || return 0
  local c
  for c in "$ID" "$ID-2"; do
    "$TINYRUN" --root "$TR_ROOT" delete --force "$c" >/dev/null 2>&1 || true
  done
  [ -n "${RUNPID:-}" ] && kill -9 "$RUNPID" 2>/dev/null || true
  td_teardown_roots
}

# Rewrite config.json: not a terminal, sleep by default, then the jq filter $1.
lc_config() {
  jq '.process.terminal = false | .process.args = ["sleep", "1000"]
      | .root.readonly = false' "$B/config.json" | jq "$1" >"$B/config.tmp"
  mv "$B/config.tmp" "$B/config.json"
}

tr() { "$TINYRUN" --root "$TR_ROOT" "$@"; }
lc_status() { tr state "${1:-$ID}" | jq -r .status; }
lc_pid() { tr state "${1:-$ID}" | jq -r .pid; }

# Nothing left for $ID: no state dir, no cgroup dir in any v1 hierarchy.
lc_nothing_left() {
  [ ! -e "$TR_ROOT/$ID" ]
  [ -z "$(ls -A "$TR_ROOT")" ]
  local d
  for d in /sys/fs/cgroup/*/tinyrun/"$ID" /sys/fs/cgroup/tinyrun/"$ID"; do
    [ ! -e "$d" ] || { echo "left: $d"; return 1; }
  done
}

@test "run: the exit code of the process passes through (exit 3 -> 3)" {
  lc_config '.process.args = ["sh", "-c", "exit 3"]'
  run timeout 60 "$TINYRUN" --root "$TR_ROOT" run --bundle "$B" "$ID"
  [ "$status" -eq 3 ]
  lc_nothing_left
}

@test "run: output and exit 0; the container is deleted afterwards" {
  lc_config '.process.args = ["echo", "hello"]'
  run timeout 60 "$TINYRUN" --root "$TR_ROOT" run --bundle "$B" "$ID"
  [ "$status" -eq 0 ]
  [ "$output" = "hello" ]
  lc_nothing_left
}

@test "run: kill TERM of the running container -> run exits 143" {
  # without a pid namespace sleep is not an init, so TERM's default action kills it
  lc_config '.linux.namespaces |= map(select(.type != "pid"))'
  timeout 60 "$TINYRUN" --root "$TR_ROOT" run --bundle "$B" "$ID" &
  RUNPID=$!
  for _ in $(seq 50); do [ "$(lc_status 2>/dev/null)" = running ] && break; sleep 0.1; done
  [ "$(lc_status)" = running ]
  tr kill "$ID" TERM
  st=0; wait "$RUNPID" || st=$?
  RUNPID=
  [ "$st" -eq 143 ]
  lc_nothing_left
}

@test "run: SIGTERM to the run process is forwarded (exit 143)" {
  lc_config '.linux.namespaces |= map(select(.type != "pid"))'
  "$TINYRUN" --root "$TR_ROOT" run --bundle "$B" "$ID" &
  RUNPID=$!
  for _ in $(seq 50); do [ "$(lc_status 2>/dev/null)" = running ] && break; sleep 0.1; done
  kill -s TERM "$RUNPID"
  st=0; wait "$RUNPID" || st=$?
  RUNPID=
  [ "$st" -eq 143 ]
}

@test "create/start/state/kill/delete: created -> running -> stopped -> gone" {
  tr create --bundle "$B" "$ID"
  [ "$(lc_status)" = created ]
  pid=$(lc_pid)
  [ -d "/proc/$pid" ]
  tr state "$ID" | jq -e --arg id "$ID" --arg b "$B" '.id == $id and .bundle == $b and .ociVersion != null'
  tr start "$ID"
  [ "$(lc_status)" = running ]
  grep -q sleep "/proc/$pid/cmdline"
  tr kill "$ID" KILL
  for _ in $(seq 50); do [ "$(lc_status)" = stopped ] && break; sleep 0.1; done
  [ "$(lc_status)" = stopped ]
  tr delete "$ID"
  run tr state "$ID"
  [ "$status" -ne 0 ]
  lc_nothing_left
}

@test "list: table, --format json and -q" {
  tr create --bundle "$B" "$ID"
  run tr list
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == ID*PID*STATUS*BUNDLE* ]]
  [[ "$output" == *"$ID"*created*"$B"* ]]
  run tr list -q
  [ "$output" = "$ID" ]
  tr list --format json | jq -e --arg id "$ID" '.[0].id == $id and .[0].status == "created"'
}

@test "ps --format json lists the init's host pid" {
  tr run -d --bundle "$B" "$ID"
  pid=$(lc_pid)
  tr ps --format json "$ID" | jq -e --argjson p "$pid" 'index($p) != null'
}

@test "pause/resume: state paused, the init is frozen, then running again" {
  tr run -d --bundle "$B" "$ID"
  pid=$(lc_pid)
  tr pause "$ID"
  [ "$(lc_status)" = paused ]
  # the freezer puts the task in D (or T on some kernels)
  grep -Eq '^State:[[:space:]]+(D|T)' "/proc/$pid/status"
  cat "/sys/fs/cgroup/freezer/tinyrun/$ID/freezer.state" | grep -q FROZEN
  tr resume "$ID"
  [ "$(lc_status)" = running ]
  grep -Eq '^State:[[:space:]]+S' "/proc/$pid/status"
}

@test "update --memory sets memory.limit_in_bytes on the host" {
  tr run -d --bundle "$B" "$ID"
  tr update --memory 64m "$ID"
  [ "$(cat "/sys/fs/cgroup/memory/tinyrun/$ID/memory.limit_in_bytes")" -eq 67108864 ]
  grep -qx "$(lc_pid)" "/sys/fs/cgroup/memory/tinyrun/$ID/cgroup.procs"
}

@test "exec: runs in the container and its exit code passes through" {
  tr run -d --bundle "$B" "$ID"
  run tr exec "$ID" sh -c 'exit 7'
  [ "$status" -eq 7 ]
  run tr exec "$ID" hostname
  [ "$status" -eq 0 ]
  [ "$output" = tinyrun ]
  # the exec'd process sees the container's pid namespace: sleep is pid 1
  run tr exec "$ID" cat /proc/1/cmdline
  [[ "$output" == sleep* ]]
}

@test "--pid-file holds the init's host pid" {
  tr create --pid-file "$TEST_TMP/pid" --bundle "$B" "$ID"
  [ "$(cat "$TEST_TMP/pid")" -eq "$(lc_pid)" ]
}

@test "--preserve-fds passes fd 3 through to the process" {
  lc_config '.process.args = ["sh", "-c", "cat <&3"]'
  echo preserved >"$TEST_TMP/in"
  run timeout 60 "$TINYRUN" --root "$TR_ROOT" run --preserve-fds 1 --bundle "$B" "$ID" 3<"$TEST_TMP/in"
  [ "$status" -eq 0 ]
  [ "$output" = preserved ]
}

@test "no host fd leaks into the init: only 0, 1, 2" {
  tr run -d --bundle "$B" "$ID" 5<"$B/config.json" </dev/null >/dev/null 2>&1
  pid=$(lc_pid)
  run ls "/proc/$pid/fd"
  [ "$(echo $output)" = "0 1 2" ]
}

@test "hooks: each gets the state JSON on stdin; poststop after delete" {
  local h k
  for k in prestart createRuntime createContainer startContainer poststart poststop; do
    printf '#!/bin/sh\ncat >%s/hook-%s\n' "$TEST_TMP" "$k" >"$TEST_TMP/h-$k"
    chmod +x "$TEST_TMP/h-$k"
  done
  lc_config "$(for k in prestart createRuntime createContainer startContainer poststart poststop; do
    printf '.hooks.%s = [{path: "%s/h-%s"}] | ' "$k" "$TEST_TMP" "$k"; done) ."
  # startContainer runs inside the container: give it a rootfs-visible copy of cat's target
  mkdir -p "$B/rootfs$TEST_TMP" && cp "$TEST_TMP/h-startContainer" "$B/rootfs$TEST_TMP/"
  tr create --bundle "$B" "$ID"
  for k in prestart createRuntime createContainer; do
    jq -e --arg id "$ID" '.id == $id and .status == "creating" or .status == "created"' "$TEST_TMP/hook-$k"
  done
  # prestart: "created" (crun; the runtime-tools hooks_stdin check); the create-time hooks
  # "creating" (runc); all with the init's pid
  pid=$(tr state "$ID" | jq -r .pid)
  [ "$(jq -r .status "$TEST_TMP/hook-prestart")" = created ]
  [ "$(jq -r .status "$TEST_TMP/hook-createRuntime")" = creating ]
  [ "$(jq -r .status "$TEST_TMP/hook-createContainer")" = creating ]
  for k in prestart createRuntime createContainer; do
    [ "$(jq -r .pid "$TEST_TMP/hook-$k")" = "$pid" ]
  done
  [ ! -e "$TEST_TMP/hook-poststart" ]
  tr start "$ID"
  jq -e --arg id "$ID" '.id == $id' "$TEST_TMP/hook-poststart"
  jq -e --arg id "$ID" '.id == $id' "$B/rootfs$TEST_TMP/hook-startContainer"
  tr kill "$ID" KILL
  for _ in $(seq 50); do [ "$(lc_status)" = stopped ] && break; sleep 0.1; done
  tr delete "$ID"
  jq -e --arg id "$ID" '.id == $id and .status == "stopped"' "$TEST_TMP/hook-poststop"
}

@test "a failing prestart hook fails create and leaves nothing" {
  lc_config '.hooks.prestart = [{path: "/bin/sh", args: ["sh", "-c", "exit 1"]}]'
  run tr create --bundle "$B" "$ID"
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  lc_nothing_left
}

lc_bad() { # expected-substring
  run tr create --bundle "$B" "$ID"
  echo "$output"
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"$1"* ]]
  lc_nothing_left
}

@test "bad input: missing config.json" {
  rm "$B/config.json"
  lc_bad config.json
}

@test "bad input: malformed config.json" {
  echo '{"ociVersion": ' >"$B/config.json"
  lc_bad config.json
}

@test "bad input: unknown namespace type" {
  lc_config '.linux.namespaces += [{type: "bogus"}]'
  lc_bad bogus
}

@test "bad input: cwd missing in the rootfs" {
  lc_config '.process.cwd = "/nonexistent"'
  lc_bad nonexistent
}

@test "bad input: args[0] not found" {
  lc_config '.process.args = ["/no-such-binary"]'
  lc_bad 'no such file or directory'
  lc_config '.process.args = ["no-such-binary"]'
  lc_bad 'executable file not found'
}

@test "bad input: duplicate id leaves the first container alone" {
  tr create --bundle "$B" "$ID"
  run tr create --bundle "$B" "$ID"
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"already exists"* ]]
  [ "$(lc_status)" = created ]
}

@test "bad input: delete of a running container without --force" {
  tr run -d --bundle "$B" "$ID"
  run tr delete "$ID"
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [ "$(lc_status)" = running ]
  tr delete --force "$ID"
  lc_nothing_left
}

@test "bad input: bad signal name" {
  tr run -d --bundle "$B" "$ID"
  run tr kill "$ID" BOGUS
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *BOGUS* ]]
  [ "$(lc_status)" = running ]
}

@test "runc's own spec template runs (ambient caps without inheritable are skipped, as runc)" {
  command -v runc >/dev/null || skip "runc not installed"
  local b=$TEST_TMP/runcspec
  mkdir -p "$b"
  td_make_busybox_rootfs "$b/rootfs"
  (cd "$b" && runc spec)
  jq '.process.terminal=false | .process.args=["/bin/sh","-c","exit 7"]' "$b/config.json" >"$b/c.json"
  mv "$b/c.json" "$b/config.json"
  run bash -c "cd '$b' && '$TINYRUN' --root '$TR_ROOT' run rs-$$ </dev/null"
  [ "$status" -eq 7 ]
  [ ! -e "$TR_ROOT/rs-$$" ]
}
