#!/usr/bin/env bats
# Image store through tinydocker-image: import, images, tag, rmi, inspect, history, prune,
# save/load round trips, overlay rootfs, commit/export, and no leftovers.
load ../helpers/common

setup() {
  td_setup_roots
  IMG="$BUILD_DIR/tinydocker-image"
  export IMG
}

teardown() {
  td_teardown_roots
}

img() { "$IMG" --root "$TD_ROOT" "$@"; }

# a small rootfs tarball with a marker file
make_rootfs_tar() { # out.tar [marker]
  local d=$TEST_TMP/rootfs-$RANDOM
  td_make_busybox_rootfs "$d"
  echo "${2:-marker}" >"$d/marker"
  tar -C "$d" -cf "$1" .
  rm -rf "$d"
}

@test "create-default builds busybox:latest with Cmd sh" {
  run img create-default
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
  id=$output
  run img images
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
  [[ "${lines[1]}" =~ ^busybox\ +latest\ +${id:7:12}\  ]]
  run img image inspect -f '{{json .Config.Cmd}} {{.Id}} {{.Os}}' busybox
  [ "$output" = "[\"sh\"] $id linux" ]
  # the layer holds a runnable busybox
  layer=$(ls -d "$TD_ROOT"/layers/*/diff)
  [ -x "$layer/bin/busybox" ]
  [ "$(readlink "$layer/bin/sh")" = busybox ]
  [ "$(stat -c %a "$layer/tmp")" = 1777 ]
  run chroot "$layer" /bin/sh -c 'echo ok'
  [ "$output" = ok ]
  # the same source through import --busybox, and the same content: one layer
  run img import --busybox bb:2
  [ "$status" -eq 0 ]
  [ "$(ls "$TD_ROOT/layers" | wc -l)" -eq 1 ]
}

@test "import plain, gzip and stdin tarballs; -c and -m" {
  make_rootfs_tar "$TEST_TMP/r.tar" one
  run img import "$TEST_TMP/r.tar" one:1
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
  gzip -k "$TEST_TMP/r.tar"
  run img import -c 'CMD ["/bin/echo","hi"]' -c 'ENV A=b' -m imported "$TEST_TMP/r.tar.gz" two
  [ "$status" -eq 0 ]
  run img image inspect -f '{{json .Config.Cmd}} {{json .Config.Env}} {{.Comment}}' two
  [ "$output" = '["/bin/echo","hi"] ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","A=b"] imported' ]
  run bash -c "cat '$TEST_TMP/r.tar' | '$IMG' --root '$TD_ROOT' import - three:x"
  [ "$status" -eq 0 ]
  # same content -> one layer dir shared by the three images
  [ "$(ls "$TD_ROOT/layers" | wc -l)" -eq 1 ]
  run img images
  [ "${#lines[@]}" -eq 4 ]
  run img images -q
  [ "${#lines[@]}" -eq 3 ]
  run img images one
  [ "${#lines[@]}" -eq 2 ]
}

@test "bad references and bad input are rejected with nothing created" {
  make_rootfs_tar "$TEST_TMP/r.tar"
  run img import "$TEST_TMP/r.tar" 'UPPER/Case::x'
  [ "$status" -ne 0 ]
  [[ "$output" == *"invalid reference format"* ]]
  [ ! -d "$TD_ROOT/layers" ] || [ -z "$(ls "$TD_ROOT/layers")" ]
  run img tag nosuch foo
  [ "$status" -eq 1 ]
  [[ "$output" == *"No such image: nosuch"* ]]
  echo "not a tar" >"$TEST_TMP/junk"
  run img import "$TEST_TMP/junk" junk
  [ "$status" -ne 0 ]
  [ -z "$(ls "$TD_ROOT/layers")" ]
  [ -z "$(ls "$TD_ROOT/tmp")" ]
  run img images -q
  [ -z "$output" ]
  run img image inspect nosuch
  [ "$status" -eq 1 ]
  [[ "$output" == *"No such image"* ]]
}

@test "tag, rmi by name and by id, docker's conflict rules" {
  img create-default >/dev/null
  run img tag busybox me/bb:1
  [ "$status" -eq 0 ]
  run img tag busybox localhost:5000/x/y:z
  [ "$status" -eq 0 ]
  id=$(img image inspect -f '{{.Id}}' busybox)
  run img image inspect -f '{{json .RepoTags}}' "${id:7:12}"
  [ "$output" = '["busybox:latest","me/bb:1","localhost:5000/x/y:z"]' ]
  run img rmi "${id:7:12}"
  [ "$status" -eq 1 ]
  [[ "$output" == *"must be forced"*"multiple repositories"* ]]
  run img rmi me/bb:1
  [ "$output" = "Untagged: me/bb:1" ]
  run img rmi localhost:5000/x/y:z busybox
  [ "$status" -eq 0 ]
  [[ "$output" == *"Untagged: busybox:latest"*"Deleted: $id"* ]]
  [ -z "$(ls "$TD_ROOT/layers")" ]
  [ -z "$(ls "$TD_ROOT/images/blobs/sha256")" ]
  run img rmi busybox
  [ "$status" -eq 1 ]
  [[ "$output" == *"No such image: busybox"* ]]
}

@test "history and inspect are docker-shaped" {
  img create-default >/dev/null
  run img history busybox
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^IMAGE\ +CREATED\ +CREATED\ BY\ +SIZE\ +COMMENT$ ]]
  [[ "${lines[1]}" == *"MB"* ]]
  run img history -q busybox
  [[ "$output" =~ ^[0-9a-f]{12}$ ]]
  run img image inspect busybox
  [ "$status" -eq 0 ]
  echo "$output" | python3 -c '
import json,sys
d=json.load(sys.stdin)[0]
for k in ("Id","RepoTags","Created","Config","Architecture","Os","Size","RootFS","GraphDriver"):
    assert k in d, k
assert d["RootFS"]["Type"]=="layers" and len(d["RootFS"]["Layers"])==1
assert d["Size"]>1000000
'
}

@test "save and load round trip in both formats keeps the image id" {
  img create-default >/dev/null
  id=$(img image inspect -f '{{.Id}}' busybox)
  img save -o "$TEST_TMP/d.tar" busybox
  img save --format oci-archive -o "$TEST_TMP/o.tar" busybox
  tar -tf "$TEST_TMP/d.tar" | grep -qx manifest.json
  tar -tf "$TEST_TMP/o.tar" | grep -qx index.json
  for f in d o; do
    R2=$TEST_TMP/root-$f
    run "$IMG" --root "$R2" load -i "$TEST_TMP/$f.tar"
    [ "$status" -eq 0 ]
    [ "$output" = "Loaded image: busybox:latest" ]
    [ "$("$IMG" --root "$R2" image inspect -f '{{.Id}}' busybox)" = "$id" ]
    diff -r "$(ls -d "$TD_ROOT"/layers/*/diff)" "$(ls -d "$R2"/layers/*/diff)"
  done
  # stdin, and a save to stdout
  run bash -c "'$IMG' --root '$TD_ROOT' save busybox | '$IMG' --root '$TEST_TMP/root-s' load"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: busybox:latest" ]
  run img save -o "$TEST_TMP/x.tar" nosuch
  [ "$status" -ne 0 ]
  [ ! -e "$TEST_TMP/x.tar" ]
}

@test "a corrupted archive loads nothing and leaves nothing" {
  img create-default >/dev/null
  img save -o "$TEST_TMP/d.tar" busybox
  mkdir "$TEST_TMP/x" && tar -C "$TEST_TMP/x" -xf "$TEST_TMP/d.tar"
  layer=$(ls "$TEST_TMP"/x/*/layer.tar)
  printf 'X' | dd of="$layer" bs=1 seek=700 conv=notrunc status=none
  tar -C "$TEST_TMP/x" -cf "$TEST_TMP/bad.tar" .
  R2=$TEST_TMP/root2
  run "$IMG" --root "$R2" load -i "$TEST_TMP/bad.tar"
  [ "$status" -ne 0 ]
  [[ "$output" == *"config says"* || "$output" == *"layer"* ]]
  [ -z "$(ls "$R2/layers")" ]
  [ -z "$(ls "$R2/tmp")" ]
  [ -z "$(ls "$R2/images/blobs/sha256")" ]
  run "$IMG" --root "$R2" images -q
  [ -z "$output" ]
}

@test "overlay rootfs: mount, hold blocks rmi, umount and release leave nothing" {
  img create-default >/dev/null
  C=$TEST_TMP/ctr
  run img mount-rootfs busybox "$C"
  [ "$status" -eq 0 ]
  [ "$output" = "$C/rootfs" ]
  findmnt -n -o FSTYPE "$C/rootfs" | grep -qx overlay
  [ -x "$C/rootfs/bin/busybox" ]
  echo x >"$C/rootfs/new"
  [ -f "$C/upper/new" ]
  run img rmi busybox
  [ "$status" -eq 1 ]
  [[ "$output" == *"must force"* ]]
  run img rmi -f busybox
  [ "$output" = "Untagged: busybox:latest" ]
  # the image stays (dangling) while the container holds it
  [ -n "$(ls "$TD_ROOT/layers")" ]
  run img image prune -f
  [ -n "$(ls "$TD_ROOT/layers")" ]
  img umount-rootfs "$C" --release
  ! findmnt "$C/rootfs" || false
  run img image prune -f
  [[ "$output" == *"deleted: sha256:"* ]]
  [ -z "$(ls "$TD_ROOT/layers")" ]
  [ -z "$(ls "$TD_ROOT/images/blobs/sha256")" ]
}

@test "commit turns an upper dir into a layer with whiteouts; export flattens" {
  img create-default >/dev/null
  C=$TEST_TMP/ctr
  img mount-rootfs busybox "$C" >/dev/null
  echo hello >"$C/rootfs/newfile"
  rm "$C/rootfs/etc/hosts"
  rm -rf "$C/rootfs/usr"
  mkdir "$C/rootfs/usr" && echo y >"$C/rootfs/usr/only"
  img umount-rootfs "$C"
  run img commit-container --upper "$C/upper" --image busybox -m msg -c 'CMD ["cat","/newfile"]' mine:v1
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^sha256: ]]
  run img history mine:v1
  [ "${#lines[@]}" -eq 3 ]
  [[ "${lines[1]}" == *"tinydocker commit"*msg* ]]
  # the committed layer blob carries docker's whiteout forms
  top=$(img image inspect -f '{{json .RootFS.Layers}}' mine:v1 | python3 -c 'import json,sys;print(json.load(sys.stdin)[-1][7:])')
  run tar -tf "$TD_ROOT/images/blobs/sha256/$top"
  [[ "$output" == *"etc/.wh.hosts"* ]]
  [[ "$output" == *"usr/.wh..wh..opq"* ]]
  # a container of the new image sees the changes
  C2=$TEST_TMP/ctr2
  img mount-rootfs mine:v1 "$C2" >/dev/null
  [ "$(cat "$C2/rootfs/newfile")" = hello ]
  [ ! -e "$C2/rootfs/etc/hosts" ]
  [ "$(ls "$C2/rootfs/usr")" = only ]
  img umount-rootfs "$C2" --release
  run img export-container --upper "$C/upper" --image busybox -o "$TEST_TMP/exp.tar"
  [ "$status" -eq 0 ]
  run tar -tf "$TEST_TMP/exp.tar"
  [[ "$output" == *"newfile"* ]]
  [[ "$output" != *"etc/hosts"* ]]
  [[ "$output" != *".wh."* ]]
  [[ "$output" == *"bin/busybox"* ]]
  ! findmnt -rn | grep -q "$TD_ROOT" || false
  img umount-rootfs "$C" --release
}

@test "twenty layers mount as one overlay" {
  img create-default >/dev/null
  prev=busybox
  for i in $(seq 2 20); do
    C=$TEST_TMP/c$i
    img mount-rootfs "$prev" "$C" >/dev/null
    echo "$i" >"$C/rootfs/layer$i"
    img umount-rootfs "$C" --release
    img commit-container --upper "$C/upper" --image "$prev" "l:$i" >/dev/null
    prev=l:$i
  done
  run img image inspect -f '{{json .RootFS.Layers}}' l:20
  [ "$(echo "$output" | python3 -c 'import json,sys;print(len(json.load(sys.stdin)))')" -eq 20 ]
  C=$TEST_TMP/c20m
  img mount-rootfs l:20 "$C" >/dev/null
  [ "$(cat "$C/rootfs/layer2")" = 2 ]
  [ "$(cat "$C/rootfs/layer20")" = 20 ]
  img umount-rootfs "$C" --release
  # removing the top image keeps the layers the others still use
  img rmi l:20 >/dev/null
  [ "$(ls "$TD_ROOT/layers" | wc -l)" -eq 19 ]
}

@test "image prune removes dangling images only, -a removes unused" {
  make_rootfs_tar "$TEST_TMP/a.tar" a
  make_rootfs_tar "$TEST_TMP/b.tar" b
  img import "$TEST_TMP/a.tar" >/dev/null
  img import "$TEST_TMP/b.tar" keep:1 >/dev/null
  run img images
  [[ "$output" == *"<none>"* ]]
  run img image prune -f
  [[ "$output" == *"Total reclaimed space"* ]]
  run img images -q
  [ "${#lines[@]}" -eq 1 ]
  run img image prune -a -f
  run img images -q
  [ -z "$output" ]
  [ -z "$(ls "$TD_ROOT/layers")" ]
}

@test "an import killed half way leaves no image, and the next writer clears its debris" {
  d=$TEST_TMP/big
  mkdir -p "$d"
  for i in 1 2 3 4; do head -c 20000000 /dev/urandom >"$d/f$i"; done
  mkfifo "$TEST_TMP/fifo"
  # the writer sends part of the tar and then keeps the pipe open, so import is mid-layer
  (tar -C "$d" -cf - f1 f2; exec sleep 30) >"$TEST_TMP/fifo" &
  wpid=$!
  "$IMG" --root "$TD_ROOT" import "$TEST_TMP/fifo" half:1 >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    [ -n "$(find "$TD_ROOT/tmp" -name f2 2>/dev/null)" ] && break
    sleep 0.1
  done
  kill -9 "$pid"
  wait "$pid" || true
  kill "$wpid" 2>/dev/null || true
  wait "$wpid" 2>/dev/null || true
  [ -n "$(ls "$TD_ROOT/tmp")" ] # debris of the killed import
  run img images -q
  [ -z "$output" ]
  [ -z "$(ls "$TD_ROOT/layers")" ]
  img create-default >/dev/null
  [ -z "$(ls "$TD_ROOT/tmp")" ]
  [ "$(ls "$TD_ROOT/layers" | wc -l)" -eq 1 ]
}

@test "tinydocker (the engine binary) does not link libarchive, libcrypto or libcurl" {
  if td_is_dynamic "$TINYDOCKER"; then # a dynamic build (sanitizers)
    run ldd "$TINYDOCKER"
    [ "$status" -eq 0 ]
    [[ "$output" != *libarchive* ]]
    [[ "$output" != *libcrypto* ]]
    [[ "$output" != *libcurl* ]]
  else # static: none of their code is in (the symbol table of the build tree's binary)
    run nm "$TINYDOCKER"
    [ "$status" -eq 0 ]
    [[ "$output" == *" json_loads"* ]] # the check can see a linked-in library
    [[ "$output" != *" archive_read_new"* ]]
    [[ "$output" != *" EVP_DigestInit"* ]]
    [[ "$output" != *" curl_easy_init"* ]]
  fi
}

@test "images --filter and --format" {
  make_rootfs_tar "$TEST_TMP/a.tar" a
  make_rootfs_tar "$TEST_TMP/b.tar" b
  img import "$TEST_TMP/a.tar" >/dev/null
  img import -c 'LABEL team=blue' "$TEST_TMP/b.tar" app/web:1 >/dev/null
  img tag app/web:1 other:2
  run img images -q -f dangling=true
  [ "${#lines[@]}" -eq 1 ]
  run img images --filter reference='app/*' --format '{{.Repository}}:{{.Tag}}'
  [ "$output" = "app/web:1" ]
  run img images -f label=team=blue --format '{{.Repository}}'
  [ "$(echo "$output" | sort | tr '\n' ' ')" = "app/web other " ]
  run img images --format 'table {{.Repository}}\t{{.Tag}}'
  [[ "${lines[0]}" =~ ^REPOSITORY\ +TAG$ ]]
  run img images --format '{{.ID}}\t{{.Size}}' other:2
  [[ "$output" =~ ^[0-9a-f]{12}$'\t'[0-9.]+MB$ ]]
}

@test "commit and export CONTAINER find the container in the engine's store" {
  img create-default >/dev/null
  iid=$(img image inspect -f '{{.Id}}' busybox)
  cid=$(printf 'c%.0s' {1..64})
  CD=$TD_ROOT/containers/$cid
  mkdir -p "$TD_ROOT/containers/names"
  ln -s "$cid" "$TD_ROOT/containers/names/web"
  img mount-rootfs busybox "$CD" >/dev/null
  echo data >"$CD/rootfs/state"
  img umount-rootfs "$CD"
  cat >"$CD/container.json" <<JSON
{"Id":"$cid","Image":"$iid","Name":"/web",
 "Config":{"Env":["PATH=/bin","HOSTNAME=abc","MODE=prod"],"Cmd":["cat","/state"],
           "Entrypoint":null,"WorkingDir":"/tmp","User":"","Labels":{"x":"y"}},
 "Td":{"RootfsIsDir":false}}
JSON
  run img commit -m snap -c 'EXPOSE 8080' web snap:1
  [ "$status" -eq 0 ]
  run img image inspect -f '{{json .Config.Cmd}} {{json .Config.Env}} {{.Config.WorkingDir}} {{json .Config.ExposedPorts}} {{.Comment}}' snap:1
  [ "$output" = '["cat","/state"] ["PATH=/bin","MODE=prod"] /tmp {"8080/tcp":{}} snap' ]
  run img export -o "$TEST_TMP/web.tar" "${cid:0:12}"
  [ "$status" -eq 0 ]
  tar -xOf "$TEST_TMP/web.tar" state | grep -qx data
  run img commit nosuch
  [ "$status" -eq 1 ]
  [[ "$output" == *"No such container: nosuch"* ]]
  img umount-rootfs "$CD" --release
}

@test "the legacy overlay mount path (kernels before 6.8) mounts the same tree" {
  img create-default >/dev/null
  C=$TEST_TMP/c1
  img mount-rootfs busybox "$C" >/dev/null
  echo one >"$C/rootfs/one"
  img umount-rootfs "$C" --release
  img commit-container --upper "$C/upper" --image busybox two:1 >/dev/null
  C2=$TEST_TMP/c2
  TD_FORCE_LEGACY_OVERLAY=1 img mount-rootfs two:1 "$C2" >/dev/null
  findmnt -n -o OPTIONS "$C2/rootfs" | grep -q 'lowerdir=.*:'
  [ "$(cat "$C2/rootfs/one")" = one ]
  [ -x "$C2/rootfs/bin/busybox" ]
  img umount-rootfs "$C2" --release
  ! findmnt "$C2/rootfs" || false
}

@test "--help of the image commands" {
  for c in images import load save tag rmi history commit export; do
    run img "$c" --help
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "Usage:  tinydocker $c"* ]]
  done
  run img image inspect --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"IMAGE [IMAGE...]"* ]]
}
