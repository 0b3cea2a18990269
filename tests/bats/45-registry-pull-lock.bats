#!/usr/bin/env bats
# pull holds the image store lock only for its short store steps, never across its downloads
# (issue 18 item 1): other image commands run while a (slow) pull downloads, concurrent pulls
# of one image both succeed, gc never removes what a live pull holds, a killed pull's leftovers
# (temp files, hold, blobs) go with the next image command. A python proxy in front of the
# test registry sends blobs slowly (tests/helpers/slowproxy.py).
load ../helpers/common
load ../helpers/registry

TD() { "$TINYDOCKER" --root "$TD_ROOT" "$@"; }

setup() {
  td_setup_roots
  reg_start
  make_multilayer_oci "$TEST_TMP/src"
  skopeo copy -q --dest-tls-verify=false "oci:$TEST_TMP/src/oci:t" "docker://$REG/multi:1"
  python3 "$BATS_TEST_DIRNAME/../helpers/slowproxy.py" "$REG" "$TEST_TMP/proxyport" 6 \
    >"$TEST_TMP/proxy.log" 2>&1 &
  PROXY_PID=$!
  local i
  for i in $(seq 50); do
    [ -s "$TEST_TMP/proxyport" ] && break
    sleep 0.1
  done
  SLOW=127.0.0.1:$(cat "$TEST_TMP/proxyport")
  "$BUILD_DIR/tinydocker-image" --root "$TD_ROOT" create-default >/dev/null
}

teardown() {
  [ -n "${PULL_PID:-}" ] && kill -9 "$PULL_PID" 2>/dev/null && wait "$PULL_PID" 2>/dev/null
  [ -n "${PROXY_PID:-}" ] && kill "$PROXY_PID" 2>/dev/null && wait "$PROXY_PID" 2>/dev/null
  reg_stop
  td_teardown_roots
}

# Wait until a pull is downloading its layers (its config is in the store, unreferenced, and
# a layer's temp dir is in <root>/tmp).
wait_downloading() {
  local i
  for i in $(seq 100); do
    if ls "$TD_ROOT/tmp" 2>/dev/null | grep -q '^layer-'; then return 0; fi
    sleep 0.1
  done
  echo "the pull never started downloading" >&2
  return 1
}

# Nothing a pull left: no temp files, no hold, no blob or layer no image references.
store_clean_but() { # expected number of images
  [ -z "$(ls -A "$TD_ROOT/tmp")" ]
  [ -z "$(ls -A "$TD_ROOT/pulls" 2>/dev/null)" ]
  [ "$(TD images -q | wc -l)" -eq "$1" ]
}

@test "pull: tag, images, rmi and image prune -a of other images run while a pull downloads" {
  "$TINYDOCKER" --root "$TD_ROOT" pull -q "$SLOW/multi:1" >"$TEST_TMP/pull.out" 2>&1 &
  PULL_PID=$!
  wait_downloading
  t0=$(date +%s)
  run timeout 5 "$TINYDOCKER" --root "$TD_ROOT" tag busybox:latest other:1
  echo "tag: $status $output"
  [ "$status" -eq 0 ]
  run timeout 5 "$TINYDOCKER" --root "$TD_ROOT" images
  [ "$status" -eq 0 ]
  [[ "$output" == *other* ]]
  run timeout 5 "$TINYDOCKER" --root "$TD_ROOT" rmi other:1
  [ "$status" -eq 0 ]
  # prune -a removes busybox (unused), never what the pull has downloaded so far
  run timeout 5 "$TINYDOCKER" --root "$TD_ROOT" image prune -a -f
  echo "prune: $status $output"
  [ "$status" -eq 0 ]
  [ $(($(date +%s) - t0)) -le 6 ]
  kill -0 "$PULL_PID" # all that happened while the pull was still downloading
  wait "$PULL_PID"
  PULL_PID=
  cat "$TEST_TMP/pull.out"
  [ "$(tail -1 "$TEST_TMP/pull.out")" = "$SLOW/multi:1" ]
  run TD run --rm --network none "$SLOW/multi:1" /bin/busybox cat /marker
  [ "$status" -eq 0 ]
  [ "$output" = layer-two ]
  store_clean_but 1
}

@test "pull: two concurrent pulls of the same image both succeed" {
  "$TINYDOCKER" --root "$TD_ROOT" pull -q "$SLOW/multi:1" >"$TEST_TMP/p1.out" 2>&1 &
  p1=$!
  "$TINYDOCKER" --root "$TD_ROOT" pull -q "$SLOW/multi:1" >"$TEST_TMP/p2.out" 2>&1 &
  p2=$!
  wait "$p1" || { cat "$TEST_TMP/p1.out"; false; }
  wait "$p2" || { cat "$TEST_TMP/p2.out"; false; }
  [ "$(tail -1 "$TEST_TMP/p1.out")" = "$SLOW/multi:1" ]
  [ "$(tail -1 "$TEST_TMP/p2.out")" = "$SLOW/multi:1" ]
  run TD run --rm --network none "$SLOW/multi:1" /bin/busybox cat /marker
  [ "$status" -eq 0 ]
  [ "$output" = layer-two ]
  store_clean_but 2
  [ "$(ls "$TD_ROOT/layers" | wc -l)" -eq 3 ] # busybox's and the two of multi:1
}

@test "pull: a pull killed -9 mid-download leaves nothing after the next image command" {
  "$TINYDOCKER" --root "$TD_ROOT" pull -q "$SLOW/multi:1" >/dev/null 2>&1 &
  PULL_PID=$!
  wait_downloading
  [ -n "$(ls -A "$TD_ROOT/pulls")" ] # the pull's hold
  kill -9 "$PULL_PID"
  wait "$PULL_PID" 2>/dev/null || true
  PULL_PID=
  run TD image prune -f
  [ "$status" -eq 0 ]
  store_clean_but 1
  # only busybox's blobs and layer are left
  [ "$(ls "$TD_ROOT/layers" | wc -l)" -eq 1 ]
  id=$(TD image inspect -f '{{.Id}}' busybox:latest)
  run TD rmi busybox:latest
  [ "$status" -eq 0 ]
  [ -z "$(ls -A "$TD_ROOT/images/blobs/sha256")" ]
  [ -z "$(ls -A "$TD_ROOT/layers")" ]
}

@test "pull holds: a live pull's hold keeps its blobs from gc; a dead or reused pid's hold goes" {
  mkdir -p "$TD_ROOT/pulls"
  blob=$(head -c 100 /dev/urandom | sha256sum | cut -d' ' -f1)
  head -c 100 /dev/urandom >"$TD_ROOT/images/blobs/sha256/$blob"
  sleep 300 &
  holder=$!
  start=$(awk '{sub(/.*\) /, ""); print $20}' /proc/$holder/stat)
  printf '{"pid":%d,"start":%s,"blobs":["sha256:%s"],"layers":[]}' "$holder" "$start" "$blob" \
    >"$TD_ROOT/pulls/$holder-live"
  # the same live pid with another start time: a reused pid, not the pull that wrote it
  printf '{"pid":%d,"start":%s,"blobs":[],"layers":[]}' "$holder" "$((start + 1))" \
    >"$TD_ROOT/pulls/$holder-reused"
  run TD image prune -a -f
  [ "$status" -eq 0 ]
  [ -e "$TD_ROOT/images/blobs/sha256/$blob" ]
  [ -e "$TD_ROOT/pulls/$holder-live" ]
  [ ! -e "$TD_ROOT/pulls/$holder-reused" ]
  kill "$holder"
  wait "$holder" 2>/dev/null || true
  run TD image prune -a -f
  [ "$status" -eq 0 ]
  [ ! -e "$TD_ROOT/images/blobs/sha256/$blob" ]
  [ -z "$(ls -A "$TD_ROOT/pulls")" ]
}
