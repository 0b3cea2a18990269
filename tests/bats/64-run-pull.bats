#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# run/create pull an image that is not in the store, as docker's CLI does (--pull
# always|missing|never), through tinydocker-image (run itself never loads libcurl); pull and
# push --all-tags. Against a docker-registry on 127.0.0.1 only; the attack tests use a forged
# registry (tests/helpers/fakereg.py), also on 127.0.0.1.
load ../helpers/common
load ../helpers/registry

td() { "$TINYDOCKER" --root "$TD_ROOT" "$@"; }
# a second root: the one that pulls (the first one pushes)
td2() { "$TINYDOCKER" --root "$TEST_TMP/root2" "$@"; }

setup() {
  td_setup_roots
  reg_start
  td create-default >/dev/null
  td tag busybox:latest "$REG/bb:1"
  td push "$REG/bb:1" >/dev/null
}

teardown() {
  if [ -n "${FAKE_PID:-}" ]; then kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; fi
  local r ids
  for r in "$TD_ROOT" "$TEST_TMP/root2"; do
    [ -d "$r" ] || continue
    ids=$("$TINYDOCKER" --root "$r" ps -aq 2>/dev/null) || true
    [ -z "$ids" ] || "$TINYDOCKER" --root "$r" rm -f $ids >/dev/null 2>&1 || true
    "$TINYDOCKER" --root "$r" network cleanup >/dev/null 2>&1 || true
  done
  reg_stop
  td_teardown_roots
}

n_ctrs() { ls "$1/containers" 2>/dev/null | grep -c -E '^[0-9a-f]{64}$' || true; }

@test "run: a missing image is pulled (docker's lines on stderr), then run; the next run does not pull" {
  run --separate-stderr td2 run --rm --network none "$REG/bb:1" echo hello
  [ "$status" -eq 0 ]
  [ "$output" = hello ]
  [ "${stderr_lines[0]}" = "Unable to find image '$REG/bb:1' locally" ]
  [ "${stderr_lines[1]}" = "1: Pulling from bb" ]
  [[ "$stderr" == *"Pull complete"* ]]
  [[ "$stderr" == *"Digest: sha256:"* ]]
  [ "${stderr_lines[-1]}" = "Status: Downloaded newer image for $REG/bb:1" ]
  # in the store now, with the registry's digest
  run td2 image inspect -f '{{.Id}}' "$REG/bb:1"
  [ "$output" = "$(td image inspect -f '{{.Id}}' busybox)" ]
  run --separate-stderr td2 run --rm --network none "$REG/bb:1" echo again
  [ "$status" -eq 0 ]
  [ "$output" = again ]
  [ -z "$stderr" ]
}

@test "create: pulls a missing image; stdout is only the container's ID" {
  run --separate-stderr td2 create --network none "$REG/bb:1" true
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^[0-9a-f]{64}$ ]]
  [[ "$stderr" == *"Unable to find image '$REG/bb:1' locally"* ]]
  [ "$(n_ctrs "$TEST_TMP/root2")" -eq 1 ]
}

@test "--pull always pulls a changed image under the same tag; missing keeps the local one" {
  td2 pull "$REG/bb:1" >/dev/null
  # the registry's bb:1 changes: a new layer on top
  mkdir -p "$TEST_TMP/ctx"
  printf 'FROM busybox\nRUN echo v2 >/version\n' >"$TEST_TMP/ctx/Dockerfile"
  td build -q -t "$REG/bb:1" "$TEST_TMP/ctx" >/dev/null
  td push "$REG/bb:1" >/dev/null
  run --separate-stderr td2 run --rm --network none "$REG/bb:1" cat /version
  [ "$status" -ne 0 ] # --pull missing (the default): the local, older image
  [[ "$stderr" != *"Pulling"* ]]
  run --separate-stderr td2 run --rm --network none --pull always "$REG/bb:1" cat /version
  [ "$status" -eq 0 ]
  [ "$output" = v2 ]
  [[ "$stderr" != *"Unable to find"* ]]
  [[ "$stderr" == *"1: Pulling from bb"* ]]
}

@test "--pull never: a missing image is docker's No such image, 125; nothing pulled or created" {
  run td2 run --rm --pull never "$REG/bb:1" true
  [ "$status" -eq 125 ]
  [[ "$output" == *"No such image: $REG/bb:1"* ]]
  [[ "$output" != *"Pulling"* ]]
  run td2 create --pull never "$REG/bb:1" true
  [ "$status" -eq 1 ] # docker's create: the daemon's error as it is, exit 1
  [ "$(n_ctrs "$TEST_TMP/root2")" -eq 0 ]
  run td2 images -q
  [ -z "$output" ]
  # a local image with never: it runs
  run td run --rm --network none --pull never "$REG/bb:1" echo ok
  [ "$output" = ok ]
}

@test "bad input: a bad --pull value, a missing tag, a bad reference: 125, nothing pulled or created" {
  run td2 run --rm --pull sometimes "$REG/bb:1" true
  [ "$status" -eq 125 ]
  [[ "$output" == *"invalid pull option: 'sometimes': must be one of \"always\", \"missing\" or \"never\""* ]]
  [[ "$output" != *"Unable to find"* ]]
  run td2 create --pull "" "$REG/bb:1" true
  [ "$status" -eq 1 ]
  run td2 run --rm "$REG/bb:nosuch" true
  [ "$status" -eq 125 ]
  [[ "$output" == *"Unable to find image '$REG/bb:nosuch' locally"* ]]
  [[ "$output" == *"manifest unknown"* ]]
  run td2 run --rm "$REG/UPPER:1" true
  [ "$status" -eq 125 ]
  [[ "$output" == *"invalid reference format"* ]]
  [ "$(n_ctrs "$TEST_TMP/root2")" -eq 0 ]
  run td2 images -q
  [ -z "$output" ]
  [ -z "$(ls "$TEST_TMP/root2/pulls" 2>/dev/null)" ]
}

@test "run stays light: the run process never maps libcurl, even while it pulls" {
  td2 run --network none --name light "$REG/bb:1" sleep 3 >/dev/null 2>&1 &
  local pid=$! i maps=""
  for i in $(seq 50); do
    [ -n "$(td2 ps -q --filter name=light 2>/dev/null)" ] && break
    sleep 0.1
  done
  maps=$(cat /proc/$pid/maps)
  wait $pid
  [ -n "$maps" ]
  [[ "$maps" != *libcurl* ]]
  [[ "$maps" != *libcrypto* ]]
}

@test "pull -a: every tag of the repository; push -a: every local tag; -a with a tag is docker's error" {
  td tag busybox:latest "$REG/bb:2"
  td tag busybox:latest "$REG/bb:three"
  run td push -a "$REG/bb"
  [ "$status" -eq 0 ]
  [[ "$output" == *"2: digest: sha256:"* ]]
  [[ "$output" == *"three: digest: sha256:"* ]]
  run curl -s "http://$REG/v2/bb/tags/list"
  [ "$(echo "$output" | jq -c '.tags | sort')" = '["1","2","three"]' ]
  run td2 pull --all-tags "$REG/bb"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "$REG/bb" ]
  run td2 images --format '{{.Tag}}' "$REG/bb"
  [ "$(echo "$output" | sort | tr '\n' ' ')" = "1 2 three " ]
  # docker's usage errors: bare, exit 1, nothing sent
  run td2 pull -a "$REG/bb:1"
  [ "$status" -eq 1 ]
  [ "$output" = "tag can't be used with --all-tags/-a" ]
  run td push --all-tags "$REG/bb@sha256:$(printf '%064d' 0)"
  [ "$status" -eq 1 ]
  [ "$output" = "tag can't be used with --all-tags/-a" ]
  run td push -a "$REG/nothing"
  [ "$status" -eq 1 ]
  [[ "$output" == *"An image does not exist locally with the tag: $REG/nothing"* ]]
}

start_fake() { # MODE
  python3 "$BATS_TEST_DIRNAME/../helpers/fakereg.py" "$TEST_TMP/fakeport" "$TEST_TMP/fakelog" "$1" &
  FAKE_PID=$!
  local i
  for i in $(seq 50); do [ -s "$TEST_TMP/fakeport" ] && break; sleep 0.1; done
  FAKE=127.0.0.1:$(cat "$TEST_TMP/fakeport")
}

@test "attack: pull -a from a registry whose tag list names another repository: refused, nothing fetched" {
  start_fake otherrepo
  run td2 pull -a "$FAKE/victim"
  [ "$status" -eq 1 ] # docker's pull fails with 1
  [[ "$output" == *"the registry answered with the tags of other/repo, not of victim"* ]]
  ! grep -q manifests "$TEST_TMP/fakelog"
  run td2 images -q
  [ -z "$output" ]
}

@test "attack: tags with path characters (../../x, a/b, x@y) from the registry: refused before any request" {
  start_fake badtag
  run td2 pull -a "$FAKE/victim"
  [ "$status" -eq 1 ] # docker's pull fails with 1
  [[ "$output" == *'invalid tag for victim: "../../x"'* ]]
  # not even the valid tag "1" was asked for: the list is refused whole
  ! grep -q manifests "$TEST_TMP/fakelog"
  run td2 images -q
  [ -z "$output" ]
  [ ! -e "$TEST_TMP/root2/x" ] && [ ! -e "$TEST_TMP/x" ]
  # and a tag with path characters on run's command line never reaches the registry
  : >"$TEST_TMP/fakelog"
  run td2 run --rm "$FAKE/victim:../../x" true
  [ "$status" -eq 125 ]
  [[ "$output" == *"invalid reference format"* ]]
  [ ! -s "$TEST_TMP/fakelog" ]
}

@test "the suite's network guard: a remote image's pull reaches only the loopback proxy, no DNS" {
  command -v strace >/dev/null || skip "no strace"
  # the exported https proxy alone (any test process), then td's full set
  for how in plain td; do
    if [ "$how" = plain ]; then
      run strace -f -e trace=connect -o "$TEST_TMP/st" "$TINYDOCKER" pull example.invalid/x:1
    else
      run strace -f -e trace=connect -o "$TEST_TMP/st" env "${TD_OFFLINE_ENV[@]}" "$TINYDOCKER" run --rm example.invalid/x:1 true
    fi
    [ "$status" -ne 0 ]
    grep -q 'sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")' "$TEST_TMP/st"
    # no other address at all: no resolver (port 53), no remote registry
    run grep -E 'sa_family=AF_INET6?' "$TEST_TMP/st"
    [ -z "$(echo "$output" | grep -v 'sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")')" ]
  done
}
