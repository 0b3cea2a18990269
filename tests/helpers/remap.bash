# User-namespace remapping tests (68-userns-remap, 73-build-remap): every command of the file
# runs in a private mount namespace of its own (bound at $TEST_TMP/mntns, slave to the host's)
# where the test's own /etc/subuid and /etc/subgid are bound over the host's, so the host's
# /etc is never changed. Load after ../helpers/engine.

# remap_setup_file SUBUID_TEXT SUBGID_TEXT: the files and the namespace (from setup_file)
remap_setup_file() {
  printf '%b' "$1" >"$TEST_TMP/subuid"
  printf '%b' "$2" >"$TEST_TMP/subgid"
  chmod 711 "$TEST_TMP" # the remapped root searches its way to the store root
  touch "$TEST_TMP/mntns"
  unshare --mount="$TEST_TMP/mntns" --propagation slave true
  nsenter --mount="$TEST_TMP/mntns" sh -c \
    "mount --bind '$TEST_TMP/subuid' /etc/subuid && mount --bind '$TEST_TMP/subgid' /etc/subgid"
}

# every command in the test's mount namespace
td() { nsenter --mount="$TEST_TMP/mntns" env "${TD_OFFLINE_ENV[@]}" "$TINYDOCKER" "$@"; }
tdr() { td --userns-remap default "$@"; }

# the test's containers removed (teardown)
remap_rm_all() {
  local ids
  ids=$(td ps -aq --no-trunc 2>/dev/null) || true
  [ -z "$ids" ] || td rm -f $ids >/dev/null 2>&1 || true
}

# the containers, the namespace and the root (teardown_file)
remap_teardown_file() {
  td_engine_env
  remap_rm_all
  umount -l "$TEST_TMP/mntns" 2>/dev/null || true
  td_engine_teardown_file
}
