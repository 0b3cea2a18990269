#!/usr/bin/env bash
# Crash consistency (issue 18, item 3): kill -9 at a random point (0-300 ms) of every
# state-changing command and of a container's monitor, in loops, against one private store.
# After each kill: every command still works (run --rm, ps, network ls, volume ls), `ps` agrees
# with the kernel (a running container has a live init, a stopped one has none). At the end:
# rm -f of everything leaves no mounts, cgroups, veths, nft elements, IPAM addresses,
# monitors or files beyond the empty store.
#
#   tests/crash/crash.sh [ROUNDS]        (default 3; CRASH_ONLY="rm stop" runs those kinds)
#
# Only processes this script started are killed, by pid. Exits 0 when every check held.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
. "$REPO/tests/helpers/offline.bash" # never a remote registry
BUILD_DIR=${BUILD_DIR:-$REPO/build}
TD=$BUILD_DIR/tinydocker
ROUNDS=${1:-${CRASH_ROUNDS:-3}}
KINDS=${CRASH_ONLY:-"create start stop rm commit pull load netcreate netconnect netrm volrm monstart monrun monexit"}
T=$(mktemp -d /tmp/td-crash.XXXXXX)
export TINYDOCKER_ROOT=$T/root
FAILS=0
REG_PID=

say() { printf '%s\n' "$*" >&2; }
fail() {
  say "FAIL: $*"
  FAILS=$((FAILS + 1))
}
td() { "$TD" "$@"; }

cleanup() {
  [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null
  local ids
  ids=$(td ps -aq --no-trunc 2>/dev/null)
  [ -z "$ids" ] || td rm -f $ids >/dev/null 2>&1
  "$BUILD_DIR/tests/helpers/td-nettool" network cleanup >/dev/null 2>&1
  findmnt -rn -o TARGET | grep "^$T" | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' INT TERM # the EXIT trap cleans up then too

# A random delay of 0-300 ms.
rdelay() { sleep "$(printf '0.%03d' $((RANDOM % 301)))"; }

# killrun CMD...: run a tinydocker command, kill -9 it after a random delay.
killrun() {
  "$TD" "$@" >/dev/null 2>&1 &
  local pid=$!
  rdelay
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

# The monitor (the init's parent) of a running container, by its record's init pid.
monitor_of() {
  local pid
  pid=$(td inspect -f '{{.State.Pid}}' "$1" 2>/dev/null) || return 1
  [ "$pid" -gt 0 ] 2>/dev/null || return 1
  awk '/^PPid/ {print $2}' "/proc/$pid/status" 2>/dev/null
}

# Every id the store ever showed (for the cgroup check at the end).
note_ids() {
  ls "$T/root/containers" "$T/root/trash" 2>/dev/null | grep -E '^[0-9a-f]{64}$' >>"$T/ids"
}

# ps agrees with the kernel: running <-> a live init (checked twice over a second: an exit may
# be on its way to the record).
check_truth() {
  local try bad line id st pid
  for try in 1 2 3 4 5; do
    bad=
    while read -r id st pid; do
      [ -n "$id" ] || continue
      case "$st" in
      running | paused)
        [ "$pid" -gt 0 ] && [ -e "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat")" != Z ] ||
          bad="$bad $id:$st:pid$pid-dead"
        ;;
      created | exited)
        [ "$pid" -eq 0 ] || bad="$bad $id:$st:pid$pid"
        ;;
      dead) ;; # a killed create's directory: ps removes it once quiet (checked at the end)
      restarting | removing) ;;
      *) bad="$bad $id:unknown-$st" ;;
      esac
    done < <(td ps -aq --no-trunc | xargs -r "$TD" inspect -f '{{.Id}} {{.State.Status}} {{.State.Pid}}' 2>/dev/null)
    [ -z "$bad" ] && return 0
    sleep 0.3
  done
  fail "ps disagrees with the kernel after $1:$bad"
}

# Every command still works.
check_works() {
  td ps -a >/dev/null || fail "ps after $1"
  td network ls >/dev/null || fail "network ls after $1"
  td volume ls >/dev/null || fail "volume ls after $1"
  local out
  out=$(timeout 30 "$TD" run --rm busybox echo ok 2>&1) || fail "run --rm after $1: $out"
  [ "$out" = ok ] || fail "run --rm after $1 said: $out"
}

# --- one kill of each kind ------------------------------------------------------------------
k_create() { killrun create --name "cr$1" busybox sleep 1000; }
k_start() {
  td create --name "st$1" busybox sleep 1000 >/dev/null && killrun start "st$1"
}
k_stop() {
  td run -d --name "sp$1" busybox sleep 1000 >/dev/null && killrun stop -t 1 "sp$1"
}
k_rm() {
  td run -d --name "rm$1" -p 80 busybox sleep 1000 >/dev/null && killrun rm -f "rm$1"
}
k_commit() {
  td run -d --name "cm$1" busybox sh -c 'echo x >/f; sleep 1000' >/dev/null &&
    killrun commit "cm$1" "crashimg:$1"
}
k_pull() {
  [ -n "$REG_PID" ] || return 0
  td rmi "$REG/bb:1" >/dev/null 2>&1
  killrun pull "$REG/bb:1"
}
k_load() {
  td rmi crashload:1 >/dev/null 2>&1
  killrun load -i "$T/bb.tar"
}
k_netcreate() { killrun network create "cn$1"; }
k_netconnect() {
  td network create "cc$1" >/dev/null 2>&1
  td run -d --name "nc$1" busybox sleep 1000 >/dev/null && killrun network connect "cc$1" "nc$1"
}
k_netrm() {
  td network create "nr$1" >/dev/null 2>&1 && killrun network rm "nr$1"
}
k_volrm() {
  td volume create "vr$1" >/dev/null && td run --rm -v "vr$1:/v" busybox sh -c 'echo x >/v/f' >/dev/null &&
    killrun volume rm "vr$1"
}
# the monitor: as soon as it exists (at start), while the container runs, at the container's exit
k_monstart() {
  "$TD" run -d --name "ms$1" busybox sleep 1000 >/dev/null 2>&1 &
  local cli=$! m i
  for i in $(seq 100); do
    m=$(pgrep -P "$cli" 2>/dev/null | head -1)
    [ -z "$m" ] && m=$(monitor_of "ms$1")
    [ -n "$m" ] && break
    sleep 0.01
  done
  rdelay
  [ -n "$m" ] && [ "$(cat "/proc/$m/comm" 2>/dev/null)" = td-monitor ] && kill -9 "$m"
  wait "$cli" 2>/dev/null
  return 0
}
# the exit is recorded (its own code) and the restart policy goes on: on-failure:2 ends exited 3
# after two restarts
k_monrun() {
  td run -d --name "mr$1" --restart on-failure:2 busybox sh -c 'sleep 0.5; exit 3' >/dev/null || return 0
  local m i st
  m=$(monitor_of "mr$1") || return 0
  rdelay
  [ "$(cat "/proc/$m/comm" 2>/dev/null)" = td-monitor ] && kill -9 "$m"
  for i in $(seq 100); do
    st=$(td inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}' "mr$1" 2>/dev/null)
    [ "${st%% *}" = exited ] && break
    sleep 0.1
  done
  [ "$st" = "exited 3 2" ] || fail "monitor killed while running: on-failure:2 ended as '$st' (want 'exited 3 2')"
}
# --rm still removes the container
k_monexit() {
  td run -d --rm --name "me$1" busybox sh -c 'sleep 0.2; exit 4' >/dev/null || return 0
  local m i
  m=$(monitor_of "me$1") || return 0
  rdelay
  [ "$(cat "/proc/$m/comm" 2>/dev/null)" = td-monitor ] && kill -9 "$m"
  for i in $(seq 50); do
    td ps -a --format '{{.Names}}' | grep -qx "me$1" || return 0
    sleep 0.1
  done
  fail "monitor killed near the exit: the --rm container me$1 is still there: $(td ps -a --format '{{.Names}} {{.Status}}' | grep "me$1")"
}

# --- setup ------------------------------------------------------------------------------------
td create-default >/dev/null || {
  say "create-default failed"
  exit 1
}
# the image store as it is with busybox alone: what is left beyond it at the end is a leak
ls "$T/root/images/blobs/sha256" | sort >"$T/blobs0"
ls "$T/root/layers" | sort >"$T/layers0"
td tag busybox crashload:1 && td save -o "$T/bb.tar" crashload:1 || fail "save"
if command -v docker-registry >/dev/null && command -v curl >/dev/null; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  REG=127.0.0.1:$port
  mkdir -p "$T/reg"
  printf 'version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: %s}\n' \
    "$T/reg/data" "$REG" >"$T/reg/config.yml"
  docker-registry serve "$T/reg/config.yml" >"$T/reg/log" 2>&1 &
  REG_PID=$!
  for i in $(seq 50); do curl -s -o /dev/null "http://$REG/v2/" && break; sleep 0.1; done
  td tag busybox "$REG/bb:1" && td push "$REG/bb:1" >/dev/null 2>&1 || {
    say "no registry push: pull is skipped"
    kill "$REG_PID"
    REG_PID=
  }
fi
td run -d --name probe -p 80 busybox sleep 1000 >/dev/null && td rm -f probe >/dev/null
BR=$(td network inspect bridge | jq -r '.[0].Options["com.docker.network.bridge.name"]')
[ -n "$BR" ] && [ "$BR" != null ] || {
  say "no default bridge"
  exit 1
}
TABLE=$(nft list tables 2>/dev/null | awk '{print $3}' | while read -r t; do
  nft list set inet "$t" bridges 2>/dev/null | grep -q "\"$BR\"" && echo "$t"
done | head -1)
[ -n "$TABLE" ] || fail "no nft table names $BR"

# --- the loops -------------------------------------------------------------------------------
n=0
for r in $(seq "$ROUNDS"); do
  for k in $KINDS; do
    n=$((n + 1))
    "k_$k" "$n"
    note_ids
    check_works "$k#$n"
    note_ids
    check_truth "$k#$n"
  done
  say "round $r: $FAILS failures so far"
done

# --- everything removed: nothing left --------------------------------------------------------
sleep 1 # adopters of the last monitor kills
# what killed creates left is swept by ps once quiet (2 s; 10 s without its creator file)
for i in $(seq 60); do
  dead=$(td ps -a --format '{{.Names}} {{.State}}' | grep ' dead$')
  [ -z "$dead" ] && break
  sleep 0.25
done
[ -z "$dead" ] || fail "killed creates' directories not swept: $dead"
ids=$(td ps -aq --no-trunc)
[ -z "$ids" ] || td rm -f $ids >/dev/null || fail "rm -f of everything"
for v in $(td volume ls -q); do td volume rm "$v" >/dev/null || fail "volume rm $v"; done
for nw in $(td network ls --format '{{.Name}}'); do
  case "$nw" in bridge | host | none) ;; *) td network rm "$nw" >/dev/null || fail "network rm $nw" ;; esac
done
for im in $(td images --format '{{.Repository}}:{{.Tag}}'); do
  [ "$im" = busybox:latest ] || td rmi "$im" >/dev/null || fail "rmi $im"
done
for im in $(td images -q --filter dangling=true); do td rmi "$im" >/dev/null || fail "rmi $im"; done
td ps -a >/dev/null # the sweep
for i in $(seq 100); do [ -z "$(ls -A "$T/root/trash" 2>/dev/null)" ] && break; sleep 0.1; done
[ -z "$(td ps -aq)" ] || fail "containers left: $(td ps -a)"
[ "$(findmnt -rn -o TARGET | grep -c "^$T")" -eq 0 ] || fail "mounts left: $(findmnt -rn -o TARGET | grep "^$T")"
for id in $(sort -u "$T/ids" 2>/dev/null); do
  d=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "$id" 2>/dev/null)
  [ -z "$d" ] || fail "cgroup left: $d"
  [ ! -e "$T/root/run/$id" ] || fail "runtime state left: $id"
done
left=$(find "$T/root/containers" -mindepth 1 -not -path "$T/root/containers/names" -not -name .lock)
[ -z "$left" ] || fail "files left in the store: $left"
[ -z "$(ls -A "$T/root/trash" 2>/dev/null)" ] || fail "trash left: $(ls "$T/root/trash")"
tmps=$(find "$T/root" -name '*.tmp*' -o -name '.tmp*' 2>/dev/null | grep -v "^$T/root/tmp$")
[ -z "$tmps" ] || fail "half-written files left: $tmps"
[ -z "$(ls -A "$T/root/tmp" 2>/dev/null)" ] || fail "tmp left: $(ls "$T/root/tmp")"
[ -z "$(ls -A "$T/root/exports" 2>/dev/null)" ] || fail "exports left: $(ls "$T/root/exports")"
extra=$(ls "$T/root/images/blobs/sha256" | sort | comm -13 "$T/blobs0" -)
[ -z "$extra" ] || fail "blobs left beyond busybox's: $extra"
extra=$(ls "$T/root/layers" | sort | comm -13 "$T/layers0" -)
[ -z "$extra" ] || fail "layers left beyond busybox's: $extra"
ips=$(find "$T/root/networks" -path '*/ips/*' 2>/dev/null)
[ -z "$ips" ] || fail "IPAM addresses left: $ips"
[ -z "$BR" ] || [ -z "$(ip -o link show master "$BR" 2>/dev/null)" ] || fail "veths left on $BR"
if [ -n "$TABLE" ]; then
  el=$(nft list table inet "$TABLE" 2>/dev/null | grep -E '[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+ \. [0-9]+' || true)
  [ -z "$el" ] || fail "nft elements left in $TABLE: $el"
  # only the default network's bridge is left in the table's sets
  brs=$(nft -j list set inet "$TABLE" bridges 2>/dev/null | jq -r '.nftables[].set.elem[]? // empty' | grep -vx "$BR")
  [ -z "$brs" ] || fail "bridges of removed networks left in $TABLE: $brs"
  for b in $brs; do ip link show "$b" >/dev/null 2>&1 && fail "bridge left: $b"; done
fi
for p in $(pgrep -x td-monitor) $(pgrep -x td-adopter); do
  ls -l "/proc/$p/fd" 2>/dev/null | grep -q "$T" && fail "monitor left: $p"
done
say "$n kills, $FAILS failures"
[ "$FAILS" -eq 0 ]
