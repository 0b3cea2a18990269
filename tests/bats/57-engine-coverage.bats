#!/usr/bin/env bats
# The rest of issue 4's list, each seen from the kernel or the store: --cpu-period,
# --cpu-quota, --cpu-shares, --cpuset-mems in the cgroup files; logs --since/--until cutting
# between lines; stats live mode updating; restart giving a new init; ps --filter ancestor=
# (the image and images built on it) and same-key filters or-ed; exec --privileged; cp both
# directions with a stopped container; kill's default signal; wait on several containers.
bats_require_minimum_version 1.5.0
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() { td_engine_setup; }
teardown() { td_engine_teardown; }
teardown_file() { td_engine_teardown_file; }

cg_file() { # id v1-controller v1-file v2-file
  local f
  f=$(find /sys/fs/cgroup/$2 -path "*/$1/$3" 2>/dev/null | head -1)
  [ -n "$f" ] || f=$(find /sys/fs/cgroup -maxdepth 3 -path "*/$1/$4" 2>/dev/null | head -1)
  echo "$f"
}

@test "--cpu-period, --cpu-quota, --cpu-shares, --cpuset-mems reach the cgroup" {
  id=$(td run -d --cpu-period 50000 --cpu-quota 25000 --cpu-shares 256 --cpuset-mems 0 busybox sleep 30)
  q=$(cg_file "$id" cpu cpu.cfs_quota_us cpu.max)
  if [[ "$q" == *cpu.max ]]; then
    [ "$(cat "$q")" = "25000 50000" ]
  else
    [ "$(cat "$q")" = 25000 ]
    [ "$(cat "$(cg_file "$id" cpu cpu.cfs_period_us x)")" = 50000 ]
    [ "$(cat "$(cg_file "$id" cpu cpu.shares x)")" = 256 ]
  fi
  m=$(cg_file "$id" cpuset cpuset.mems cpuset.mems)
  [ "$(cat "$m")" = 0 ]
  pid=$(td inspect -f '{{.State.Pid}}' "$id")
  [ "$(awk '/Mems_allowed_list/ {print $2}' "/proc/$pid/status")" = 0 ]
  [ "$(td inspect -f '{{.HostConfig.CpuPeriod}} {{.HostConfig.CpuQuota}} {{.HostConfig.CpuShares}} {{.HostConfig.CpusetMems}}' "$id")" = "50000 25000 256 0" ]
}

@test "logs --since and --until cut between lines (RFC 3339 and unix times)" {
  td run -d --name lt busybox sh -c 'echo l1; sleep 1; echo l2; sleep 1; echo l3' >/dev/null
  [ "$(td wait lt)" = 0 ]
  run td logs -t lt
  [ "${#lines[@]}" -eq 3 ]
  # times halfway between the lines, in both accepted forms
  read -r m12 m23 u12 u23 < <(td logs -t lt | python3 -c '
import sys, datetime as d
t = [d.datetime.strptime(l.split()[0][:26].rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=d.timezone.utc).timestamp() for l in sys.stdin]
a, b = (t[0] + t[1]) / 2, (t[1] + t[2]) / 2
f = lambda x: d.datetime.fromtimestamp(x, d.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
print(f(a), f(b), "%.3f" % a, "%.3f" % b)')
  run td logs --since "$m12" lt
  [ "$output" = "$(printf 'l2\nl3')" ]
  run td logs --until "$m23" lt
  [ "$output" = "$(printf 'l1\nl2')" ]
  run td logs --since "$m12" --until "$m23" lt
  [ "$output" = l2 ]
  run td logs --since "$u12" --until "$u23" lt
  [ "$output" = l2 ]
  run td logs --until 1h lt
  [ -z "$output" ]
  run -1 td logs --until yesterday lt
}

@test "stats without --no-stream keeps sampling: a new process shows in a later frame" {
  td run -d --name sl busybox sleep 60 >/dev/null
  out=$TEST_TMP/stats.out
  timeout 4 "$TINYDOCKER" stats --format '{{.Name}} {{.PIDs}}' sl >"$out" &
  spid=$!
  sleep 1.5
  td exec -d sl sleep 30
  wait "$spid" || true
  frames=$(grep -c $'\033\[2J' "$out")
  [ "$frames" -ge 4 ]
  sed 's/\x1b\[2J\x1b\[H//g' "$out" | grep -qx 'sl 1'
  sed 's/\x1b\[2J\x1b\[H//g' "$out" | grep -qx 'sl 2'
  # the first frames had one process, the last ones two
  [ "$(sed 's/\x1b\[2J\x1b\[H//g' "$out" | grep -x 'sl [0-9]*' | tail -1)" = 'sl 2' ]
}

@test "restart: a running container gets a new init; a stopped one starts" {
  td run -d --name rs busybox sleep 60 >/dev/null
  pid1=$(td inspect -f '{{.State.Pid}}' rs)
  started1=$(td inspect -f '{{.State.StartedAt}}' rs)
  run td restart -t 1 rs
  [ "$output" = rs ]
  pid2=$(td inspect -f '{{.State.Pid}}' rs)
  [ "$pid2" != "$pid1" ]
  [ ! -d "/proc/$pid1" ] || [ "$(cat /proc/$pid1/comm 2>/dev/null)" != sleep ]
  # restart returns once the new init started; its exec may come a moment later
  for _ in $(seq 100); do [ "$(cat "/proc/$pid2/comm")" = sleep ] && break; sleep 0.05; done
  [ "$(cat "/proc/$pid2/comm")" = sleep ]
  [ "$(td inspect -f '{{.State.Running}}' rs)" = true ]
  [ "$(td inspect -f '{{.State.StartedAt}}' rs)" != "$started1" ]
  td stop -t 0 rs >/dev/null
  td restart rs >/dev/null
  [ "$(td inspect -f '{{.State.Running}}' rs)" = true ]
  run -1 td restart nosuch
}

@test "ps --filter ancestor= matches the image and images built on it; same keys are or-ed" {
  td run --name base busybox true >/dev/null
  td commit base child:1 >/dev/null
  td_make_busybox_rootfs "$TEST_TMP/other"
  tar -C "$TEST_TMP/other" -cf "$TEST_TMP/other.tar" .
  td import "$TEST_TMP/other.tar" other:1 >/dev/null
  td create --name ca busybox true >/dev/null
  td create --name cb child:1 true >/dev/null
  c=$(td create --name cc other:1 true)
  ids() { td ps -a --no-trunc --format '{{.Names}}' "$@" | sort | tr '\n' ' '; }
  [ "$(ids --filter ancestor=busybox)" = "base ca cb " ]
  [ "$(ids --filter ancestor=busybox:latest)" = "base ca cb " ]
  [ "$(ids --filter ancestor=child:1)" = "cb " ]
  [ "$(ids --filter ancestor=other:1)" = "cc " ]
  [ "$(ids --filter ancestor=child:1 --filter ancestor=other:1)" = "cb cc " ]
  bid=$(td image inspect -f '{{.Id}}' busybox)
  [ "$(ids --filter "ancestor=$bid")" = "base ca cb " ]
  [ -z "$(ids --filter ancestor=nosuch:1)" ]
  [ "$(ids --filter status=exited --filter status=created)" = "base ca cb cc " ]
  [ "$(ids --filter status=exited)" = "base " ]
  [ "$(ids --filter status=created --filter name=cb)" = "cb " ]
  [ "$(ids --filter exited=0)" = "base " ]
  [ "$(ids --filter "id=${c:0:10}")" = "cc " ]
  td rm ca cb cc base >/dev/null
  td rmi child:1 other:1 >/dev/null
}

@test "exec --privileged gets every capability, a plain exec docker's 14" {
  td run -d --name ep busybox sleep 60 >/dev/null
  run td exec ep grep CapEff /proc/self/status
  [[ "$output" == *00000000a80425fb ]]
  run td exec --privileged ep grep CapEff /proc/self/status
  [[ "$output" != *00000000a80425fb ]]
  # everything this (root) test process may have: the bounding set of the host
  want=$(awk '/CapBnd/ {print $2}' /proc/self/status)
  [[ "$output" == *"$want" ]]
}

@test "cp both directions with a stopped container; kill's default is SIGKILL; wait on several" {
  td run --name cs busybox sh -c 'echo inside >/tmp/made' >/dev/null
  td cp cs:/tmp/made "$TEST_TMP/out"
  [ "$(cat "$TEST_TMP/out")" = inside ]
  echo outside >"$TEST_TMP/in"
  td cp "$TEST_TMP/in" cs:/tmp/in
  run td start -a cs
  # the file is in the container's layer, seen by its next run
  td_mount=$(td inspect -f '{{.Id}}' cs)
  [ -f "$TD_ROOT/containers/$td_mount/upper/tmp/in" ]
  [ "$(cat "$TD_ROOT/containers/$td_mount/upper/tmp/in")" = outside ]
  td run -d --name k1 busybox sleep 60 >/dev/null
  td run -d --name k2 busybox sh -c 'sleep 0.5; exit 3' >/dev/null
  td kill k1 >/dev/null
  run td wait k1 k2
  [ "$output" = "$(printf '137\n3')" ]
  [ "$(td inspect -f '{{.State.ExitCode}}' k1)" = 137 ]
}

@test "top takes ps options: -ef (default), aux, -o/-eo field lists with headers; bad ones 125" {
  td run -d --name tq busybox sleep 60 >/dev/null
  pid=$(td inspect -f '{{.State.Pid}}' tq)
  run td top tq
  [[ "${lines[0]}" == UID*PID*PPID*C*STIME*TTY*TIME*CMD ]]
  [[ "${lines[1]}" == "root "*" $pid "*"sleep 60" ]]
  run td top tq aux
  [[ "${lines[0]}" == USER*PID*%CPU*%MEM*VSZ*RSS*TTY*STAT*START*TIME*COMMAND ]]
  # the kernel's numbers: RSS and VSZ in KiB as /proc/PID/status has them
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  vsz=$(awk '/VmSize/ {print $2}' "/proc/$pid/status")
  read -r _ p _ _ v r _ s _ <<<"${lines[1]}"
  [ "$p" = "$pid" ]
  [ "$v" = "$vsz" ]
  [ "$s" = S ]
  # RSS as ps shows it, from /proc/PID/stat: the kernel's per-cpu counters make that an
  # approximation of status's VmRSS (they differed by 88 KB here), so within 512 KB
  [ $((r - rss)) -le 512 ]
  [ $((rss - r)) -le 512 ]
  run td top tq -o pid,comm,nlwp
  [[ "${lines[0]}" == PID*COMMAND*NLWP ]]
  [[ "${lines[1]}" == "$pid "*"sleep "*"1" ]]
  run td top tq -eo pid=ID,ppid
  [[ "${lines[0]}" == ID*PPID ]]
  [ "$(echo "${lines[1]}" | awk '{print $2}')" = "$(awk '{print $4}' "/proc/$pid/stat")" ]
  run -1 td top tq -x
  [ "${#lines[@]}" -eq 1 ]
  run -1 td top tq -o bogus
  [[ "$output" == *"unknown field 'bogus'"* ]]
}

@test "logs --details: docker's attrs prefix (k=v sorted, query-escaped), a space when none" {
  td run --name ld busybox echo plain >/dev/null
  run td logs --details ld
  [ "$output" = " plain" ]
  # an entry as docker's json-file writes it with --log-opt labels=... (attrs)
  f=$(td inspect -f '{{.LogPath}}' ld)
  echo '{"log":"tagged\n","stream":"stdout","attrs":{"zone":"a b","app":"x/y"},"time":"2030-01-01T00:00:00.000000001Z"}' >>"$f"
  run td logs --details ld
  [ "$output" = "$(printf ' plain\napp=x%%2Fy,zone=a+b tagged')" ]
  run td logs ld
  [ "$output" = "$(printf 'plain\ntagged')" ]
}

@test "stats NET I/O counts the container's own traffic (a ping between two of our containers)" {
  td run -d --name na busybox sleep 60 >/dev/null
  td run -d --name nb busybox sleep 60 >/dev/null
  ip=$(td inspect -f '{{.NetworkSettings.IPAddress}}' nb)
  [ -n "$ip" ]
  before=$(td stats --no-stream --format '{{.NetIO}}' na)
  td exec na ping -c 5 -W 1 "$ip" >/dev/null
  # what the kernel counted on the container's eth0 (received / sent), just before and just
  # after stats reads it: a stray packet (a neighbour probe) may arrive in between
  pid=$(td inspect -f '{{.State.Pid}}' na)
  netdev() { awk '/eth0:/ { sub(/.*:/, ""); print $1, $9 }' "/proc/$pid/net/dev"; }
  read -r rx1 tx1 < <(netdev)
  after=$(td stats --no-stream --format '{{.NetIO}}' na)
  read -r rx2 tx2 < <(netdev)
  [ "$before" != "$after" ]
  [ "$tx2" -ge 490 ]
  echo "kernel rx=$rx1..$rx2 tx=$tx1..$tx2, stats: $after"
  python3 - "$after" "$rx1" "$tx1" "$rx2" "$tx2" <<'PY'
import re, sys
units = {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}
got = [float(v) * units[u] for v, u in re.findall(r"([0-9.]+)([kMG]?B)", sys.argv[1])]
lo = [int(sys.argv[2]), int(sys.argv[3])]
hi = [int(sys.argv[4]), int(sys.argv[5])]
# docker's NET I/O has 3 significant digits: a rounding margin of 2% (at least 100 bytes)
assert len(got) == 2 and all(l - max(100, 0.02 * l) <= g <= h + max(100, 0.02 * h)
                             for g, l, h in zip(got, lo, hi)), (got, lo, hi)
PY
}

@test "run: a program on a bind mount or volume runs (looked up once the mounts exist)" {
  mkdir -p "$TEST_TMP/tools"
  cp /bin/busybox "$TEST_TMP/tools/echo"
  run td run --rm --network none -v "$TEST_TMP/tools:/tb" busybox /tb/echo from-the-volume
  [ "$status" -eq 0 ]
  [ "$output" = from-the-volume ]
  # through PATH too
  run td run --rm --network none -e PATH=/tb:/bin -v "$TEST_TMP/tools:/tb:ro" busybox echo via-path
  [ "$status" -eq 0 ]
  [ "$output" = via-path ]
  # a program missing from the mount is still docker's 127, with one line
  run td run --rm --network none -v "$TEST_TMP/tools:/tb" busybox /tb/nope
  [ "$status" -eq 127 ]
  [[ "$output" == *'exec: "/tb/nope": no such file or directory'* ]]
  # and one missing from the image, not under any mount: the same
  run td run --rm --network none busybox /nope
  [ "$status" -eq 127 ]
  [[ "$output" == *'exec: "/nope": no such file or directory'* ]]
}
