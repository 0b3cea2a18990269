#!/usr/bin/env bash
# Runs the whole suite: C unit tests (normal and ASan+UBSan builds), then every bats file
# with a leak check after each. Ends with the line "N passed, N failed".
# Select files with TESTS="tests/bats/foo.bats ..." ; SKIP_ASAN=1 skips the sanitizer pass.
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/helpers/offline.bash # never a remote registry
BUILD=${BUILD:-build}
ASAN_BUILD=${ASAN_BUILD:-build-asan}
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
passed=0
failed=0
failures=()

count_tap() { # file-of-tap-output label
  local p f
  p=$(grep -cE '^ok ' "$1" || true)
  f=$(grep -cE '^not ok ' "$1" || true)
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$f" -gt 0 ]; then
    while IFS= read -r l; do failures+=("$2: $l"); done < <(grep -E '^not ok ' "$1")
  fi
}

run_unit() { # builddir label
  local dir=$1 label=$2 t out
  for t in "$dir"/unit-*; do
    [ -f "$t" ] && [ -x "$t" ] || continue
    out=$(mktemp)
    "$t" >"$out" 2>&1
    local rc=$?
    cat "$out"
    count_tap "$out" "$label $(basename "$t")"
    if [ $rc -ne 0 ] && ! grep -qE '^not ok ' "$out"; then
      failed=$((failed + 1)); failures+=("$label $(basename "$t"): exited $rc")
    fi
    rm -f "$out"
  done
}

echo "# unit tests"
run_unit "$BUILD" unit
if [ -z "${SKIP_ASAN:-}" ] && [ -d "$ASAN_BUILD" ]; then
  echo "# unit tests under ASan+UBSan"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    run_unit "$ASAN_BUILD" asan
fi

# each libFuzzer target: its seed corpus, then FUZZ_SECONDS of fuzzing on a copy of it (a crash,
# a leak or a sanitizer report fails it)
if [ -z "${SKIP_FUZZ:-}" ] && [ -d "$FUZZ_BUILD/fuzz" ]; then
  echo "# fuzz smoke runs"
  for t in spec:spec image-ref:image_ref layer:layer cli-specs:cli_specs load:load dockerfile:dockerfile gotmpl:gotmpl subid:subid; do
    bin=$FUZZ_BUILD/fuzz/fuzz-${t%%:*}
    [ -x "$bin" ] || continue
    corpus=$(mktemp -d)
    cp -r "fuzz/corpus/${t#*:}/." "$corpus/"
    dict=()
    [ "${t%%:*}" = spec ] && dict=(-dict=fuzz/spec.dict)
    [ "${t%%:*}" = gotmpl ] && dict=(-dict=fuzz/gotmpl.dict)
    if "$bin" "${dict[@]}" -max_total_time="${FUZZ_SECONDS:-15}" -max_len=4096 -rss_limit_mb=3072 \
      "$corpus" >"$corpus.log" 2>&1; then
      echo "ok - fuzz-${t%%:*} ($(grep -oE '^#[0-9]+' "$corpus.log" | tail -1 | tr -d '#') runs)"
      passed=$((passed + 1))
    else
      echo "not ok - fuzz-${t%%:*}"
      tail -30 "$corpus.log" | sed 's/^/#   /'
      failed=$((failed + 1)); failures+=("fuzz-${t%%:*}")
    fi
    rm -rf "$corpus" "$corpus.log"
  done
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "# integration tests need root; skipped" >&2
else
  files=${TESTS:-$(ls tests/bats/*.bats 2>/dev/null)}
  for f in $files; do
    echo "# $f"
    before=$(tests/leakcheck.sh)
    out=$(mktemp)
    t0=$(date +%s)
    timeout "${TEST_FILE_TIMEOUT:-900}" bats --tap "$f" >"$out" 2>&1
    rc=$?
    cat "$out"
    [ $rc -ne 124 ] || echo "# $f: timed out after ${TEST_FILE_TIMEOUT:-900}s"
    echo "# $f: $(($(date +%s) - t0))s"
    count_tap "$out" "$f"
    if ! grep -qE '^(not )?ok ' "$out"; then
      failed=$((failed + 1)); failures+=("$f: no test ran (bats failed)")
    fi
    rm -f "$out"
    after=$(tests/leakcheck.sh)
    if [ "$before" != "$after" ]; then
      echo "not ok - leak check after $f"
      diff <(echo "$before") <(echo "$after") | sed 's/^/#   /'
      failed=$((failed + 1)); failures+=("$f: leak check")
    else
      echo "ok - leak check after $f"
      passed=$((passed + 1))
    fi
  done
fi

if [ "${#failures[@]}" -gt 0 ]; then
  echo "# failures:"
  printf '#   %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
