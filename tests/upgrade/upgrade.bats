#!/usr/bin/env bats
# The upgrade test (`make test-upgrade`, scripts/upgrade-test.sh): a store written by an older
# engine (UPGRADE_FROM, default 0831d19, built from git history into build-upgrade/) is read
# and operated by this one: ps, inspect, logs, exec, start, stop, rm; and what this one writes
# back stays readable by the old one. The tests run in order on one store, made in setup_file
# by the old binary: a stopped container with logs, a running detached one, one with -p on a
# custom network, one that used a named volume.
load ../helpers/engine

old() { "$UPGRADE_OLD" "$@"; }

# The members of the old engine's inspect of a container whose value the new one prints
# differently (dotted paths): the new one prints docker 20.10's shape (engine/view/inspect.c),
# which adds docker's keys and says null where the old one said [] for docker's nil lists, and
# leaves out the omitempty ones the old one printed empty.
changed_members() { # name
  jq -rn --argjson a "$(old inspect "$1")" --argjson b "$(td inspect "$1")" '
    [$a | paths(scalars or . == [] or . == {}) as $p
      | select(($b | getpath($p)) != ($a | getpath($p))) | $p | map(tostring) | join(".")]
    | .[]'
}
# what docker's shape changes in those records: nil lists, omitempty members, a stopped
# container's addresses (docker clears them; a running one keeps them: checked below)
DOCKER_SHAPE='^0\.HostConfig\.(Binds|CapAdd|CapDrop|SecurityOpt|Ulimits|Tmpfs|Sysctls|Init)$|^0\.NetworkSettings\.(Networks\.[^.]+\.)?(IPAddress|IPPrefixLen|Gateway|MacAddress)$'

setup_file() {
  if [ -z "${UPGRADE_OLD:-}" ]; then
    UPGRADE_OLD=$("$REPO/scripts/upgrade-test.sh" --build) || skip "no git history to build the old engine from"
  fi
  export UPGRADE_OLD
  td_engine_setup_file
  td_engine_env
  port=$((20000 + RANDOM % 20000))
  echo "$port" >"$BATS_FILE_TMPDIR/port"
  old run --name up-stopped busybox sh -c 'echo old-out-line; echo old-err-line >&2' >/dev/null
  old run -d --name up-running busybox sleep 30201 >/dev/null
  old network create up-net >/dev/null
  old run -d --name up-web --network up-net --network-alias web -p "127.0.0.1:$port:80" \
    busybox httpd -f -p 80 -h /etc >/dev/null
  old volume create up-vol >/dev/null
  old run --name up-vol-c -v up-vol:/data busybox sh -c 'echo from-old >/data/f' >/dev/null
  # what the leak check looks for at the end: the monitors, the bridge of up-net
  for n in up-running up-web; do
    id=$(old inspect -f '{{.Id}}' "$n")
    jq -r '.Td.MonitorPid' "$TD_ROOT/containers/$id/container.json"
  done >"$BATS_FILE_TMPDIR/monitors"
  old network inspect up-net | jq -r '.[0].Options["com.docker.network.bridge.name"]' \
    >"$BATS_FILE_TMPDIR/bridge"
}

setup() {
  [ -n "${UPGRADE_OLD:-}" ] || UPGRADE_OLD=$("$REPO/scripts/upgrade-test.sh" --build) || skip "no git history"
  td_engine_env
  port=$(cat "$BATS_FILE_TMPDIR/port")
}

teardown_file() {
  td_engine_env
  td_engine_teardown
  "$TINYDOCKER" network rm up-net >/dev/null 2>&1 || true
  "$TINYDOCKER" volume rm up-vol >/dev/null 2>&1 || true
  td_engine_teardown_file
}

@test "ps lists the old engine's containers with their state, ports and names" {
  run td ps -a --format '{{.Names}} {{.State}}'
  [ "$status" -eq 0 ]
  [[ "$output" == *"up-stopped exited"* ]]
  [[ "$output" == *"up-running running"* ]]
  [[ "$output" == *"up-web running"* ]]
  [[ "$output" == *"up-vol-c exited"* ]]
  [ "${#lines[@]}" -eq 4 ]
  run td ps --format '{{.Names}} {{.Ports}}' --filter name=up-web
  [ "$output" = "up-web 127.0.0.1:$port->80/tcp" ]
  # and as the old engine shows them (COMMAND is now quoted and cut as dockerd does it, so it
  # is compared without the quotes and the cut: the same command)
  [ "$(td ps -a --format '{{.ID}} {{.Names}} {{.Status}} {{.Ports}}')" = \
    "$(old ps -a --format '{{.ID}} {{.Names}} {{.Status}} {{.Ports}}')" ]
  [ "$(td ps -a --no-trunc --format '{{.Command}}' | tr -d "\"'" | sort)" = \
    "$(old ps -a --no-trunc --format '{{.Command}}' | tr -d "\"'" | sort)" ]
}

@test "inspect of each old record: the old engine's values, in docker's shape" {
  for n in up-stopped up-running up-web up-vol-c; do
    # every member the old engine printed, the new one prints alike (but docker's shape)
    changed=$(changed_members "$n" | grep -Ev "$DOCKER_SHAPE" || true)
    [ -z "$changed" ] || { echo "$n: $changed"; false; }
    # a running one keeps its addresses
    if [ "$(td inspect -f '{{.State.Running}}' "$n")" = true ]; then
      [ -z "$(changed_members "$n" | grep NetworkSettings || true)" ]
    fi
    # and in docker's order
    [ "$(td inspect "$n" | jq -c '.[0] | keys_unsorted | .[0:5]')" = '["Id","Created","Path","Args","State"]' ]
  done
  [ "$(td inspect -f '{{.State.ExitCode}}' up-stopped)" = 0 ]
  [ "$(td inspect -f '{{json .NetworkSettings.Networks}}' up-web | jq -r '.["up-net"].Aliases[0]')" = web ]
}

@test "logs prints what the old engine logged" {
  run td logs up-stopped
  [ "$status" -eq 0 ]
  [[ "$output" == *old-out-line* ]]
  [[ "$output" == *old-err-line* ]]
}

@test "exec and the published port of the old running containers work" {
  run td exec up-running echo in-old
  [ "$output" = in-old ]
  timeout 5 bash -c "echo > /dev/tcp/127.0.0.1/$port"
}

@test "start the stopped one: it runs again, its log grows, the old engine reads the result" {
  run td start -a up-stopped
  [ "$status" -eq 0 ]
  [ "$(td logs up-stopped 2>&1 | grep -c old-out-line)" -eq 2 ]
  [ "$(td inspect -f '{{.State.Status}}' up-stopped)" = exited ]
  # the record the new engine wrote, read by the old one
  [ "$(old inspect -f '{{.State.Status}} {{.State.ExitCode}}' up-stopped)" = "exited 0" ]
  changed=$(changed_members up-stopped | grep -Ev "$DOCKER_SHAPE" || true)
  [ -z "$changed" ] || { echo "$changed"; false; }
}

@test "restart the one with -p on its network: the new engine publishes the old record's ports" {
  td stop -t 1 up-web >/dev/null
  [ "$(td inspect -f '{{.State.Status}}' up-web)" = exited ]
  ! timeout 2 bash -c "echo > /dev/tcp/127.0.0.1/$port" 2>/dev/null
  td start up-web >/dev/null
  [ "$(td inspect -f '{{.State.Status}}' up-web)" = running ]
  for i in $(seq 50); do timeout 1 bash -c "echo > /dev/tcp/127.0.0.1/$port" 2>/dev/null && break; sleep 0.1; done
  timeout 5 bash -c "echo > /dev/tcp/127.0.0.1/$port"
  # docker's: the alias, then the short id on a user-defined network
  id=$(td inspect -f '{{.Id}}' up-web)
  [ "$(td inspect -f '{{json .NetworkSettings.Networks}}' up-web | jq -r '.["up-net"].Aliases | join(",")')" = "web,${id:0:12}" ]
  [ "$(old ps --format '{{.Names}} {{.Ports}}' --filter name=up-web)" = "up-web 127.0.0.1:$port->80/tcp" ]
}

@test "the old volume still holds what the old container wrote" {
  run td run --rm -v up-vol:/data busybox cat /data/f
  [ "$output" = from-old ]
}

@test "stop and rm every one: nothing is left (mounts, cgroups, veths, monitors, processes)" {
  ids=$(td ps -aq --no-trunc)
  [ "$(echo "$ids" | wc -l)" -eq 4 ]
  td stop -t 1 up-running >/dev/null
  [ "$(td inspect -f '{{.State.Status}}' up-running)" = exited ]
  td rm -f $ids >/dev/null
  td_wait_trash
  [ "$(td_count)" -eq 0 ]
  [ -z "$(td ps -aq)" ]
  [ -z "$(ls "$TD_ROOT/containers/names")" ]
  [ "$(td_mounts_under_root)" -eq 0 ]
  for id in $ids; do [ -z "$(td_cgroup_dirs "$id")" ]; done
  br=$(cat "$BATS_FILE_TMPDIR/bridge")
  [ "$(ip -o link show master "$br" 2>/dev/null | wc -l)" -eq 0 ]
  # a monitor is gone once it has exited (a zombie until init reaps it, as rm -f knows)
  while read -r mon; do
    for i in $(seq 40); do
      [[ "$(cat /proc/$mon/comm 2>/dev/null)" =~ ^(td-monitor|tinydocker-moni)$ ]] || break
      [ "$(sed 's/.*) //' /proc/$mon/stat 2>/dev/null | cut -d' ' -f1)" != Z ] || break
      sleep 0.05
    done
    ! [[ "$(cat /proc/$mon/comm 2>/dev/null)" =~ ^(td-monitor|tinydocker-moni)$ ]] ||
      [ "$(sed 's/.*) //' /proc/$mon/stat 2>/dev/null | cut -d' ' -f1)" = Z ]
  done <"$BATS_FILE_TMPDIR/monitors"
  ! pgrep -f "sleep 30201" >/dev/null
  td network rm up-net >/dev/null
  td volume rm up-vol >/dev/null
  [ -z "$(ip -o link show "$br" 2>/dev/null)" ]
}
