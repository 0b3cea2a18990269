#!/usr/bin/env bats
# `events` (`system events`): what the engine appends to <root>/events.log for a container's
# life, images, volumes and networks, read back in docker's line format, with --since/--until,
# --filter and --format; followed live until interrupted; hostile values stay data.
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() { td_engine_setup; }
teardown() {
  [ -z "${EV_PID:-}" ] || kill "$EV_PID" 2>/dev/null || true
  td_engine_teardown
}
teardown_file() { td_engine_teardown_file; }

# The events so far, in docker's line format (--until now: exits at once).
past() { td events --since 0 --until "$(date +%s.%N)" "$@"; }

@test "events: a run's life in docker's line format, in order" {
  id=$(td run -d --name ev1 busybox sh -c 'exit 3')
  td wait ev1 >/dev/null
  td rm ev1 >/dev/null
  run past --filter container=ev1
  [ "$status" -eq 0 ]
  re='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}(Z|[+-][0-9]{2}:[0-9]{2}) container'
  [[ "${lines[0]}" =~ $re ]]
  [[ "${lines[0]}" == *" container create $id (image=busybox, name=ev1)" ]]
  [[ "${lines[1]}" == *" container start $id (image=busybox, name=ev1)" ]]
  [[ "${lines[2]}" == *" container die $id (exitCode=3, image=busybox, name=ev1)" ]]
  [[ "${lines[3]}" == *" container destroy $id (image=busybox, name=ev1)" ]]
  [ "${#lines[@]}" -eq 4 ]
}

@test "events: stop, kill, rename, pause, exec, update, each as docker names them" {
  id=$(td run -d --name ev2 busybox sleep 1000)
  td exec ev2 sh -c 'exit 5' || true
  td pause ev2 >/dev/null
  td unpause ev2 >/dev/null
  td update --pids-limit 50 ev2 >/dev/null
  td rename ev2 ev3
  td kill -s USR1 ev3 >/dev/null
  td stop -t 1 ev3 >/dev/null
  run past --filter container="$id" --format '{{.Action}}|{{.Actor.Attributes.name}}'
  [ "$status" -eq 0 ]
  [[ "$output" == *"exec_create: sh -c exit 5|ev2"*"exec_start: sh -c exit 5|ev2"*"exec_die|ev2"* ]]
  [[ "$output" == *"pause|ev2"*"unpause|ev2"*"update|ev2"*"rename|ev3"* ]]
  [[ "$output" == *"kill|ev3"*"kill|ev3"*"die|ev3"*"stop|ev3" ]]
  run past --filter container="$id" --filter event=kill --format '{{.Actor.Attributes.signal}}'
  [ "$output" = $'10\n15\n9' ]
  run past --filter container="$id" --filter event=exec_die --format '{{.Actor.Attributes.exitCode}}'
  [ "$output" = 5 ]
  run past --filter container="$id" --filter event=rename --format '{{.Actor.Attributes.oldName}}'
  [ "$output" = /ev2 ]
}

@test "events follows the log live, and --until ends it" {
  "$TINYDOCKER" events --filter type=container --format '{{.Action}} {{.Actor.Attributes.name}}' >"$TEST_TMP/live" 2>&1 &
  EV_PID=$!
  sleep 0.3
  td run --rm --name live1 busybox true
  for i in $(seq 50); do grep -q "destroy live1" "$TEST_TMP/live" && break; sleep 0.1; done
  run cat "$TEST_TMP/live"
  [ "${lines[0]}" = "create live1" ]
  [[ "$output" == *"start live1"*"die live1"*"destroy live1"* ]]
  kill "$EV_PID"
  EV_PID=
  # until 1.5 s from now: streams, then exits by itself
  start=$(date +%s%N)
  run timeout 10 "$TINYDOCKER" events --until "$(date -d '+1.5 sec' +%s.%N)"
  [ "$status" -eq 0 ]
  end=$(date +%s%N)
  [ $(((end - start) / 1000000)) -ge 1400 ]
}

@test "events: filters by type, event, image, label; json; volumes, networks and images too" {
  td run --rm --label team=blue --name f1 busybox true
  td run --rm --label team=red --name f2 busybox true
  td volume create evvol >/dev/null
  td volume rm evvol >/dev/null
  td network create evnet >/dev/null
  td network rm evnet >/dev/null
  td tag busybox evtag:1
  td rmi evtag:1 >/dev/null
  run past --filter label=team=blue --filter event=start --format '{{.Actor.Attributes.name}}'
  [ "$output" = f1 ]
  run past --filter event=start --filter event=die --filter label=team --format '{{.Action}} {{.Actor.Attributes.name}}'
  [ "${#lines[@]}" -eq 4 ]
  run past --filter type=volume --format '{{.Action}} {{.Actor.ID}}'
  [ "$output" = $'create evvol\ndestroy evvol' ]
  run past --filter type=network --filter network=evnet --format '{{.Action}} {{.Actor.Attributes.name}}'
  [ "$output" = $'create evnet\ndestroy evnet' ]
  run past --filter type=image --format '{{.Action}} {{.Actor.Attributes.name}}'
  [[ "$output" == *"tag evtag:1"*"untag evtag:1"* ]]
  run past --filter image=busybox --filter event=create --format '{{json .}}'
  [[ "${lines[0]}" == '{"status":"create","id":"'* ]]
  [[ "${lines[0]}" == *'"from":"busybox","Type":"container","Action":"create","Actor":{"ID":'* ]]
}

@test "events: commit is a container event naming the image it made" {
  id=$(td run -d --name cm1 busybox true)
  td wait cm1 >/dev/null
  iid=$(td commit -m note cm1 cmimg:1)
  run past --filter event=commit --format '{{.Actor.ID}} {{.Actor.Attributes.imageID}} {{.Actor.Attributes.imageRef}} {{.Actor.Attributes.comment}}'
  [ "$output" = "$id $iid cmimg:1 note" ]
}

@test "events: docker's errors exit 1" {
  run td events --filter bogus=1
  [ "$status" -eq 1 ]
  [[ "$output" == *"Invalid filter 'bogus'"* ]]
  run td events --since yesterday
  [ "$status" -eq 1 ]
  run td events --since 200 --until 100
  [ "$status" -eq 1 ]
  run td system events extra
  [ "$status" -eq 1 ]
}

@test "attack: hostile labels stay data: not run as templates, one event a line" {
  td run --rm --name hostile --label $'x={{.Actor.ID}}{{json .}}\n2026-01-01T00:00:00.000000000Z container die fake' busybox true
  run past --filter container=hostile --filter event=create --format '{{.Actor.Attributes.x}}'
  [ "${lines[0]}" = '{{.Actor.ID}}{{json .}}' ]
  run past --filter container=hostile
  [ "${#lines[@]}" -eq 4 ]
  [[ "${lines[0]}" == *'x={{.Actor.ID}}{{json .}}\n2026-01-01T00:00:00.000000000Z container die fake'* ]]
}

@test "attack: the event log is never written through a symlink" {
  echo keep >"$TEST_TMP/target"
  mv "$TD_ROOT/events.log" "$TEST_TMP/saved.log" 2>/dev/null || true
  ln -s "$TEST_TMP/target" "$TD_ROOT/events.log"
  td run --rm busybox true
  [ "$(cat "$TEST_TMP/target")" = keep ]
  rm "$TD_ROOT/events.log"
}
