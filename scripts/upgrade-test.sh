#!/usr/bin/env bash
# The upgrade test (`make test-upgrade`): a store written by an older engine is read and
# operated by this one (tests/upgrade/upgrade.bats). The older engine is built from git
# history, UPGRADE_FROM (default 0831d19: the last engine whose container record was untyped
# JSON), exported with `git archive` into build-upgrade/<commit>/src and built in
# build-upgrade/<commit>/build, once: later runs reuse it (build-upgrade/ is ignored by git).
#   scripts/upgrade-test.sh            build the old engine if needed, run the bats file
#   scripts/upgrade-test.sh --build    only build it; print the old tinydocker's path
# Without git history (a source tarball, a shallow clone without the commit) there is nothing
# to build: it says so and exits 0 (3 with --build); an UPGRADE_FROM that is no commit fails.
set -euo pipefail
cd "$(dirname "$0")/.."
from=${UPGRADE_FROM:-0831d19}
skip() {
  echo "upgrade-test: skipped: $1" >&2
  [ "${2:-}" = --build ] && exit 3
  exit 0
}
git rev-parse --git-dir >/dev/null 2>&1 || skip "no git history here (a source tarball?)" "${1:-}"
if ! sha=$(git rev-parse --verify -q "$from^{commit}"); then
  [ "$(git rev-parse --is-shallow-repository)" = true ] &&
    skip "$from is not in this shallow clone's history" "${1:-}"
  echo "upgrade-test: no commit $from (UPGRADE_FROM)" >&2
  exit 1
fi
dir=build-upgrade/$sha
old=$PWD/$dir/build/tinydocker
# the engine and the helpers it finds next to itself (monitor, entry, attach, init, nft)
targets=(tinydocker tinydocker-nft engine/tinydocker-monitor engine/tinydocker-entry
  engine/tinydocker-attach engine/tinydocker-init)
if [ ! -f "$dir/.built" ]; then
  echo "upgrade-test: building $from ($sha) in $dir" >&2
  rm -rf "$dir"
  mkdir -p "$dir/src"
  git archive "$sha" | tar -x -C "$dir/src"
  meson setup "$dir/build" "$dir/src" >"$dir/setup.log" 2>&1 || {
    cat "$dir/setup.log" >&2
    exit 1
  }
  ninja -C "$dir/build" "${targets[@]}" >"$dir/build.log" 2>&1 || {
    tail -30 "$dir/build.log" >&2
    exit 1
  }
  touch "$dir/.built"
fi
if [ "${1:-}" = --build ]; then
  echo "$old"
  exit 0
fi
export UPGRADE_OLD=$old UPGRADE_FROM=$from
exec bats --tap tests/upgrade/upgrade.bats
