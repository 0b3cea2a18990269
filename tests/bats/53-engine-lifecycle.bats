#!/usr/bin/env bats
# The lifecycle commands: ps (filters, format, -q -a -s --no-trunc), logs (-f --tail --since
# -t, json-file lines, rotation), stop/kill/restart/rm/wait/rename/pause/unpause, inspect,
# exec, attach, top, cp, container prune; 50 concurrent `run -d --name`.
bats_require_minimum_version 1.5.0
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() { td_engine_setup; }
teardown() { td_engine_teardown; }
teardown_file() { td_engine_teardown_file; }

@test "ps: columns, -a, -q, --no-trunc, filters, --format" {
  a=$(td run -d --name pa --label tier=web busybox sleep 30)
  b=$(td create --name pb busybox echo hi)
  run td ps
  [[ "${lines[0]}" == "CONTAINER ID   IMAGE"*"COMMAND"*"CREATED"*"STATUS"*"PORTS"*"NAMES" ]]
  [ "${#lines[@]}" -eq 2 ]
  [[ "${lines[1]}" == "${a:0:12}   busybox   \"sleep 30\""*"Up "*"pa" ]]
  run td ps -a -q
  [ "$output" = "$(printf '%s\n%s' "${b:0:12}" "${a:0:12}")" ]
  run td ps -a -q --no-trunc
  [[ "$output" == *"$a"* ]]
  [ "$(td ps -aq --filter status=created)" = "${b:0:12}" ]
  [ "$(td ps -aq --filter name=pa)" = "${a:0:12}" ]
  [ "$(td ps -aq --filter label=tier)" = "${a:0:12}" ]
  [ "$(td ps -aq --filter ancestor=busybox | wc -l)" -eq 2 ]
  run td ps -a --format '{{.Names}}:{{.State}}'
  [ "$output" = "$(printf 'pb:created\npa:running')" ]
  run td ps -a --format 'table {{.Names}}\t{{.Status}}'
  [[ "${lines[0]}" == "NAMES"*"STATUS" ]]
  run td ps --format '{{json .}}'
  echo "$output" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert d["Names"]=="pa"'
  run td ps -s --format '{{.Size}}'
  [ -n "$output" ]
  run td ps --filter bogus=1
  [ "$status" -eq 1 ]
  [[ "$output" == "Error response from daemon: "* ]]
}

@test "logs: json-file lines, -t, --tail, --since, -f until exit" {
  id=$(td run -d --name lg busybox sh -c 'for i in 1 2 3; do echo line$i; done; sleep 0.2; echo oops >&2')
  [ "$(td wait lg)" = 0 ]
  run td logs lg
  [ "$output" = "$(printf 'line1\nline2\nline3\noops')" ]
  run bash -c "'$TINYDOCKER' logs lg 2>/dev/null"
  [ "$output" = "$(printf 'line1\nline2\nline3')" ]
  run td logs --tail 2 lg
  [ "$output" = "$(printf 'line3\noops')" ]
  run td logs -n 0 lg
  [ -z "$output" ]
  run td logs -t lg
  [[ "${lines[0]}" =~ ^20[0-9-]+T[0-9:.]+Z\ line1$ ]]
  run td logs --since 1h lg
  [ "${#lines[@]}" -eq 4 ]
  run td logs --until 2000-01-01T00:00:00Z lg
  [ -z "$output" ]
  # the file is docker's json-file format
  f=$(td inspect -f '{{.LogPath}}' lg)
  head -1 "$f" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert d["log"]=="line1\n" and d["stream"]=="stdout" and d["time"].endswith("Z")'
  # -f follows until the container exits
  td run -d --name lf busybox sh -c 'echo a; sleep 1; echo b'
  run timeout 10 "$TINYDOCKER" logs -f lf
  [ "$output" = "$(printf 'a\nb')" ]
}

@test "logs rotate with --log-opt max-size/max-file" {
  id=$(td run -d --log-opt max-size=2k --log-opt max-file=2 busybox sh -c 'for i in $(seq 200); do echo line-$i; done')
  td wait "$id"
  f=$(td inspect -f '{{.LogPath}}' "$id")
  [ -f "$f.1" ]
  [ ! -f "$f.2" ]
  [ "$(stat -c %s "$f")" -le 2200 ]
  run td logs --tail 1 "$id"
  [ "$output" = line-200 ]
}

@test "stop -t (signal, then SIGKILL), kill -s, restart, wait" {
  id=$(td run -d --name sp busybox sh -c 'trap "exit 42" TERM; touch /trapped; while true; do sleep 0.1; done')
  # stop only once the trap is set (before it, sh as PID 1 ignores SIGTERM: a loaded host
  # made that race visible)
  for _ in $(seq 100); do td exec sp test -e /trapped && break; sleep 0.05; done
  run td stop sp
  [ "$output" = sp ]
  [ "$(td inspect -f '{{.State.Status}} {{.State.ExitCode}}' sp)" = "exited 42" ]
  # sh as PID 1 ignores SIGTERM: killed after -t
  td run -d --name sk busybox sleep 60
  start=$(date +%s)
  td stop -t 1 sk
  [ $(($(date +%s) - start)) -le 4 ]
  [ "$(td inspect -f '{{.State.ExitCode}}' sk)" = 137 ]
  td run -d --name ks busybox sh -c 'trap "exit 7" USR1; while true; do sleep 0.1; done'
  sleep 0.3
  td kill -s USR1 ks
  run td wait ks
  [ "$output" = 7 ]
  run td kill ks
  [ "$status" -ne 0 ]
  [[ "$output" == *"is not running"* ]]
  td restart sk
  [ "$(td inspect -f '{{.State.Running}}' sk)" = true ]
}

@test "wait on a --rm container gets its exit code, though its record goes with it" {
  # the exit comes after the monitor's hand-over (100 ms): the idle program keeps wait's
  # connection across its exec back into tinydocker
  id=$(td run -d --rm busybox sh -c 'sleep 1; exit 9')
  run td wait "$id"
  [ "$status" -eq 0 ]
  [ "$output" = 9 ]
  run td inspect "$id"
  [ "$status" -ne 0 ]
  # gone already: docker's error
  run td wait "$id"
  [ "$status" -eq 1 ] || [ "$status" -eq 125 ]
  [[ "$output" == *"No such container"* ]]
}

@test "rm: refuses running, -f kills and removes everything" {
  id=$(td run -d --name rr busybox sleep 60)
  run td rm rr
  [ "$status" -ne 0 ]
  [[ "$output" == *"Stop the container before attempting removal or force remove"* ]]
  pid=$(td inspect -f '{{.State.Pid}}' rr)
  run td rm -f rr
  [ "$output" = rr ]
  [ ! -d "$TD_ROOT/containers/$id" ]
  [ ! -e /proc/$pid ]
  [ -z "$(td_cgroup_dirs "$id")" ]
  [ "$(td_mounts_under_root)" -eq 0 ]
  [ ! -d "$TD_ROOT/run/$id" ]
}

@test "rename, pause/unpause, inspect shape" {
  id=$(td run -d --name old busybox sleep 60)
  td rename old new
  [ "$(td inspect -f '{{.Name}}' new)" = /new ]
  run td inspect old
  [ "$status" -ne 0 ]
  run td rename new new
  [ "$status" -ne 0 ]
  td pause new
  [ "$(td inspect -f '{{.State.Status}} {{.State.Paused}}' new)" = "paused true" ]
  [[ "$(td ps --format '{{.Status}}')" == *"(Paused)" ]]
  run td exec new true
  [ "$status" -ne 0 ]
  td unpause new
  [ "$(td inspect -f '{{.State.Status}}' new)" = running ]
  td inspect new | python3 -c '
import json,sys
d=json.load(sys.stdin)[0]
for k in ["Id","Created","Path","Args","State","Image","Name","RestartCount","HostConfig","Config","Mounts","NetworkSettings","LogPath"]:
    assert k in d, k
s=d["State"]
for k in ["Status","Running","Paused","Pid","ExitCode","OOMKilled","StartedAt","FinishedAt"]:
    assert k in s, k
assert "Td" not in d
assert d["Config"]["Image"]=="busybox"
'
}

@test "exec joins the container's cgroup in every hierarchy (the host's /proc/PID/cgroup)" {
  td run -d --name excg -m 64m busybox sleep 60
  init=$(td inspect -f '{{.State.Pid}}' excg)
  tag="sleep 4$RANDOM"
  td exec -d excg $tag
  p=
  for i in $(seq 50); do p=$(pgrep -f -x "$tag" || true); [ -n "$p" ] && break; sleep 0.05; done
  [ -n "$p" ]
  diff <(sort /proc/$init/cgroup) <(sort /proc/$p/cgroup)
  # and so the container's limit applies to it
  grep -q "/tinydocker/" /proc/$p/cgroup
  td rm -f excg >/dev/null
}

@test "exec: -e -w -u, exit code, -d, -it under a pipe" {
  td run -d --name ex busybox sleep 60
  run td exec -e X=1 -w /tmp -u nobody ex sh -c 'echo $X $(pwd) $(id -u)'
  [ "$output" = "1 /tmp 65534" ]
  run td exec ex sh -c 'exit 9'
  [ "$status" -eq 9 ]
  run td exec ex false
  [ "$status" -eq 1 ]
  td exec -d ex sh -c 'echo detached > /tmp/d'
  sleep 0.3
  [ "$(td exec ex cat /tmp/d)" = detached ]
  run bash -c "echo 'echo piped' | '$TINYDOCKER' exec -i ex sh"
  [ "$output" = piped ]
  # same security settings as the container
  run td exec ex grep -E 'CapEff|Seccomp:' /proc/self/status
  [[ "$output" == *a80425fb* && "$output" == *"Seccomp:	2"* ]]
  run -126 td exec ex nosuchcmd # docker 20.10: an exec that cannot start is 126
  [ "$status" -ne 0 ]
}

@test "attach to a running container sees its output and its exit code" {
  td run -d --name at busybox sh -c 'sleep 1; echo late; exit 6'
  run timeout 10 "$TINYDOCKER" attach at
  [ "$status" -eq 6 ]
  [ "$output" = late ]
}

@test "top lists the container's processes" {
  td run -d --name tp busybox sleep 60
  run td top tp
  [[ "${lines[0]}" == UID*PID*PPID*CMD ]]
  [[ "$output" == *"sleep 60"* ]]
}

@test "cp both directions, never out of the rootfs through a symlink" {
  td run -d --name cpc busybox sh -c 'echo inside > /tmp/f; ln -s / /tmp/escape; ln -s /etc/hostname /tmp/link; sleep 60'
  sleep 0.3
  td cp cpc:/tmp/f "$TEST_TMP/out"
  [ "$(cat "$TEST_TMP/out")" = inside ]
  echo host >"$TEST_TMP/in"
  td cp "$TEST_TMP/in" cpc:/tmp/in
  [ "$(td exec cpc cat /tmp/in)" = host ]
  # copying into /tmp/escape/... lands in the container's /, not the host's
  td cp "$TEST_TMP/in" cpc:/tmp/escape/td-cp-escape
  [ ! -e /td-cp-escape ]
  [ "$(td exec cpc cat /td-cp-escape)" = host ]
  # a directory
  mkdir -p "$TEST_TMP/d/sub"
  echo x >"$TEST_TMP/d/sub/y"
  td cp "$TEST_TMP/d" cpc:/tmp/
  [ "$(td exec cpc cat /tmp/d/sub/y)" = x ]
  td cp cpc:/tmp/d "$TEST_TMP/back"
  [ "$(cat "$TEST_TMP/back/sub/y")" = x ]
  # stopped containers too
  td stop -t 0 cpc
  td cp cpc:/tmp/in "$TEST_TMP/in2"
  [ "$(cat "$TEST_TMP/in2")" = host ]
  [ "$(td_mounts_under_root)" -eq 0 ]
}

@test "container prune removes only stopped containers" {
  td run -d --name keep busybox sleep 60
  td run --name done1 busybox true
  td create --name done2 busybox true
  run td container prune -f
  [[ "$output" == *"Deleted Containers:"* ]]
  [ "$(td ps -aq | wc -l)" -eq 1 ]
  [ "$(td ps -a --format '{{.Names}}')" = keep ]
}

@test "50 concurrent run -d --name: names stay unique" {
  for i in $(seq 50); do
    td run -d --name "c$((i % 25))" --network none busybox sleep 30 >"$TEST_TMP/out.$i" 2>&1 &
  done
  wait
  ok=$(grep -lE '^[0-9a-f]{64}$' "$TEST_TMP"/out.* | wc -l)
  conflict=$(grep -l 'already in use' "$TEST_TMP"/out.* | wc -l)
  echo "ok=$ok conflict=$conflict"
  [ "$ok" -eq 25 ]
  [ "$conflict" -eq 25 ]
  [ "$(td ps -q | wc -l)" -eq 25 ]
  [ "$(td ps --format '{{.Names}}' | sort -u | wc -l)" -eq 25 ]
}
