#!/usr/bin/env bats
# Malicious layers and archives, built here with python3 tarfile: each is rejected or contained,
# the victim files on the host stay untouched, and nothing is left in the store.
load ../helpers/common

setup() {
  td_setup_roots
  IMG="$BUILD_DIR/tinydocker-image"
  V=$TEST_TMP/victim
  mkdir -p "$V/dir"
  echo original >"$V/file"
  chmod 0600 "$V/file"
  chmod 0700 "$V/dir"
  UP=$(python3 -c 'print("../" * 30)')
  export V UP
}

teardown() {
  td_teardown_roots
}

img() { "$IMG" --root "$TD_ROOT" "$@"; }

victim_untouched() {
  [ "$(cat "$V/file")" = original ]
  [ "$(stat -c %a "$V/file")" = 600 ]
  [ "$(stat -c %a "$V/dir")" = 700 ]
  [ "$(stat -c %u "$V/file")" = 0 ]
  [ -z "$(ls "$V/dir")" ]
  [ "$(ls "$V")" = "$(printf 'dir\nfile')" ]
}

store_clean() {
  [ -z "$(ls "$TD_ROOT/layers" 2>/dev/null)" ]
  [ -z "$(ls "$TD_ROOT/tmp" 2>/dev/null)" ]
  [ -z "$(img images -q)" ]
}

# mktar OUT then lines of: reg NAME [DATA [MODE]] | dir NAME [MODE] | sym NAME TARGET |
# hard NAME TARGET | chr NAME MAJ MIN | blk NAME MAJ MIN
MKTAR_PY='
import sys, tarfile, io
out = sys.argv[1]
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    for line in sys.stdin.read().splitlines():
        f = line.split("|")
        kind, name = f[0], f[1]
        ti = tarfile.TarInfo(name)
        data = None
        if kind == "reg":
            data = (f[2] if len(f) > 2 else "x").encode()
            ti.size = len(data)
            ti.mode = int(f[3], 8) if len(f) > 3 else 0o644
        elif kind == "dir":
            ti.type = tarfile.DIRTYPE
            ti.mode = int(f[2], 8) if len(f) > 2 else 0o755
        elif kind == "sym":
            ti.type = tarfile.SYMTYPE; ti.linkname = f[2]
        elif kind == "hard":
            ti.type = tarfile.LNKTYPE; ti.linkname = f[2]
        elif kind in ("chr", "blk"):
            ti.type = tarfile.CHRTYPE if kind == "chr" else tarfile.BLKTYPE
            ti.devmajor, ti.devminor = int(f[2]), int(f[3])
        t.addfile(ti, io.BytesIO(data) if data is not None else None)
'
mktar() { python3 -c "$MKTAR_PY" "$@"; }

@test "'../' paths are refused" {
  printf 'reg|ok\nreg|%svictim-new|pwned\n' "$UP$V/" | sed 's|//|/|' | mktar "$TEST_TMP/a.tar"
  run img import "$TEST_TMP/a.tar" evil
  [ "$status" -ne 0 ]
  [[ "$output" == *"escapes the layer"* ]]
  [ ! -e "$V/victim-new" ]
  victim_untouched
  store_clean
}

@test "absolute paths stay inside the layer" {
  printf 'reg|%s/file|pwned|0777\n' "$V" | mktar "$TEST_TMP/a.tar"
  run img import "$TEST_TMP/a.tar" abs
  [ "$status" -eq 0 ]
  victim_untouched
  layer=$(ls -d "$TD_ROOT"/layers/*/diff)
  [ "$(cat "$layer$V/file")" = pwned ]
}

@test "an entry through an absolute or relative symlink is refused" {
  printf 'sym|evil|%s/dir\nreg|evil/planted|pwned\n' "$V" | mktar "$TEST_TMP/a.tar"
  run img import "$TEST_TMP/a.tar" evil
  [ "$status" -ne 0 ]
  [[ "$output" == *"symlink"* ]]
  printf 'sym|evil|%s%s/dir\nreg|evil/planted|pwned\n' "$UP" "$V" | mktar "$TEST_TMP/b.tar"
  run img import "$TEST_TMP/b.tar" evil
  [ "$status" -ne 0 ]
  printf 'dir|a\nsym|a/b|../../../../../../../..%s\ndir|a/b/c\n' "$V" | mktar "$TEST_TMP/c.tar"
  run img import "$TEST_TMP/c.tar" evil
  [ "$status" -ne 0 ]
  victim_untouched
  store_clean
}

@test "hardlinks to files outside the layer are refused" {
  printf 'hard|link|%s%s/file\n' "$UP" "$V" | mktar "$TEST_TMP/a.tar"
  run img import "$TEST_TMP/a.tar" evil
  [ "$status" -ne 0 ]
  printf 'hard|link|%s/file\n' "$V" | mktar "$TEST_TMP/b.tar"
  run img import "$TEST_TMP/b.tar" evil
  [ "$status" -ne 0 ]
  [[ "$output" == *"not in the layer"* ]]
  # a hardlink through a symlink in the layer
  printf 'sym|s|%s\nhard|link|s/file\n' "$V" | mktar "$TEST_TMP/c.tar"
  run img import "$TEST_TMP/c.tar" evil
  [ "$status" -ne 0 ]
  [ "$(stat -c %h "$V/file")" = 1 ]
  victim_untouched
  store_clean
}

@test "a symlink followed by a same-name entry cannot chmod, chown or write through it" {
  printf 'sym|f|%s/file\nreg|f|pwned|0777\nsym|d|%s/dir\ndir|d|0777\n' "$V" "$V" |
    mktar "$TEST_TMP/a.tar"
  run img import "$TEST_TMP/a.tar" swap
  [ "$status" -eq 0 ]
  victim_untouched
  layer=$(ls -d "$TD_ROOT"/layers/*/diff)
  [ -f "$layer/f" ] && [ ! -L "$layer/f" ] || false
  [ -d "$layer/d" ] && [ ! -L "$layer/d" ] || false
  [ "$(stat -c %a "$layer/d")" = 777 ]
}

@test "device nodes are not created (only the 0:0 whiteout)" {
  printf 'chr|null2|1|3\nblk|sda|8|0\nchr|gone|0|0\nreg|ok\n' | mktar "$TEST_TMP/a.tar"
  run img import "$TEST_TMP/a.tar" dev
  [ "$status" -eq 0 ]
  [[ "$output" == *"skipped 2 device node"* ]]
  layer=$(ls -d "$TD_ROOT"/layers/*/diff)
  [ ! -e "$layer/null2" ]
  [ ! -e "$layer/sda" ]
  [ "$(stat -c '%F %t:%T' "$layer/gone")" = "character special file 0:0" ]
}

@test "whiteout tricks are refused or stay inside" {
  printf 'reg|.wh..\n' | mktar "$TEST_TMP/a.tar"
  run img import "$TEST_TMP/a.tar" wh
  [ "$status" -ne 0 ]
  printf 'reg|.wh.\n' | mktar "$TEST_TMP/b.tar"
  run img import "$TEST_TMP/b.tar" wh
  [ "$status" -ne 0 ]
  printf 'reg|x/%s.wh.file\n' "$UP" | mktar "$TEST_TMP/c.tar"
  run img import "$TEST_TMP/c.tar" wh
  [ "$status" -ne 0 ]
  store_clean
  printf 'sym|s|%s\nreg|s/.wh.file\n' "$V" | mktar "$TEST_TMP/d.tar"
  run img import "$TEST_TMP/d.tar" wh
  [ "$status" -ne 0 ]
  printf 'sym|s|%s/dir\nreg|s/.wh..wh..opq\n' "$V" | mktar "$TEST_TMP/e.tar"
  run img import "$TEST_TMP/e.tar" wh
  [ "$status" -ne 0 ]
  [ -z "$(getfattr -n trusted.overlay.opaque "$V/dir" 2>/dev/null)" ]
  victim_untouched
  store_clean
  printf 'dir|a\nreg|a/.wh..wh..opq\nreg|.wh.b\n' | mktar "$TEST_TMP/f.tar"
  run img import "$TEST_TMP/f.tar" wh
  [ "$status" -eq 0 ]
}

@test "a compression bomb stops at the size cap and leaves nothing" {
  head -c 64M /dev/zero >"$TEST_TMP/zero"
  tar -C "$TEST_TMP" -czf "$TEST_TMP/bomb.tgz" zero
  rm "$TEST_TMP/zero"
  TINYDOCKER_MAX_LAYER_SIZE=16m run img import "$TEST_TMP/bomb.tgz" bomb
  [ "$status" -ne 0 ]
  [[ "$output" == *"size limit"* ]]
  store_clean
}

@test "archive member names outside the archive are refused" {
  img create-default >/dev/null
  img save -o "$TEST_TMP/d.tar" busybox
  mkdir "$TEST_TMP/x" && tar -C "$TEST_TMP/x" -xf "$TEST_TMP/d.tar"
  python3 - "$TEST_TMP/x/manifest.json" "$V" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
m[0]["Config"] = "../../../../../../.." + sys.argv[2] + "/file"
json.dump(m, open(sys.argv[1], "w"))
EOF
  tar -C "$TEST_TMP/x" -cf "$TEST_TMP/bad.tar" .
  R2=$TEST_TMP/root2
  run "$IMG" --root "$R2" load -i "$TEST_TMP/bad.tar"
  [ "$status" -ne 0 ]
  [ -z "$(ls "$R2/layers")" ]
  # a member named ../x in the archive itself
  printf 'reg|../escape\n' | mktar "$TEST_TMP/esc.tar"
  run "$IMG" --root "$R2" load -i "$TEST_TMP/esc.tar"
  [ "$status" -ne 0 ]
  [[ "$output" == *"escapes the archive"* ]]
  [ -z "$(ls "$R2/tmp")" ]
  victim_untouched
}

@test "oci-archive with a wrong blob digest or size is refused" {
  img create-default >/dev/null
  img save --format oci-archive -o "$TEST_TMP/o.tar" busybox
  mkdir "$TEST_TMP/x" && tar -C "$TEST_TMP/x" -xf "$TEST_TMP/o.tar"
  cfg=$(img image inspect -f '{{.Id}}' busybox)
  echo '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}' \
    >"$TEST_TMP/x/blobs/sha256/${cfg:7}"
  tar -C "$TEST_TMP/x" -cf "$TEST_TMP/bad.tar" .
  R2=$TEST_TMP/root2
  run "$IMG" --root "$R2" load -i "$TEST_TMP/bad.tar"
  [ "$status" -ne 0 ]
  [[ "$output" == *"has digest"* || "$output" == *"size"* ]]
  [ -z "$(ls "$R2/layers")" ]
  [ -z "$(ls "$R2/images/blobs/sha256")" ]
}
