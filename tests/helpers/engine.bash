# Helpers for the engine's bats files (50-engine-*.bats): `load ../helpers/engine`.
# One private root per file (the busybox image is made once, in setup_file), every
# container removed after each test, and the root removed at the end.
load ../helpers/common

# never to a remote registry (tests/helpers/offline.bash)
td() { env "${TD_OFFLINE_ENV[@]}" "$TINYDOCKER" "$@"; }

# setup_file: a root with the default busybox image.
td_engine_setup_file() {
  td_setup_roots
  echo "$TEST_TMP" >"$BATS_FILE_TMPDIR/test_tmp"
  "$TINYDOCKER" create-default >/dev/null
}

td_engine_env() {
  TEST_TMP=$(cat "$BATS_FILE_TMPDIR/test_tmp")
  export TD_ROOT=$TEST_TMP/root TR_ROOT=$TEST_TMP/run TINYDOCKER_ROOT=$TEST_TMP/root
}

# setup: the file's root again (bats runs setup in a new shell).
td_engine_setup() {
  td_engine_env
}

# teardown: remove every container of this root.
td_engine_teardown() {
  local ids
  td_wait_trash || true
  ids=$("$TINYDOCKER" ps -aq --no-trunc 2>/dev/null) || true
  [ -z "$ids" ] || "$TINYDOCKER" rm -f $ids >/dev/null 2>&1 || true
}

td_engine_teardown_file() {
  td_engine_env
  td_engine_teardown
  "$TINYDOCKER" network cleanup >/dev/null 2>&1 || true
  td_teardown_roots
}

# The number of containers in the store.
td_count() { ls "$TD_ROOT/containers" | grep -c -E '^[0-9a-f]{64}$' || true; }

# Wait until a container reaches a status (default 5 s).
td_wait_status() { # ref status [tries]
  local i
  for i in $(seq "${3:-100}"); do
    [ "$("$TINYDOCKER" inspect -f '{{.State.Status}}' "$1" 2>/dev/null)" = "$2" ] && return 0
    sleep 0.05
  done
  return 1
}

# Mounts below this test's root (leak check).
td_mounts_under_root() { findmnt -rn -o TARGET | grep -c "^$TEST_TMP" || true; }

# cgroup dirs of a container id on the host (any hierarchy).
td_cgroup_dirs() { find /sys/fs/cgroup -maxdepth 4 -type d -name "$1" 2>/dev/null; }
