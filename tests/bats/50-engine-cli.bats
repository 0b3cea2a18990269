#!/usr/bin/env bats
# tinydocker's CLI: global flags, help, flag parsing, and bad input rejected with docker's
# kind of message and exit 125 before anything is created.
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() { td_engine_setup; }
teardown() { td_engine_teardown; }
teardown_file() { td_engine_teardown_file; }

@test "--version, version, --help, unknown command" {
  run td --version
  [ "$status" -eq 0 ]
  [[ "$output" == "tinydocker version "* ]]
  run td version
  [[ "$output" == *"Client:"* && "$output" == *"Server:"* ]]
  run td version --format '{{.Client.Version}}'
  [[ "$output" =~ ^[0-9]+\.[0-9]+ ]]
  run td --help
  [[ "$output" == *"Usage:  tinydocker [OPTIONS] COMMAND"* && "$output" == *"run "* ]]
  run td frobnicate
  [ "$status" -eq 1 ]
  [[ "$output" == *"'frobnicate' is not a tinydocker command"* ]]
}

@test "every command has --help" {
  # every command `tinydocker --help` lists (image commands: through tinydocker-image)
  cmds=$(td --help | awk '/^Commands:/ { f = 1; next } f && /^  [a-z]/ { print $1 }')
  [ "$(echo "$cmds" | wc -l)" -ge 39 ]
  for c in $cmds; do
    run td "$c" --help
    [ "$status" -eq 0 ] || { echo "$c: $output"; false; }
    [[ "$output" == *"Usage:  tinydocker "* ]] || { echo "$c: $output"; false; }
    [[ "$output" == *"Usage:  tinydocker $c"* || "$c" == images ]] || { echo "$c: $output"; false; }
  done
  # and the subcommands of the groups
  for g in image network volume; do
    subs=$(td "$g" --help | awk '/^Commands:/ { f = 1; next } f && /^  [a-z]/ { print $1 }')
    [ -n "$subs" ]
    for s in $subs; do
      run td "$g" "$s" --help
      [ "$status" -eq 0 ] || { echo "$g $s: $output"; false; }
      [[ "$output" == *"Usage:  tinydocker "* ]] || { echo "$g $s: $output"; false; }
    done
  done
  run td container prune --help
  [[ "$output" == *"Usage:  tinydocker container prune"* ]]
}

@test "unknown flags: docker's messages and 125" {
  run td run --bogus busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"unknown flag: --bogus"* ]]
  [[ "$output" == *"See 'tinydocker run --help'."* ]]
  run td ps -Z
  [ "$status" -eq 125 ]
  [[ "$output" == *"unknown shorthand flag: 'Z' in -Z"* ]]
  run td run -e
  [ "$status" -eq 125 ]
  [[ "$output" == *"flag needs an argument: 'e' in -e"* ]]
  run td --bogus ps
  [ "$status" -eq 125 ]
}

@test "global --root and TINYDOCKER_ROOT select the store" {
  other=$TEST_TMP/other
  run td --root "$other" ps -a
  [ "$status" -eq 0 ]
  [ -d "$other/containers" ]
  [ -d "$other/run" ]
  TINYDOCKER_ROOT=$other run td info --format '{{.DockerRootDir}}'
  [ "$output" = "$other" ]
  rm -rf "$other"
}

@test "combined short flags, --flag=value, options end at the image, --" {
  run td run --rm -e A=1 --env=B=2 busybox sh -c 'echo $A$B'
  [ "$output" = 12 ]
  # -e after the image belongs to the command
  run td run --rm busybox sh -c 'echo "[$0]"' -e
  [ "$output" = "[-e]" ]
  run td run --rm -- busybox echo -- y
  [ "$output" = "-- y" ]
  run td run --rm --rm=false busybox true
  [ "$status" -eq 0 ]
  [ "$(td_count)" -eq 1 ]
}

bad_run() { # expected-substring args...
  local want=$1
  shift
  local before
  before=$(td_count)
  run td run "$@"
  echo "$output"
  [ "$status" -eq 125 ]
  [[ "$output" == *"$want"* ]]
  [ "$(td_count)" -eq "$before" ]
  [ -z "$(ls "$TD_ROOT/containers/names")" ]
  [ "$(td_mounts_under_root)" -eq 0 ]
}

@test "bad input is rejected before anything is created (125)" {
  bad_run "Conflicting options: --restart and --rm" --rm --restart always busybox true
  bad_run "invalid size" -m 1x busybox true
  bad_run "invalid size" --memory-swap 12q -m 100m busybox true
  bad_run "Minimum memory limit allowed is 6MB" -m 1k busybox true
  bad_run "Memoryswap" --memory-swap 100m busybox true
  bad_run "range of CPUs" --cpus 9999 busybox true
  bad_run "invalid argument" --cpus abc busybox true
  bad_run "cpuset" --cpuset-cpus 999 busybox true
  bad_run "cpuset" --cpuset-cpus 1-0 busybox true
  bad_run "Conflicting options: Nano CPUs" --cpus 1 --cpu-quota 20000 busybox true
  bad_run "invalid ulimit" --ulimit nofile busybox true
  bad_run "invalid ulimit type" --ulimit bogus=1 busybox true
  bad_run "invalid restart policy" --restart sometimes busybox true
  bad_run "invalid argument" --stop-timeout abc busybox true
  bad_run "invalid signal" --stop-signal SIGNOPE busybox true
  bad_run "invalid mode: rel" -v /a:rel busybox true
  bad_run "mount path must be absolute" -v /a:rel/x busybox true
  bad_run "--mount" --mount type=nfs,dst=/x busybox true
  bad_run "Invalid container name" --name 'bad name' busybox true
  bad_run "invalid reference format" 'UPPER/Case::x'
  bad_run "no command specified" --entrypoint '' busybox
  bad_run "requires at least 1 argument" --rm
  bad_run "bind source path does not exist" --mount type=bind,src=/nonexistent-td-src,dst=/x busybox true
  bad_run "invalid --security-opt" --security-opt bogus busybox true
  bad_run "unknown capability" --cap-add NOPE busybox true
  bad_run "device" --device /nonexistent-dev busybox true
  bad_run "env file" --env-file /nonexistent-env busybox true
}

@test "unknown image: 125, nothing created" {
  # --pull never: a missing image is otherwise pulled, from docker.io (64-run-pull.bats)
  run td run --pull never nosuchimage:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *"nosuchimage"* ]]
  [ "$(td_count)" -eq 0 ]
}

@test "a name in use is refused (125) and the first container is untouched" {
  run td create --name dup busybox true
  [ "$status" -eq 0 ]
  id=$output
  run td run --name dup busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *'The container name "/dup" is already in use by container "'"$id"'"'* ]]
  [ "$(td_count)" -eq 1 ]
}

@test "unknown container: docker's message" {
  for c in logs stop kill rm wait inspect pause unpause top start restart; do
    run td "$c" nosuchctr
    [ "$status" -eq 1 ] || { echo "$c: $status"; false; } # docker's CLI: 1, not 125
    # docker's CLI wording: inspect without --type looked for any object
    if [ "$c" = inspect ]; then
      [[ "$output" == *"Error: No such object: nosuchctr"* ]]
    else
      [[ "$output" == *"No such container: nosuchctr"* ]] || { echo "$c: $output"; false; }
      [[ "$output" == Error* ]] || { echo "$c: $output"; false; }
    fi
  done
  run td rm -f nosuchctr
  [ "$status" -eq 0 ]
}

@test "exec into a stopped container is refused" {
  td create --name stopped busybox true
  run td exec stopped true
  [ "$status" -eq 125 ]
  [[ "$output" == *"is not running"* ]]
}

@test "ps and info on an empty store" {
  run td ps
  [ "$status" -eq 0 ]
  [ "$output" = "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES" ] ||
    [[ "$output" == "CONTAINER ID"*"NAMES" ]]
  run td info
  [[ "$output" == *"Containers: 0"* ]]
  run td info --format '{{.Containers}} {{.LoggingDriver}}'
  [ "$output" = "0 json-file" ]
}
