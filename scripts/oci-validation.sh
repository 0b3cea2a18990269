#!/usr/bin/env bash
# Runs the OCI runtime-tools validation suite (validation/*.t) against a runtime and
# summarises the TAP assertions. The suite lives OUTSIDE this repository: build it once with
#   scripts/oci-validation.sh --build        (needs Go >= 1.19 and a runtime-tools checkout)
# Usage: scripts/oci-validation.sh [--build] [--out DIR] [TEST...]
#   RUNTIME        runtime binary (default: build/tinyrun of this repo)
#   RUNTIME_TOOLS  runtime-tools checkout (default: /work/ext/runtime-tools)
#   TEST_TIMEOUT   seconds per test file (default 300)
# TEST names are validation directories (e.g. "hostname mounts"); default: all of them.
# Ends with the line "N passed, N failed" (skips are reported separately); per-file TAP and
# the list of failed assertions are kept in --out (default /tmp/oci-validation.<runtime>).
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
RUNTIME=${RUNTIME:-$repo/build/tinyrun}
RUNTIME_TOOLS=${RUNTIME_TOOLS:-/work/ext/runtime-tools}
TEST_TIMEOUT=${TEST_TIMEOUT:-300}
build=0
out=""
tests=()
while [ $# -gt 0 ]; do
  case $1 in
  --build) build=1 ;;
  --out) out=$2; shift ;;
  -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
  *) tests+=("$1") ;;
  esac
  shift
done

die() { echo "oci-validation: $*" >&2; exit 2; }

[ -d "$RUNTIME_TOOLS/validation" ] || die "no runtime-tools checkout at $RUNTIME_TOOLS (set RUNTIME_TOOLS)"
cd "$RUNTIME_TOOLS" || exit 2

if [ $build -eq 1 ]; then
  command -v go >/dev/null || die "go is not installed (apt-get install golang-go)"
  export GOFLAGS=-mod=vendor
  go build -tags "netgo osusergo" -ldflags "-extldflags -static" -o runtimetest \
    ./cmd/runtimetest || die "building runtimetest failed"
  for src in validation/*/*.go; do
    case $src in validation/util/*) continue ;; esac
    go build -o "${src%.go}.t" "$src" || die "building $src failed"
  done
fi

[ -x runtimetest ] || die "runtimetest is not built (run with --build)"
[ "$(id -u)" -eq 0 ] || die "the validation suite needs root"
case $RUNTIME in /*) ;; *) RUNTIME=$(command -v "$RUNTIME") || die "runtime not found" ;; esac
[ -x "$RUNTIME" ] || die "runtime $RUNTIME is not executable"
export RUNTIME

if [ ${#tests[@]} -eq 0 ]; then
  for d in validation/*/; do
    d=${d%/}; d=${d#validation/}
    [ "$d" = util ] || tests+=("$d")
  done
fi
[ -n "$out" ] || out=/tmp/oci-validation.$(basename "$RUNTIME")
mkdir -p "$out"
: >"$out/failures.txt"

# Containers the suite left behind (a test that timed out): delete them, ours only.
before_ids=$("$RUNTIME" list -q 2>/dev/null)
cleanup_containers() {
  local id
  for id in $("$RUNTIME" list -q 2>/dev/null); do
    grep -qxF "$id" <<<"$before_ids" && continue
    timeout 20 "$RUNTIME" delete --force "$id" >/dev/null 2>&1 && continue
    # a wedged runtime (e.g. a lock held by the container): kill the processes that carry
    # this container's unique id as an argument, then try again
    kill_by_arg "$id"
    timeout 20 "$RUNTIME" delete --force "$id" >/dev/null 2>&1 ||
      echo "oci-validation: could not delete leftover container $id" >&2
  done
}

kill_by_arg() { # exact argv element
  local c pid
  for c in /proc/[0-9]*/cmdline; do
    pid=${c#/proc/}; pid=${pid%/cmdline}
    [ "$pid" = $$ ] && continue
    tr '\0' '\n' <"$c" 2>/dev/null | grep -qxF "$1" && kill -9 "$pid" 2>/dev/null
  done
  sleep 0.5
}

# A runtime that leaks fds into its containers must not keep the caller's pipes open (a
# container left running would hold them): close everything above stdio except bash's own.
for fd in $(ls /proc/$$/fd); do
  case $fd in 0 | 1 | 2 | 255) ;; *) eval "exec $fd>&-" 2>/dev/null ;; esac
done

# The suite makes its bundles as /tmp/ocitest*; a file that times out (or a runtime that
# leaks a mount through shared propagation) leaves them, with mounts, behind. Remove what
# appeared during this run only, deepest mount first.
before_bundles=$(ls -d /tmp/ocitest* 2>/dev/null)
cleanup_bundles() {
  local d m
  for d in /tmp/ocitest*; do
    [ -d "$d" ] || continue
    grep -qxF "$d" <<<"$before_bundles" && continue
    for m in $(awk -v d="$d" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo |
      sort -r); do
      umount -l "$m" 2>/dev/null
    done
    rm -rf --one-file-system "$d"
  done
}

passed=0 failed=0 skipped=0
for t in "${tests[@]}"; do
  exe=validation/$t/$t.t
  [ -x "$exe" ] || { echo "$t: not built"; failed=$((failed + 1)); continue; }
  timeout -k 10 "$TEST_TIMEOUT" "$exe" </dev/null >"$out/$t.tap" 2>"$out/$t.err"
  rc=$?
  cleanup_containers
  cleanup_bundles
  p=$(grep -E '^ok ' "$out/$t.tap" | grep -vc '# [Ss][Kk][Ii][Pp]')
  s=$(grep -E '^ok ' "$out/$t.tap" | grep -c '# [Ss][Kk][Ii][Pp]')
  f=$(grep -cE '^not ok ' "$out/$t.tap")
  # a file that died before printing its plan counts as one failed assertion
  if ! grep -qE '^1\.\.[0-9]+' "$out/$t.tap"; then
    f=$((f + 1))
    echo "$t: no TAP plan (exit $rc): $(tail -n 3 "$out/$t.err" | tr '\n' ' ')" >>"$out/failures.txt"
  fi
  grep -E '^not ok ' "$out/$t.tap" | sed "s|^|$t: |" >>"$out/failures.txt"
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  printf '%-45s %5d passed %4d failed %4d skipped\n' "$t" "$p" "$f" "$s"
done
echo "# skipped: $skipped; TAP and failures in $out"
echo "$passed passed, $failed failed"
