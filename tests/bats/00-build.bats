#!/usr/bin/env bats
load ../helpers/common

@test "both programs are built and report their version" {
  run "$TINYDOCKER" --version
  [ "$status" -eq 0 ]
  [[ "$output" == "tinydocker version "* ]]
  run "$TINYRUN" --version
  [ "$status" -eq 0 ]
  [[ "$output" == *"tinyrun version "* ]]
}

@test "the C sources follow the committed .clang-format" {
  command -v clang-format
  cd "$REPO"
  files=$(find cli engine fuzz image net runtime tests/helpers util -name '*.[ch]' | sort)
  [ -n "$files" ]
  run clang-format --dry-run -Werror $files
  echo "$output" | head -40
  [ "$status" -eq 0 ]
}

@test "meson install: the two programs in bin, the seven helpers in libexec/tinydocker, found there" {
  td_setup_roots
  dest=$TEST_TMP/dest
  DESTDIR=$dest meson install -C "$BUILD_DIR" --quiet --no-rebuild >/dev/null
  prefix=$(meson introspect --buildoptions "$BUILD_DIR" | python3 -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print(o["prefix"], o["bindir"], o["libexecdir"])')
  read -r pfx bindir libexecdir <<<"$prefix"
  run ls "$dest$pfx/$bindir"
  [ "$output" = "$(printf 'tinydocker\ntinyrun')" ]
  run ls "$dest$pfx/$libexecdir/tinydocker"
  [ "$output" = "$(printf '%s\n' tinydocker-attach tinydocker-build tinydocker-entry tinydocker-image tinydocker-init \
    tinydocker-monitor tinydocker-nft | head -c -1)" ]
  # the installed engine finds its helpers beside it, not in the build tree: an image command
  # (tinydocker-image), a foreground run (monitor, entry, attach) and --init
  T="$dest$pfx/$bindir/tinydocker"
  "$T" --root "$TD_ROOT" create-default >/dev/null
  run "$T" --root "$TD_ROOT" run --rm --network none --init busybox echo installed
  [ "$status" -eq 0 ]
  [ "$output" = installed ]
  # and tinydocker-build (build runs its RUN steps through the runtime and tinydocker-entry)
  mkdir -p "$TEST_TMP/ctx" && printf 'FROM busybox\nRUN echo built >/b\n' >"$TEST_TMP/ctx/Dockerfile"
  run "$T" --root "$TD_ROOT" build -q -t inst "$TEST_TMP/ctx"
  [ "$status" -eq 0 ]
  run "$T" --root "$TD_ROOT" run --rm --network none inst cat /b
  [ "$output" = built ]
  # with the helpers gone, a clear error, not a build-tree or $PATH fallback (unless a real
  # install in the configured libexecdir answers: then that one, which is the documented order)
  mv "$dest$pfx/$libexecdir/tinydocker" "$dest/moved"
  run env PATH="$dest/moved:$PATH" "$T" --root "$TD_ROOT" images
  if [ -x "$pfx/$libexecdir/tinydocker/tinydocker-image" ]; then
    [ "$status" -eq 0 ]
  else
    [ "$status" -eq 1 ] # docker CLI: errors of commands other than run/create/exec exit 1
    [[ "$output" == *"cannot find tinydocker-image"* ]]
  fi
  mv "$dest/moved" "$dest$pfx/$libexecdir/tinydocker"
  td_teardown_roots
}

@test "the init's last window (READY to exec) calls no libc: tail.c and final_raw.c link only to each other" {
  # what runs while the init may share the runtime's address space (runtime/core/clone_vm.c):
  # a libc call there could take a lock, allocate or set errno under the runtime's feet
  allowed=" rt_exec_tail_exec security_final_noalloc security_seccomp_load_raw security_caps_set_raw
    td_trace __stack_chk_fail _GLOBAL_OFFSET_TABLE_ strerrordesc_np memcpy memset "
  n=0
  for o in runtime_core_tail.c.o runtime_security_final_raw.c.o; do
    obj=$(find "$BUILD_DIR" -path '*libtdruntime*' -name "$o" | head -1)
    [ -n "$obj" ]
    n=$((n + 1))
    for sym in $(nm -u "$obj" | awk '{print $2}'); do
      echo "$o: $sym"
      [[ "$allowed" == *" $sym "* ]]
    done
  done
  [ "$n" -eq 2 ]
}
