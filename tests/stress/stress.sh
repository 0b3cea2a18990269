#!/usr/bin/env bash
# The stress test of issue 18: WORKERS workers in parallel against ONE --root, ROUNDS rounds.
# Each worker loops ITERS times over a mix in which nothing is expected to fail (every name,
# network, volume and tag is its own):
#   run --rm -p 80 busybox hostname             a short container with a published port
#   volume create; run -d --name -p 80 -v VOL:/data   a long one (traps TERM: stop ends it)
#   inspect (running, live pid); exec true; exec cat /etc/hostname (its short id)
#   network create; network connect; exec ip addr show eth1; run --rm --network NET true;
#   network disconnect; network rm
#   tag busybox stress-W:rR-I; rmi that tag
#   ps -a (shows it); logs (its first line); stop, inspect (exited 0, pid gone) and rm, or
#   rm -f while it runs (every other iteration); inspect (refused: No such object, as docker); volume rm
# beside a checker that loops over the whole store: every container `ps` and `inspect` call
# running has a live pid (after a grace for its monitor to record an exit), every record seen
# twice is in `ps -a`, and every name points to a container directory.
#
# It fails on:
# - a hang: a command running over CMD_TIMEOUT s, or a round over ROUND_TIMEOUT s (a
#   watchdog); first it writes the evidence (every process of the test: its cmdline, state,
#   wchan, /proc/PID/stack, fds, `gdb -p PID -batch -ex "thread apply all bt"`, and the
#   flocks of /proc/locks) to $EVIDENCE and stderr;
# - a non-zero exit: none is allowed unless its stderr matches ALLOWED_REFUSALS (a regex,
#   empty by default). The mix's one expected refusal is checked as such: `inspect` of the
#   container the worker has just removed must fail with `No such object: NAME` (docker's inspect);
# - a wrong answer (hostname, addresses, logs, exit code, ps);
# - a leak after the round, against the store as it was after the warm-up: mounts under the
#   test's directory, files under the root (records, runtime state, trash, names, IPAM
#   addresses and port claims, endpoints, volumes; image layers' contents aside), processes
#   with anything open under the root (monitors, their containers), our nft table (its
#   elements), ports on the root's bridges, bridges of removed networks, new tdv* veths with
#   no bridge, cgroups of the round's containers;
# - a store inconsistency (above).
#
# Environment: WORKERS (4), ITERS (2: 20 commands each), ROUNDS (1), DURATION (seconds: if
# set, rounds go on until it has passed; bench/soak.sh), CMD_TIMEOUT (60), ROUND_TIMEOUT (300),
# TINYDOCKER (build/tinydocker), STRESS_ROOT (an existing root to use, e.g. with long-lived
# containers in it: they are part of the baseline; default a new one under /tmp), EVIDENCE
# (where a hang's evidence goes), KEEP=1 (keep the test directory after a failure),
# STRESS_INJECT=leak|hang|refusal (a fault it must catch: tests/bats/61-stress.bats).
# After a failure it kills the test's own processes (a hang leaves them holding locks): only
# pids that show themselves to be the test's (see test_pids), at most 64.
# Exit 0 when every round passed; 1 on a failure; 2 on bad usage.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
. tests/helpers/offline.bash # never a remote registry
REPO=$PWD
TD=${TINYDOCKER:-$REPO/${BUILD:-build}/tinydocker}
WORKERS=${WORKERS:-4}
ITERS=${ITERS:-2}
ROUNDS=${ROUNDS:-1}
DURATION=${DURATION:-0}
CMD_TIMEOUT=${CMD_TIMEOUT:-60}
ROUND_TIMEOUT=${ROUND_TIMEOUT:-300}
ALLOWED_REFUSALS=${ALLOWED_REFUSALS:-}
LEAK_WAIT=${LEAK_WAIT:-20}
[ -x "$TD" ] || { echo "stress: no $TD (build first)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "stress: needs root" >&2; exit 2; }

BASE=$(mktemp -d /tmp/td-stress.XXXXXX)
S=$BASE/state # the script's own files (outside the root)
mkdir -p "$S"
if [ -n "${STRESS_ROOT:-}" ]; then
  ROOT=$STRESS_ROOT
  OWN_ROOT=0
else
  ROOT=$BASE/root
  OWN_ROOT=1
fi
export TINYDOCKER_ROOT=$ROOT
RUN=$$.$(date +%s%N) # marks the environment of every tinydocker process of this test
EVIDENCE=${EVIDENCE:-/tmp/td-stress-evidence.$RUN.txt}
NCMD=0
log() { echo "# $*" >&2; }
fail() { echo "$*" >>"$S/failures"; log "FAIL: $*"; }

# ---------------------------------------------------------------- the test's processes
# Every process that itself has the marker in its environment (the CLIs and, until they exec,
# the monitors), something open under the root (cwd, root, an fd: monitors hold the log), or a
# cgroup of one of the round's containers (their processes). Nothing is found by walking the
# process tree: a pid must show it is ours by itself. Never this script or its subshells.
test_pids() {
  local own=" $$ $BASHPID " p
  {
    grep -laF -- "TD_STRESS_RUN=$RUN" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3
    find /proc/[0-9]*/cwd /proc/[0-9]*/root /proc/[0-9]*/fd -maxdepth 1 -lname "$ROOT/*" \
      2>/dev/null | cut -d/ -f3
    if [ -s "$S/ids" ]; then
      sed 's|^|/tinydocker/|' "$S/ids" >"$S/ids.cg"
      grep -lF -f "$S/ids.cg" /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3
    fi
  } | sort -un | while read -r p; do
    [ "$p" -gt 1 ] 2>/dev/null || continue
    [[ $own == *" $p "* ]] || [ ! -d "/proc/$p" ] || echo "$p"
  done
}


# SIGKILL to the test's processes, at most 64 of them (more means the finder is wrong: kill
# nothing and say so).
kill_test_pids() {
  local pids p
  pids=$(test_pids)
  [ -n "$pids" ] || return 0
  if [ "$(wc -w <<<"$pids")" -gt 64 ]; then
    log "refusing to kill $(wc -w <<<"$pids") processes: the finder is wrong"
    return 1
  fi
  for p in $pids; do
    log "killing pid $p: $(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null | head -c 100)"
    kill -KILL "$p" 2>/dev/null
  done
}

# For the evidence (read only): the test's processes, the running commands, and their children
# (a container's init is its monitor's child).
evidence_pids() {
  local f start p rest
  {
    test_pids
    for f in "$S"/cur.*; do read -r start p rest <"$f" 2>/dev/null && echo "$p"; done
  } | sort -un >"$S/ev.pids"
  ps -eo pid=,ppid= | awk 'NR == FNR && FILENAME ~ /ev.pids$/ { want[$1] = 1; print $1; next }
    ($2 in want) { print $1 }' "$S/ev.pids" - | sort -un
}

# The evidence of a hang, before anything is killed.
dump_evidence() { # why
  {
    echo "=== stress hang evidence: $1 ($(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg))"
    echo "root: $ROOT"
    local p f
    for f in "$S"/cur.*; do [ -s "$f" ] && echo "running: ${f##*/}: $(cat "$f")"; done
    echo "--- lock files (inode path)"
    find "$ROOT" -maxdepth 3 \( -name .lock -o -name lock \) -printf '%i %p\n' 2>/dev/null
    echo "--- /proc/locks"
    cat /proc/locks
    for p in $(evidence_pids | head -64); do
      echo
      echo "=== pid $p ppid $(awk '/^PPid/ {print $2}' /proc/$p/status 2>/dev/null) comm $(cat /proc/$p/comm 2>/dev/null)"
      echo "cmdline: $(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null)"
      grep -E '^(State|Tgid|NSpid|Threads)' /proc/$p/status 2>/dev/null
      echo "wchan: $(cat /proc/$p/wchan 2>/dev/null)"
      echo "--- stack"
      cat /proc/$p/stack 2>/dev/null
      for f in /proc/$p/task/*; do
        [ "${f##*/}" = "$p" ] && continue
        echo "--- task ${f##*/} wchan $(cat "$f/wchan" 2>/dev/null)"
        cat "$f/stack" 2>/dev/null
      done
      echo "--- fds"
      ls -l /proc/$p/fd 2>/dev/null | awk 'NR > 1 {print $(NF-2), $(NF-1), $NF}'
      echo "--- gdb"
      timeout 60 gdb -p "$p" -batch -ex 'thread apply all bt' 2>&1 |
        grep -vE '^(\[New LWP|warning: (Could not load|Unable to find)|\[Thread debugging)'
    done
  } >>"$EVIDENCE" 2>&1
  log "hang evidence in $EVIDENCE:"
  sed 's/^/#   /' "$EVIDENCE" >&2
}

# ---------------------------------------------------------------- one watched command
# tdq WHO ARGS...: tinydocker ARGS under the watchdog, stdout in $OUT, its exit status.
tdq() {
  local who=$1 rc p
  shift
  TD_STRESS_RUN=$RUN "$TD" "$@" >"$S/out.$who" 2>"$S/err.$who" </dev/null &
  p=$!
  echo "$(date +%s) $p $BASHPID $*" >"$S/cur.$who"
  wait "$p"
  rc=$?
  : >"$S/cur.$who"
  OUT=$(<"$S/out.$who")
  echo x >>"$S/count.$who"
  return "$rc"
}

# tdc WHO ARGS...: as tdq, and a non-zero exit fails the test unless its stderr matches
# ALLOWED_REFUSALS (then it returns 1 as well, logged as a refusal).
tdc() {
  local who=$1 rc
  tdq "$@"
  rc=$?
  shift
  [ "$rc" = 0 ] && return 0
  if [ -n "$ALLOWED_REFUSALS" ] && grep -qE -- "$ALLOWED_REFUSALS" "$S/err.$who"; then
    echo "$who: tinydocker $*: $(head -c 300 "$S/err.$who")" >>"$S/refusals"
    return 1
  fi
  fail "$who: tinydocker $* exited $rc: $(head -c 600 "$S/err.$who")"
  return 1
}

want() { # who what got expected-regex
  [[ $3 =~ $4 ]] && return 0
  fail "$1: $2: got '$3', wanted /$4/"
  return 1
}

alive() { [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# ---------------------------------------------------------------- the mix
worker() { # round w
  local r=$1 w=$2 i n net vol tag id pid t
  for i in $(seq "$ITERS"); do
    n=st$r-$w-$i net=stn$r-$w-$i vol=stv$r-$w-$i tag=stress-$w:r$r-$i
    tdc "$w" run --rm -p 80 busybox hostname || return
    want "$w" "run --rm hostname" "$OUT" '^[0-9a-f]{12}$' || return
    echo "$OUT" >>"$S/ids"
    tdc "$w" volume create "$vol" || return
    tdc "$w" run -d --name "$n" -p 80 -v "$vol:/data" busybox \
      sh -c 'trap "exit 0" TERM; echo started; sleep 86400 & wait' || return
    id=$OUT
    want "$w" "run -d" "$id" '^[0-9a-f]{64}$' || return
    echo "${id:0:12}" >>"$S/ids"
    tdc "$w" inspect -f '{{.State.Status}} {{.State.Pid}}' "$n" || return
    want "$w" "inspect $n" "$OUT" '^running [0-9]+$' || return
    pid=${OUT#running }
    alive "$pid" || { fail "$w: $n: inspect says running with pid $pid, which is not alive"; return; }
    tdc "$w" exec "$n" true || return
    tdc "$w" exec "$n" cat /etc/hostname || return
    want "$w" "exec $n cat /etc/hostname" "$OUT" "^${id:0:12}\$" || return
    tdc "$w" network create "$net" || return
    jq -r .Bridge "$ROOT/networks/$OUT.json" >>"$S/bridges" || { fail "$w: no record of network $net"; return; }
    tdc "$w" network connect "$net" "$n" || return
    tdc "$w" exec "$n" ip -o -4 addr show eth1 || return
    want "$w" "eth1 of $n on $net" "$OUT" 'inet [0-9.]+/[0-9]+' || return
    tdc "$w" run --rm --network "$net" busybox true || return
    tdc "$w" network disconnect "$net" "$n" || return
    tdc "$w" network rm "$net" || return
    tdc "$w" tag busybox "$tag" || return
    tdc "$w" rmi "$tag" || return
    want "$w" "rmi $tag" "$OUT" "Untagged: .*$tag" || return
    tdc "$w" ps -a --no-trunc --format '{{.ID}} {{.Names}} {{.State}}' || return
    grep -qx "$id $n running" <<<"$OUT" || { fail "$w: ps -a: no line '$id $n running' in: $OUT"; return; }
    for t in $(seq 50); do
      tdc "$w" logs "$n" || return
      [ "$OUT" = started ] && break
      sleep 0.1
    done
    want "$w" "logs $n" "$OUT" '^started$' || return
    if [ $((i % 2)) = 1 ]; then
      tdc "$w" stop "$n" || return
      tdc "$w" inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$n" || return
      want "$w" "inspect $n after stop" "$OUT" '^exited 0$' || return
      alive "$pid" && { fail "$w: $n: stopped, but its pid $pid is alive"; return; }
      tdc "$w" rm "$n" || return
    else
      tdc "$w" rm -f "$n" || return # running
      alive "$pid" && { fail "$w: $n: removed, but its pid $pid is alive"; return; }
    fi
    # gone: the one refusal of the mix, expected here
    tdq "$w" inspect "$n" && { fail "$w: $n: removed, but inspect still finds it"; return; }
    grep -q "No such object: $n" "$S/err.$w" || { fail "$w: inspect $n after rm: $(head -c 300 "$S/err.$w")"; return; }
    tdc "$w" volume rm "$vol" || return
    [ "$w$i" = 11 ] && inject "$w"
  done
}

# STRESS_INJECT: a fault the test must catch (tests/bats/61-stress.bats checks it does).
inject() { # w
  case "${STRESS_INJECT:-}" in
  leak) # a container nobody removes
    tdc "$1" run -d busybox sleep 86400 && echo "${OUT:0:12}" >>"$S/ids" ;;
  hang) # a command that does not end
    tdc "$1" run --rm busybox sleep 86400 ;;
  refusal) # a command that fails
    tdc "$1" rm stress-no-such-container ;;
  esac
}

# The checker: the whole store, looked at from outside while the workers change it.
check_store() {
  local who=c ps id st pid name t
  local -A rec1=()
  for id in "$ROOT"/containers/*/container.json; do
    id=${id%/container.json}
    id=${id##*/}
    [[ $id =~ ^[0-9a-f]{64}$ ]] && rec1[$id]=1
  done
  tdc $who ps -a --no-trunc --format '{{.ID}} {{.State}}' || return
  ps=$OUT
  # every record there before and after ps is in it
  for id in "${!rec1[@]}"; do
    [ -e "$ROOT/containers/$id/container.json" ] || continue
    [[ $ps == *"$id "* ]] || fail "checker: $id has a record before and after ps -a, but ps -a does not show it"
  done
  # every container ps calls running has a live pid (an init that just ended: its monitor
  # records the exit within the grace)
  while read -r id st; do
    [ "$st" = running ] || continue
    for t in $(seq 50); do
      tdq c2 inspect -f '{{.State.Status}} {{.State.Pid}}' "$id" || break
      read -r st pid <<<"$OUT"
      [ "$st" = running ] || break
      alive "$pid" && break
      [ "$t" = 50 ] && fail "checker: $id: running with pid $pid dead for 5 s"
      sleep 0.1
    done
  done <<<"$ps"
  # every name points to a container directory (a name is reserved after the directory is
  # made and released before it goes)
  for name in "$ROOT"/containers/names/*; do
    [ -L "$name" ] || continue
    t=$(readlink "$name") || continue
    if [ ${#t} = 43 ]; then
      id=$(printf '%s=' "$t" | basenc --base64url -d 2>/dev/null | od -An -tx1 | tr -d ' \n')
    else
      id=$t
    fi
    [ -d "$ROOT/containers/$id" ] && continue
    [ "$(readlink "$name" 2>/dev/null)" = "$t" ] || continue # released meanwhile
    fail "checker: name ${name##*/} points to $id, which has no directory"
  done
}

checker() {
  while [ ! -e "$S/stop" ]; do
    check_store
    sleep 0.5
  done
}

# ---------------------------------------------------------------- the watchdog
watchdog() { # round start-time
  local r=$1 t0=$2 f now start p parent rest
  while [ ! -e "$S/stop" ]; do
    sleep 1
    now=$(date +%s)
    for f in "$S"/cur.*; do
      read -r start p parent rest <"$f" 2>/dev/null || continue
      [ -n "${start:-}" ] && [ $((now - start)) -gt "$CMD_TIMEOUT" ] || continue
      [ -e "$S/hung.$p" ] && continue
      touch "$S/hung" "$S/hung.$p"
      fail "round $r: ${f##*/cur.}: tinydocker $rest (pid $p) hung for over ${CMD_TIMEOUT}s"
      dump_evidence "round $r: tinydocker $rest (pid $p) over ${CMD_TIMEOUT}s"
      end_cmd "$p" "$parent"
    done
    if [ $((now - t0)) -gt "$ROUND_TIMEOUT" ]; then
      fail "round $r: not done after ${ROUND_TIMEOUT}s"
      dump_evidence "round $r over ${ROUND_TIMEOUT}s"
      touch "$S/hung" "$S/stop"
      for f in "$S"/cur.*; do
        read -r start p parent rest <"$f" 2>/dev/null && end_cmd "$p" "$parent"
      done
      return
    fi
  done
}

# SIGKILL to a hung command: only while it is still the child of the worker that started it
end_cmd() { # pid worker-pid
  [ "$(awk '/^PPid/ {print $2}' "/proc/$1/status" 2>/dev/null)" = "$2" ] && kill -KILL "$1"
}

# ---------------------------------------------------------------- leaks
our_table() {
  local t
  for t in $(nft list tables 2>/dev/null | awk '$2 == "inet" && $3 ~ /^tinydocker/ {print $3}'); do
    nft list table inet "$t" 2>/dev/null | grep -qF "comment \"$ROOT\"" && { echo "$t"; return; }
  done
}

# Everything that must be as it was after the warm-up. An address claim is shown by the
# container that holds it (a container of the baseline restarted by its policy may get
# another address), a process by its name.
# (The logs grow and rotate by design: the containers' json logs and the store's events.log.)
snapshot() {
  local br f t i
  findmnt -rn -o TARGET | grep -F "$BASE/" | sed 's/^/mount /' | sort
  [ "$OWN_ROOT" = 1 ] || findmnt -rn -o TARGET | grep -F "$ROOT/" | sed 's/^/mount /' | sort
  find "$ROOT" -xdev -mindepth 1 -not -path '*/diff/*' -not -path '*/diff' -not -name '*-json.log*' -not -name 'events.log*' \
    -printf 'file %y %P %l\n' 2>/dev/null |
    sed -E 's|^file l (networks/[0-9a-f]+)/ips/[0-9.]+ (.*)$|ipam \1 \2|' | sort
  test_pids | while read -r p; do echo "proc $(cat "/proc/$p/comm" 2>/dev/null)"; done | sort
  # a dump of the ruleset can be interrupted by other tables' changes: ask again
  if [ -n "${TABLE:-}" ]; then
    : >"$S/nft"
    for i in 1 2 3 4 5; do
      nft list table inet "$TABLE" >"$S/nft" 2>&1 && break
      sleep 0.2
    done
    sed 's/^/nft /' "$S/nft"
  fi
  for f in "$ROOT"/networks/*.json; do
    [ -f "$f" ] || continue
    br=$(jq -r '.Bridge // empty' "$f" 2>/dev/null)
    [ -n "$br" ] || continue
    echo "bridge $br"
    ip -o link show master "$br" 2>/dev/null | awk -F': ' '{print "port '"$br"'", $2}' | sed 's/@.*//'
  done | sort
  TD_STRESS_RUN=$RUN timeout 60 "$TD" ps -aq --no-trunc 2>&1 | sed 's/^/ps /' | sort
}

# veths named as ours that have no bridge
loose_veths() {
  ip -o link show type veth 2>/dev/null | grep -v ' master ' | awk -F': ' '$2 ~ /^tdv/ {print $2}' |
    sed 's/@.*//' | sort
}

# cgroup directories of the round's containers (ids from hostname / run -d)
round_cgroups() {
  [ -s "$S/ids" ] || return 0
  find /sys/fs/cgroup -mindepth 2 -maxdepth 4 -type d -path '*/tinydocker/*' 2>/dev/null |
    grep -F -f "$S/ids" | sed 's/^/cgroup /'
}

check_leaks() { # round; returns 1 on a leak
  local r=$1 i d=""
  for i in $(seq "$LEAK_WAIT"); do
    d=$(
      diff <(cat "$S/base") <(snapshot) | grep -E '^[<>]'
      comm -13 "$S/veths.before" <(loose_veths) | sed 's/^/> loose veth /'
      round_cgroups | sed 's/^/> /'
      while read -r b; do ip link show dev "$b" >/dev/null 2>&1 && echo "> bridge of a removed network: $b"; done <"$S/bridges"
    )
    [ -z "$d" ] && return 0
    sleep 1
  done
  fail "round $r: leaks after ${LEAK_WAIT}s (< as after the warm-up, > now):"$'\n'"$(head -80 <<<"$d")"
  return 1
}

# ---------------------------------------------------------------- cleanup
cleanup() {
  set +e
  touch "$S/stop"
  local p ids
  if [ -e "$S/failures" ]; then
    # a hang leaves processes stuck holding locks: end ours (found by our marker or by what
    # they hold under the root), so the removal below can go through
    kill_test_pids
  fi
  if [ "$OWN_ROOT" = 1 ]; then
    ids=$(timeout 60 "$TD" ps -aq --no-trunc 2>/dev/null)
    [ -z "$ids" ] || timeout 120 "$TD" rm -f $ids >/dev/null 2>&1
    timeout 60 "$TD" network cleanup >/dev/null 2>&1
  fi
  if [ -e "$S/failures" ] && [ "${KEEP:-0}" = 1 ]; then
    log "kept $BASE"
    return
  fi
  findmnt -rn -o TARGET | grep -F "$BASE/" | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$BASE"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---------------------------------------------------------------- main
setup() {
  mkdir -p "$ROOT"
  if [ "$OWN_ROOT" = 1 ]; then
    timeout 120 "$TD" create-default >/dev/null || { fail "create-default failed"; return 1; }
  fi
  # the warm-up makes the store's layout (the default network, its nft table, the volume
  # store, caches): the baseline is taken after it
  local i
  tdc w run --rm -p 80 busybox true || return 1
  tdc w volume create stress-warmup && tdc w volume rm stress-warmup || return 1
  tdc w network create stress-warmup && tdc w network rm stress-warmup || return 1
  tdc w tag busybox stress-warmup && tdc w rmi stress-warmup || return 1
  sleep 1
  for i in $(seq 100); do [ -z "$(ls -A "$ROOT/trash" 2>/dev/null)" ] && break; sleep 0.1; done
  for i in $(seq 50); do
    TABLE=$(our_table)
    [ -z "$TABLE" ] || break
    sleep 0.2
  done
  [ -n "$TABLE" ] || { fail "no nft table of $ROOT after the warm-up"; return 1; }
  snapshot >"$S/base"
}

round() { # r
  local r=$1 w t0 pids=() n
  rm -f "$S/stop"
  : >"$S/ids"
  : >"$S/bridges"
  loose_veths >"$S/veths.before"
  t0=$(date +%s)
  for w in $(seq "$WORKERS"); do
    : >"$S/cur.$w"
    worker "$r" "$w" &
    pids+=($!)
  done
  : >"$S/cur.c"
  checker &
  local cpid=$!
  watchdog "$r" "$t0" &
  local wdpid=$!
  wait "${pids[@]}"
  touch "$S/stop"
  wait "$cpid" "$wdpid"
  n=$(cat "$S"/count.* 2>/dev/null | wc -l)
  rm -f "$S"/count.*
  NCMD=$((NCMD + n))
  [ -e "$S/failures" ] && { log "round $r: failed after $(($(date +%s) - t0))s, $n commands"; return 1; }
  local t1
  t1=$(date +%s)
  check_leaks "$r" || return 1
  log "round $r: ok, $n commands in $((t1 - t0))s, leak check $(($(date +%s) - t1))s (load $(cut -d' ' -f1-3 /proc/loadavg))"
}

if [ "$DURATION" -gt 0 ]; then
  log "stress: $WORKERS workers x $ITERS iterations, rounds for ${DURATION}s, on $ROOT"
else
  log "stress: $WORKERS workers x $ITERS iterations x $ROUNDS rounds on $ROOT"
fi
setup || exit 1
t_start=$(date +%s)
r=0
while :; do
  r=$((r + 1))
  round "$r" || break
  if [ "$DURATION" -gt 0 ]; then
    [ $(($(date +%s) - t_start)) -lt "$DURATION" ] || break
  else
    [ "$r" -lt "$ROUNDS" ] || break
  fi
done
if [ -e "$S/failures" ]; then
  echo "stress: FAILED in round $r ($NCMD commands):"
  sed 's/^/  /' "$S/failures"
  [ ! -e "$S/hung" ] || echo "  hang evidence: $EVIDENCE"
  exit 1
fi
[ ! -s "$S/refusals" ] || { echo "stress: allowed refusals:"; sed 's/^/  /' "$S/refusals"; }
echo "stress: ok, $r rounds, $NCMD commands in $(($(date +%s) - t_start))s"
