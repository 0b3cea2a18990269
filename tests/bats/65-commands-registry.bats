#!/usr/bin/env bats
# `search` against a local docker-registry's catalog (docker's table, --limit, --format,
# filters), Docker Hub refused clearly without any traffic, and `manifest inspect` of a
# manifest and of an index as the registry serves them.
load ../helpers/engine
load ../helpers/registry

setup_file() { td_engine_setup_file; }
setup() {
  td_engine_setup
  reg_start
}
teardown() {
  reg_stop
  td_engine_teardown
}
teardown_file() { td_engine_teardown_file; }

push_as() { # name:tag
  td tag busybox "$REG/$1"
  td push -q "$REG/$1" >/dev/null
}

@test "search: the registry's catalog as docker's table, --limit, --format, --filter" {
  push_as library/busybox:1
  push_as tools/busytool:2
  push_as other/thing:3
  run td search "$REG/busy"
  [ "$status" -eq 0 ]
  echo "${lines[0]}"
  # docker's tabwriter: each column its widest cell plus 3, at least 10
  [ "${lines[0]}" = "$(printf "%-$((${#REG} + 16 + 3))s%-14s%-10s%-11s%s" NAME DESCRIPTION STARS OFFICIAL AUTOMATED)" ]
  [[ "${lines[1]}" == "$REG/library/busybox "*" 0 "* ]]
  [[ "${lines[2]}" == "$REG/tools/busytool "*" 0 "* ]]
  [ "${#lines[@]}" -eq 3 ]
  run td search --format '{{.Name}}|{{.StarCount}}|{{.IsOfficial}}' "$REG/"
  [ "$output" = "$REG/library/busybox|0|false
$REG/other/thing|0|false
$REG/tools/busytool|0|false" ]
  run td search "$REG/" --limit 1 --format '{{.Name}}'
  [ "$output" = "$REG/library/busybox" ]
  run td search --filter is-official=true "$REG/busy"
  [ "${#lines[@]}" -eq 1 ]
  run td search --filter stars=3 "$REG/busy"
  [ "${#lines[@]}" -eq 1 ]
  run td search --limit 0 "$REG/busy"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Limit 0 is outside the range of [1, 100]"* ]]
  run td search --filter bogus=1 "$REG/busy"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Invalid filter 'bogus'"* ]]
}

@test "search: Docker Hub (no catalog) and a registry without one are clear errors, exit 1" {
  run td search busybox
  [ "$status" -eq 1 ]
  [[ "$output" == *"Docker Hub has no catalog to search"* ]]
  # a port where nothing listens
  port=$(free_port)
  run td search "127.0.0.1:$port/x"
  [ "$status" -eq 1 ]
  [[ "$output" == *"search 127.0.0.1:$port"* ]]
  run td search
  [ "$status" -eq 1 ]
}

@test "manifest inspect: a manifest and an index, as served, tab-indented like docker's" {
  push_as multi:one
  run td manifest inspect "$REG/multi:one"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "{" ]
  [ "${lines[1]}" = $'\t"schemaVersion": 2,' ]
  [[ "$output" == *$'\t"layers": ['* ]]
  got=$(td manifest inspect "$REG/multi:one" | jq -c .)
  want=$(curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json' "http://$REG/v2/multi/manifests/one" | jq -c .)
  [ "$got" = "$want" ]
  dg=$(curl -sfI -H 'Accept: application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json' "http://$REG/v2/multi/manifests/one" | tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest" {print $2}')
  sz=$(td manifest inspect "$REG/multi:one" | jq -c . | tr -d '\n' | wc -c)
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"platform":{"os":"linux","architecture":"arm64"}}]}' "$dg" "$sz" >"$TEST_TMP/index.json"
  curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.index.v1+json' \
    --data-binary @"$TEST_TMP/index.json" "http://$REG/v2/multi/manifests/idx"
  run td manifest inspect "$REG/multi:idx"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r '.manifests[0].platform.architecture')" = arm64 ]
  [ "$(echo "$output" | jq -r .mediaType)" = application/vnd.oci.image.index.v1+json ]
  # by digest: checked against what is served
  run td manifest inspect "$REG/multi@$dg"
  [ "$status" -eq 0 ]
  run td manifest inspect "$REG/multi:nope"
  [ "$status" -eq 1 ]
  [[ "$output" == *"no such manifest"* ]]
  run td manifest push "$REG/multi:idx"
  [ "$status" -eq 1 ]
}
