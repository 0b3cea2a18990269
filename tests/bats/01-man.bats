#!/usr/bin/env bats
# Man pages (made at build time by scripts/gen-man.py from --help and man/*.md): every command
# of `tinydocker --help` has its page and is in tinydocker(1), every flag of run is in
# tinydocker-run(1), tinyrun(8) has every tinyrun command, all render without groff warnings,
# and `meson install` puts them under share/man.
load ../helpers/common

setup() {
  td_setup_roots
  MAN=$BUILD_DIR/man/pages
  [ -d "$MAN" ] || skip "no man pages in $BUILD_DIR (built without python3?)"
}
teardown() { td_teardown_roots; }

render() { LC_ALL=C.UTF-8 MANWIDTH=200 man -E UTF-8 -l "$1"; }
commands() { awk '/^Commands:/ { f = 1; next } f && /^  [a-z]/ { print $1 }'; }

@test "every tinydocker command has a page and is listed in tinydocker(1)" {
  cmds=$("$TINYDOCKER" --help | commands)
  [ "$(echo "$cmds" | wc -l)" -ge 39 ]
  main=$(render "$MAN/tinydocker.1")
  for c in $cmds; do
    [ -f "$MAN/tinydocker-$c.1" ] || { echo "no page for $c"; false; }
    echo "$main" | grep -q "tinydocker-$c(1)" || { echo "$c not in tinydocker(1)"; false; }
    render "$MAN/tinydocker-$c.1" | grep -q "^NAME" || { echo "$c: no NAME"; false; }
  done
  echo "$main" | grep -q "TINYDOCKER_ROOT"
  echo "$main" | grep -q "^EXIT STATUS"
}

@test "every flag of every command is in its page (run, ps, exec, attach, logs, network, volume)" {
  for c in run create start ps exec attach logs stats; do
    page=$(render "$MAN/tinydocker-$c.1")
    flags=$("$TINYDOCKER" "$c" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u)
    [ -n "$flags" ]
    for f in $flags; do
      echo "$page" | grep -qF -- "$f" || { echo "$c: $f missing"; false; }
    done
  done
  # aliases too (the issue's --cpu-share and --cpu-cfs-quota)
  render "$MAN/tinydocker-run.1" | grep -q -- "--cpu-share)"
  render "$MAN/tinydocker-run.1" | grep -q -- "--cpu-cfs-quota"
  render "$MAN/tinydocker-run.1" | grep -q -- "--detach-keys"
  for g in network volume image; do
    page=$(render "$MAN/tinydocker-$g.1")
    for s in $("$TINYDOCKER" "$g" --help | commands); do
      echo "$page" | grep -q "$g $s" || { echo "$g $s missing"; false; }
      for f in $("$TINYDOCKER" "$g" "$s" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
        echo "$page" | grep -qF -- "$f" || { echo "$g $s: $f missing"; false; }
      done
    done
  done
}

@test "tinyrun(8) has every tinyrun command and global flag" {
  page=$(render "$MAN/tinyrun.8")
  for c in $("$TINYRUN" --help | commands); do
    echo "$page" | grep -qE "^   $c$" || { echo "$c missing"; false; }
  done
  for f in --root --log --log-format --systemd-cgroup --debug; do
    echo "$page" | grep -qF -- "$f"
  done
}

@test "every page renders without groff warnings" {
  n=0
  for p in "$MAN"/*.[18]; do
    out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$p" 2>&1 >/dev/null)
    [ -z "$out" ] || { echo "$p: $out"; false; }
    n=$((n + 1))
  done
  [ "$n" -ge 41 ]
}

@test "meson install puts the pages under share/man/man1 and man8" {
  DESTDIR=$TEST_TMP/dest meson install -C "$BUILD_DIR" --quiet --no-rebuild >/dev/null
  prefix=$(meson introspect --buildoptions "$BUILD_DIR" | python3 -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print(o["prefix"] + "/" + o["mandir"])')
  [ -f "$TEST_TMP/dest$prefix/man1/tinydocker.1" ]
  [ -f "$TEST_TMP/dest$prefix/man1/tinydocker-run.1" ]
  [ -f "$TEST_TMP/dest$prefix/man8/tinyrun.8" ]
  [ "$(stat -c %a "$TEST_TMP/dest$prefix/man1/tinydocker.1")" = 644 ]
}
