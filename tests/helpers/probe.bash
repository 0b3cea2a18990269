# The static probe (tests/helpers/probe.c) for looking inside containers:
# `load ../helpers/probe`, then `td_build_probe` (in setup_file or setup) sets $PROBE, and
# `td_install_probe ROOTFS` copies it to ROOTFS/probe.

td_build_probe() {
  if [ -x "$BUILD_DIR/tests/helpers/probe" ]; then
    PROBE=$BUILD_DIR/tests/helpers/probe
  else
    local dir=${BATS_RUN_TMPDIR:-${TMPDIR:-/tmp}}
    PROBE=$dir/td-probe
    if [ ! -x "$PROBE" ] || [ "$REPO/tests/helpers/probe.c" -nt "$PROBE" ]; then
      cc -static -O2 -o "$PROBE.tmp.$$" "$REPO/tests/helpers/probe.c" || return 1
      mv "$PROBE.tmp.$$" "$PROBE"
    fi
  fi
  export PROBE
}

td_install_probe() { # rootfs
  cp "$PROBE" "$1/probe"
  chmod 755 "$1/probe"
}
