#!/usr/bin/env bats
# `tinydocker --userns-remap X build` ($TINYDOCKER_USERNS_REMAP too): every RUN step runs in a
# user namespace with the mapping of a remapped `run` (idmapped layers, an upper dir owned by
# the remapped root, the spec's uidMappings) and its layer is written with the container's ids
# (the host ids shifted back, as commit does). As tests/bats/68-userns-remap.bats, every command
# runs in a private mount namespace of the file's own (bound at $TEST_TMP/mntns, slave to the
# host's) with the test's /etc/subuid and /etc/subgid bound over the host's: the host's /etc is
# never changed. Attack tests: a remapped RUN cannot write a host root file through a bind
# mount (even rw), cannot mknod, runs as the mapped uid from the host's view, and a build
# leaves no mount, work dir, runtime state or helper process behind.
bats_require_minimum_version 1.5.0
load ../helpers/engine
load ../helpers/remap

setup_file() {
  td_engine_setup_file
  td_engine_env
  # tdbuild: a range of this file's own, so its leftover check sees only its own processes
  remap_setup_file 'dockremap:100000:65536\ntdbuild:731000:65536\n' \
    'dockremap:100000:65536\ntdbuild:731000:65536\n'
}
setup() {
  td_engine_setup
  T=$TEST_TMP/t$BATS_TEST_NUMBER
  mkdir -p "$T/ctx"
  chmod 755 "$T" "$T/ctx"
}
teardown() { remap_rm_all; }
teardown_file() { remap_teardown_file; }


# nothing of a build left: mounts (host's and the test's namespace), work dirs, runtime state
# (the test namespace's own nsfs file, $TEST_TMP/mntns, is not one)
mounts_of_test() { "$@" findmnt -rn -o TARGET | grep "^$TEST_TMP" | grep -vx "$TEST_TMP/mntns" || true; }
no_build_leftovers() {
  [ -z "$(mounts_of_test)" ] || { echo "mounts left: $(mounts_of_test)"; return 1; }
  [ -z "$(mounts_of_test nsenter --mount="$TEST_TMP/mntns")" ] ||
    { echo "mounts left in the test namespace"; return 1; }
  [ -z "$(ls -A "$TD_ROOT/builds" 2>/dev/null)" ] || { echo "work dirs left"; return 1; }
  [ -z "$(ls "$TD_ROOT/run" 2>/dev/null | grep -E '^[0-9a-f]{64}$')" ] || { echo "runtime state left"; return 1; }
}

# the owners (uid/gid) of a saved image's layer entries named like $2
saved_owners() {
  rm -rf "$T/save" && mkdir -p "$T/save"
  td save "$1" | tar -C "$T/save" -xf -
  for l in $(jq -r '.[0].Layers[]' "$T/save/manifest.json"); do
    tar --numeric-owner -tvf "$T/save/$l"
  done | awk -v n="$2" '$6 == n {print $2}'
}

@test "build remap: RUN is root in a user namespace mapped to 100000, its files root's in the image" {
  printf 'FROM busybox\nRUN echo "ID=$(id -u):$(id -g)" && echo "MAP=$(cat /proc/self/uid_map | tr -s " ")" && echo "OWN=$(stat -c %%u:%%g / /bin/busybox /etc/passwd | tr "\\n" " ")" && touch /made && mkdir -p /d && echo x >/d/u1000 && chown 1000:1000 /d/u1000 && echo x >>/etc/passwd\n' >"$T/ctx/Dockerfile"
  run tdr build --no-cache -t rb "$T/ctx"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"ID=0:0"* ]]
  [[ "$output" == *"MAP= 0 100000 65536"* ]]
  [[ "$output" == *"OWN=0:0 0:0 0:0 "* ]]
  # the image, run without remapping: the container's ids, never the host's 100000
  run td run --rm --network none rb stat -c %u:%g /made /d /d/u1000 /etc/passwd
  [ "$output" = "$(printf '0:0\n0:0\n1000:1000\n0:0')" ]
  # the layer's tar holds the container's ids
  [ "$(saved_owners rb made)" = 0/0 ]
  [ "$(saved_owners rb d/u1000)" = 1000/1000 ]
  [ "$(saved_owners rb etc/passwd | sort -u)" = 0/0 ]
  # no file of the store's layers is the remapped root's
  [ "$(find "$TD_ROOT/layers" -user 100000 -o -user 101000 | wc -l)" = 0 ]
  # $TINYDOCKER_USERNS_REMAP is the same; --userns-remap= turns it off
  run nsenter --mount="$TEST_TMP/mntns" env "${TD_OFFLINE_ENV[@]}" TINYDOCKER_USERNS_REMAP=default \
    "$TINYDOCKER" build --no-cache "$T/ctx"
  [[ "$output" == *"MAP= 0 100000 65536"* ]]
  run nsenter --mount="$TEST_TMP/mntns" env "${TD_OFFLINE_ENV[@]}" TINYDOCKER_USERNS_REMAP=default \
    "$TINYDOCKER" --userns-remap= build --no-cache "$T/ctx"
  [[ "$output" == *"MAP= 0 0 4294967295"* ]]
  # older kernels (6.1): the classic option string and idmapped layers attached for the mount
  run nsenter --mount="$TEST_TMP/mntns" env "${TD_OFFLINE_ENV[@]}" TD_FORCE_LEGACY_OVERLAY=1 \
    TD_FORCE_IDMAP_STAGED=1 "$TINYDOCKER" --userns-remap default build --no-cache -t rs "$T/ctx"
  [ "$status" -eq 0 ]
  [[ "$output" == *"OWN=0:0 0:0 0:0 "* ]]
  [ "$(saved_owners rs d/u1000)" = 1000/1000 ]
  no_build_leftovers
}

@test "build remap: USER in the Dockerfile runs mapped too, its files keep its ids in the image" {
  printf 'FROM busybox\nUSER 1000:1000\nRUN echo "U=$(id -u):$(id -g) $(cat /proc/self/uid_map | tr -s " ")" && touch /tmp/mine\nUSER root\nRUN mkdir /out && chown 1000:1000 /out && echo "C=$(stat -c %%u:%%g /tmp/mine)"\n' >"$T/ctx/Dockerfile"
  run tdr build --no-cache -t ru "$T/ctx"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"U=1000:1000  0 100000 65536"* ]]
  [[ "$output" == *"C=1000:1000"* ]]
  run td run --rm --network none ru stat -c %u:%g /tmp/mine /out
  [ "$output" = "$(printf '1000:1000\n1000:1000')" ]
  [ "$(saved_owners ru tmp/mine)" = 1000/1000 ]
  no_build_leftovers
}

@test "build remap: the cache is shared: a build without remapping reuses the remapped layers" {
  printf 'FROM busybox\nRUN cat /proc/self/uid_map | tr -s " " >/map && echo hi >/f && chown 1000:2000 /f\n' >"$T/ctx/Dockerfile"
  tdr build --no-cache -t ra "$T/ctx"
  run td run --rm --network none ra cat /map
  [ "$output" = " 0 100000 65536" ]
  run td build -t rn "$T/ctx"
  [[ "$output" == *"Using cache"* ]]
  [ "$(td image inspect -f '{{.Id}}' ra)" = "$(td image inspect -f '{{.Id}}' rn)" ]
  # built afresh without remapping: the same owners in the layer
  td build --no-cache -t rf "$T/ctx"
  [ "$(saved_owners ra f)" = 1000/2000 ]
  [ "$(saved_owners rf f)" = 1000/2000 ]
  [ "$(saved_owners ra map)" = "$(saved_owners rf map)" ]
  no_build_leftovers
}

@test "build remap: RUN --mount=type=cache|tmpfs|bind under remapping" {
  echo hello >"$T/ctx/hello"
  chmod 644 "$T/ctx/hello"
  printf 'FROM busybox\nRUN --mount=type=cache,target=/cache id -u >>/cache/n && echo "CACHE=$(stat -c %%u:%%g /cache) $(wc -l </cache/n)"\nRUN --mount=type=tmpfs,target=/t touch /t/x && echo "TMPFS=$(stat -c %%u /t/x)"\nRUN --mount=type=bind,target=/c echo "BIND=$(cat /c/hello)"\n' >"$T/ctx/Dockerfile"
  run tdr build --no-cache "$T/ctx"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"CACHE=0:0 1"* ]]
  [[ "$output" == *"TMPFS=0"* ]]
  [[ "$output" == *"BIND=hello"* ]]
  run tdr build --no-cache "$T/ctx"
  [[ "$output" == *"CACHE=0:0 2"* ]]
  # on the host: a cache dir of the mapping's own, the remapped root's
  d=$(ls -d "$TD_ROOT"/buildcache/mounts/*-100000.100000)
  [ "$(stat -c %u:%g "$d" "$d/n" | sort -u)" = "100000:100000" ]
  # a build without remapping has its own dir of host ids
  run td build --no-cache "$T/ctx"
  [[ "$output" == *"CACHE=0:0 1"* ]]
  [ "$(ls "$TD_ROOT/buildcache/mounts" | wc -l)" = 2 ]
  no_build_leftovers
}

@test "build remap attack: no write to a host root file through a bind (rw too), no mknod" {
  echo host >"$T/ctx/rootfile"
  chmod 644 "$T/ctx/rootfile"
  # rw: the RUN's root is the file's owner (the bind is idmapped) and may change it, in the
  # throw-away overlay only (BuildKit's rw binds): the context's file is never changed
  printf 'FROM busybox\nRUN --mount=type=bind,target=/c,rw stat -c "OWNER=%%u" /c/rootfile && echo pwn >>/c/rootfile && echo "NOW=$(tr "\\n" " " </c/rootfile)"\n' >"$T/ctx/Dockerfile"
  run tdr build --no-cache "$T/ctx"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"OWNER=0"* ]]
  [[ "$output" == *"NOW=host pwn "* ]]
  [ "$(cat "$T/ctx/rootfile")" = host ]
  # a new file in the rw bind goes to its throw-away layer, never to the context
  printf 'FROM busybox\nRUN --mount=type=bind,target=/c,rw echo new >/c/newfile\n' >"$T/ctx/Dockerfile"
  tdr build --no-cache "$T/ctx"
  [ ! -e "$T/ctx/newfile" ]
  # read-only without rw
  printf 'FROM busybox\nRUN --mount=type=bind,target=/c touch /c/x2\n' >"$T/ctx/Dockerfile"
  run tdr build --no-cache "$T/ctx"
  [ "$status" -ne 0 ]
  [ ! -e "$T/ctx/x2" ]
  # no device node, whatever the capabilities inside say
  printf 'FROM busybox\nRUN mknod /null2 c 1 3\n' >"$T/ctx/Dockerfile"
  run tdr build --no-cache -t mk "$T/ctx"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"Operation not permitted"* ]]
  run td image inspect mk
  [ "$status" -ne 0 ]
  no_build_leftovers
}

@test "build remap: RUN --mount=type=bind sources are idmapped: the host's root is root inside" {
  echo host >"$T/ctx/rootfile"
  echo u >"$T/ctx/u1000"
  chown 1000:1001 "$T/ctx/u1000"
  chmod 644 "$T/ctx/rootfile" "$T/ctx/u1000"
  cat >"$T/ctx/Dockerfile" <<'EOF'
FROM busybox AS a
RUN mkdir /s && echo s >/s/f && echo g >/s/g && chown 1000:1000 /s/g
FROM busybox
RUN --mount=type=bind,target=/c echo "CTX=$(stat -c %u:%g /c /c/rootfile /c/u1000 | tr '\n' ' ')"
RUN --mount=type=bind,source=u1000,target=/one echo "ONE=$(stat -c %u:%g /one)"
RUN --mount=type=bind,from=a,source=/s,target=/s echo "STAGE=$(stat -c %u:%g /s /s/f /s/g | tr '\n' ' ')"
RUN --mount=type=bind,from=busybox,target=/b echo "IMG=$(stat -c %u:%g /b/bin/busybox /b/etc/passwd | tr '\n' ' ')"
RUN --mount=type=bind,target=/c (touch /c/x 2>&1 || echo RO-REFUSED) | tr '\n' ' '
RUN --mount=type=bind,from=a,source=/s,target=/s,rw echo x >>/s/f && echo "SRW=$(stat -c %u:%g /s/f) $(cat /s/f | tr '\n' ' ')"
EOF
  run tdr build --no-cache "$T/ctx"
  echo "$output"
  [ "$status" -eq 0 ]
  # the context's files as the host has them (root's: root's; 1000's: 1000's), never 65534
  [[ "$output" == *"CTX=0:0 0:0 1000:1001 "* ]]
  [[ "$output" == *"ONE=1000:1001"* ]]
  # a stage's and an image's files with the ids of their layers
  [[ "$output" == *"STAGE=0:0 0:0 1000:1000 "* ]]
  [[ "$output" == *"IMG=0:0 0:0 "* ]]
  # read-only without rw, even for the RUN's root that now owns the files
  [[ "$output" == *"Read-only file system"*"RO-REFUSED"* ]]
  [ ! -e "$T/ctx/x" ]
  # rw from a stage: its root's file written by the RUN's root, in the throw-away overlay
  [[ "$output" == *"SRW=0:0 s x "* ]]
  [[ "$output" != *"warning"* ]]
  # older kernels' path (6.1): the stage's idmapped layers attached for its overlay's mount
  run nsenter --mount="$TEST_TMP/mntns" env "${TD_OFFLINE_ENV[@]}" TD_FORCE_LEGACY_OVERLAY=1 \
    TD_FORCE_IDMAP_STAGED=1 "$TINYDOCKER" --userns-remap default build --no-cache "$T/ctx"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"CTX=0:0 0:0 1000:1001 "* ]]
  [[ "$output" == *"STAGE=0:0 0:0 1000:1000 "* ]]
  # while the step runs, its bind is an idmapped read-only mount in the RUN's mount namespace
  printf 'FROM busybox\nRUN --mount=type=bind,target=/c echo started; sleep 3\n' >"$T/ctx/Dockerfile"
  td --userns-remap default build --no-cache "$T/ctx" >"$T/out" 2>&1 &
  bpid=$!
  # the step's own output line, not the "Step 2/2 : RUN ... echo started" line before it
  for _ in $(seq 200); do grep -qx started "$T/out" && break; sleep 0.05; done
  grep -qx started "$T/out" || { wait "$bpid"; false; }
  id=$(grep -o 'Running in [0-9a-f]*' "$T/out" | cut -d' ' -f3)
  cg=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "$id*" 2>/dev/null | head -1)
  spid=$(head -1 "$cg/cgroup.procs")
  line=$(awk '$5 == "/c"' "/proc/$spid/mountinfo")
  echo "$line"
  wait "$bpid"
  [[ "$line" == *" ro,"*"idmapped"* ]]
  no_build_leftovers
}

@test "build remap attack: an idmapped bind never writes the context, symlinks stay inside" {
  echo host >"$T/ctx/rootfile"
  chmod 644 "$T/ctx/rootfile"
  echo SECRET >"$T/secret"
  chmod 644 "$T/secret"
  ln -s "$T/secret" "$T/ctx/abs"
  ln -s "../../../../../../../../../..$T/secret" "$T/ctx/rel"
  # a device node of the host's root, 0600: the RUN's root owns it through the idmapping
  mknod -m 600 "$T/ctx/nul" c 1 3
  cat >"$T/ctx/Dockerfile" <<'EOF'
FROM busybox
RUN --mount=type=bind,target=/c (echo pwn >>/c/rootfile || echo NOWRITE; chown 5:5 /c/rootfile || echo NOCHOWN; cat /c/abs || echo NOABS; cat /c/rel || echo NOREL; mount -o remount,rw /c || echo NOREMOUNT; echo pwn >/c/new || echo NONEW; stat -c "NUL=%u:%a" /c/nul; cat /c/nul || echo NODEV) 2>&1 | tr '\n' ' '
RUN --mount=type=bind,target=/c,rw (echo pwn >>/c/rootfile; chown 5:5 /c/rootfile; rm /c/abs; echo pwn >/c/new; echo pwn >/c/rel || echo NORELW; echo "RW=$(stat -c %u /c/rootfile)"; cat /c/nul || echo NODEVRW) 2>&1 | tr '\n' ' '
EOF
  run tdr build --no-cache "$T/ctx"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *NOWRITE*NOCHOWN*NOABS*NOREL*NOREMOUNT*NONEW*"NUL=0:600"*"Permission denied NODEV"* ]]
  [[ "$output" != *SECRET* ]]
  [[ "$output" == *NORELW*"RW=5"*"Permission denied NODEVRW"* ]]
  # the context and the file its links name are as they were
  [ "$(cat "$T/ctx/rootfile")" = host ]
  [ "$(stat -c %u:%g "$T/ctx/rootfile")" = 0:0 ]
  [ -L "$T/ctx/abs" ]
  [ ! -e "$T/ctx/new" ]
  [ "$(cat "$T/secret")" = SECRET ]
  # a source that is a link out of the context is refused, as without remapping
  printf 'FROM busybox\nRUN --mount=type=bind,source=abs,target=/x cat /x\n' >"$T/ctx/Dockerfile"
  run tdr build --no-cache "$T/ctx"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"forbidden path outside the build context"* ]]
  [[ "$output" != *SECRET* ]]
  no_build_leftovers
}

@test "build remap: a bind source the kernel cannot idmap keeps the host's ids, with a warning" {
  # ramfs has no idmapped mounts (no FS_ALLOW_IDMAP): the context on one, in the test's namespace
  mkdir -p "$T/ram"
  nsenter --mount="$TEST_TMP/mntns" mount -t ramfs -o mode=755 ramfs "$T/ram"
  nsenter --mount="$TEST_TMP/mntns" sh -c "mkdir -m 755 $T/ram/ctx && echo host >$T/ram/ctx/rootfile && chmod 644 $T/ram/ctx/rootfile"
  printf 'FROM busybox\nRUN --mount=type=bind,target=/c echo "OWN=$(stat -c %%u /c/rootfile) $(cat /c/rootfile)"\n' |
    nsenter --mount="$TEST_TMP/mntns" sh -c "cat >$T/ram/ctx/Dockerfile"
  run tdr build --no-cache "$T/ram/ctx"
  nsenter --mount="$TEST_TMP/mntns" umount "$T/ram"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"warning: --userns-remap: RUN --mount=type=bind source '.' of the build context is not idmapped"*"cannot be idmapped here"* ]]
  [[ "$output" == *"OWN=65534 host"* ]]
  no_build_leftovers
}

@test "build remap: the RUN's process is the mapped uid on the host; nothing is left behind" {
  printf 'FROM busybox\nRUN echo started; sleep 3; echo done-sleeping\n' >"$T/ctx/Dockerfile"
  td --userns-remap tdbuild build --no-cache "$T/ctx" >"$T/out" 2>&1 &
  bpid=$!
  # the step's own output line, not the "Step 2/2 : RUN ... echo started" line before it
  for _ in $(seq 200); do grep -qx started "$T/out" && break; sleep 0.05; done
  grep -qx started "$T/out"
  id=$(grep -o 'Running in [0-9a-f]*' "$T/out" | cut -d' ' -f3)
  cg=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "$id*" 2>/dev/null | head -1)
  [ -n "$cg" ]
  spid=$(head -1 "$cg/cgroup.procs")
  [ -n "$spid" ]
  [ "$(awk '$1 == "Uid:" {print $2, $3, $4, $5}' "/proc/$spid/status")" = "731000 731000 731000 731000" ]
  [ "$(awk '$1 == "Gid:" {print $2, $3, $4, $5}' "/proc/$spid/status")" = "731000 731000 731000 731000" ]
  read -r a b c <"/proc/$spid/uid_map"
  [ "$a $b $c" = "0 731000 65536" ]
  [ "$(readlink "/proc/$spid/ns/user")" != "$(readlink /proc/$$/ns/user)" ]
  wait "$bpid"
  grep -q done-sleeping "$T/out"
  # no process of this mapping (the RUN's, the idmapped layers' helper) is left
  for p in /proc/[0-9]*; do
    ! grep -qs ' 731000 ' "$p/uid_map" || { echo "left: $p"; false; }
  done
  [ -z "$(find /sys/fs/cgroup -maxdepth 4 -type d -name "$id*" 2>/dev/null)" ]
  no_build_leftovers
}

@test "build remap: bad input: unknown name, --network host refused as docker, nothing built" {
  printf 'FROM busybox\nRUN touch /x\n' >"$T/ctx/Dockerfile"
  run td --userns-remap nosuchuser build -t bad1 "$T/ctx"
  [ "$status" -eq 1 ]
  [[ "$output" == *'--userns-remap nosuchuser: no subuid ranges found for user "nosuchuser"'* ]]
  [ "${#lines[@]}" -eq 1 ]
  run tdr build --network host -t bad2 "$T/ctx"
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot share the host's network namespace when user namespaces are enabled"* ]]
  run td image inspect bad1
  [ "$status" -ne 0 ]
  run td image inspect bad2
  [ "$status" -ne 0 ]
  no_build_leftovers
}
