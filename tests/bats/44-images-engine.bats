#!/usr/bin/env bats
# The image commands through the engine binary (`tinydocker IMAGE-COMMAND` execs
# tinydocker-image), and images used by containers: run, commit, export, rmi while in use.
load ../helpers/common

setup() {
  td_setup_roots
}

teardown() {
  if [ -n "${TEST_TMP:-}" ]; then
    for c in $("$TINYDOCKER" --root "$TD_ROOT" ps -aq 2>/dev/null); do
      "$TINYDOCKER" --root "$TD_ROOT" rm -f "$c" >/dev/null 2>&1
    done
  fi
  td_teardown_roots
}

td() { "$TINYDOCKER" --root "$TD_ROOT" "$@"; }

@test "tinydocker image commands: create-default, images, tag, history, inspect, save, load, rmi" {
  run td create-default
  [ "$status" -eq 0 ]
  run td images
  [[ "${lines[1]}" == busybox*latest* ]]
  td tag busybox mine:1
  run td image ls -q
  [ "${#lines[@]}" -eq 2 ]
  run td history -q busybox
  [[ "$output" =~ ^[0-9a-f]{12}$ ]]
  run td image inspect -f '{{json .Config.Cmd}}' mine:1
  [ "$output" = '["sh"]' ]
  td save -o "$TEST_TMP/s.tar" mine:1
  run "$TINYDOCKER" --root "$TEST_TMP/r2" load -i "$TEST_TMP/s.tar"
  [ "$output" = "Loaded image: mine:1" ]
  run td rmi mine:1
  [ "$output" = "Untagged: mine:1" ]
  run td rmi nosuch
  [ "$status" -eq 1 ]
}

@test "a container from the image: run, commit, export, rmi refused while it exists" {
  td create-default >/dev/null
  run td run --name c1 busybox sh -c 'echo hello >/greeting; rm /etc/hosts.bak 2>/dev/null; true'
  [ "$status" -eq 0 ]
  run td rmi busybox
  [ "$status" -eq 1 ]
  [[ "$output" == *"must force"* ]]
  run td commit -m snap c1 snap:1
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^sha256: ]]
  run td run --rm snap:1 cat /greeting
  [ "$output" = hello ]
  run td export -o "$TEST_TMP/c1.tar" c1
  [ "$status" -eq 0 ]
  tar -xOf "$TEST_TMP/c1.tar" greeting | grep -qx hello
  td rm c1 >/dev/null
  run td rmi snap:1 busybox
  [ "$status" -eq 0 ]
  [ -z "$(ls "$TD_ROOT/layers")" ]
  ! findmnt -rn | grep -q "$TD_ROOT" || false
}

# The volume mounted at PATH in the container whose init is PID (its source's path, as the
# host's mountinfo shows it, ends in /volumes/NAME/_data).
ctr_volume_at() { # pid path
  awk -v p="$2" '$5 == p { print $4 }' "/proc/$1/mountinfo" | sed -n 's|.*/volumes/\([^/]*\)/_data$|\1|p'
}

@test "image Volumes become anonymous volumes filled from the image; rm -v and --rm remove them" {
  td create-default >/dev/null
  td run --name seed busybox sh -c 'mkdir /data && echo from-image >/data/seed' >/dev/null
  td commit -c 'VOLUME /data' seed vol:1 >/dev/null
  td rm seed >/dev/null
  run td image inspect -f '{{json .Config.Volumes}}' vol:1
  [ "$output" = '{"/data":{}}' ]
  td run -d --name c1 vol:1 sleep 100 >/dev/null
  pid=$(td inspect -f '{{.State.Pid}}' c1)
  vid=$(ctr_volume_at "$pid" /data)
  [[ "$vid" =~ ^[0-9a-f]{64}$ ]]
  # the kernel's view: /data in the container is the volume's directory under the state root
  [ "$(stat -c %i "$TD_ROOT/volumes/$vid/_data")" = "$(stat -c %i "/proc/$pid/root/data")" ]
  [ "$(cat "$TD_ROOT/volumes/$vid/_data/seed")" = from-image ]
  td exec c1 sh -c 'echo written >/data/new'
  [ "$(cat "$TD_ROOT/volumes/$vid/_data/new")" = written ]
  # a stop and start keeps the same volume
  td stop -t 0 c1 >/dev/null
  td start c1 >/dev/null
  pid=$(td inspect -f '{{.State.Pid}}' c1)
  [ "$(ctr_volume_at "$pid" /data)" = "$vid" ]
  [ "$(cat "/proc/$pid/root/data/new")" = written ]
  run td volume ls -q
  [ "$output" = "$vid" ]
  run td inspect -f '{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}} {{.RW}}{{end}}' c1
  [ "$output" = "volume $vid /data true" ]
  run td inspect -f '{{json .Config.Volumes}}' c1
  [ "$output" = '{"/data":{}}' ]
  run td volume inspect "$vid"
  [[ "$output" == *'"com.docker.volume.anonymous": ""'* ]]
  # rm without -v keeps it, like docker; the next container gets a fresh one
  td rm -f c1 >/dev/null
  [ -d "$TD_ROOT/volumes/$vid/_data" ]
  td run -d --name c2 vol:1 sleep 100 >/dev/null
  vid2=$(ctr_volume_at "$(td inspect -f '{{.State.Pid}}' c2)" /data)
  [[ "$vid2" =~ ^[0-9a-f]{64}$ && "$vid2" != "$vid" ]]
  [ "$(cat "$TD_ROOT/volumes/$vid2/_data/seed")" = from-image ]
  [ ! -e "$TD_ROOT/volumes/$vid2/_data/new" ]
  td rm -f -v c2 >/dev/null
  [ ! -e "$TD_ROOT/volumes/$vid2" ]
  td volume rm "$vid" >/dev/null
  # --rm removes it when the container ends
  run td run --rm vol:1 cat /data/seed
  [ "$output" = from-image ]
  run td volume ls -q
  [ -z "$output" ]
  td rmi vol:1 >/dev/null
}

@test "a user mount at an image volume's path replaces it (-v NAME:, --tmpfs, a bind)" {
  td create-default >/dev/null
  td run --name seed busybox sh -c 'mkdir -p /data /logs && echo from-image >/data/seed' >/dev/null
  td commit -c 'VOLUME ["/data/", "/logs"]' seed vol:2 >/dev/null
  td rm seed >/dev/null
  td run -d --name c1 -v mine:/data vol:2 sleep 100 >/dev/null
  pid=$(td inspect -f '{{.State.Pid}}' c1)
  [ "$(ctr_volume_at "$pid" /data)" = mine ]
  logs=$(ctr_volume_at "$pid" /logs)
  [[ "$logs" =~ ^[0-9a-f]{64}$ ]]
  # a named volume is filled from the image too (first use)
  [ "$(cat "$TD_ROOT/volumes/mine/_data/seed")" = from-image ]
  [ "$(awk '$5 == "/data"' "/proc/$pid/mountinfo" | wc -l)" -eq 1 ]
  run td volume ls -q
  [ "$(echo "$output" | sort)" = "$(printf '%s\nmine' "$logs" | sort)" ]
  td rm -f -v c1 >/dev/null
  run td volume ls -q
  [ "$output" = mine ]
  mkdir -p "$TEST_TMP/host"
  td run -d --name c2 -v "$TEST_TMP/host:/data" --tmpfs /logs vol:2 sleep 100 >/dev/null
  pid=$(td inspect -f '{{.State.Pid}}' c2)
  [ "$(stat -c %i "$TEST_TMP/host")" = "$(stat -c %i "/proc/$pid/root/data")" ]
  [ "$(awk '$5 == "/logs" { print $9 }' "/proc/$pid/mountinfo")" = tmpfs ]
  run td volume ls -q
  [ "$output" = mine ]
  td rm -f c2 >/dev/null
  td volume rm mine >/dev/null
  td rmi vol:2 >/dev/null
}
