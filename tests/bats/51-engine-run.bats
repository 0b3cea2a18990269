#!/usr/bin/env bats
# tinydocker run/create/start: the seeds' command lines, docker's defaults (caps, seccomp,
# hostname, /etc files, /dev/shm), every run flag, exit codes 126/127/137.
bats_require_minimum_version 1.5.0
load ../helpers/engine
load ../helpers/probe

setup_file() {
  td_engine_setup_file
  td_build_probe
}
setup() {
  td_engine_setup
  td_build_probe
}
teardown() { td_engine_teardown; }
teardown_file() { td_engine_teardown_file; }

@test "run: output, exit codes 0/3/126/127/137" {
  run td run --rm busybox echo hello
  [ "$status" -eq 0 ]
  [ "$output" = hello ]
  run td run --rm busybox sh -c 'exit 3'
  [ "$status" -eq 3 ]
  run -127 td run --rm busybox nosuchcmd
  [ "$status" -eq 127 ]
  [[ "$output" == *'"nosuchcmd": executable file not found in $PATH'* ]]
  run -126 td run --rm busybox /etc/passwd
  [ "$status" -eq 126 ]
  # (PID 1 of the pid namespace ignores SIGKILL from inside, so a child gets killed)
  run td run --rm busybox sh -c 'sh -c "kill -9 \$\$"; exit $?'
  [ "$status" -eq 137 ]
  [ "$(td_count)" -eq 0 ]
}

@test "stdout and stderr stay apart; -i passes stdin" {
  run bash -c "'$TINYDOCKER' run --rm busybox sh -c 'echo out; echo err >&2' 2>/dev/null"
  [ "$output" = out ]
  run bash -c "'$TINYDOCKER' run --rm busybox sh -c 'echo out; echo err >&2' 2>&1 >/dev/null"
  [ "$output" = err ]
  run bash -c "printf 'a\nb\n' | '$TINYDOCKER' run --rm -i busybox wc -l"
  [ "$output" = 2 ]
  # without -i the container's stdin is empty
  run bash -c "echo x | '$TINYDOCKER' run --rm busybox cat"
  [ "$output" = "" ]
}

@test "seed: run -it /bin/sh under tmux: the shell is PID 1 with a tty and the window size" {
  command -v tmux || skip "tmux missing"
  sess=td-eng-$$
  tmux new-session -d -s "$sess" -x 100 -y 30 \
    "TINYDOCKER_ROOT=$TD_ROOT $TINYDOCKER run -it /bin/sh; echo EXITED=\$?; sleep 20"
  sleep 1.5
  tmux send-keys -t "$sess" 'ps -ef; tty; stty size' Enter
  sleep 0.7
  tmux send-keys -t "$sess" 'exit 5' Enter
  sleep 1
  out=$(tmux capture-pane -p -t "$sess")
  tmux kill-session -t "$sess"
  echo "$out"
  echo "$out" | grep -E '^ +1 root +/bin/sh$'
  echo "$out" | grep -q '^/dev/pts/0'
  echo "$out" | grep -q '^30 100'
  echo "$out" | grep -q 'EXITED=5'
}

@test "seed: run --memory 256m --cpu-cfs-quota 20000 --cpu-share 512 --tty --interactive IMAGE sh" {
  # under a terminal (script(1)'s pty): docker refuses -it when stdin is not one
  run bash -c "echo 'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cat /sys/fs/cgroup/cpu.max; exit' | script -qec \"'$TINYDOCKER' run --memory 256m --cpu-cfs-quota 20000 --cpu-share 512 --tty --interactive busybox sh\" /dev/null"
  [ "$status" -eq 0 ]
  [[ "$output" == *20000* ]]
  id=$(td ps -lq --no-trunc)
  [ "$(td inspect -f '{{.HostConfig.Memory}} {{.HostConfig.CpuQuota}} {{.HostConfig.CpuShares}} {{.Config.Tty}}' "$id")" = "268435456 20000 512 true" ]
}

@test "seed: run -ti -m 100m -- IMAGE CMD ARGS" {
  run script -qec "'$TINYDOCKER' run -ti -m 100m -- busybox echo a b" /dev/null </dev/null
  [ "$status" -eq 0 ]
  [[ "$output" == *"a b"* ]] # script may put a terminal sequence first (the VM guests)
}

@test "docker defaults: hostname = short id, /etc files, /dev/shm 64m, caps and seccomp" {
  run td run -d busybox sleep 60
  id=$output
  short=${id:0:12}
  run td exec "$id" sh -c 'hostname; cat /etc/hostname; grep -c "$(hostname)" /etc/hosts; df -k /dev/shm | tail -1'
  [ "${lines[0]}" = "$short" ]
  [ "${lines[1]}" = "$short" ]
  [ "${lines[2]}" -ge 1 ]
  [[ "${lines[3]}" == *" 65536 "* ]]
  pid=$(td inspect -f '{{.State.Pid}}' "$id")
  # the security probe, from the host
  grep -q "^CapEff:.*00000000a80425fb" /proc/$pid/status
  grep -q "^CapBnd:.*00000000a80425fb" /proc/$pid/status
  grep -q "^Seccomp:.*2" /proc/$pid/status
  [ "$(readlink /proc/$pid/ns/pid)" != "$(readlink /proc/self/ns/pid)" ]
  [ "$(readlink /proc/$pid/ns/uts)" != "$(readlink /proc/self/ns/uts)" ]
  [ "$(readlink /proc/$pid/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ]
  [ "$(readlink /proc/$pid/ns/ipc)" != "$(readlink /proc/self/ns/ipc)" ]
  # /proc isolation: only the container's processes
  run td exec "$id" sh -c 'ls -d /proc/[0-9]* | wc -l'
  [ "$output" -le 4 ]
  run td exec "$id" cat /proc/kcore
  [[ "$output" != *ELF* ]]
  run td exec "$id" sh -c 'echo 1 > /proc/sys/kernel/domainname'
  [ "$status" -ne 0 ]
}

@test "--name, -h, -e, --env-file, -w, -u, --entrypoint, --label" {
  printf 'FROMFILE=yes\n# comment\n' >"$TEST_TMP/envf"
  run td run --rm --name n1 -h myhost -e A=1 --env-file "$TEST_TMP/envf" -w /tmp -u nobody \
    busybox sh -c 'echo $(hostname) $A $FROMFILE $(pwd) $(id -u):$(id -g)'
  [ "$output" = "myhost 1 yes /tmp 65534:65534" ]
  run td run --rm -u 1234:5 busybox id
  [[ "$output" == "uid=1234 gid=5"* ]]
  run td run --rm -u nosuchuser busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"unable to find user nosuchuser"* ]]
  run td run --rm --entrypoint echo busybox hi there
  [ "$output" = "hi there" ]
  run td create --label a=b --label c busybox true
  id=$output
  [ "$(td inspect -f '{{index .Config.Labels "a"}}' "$id")" = b ]
  [ "$(td ps -aq --filter label=a=b)" = "${id:0:12}" ]
  [ -z "$(td ps -aq --filter label=a=x)" ]
}

@test "--init: a minimal init is PID 1 and reaps" {
  run td run --rm --init busybox sh -c 'ps -o pid,args | head -3'
  [[ "$output" == *"1 /sbin/docker-init -- sh -c"* ]]
  # the init binary is read-only inside
  run td run --rm --init busybox sh -c 'echo x > /sbin/docker-init'
  [ "$status" -ne 0 ]
  # signals are forwarded: stop is fast (sh as PID 1 would ignore SIGTERM)
  id=$(td run -d --init busybox sleep 60)
  # once the init runs sleep (its handlers are set before that; a SIGTERM before them is
  # ignored by a PID 1)
  for _ in $(seq 100); do td exec "$id" sh -c 'ps -o comm | grep -qx sleep' && break; sleep 0.05; done
  # 143: SIGTERM reached sleep (a timeout's SIGKILL would give 137); well under the timeout
  # even on a host busy with other work
  start=$(date +%s%N)
  td stop -t 10 "$id"
  end=$(date +%s%N)
  [ $(((end - start) / 1000000)) -lt 9000 ]
  [ "$(td inspect -f '{{.State.ExitCode}}' "$id")" = 143 ]
}

@test "--read-only, --tmpfs, --shm-size" {
  run td run --rm --read-only busybox touch /x
  [ "$status" -ne 0 ]
  run td run --rm --read-only --tmpfs /scratch busybox sh -c 'touch /scratch/x && echo ok'
  [ "$output" = ok ]
  run td run --rm --shm-size 8m busybox sh -c 'df -k /dev/shm | tail -1'
  [[ "$output" == *" 8192 "* ]]
}

@test "--privileged, --cap-add, --cap-drop (kernel view from the probe)" {
  # the probe goes in with cp (a created container), then start -a runs it
  id=$(td create busybox /probe caps)
  td cp "$PROBE" "$id:/probe"
  run td start -a "$id"
  [[ "$output" == *"a80425fb"* ]]
  run td run --rm --cap-drop ALL busybox grep CapEff /proc/self/status
  [[ "$output" == *"0000000000000000"* ]]
  run td run --rm --cap-drop chown --cap-add NET_ADMIN busybox grep CapEff /proc/self/status
  # chown (bit 0) gone, net_admin (bit 12) added: a80425fb - 1 + 0x1000
  [[ "$output" == *"00000000a80435fa"* ]]
  run td run --rm --privileged busybox grep -E 'CapEff|Seccomp:' /proc/self/status
  # every capability the host lets us have (CAP_SYS_RESOURCE may be missing on this VM)
  [[ "$output" == *"CapEff:	000001fff"* || "$output" == *"CapEff:	0000003ff"* ]]
  [[ "$output" == *"Seccomp:	0"* ]]
}

@test "--security-opt seccomp=unconfined|FILE, no-new-privileges" {
  run td run --rm --security-opt seccomp=unconfined busybox grep Seccomp: /proc/self/status
  [[ "$output" == *"Seccomp:	0"* ]]
  run td run --rm busybox grep NoNewPrivs /proc/self/status
  [[ "$output" == *"NoNewPrivs:	0"* ]]
  run td run --rm --security-opt no-new-privileges busybox grep NoNewPrivs /proc/self/status
  [[ "$output" == *"NoNewPrivs:	1"* ]]
  cat >"$TEST_TMP/sc.json" <<'JSON'
{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}
JSON
  run td run --rm --security-opt seccomp="$TEST_TMP/sc.json" busybox mkdir /x
  [ "$status" -ne 0 ]
  [[ "$output" == *"Operation not permitted"* ]]
}

@test "--ulimit, --pids-limit, --sysctl, --stop-signal, --stop-timeout" {
  run td run --rm --ulimit nofile=1024:2048 busybox sh -c 'ulimit -n; ulimit -Hn'
  [ "$output" = "$(printf '1024\n2048')" ]
  run td run -d --pids-limit 42 --stop-signal SIGUSR1 --stop-timeout 3 busybox sleep 30
  id=$output
  pid=$(td inspect -f '{{.State.Pid}}' "$id")
  f=$(find /sys/fs/cgroup -path "*$id*" -name pids.max | head -1)
  [ "$(cat "$f")" = 42 ]
  [ "$(td inspect -f '{{.Config.StopSignal}} {{.Config.StopTimeout}}' "$id")" = "SIGUSR1 3" ]
  run td run --rm --sysctl net.ipv4.ip_forward=1 --network none busybox cat /proc/sys/net/ipv4/ip_forward
  [ "$output" = 1 ]
}

@test "-v bind (ro), --mount, named and anonymous volumes" {
  mkdir -p "$TEST_TMP/src"
  echo data >"$TEST_TMP/src/f"
  run td run --rm -v "$TEST_TMP/src:/src:ro" busybox sh -c 'cat /src/f; touch /src/g'
  [ "${lines[0]}" = data ]
  [ "$status" -ne 0 ]
  [ ! -e "$TEST_TMP/src/g" ]
  run td run --rm --mount "type=bind,source=$TEST_TMP/src,target=/m" busybox sh -c 'echo w > /m/g'
  [ "$(cat "$TEST_TMP/src/g")" = w ]
  td run --rm -v vol1:/data busybox sh -c 'echo keep > /data/k'
  run td run --rm -v vol1:/data busybox cat /data/k
  [ "$output" = keep ]
  td volume rm vol1
}

@test "--device adds a node and its cgroup rule" {
  run td run --rm --device /dev/null:/dev/xnull busybox sh -c 'echo x > /dev/xnull && echo ok'
  [ "$output" = ok ]
}

@test "--rootfs DIR: run from a plain directory (the seeds' /root/busybox)" {
  td_make_busybox_rootfs "$TEST_TMP/rootfs"
  run td run --rm --rootfs "$TEST_TMP/rootfs" /bin/sh -c 'echo from-dir; hostname'
  [ "${lines[0]}" = from-dir ]
  [ "$(td_mounts_under_root)" -eq 0 ]
}

@test "create + start -a, start of a stopped container" {
  run td create --name c1 busybox echo started
  [ "$status" -eq 0 ]
  [ "$(td inspect -f '{{.State.Status}}' c1)" = created ]
  run td start -a c1
  [ "$output" = started ]
  [ "$(td inspect -f '{{.State.Status}} {{.State.ExitCode}}' c1)" = "exited 0" ]
  run td start c1
  [ "$output" = c1 ]
  td wait c1
  [ "$(td logs c1 | wc -l)" -eq 2 ]
}

@test "-d prints the id at once and the container outlives the CLI" {
  start=$(date +%s%N)
  run td run -d --name bg busybox sleep 30
  end=$(date +%s%N)
  [[ "$output" =~ ^[0-9a-f]{64}$ ]]
  [ $(((end - start) / 1000000)) -lt 2000 ]
  [ "$(td inspect -f '{{.State.Running}}' bg)" = true ]
  # the monitor is not a child of the CLI: its parent is init or a subreaper
  mon=$(td inspect -f '{{.State.Pid}}' bg)
  ppid=$(awk '/^PPid/ {print $2}' /proc/$mon/status)
  # (tinydocker-moni for the moment between the idle hand-over's exec and its PR_SET_NAME)
  [[ "$(cat /proc/$ppid/comm)" =~ ^(td-monitor|tinydocker-moni)$ ]]
}

@test "attached without a terminal: the CLI's pid becomes tinydocker-attach, passes signals on (sig-proxy), exits with the code" {
  "$TINYDOCKER" run --rm --name sp --network none busybox \
    sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done' \
    >"$TEST_TMP/out" 2>&1 3>&- &
  cli=$!
  for _ in $(seq 100); do grep -q ready "$TEST_TMP/out" && break; sleep 0.05; done
  grep -q ready "$TEST_TMP/out"
  # handed over: the monitor (cloned into the CLI's address space) is the CLI's child, and
  # the CLI's pid now runs the small static client
  [ "$(basename "$(readlink /proc/$cli/exe)")" = tinydocker-attach ]
  init=$(td inspect -f '{{.State.Pid}}' sp)
  mon=$(awk '/^PPid/ {print $2}' /proc/$init/status)
  [ "$(awk '/^PPid/ {print $2}' /proc/$mon/status)" = "$cli" ]
  kill -TERM "$cli"
  rc=0
  wait "$cli" || rc=$?
  [ "$rc" -eq 7 ]
  grep -q got-term "$TEST_TMP/out"
  ! td inspect sp >/dev/null 2>&1 || false
  # called by hand (or with a mode it does not know) it refuses, with docker's engine code
  run -125 "$BUILD_DIR/engine/tinydocker-attach"
  [ "$output" = "tinydocker: tinydocker-attach: not started by tinydocker's hand-over" ]
  run -125 "$BUILD_DIR/engine/tinydocker-attach" 3 x
  [ "$output" = "tinydocker: tinydocker-attach: not started by tinydocker's hand-over" ]
}

@test "--restart on-failure:2 restarts twice; --rm removes everything" {
  run td run -d --restart on-failure:2 busybox sh -c 'exit 4'
  id=$output
  for i in $(seq 100); do
    [ "$(td inspect -f '{{.State.Status}}' "$id")" = exited ] && break
    sleep 0.1
  done
  [ "$(td inspect -f '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}' "$id")" = "exited 2 4" ]
  run td run --rm --name gone busybox true
  [ "$(td_count)" -eq 1 ]
  [ ! -e "$TD_ROOT/containers/names/gone" ]
}
