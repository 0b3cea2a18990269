#!/usr/bin/env bats
# DESIGN.md's start-time budget: tinyrun and the hot tinydocker commands (run, start, exec,
# ps, stop, rm, logs, inspect) never load libcurl, libarchive, libcrypto or libnftables. Checked
# two ways: the libraries the dynamic loader initialises (LD_DEBUG=libs, which also shows a
# dlopen), and /proc/PID/maps of the long-lived processes (tinyrun run, the monitor). Not even
# network create/rm load libnftables: the tinydocker-nft helper they run does (net/nft_tool.c).
load ../helpers/common

HEAVY='libcurl|libarchive|libcrypto|libssl|libnftables'

setup() {
  td_setup_roots
  "$TINYDOCKER" create-default >/dev/null
}

teardown() {
  for c in $("$TINYDOCKER" ps -aq --no-trunc 2>/dev/null); do "$TINYDOCKER" rm -f "$c" >/dev/null 2>&1; done
  # the container first: `tinyrun run` passes SIGTERM on to a PID 1 that ignores it, and
  # would be waited for until its sleep ends
  "$TINYRUN" --root "$TR_ROOT" delete -f tr-libs >/dev/null 2>&1 || true
  [ -z "${TRPID:-}" ] || { kill "$TRPID" 2>/dev/null; wait "$TRPID" 2>/dev/null; }
  td_teardown_roots
}

# The shared objects the loader initialised while running "$@" (one basename a line).
loaded_libs() {
  LD_DEBUG=libs "$@" 2>&1 >/dev/null | awk '/calling init:/ { print $NF }' | xargs -rn1 basename | sort -u
}

@test "the check can fail: an image command execs the heavy tool, and the loader shows it" {
  run loaded_libs "$TINYDOCKER" images
  echo "$output"
  [[ "$output" =~ libarchive ]]
  [[ "$output" =~ libcurl ]]
}

@test "tinydocker run, ps, inspect, logs, exec, stop, start, rm load no heavy library" {
  id=$("$TINYDOCKER" run -d --network none busybox sleep 300)
  out=""
  out+=$(loaded_libs "$TINYDOCKER" run --rm --network none busybox true)$'\n'
  out+=$(loaded_libs "$TINYDOCKER" ps -a)$'\n'
  out+=$(loaded_libs "$TINYDOCKER" inspect "$id")$'\n'
  out+=$(loaded_libs "$TINYDOCKER" logs "$id")$'\n'
  out+=$(loaded_libs "$TINYDOCKER" exec "$id" true)$'\n'
  out+=$(loaded_libs "$TINYDOCKER" stop -t 1 "$id")$'\n'
  out+=$(loaded_libs "$TINYDOCKER" start "$id")$'\n'
  out+=$(loaded_libs "$TINYDOCKER" rm -f "$id")$'\n'
  echo "$out" | sort -u
  # a dynamic tinydocker (sanitizer builds) shows its libraries; a static one none at all
  if td_is_dynamic "$TINYDOCKER"; then
    echo "$out" | grep -q 'libc\.so' # the loader's view was captured
  else
    [ -z "$(echo "$out" | tr -d '[:space:]')" ]
  fi
  ! echo "$out" | grep -qE "$HEAVY" || false
}

@test "network create and rm never load libnftables in tinydocker: the tinydocker-nft helper does" {
  # the helper's own loader output goes to the stderr tinydocker captures from it
  out=$(loaded_libs "$TINYDOCKER" network create "tdlibs$$")
  echo "$out"
  if td_is_dynamic "$TINYDOCKER"; then
    echo "$out" | grep -q 'libc\.so' # the loader's view was captured
  else
    [ -z "$(echo "$out" | tr -d '[:space:]')" ]
    ! nm "$TINYDOCKER" | grep -q ' nft_ctx_new$' || false # nor is it linked in
  fi
  ! echo "$out" | grep -q libnftables || false
  # the helper did make the table, with the network's bridge in it
  br=$("$TINYDOCKER" network inspect "tdlibs$$" | jq -r '.[0].Options["com.docker.network.bridge.name"]')
  table=$(nft list tables | awk '$2 == "inet" && $3 ~ /^tinydocker/ {print $3}' |
    while read -r t; do nft list table inet "$t" | grep -qF "comment \"$(realpath "$TD_ROOT")\"" && echo "$t"; done)
  nft list set inet "$table" bridges | grep -qF "\"$br\""
  out=$(loaded_libs "$TINYDOCKER" network rm "tdlibs$$")
  ! echo "$out" | grep -q libnftables || false
  ! nft list set inet "$table" bridges | grep -qF "\"$br\"" || false
}

@test "the idle monitor of a detached container maps no heavy library" {
  id=$("$TINYDOCKER" run -d busybox sleep 300)
  pid=$("$TINYDOCKER" inspect -f '{{.State.Pid}}' "$id")
  mon=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status")
  [ -r "/proc/$mon/maps" ]
  grep -E '\.so|tinydocker' "/proc/$mon/maps" | awk '{ print $NF }' | sort -u
  ! grep -qE "$HEAVY" "/proc/$mon/maps" || false
}

@test "tinyrun run: the runtime process maps no heavy library while the container runs" {
  td_make_busybox_rootfs "$TEST_TMP/b/rootfs"
  (cd "$TEST_TMP/b" && "$TINYRUN" spec)
  jq '.process.args = ["sleep", "300"] | .process.terminal = false' "$TEST_TMP/b/config.json" >"$TEST_TMP/c.json"
  mv "$TEST_TMP/c.json" "$TEST_TMP/b/config.json"
  "$TINYRUN" --root "$TR_ROOT" run --bundle "$TEST_TMP/b" tr-libs </dev/null >/dev/null 2>&1 &
  TRPID=$!
  for _ in $(seq 50); do
    [ "$("$TINYRUN" --root "$TR_ROOT" state tr-libs 2>/dev/null | jq -r .status)" = running ] && break
    sleep 0.1
  done
  # the maps were read (tinyrun is static where it can be: no libjansson to see)
  [ "$(wc -l <"/proc/$TRPID/maps")" -gt 5 ]
  ! grep -qE "$HEAVY" "/proc/$TRPID/maps" || false
  run loaded_libs "$TINYRUN" --root "$TR_ROOT" state tr-libs
  # a dynamic tinyrun (sanitizer builds) shows its libraries; a static one none at all
  if td_is_dynamic "$TINYRUN"; then [[ "$output" =~ libseccomp ]]; else [ -z "$output" ]; fi
  ! [[ "$output" =~ libcurl|libarchive|libcrypto|libnftables ]] || false
}
