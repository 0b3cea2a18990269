#!/usr/bin/env bats
# --storage-opt size= (docker's overlay2 project quota), seen from the host: the project id and
# PROJINHERIT on the container's upper and work dirs (xfs_io), the hard limit the kernel holds
# for that project (xfs_quota), a write past it failing inside the container with the file
# capped near the limit, the limit cleared by rm, ids never reused; docker's refusal where the
# store's filesystem has no project quotas (the normal temp root; xfs without pquota), nothing
# created. The attacks: root in the container changing its files' project id or dropping
# PROJINHERIT (FS_IOC_FSSETXATTR, FS_IOC_SETFLAGS), a hard link or rename in from a volume,
# CAP_SYS_RESOURCE added, a second container's quota.
#
# The quota store is a sparse file made xfs and mounted `-o loop,prjquota` in setup_file,
# unmounted and its loop device detached in teardown_file; its tests skip (with the reason)
# where the host has no loop devices, no xfs, or an xfs without quota support
# (CONFIG_XFS_QUOTA: this project's VM kernel has none; the Debian kernels of `make test-vm`
# have it: VM_TESTS=69-storage-quota).
load ../helpers/engine

# The kernel's own module loader (the VM test's guest points it at the guest kernel's modules).
kmod_load() { local mp; mp=$(cat /proc/sys/kernel/modprobe 2>/dev/null) && [ -x "$mp" ] && "$mp" "$1" >/dev/null 2>&1; }

have_loop() { [ -e /dev/loop-control ] || kmod_load loop; [ -e /dev/loop-control ]; }
have_xfs() { grep -qw xfs /proc/filesystems || kmod_load xfs; grep -qw xfs /proc/filesystems; }

# mkfs.xfs a sparse file and mount it with a loop device: fsimg IMG DIR [mount options]
fsimg() {
  truncate -s 300M "$1" && mkfs.xfs -q -f "$1" >/dev/null && mkdir -p "$2" &&
    mount -o "loop${3:+,$3}" "$1" "$2"
}

fsimg_drop() { # dir img
  local dev
  mountpoint -q "$1" && umount "$1" 2>/dev/null || umount -l "$1" 2>/dev/null || true
  for dev in $(losetup -n -O NAME -j "$2" 2>/dev/null); do losetup -d "$dev" 2>/dev/null || true; done
}

setup_file() {
  td_engine_setup_file
  local skipf=$BATS_FILE_TMPDIR/xfs_skip
  cc -static -O2 -o "$BATS_FILE_TMPDIR/projid" "$REPO/tests/helpers/projid.c" || return 1
  if ! command -v mkfs.xfs >/dev/null || ! command -v xfs_quota >/dev/null; then
    echo "no mkfs.xfs/xfs_quota (xfsprogs: scripts/install-deps.sh)" >"$skipf"
  elif ! have_loop; then
    echo "no loop devices on this host" >"$skipf"
  elif ! have_xfs; then
    echo "no xfs in this kernel" >"$skipf"
  elif ! fsimg "$TEST_TMP/xfs.img" "$TEST_TMP/xfs" prjquota 2>"$BATS_FILE_TMPDIR/mount.err"; then
    # the kernel says why in its log ("XFS (loopN): quota support not available in this kernel")
    echo "xfs here cannot mount with prjquota: $(dmesg 2>/dev/null | grep -o 'XFS.*quota.*' | tail -1 | grep . || head -1 "$BATS_FILE_TMPDIR/mount.err")" >"$skipf"
    fsimg_drop "$TEST_TMP/xfs" "$TEST_TMP/xfs.img"
  else
    # the engine root on it, with the busybox image
    mkdir -p "$TEST_TMP/xfs/root" && TINYDOCKER_ROOT=$TEST_TMP/xfs/root "$TINYDOCKER" create-default >/dev/null
  fi
}

setup() {
  td_engine_setup
  XROOT=$TEST_TMP/xfs/root
  PROJ=$BATS_FILE_TMPDIR/projid
}

need_quota() { [ ! -s "$BATS_FILE_TMPDIR/xfs_skip" ] || skip "$(cat "$BATS_FILE_TMPDIR/xfs_skip")"; }

tx() { TINYDOCKER_ROOT=$XROOT td "$@"; }

xcount() { ls "$XROOT/containers" 2>/dev/null | grep -c -E '^[0-9a-f]{64}$' || true; }

teardown() {
  td_engine_teardown
  if [ -d "$XROOT/containers" ]; then
    local ids
    ids=$(TINYDOCKER_ROOT=$XROOT "$TINYDOCKER" ps -aq --no-trunc 2>/dev/null) || true
    [ -z "$ids" ] || TINYDOCKER_ROOT=$XROOT "$TINYDOCKER" rm -f $ids >/dev/null 2>&1 || true
  fi
  if [ -n "${NQ:-}" ]; then
    TINYDOCKER_ROOT=$NQ/root "$TINYDOCKER" network cleanup >/dev/null 2>&1 || true
    fsimg_drop "$NQ" "$NQ.img"
  fi
}

teardown_file() {
  td_engine_env
  local x=$TEST_TMP/xfs
  if mountpoint -q "$x"; then
    TD_ROOT=$x/root td_wait_trash || true
    TINYDOCKER_ROOT=$x/root "$TINYDOCKER" network cleanup >/dev/null 2>&1 || true
  fi
  fsimg_drop "$x" "$TEST_TMP/xfs.img"
  td_engine_teardown_file
}

# The project id of a path and its PROJINHERIT flag, on the host (FS_IOC_FSGETXATTR).
projid_of() { "$PROJ" get "$1" | sed -n 's/^projid=\([0-9]*\) .*/\1/p'; }
inherits() { "$PROJ" get "$1" | grep -q 'inherit=1'; }
# The hard block limit the kernel holds for a project, in KiB (0: none).
# xfs_quota's report by number: "#ID used soft hard warn [grace]"
hard_kib() { # projid
  xfs_quota -x -c "report -p -b -N -n" "$TEST_TMP/xfs" 2>/dev/null | awk -v id="#$1" '$1 == id {print $4; exit}' | grep . || echo 0
}

@test "storage-opt size on a root without project quotas: docker's refusal, exit 125, nothing created" {
  # docker 20.10: run exits 125, create 1 (a daemon error), both with the driver's words
  for cmd in run:125 create:1; do
    run td "${cmd%:*}" --name q1 --storage-opt size=10M busybox true
    [ "$status" -eq "${cmd#*:}" ]
    [[ "$output" == *"--storage-opt is supported only for overlay over xfs with 'pquota' mount option"* ]]
  done
  # any size (docker checks the key before the value) and a key in capitals
  for o in size=abc size=0 size= SIZE=1G; do
    run td create --storage-opt "$o" busybox true
    [[ "$output" == *"--storage-opt is supported only for overlay over xfs with 'pquota' mount option"* ]]
  done
  # docker's other words: a key it does not know, the CLI's form check
  run td create --storage-opt foo=bar busybox true
  [[ "$output" == *"Unknown option foo"* ]]
  run td create --storage-opt size busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"invalid storage option."* ]]
  [ "$(td_count)" -eq 0 ]
  [ -z "$(td ps -aq)" ]
  [ -z "$(ls "$TD_ROOT/containers" 2>/dev/null | grep -E '^[0-9a-f]{64}$')" ]
  # the name stayed free
  td create --name q1 busybox true >/dev/null
}

@test "storage-opt size on xfs mounted without pquota: the same refusal, nothing created" {
  have_loop || skip "no loop devices on this host"
  have_xfs || skip "no xfs in this kernel"
  command -v mkfs.xfs >/dev/null || skip "no mkfs.xfs (xfsprogs)"
  NQ=$TEST_TMP/noquota
  fsimg "$NQ.img" "$NQ"
  [ "$(stat -f -c %T "$NQ")" = xfs ]
  mkdir -p "$NQ/root"
  TINYDOCKER_ROOT=$NQ/root "$TINYDOCKER" create-default >/dev/null
  run env TINYDOCKER_ROOT="$NQ/root" "$TINYDOCKER" run --rm --storage-opt size=10M busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"--storage-opt is supported only for overlay over xfs with 'pquota' mount option"* ]]
  [ -z "$(ls "$NQ/root/containers" | grep -E '^[0-9a-f]{64}$')" ]
}

@test "size=10M: upper and work in a project of their own (PROJINHERIT), a 10M hard limit, docker's inspect" {
  need_quota
  id=$(tx create --storage-opt size=10M busybox true)
  d=$XROOT/containers/$id
  p=$(projid_of "$d/upper")
  [ -n "$p" ] && [ "$p" -gt 0 ]
  [ "$(projid_of "$d/work")" = "$p" ]
  inherits "$d/upper"
  inherits "$d/work"
  [ "$(hard_kib "$p")" = 10240 ]
  [ "$(tx inspect -f '{{json .HostConfig.StorageOpt}}' "$id")" = '{"size":"10M"}' ]
  # the store's own files and a container without the option: no project
  id2=$(tx create busybox true)
  [ "$(projid_of "$XROOT/containers/$id2/upper")" = 0 ]
  [ "$(tx inspect -f '{{json .HostConfig.StorageOpt}}' "$id2")" = null ]
  # a file written in the container lands in the project (inherited)
  tx start -a "$id" >/dev/null
  id3=$(tx run -d --storage-opt size=1.5M busybox sh -c 'echo x >/f; sleep 100')
  for i in $(seq 50); do [ -e "$XROOT/containers/$id3/upper/f" ] && break; sleep 0.1; done
  p3=$(projid_of "$XROOT/containers/$id3/upper")
  [ "$(projid_of "$XROOT/containers/$id3/upper/f")" = "$p3" ]
  [ "$(hard_kib "$p3")" = 1536 ]
}

@test "a write past the limit fails in the container (EDQUOT/ENOSPC) and the file stays near the limit" {
  need_quota
  run tx run --name qw --storage-opt size=10M busybox sh -c 'dd if=/dev/zero of=/big bs=1M count=30; echo rc=$?'
  echo "$output"
  [[ "$output" == *"Disk quota exceeded"* || "$output" == *"No space left on device"* ]]
  [[ "$output" == *"rc=1"* ]]
  id=$(tx inspect -f '{{.Id}}' qw)
  sz=$(stat -c %s "$XROOT/containers/$id/upper/big")
  [ "$sz" -le $((10 * 1024 * 1024)) ]
  [ "$sz" -ge $((8 * 1024 * 1024)) ]
  # CAP_SYS_RESOURCE (not in docker's default set) does not lift an xfs hard limit either
  run tx run --rm --cap-add SYS_RESOURCE --storage-opt size=5M busybox sh -c 'dd if=/dev/zero of=/big bs=1M count=30 2>&1; ls -l /big'
  [[ "$output" == *"Disk quota exceeded"* || "$output" == *"No space left on device"* ]]
  sz=$(echo "$output" | awk '$NF == "/big" {print $5}')
  [ "$sz" -le $((5 * 1024 * 1024)) ]
}

@test "rm clears the project's limit and leaves nothing; ids are never reused, even after the counter is lost" {
  need_quota
  a=$(tx create --storage-opt size=10M busybox true)
  pa=$(projid_of "$XROOT/containers/$a/upper")
  [ "$(hard_kib "$pa")" = 10240 ]
  tx rm "$a" >/dev/null
  TD_ROOT=$XROOT td_wait_trash
  [ "$(hard_kib "$pa")" = 0 ]
  [ ! -e "$XROOT/containers/$a" ]
  [ -z "$(ls -A "$XROOT/trash" 2>/dev/null)" ]
  b=$(tx create --storage-opt size=20M busybox true)
  pb=$(projid_of "$XROOT/containers/$b/upper")
  [ "$pb" -gt "$pa" ]
  # the counter file lost: the ids the live containers hold are found again
  rm -f "$XROOT/containers/quota-next"
  c=$(tx create --storage-opt size=30M busybox true)
  pc=$(projid_of "$XROOT/containers/$c/upper")
  [ "$pc" -gt "$pb" ]
  [ "$(hard_kib "$pb")" = 20480 ]
  [ "$(hard_kib "$pc")" = 30720 ]
}

@test "a failure half way (the id cannot be recorded) undoes the container: exit 125, nothing left" {
  need_quota
  rm -f "$XROOT/containers/quota-next"
  mkdir "$XROOT/containers/quota-next" # a rename over it fails
  run tx run --name half --storage-opt size=10M busybox true
  rmdir "$XROOT/containers/quota-next"
  [ "$status" -eq 125 ]
  [[ "$output" == *"--storage-opt size"* ]]
  [ "$(xcount)" -eq 0 ]
  tx create --name half busybox true >/dev/null # the name was released
}

@test "attack: root in the container cannot move its files out of the project (FSSETXATTR, SETFLAGS)" {
  need_quota
  id=$(tx run -d --storage-opt size=4M -v "$PROJ:/projid:ro" busybox sh -c 'echo x >/f; mkdir /d; sleep 100')
  up=$XROOT/containers/$id/upper
  for i in $(seq 50); do [ -d "$up/d" ] && break; sleep 0.1; done
  p=$(projid_of "$up")
  for args in "set /f 0" "set /d 0" "set / 0" "noinherit /d" "noinherit /" "setflags /d" "set /f $((p + 1))"; do
    run tx exec "$id" /projid $args
    [ "$status" -ne 0 ]
    [[ "$output" == *"Operation not permitted"* ]]
  done
  # other ioctls still work
  run tx exec "$id" /projid tty
  [ "$output" = ok ]
  [ "$(projid_of "$up/f")" = "$p" ]
  [ "$(projid_of "$up/d")" = "$p" ]
  inherits "$up/d"
  # and the limit still holds for a file made in the directory
  run tx exec "$id" sh -c 'dd if=/dev/zero of=/d/big bs=1M count=20'
  [ "$(stat -c %s "$up/d/big")" -le $((4 * 1024 * 1024)) ]
}

@test "attack: a volume on the same xfs is outside the quota, and a link or rename from it into the rootfs is counted" {
  need_quota
  id=$(tx run -d --storage-opt size=6M -v qv:/vol busybox sleep 100)
  up=$XROOT/containers/$id/upper
  # 8M in the volume: not the container's layer (docker's volumes are not limited either)
  tx exec "$id" dd if=/dev/zero of=/vol/f bs=1M count=8 2>/dev/null
  run tx exec "$id" ln /vol/f /hl
  [ "$status" -ne 0 ] # another mount: EXDEV
  [ ! -e "$up/hl" ]
  # mv copies across mounts: the copy is charged to the project and stops at the limit
  run tx exec "$id" mv /vol/f /moved
  [ "$status" -ne 0 ]
  [ "$(stat -c %s "$up/moved" 2>/dev/null || echo 0)" -le $((6 * 1024 * 1024)) ]
  # from the host, the kernel keeps projects apart: a hard link into the upper dir is refused
  vf=$(tx volume inspect -f '{{.Mountpoint}}' qv)/g
  echo y >"$vf"
  run ln "$vf" "$up/hl2"
  [ "$status" -ne 0 ]
  tx rm -f "$id" >/dev/null
  tx volume rm qv >/dev/null
}

@test "attack: a second container's quota is its own (its id, its limit; the first's full layer does not stop it)" {
  need_quota
  a=$(tx run -d --storage-opt size=5M busybox sh -c 'dd if=/dev/zero of=/big bs=1M count=20; sleep 100')
  b=$(tx run -d --storage-opt size=20M busybox sleep 100)
  pa=$(projid_of "$XROOT/containers/$a/upper")
  pb=$(projid_of "$XROOT/containers/$b/upper")
  [ "$pa" != "$pb" ]
  for i in $(seq 50); do [ "$(stat -c %s "$XROOT/containers/$a/upper/big" 2>/dev/null || echo 0)" -ge $((4 * 1024 * 1024)) ] && break; sleep 0.1; done
  run tx exec "$b" sh -c 'dd if=/dev/zero of=/b bs=1M count=12 && echo wrote'
  [[ "$output" == *wrote* ]]
  [ "$(stat -c %s "$XROOT/containers/$b/upper/b")" -eq $((12 * 1024 * 1024)) ]
  [ "$(hard_kib "$pa")" = 5120 ]
  [ "$(hard_kib "$pb")" = 20480 ]
}

@test "ext4 with the project quota feature: decided by the probe (a limit that binds, or docker's refusal)" {
  have_loop || skip "no loop devices on this host"
  command -v mkfs.ext4 >/dev/null || skip "no mkfs.ext4"
  NQ=$TEST_TMP/ext4q
  truncate -s 300M "$NQ.img"
  mkfs.ext4 -q -F -O quota,project "$NQ.img" >/dev/null 2>&1 || skip "mkfs.ext4 has no project quota feature"
  mkdir -p "$NQ"
  mount -o loop,prjquota "$NQ.img" "$NQ" 2>/dev/null || skip "this kernel's ext4 has no project quotas: $(dmesg | grep -o 'EXT4-fs.*QUOTA.*' | tail -1)"
  mkdir -p "$NQ/root"
  TINYDOCKER_ROOT=$NQ/root "$TINYDOCKER" create-default >/dev/null
  run env TINYDOCKER_ROOT="$NQ/root" "$TINYDOCKER" run --name qe --network none --storage-opt size=5M busybox sh -c 'dd if=/dev/zero of=/big bs=1M count=20; echo rc=$?'
  if [ "$status" -eq 125 ]; then
    echo "# ext4 with prjquota: refused by the probe" >&3
    [[ "$output" == *"--storage-opt is supported only for overlay over xfs with 'pquota' mount option"* ]]
    [ -z "$(ls "$NQ/root/containers" | grep -E '^[0-9a-f]{64}$')" ]
  else
    echo "# ext4 with prjquota: accepted by the probe; the limit binds" >&3
    echo "$output"
    [[ "$output" == *"rc=1"* ]]
    id=$(TINYDOCKER_ROOT=$NQ/root "$TINYDOCKER" inspect -f '{{.Id}}' qe)
    [ "$(stat -c %s "$NQ/root/containers/$id/upper/big")" -le $((5 * 1024 * 1024)) ]
  fi
  TINYDOCKER_ROOT=$NQ/root "$TINYDOCKER" rm -f qe >/dev/null 2>&1 || true
  TD_ROOT=$NQ/root td_wait_trash || true
}
