#!/usr/bin/env bats
# --format / -f as docker runs Go's text/template (util/gotmpl*.c): ps, images, inspect,
# network and volume commands; docker's `table` header and tabwriter columns; Go's values
# (false, 1e+06, <no value>, map[k:v]), variables, range rebinding dot, errors as docker's.
# The last tests run the same templates through Debian's docker 20.10 where it is installed: its
# CLI alone (`docker context inspect --format`) and its daemon (tests/helpers/dockerd.bash).
bats_require_minimum_version 1.5.0
load ../helpers/engine
load ../helpers/dockerd

setup_file() { td_engine_setup_file; }
setup() { td_engine_setup; }
teardown() {
  dk_stop
  td_engine_teardown
}
teardown_file() { td_engine_teardown_file; }

@test "ps --format: .Label method, .Labels joined, table header and columns as docker's" {
  a=$(td create --name web --label tier=front --label b=2 busybox echo hi)
  run td ps -a --format '{{.Names}} {{.Label "tier"}} [{{.Label "nope"}}] {{.Labels}}'
  [ "$status" -eq 0 ]
  [ "$output" = "web front [] tier=front,b=2" ]
  run td ps -a --format 'table {{.Names}}\t{{.State}}\t{{.ID}}\t{{.Label "com.x-y_z"}}|'
  [ "$status" -eq 0 ]
  # docker's tabwriter: each column the widest cell plus 3, at least 10 wide
  [ "${lines[0]}" = "NAMES     STATE     CONTAINER ID   x y z|" ] # docker 20.10's header
  [ "${lines[1]}" = "web       created   ${a:0:12}   |" ]
  run td ps -a --format '{{range $i, $l := split .Labels ","}}{{$i}}={{$l}};{{end}}'
  [ "$output" = "0=tier=front;1=b=2;" ]
  run td ps -a --format '{{json .}}'
  echo "$output" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert d["Labels"]=="tier=front,b=2" and d["LocalVolumes"]=="0", d; assert list(d)==sorted(d), list(d)'
  run td ps -a --format '{{if eq .State "created"}}{{upper .Names | printf "%q"}}{{else}}no{{end}}'
  [ "$output" = '"WEB"' ]
}

@test "attack: a label value that looks like a template is printed, never run" {
  td create --name evil --label 'x={{.ID}}{{range .}}' --label 'y={{json .}}' busybox true >/dev/null
  run td ps -a --format '{{.Label "x"}}|{{.Labels}}'
  [ "$status" -eq 0 ]
  [ "$output" = '{{.ID}}{{range .}}|x={{.ID}}{{range .}},y={{json .}}' ]
  run td inspect -f '{{index .Config.Labels "y"}}' evil
  [ "$output" = '{{json .}}' ]
  # a deeply nested template is refused, not a crash
  deep=$(printf '%.0s(' $(seq 5000))1$(printf '%.0s)' $(seq 5000))
  run td inspect -f "{{$deep}}" evil
  [ "$status" -eq 64 ]
  [[ "$output" == *"max expression depth exceeded"* ]]
}

@test "ps --format: a missing field and a bad template fail with docker's message, exit 1" {
  td create --name web busybox true >/dev/null
  run td ps -a --format '{{.Nope}}'
  [ "$status" -eq 1 ]
  [ "$output" = 'failed to execute template: template: :1:2: executing "" at <.Nope>: can'"'"'t evaluate field Nope in type *formatter.ContainerContext' ]
  run td ps -a --format '{{.Names'
  [ "$status" -eq 1 ]
  [ "$output" = "failed to parse template: template: :1: unclosed action" ]
  run td ps -a --format '{{foo .Names}}'
  [ "$status" -eq 1 ]
  [ "$output" = 'failed to parse template: template: :1: function "foo" not defined' ]
  run td ps -a --format '{{.Label}}'
  [ "$status" -eq 1 ]
  [ "$output" = 'failed to execute template: template: :1:2: executing "" at <.Label>: wrong number of args for Label: want 1 got 0' ]
  # docker checks the template before listing: with no container at all
  td rm -f web >/dev/null
  run td ps -a --format '{{.Nope}}'
  [ "$status" -eq 1 ]
  [[ "$output" == "failed to execute template: "* ]]
}

@test "inspect --format: booleans, numbers, maps, range, with, variables, missing keys" {
  td create --name web --label z=1 --label a=2 -e FOO=bar busybox echo hi >/dev/null
  run td inspect --format '{{.State.Running}} {{.HostConfig.Privileged}} {{.State.Pid}}' web
  [ "$status" -eq 0 ]
  [ "$output" = "false false 0" ]
  run td inspect -f '{{.Config.Labels}} {{json .Config.Labels}}' web
  [ "$output" = 'map[a:2 z:1] {"a":"2","z":"1"}' ]
  run td inspect -f '{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}' web
  [ "$output" = "a=2;z=1;" ]
  run td inspect -f '{{range .Config.Cmd}}<{{.}}>{{end}} {{join .Config.Cmd " "}} {{len .Config.Cmd}}' web
  [ "$output" = "<echo><hi> echo hi 2" ]
  run td inspect -f '{{with .State}}{{.Status}}{{end}} {{$n := .Name}}{{$n}} {{index .Config.Labels "a"}}' web
  [ "$output" = "created /web 2" ]
  run td inspect -f '{{range .Config.Env}}{{if eq . "FOO=bar"}}found{{end}}{{end}}' web
  [ "$output" = "found" ]
  run td inspect -f '{{.Name}}\t{{- " x" -}}  {{/* a comment */}}' web
  [ "$output" = '/web\t x' ]
  run --separate-stderr td inspect -f '{{.Nope}}' web
  [ "$status" -eq 1 ]
  [ -z "$output" ]
  [ "$(td inspect -f '{{.Nope}}' web 2>/dev/null | od -An -c | tr -d ' ')" = '\n' ] # docker's empty line
  [ "$stderr" = 'template parsing error: template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"' ]
  run td inspect -f '{{.Config.Labels.nope}}|{{index .Config.Labels "nope"}}|' web
  [ "$output" = "<no value>||" ]
  run --separate-stderr td inspect -f '{{if}}{{end}}' web
  [ "$status" -eq 64 ]
  [ "$stderr" = "template parsing error: template: :1: missing value for if" ]
  [ -z "$output" ]
}

@test "images and image inspect --format" {
  run td images --format '{{.Repository}}:{{.Tag}}'
  [ "$output" = "busybox:latest" ]
  run td images --format 'table {{.Repository}}\t{{.Tag}}'
  [ "${lines[0]}" = "REPOSITORY   TAG" ]
  [ "${lines[1]}" = "busybox      latest" ]
  run td images --format '{{.Nope}}'
  [ "$status" -ne 0 ]
  [[ "$output" == *"can't evaluate field Nope in type *formatter.imageContext" ]]
  run td image inspect -f '{{.Os}} {{json .Config.Cmd}}' busybox
  [ "$output" = 'linux ["sh"]' ]
}

@test "network inspect: range over .Containers rebinds dot; .Attachable prints false" {
  td network create --label x=y tnet64 >/dev/null
  td run -d --name c64 --network tnet64 busybox sleep 30 >/dev/null
  run td network inspect -f '{{range .Containers}}{{.Name}}{{end}}|{{.Attachable}}|{{.Internal}}|{{index .Labels "x"}}' tnet64
  [ "$status" -eq 0 ]
  [ "$output" = "c64|false|false|y" ]
  run td network inspect -f '{{range $id, $c := .Containers}}{{len $id}} {{$c.IPv4Address}}{{end}}' tnet64
  [[ "$output" == "64 "*"/"* ]]
  run td network ls --format '{{.Name}} {{.Driver}} {{.Label "x"}}' --filter name=tnet64
  [ "$output" = "tnet64 bridge y" ]
  run td network ls --format 'table {{.Name}}\t{{.Driver}}' --filter name=tnet64
  [ "${lines[0]}" = "NAME      DRIVER" ]
  [ "${lines[1]}" = "tnet64    bridge" ]
  td rm -f c64 >/dev/null
  td network rm tnet64 >/dev/null
}

@test "volume inspect and volume ls --format" {
  td volume create --label a=b vol64 >/dev/null
  run td volume inspect -f '{{.Name}} {{.Labels}} {{.Labels.a}} {{.Driver}}' vol64
  [ "$output" = "vol64 map[a:b] b local" ]
  run td volume ls --format '{{.Name}} {{.Driver}} {{.Labels}} {{.Label "a"}}'
  [ "$output" = "vol64 local a=b b" ]
  run td volume ls --format 'table {{.Name}}\t{{.Driver}}'
  [ "${lines[0]}" = "VOLUME NAME   DRIVER" ]
  [ "${lines[1]}" = "vol64         local" ]
  td volume rm vol64 >/dev/null
}

@test "side by side with docker's CLI: the same templates, the same output and errors" {
  local ref=${DOCKER_REF:-/usr/bin/docker}
  [ -x "$ref" ] || skip "no docker CLI at $ref"
  docker() { "$ref" "$@"; }
  docker context inspect default --format '{{1}}' >/dev/null 2>&1 || skip "docker CLI cannot render"
  local t exp got n=0 bad=0
  while IFS= read -r t; do
    [ -n "$t" ] || continue
    n=$((n + 1))
    exp=$(docker context inspect default --format "$t" 2>&1) || true
    exp=${exp#$'\n'}
    got=$(td version --format "$t" 2>&1) || true
    got=${got#tinydocker: }
    if [ "$exp" != "$got" ]; then
      bad=$((bad + 1))
      printf 'template: %s\n  docker: %s\n  ours:   %s\n' "$t" "$exp" "$got"
    fi
  done <"$BATS_TEST_DIRNAME/64-templates.cases"
  echo "$n templates, $bad differ"
  [ "$n" -gt 100 ]
  [ "$bad" -eq 0 ]
}

@test "side by side with docker 20.10's daemon: ps, inspect, images, volume and network --format" {
  dk_available || skip "no reference dockerd"
  dk_start || false
  dk_load_busybox
  local c t exp got bad=0 n=0
  for D in dk td; do
    $D create --name c1 --label a=1 --label com.x-y_z=v busybox echo a b >/dev/null
    $D volume create --label a=b ctv64 >/dev/null
  done
  while IFS= read -r c; do
    n=$((n + 1))
    exp=$(eval "dk $c" 2>&1; echo "rc=$?")
    got=$(eval "td $c" 2>&1; echo "rc=$?")
    # ids and the program's name are the only differences allowed
    exp=$(echo "$exp" | sed -E 's/[0-9a-f]{12}/ID/g')
    got=$(echo "$got" | sed -E 's/[0-9a-f]{12}/ID/g; s/^tinydocker: //')
    if [ "$exp" != "$got" ]; then
      bad=$((bad + 1))
      printf 'case: %s\n--- docker\n%s\n--- tinydocker\n%s\n' "$c" "$exp" "$got"
    fi
  done <<'CASES'
inspect -f '{{.Config.Labels}} {{json .Config.Labels}} {{.State.Running}} {{.State.Pid}}' c1
inspect -f '{{.Config.Labels.nope}}|{{index .Config.Labels "nope"}}|{{len .Config.Labels}}' c1
inspect -f '{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}{{with .Config}}{{.Cmd}}{{end}}' c1
inspect -f '{{range .Args}}<{{.}}>{{end}} {{join .Args ","}} {{$n := .Name}}{{$n | printf "%q"}}' c1
inspect -f '{{if eq .State.Status "created"}}yes{{else}}no{{end}} {{not .State.Running}}' c1
inspect -f '{{.Nope}}' c1
inspect -f '{{.Name}' c1
inspect -f '{{if}}{{end}}' c1
ps -a --format '{{.Names}} {{.Label "a"}} [{{.Label "nope"}}] {{.State}}'
ps -a --format 'table {{.Names}}\t{{.Label "com.x-y_z"}}\t{{.State}}'
ps -a --format '{{.Nope}}'
ps -a --format '{{.Names'
ps -a --format '{{.Label}}'
images --format '{{.Repository}}:{{.Tag}}'
images --format 'table {{.Repository}}\t{{.Tag}}'
images --format '{{.Nope}}'
images --format '{{.Repository'
image inspect -f '{{.Os}} {{json .Config.Cmd}} {{.Nope}}' busybox
volume ls --format '{{.Name}} {{.Driver}} {{.Label "a"}}'
volume ls --format 'table {{.Name}}\t{{.Driver}}'
volume ls --format '{{.Nope}}'
volume inspect -f '{{.Name}} {{.Labels}} {{.Driver}} {{.Scope}}' ctv64
network ls --format '{{.Name'
CASES
  for D in dk td; do
    $D rm -f c1 >/dev/null
    $D volume rm ctv64 >/dev/null
  done
  echo "$n cases, $bad differ"
  [ "$bad" -eq 0 ]
}

@test "inspect -f sees docker's types: a field the JSON leaves out has its zero value, an unknown key is an error" {
  # docker runs the template on its Go types first (cli/docker_types.c)
  run td image inspect -f '{{json .Config.StopSignal}}|{{json .Config.OnBuild}}|{{.Config.Tty}}|{{json .ContainerConfig.Shell}}' busybox
  [ "$status" -eq 0 ]
  [ "$output" = '""|null|false|null' ]
  td create --name typed busybox >/dev/null
  run td inspect -f '{{json .Config.StopTimeout}}|{{.Config.MacAddress}}|' typed
  [ "$status" -eq 0 ]
  [ "$output" = 'null||' ]
  # the printed JSON is not changed
  run bash -c "'$TINYDOCKER' image inspect busybox | jq '.[0].Config | has(\"StopSignal\")'"
  [ "$output" = false ]
  run td image inspect -f '{{.Config.Nope}}' busybox
  [ "$status" -eq 1 ]
  [[ "$output" == *'map has no entry for key "Nope"'* ]]
}
