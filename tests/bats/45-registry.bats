#!/usr/bin/env bats
# pull, push, login, logout against a real docker-registry on 127.0.0.1, with skopeo on the
# other side (it checks every digest).
load ../helpers/common
load ../helpers/registry

TDI() { "$BUILD_DIR/tinydocker-image" --root "$TD_ROOT" "$@"; }

setup() {
  td_setup_roots
  reg_start
}

teardown() {
  reg_stop
  td_teardown_roots
}

@test "push: an image pushed by tinydocker passes skopeo copy to an oci: dir" {
  TDI create-default >/dev/null
  TDI tag busybox:latest "$REG/bb:1"
  run TDI push "$REG/bb:1"
  [ "$status" -eq 0 ]
  [[ "$output" == *"1: digest: sha256:"* ]]
  run skopeo copy --src-tls-verify=false "docker://$REG/bb:1" "oci:$TEST_TMP/oci:x"
  [ "$status" -eq 0 ]
  # pushing again skips every blob (HEAD first)
  run TDI push "$REG/bb:1"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Layer already exists"* ]]
  [[ "$output" != *"Pushed"* ]]
}

@test "pull: a multi-layer gzip image pushed by skopeo is pulled, layers unpacked in order" {
  make_multilayer_oci "$TEST_TMP/src"
  skopeo copy -q --dest-tls-verify=false "oci:$TEST_TMP/src/oci:t" "docker://$REG/multi:gz"
  run TDI pull "$REG/multi:gz"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "$REG/multi:gz" ]
  run TDI image inspect "$REG/multi:gz"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq '.[0].RootFS.Layers | length')" -eq 2 ]
  [ "$(cat "$TD_ROOT"/layers/*/diff/marker)" = layer-two ]
  [ -x "$(ls "$TD_ROOT"/layers/*/diff/bin/busybox)" ]
  # and it runs: both layers are visible in the container's rootfs
  run "$TINYDOCKER" --root "$TD_ROOT" run --rm --network none "$REG/multi:gz" \
    /bin/busybox sh -c 'cat /marker; /bin/busybox stat -c %s /random.bin'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = layer-two ]
  [ "${lines[1]}" = 300000 ]
}

@test "pull: zstd layers" {
  make_multilayer_oci "$TEST_TMP/src"
  skopeo copy -q --dest-tls-verify=false --dest-compress-format zstd \
    "oci:$TEST_TMP/src/oci:t" "docker://$REG/multi:zstd"
  run TDI pull "$REG/multi:zstd"
  [ "$status" -eq 0 ]
  [ "$(cat "$TD_ROOT"/layers/*/diff/marker)" = layer-two ]
}

@test "pull: an OCI index picks this host's platform" {
  [ "$(uname -m)" = x86_64 ] || skip "written for amd64 hosts"
  make_multilayer_oci "$TEST_TMP/src"
  skopeo copy -q --dest-tls-verify=false "oci:$TEST_TMP/src/oci:t" "docker://$REG/multi:amd"
  TDI create-default >/dev/null
  TDI tag busybox:latest "$REG/multi:other"
  TDI push -q "$REG/multi:other" >/dev/null
  # an index: arm64 -> the busybox image, amd64 -> the two-layer image with the marker
  accept='application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json'
  desc() { # tag arch
    local h dg sz mt
    h=$(curl -sfI -H "Accept: $accept" "http://$REG/v2/multi/manifests/$1" | tr -d '\r')
    dg=$(echo "$h" | awk -F': ' 'tolower($1)=="docker-content-digest" {print $2}')
    sz=$(echo "$h" | awk -F': ' 'tolower($1)=="content-length" {print $2}')
    mt=$(echo "$h" | awk -F': ' 'tolower($1)=="content-type" {print $2}')
    printf '{"mediaType":"%s","digest":"%s","size":%s,"platform":{"os":"linux","architecture":"%s"}}' \
      "$mt" "$dg" "$sz" "$2"
  }
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[%s,%s]}' \
    "$(desc other arm64)" "$(desc amd amd64)" >"$TEST_TMP/index.json"
  curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.index.v1+json' \
    --data-binary @"$TEST_TMP/index.json" "http://$REG/v2/multi/manifests/idx"
  rm -rf "$TD_ROOT"; mkdir -p "$TD_ROOT"
  run TDI pull "$REG/multi:idx"
  [ "$status" -eq 0 ]
  [ "$(cat "$TD_ROOT"/layers/*/diff/marker)" = layer-two ]
  run TDI pull --platform linux/arm64 "$REG/multi:idx"
  [ "$status" -eq 0 ]
  run TDI image inspect "$REG/multi:idx"
  [ "$(echo "$output" | jq '.[0].RootFS.Layers | length')" -eq 1 ]
  run TDI pull --platform linux/s390x "$REG/multi:idx"
  [ "$status" -eq 125 ]
  [[ "$output" == *"no matching manifest for linux/s390x"* ]]
}

@test "pull: a bad reference is rejected before any traffic" {
  run TDI pull 'UPPER/Case::x'
  [ "$status" -eq 125 ]
  [[ "$output" == *"invalid reference format"* ]]
  [ "${#lines[@]}" -eq 1 ]
}

@test "pull: a missing tag is a clear error and stores nothing" {
  run TDI pull "$REG/nothing:here"
  [ "$status" -eq 125 ]
  [[ "$output" == *"not found"* ]]
  [ -z "$(ls "$TD_ROOT/layers" 2>/dev/null)" ]
}

@test "pull: a corrupted blob in the registry is refused, nothing is published, next pull works" {
  make_multilayer_oci "$TEST_TMP/src"
  skopeo copy -q --dest-tls-verify=false "oci:$TEST_TMP/src/oci:t" "docker://$REG/multi:gz"
  # corrupt the biggest blob the registry stores (the layer with random data)
  blob=$(find "$REG_DIR/data" -path '*blobs/sha256/*/data' -size +100k | head -1)
  [ -n "$blob" ]
  cp "$blob" "$TEST_TMP/blob.orig"
  printf 'XXXX' | dd of="$blob" bs=1 seek=100 conv=notrunc 2>/dev/null
  run TDI pull "$REG/multi:gz"
  [ "$status" -eq 125 ]
  [[ "$output" == *"digest mismatch"* || "$output" == *"diff_id"* || "$output" == *"layer"* ]]
  run TDI images -q
  [ -z "$output" ]
  [ -z "$(ls "$TD_ROOT/layers" 2>/dev/null)" ]
  [ -z "$(ls "$TD_ROOT/tmp" 2>/dev/null)" ]
  cp "$TEST_TMP/blob.orig" "$blob"
  run TDI pull "$REG/multi:gz"
  [ "$status" -eq 0 ]
}

@test "pull: killed half way leaves no partial image, and the next pull works" {
  mkdir -p "$TEST_TMP/big/rootfs"
  umoci init --layout "$TEST_TMP/big/oci" >/dev/null
  umoci new --image "$TEST_TMP/big/oci:t" >/dev/null
  umoci unpack --image "$TEST_TMP/big/oci:t" "$TEST_TMP/big/b" >/dev/null
  head -c 40000000 /dev/urandom >"$TEST_TMP/big/b/rootfs/big.bin"
  umoci repack --image "$TEST_TMP/big/oci:t" "$TEST_TMP/big/b" >/dev/null
  skopeo copy -q --dest-tls-verify=false "oci:$TEST_TMP/big/oci:t" "docker://$REG/big:1"
  "$BUILD_DIR/tinydocker-image" --root "$TD_ROOT" pull -q "$REG/big:1" >/dev/null 2>&1 &
  pid=$!
  sleep 0.15
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  run TDI images -q
  if [ -n "$output" ]; then
    # the pull finished before the kill: then it must be complete
    [ -s "$(ls -d "$TD_ROOT"/layers/*/diff/big.bin)" ]
  fi
  run TDI pull -q "$REG/big:1"
  [ "$status" -eq 0 ]
  [ "$(stat -c %s "$TD_ROOT"/layers/*/diff/big.bin)" -eq 40000000 ]
}

@test "login and logout: basic auth against an htpasswd registry; credentials stored 0600" {
  reg_stop
  hash=$(python3 -W ignore -c 'import crypt; print(crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH)))')
  mkdir -p "$TEST_TMP/auth"
  echo "tester:$hash" >"$TEST_TMP/auth/htpasswd"
  reg_start "$TEST_TMP/auth/htpasswd"
  TDI create-default >/dev/null
  TDI tag busybox:latest "$REG/private:1"
  run TDI push "$REG/private:1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"login"* ]]
  run TDI login -u tester -p wrong "$REG"
  [ "$status" -eq 125 ]
  [[ "$output" == *"unauthorized"* ]]
  echo s3cret | TDI login -u tester --password-stdin "$REG"
  [ "$(stat -c %a "$TD_ROOT/auth.json")" = 600 ]
  run grep -c s3cret "$TD_ROOT/auth.json"
  [ "$output" = 0 ]
  run TDI push "$REG/private:1"
  [ "$status" -eq 0 ]
  run TDI logout "$REG"
  [ "$status" -eq 0 ]
  run TDI pull "$REG/private:1"
  [ "$status" -eq 125 ]
  # docker 20.10: logged out already is no error; it says what it removes either way
  run TDI logout "$REG"
  [ "$status" -eq 0 ]
  [ "$output" = "Removing login credentials for $REG" ]
}
