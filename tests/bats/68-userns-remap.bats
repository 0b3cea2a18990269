#!/usr/bin/env bats
# User-namespace remapping (tinydocker --userns-remap, docker's dockerd --userns-remap) and
# run --userns host. The host's /etc/subuid and /etc/subgid are never touched: every command
# of this file runs in a private mount namespace of its own (bound at $TEST_TMP/mntns, slave
# to the host's) where the test's own files are bound over them. Assertions are the kernel's
# view from the host: /proc/PID/status, /proc/PID/uid_map, /proc/PID/ns/user, the owners of
# the files on disk. Attack tests: the remapped root cannot write a host root file through a
# bind mount, cannot read a host root 0600 file, cannot make device nodes, gets no handle on
# the host's user namespace (a bind of its nsfs file is refused), cannot rewrite its uid_map.
load ../helpers/engine
load ../helpers/remap

setup_file() {
  td_engine_setup_file
  td_engine_env
  remap_setup_file '# test ranges\ndockremap:100000:65536\ntdtest:200000:65536\n1234:300000:65536\ntiny:400000:1000\nbroken:x:1\nbroken:5\n65534:500000:65536\ndaemon:600000:65536\n' \
    'dockremap:100000:65536\ntdtest:200000:65536\ntdgroup:250000:65536\n1234:300000:65536\ntiny:400000:1000\nnogroup:500000:65536\n1:600000:65536\n'
}
setup() { td_engine_setup; }
teardown() { remap_rm_all; }
teardown_file() { remap_teardown_file; }

ctr_pid() { td inspect -f '{{.State.Pid}}' "$1"; }
status_ids() { awk -v k="$2:" '$1 == k {print $2, $3, $4, $5}' "/proc/$1/status"; }

@test "remapped: container root is host 100000, the rootfs root's inside, exec joins the namespace" {
  tdr run -d --name r1 --network none busybox sleep 60
  p=$(ctr_pid r1)
  [ "$(status_ids "$p" Uid)" = "100000 100000 100000 100000" ]
  [ "$(status_ids "$p" Gid)" = "100000 100000 100000 100000" ]
  read -r a b c <"/proc/$p/uid_map"
  [ "$a $b $c" = "0 100000 65536" ]
  read -r a b c <"/proc/$p/gid_map"
  [ "$a $b $c" = "0 100000 65536" ]
  [ "$(readlink /proc/$p/ns/user)" != "$(readlink /proc/$$/ns/user)" ]
  run td exec r1 id
  [ "$output" = "uid=0(root) gid=0(root) groups=0(root)" ]
  # exec is in the container's user namespace, not the host's
  run td exec r1 cat /proc/self/uid_map
  [[ "$output" =~ ^\ +0\ +100000\ +65536$ ]]
  # the image's files (on disk: owned by 0) are root's inside
  run td exec r1 stat -c '%u:%g' / /bin/busybox /etc/passwd
  [ "$output" = "$(printf '0:0\n0:0\n0:0')" ]
  # a file the container writes: root's inside, the remapped root's on the host (upper dir)
  td exec r1 sh -c 'echo hi >/made && echo x >>/etc/passwd'
  run td exec r1 stat -c '%u:%g' /made /etc/passwd
  [ "$output" = "$(printf '0:0\n0:0')" ]
  id=$(td inspect -f '{{.Id}}' r1)
  [ "$(stat -c %u:%g "$TD_ROOT/containers/$id/upper/made")" = "100000:100000" ]
  [ "$(stat -c %u:%g "$TD_ROOT/containers/$id/upper/etc/passwd")" = "100000:100000" ]
  # the layers on disk keep their own ids (no chowned copy of the store)
  [ "$(find "$TD_ROOT/layers" -user 100000 | wc -l)" = 0 ]
  # hosts, hostname, resolv.conf: the container root's, writable by it
  td exec r1 sh -c 'echo "10.9.9.9 x" >>/etc/hosts'
  run td inspect -f '{{json .HostConfig.UsernsMode}}' r1
  [ "$output" = '""' ]
}

@test "remapped: the default bridge network, /sys, /proc, hostname, restart keeps the mapping" {
  tdr run -d --name r2 --hostname rh busybox sleep 60
  run td exec r2 hostname
  [ "$output" = rh ]
  run td exec r2 sh -c 'ip -4 addr show eth0 | grep -c inet; ls /sys/class/net | sort | tr "\n" " "'
  [ "${lines[0]}" = 1 ]
  [[ "${lines[1]}" == *eth0* ]]
  run td exec r2 sh -c 'grep -E " /(proc|sys) " /proc/mounts | cut -d" " -f2,3'
  [[ "$output" == *"/proc proc"* ]] && [[ "$output" == *"/sys sysfs"* ]]
  # a start without the global flag: the record's mapping, not the command line's
  td stop -t 1 r2
  td start r2
  p=$(ctr_pid r2)
  [ "$(status_ids "$p" Uid)" = "100000 100000 100000 100000" ]
  run td exec r2 id -u
  [ "$output" = 0 ]
  id=$(td inspect -f '{{.Id}}' r2)
  [ "$(jq -c '[.Td.UidMap, .Td.GidMap]' "$TD_ROOT/containers/$id/container.json")" = '[["0 100000 65536"],["0 100000 65536"]]' ]
}

@test "remapped: volumes are the container root's (new ones chowned, filled ones through the map)" {
  tdr run --rm --network none -v uvol:/data -v /anon -v uetc:/etc busybox \
    sh -c 'touch /data/x /anon/x /etc/x && stat -c "%u:%g" /data /anon /data/x /etc /etc/passwd'
  [ "$(td run --rm --network none -v uvol:/d busybox stat -c %u /d/x)" = 100000 ]
  d=$TD_ROOT/volumes/uetc/_data
  [ "$(stat -c %u:%g "$d" "$d/passwd" "$d/x" | sort -u)" = "100000:100000" ]
  [ "$(stat -c %u:%g "$TD_ROOT/volumes/uvol/_data")" = "100000:100000" ]
  td volume rm uvol uetc >/dev/null
}

@test "remapped: the classic overlay option string and attached idmapped layers (older kernels), --rm" {
  TD_FORCE_LEGACY_OVERLAY=1 tdr run --rm --network none busybox \
    sh -c 'touch /made && stat -c %u:%g / /bin/busybox /made && cat /proc/self/uid_map' >"$TEST_TMP/out"
  [ "$(head -3 "$TEST_TMP/out" | sort -u)" = "0:0" ]
  [[ "$(tail -1 "$TEST_TMP/out")" =~ ^\ +0\ +100000\ +65536$ ]]
  [ "$(td_count)" = 0 ]
  # older kernels (6.1) refuse a detached idmapped layer: attached for the mount, then detached
  TD_FORCE_LEGACY_OVERLAY=1 TD_FORCE_IDMAP_STAGED=1 tdr run -d --name st1 --network none busybox sleep 60
  run td exec st1 sh -c 'touch /made && stat -c %u:%g / /bin/busybox /made'
  [ "$output" = "$(printf '0:0\n0:0\n0:0')" ]
  id=$(td inspect -f '{{.Id}}' st1)
  [ ! -e "$TD_ROOT/containers/$id/.idmap" ]
  run nsenter --mount="$TEST_TMP/mntns" findmnt -rn -o TARGET
  [[ "$output" != *".idmap"* ]]
}

@test "remapped: cp crosses the mapping both ways (root's files in are root's inside)" {
  echo in >"$TEST_TMP/cpin"
  tdr run -d --name c1 --network none busybox sleep 60
  td cp "$TEST_TMP/cpin" c1:/cpin
  tar -C "$TEST_TMP" -cf - cpin | td cp - c1:/tmp
  run td exec c1 stat -c %u:%g /cpin /tmp/cpin
  [ "$output" = "$(printf '0:0\n0:0')" ]
  id=$(td inspect -f '{{.Id}}' c1)
  [ "$(stat -c %u:%g "$TD_ROOT/containers/$id/upper/cpin")" = "100000:100000" ]
  td exec c1 sh -c 'echo out >/tmp/out'
  td cp -a c1:/tmp/out "$TEST_TMP/cpout"
  [ "$(stat -c %u:%g "$TEST_TMP/cpout")" = "0:0" ]
  run sh -c "nsenter --mount='$TEST_TMP/mntns' '$TINYDOCKER' cp c1:/tmp/out - | tar -tvf -"
  [[ "$output" == *" 0/0 "* ]]
}

@test "remapped: commit and export give the container's own ids, not the host's" {
  tdr run -d --name m1 --network none busybox sleep 60
  td exec m1 sh -c 'echo c >/made && chown 1000:1000 /made && echo x >>/etc/passwd'
  td commit m1 remapimg:t >/dev/null
  run td run --rm --network none remapimg:t stat -c %u:%g /made /etc/passwd /bin/busybox
  [ "$output" = "$(printf '1000:1000\n0:0\n0:0')" ]
  run sh -c "nsenter --mount='$TEST_TMP/mntns' '$TINYDOCKER' export m1 | tar -tvf - | grep -E ' (made|etc/passwd|bin/busybox)\$' | awk '{print \$2}' | sort"
  [ "$output" = "$(printf '0/0\n0/0\n1000/1000')" ]
  td rm -f m1 >/dev/null
  td rmi remapimg:t >/dev/null
}

@test "remapped: --network/--ipc container:X join X's user namespace too (docker's rule)" {
  tdr run -d --name jx --ipc shareable --network none busybox sleep 60
  tdr run -d --name jy --network container:jx --ipc container:jx busybox sleep 60
  px=$(ctr_pid jx) py=$(ctr_pid jy)
  for t in user net ipc; do [ "$(readlink /proc/$px/ns/$t)" = "$(readlink /proc/$py/ns/$t)" ]; done
  [ "$(status_ids "$py" Uid)" = "100000 100000 100000 100000" ]
  run td exec jy sh -c 'touch /x && stat -c %u:%g /x /bin/busybox'
  [ "$output" = "$(printf '0:0\n0:0')" ]
  # never the host's user namespace: a --userns host container is not joined by a remapped one
  td run -d --name jh --userns host --network none busybox sleep 60
  run tdr run --rm --network container:jh busybox true
  echo "$output"
  [ "$status" -eq 125 ]
  [[ "$output" == *"it runs in the host's user namespace (--userns host), this one is remapped"* ]]
}

@test "USER, USER:GROUP, UID and \$TINYDOCKER_USERNS_REMAP pick their ranges" {
  td --userns-remap tdtest run -d --name u1 --network none busybox sleep 60
  [ "$(status_ids "$(ctr_pid u1)" Uid)" = "200000 200000 200000 200000" ]
  td --userns-remap tdtest:tdgroup run -d --name u2 --network none busybox sleep 60
  p=$(ctr_pid u2)
  [ "$(status_ids "$p" Uid)" = "200000 200000 200000 200000" ]
  [ "$(status_ids "$p" Gid)" = "250000 250000 250000 250000" ]
  TINYDOCKER_USERNS_REMAP=1234 td run -d --name u3 --network none busybox sleep 60
  [ "$(status_ids "$(ctr_pid u3)" Uid)" = "300000 300000 300000 300000" ]
  # the flag over the environment; "" turns remapping off
  TINYDOCKER_USERNS_REMAP=1234 td --userns-remap= run -d --name u4 --network none busybox sleep 60
  [ "$(readlink /proc/$(ctr_pid u4)/ns/user)" = "$(readlink /proc/$$/ns/user)" ]
}

@test "subid(5) lines name a user or group by name or by number: either spelling finds them" {
  # the host's own nobody (65534) / nogroup (65534) and daemon (1) / daemon (1)
  getent passwd nobody daemon >/dev/null && getent group nogroup daemon >/dev/null ||
    skip "this host has no nobody/nogroup/daemon entries"
  [ "$(awk -F: '$1 == "nobody" {print $3}' /etc/passwd)" = 65534 ] || skip "nobody is not 65534 here"
  [ "$(awk -F: '$1 == "daemon" {print $3}' /etc/passwd)" = 1 ] || skip "daemon is not 1 here"
  # names given, the files hold numbers (subuid 65534, subgid 1)
  td --userns-remap nobody:daemon run -d --name n1 --network none busybox sleep 60
  p=$(ctr_pid n1)
  [ "$(status_ids "$p" Uid)" = "500000 500000 500000 500000" ]
  [ "$(status_ids "$p" Gid)" = "600000 600000 600000 600000" ]
  # numbers given, the files hold names (subuid daemon, subgid nogroup)
  td --userns-remap 1:65534 run -d --name n2 --network none busybox sleep 60
  p=$(ctr_pid n2)
  [ "$(status_ids "$p" Uid)" = "600000 600000 600000 600000" ]
  [ "$(status_ids "$p" Gid)" = "500000 500000 500000 500000" ]
}

@test "--userns host opts one container out: the host's user namespace, UsernsMode host" {
  tdr run -d --name h1 --userns host --network none busybox sleep 60
  p=$(ctr_pid h1)
  [ "$(readlink /proc/$p/ns/user)" = "$(readlink /proc/$$/ns/user)" ]
  [ "$(status_ids "$p" Uid)" = "0 0 0 0" ]
  run td inspect -f '{{json .HostConfig.UsernsMode}}' h1
  [ "$output" = '"host"' ]
  id=$(td inspect -f '{{.Id}}' h1)
  [ "$(jq -c '.Td.UidMap' "$TD_ROOT/containers/$id/container.json")" = null ]
  # docker's refusals are lifted with --userns host
  tdr run --rm --userns host --privileged --network host --pid host busybox true
}

@test "remapped: --ipc host and --uts host are allowed, as docker (no host /dev/mqueue needed)" {
  run tdr run --rm --network none --ipc host --uts host busybox sh -c 'id -u; hostname'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 0 ] && [ "${lines[1]}" = "$(hostname)" ]
}

@test "attack: the remapped root cannot write or read host root files, mknod, reach the host userns, remap itself" {
  echo host-secret >"$TEST_TMP/rootfile"
  chmod 644 "$TEST_TMP/rootfile"
  mkdir -p "$TEST_TMP/dir"
  echo private >"$TEST_TMP/dir/secret"
  chmod 600 "$TEST_TMP/dir/secret"
  # no handle on the host's user namespace gets in: a bind of its nsfs file is refused
  run tdr run --rm --network none -v /proc/$$/ns/user:/hostuserns busybox true
  echo "$output"
  [ "$status" -eq 125 ]
  [[ "$output" == *"bind source /proc/$$/ns/user: Permission denied"* ]]
  tdr run -d --name a1 --network none --cap-add SYS_ADMIN --security-opt seccomp=unconfined \
    -v "$TEST_TMP/rootfile:/rootfile" -v "$TEST_TMP/dir:/dir" busybox sleep 60
  # host root's files are nobody's inside
  run td exec a1 stat -c '%u:%g' /rootfile /dir/secret
  [ "$output" = "$(printf '65534:65534\n65534:65534')" ]
  run td exec a1 sh -c 'echo pwned >>/rootfile'
  [ "$status" -ne 0 ]
  [ "$(cat "$TEST_TMP/rootfile")" = host-secret ]
  run td exec a1 cat /dir/secret
  [ "$status" -ne 0 ] && [[ "$output" != *private* ]]
  run td exec a1 chown 0:0 /rootfile
  [ "$status" -ne 0 ]
  [ "$(stat -c %u "$TEST_TMP/rootfile")" = 0 ]
  # a device node (docker's default caps hold MKNOD: refused for the remapped root)
  run td exec a1 mknod /tmp/mem c 1 1
  [ "$status" -ne 0 ]
  # CAP_SYS_ADMIN is its own namespace's: no mount of the host's block devices, no sysfs rw
  run td exec a1 sh -c 'mount -o remount,rw /sys'
  [ "$status" -ne 0 ]
  # its maps are written once, by the host
  run td exec a1 sh -c 'echo "0 0 4294967295" >/proc/self/uid_map'
  [ "$status" -ne 0 ]
  run td exec a1 sh -c 'unshare -U true 2>/dev/null; cat /proc/1/uid_map'
  [[ "$output" =~ ^\ +0\ +100000\ +65536$ ]]
  # the store opened to the remapped root's group only (0710 root:100000): a local user
  # still cannot reach a container's files (CVE-2021-41091)
  [ "$(stat -c %a:%u:%g "$TD_ROOT" "$TD_ROOT/containers" | sort -u)" = "710:0:100000" ]
  id=$(td inspect -f '{{.Id}}' a1)
  run setpriv --reuid 65534 --regid 65534 --clear-groups stat "$TD_ROOT/containers/$id/upper"
  [ "$status" -ne 0 ]
}

@test "control: without remapping the same container root can mknod and write the bound file" {
  echo host >"$TEST_TMP/rootfile2"
  td run --rm --network none -v "$TEST_TMP/rootfile2:/rootfile" busybox \
    sh -c 'mknod /tmp/mem c 1 1 && echo x >>/rootfile'
  [ "$(wc -l <"$TEST_TMP/rootfile2")" = 2 ]
}

@test "bad input: docker's refusals, unknown names, malformed and short ranges; nothing created" {
  run tdr run --rm --privileged busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"privileged mode is incompatible with user namespaces.  You must run the container in the host namespace when running privileged mode"* ]]
  run tdr run --rm --network host busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"cannot share the host's network namespace when user namespaces are enabled"* ]]
  run tdr run --rm --pid host busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"cannot share the host PID namespace when user namespaces are enabled"* ]]
  run td --userns-remap nosuch run --rm busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *'no subuid ranges found for user "nosuch" in /etc/subuid'* ]]
  run td --userns-remap broken run --rm busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"/etc/subuid: line 6: malformed range of broken"* ]]
  run td --userns-remap tiny run --rm busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"hold 1000 ids, fewer than the 65536"* ]]
  # not docker's (no --rootfs there): a plain dir would not be shifted
  mkdir -p "$TEST_TMP/plainroot"
  run tdr run --rm --rootfs "$TEST_TMP/plainroot" /x
  [ "$status" -eq 125 ]
  [[ "$output" == *"--rootfs is not shifted for user namespaces: use --userns host, or an image"* ]]
  run td --userns-remap a:b:c run --rm busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"want default, USER[:GROUP] or UID[:GID]"* ]]
  # no subgid line names the group "tdnogroup" (not a host group either)
  run td --userns-remap tdtest:tdnogroup run --rm busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *'no subgid ranges found for user "tdnogroup" in /etc/subgid'* ]]
  # the store root below a dir the remapped root cannot search (mktemp -d's 0700)
  chmod 700 "$TEST_TMP"
  run tdr run --rm busybox true
  chmod 711 "$TEST_TMP"
  [ "$status" -eq 125 ]
  [[ "$output" == *"--userns-remap: $TEST_TMP (above the store root) is not searchable by the remapped root (uid 100000)"* ]]
  [ "$(td_count)" = 0 ]
  [ "$(ls "$TD_ROOT/containers/names" | wc -l)" = 0 ]
}

@test "default needs dockremap's ranges: docker's kind of error when they are missing" {
  nsenter --mount="$TEST_TMP/mntns" sh -c "mount --bind /dev/null /etc/subuid"
  run tdr run --rm busybox true
  nsenter --mount="$TEST_TMP/mntns" umount /etc/subuid
  [ "$status" -eq 125 ]
  [[ "$output" == *'--userns-remap default: no subuid ranges found for user "dockremap" in /etc/subuid'* ]]
  [[ "$output" == *'tinydocker creates no users'* ]]
  [ "$(td_count)" = 0 ]
  ! getent passwd dockremap
}

@test "nothing left behind after rm: mounts, the container dir, processes" {
  tdr run -d --name g1 --network none busybox sleep 60
  id=$(td inspect -f '{{.Id}}' g1)
  p=$(ctr_pid g1)
  td rm -f g1
  [ ! -e "$TD_ROOT/containers/$id" ]
  ! kill -0 "$p" 2>/dev/null
  run nsenter --mount="$TEST_TMP/mntns" findmnt -rn -o TARGET
  [[ "$output" != *"$id"* ]]
  [ "$(td_mounts_under_root)" -le 1 ] # the namespace's own bind
}
