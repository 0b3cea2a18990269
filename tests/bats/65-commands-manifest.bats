#!/usr/bin/env bats
# `manifest create|annotate|inspect|push|rm`: a multi-platform list made from images already in
# a local docker-registry (127.0.0.1 only), compared with docker's own CLI (its manifest
# commands need no daemon: DOCKER_CONFIG in the test's directory), pushed, and pulled back.
load ../helpers/engine
load ../helpers/registry

setup_file() { td_engine_setup_file; }
setup() {
  td_engine_setup
  reg_start
  export DOCKER_CONFIG=$TEST_TMP/docker-config
  mkdir -p "$DOCKER_CONFIG"
}
teardown() {
  reg_stop
  td_engine_teardown
}
teardown_file() { td_engine_teardown_file; }

# two images in $REG/mf: a (busybox) and b (busybox + one file)
push_two() {
  td tag busybox "$REG/mf:a"
  td push -q "$REG/mf:a" >/dev/null
  td run --name mfc busybox touch /marker >/dev/null
  td commit mfc "$REG/mf:b" >/dev/null
  td rm mfc >/dev/null
  td push -q "$REG/mf:b" >/dev/null
}

tag_digest() { # repo tag
  curl -sfI -H 'Accept: application/vnd.oci.image.index.v1+json,application/vnd.docker.distribution.manifest.list.v2+json' \
    "http://$REG/v2/$1/manifests/$2" | tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest" {print $2}'
}

@test "manifest create/annotate/push: the same list, byte for byte, as docker's CLI makes" {
  push_two
  run td manifest create "$REG/mf:list" "$REG/mf:a" "$REG/mf:b"
  [ "$status" -eq 0 ]
  [ "$output" = "Created manifest list $REG/mf:list" ]
  td manifest annotate "$REG/mf:list" "$REG/mf:b" --arch arm64 --variant v8
  td manifest annotate --os-features a,b --os-version 1.0 "$REG/mf:list" "$REG/mf:b"
  run td manifest inspect "$REG/mf:list"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r '.manifests[1].platform.architecture')" = arm64 ]
  [ "$(echo "$output" | jq -r '.manifests[0].platform.architecture')" = amd64 ]
  ours=$output
  run td manifest push "$REG/mf:list"
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
  ours_digest=$output
  [ "$(tag_digest mf list)" = "$ours_digest" ]
  # docker's CLI, the same steps into another tag
  docker manifest create --insecure "$REG/mf:dlist" "$REG/mf:a" "$REG/mf:b" >/dev/null
  docker manifest annotate "$REG/mf:dlist" "$REG/mf:b" --arch arm64 --variant v8
  docker manifest annotate --os-features a,b --os-version 1.0 "$REG/mf:dlist" "$REG/mf:b"
  [ "$(docker manifest inspect "$REG/mf:dlist")" = "$ours" ]
  run docker manifest push --insecure "$REG/mf:dlist"
  [ "$output" = "$ours_digest" ]
  # verbose: docker's entries (Ref, Descriptor, Raw, OCIManifest), tab-indented
  run td manifest inspect -v "$REG/mf:list"
  [ "$(echo "$output" | jq -r '.[1].Ref')" = "$REG/mf:b" ]
  [ "$(echo "$output" | jq -r '.[1].Raw' | base64 -d | sha256sum | cut -c1-64)" = \
    "$(echo "$output" | jq -r '.[1].Descriptor.digest' | cut -d: -f2)" ]
  [ "${lines[1]}" = $'\t{' ]
  # one entry of the list
  run td manifest inspect "$REG/mf:list" "$REG/mf:b"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq '.layers | length')" -eq 2 ]
}

@test "manifest push: the registry serves the list and a pull picks this machine's entry" {
  push_two
  td manifest create "$REG/mf:list" "$REG/mf:b" "$REG/mf:a"
  td manifest annotate "$REG/mf:list" "$REG/mf:b" --arch arm64
  run td manifest push --purge "$REG/mf:list"
  [ "$status" -eq 0 ]
  # --purge: the local list is gone; inspect now reads the registry's
  run td manifest rm "$REG/mf:list"
  [ "$status" -eq 1 ]
  [ "$output" = "No such manifest: $REG/mf:list" ]
  run td manifest inspect "$REG/mf:list"
  [ "$(echo "$output" | jq -r '.manifests | length')" -eq 2 ]
  td rmi "$REG/mf:a" "$REG/mf:b" >/dev/null
  run td pull "$REG/mf:list"
  [ "$status" -eq 0 ]
  # amd64 is the plain busybox image (a), not the annotated arm64 one (b)
  [ "$(td image inspect -f '{{.Id}}' "$REG/mf:list")" = "$(td image inspect -f '{{.Id}}' busybox)" ]
}

@test "manifest push: entries of another repository of the registry are mounted across" {
  push_two
  td manifest create "$REG/other/app:multi" "$REG/mf:a" "$REG/mf:b"
  run td manifest push "$REG/other/app:multi"
  [ "$status" -eq 0 ]
  [ "$(curl -sf "http://$REG/v2/other/app/tags/list" | jq -c .tags)" = '["multi"]' ]
  # each entry's manifest and blobs are now in other/app: a pull works from there alone
  td manifest rm "$REG/other/app:multi"
  run td pull "$REG/other/app:multi"
  [ "$status" -eq 0 ]
  run td run --rm "$REG/other/app:multi" true
  [ "$status" -eq 0 ]
}

@test "manifest: bad input is a clear one-line error, exit 1, and changes nothing" {
  push_two
  run td manifest create "$REG/mf:x"
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "tinydocker: 'tinydocker manifest create' requires at least 2 arguments" ]
  run td manifest annotate "$REG/mf:x"
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "tinydocker: 'tinydocker manifest annotate' requires 2 arguments" ]
  run td manifest bogus
  [ "$status" -eq 1 ]
  run td manifest create "$REG/mf:list" "$REG/mf:nope"
  [ "$status" -eq 1 ]
  [ "$output" = "no such manifest: $REG/mf:nope" ]
  [ ! -e "$TD_ROOT/manifests/${REG//:/-}_mf-list.json" ]
  # another registry: refused before anything is asked of it (nothing listens there)
  port=$(free_port)
  run td manifest create "$REG/mf:list" "127.0.0.1:$port/mf:a"
  [ "$status" -eq 1 ]
  [ "$output" = "cannot use source images from a different registry than the target image: 127.0.0.1:$port != $REG" ]
  td manifest create "$REG/mf:list" "$REG/mf:a"
  f=$TD_ROOT/manifests/${REG//:/-}_mf-list.json
  [ -f "$f" ]
  sum=$(sha256sum <"$f")
  run td manifest create "$REG/mf:list" "$REG/mf:b"
  [ "$status" -eq 1 ]
  [ "$output" = "refusing to amend an existing manifest list with no --amend flag" ]
  run td manifest annotate "$REG/mf:list" "$REG/mf:a" --arch bogus
  [ "$status" -eq 1 ]
  [ "$output" = "manifest entry for image has unsupported os/arch combination: /bogus" ]
  run td manifest annotate "$REG/mf:list" "$REG/mf:b" --arch arm64
  [ "$status" -eq 1 ]
  [ "$output" = "manifest for image $REG/mf:b does not exist in $REG/mf:list" ]
  [ "$(sha256sum <"$f")" = "$sum" ]
  # --amend adds; a list is never a source
  td manifest create --amend "$REG/mf:list" "$REG/mf:b"
  [ "$(td manifest inspect "$REG/mf:list" | jq '.manifests | length')" -eq 2 ]
  td manifest push "$REG/mf:list" >/dev/null
  run td manifest create "$REG/mf:l2" "$REG/mf:list"
  [ "$status" -eq 1 ]
  [ "$output" = "$REG/mf:list is a manifest list" ]
  run td manifest push "$REG/mf:never"
  [ "$status" -eq 1 ]
  [[ "$output" == *"No such manifest: $REG/mf:never" ]]
  # the store's list files are the engine's own: 0700 directory, 0600 files
  [ "$(stat -c %a "$TD_ROOT/manifests")" = 700 ]
  [ "$(stat -c %a "$f")" = 600 ]
}

@test "manifest push attack: a tampered local list is refused and nothing is pushed" {
  push_two
  td manifest create "$REG/other/x:t" "$REG/mf:a"
  f=$TD_ROOT/manifests/${REG//:/-}_other_x-t.json
  # swap the stored manifest bytes for others (a manifest naming a foreign blob)
  evil=$(printf '{"schemaVersion":2,"config":{"digest":"sha256:%064d","size":1},"layers":[]}' 0 | base64 -w0)
  jq --arg r "$evil" '.Manifests[0].Raw = $r' "$f" >"$f.new" && mv "$f.new" "$f"
  run td manifest push "$REG/other/x:t"
  [ "$status" -eq 1 ]
  [[ "$output" == *"the stored manifest does not match its digest"* ]]
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.oci.image.index.v1+json' "http://$REG/v2/other/x/manifests/t")" = 404 ]
  # the untampered list pushes (the check above is not a registry refusing everything)
  td manifest create --amend "$REG/other/x:t" "$REG/mf:a"
  td manifest push "$REG/other/x:t"
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.oci.image.index.v1+json' "http://$REG/v2/other/x/manifests/t")" = 200 ]
}
