#!/usr/bin/env bats
# `tinydocker build`, the rest of issue 17: -q and --progress (plain lines, the live tty display
# under script(1)), independent stages in parallel (and only those the target needs), a failing
# stage stopping the others, the build cache in `system df` and `builder prune`, RUN --mount
# (cache, bind, tmpfs; secret refused) with its attacks (a bind source out of the context, a
# cache target that is a symlink to a host path), ADD of a git URL refused, and COPY's cache
# checksum against mode and owner changes (as docker's: the owner is not seen, the mode is).
bats_require_minimum_version 1.5.0
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() {
  td_engine_setup
  T=$TEST_TMP/t$BATS_TEST_NUMBER
  mkdir -p "$T/ctx"
}
teardown() { td_engine_teardown; }
teardown_file() { td_engine_teardown_file; }

b() { td build --network none "$@"; }

# nothing of a build left: no mounts under the test root, no work dirs, no RUN container state
no_build_leftovers() {
  [ "$(td_mounts_under_root)" -eq 0 ] || { echo "mounts left"; return 1; }
  [ -z "$(ls -A "$TD_ROOT/builds" 2>/dev/null)" ] || { echo "work dirs left"; return 1; }
  [ -z "$(ls "$TD_ROOT/run" 2>/dev/null | grep -E '^[0-9a-f]{64}$')" ] || { echo "runtime state left"; return 1; }
}

# processes whose command line holds a marker (read from /proc, never signalled)
procs_with() {
  local p n=0
  for p in /proc/[0-9]*; do
    tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "$1" && n=$((n + 1))
  done
  echo "$n"
}

@test "build -q: only the image ID, a RUN's output hidden; on failure the output shows on stderr" {
  printf 'FROM busybox\nRUN echo run-output-here; echo run-stderr >&2\n' >"$T/ctx/Dockerfile"
  run --separate-stderr b -q "$T/ctx"
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
  [ -z "$stderr" ]
  printf 'FROM busybox\nRUN echo failing-output; exit 4\n' >"$T/ctx/Dockerfile"
  run --separate-stderr b -q "$T/ctx"
  [ "$status" -eq 4 ]
  [ -z "$output" ]
  [[ "$stderr" == *"Step 2/2 : RUN echo failing-output; exit 4"* ]]
  [[ "$stderr" == *failing-output* ]]
  [[ "$stderr" == *"returned a non-zero code: 4"* ]]
  no_build_leftovers
}

@test "build --progress: plain lines off a terminal, the live per-step display on one (script)" {
  printf 'FROM busybox\nRUN echo tty-line-one; sleep 0.4; echo tty-line-two\nCOPY Dockerfile /d\n' >"$T/ctx/Dockerfile"
  # auto, not a terminal: the classic builder's plain lines
  run b "$T/ctx"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Step 2/3 : RUN echo tty-line-one"* ]]
  [[ "$output" != *"[+] Building"* ]]
  # auto on a terminal: one line per step with its state and time, the running step's output
  # under it, redrawn in place (cursor up, clear line)
  run script -qec "'$TINYDOCKER' build --network none --no-cache '$T/ctx'" /dev/null
  [ "$status" -eq 0 ]
  [[ "$output" == *"[+] Building "*"(3/3) FINISHED"* ]]
  [[ "$output" =~ \ =\>\ \[2/3\]\ RUN\ echo\ tty-line-one.*\ [0-9]+\.[0-9]s ]]
  [[ "$output" == *" => => # tty-line-one"* ]]
  [[ "$output" == *$'\e['*A* ]]
  [[ "$output" == *"Successfully built "* ]]
  [[ "$output" != *"Step 2/3"* ]]
  # a cached step is marked as BuildKit marks it
  run script -qec "'$TINYDOCKER' build --network none '$T/ctx'" /dev/null
  [[ "$output" == *" => CACHED [2/3] RUN echo tty-line-one"* ]]
  # plain forced on a terminal, tty forced off one
  run script -qec "'$TINYDOCKER' build --network none --progress plain '$T/ctx'" /dev/null
  [[ "$output" == *"Step 3/3 : COPY Dockerfile /d"* ]]
  [[ "$output" != *"[+] Building"* ]]
  run b --progress tty "$T/ctx"
  [[ "$output" == *"[+] Building"*FINISHED* ]]
  # a failing step is shown as failed, with its last lines
  printf 'FROM busybox\nRUN echo before-failing; exit 5\n' >"$T/ctx/Dockerfile"
  run b --progress tty "$T/ctx"
  [ "$status" -eq 5 ]
  [[ "$output" == *" => ERROR [2/2] RUN echo before-failing; exit 5"* ]]
  [[ "$output" == *" => => # before-failing"* ]]
  [[ "$output" == *"[+] Building"*ERROR* ]]
  no_build_leftovers
}

@test "build --progress: bad value refused, nothing built" {
  printf 'FROM busybox\nRUN echo x\n' >"$T/ctx/Dockerfile"
  run b --progress fancy "$T/ctx"
  [ "$status" -eq 125 ]
  [[ "$output" == *"--progress: auto, plain or tty"* ]]
  [[ "$output" != *Step* ]]
  [ -z "$(ls -A "$TD_ROOT/builds" 2>/dev/null)" ]
}

@test "build: independent stages run in parallel, only those the target needs, output per stage" {
  cat >"$T/ctx/Dockerfile" <<'EOF'
FROM busybox AS one
RUN sleep 2; echo one > /one
FROM busybox AS two
RUN sleep 2; echo two > /two
FROM busybox AS unused
RUN echo never-built > /never
FROM busybox
COPY --from=one /one /one
COPY --from=two /two /two
RUN cat /one /two
EOF
  s=$(date +%s%N)
  run b -t par "$T/ctx"
  e=$(date +%s%N)
  [ "$status" -eq 0 ]
  # a sanity bound of the parallelism: two 2 s stages one after the other take over 4 s
  echo "took $(((e - s) / 1000000)) ms"
  [ $(((e - s) / 1000000)) -lt 3500 ]
  [[ "$output" != *never-built* ]]
  # each stage's lines together, numbered as docker numbers them
  [[ "$output" == *"Step 1/8 : FROM busybox AS one"$'\n'" ---> "*$'\n'"Step 2/8 : RUN sleep 2; echo one > /one"* ]]
  [[ "$output" == *"Step 3/8 : FROM busybox AS two"$'\n'" ---> "*$'\n'"Step 4/8 : RUN sleep 2; echo two > /two"* ]]
  [[ "$output" == *"Step 8/8 : RUN cat /one /two"* ]]
  run td run --rm --network none par cat /one /two
  [ "$output" = $'one\ntwo' ]
  # on a terminal both stages show live: one frame with both running steps' output
  sed -i 's/sleep 2; echo one/echo one-start; sleep 1; echo one/; s/sleep 2; echo two/echo two-start; sleep 1; echo two/' "$T/ctx/Dockerfile"
  script -qec "'$TINYDOCKER' build --network none --no-cache '$T/ctx'" /dev/null >"$T/tty"
  run awk 'BEGIN { RS = "\\[\\+\\] Building" } /=> => # one-start/ && /=> => # two-start/ { n++ } END { print n + 0 }' "$T/tty"
  [ "$output" -ge 1 ]
  # --target: only that stage and what it reads
  run b --target two -t t2 "$T/ctx"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Step 1/2 : FROM busybox AS two"* ]]
  [[ "$output" != *"AS one"* ]]
  no_build_leftovers
}

@test "build: a failing stage stops the stages beside it and leaves nothing behind" {
  mark=td-par-$$-$BATS_TEST_NUMBER
  cat >"$T/ctx/Dockerfile" <<EOF
FROM busybox AS slow
RUN sleep 30; echo $mark > /never
FROM busybox AS bad
RUN echo bad-stage-output; sleep 0.5; exit 7
FROM busybox
COPY --from=slow /never /never
COPY --from=bad /x /x
EOF
  n=$(td images -aq | sort -u | wc -l)
  s=$(date +%s%N)
  run b -t failed "$T/ctx"
  e=$(date +%s%N)
  [ "$status" -eq 7 ]
  [[ "$output" == *bad-stage-output* ]]
  [[ "$output" == *"returned a non-zero code: 7"* ]]
  [ $(((e - s) / 1000000)) -lt 15000 ]
  [ "$(procs_with "echo $mark")" -eq 0 ]
  run td image inspect failed
  [ "$status" -ne 0 ]
  [ "$(td images -aq | sort -u | wc -l)" -eq "$n" ]
  no_build_leftovers
}

@test "system df: a Build Cache row; builder prune frees what it counted; -v lists the entries" {
  cat >"$T/ctx/Dockerfile" <<'EOF'
FROM busybox AS big
RUN head -c 300000 /dev/zero > /big && echo s > /small
FROM busybox
COPY --from=big /small /small
RUN --mount=type=cache,target=/var/cache/x head -c 7000 /dev/zero > /var/cache/x/blob
EOF
  run b -t dfimg "$T/ctx"
  [ "$status" -eq 0 ]
  run td system df
  row=$(grep '^Build Cache' <<<"$output")
  read -r _ _ total active size reclaim <<<"$row"
  [ "$total" -ge 3 ]
  [ "$active" = 0 ]
  [ "$size" = 307kB ]
  [ "$reclaim" = 307kB ]
  run td system df -v
  [[ "$output" == *"Build cache usage: 307kB"* ]]
  [[ "$output" == *"CACHE ID"*"CACHE TYPE"*"SIZE"* ]]
  [[ "$output" =~ [0-9a-f]{12}\ +regular\ +300kB ]]
  [[ "$output" =~ [0-9a-f]{12}\ +exec.cachemount\ +7kB ]]
  # the Images row no longer counts the intermediate states: the images `images` lists
  nimg=$(td images -q --no-trunc | sort -u | wc -l)
  [ "$(td system df | awk '/^Images/ {print $2}')" -eq "$nimg" ]
  run td builder prune -f
  [ "$status" -eq 0 ]
  [[ "$output" == *"Total reclaimed space: 307kB"* ]]
  run td system df
  [[ "$output" == *"Build Cache     0         0         0B        0B"* ]]
  # the image built stays whole
  run td run --rm --network none dfimg sh -c 'test ! -e /big && cat /small'
  [ "$output" = s ]
}

@test "build RUN --mount: cache kept between builds and out of the layer; bind ro; tmpfs; from a stage" {
  mkdir -p "$T/ctx/src"
  echo from-context >"$T/ctx/src/f"
  cat >"$T/ctx/Dockerfile" <<'EOF'
FROM busybox AS st
RUN echo from-stage > /sf
FROM busybox
WORKDIR /w
RUN --mount=type=cache,target=/cache echo x >> /cache/n && wc -l < /cache/n > /count
RUN --mount=type=bind,source=src,target=/b cat /b/f > /bound && ! touch /b/new 2>/dev/null
RUN --mount=type=bind,from=st,source=/sf,target=rel.txt cat /w/rel.txt > /staged
RUN --mount=type=tmpfs,target=/t grep -q ' /t tmpfs ' /proc/mounts && echo tmp > /t/x && echo tmpfs-ok > /tmpfs
RUN --mount=type=bind,target=/ctx,rw touch /ctx/written && ls /ctx > /ctxls
EOF
  run b -t m1 "$T/ctx"
  [ "$status" -eq 0 ]
  run td run --rm --network none m1 sh -c 'cat /count /bound /staged /tmpfs; ls -A /cache /b /t /ctx /w 2>&1'
  [ "${lines[0]}" = 1 ]
  [ "${lines[1]}" = from-context ]
  [ "${lines[2]}" = from-stage ]
  [ "${lines[3]}" = tmpfs-ok ]
  [[ "$output" == *"ls: /cache: No such file or directory"* ]]
  [[ "$output" == *"ls: /b: No such file or directory"* ]]
  [[ "$output" == *"ls: /t: No such file or directory"* ]]
  [[ "$output" == *"ls: /ctx: No such file or directory"* ]]
  [ "$(td run --rm --network none m1 ls -A /w)" = "" ]
  # the rw bind wrote to a throw-away layer, not the context
  [ ! -e "$T/ctx/written" ]
  [[ "$(td run --rm --network none m1 cat /ctxls)" == *written* ]]
  # the cache directory is shared with the next build (its count goes on)
  run b --no-cache -t m2 "$T/ctx"
  [ "$status" -eq 0 ]
  [ "$(td run --rm --network none m2 cat /count)" = 2 ]
  # a change of a bound context file reruns that step
  echo changed >"$T/ctx/src/f"
  run b -t m3 "$T/ctx"
  [[ "$output" == *"Step 6/9 : RUN --mount=type=bind,source=src"*$'\n'" ---> Running in"* ]]
  [ "$(td run --rm --network none m3 cat /bound)" = changed ]
  no_build_leftovers
  # a failing RUN with every kind of mount leaves no mount, work dir or container
  printf 'FROM busybox AS st\nFROM busybox\nRUN --mount=type=bind,from=st,target=/s --mount=type=bind,source=src,target=/b,rw --mount=type=cache,target=/c --mount=type=tmpfs,target=/t exit 9\n' >"$T/ctx/Dockerfile"
  run b "$T/ctx"
  [ "$status" -eq 9 ]
  no_build_leftovers
}

@test "build RUN --mount: bad input and secret/ssh refused with the line, nothing run" {
  for m in "type=secret,id=tok" "type=ssh" "type=volume,target=/x" "type=cache" "type=bind,target=/x,bogus=1" "type=cache,target=/c,from=st"; do
    printf 'FROM busybox\nRUN echo ran-before\nRUN --mount=%s true\n' "$m" >"$T/ctx/Dockerfile"
    run b "$T/ctx"
    echo "$m: $output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"tinydocker: Dockerfile line 3: RUN --mount"* ]]
  done
  printf 'FROM busybox\nRUN --mount=type=secret,id=tok cat /run/secrets/tok\n' >"$T/ctx/Dockerfile"
  run b "$T/ctx"
  [[ "$output" == *"type=secret is not supported"* ]]
  [[ "$output" != *"Running in"* ]]
  no_build_leftovers
}

@test "build attack: a bind mount source out of the context (.., symlinks) is refused" {
  echo host-secret >"$T/secret"
  ln -s "$T/secret" "$T/ctx/abs-link"
  ln -s ../secret "$T/ctx/rel-link"
  mkdir -p "$T/ctx/d"
  ln -s ../.. "$T/ctx/d/up"
  for src in ../secret abs-link rel-link d/up/secret /../secret; do
    printf 'FROM busybox\nRUN --mount=type=bind,source=%s,target=/s cat /s\n' "$src" >"$T/ctx/Dockerfile"
    run b "$T/ctx"
    echo "$src: $output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"RUN --mount: forbidden path outside the build context"* ]]
    [[ "$output" != *host-secret* ]]
  done
  # from a stage: the source is scoped to the stage's root (as docker), never the host's
  printf 'FROM busybox AS st\nRUN ln -s %s /l\nFROM busybox\nRUN --mount=type=bind,from=st,source=/l,target=/s cat /s\n' "$T/secret" >"$T/ctx/Dockerfile"
  run b "$T/ctx"
  [ "$status" -ne 0 ]
  [[ "$output" != *host-secret* ]]
  printf 'FROM busybox AS st\nFROM busybox\nRUN --mount=type=bind,from=st,source=../../../../%s,target=/s cat /s\n' "$T/secret" >"$T/ctx/Dockerfile"
  run b "$T/ctx"
  [ "$status" -ne 0 ]
  [[ "$output" != *host-secret* ]]
  no_build_leftovers
}

@test "build attack: a cache target that is a symlink to a host path mounts inside the rootfs" {
  mkdir -p "$T/hostdir"
  echo untouched >"$T/hostdir/marker"
  cat >"$T/ctx/Dockerfile" <<EOF
FROM busybox
RUN ln -s $T/hostdir /c
RUN --mount=type=cache,target=/c,id=attack sh -c 'ls -A /c > /seen; echo pwned > /c/pwned'
EOF
  run b -t cattack "$T/ctx"
  [ "$status" -eq 0 ]
  [ ! -e "$T/hostdir/pwned" ]
  [ "$(cat "$T/hostdir/marker")" = untouched ]
  [ "$(ls -A "$T/hostdir")" = marker ]
  # the container saw its own (empty) cache, not the host directory
  [ "$(td run --rm --network none cattack cat /seen)" = "" ]
  # the write went to the cache directory of the store
  [ -n "$(find "$TD_ROOT/buildcache/mounts" -name pwned)" ]
  no_build_leftovers
}

@test "build: ADD of a git URL is refused before anything runs, with its line" {
  for u in https://github.com/moby/moby.git 'https://example.com/r.git#main' git://example.com/r git@github.com:moby/moby.git; do
    printf 'FROM busybox\nRUN echo ran\nADD %s /src\n' "$u" >"$T/ctx/Dockerfile"
    run b "$T/ctx"
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 1 ]
    [ "$output" = "tinydocker: Dockerfile line 3: ADD $u: a git repository is not supported as a source (the builder does not run git)" ]
  done
  no_build_leftovers
}

@test "build cache: COPY's checksum sees content and mode, not the owner or the time (as docker's)" {
  echo data >"$T/ctx/f"
  printf 'FROM busybox\nCOPY f /f\n' >"$T/ctx/Dockerfile"
  run b "$T/ctx"
  [ "$status" -eq 0 ]
  chown 1234:1234 "$T/ctx/f"
  run b "$T/ctx"
  [[ "$output" == *"Step 2/2 : COPY f /f"$'\n'" ---> Using cache"* ]]
  touch -d '2001-01-01' "$T/ctx/f"
  run b "$T/ctx"
  [[ "$output" == *" ---> Using cache"* ]]
  chmod 600 "$T/ctx/f"
  run b "$T/ctx"
  [[ "$output" != *"Using cache"* ]]
  echo other >"$T/ctx/f"
  chmod 600 "$T/ctx/f"
  run b "$T/ctx"
  [[ "$output" != *"Using cache"* ]]
  # the file in the image is 0:0 with the context's mode
  id=$(b -q "$T/ctx")
  [ "$(td run --rm --network none "$id" stat -c '%u:%g %a' /f)" = "0:0 600" ]
}

@test "build: kill -9 of a build running stages in parallel leaves no process, mount or work dir" {
  mark=td-kill-$$-$BATS_TEST_NUMBER
  cat >"$T/ctx/Dockerfile" <<EOF
FROM busybox AS one
RUN sleep 1000; echo $mark-one
FROM busybox AS two
RUN sleep 1000; echo $mark-two
FROM busybox
COPY --from=one /x /x
COPY --from=two /y /y
EOF
  "$TINYDOCKER" build --network none --no-cache "$T/ctx" >"$T/out" 2>&1 &
  for _ in $(seq 200); do [ "$(procs_with "echo $mark-")" -ge 2 ] && break; sleep 0.05; done
  [ "$(procs_with "echo $mark-")" -eq 2 ]
  bpid=$(pgrep -f "tinydocker-build --root $TD_ROOT --network none --no-cache $T/ctx" | head -1)
  [ -n "$bpid" ]
  kill -9 "$bpid"
  wait || true
  for _ in $(seq 200); do
    [ "$(procs_with "echo $mark-")" -eq 0 ] && [ -z "$(ls -A "$TD_ROOT/builds" 2>/dev/null)" ] && break
    sleep 0.05
  done
  [ "$(procs_with "echo $mark-")" -eq 0 ]
  no_build_leftovers
}
