#!/usr/bin/env bats
# `system info|df|prune`, `container prune` and `image prune` with docker's filters,
# `completion bash|zsh|fish`, and the commands out of scope.
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() { td_engine_setup; }
teardown() { td_engine_teardown; }
teardown_file() { td_engine_teardown_file; }

@test "system info is info" {
  run td system info --format '{{.Name}} {{.DockerRootDir}}'
  [ "$status" -eq 0 ]
  [ "$output" = "$(td info --format '{{.Name}} {{.DockerRootDir}}')" ]
}

@test "system df: docker's table with what the store holds; -v lists each; --format" {
  id=$(td run -d --name dfc busybox sh -c 'head -c 1000000 /dev/zero >/big; sleep 1000')
  for i in $(seq 50); do td exec dfc test -s /big && break; sleep 0.1; done
  run td system df
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE" ]
  [[ "${lines[1]}" =~ ^Images\ +1\ +1\ +[0-9.]+[kM]B\ +0B\ \(0%\)$ ]]
  [[ "${lines[2]}" =~ ^Containers\ +1\ +1\ +1MB\ +0B\ \(0%\)$ ]]
  [[ "${lines[3]}" =~ ^Local\ Volumes\ +0\ +0\ +0B\ +0B$ ]]
  [[ "${lines[4]}" =~ ^Build\ Cache\ +0\ +0\ +0B\ +0B$ ]]
  run td system df -v
  [ "$status" -eq 0 ]
  [[ "$output" == *"Images space usage:"*"busybox"*"Containers space usage:"*"dfc"*"Local Volumes space usage:"* ]]
  run td system df --format '{{.Type}}={{.TotalCount}}'
  [ "$output" = $'Images=1\nContainers=1\nLocal Volumes=0\nBuild Cache=0' ]
}

@test "system prune asks first (no: nothing goes), -f removes stopped containers, networks, volumes" {
  td create --name pr1 busybox true >/dev/null
  td run -d --name pr2 busybox sleep 1000 >/dev/null
  td network create prnet >/dev/null
  td volume create prvol >/dev/null
  run sh -c "echo n | '$TINYDOCKER' system prune"
  [ "$status" -eq 0 ]
  [[ "$output" == *"WARNING! This will remove:"*"Are you sure you want to continue? [y/N]"* ]]
  td inspect pr1 >/dev/null
  run td system prune -f --volumes
  [ "$status" -eq 0 ]
  [[ "$output" == *"Deleted Containers:"* ]]
  [[ "$output" == *"Deleted Networks:"*"prnet"* ]]
  [ "$(grep -c 'Total reclaimed space' <<<"$output")" -eq 1 ]
  run td inspect pr1
  [ "$status" -ne 0 ]
  td inspect pr2 >/dev/null
  run td network inspect prnet
  [ "$status" -ne 0 ]
  td image inspect busybox >/dev/null
  run sh -c "echo y | '$TINYDOCKER' system prune -a"
  [ "$status" -eq 0 ]
  # busybox is used by pr2: kept
  td image inspect busybox >/dev/null
}

@test "container prune: --filter until= and label= (and label!=), docker's prompt, bad filters" {
  td create --name old1 --label tier=a busybox true >/dev/null
  td create --name lab1 --label tier=b busybox true >/dev/null
  run td container prune -f --filter label=tier=b
  [ "$status" -eq 0 ]
  [[ "$output" == *"Deleted Containers:"* ]]
  run td inspect lab1
  [ "$status" -ne 0 ]
  td inspect old1 >/dev/null
  run td container prune -f --filter until=1h
  td inspect old1 >/dev/null
  run td container prune -f --filter 'label!=tier=a'
  td inspect old1 >/dev/null
  run sh -c "echo n | '$TINYDOCKER' container prune"
  [[ "$output" == *"Are you sure you want to continue? [y/N]"* ]]
  td inspect old1 >/dev/null
  run td container prune -f --filter status=exited
  [ "$status" -eq 1 ]
  [[ "$output" == *"Invalid filter 'status'"* ]]
  run td container prune -f --filter until=never
  [ "$status" -eq 1 ]
  sleep 1.1
  run td container prune -f --filter until=1s
  [ "$status" -eq 0 ]
  run td inspect old1
  [ "$status" -ne 0 ]
}

@test "image prune: --filter label= and until= choose among the unused images" {
  td run --name base busybox true
  td commit -c 'LABEL drop=yes' base img-drop:1 >/dev/null
  td commit -c 'LABEL drop=no' base img-keep:1 >/dev/null
  run td image prune -a -f --filter label=drop=yes
  [ "$status" -eq 0 ]
  [[ "$output" == *"untagged: img-drop:1"* ]]
  run td image inspect img-drop:1
  [ "$status" -ne 0 ]
  td image inspect img-keep:1 >/dev/null
  # created just now: not before an hour ago
  run td image prune -a -f --filter until=1h
  td image inspect img-keep:1 >/dev/null
  run td image prune -a -f --filter bogus=1
  [ "$status" -ne 0 ]
  [[ "$output" == *"Invalid filter 'bogus'"* ]]
  sleep 1.1
  run td image prune -a -f --filter until=1s
  [ "$status" -eq 0 ]
  run td image inspect img-keep:1
  [ "$status" -ne 0 ]
}

@test "completion bash|zsh|fish: scripts from the command table that complete" {
  run td completion bash
  [ "$status" -eq 0 ]
  bash -n <(td completion bash)
  td create --name compl1 busybox true >/dev/null
  got=$(bash -c 'source <("$0" completion bash); COMP_WORDS=(tinydocker upd); COMP_CWORD=1; _tinydocker; echo "${COMPREPLY[@]}"' "$TINYDOCKER")
  [ "$got" = update ]
  got=$(bash -c 'source <("$0" completion bash); COMP_WORDS=(tinydocker system p); COMP_CWORD=2; _tinydocker; echo "${COMPREPLY[@]}"' "$TINYDOCKER")
  [ "$got" = prune ]
  got=$(PATH=$(dirname "$TINYDOCKER"):$PATH bash -c 'source <("$0" completion bash); COMP_WORDS=(tinydocker diff comp); COMP_CWORD=2; _tinydocker; echo "${COMPREPLY[@]}"' "$TINYDOCKER")
  [ "$got" = compl1 ]
  run td completion zsh
  [[ "$output" == "#compdef tinydocker"* ]]
  [[ "$output" == *"'events:Get real time events from the server'"* ]]
  run td completion fish
  [[ "$output" == *"complete -c tinydocker -n '__fish_use_subcommand' -a 'update'"* ]]
  run td completion powershell
  [ "$status" -eq 1 ]
}

# complete WORDS...: what bash's completion offers for the last word
complete_bash() {
  PATH=$(dirname "$TINYDOCKER"):$PATH bash -c 'source <(tinydocker completion bash); COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _tinydocker; echo "${COMPREPLY[@]}"' _ "$@"
}

@test "completion: every flag of a command's --help completes (global, command, group subcommand)" {
  [ "$(complete_bash tinydocker --us)" = --userns-remap ]
  [ "$(complete_bash tinydocker run --stor)" = --storage-opt ]
  [ "$(complete_bash tinydocker network create --aux)" = --aux-address ]
  [ "$(complete_bash tinydocker container run --health-s)" = --health-start-period ]
  [ "$(complete_bash tinydocker --root /x ps -q)" = -q ]
  got=$(complete_bash tinydocker ps -)
  [[ " $got " == *" --filter "* && " $got " == *" -a "* && " $got " == *" --no-trunc "* ]]
  # every flag run --help lists is offered, and nothing else
  want=$("$TINYDOCKER" run --help | sed -nE 's/^ {2,6}(-([a-zA-Z]), )?(--[a-zA-Z0-9-]+).*/\3/p' | sort)
  [ "$(complete_bash tinydocker run --  | tr ' ' '\n' | sort)" = "$want" ]
  [ "$(wc -l <<<"$want")" -gt 80 ]
  # zsh and fish take the flags the same way
  [[ "$(td completion zsh)" == *'tinydocker $cw --help'* ]]
  [[ "$(td completion fish)" == *'tinydocker $cw --help'* ]]
}

@test "attack: completion only ever asks --help of the command words (never runs an image or a container name)" {
  fake=$TEST_TMP/fakebin
  mkdir -p "$fake"
  "$TINYDOCKER" completion bash >"$TEST_TMP/compl.bash"
  printf '#!/bin/sh\necho "$*" >>"%s/calls"\n' "$TEST_TMP" >"$fake/tinydocker"
  chmod +x "$fake/tinydocker"
  rm -f "$TEST_TMP/calls"
  PATH=$fake:$PATH bash -c 'source "$0"; COMP_WORDS=(tinydocker run -d busybox --x); COMP_CWORD=4; _tinydocker || true' "$TEST_TMP/compl.bash"
  PATH=$fake:$PATH bash -c 'source "$0"; COMP_WORDS=(tinydocker exec ctr --x); COMP_CWORD=3; _tinydocker || true' "$TEST_TMP/compl.bash"
  [ "$(cat "$TEST_TMP/calls")" = "$(printf 'run --help\nexec --help')" ]
}

@test "swarm, stack, service, node, secret, config, plugin, trust, context: out of scope" {
  run td --help
  [[ "$output" == *"Out of scope"*"swarm, stack, service, node, secret,"*"config, plugin, trust and context"* ]]
  for c in swarm stack service node secret config plugin trust context; do
    run td "$c" ls
    [ "$status" -eq 1 ]
    [[ "$output" == *"'$c' is out of scope"* ]]
  done
}
