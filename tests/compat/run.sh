#!/usr/bin/env bash
# The compatibility suite: every case of tests/compat/cases/*.txt runs against the reference
# (Debian's docker.io 20.10, its own dockerd started here with private roots and socket, see
# tests/helpers/dockerd.bash) and against tinydocker (a private --root), and the two are
# compared: exit code, stdout and stderr after normalising ids, times, sizes and the program's
# name (tests/compat/normalise.sed).
#
#   tests/compat/run.sh [-o OUTDIR] [-k REGEX] [-q]
#
# A case is one line `name :: shell command`, where `$D` is the CLI under test (`docker -H ...`
# or tinydocker) and the names c1, c2 (containers), ctv (volume), ctn (network), ctimg (image)
# are removed after each case in both. tests/compat/design.txt lists the cases that differ by
# design (`name :: why`). Results: OUTDIR/results.tsv (name, verdict, rc docker, rc ours),
# OUTDIR/diff/<name>.diff for each difference, and a summary line:
#   compat: N cases, I identical, E same exit code, D by design, F different
# Exit status 0 unless the reference could not start (2) or a case that tests/compat/expected.txt
# lists as identical is no longer identical (1: a regression).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
OUT=${TMPDIR:-/tmp}/td-compat
KEEP=
QUIET=
while getopts o:k:q opt; do
  case $opt in
    o) OUT=$OPTARG ;;
    k) KEEP=$OPTARG ;;
    q) QUIET=1 ;;
    *) exit 2 ;;
  esac
done
TINYDOCKER=${TINYDOCKER:-$TOP/build/tinydocker}
BUILD_DIR=${BUILD_DIR:-$TOP/build}
export TINYDOCKER BUILD_DIR
# shellcheck source=../helpers/dockerd.bash
. "$TOP/tests/helpers/dockerd.bash"
# both programs of every case: never a remote registry (tests/helpers/offline.bash)
export "${TD_OFFLINE_ENV[@]}"

if ! dk_available; then
  echo "compat: the reference (docker.io's dockerd) is not installed" >&2
  exit 2
fi
mkdir -p "$OUT/diff" "$OUT/work"
rm -f "$OUT"/diff/*.diff
TDROOT=$(mktemp -d /tmp/td-compat-root.XXXXXX)
export TINYDOCKER_ROOT=$TDROOT/root
cleanup() {
  dk_stop
  local td=$BUILD_DIR/tinydocker
  "$td" rm -f $("$td" ps -aq 2>/dev/null) >/dev/null 2>&1 || true
  "$td" network cleanup >/dev/null 2>&1 || true
  findmnt -rn -o TARGET | grep "^$TDROOT" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$TDROOT"
}
trap cleanup EXIT
# the store and the reference's busybox come from the build's own binary (TINYDOCKER may be
# another program under test)
SETUP_TD=$BUILD_DIR/tinydocker
"$SETUP_TD" create-default >/dev/null || exit 2
dk_start net || exit 2
TINYDOCKER=$SETUP_TD dk_load_busybox || exit 2

# the case's CLI: a function the case's shell gets as $D (D is a word, so "$D run" works)
run_case() { # which name cmd
  local which=$1 name=$2 cmd=$3 dir=$OUT/work/$1
  mkdir -p "$dir"
  local cli
  if [ "$which" = docker ]; then
    cli="$DOCKER_REF -H unix://$DK_DIR/sock"
  else
    cli="$TINYDOCKER"
  fi
  (
    cd "$dir" || exit 99
    export D="$cli" W="$dir"
    timeout 60 bash -c "$cmd" </dev/null >"$dir/out" 2>"$dir/err"
    echo $? >"$dir/rc"
  )
  # the names cases may leave behind
  $cli rm -f c1 c2 c3 >/dev/null 2>&1
  $cli volume rm -f ctv ctv2 >/dev/null 2>&1
  $cli network rm ctn ctn2 >/dev/null 2>&1
  $cli rmi -f ctimg ctimg:2 busybox:ct >/dev/null 2>&1
  sed -f "$HERE/normalise.sed" "$dir/out" >"$dir/out.n"
  sed -f "$HERE/normalise.sed" "$dir/err" >"$dir/err.n"
  return 0
}

declare -A DESIGN=() EXPECT=()
while IFS= read -r l; do
  [[ $l == *" :: "* ]] && DESIGN[${l%% :: *}]=${l#* :: }
done <"$HERE/design.txt"
if [ -f "$HERE/expected.txt" ]; then
  while IFS= read -r l; do [[ -n $l && $l != \#* ]] && EXPECT[$l]=1; done <"$HERE/expected.txt"
fi

n=0 ident=0 samerc=0 design=0 diff=0 regress=0
: >"$OUT/results.tsv"
: >"$OUT/identical.txt"
for f in "$HERE"/cases/*.txt; do
  while IFS= read -r line; do
    [[ -z $line || $line == \#* ]] && continue
    name=${line%% :: *}
    cmd=${line#* :: }
    if [ -n "$KEEP" ] && ! [[ $name =~ $KEEP ]]; then continue; fi
    n=$((n + 1))
    run_case docker "$name" "$cmd"
    run_case ours "$name" "$cmd"
    a=$OUT/work/docker b=$OUT/work/ours
    rca=$(cat "$a/rc") rcb=$(cat "$b/rc")
    if [ "$rca" = "$rcb" ] && cmp -s "$a/out.n" "$b/out.n" && cmp -s "$a/err.n" "$b/err.n"; then
      verdict=identical
      ident=$((ident + 1))
      echo "$name" >>"$OUT/identical.txt"
    else
      {
        echo "# $name :: $cmd"
        echo "# exit: docker $rca, tinydocker $rcb"
        diff -u --label docker.out --label tinydocker.out "$a/out.n" "$b/out.n"
        diff -u --label docker.err --label tinydocker.err "$a/err.n" "$b/err.n"
      } >"$OUT/diff/$name.diff"
      if [ -n "${DESIGN[$name]:-}" ]; then
        verdict=design
        design=$((design + 1))
      elif [ "$rca" = "$rcb" ]; then
        verdict=same-exit
        samerc=$((samerc + 1))
      else
        verdict=different
        diff=$((diff + 1))
      fi
      if [ -n "${EXPECT[$name]:-}" ]; then
        regress=$((regress + 1))
        echo "compat: REGRESSION: $name was identical to docker's: $OUT/diff/$name.diff" >&2
      fi
    fi
    printf '%s\t%s\t%s\t%s\n' "$name" "$verdict" "$rca" "$rcb" >>"$OUT/results.tsv"
    [ -n "$QUIET" ] || printf '%-40s %s\n' "$name" "$verdict"
  done <"$f"
done
echo "compat: $n cases, $ident identical, $samerc same exit code, $design by design, $diff different"
[ "$regress" -eq 0 ]
