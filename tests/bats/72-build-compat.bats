#!/usr/bin/env bats
# `tinydocker build` against the reference: Debian's docker.io (dockerd 20.10) and its classic
# builder (DOCKER_BUILDKIT=0), started by this file with private roots (tests/helpers/dockerd).
# The same Dockerfiles of tests/build/ built by both: the same step lines, the same image
# config fields, the same history (created_by, with the content checksums of COPY masked: docker
# hashes a tar of the sources, tinydocker its own walk), the same files (path, type, mode,
# owner, size, link target) and the same files absent; and tinydocker's image, saved and loaded
# into docker, has that config and those files there.
bats_require_minimum_version 1.5.0
load ../helpers/engine
load ../helpers/dockerd

setup_file() {
  td_engine_setup_file
  dk_available || return 0
  dk_start
  echo "$DK_DIR" >"$BATS_FILE_TMPDIR/dk_dir"
  dk_load_busybox
}
setup() {
  dk_available || skip "no reference docker (docker.io) installed"
  td_engine_setup
  DK_DIR=$(cat "$BATS_FILE_TMPDIR/dk_dir")
  C=$REPO/tests/build
  T=$TEST_TMP/t$BATS_TEST_NUMBER
  mkdir -p "$T"
}
teardown() { td_engine_teardown; }
teardown_file() {
  if [ -f "$BATS_FILE_TMPDIR/dk_dir" ]; then
    DK_DIR=$(cat "$BATS_FILE_TMPDIR/dk_dir")
    dk_stop
  fi
  td_engine_teardown_file
}

# the history's created_by of a saved image (docker-archive), COPY/ADD checksums masked
created_by() { # archive
  python3 - "$1" <<'EOF'
import json, re, sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    man = json.load(t.extractfile("manifest.json"))
    cfg = json.load(t.extractfile(man[0]["Config"]))
for h in cfg["history"][1:]:
    print(re.sub(r"(file|dir|multi):[0-9a-f]{64}", r"\1:X", h.get("created_by", "")),
          "empty" if h.get("empty_layer") else "layer")
EOF
}

config_fields() { # program image
  local f
  for f in Env Cmd Entrypoint WorkingDir User ExposedPorts Volumes Labels StopSignal Healthcheck OnBuild Shell; do
    printf '%s=%s\n' "$f" "$("$@" -f "{{json .Config.$f}}" 2>&1 | sed 's/^""$/null/; s/^{}$/null/')"
  done
}

listing() { # program image
  "$@" sh -c 'cd / && for p in app app/hello.txt app/run.sh app/dir app/dir/sub app/dir/sub/f app/dir/link owned owned/hello.txt glob glob/hello.txt run.out exec.out gone; do stat -c "%n %F %a %u:%g %s %N" $p; done; cat /run.out /exec.out; for p in bin/true etc/network; do test -e $p || echo "$p absent"; done' | sed 's/ 4096 / DIRSIZE /'
}

@test "build compared with docker's classic builder: steps, config, history, files" {
  run td build -t compat "$C/compat"
  [ "$status" -eq 0 ]
  grep -E '^Step ' <<<"$output" >"$T/td.steps"
  run env DOCKER_BUILDKIT=0 "$DOCKER_REF" -H "unix://$DK_DIR/sock" build -t compat "$C/compat"
  [ "$status" -eq 0 ]
  grep -E '^Step ' <<<"$output" >"$T/dk.steps"
  diff -u "$T/dk.steps" "$T/td.steps"
  config_fields td image inspect compat >"$T/td.cfg"
  config_fields dk image inspect compat >"$T/dk.cfg"
  diff -u "$T/dk.cfg" "$T/td.cfg"
  td save -o "$T/td.tar" compat
  dk save -o "$T/dk.tar" compat
  created_by "$T/td.tar" >"$T/td.hist"
  created_by "$T/dk.tar" >"$T/dk.hist"
  diff -u "$T/dk.hist" "$T/td.hist"
  listing td run --rm --network none --user 0 --entrypoint "" compat >"$T/td.ls"
  listing dk run --rm --network none --user 0 --entrypoint "" compat >"$T/dk.ls"
  diff -u "$T/dk.ls" "$T/td.ls"
  grep -q 'hi from RUN' "$T/td.ls"
  # tinydocker's image loaded into docker: the same config and files there
  td tag compat td-compat
  td save td-compat | dk load >/dev/null
  config_fields dk image inspect td-compat >"$T/tdindk.cfg"
  diff -u "$T/dk.cfg" "$T/tdindk.cfg"
  listing dk run --rm --network none --user 0 --entrypoint "" td-compat >"$T/tdindk.ls"
  diff -u "$T/dk.ls" "$T/tdindk.ls"
}

@test "build compared with docker's classic builder: every metadata instruction" {
  run td build -t meta "$C/meta"
  [ "$status" -eq 0 ]
  grep -E '^Step ' <<<"$output" >"$T/td.steps"
  run env DOCKER_BUILDKIT=0 "$DOCKER_REF" -H "unix://$DK_DIR/sock" build -t meta "$C/meta"
  [ "$status" -eq 0 ]
  grep -E '^Step ' <<<"$output" >"$T/dk.steps"
  diff -u "$T/dk.steps" "$T/td.steps"
  config_fields td image inspect meta >"$T/td.cfg"
  config_fields dk image inspect meta >"$T/dk.cfg"
  diff -u "$T/dk.cfg" "$T/td.cfg"
  td save -o "$T/td.tar" meta
  dk save -o "$T/dk.tar" meta
  created_by "$T/td.tar" >"$T/td.hist"
  created_by "$T/dk.tar" >"$T/dk.hist"
  diff -u "$T/dk.hist" "$T/td.hist"
}

@test "build compared with docker's classic builder: a Dockerfile error and a failing RUN" {
  run td build "$C/parse-error"
  td_status=$status
  [[ "$output" == *"dockerfile parse error line 3: unknown instruction: FOO"* ]]
  run env DOCKER_BUILDKIT=0 "$DOCKER_REF" -H "unix://$DK_DIR/sock" build "$C/parse-error"
  [ "$status" -eq "$td_status" ]
  [[ "$output" == *"dockerfile parse error line 3: unknown instruction: FOO"* ]]
  run td build "$C/fail"
  td_status=$status
  td_msg=$(grep -o "The command .*" <<<"$output")
  run env DOCKER_BUILDKIT=0 "$DOCKER_REF" -H "unix://$DK_DIR/sock" build "$C/fail"
  [ "$status" -eq "$td_status" ]
  [ "$(grep -o "The command .*" <<<"$output")" = "$td_msg" ]
}
