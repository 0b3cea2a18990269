#!/usr/bin/env bats
# --detach-keys (run, start, attach, exec): the default ctrl-p,ctrl-q and custom keys detach a
# terminal client with exit 0 while the container (or exec'd process) runs on; a partial
# sequence passes through; bad values are refused before anything is created. Driven by tmux.
bats_require_minimum_version 1.5.0
load ../helpers/engine

setup_file() { td_engine_setup_file; }
setup() {
  td_engine_setup
  command -v tmux >/dev/null || skip "tmux missing"
  SESS=td-detach-$$-$BATS_TEST_NUMBER
}
teardown() {
  tmux kill-session -t "$SESS" 2>/dev/null || true
  td_engine_teardown
}
teardown_file() { td_engine_teardown_file; }

# Run a command line in a new tmux session; its exit code lands in the pane as EXITED=N.
tmux_run() {
  # tmux's server now and then dies at its start on a loaded host ("server exited
  # unexpectedly"): a few tries
  local _
  for _ in 1 2 3; do
    tmux new-session -d -s "$SESS" -x 100 -y 30 \
      "TINYDOCKER_ROOT=$TD_ROOT $*; echo EXITED=\$?; sleep 60" && return 0
    tmux kill-session -t "$SESS" 2>/dev/null || true
    sleep 0.5
  done
  return 1
}
# Wait (up to 5 s) for a line in the pane.
pane_wait() { # regex
  local i
  for i in $(seq 50); do
    tmux capture-pane -p -t "$SESS" | grep -qE "$1" && return 0
    sleep 0.1
  done
  tmux capture-pane -p -t "$SESS"
  return 1
}
running_pid() { # ref: the init pid, checked running by inspect and by /proc
  [ "$(td inspect -f '{{.State.Running}}' "$1")" = true ] || return 1
  local pid
  pid=$(td inspect -f '{{.State.Pid}}' "$1")
  [ -d "/proc/$pid" ] || return 1
  echo "$pid"
}

@test "run -it: ctrl-p ctrl-q detaches with exit 0; the container runs on; attach comes back" {
  tmux_run "$TINYDOCKER run -it --name d1 busybox sh"
  pane_wait '^/ #'
  tmux send-keys -t "$SESS" 'echo one >/tmp/f' Enter
  sleep 0.3
  tmux send-keys -t "$SESS" C-p C-q
  pane_wait 'EXITED=0$'
  pid=$(running_pid d1)
  [ "$(cat "/proc/$pid/root/tmp/f")" = one ]
  # the monitor dropped the client: nothing more is written to the old terminal
  tmux kill-session -t "$SESS"
  # attach again (default keys), type, detach again
  tmux_run "$TINYDOCKER attach d1"
  sleep 0.5
  tmux send-keys -t "$SESS" 'echo two >/tmp/f' Enter
  sleep 0.3
  tmux send-keys -t "$SESS" C-p C-q
  pane_wait 'EXITED=0$'
  [ "$(cat "/proc/$pid/root/tmp/f")" = two ]
  [ "$(running_pid d1)" = "$pid" ]
}

@test "a custom key sequence detaches; a partial one passes its bytes through" {
  tmux_run "$TINYDOCKER run -it --detach-keys q,z --name d2 busybox sh"
  pane_wait '^/ #'
  # "q" starts the sequence, "y" breaks it: both reach the shell; ctrl-p ctrl-q are plain input
  tmux send-keys -t "$SESS" 'echo qy >/tmp/f' Enter
  sleep 0.3
  pid=$(running_pid d2)
  [ "$(cat "/proc/$pid/root/tmp/f")" = qy ]
  tmux send-keys -t "$SESS" C-p C-q
  sleep 0.3
  ! tmux capture-pane -p -t "$SESS" | grep -q EXITED || false
  tmux send-keys -t "$SESS" q z
  pane_wait 'EXITED=0$'
  [ "$(running_pid d2)" = "$pid" ]
  # attach with ctrl-a,x
  tmux kill-session -t "$SESS"
  tmux_run "$TINYDOCKER attach --detach-keys ctrl-a,x d2"
  sleep 0.5
  tmux send-keys -t "$SESS" C-a x
  pane_wait 'EXITED=0$'
  [ "$(running_pid d2)" = "$pid" ]
}

@test "start -ai detaches too; without a tty the keys are plain input (docker)" {
  td create -it --name d3 busybox sh >/dev/null
  tmux_run "$TINYDOCKER start -ai --detach-keys ctrl-x d3"
  pane_wait '^/ #'
  tmux send-keys -t "$SESS" C-x
  pane_wait 'EXITED=0$'
  running_pid d3 >/dev/null
  run bash -c "printf '\020\021' | '$TINYDOCKER' run -i --rm busybox od -An -c"
  [ "$status" -eq 0 ]
  [[ "$output" == *020*021* ]]
}

@test "exec -it: the keys detach the client and the exec'd shell runs on" {
  td run -d --name d4 busybox sleep 1000 >/dev/null
  tmux_run "$TINYDOCKER exec -it d4 sh"
  pane_wait '^/ #'
  tmux send-keys -t "$SESS" 'echo $$ >/tmp/execpid' Enter
  sleep 0.3
  tmux send-keys -t "$SESS" C-p C-q
  pane_wait 'EXITED=0$'
  pid=$(running_pid d4)
  epid=$(cat "/proc/$pid/root/tmp/execpid")
  # the exec'd shell is alive in the container's pid namespace
  run td exec d4 sh -c "test -d /proc/$epid && cat /proc/$epid/comm"
  [ "$output" = sh ]
  # and with a custom key
  tmux kill-session -t "$SESS"
  tmux_run "$TINYDOCKER exec -it --detach-keys ctrl-b d4 sh"
  pane_wait '^/ #'
  tmux send-keys -t "$SESS" C-b
  pane_wait 'EXITED=0$'
}

@test "a bad --detach-keys is refused with one line before anything is created" {
  for keys in ctrl-zz ab 'ctrl-p,' ctrl-P; do
    run -125 td run -i --detach-keys "$keys" busybox sh
    [ "${#lines[@]}" -eq 2 ] && [ "${lines[1]}" = "See 'tinydocker run --help'." ]
    [[ "$output" == *"Invalid detach keys ($keys) provided"* ]]
  done
  [ "$(td_count)" -eq 0 ]
  [ -z "$(ls "$TD_ROOT/volumes" 2>/dev/null)" ]
  td run -d --name d5 busybox sleep 100 >/dev/null
  run -1 td attach --detach-keys ctrl-zz d5
  [ "${#lines[@]}" -eq 1 ]
  run -125 td exec -it --detach-keys ctrl-zz d5 sh
  [ "${#lines[@]}" -eq 1 ]
  td create -it --name d6 busybox sh >/dev/null
  run -125 td start -ai --detach-keys ctrl-zz d6
  [ "${#lines[@]}" -eq 1 ]
  [ "$(td inspect -f '{{.State.Status}}' d6)" = created ]
}

@test "run --rm -it, detached: the container runs on and is removed when it stops" {
  tmux_run "$TINYDOCKER run --rm -it --name d7 busybox sh"
  pane_wait '^/ #'
  tmux send-keys -t "$SESS" C-p C-q
  pane_wait 'EXITED=0$'
  running_pid d7 >/dev/null
  td stop -t 1 d7 >/dev/null
  for i in $(seq 50); do [ "$(td_count)" -eq 0 ] && break; sleep 0.1; done
  [ "$(td_count)" -eq 0 ]
}
